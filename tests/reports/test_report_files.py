"""Report files rendered from the rollups: selection, stats, levels, intervals, time zones, uniques, packing."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import requests

from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.build import generate_report, run_stamp
from engagement_pipeline.lib.reports.outputs import read_outputs
from engagement_pipeline.lib.reports.render import CAMPAIGN_COLUMNS, CANVAS_COLUMNS
from engagement_pipeline.lib.reports.spec import ReportDefinitionError
from tests.support.reports import build_workspace, definition, pick, render, unpack

FRAME = "time_frame: {start: 2026-09-30, end: 2026-11-02}"


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    home = tmp_path_factory.mktemp("report_workspace")
    url = f"duckdb:///{home / 'warehouse.duckdb'}"
    build_workspace(url, home)
    return url


def campaigns_in(url, tmp_path, messages: str) -> set[str]:
    _, files = render(url, tmp_path, f"name: r\nmessages: {messages}\n{FRAME}\ninterval: total")
    return {row["campaign_id"] for row in files.get("campaigns.csv", [])} | {row["canvas_id"] for row in files.get("canvases.csv", [])}


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ("{campaigns: [c_news]}", {"c_news"}),
        ("{campaigns: [c_news], canvases: [cv_onb]}", {"c_news", "cv_onb"}),
        ("{tags: {match: any, values: [promo, onboarding]}}", {"c_promo", "c_app", "c_iam", "cv_onb"}),
        ("{tags: {match: all, values: [promo, HOLIDAY]}}", {"c_promo", "c_iam"}),
        ("{campaigns: [c_news], tags: {match: all, values: [onboarding]}}", {"c_news", "cv_onb"}),
    ],
)
def test_messages_are_selected_by_id_and_by_tags(url, tmp_path, messages, expected):
    assert campaigns_in(url, tmp_path, messages) == expected


def test_a_file_is_left_out_when_no_message_of_its_kind_is_selected(url, tmp_path):
    report, files = render(url, tmp_path, f"name: r\nmessages: {{campaigns: [c_news]}}\n{FRAME}\ncompression: none")
    assert [f.name for f in report.output.files] == ["campaigns.csv"]
    assert list(files) == ["campaigns.csv"]


def test_listed_stats_are_the_columns_in_the_listed_order(url, tmp_path):
    stats = ["unique_opens", "sent", "click_to_open_rate", "entries", "unique_conversions"]
    text = f"name: r\nmessages: {{campaigns: [c_promo], canvases: [cv_onb]}}\nstats: [{', '.join(stats)}]\n{FRAME}"
    report, _ = render(url, tmp_path, text)
    campaigns, canvases = report.tables
    assert campaigns.header == (*CAMPAIGN_COLUMNS, "unique_opens", "sent", "click_to_open_rate", "unique_conversions")
    assert canvases.header == (*CANVAS_COLUMNS, "unique_opens", "sent", "click_to_open_rate", "entries")


def test_default_stats_are_those_of_the_selected_messages_channels(url, tmp_path):
    report, _ = render(url, tmp_path, f"name: r\nmessages: {{campaigns: [c_app]}}\n{FRAME}")
    stats = report.tables[0].header[len(CAMPAIGN_COLUMNS) :]
    assert {"sent", "direct_opens", "total_opens", "direct_open_rate"} <= set(stats)
    assert not {"opens", "unique_opens", "impressions", "entries"} & set(stats)


def test_variant_and_campaign_levels(url, tmp_path):
    stats = "stats: [sent, delivered, opens, unique_opens, unique_recipients, conversions, unique_open_rate]"
    base = f"name: r\nmessages: {{campaigns: [c_promo]}}\n{stats}\n{FRAME}\ninterval: total\n"
    columns = (
        "variation_id",
        "variation_name",
        "sent",
        "delivered",
        "opens",
        "unique_opens",
        "unique_recipients",
        "conversions",
        "unique_open_rate",
    )
    _, variants = render(url, tmp_path / "v", base + "level: {campaigns: variant}")
    _, whole = render(url, tmp_path / "c", base + "level: {campaigns: campaign}")
    assert pick(variants["campaigns.csv"], *columns) == [
        ("va", "Subject A", "2", "2", "3", "2", "2", "1", "1"),
        ("vb", "Subject B", "2", "1", "1", "1", "2", "0", "1"),
    ]
    assert pick(whole["campaigns.csv"], "campaign_name", *columns) == [
        ("Black Friday", "", "", "4", "3", "4", "3", "4", "1", "1"),
    ]


def test_step_and_canvas_levels(url, tmp_path):
    base = f"name: r\nmessages: {{canvases: [cv_onb]}}\nstats: [entries, sent, direct_opens, opens]\n{FRAME}\ninterval: total\n"
    _, steps = render(url, tmp_path / "s", base + "level: {canvases: step}")
    _, canvas = render(url, tmp_path / "c", base + "level: {canvases: canvas}")
    columns = ("canvas_variation_name", "step_id", "step_name", "channel", "entries", "sent", "direct_opens", "opens")
    assert pick(steps["canvases.csv"], *columns) == [
        ("Main", "s1", "Welcome email", "email", "1", "2", "", "1"),
        ("Main", "s2", "Push nudge", "push", "0", "1", "1", ""),
    ]
    assert pick(canvas["canvases.csv"], "canvas_name", *columns) == [
        ("Onboarding", "", "", "", "email", "1", "2", "", "1"),
        ("Onboarding", "", "", "", "push", "0", "1", "1", ""),
    ]


@pytest.mark.parametrize(
    ("interval", "periods", "va_unique_opens"),
    [
        ("monthly", [("2026-09-30", "2026-09-30"), ("2026-10-01", "2026-10-31"), ("2026-11-01", "2026-11-02")], ["1", "1", "1"]),
        ("quarterly", [("2026-09-30", "2026-09-30"), ("2026-10-01", "2026-11-02")], ["1", "2"]),
        ("{weeks: 5}", [("2026-09-30", "2026-11-01"), ("2026-11-02", "2026-11-02")], ["2", "0"]),
        (
            "{days: 10}",
            [("2026-09-30", "2026-10-09"), ("2026-10-10", "2026-10-19"), ("2026-10-20", "2026-10-29"), ("2026-10-30", "2026-11-02")],
            ["1", "0", "0", "1"],
        ),
        ("total", [("2026-09-30", "2026-11-02")], ["2"]),
    ],
)
def test_intervals_cut_the_frame_at_calendar_boundaries(url, tmp_path, interval, periods, va_unique_opens):
    text = f"name: r\nmessages: {{campaigns: [c_promo]}}\nstats: [unique_opens]\n{FRAME}\ninterval: {interval}"
    _, files = render(url, tmp_path, text)
    va = [row for row in files["campaigns.csv"] if row["variation_id"] == "va"]
    assert pick(va, "period_start", "period_end") == periods
    assert [row["unique_opens"] for row in va] == va_unique_opens


def test_weeks_start_on_monday_and_uniques_are_exact_within_a_week(url, tmp_path):
    text = f"name: r\nmessages: {{campaigns: [c_promo]}}\nstats: [opens, unique_opens]\n{FRAME}\ninterval: {{weeks: 1}}"
    _, files = render(url, tmp_path, text)
    va = [row for row in files["campaigns.csv"] if row["variation_id"] == "va"]
    assert pick(va[:2], "period_start", "period_end", "opens", "unique_opens") == [
        ("2026-09-30", "2026-10-04", "2", "1"),
        ("2026-10-05", "2026-10-11", "0", "0"),
    ]
    assert len(va) == 6


def test_daily_interval_has_a_row_per_day_with_zeros(url, tmp_path):
    text = f"name: r\nmessages: {{campaigns: [c_news]}}\nstats: [sent, spam_rate, machine_opens]\n{FRAME}"
    _, files = render(url, tmp_path, text)
    rows = files["campaigns.csv"]
    assert len(rows) == 34
    assert pick([r for r in rows if r["period_start"] in ("2026-10-14", "2026-10-15")], "sent", "spam_rate", "machine_opens") == [
        ("0", "", "0"),
        ("1", "1", "1"),
    ]


def test_today_and_last_days_follow_a_time_zone_east_of_utc(url, tmp_path):
    evening_utc = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
    base = "name: r\nmessages: {campaigns: [c_promo]}\nstats: [sent, delivered]\ntime_frame: {last_days: 2}\ninterval: total\n"
    tokyo, tokyo_files = render(url, tmp_path / "tokyo", base + "timezone: Asia/Tokyo", as_of=evening_utc)
    utc, utc_files = render(url, tmp_path / "utc", base + "timezone: UTC", as_of=evening_utc)
    assert (tokyo.output.period_start.isoformat(), tokyo.output.period_end.isoformat()) == ("2026-11-02", "2026-11-03")
    assert (utc.output.period_start.isoformat(), utc.output.period_end.isoformat()) == ("2026-11-01", "2026-11-02")
    assert pick(tokyo_files["campaigns.csv"], "variation_id", "sent", "delivered") == [("vb", "1", "0")]
    assert pick(utc_files["campaigns.csv"], "variation_id", "sent", "delivered") == [("va", "0", "0"), ("vb", "2", "1")]


def test_default_time_frame_runs_from_the_first_event_to_today(url, tmp_path):
    text = "name: r\nmessages: {campaigns: [c_news]}\nstats: [sent]\ninterval: monthly"
    report, files = render(url, tmp_path, text, as_of=datetime(2026, 11, 2, 12, tzinfo=UTC))
    assert pick(files["campaigns.csv"], "period_start", "period_end", "sent") == [
        ("2026-10-15", "2026-10-31", "1"),
        ("2026-11-01", "2026-11-02", "0"),
    ]


def test_rates_use_the_channel_formula_and_are_empty_without_denominator(url, tmp_path):
    text = f"name: r\nmessages: {{campaigns: [c_iam, c_app]}}\nstats: [click_rate, direct_open_rate, unique_impressions, total_opens]\n{FRAME}\ninterval: total"
    _, files = render(url, tmp_path, text)
    assert pick(
        files["campaigns.csv"], "campaign_id", "channel", "click_rate", "direct_open_rate", "unique_impressions", "total_opens"
    ) == [
        ("c_app", "push", "", "1", "", "1"),
        ("c_iam", "in_app_message", "0.5", "", "1", ""),
    ]


def test_a_frame_without_events_gives_header_only_files(url, tmp_path):
    text = "name: r\nmessages: {campaigns: [c_promo]}\ntime_frame: {start: 2025-01-01, end: 2025-01-31}\ncompression: none"
    report, files = render(url, tmp_path, text)
    assert files == {"campaigns.csv": []}
    assert report.tables[0].header[:7] == CAMPAIGN_COLUMNS and report.output.files[0].rows == 0


@pytest.mark.parametrize(
    ("messages", "field", "words"),
    [
        ("{campaigns: [c_nope]}", "messages.campaigns[0]", "no campaign with id 'c_nope'"),
        ("{canvases: [c_promo]}", "messages.canvases[0]", "is a campaign id"),
        ("{tags: {match: all, values: [promo, onboarding]}}", "messages.tags", "no campaign or Canvas has all of"),
    ],
)
def test_selection_errors_name_the_file_and_field(url, tmp_path, messages, field, words):
    with pytest.raises(ReportDefinitionError) as caught:
        render(url, tmp_path, f"name: r\nmessages: {messages}\n{FRAME}")
    assert f"test_report.yaml: {field}: " in str(caught.value) and words in str(caught.value)


def test_every_render_is_recorded_in_report_outputs(url, tmp_path):
    due = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    text = f"name: r\nmessages: {{campaigns: [c_news], canvases: [cv_onb]}}\n{FRAME}\ncompression: gzip\nlink_expiry: 2h"
    report, _ = render(url, tmp_path, text, as_of=due)
    with make_engine(url).connect() as conn:
        [stored] = read_outputs(conn, "test_report", run_id="test-run")
    assert stored.files == report.output.files
    assert [(f.name, f.key, f.rows) for f in stored.files] == [
        ("campaigns.csv.gz", f"test_report/{run_stamp(report.output.generated_at)}/campaigns.csv.gz", 34),
        ("canvases.csv.gz", f"test_report/{run_stamp(report.output.generated_at)}/canvases.csv.gz", 68),
    ]
    assert (stored.period_start.isoformat(), stored.period_end.isoformat()) == ("2026-09-30", "2026-11-02")
    assert stored.expires_at - stored.generated_at == timedelta(hours=2)
    assert stored.content_hash == report.output.content_hash and len(stored.content_hash) == 64


def test_files_on_s3_download_through_links_that_expire(url, tmp_path, s3_server):
    bucket = s3_server.new_bucket()
    store = ObjectStore(f"s3://{bucket}/engagement", endpoint_url=s3_server.endpoint_url)
    text = f"name: r\nmessages: {{campaigns: [c_promo]}}\n{FRAME}\ninterval: monthly\nlink_expiry: 15m"
    due = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    report = generate_report(definition(text, tmp_path), make_engine(url), store, run_id="s3-run", due_at=due)
    [item] = report.output.files
    assert item.key == "test_report/20261123T080000Z/test_report.zip"
    assert "X-Amz-Expires=900" in item.url and "X-Amz-Algorithm=AWS4-HMAC-SHA256" in item.url
    response = requests.get(item.url, timeout=30)
    assert response.status_code == 200 and len(response.content) == item.size_bytes
    rows = list(csv.DictReader(io.StringIO(unpack(item.name, response.content)["campaigns.csv"])))
    assert pick(rows, "period_start", "variation_id", "sent") == [
        ("2026-09-30", "va", "1"),
        ("2026-09-30", "vb", "0"),
        ("2026-10-01", "va", "1"),
        ("2026-10-01", "vb", "0"),
        ("2026-11-01", "va", "0"),
        ("2026-11-01", "vb", "2"),
    ]
