"""Campaign report pages: written next to the CSVs, numbers equal to the CSVs, breakdowns cut at local midnight.

The workspace (tests/support/pages.py) is hand-built; the expected breakdowns below are counted by
hand from its events, in Asia/Kolkata, where the period 2026-11-10 .. 2026-11-11 starts at
2026-11-09T18:30:00 UTC.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engagement_pipeline.lib.pages.page import external_urls
from tests.support.pages import DEFINITION, LINK_A, LINK_B, LINK_C, PERIOD, build_page_workspace, read_page, render_with_pages

CAMPAIGN_PAGES = ["campaign-c_iam.html", "campaign-c_mail.html", "campaign-c_push.html", "campaign-c_sms.html"]
BY_VARIANT = DEFINITION.replace("{campaigns: campaign, canvases: canvas}", "{campaigns: variant, canvases: step}").replace(
    "formats: [csv, html]", "formats: [csv]"
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    home = tmp_path_factory.mktemp("pages")
    url = f"duckdb:///{home / 'warehouse.duckdb'}"
    build_page_workspace(url, home)
    return url, home


@pytest.fixture(scope="module")
def rendered(workspace):
    url, home = workspace
    return render_with_pages(url, home, DEFINITION, "autumn_pages")


@pytest.fixture(scope="module")
def views(rendered):
    _, _, pages = rendered
    return {name: read_page(html) for name, html in pages.items()}


def test_a_page_per_campaign_and_canvas_is_stored_and_recorded_next_to_the_csvs(rendered):
    report, _, pages = rendered
    files = {f.name: f for f in report.output.files}
    assert sorted(pages) == [*CAMPAIGN_PAGES, "canvas-cv_onb.html"]
    assert set(files) == {"campaigns.csv", "canvases.csv", *pages}
    folders = {f.key.rsplit("/", 1)[0] for f in files.values()}
    assert len(folders) == 1 and folders.pop().startswith("autumn_pages/")
    assert files["campaign-c_mail.html"].title == "Campaign report: Autumn sale"
    assert files["canvas-cv_onb.html"].title == "Canvas report: Onboarding"
    assert files["campaigns.csv"].title == ""
    assert all(external_urls(html) == [] for html in pages.values())


def test_every_tile_equals_the_csv_row_of_the_same_period(rendered, views):
    _, tables, _ = rendered
    compared = 0
    for name, id_column, prefix in (("campaigns.csv", "campaign_id", "campaign"), ("canvases.csv", "canvas_id", "canvas")):
        for row in tables[name]:
            assert (row["period_start"], row["period_end"]) == tuple(d.isoformat() for d in PERIOD)
            view = views[f"{prefix}-{row[id_column]}.html"]
            assert row["channel"] in view.channels
            for stat, value in row.items():
                if (row["channel"], stat) in view.tiles:
                    assert view.tiles[(row["channel"], stat)] == value, (row[id_column], row["channel"], stat)
                    compared += 1
    assert compared >= 40


def test_variants_side_by_side_equal_the_variant_level_csv(workspace, views):
    url, home = workspace
    _, tables, pages = render_with_pages(url, home, BY_VARIANT, "autumn_by_variant")
    assert pages == {}
    shown = views["campaign-c_mail.html"].tables["email-variant-table"]
    assert sorted(shown) == ["Subject A", "Subject B"]
    compared = 0
    for row in tables["campaigns.csv"]:
        if row["campaign_id"] == "c_mail":
            cells = shown[row["variation_name"]]
            for stat in set(cells) & set(row) - {"variant"}:
                assert cells[stat] == row[stat], (row["variation_name"], stat)
                compared += 1
    steps = views["canvas-cv_onb.html"].tables
    assert set(steps["email-variant-table"]) == {"Main / Welcome email"} and set(steps["push-variant-table"]) == {"Main / Push nudge"}
    assert compared >= 20


def test_a_page_shows_the_variant_results_of_its_campaign(workspace, views):
    url, home = workspace
    definition = DEFINITION.replace("formats:", "variant_results: {outcome: unique_opens, min_sample_size: 1}\nformats:")
    _, _, pages = render_with_pages(url, home, definition, "autumn_experiment")
    results = read_page(pages["campaign-c_mail.html"]).tables["variant-results-table"]
    # Subject A (the baseline: first by name) reached 4 users, 2 opened; Subject B reached 3, 2 opened.
    assert {v: (r["users"], r["outcome"]) for v, r in results.items()} == {"Subject A": ("4", "2"), "Subject B": ("3", "2")}
    assert results["Subject B"]["uplift"] == f"{2 / 3 - 2 / 4:.6f}" and results["Subject A"]["uplift"] == ""
    # Fisher's exact test (expected counts below 5): the observed table [[2, 1], [2, 2]] is the most likely
    # of the four with these margins (18/35), so the two-sided p-value is 1.
    assert results["Subject B"]["test"] == "Fisher's exact" and results["Subject B"]["p_holm"] == "1"
    assert results["Subject B"]["result"] == "no significant difference"
    assert "variant-results-table" not in views["campaign-c_push.html"].tables  # one variant, no control: no experiment


def test_email_breakdowns_count_only_the_local_period(views):
    mail = views["campaign-c_mail.html"]
    assert mail.tables["bounce-table"] == {
        "hard:unknown_user": {
            "type": "Hard",
            "category": "Unknown user",
            "bounces": "1",
            "share": "0.333333",
            "example": "550-5.1.1 The account does not exist",
        },
        "hard:refused": {
            "type": "Hard",
            "category": "Refused",
            "bounces": "1",
            "share": "0.333333",
            "example": "554 5.7.1 Rejected by policy",
        },
        "soft:mailbox_full": {
            "type": "Soft",
            "category": "Mailbox full",
            "bounces": "1",
            "share": "0.333333",
            "example": "452 4.2.2 Mailbox full",
        },
    }
    domains = {
        d: (r["sent"], r["delivered"], r["bounces"], r["soft_bounces"], r["unique_opens"], r["unique_clicks"], r["reported_spam"])
        for d, r in mail.tables["domain-table"].items()
    }
    assert domains == {
        "yahoo.com": ("2", "0", "1", "1", "0", "0", "0"),
        "hotmail.com": ("1", "0", "1", "0", "0", "0", "0"),
        "gmail.com": ("3", "3", "0", "0", "3", "2", "1"),
        "example.org": ("1", "1", "0", "0", "1", "1", "0"),
    }
    links = {url: (r["clicks"], r["unique_clicks"], r["share"], r["link_alias"]) for url, r in mail.tables["link-table"].items()}
    assert links == {LINK_A: ("3", "2", "0.6", "hero"), LINK_B: ("1", "1", "0.2", "boots"), LINK_C: ("1", "1", "0.2", "–")}
    assert {k: mail.tiles[("email", k)] for k in ("opens", "machine_opens", "other_opens", "click_to_open_rate")} == {
        "opens": "5",
        "machine_opens": "2",
        "other_opens": "3",
        "click_to_open_rate": "0.75",
    }


def test_push_and_sms_breakdowns(views):
    push = views["campaign-c_push.html"]
    assert push.tables["push-platform-table"] == {
        "android": {"platform": "android", "sent": "2", "bounces": "1", "direct_opens": "0"},
        "ios": {"platform": "ios", "sent": "1", "bounces": "0", "direct_opens": "1"},
    }
    assert [push.tiles[("push", s)] for s in ("sent", "direct_opens", "influenced_opens", "total_opens")] == ["3", "1", "1", "2"]
    sms = views["campaign-c_sms.html"]
    errors = {key: row["events"] for key, row in sms.tables["sms-error-table"].items()}
    assert errors == {"delivery_failure:30003": "1", "rejection:21610": "1"}
    assert [sms.tiles[("sms", s)] for s in ("sent", "delivered", "delivery_failed", "rejected")] == ["3", "1", "1", "1"]
    iam = views["campaign-c_iam.html"]
    assert [
        iam.tiles[("in_app_message", s)]
        for s in ("impressions", "unique_impressions", "clicks", "first_button_clicks", "second_button_clicks")
    ] == ["3", "2", "2", "1", "1"]
    assert views["campaign-c_iam.html"].channels == ["in_app_message"] and views["canvas-cv_onb.html"].channels == ["email", "push"]


def test_a_period_of_two_days_is_shown_hour_by_hour_in_local_time(views):
    mail = views["campaign-c_mail.html"]
    hours = mail.tables["email-over-time"]
    assert len(hours) == 48
    assert list(hours)[0] == "Tue 2026-11-10 00:00" and list(hours)[-1] == "Wed 2026-11-11 23:00"
    clicks = {when: row["clicks"] for when, row in hours.items() if row["clicks"] != "0"}
    assert clicks == {"Tue 2026-11-10 00:00": "1", "Tue 2026-11-10 09:00": "3", "Wed 2026-11-11 14:00": "1"}
    assert sum(int(r["opens"]) for r in hours.values()) == int(mail.tiles[("email", "opens")])


def test_a_longer_period_is_shown_day_by_day_and_html_alone_writes_no_csv(workspace):
    url, home = workspace
    text = DEFINITION.replace("formats: [csv, html]", "formats: [html]").replace("start: 2026-11-10", "start: 2026-11-07")
    report, tables, pages = render_with_pages(url, home, text, "autumn_days")
    assert tables == {} and all(f.name.endswith(".html") for f in report.output.files)
    days = read_page(pages["campaign-c_mail.html"]).tables["email-over-time"]
    assert list(days) == ["Sat 2026-11-07", "Sun 2026-11-08", "Mon 2026-11-09", "Tue 2026-11-10", "Wed 2026-11-11"]
    assert days["Mon 2026-11-09"]["opens"] == "0" and days["Tue 2026-11-10"]["opens"] == "3"
    # the send one second before the local 2026-11-10 belongs to 2026-11-09 here
    assert read_page(pages["campaign-c_mail.html"]).tiles[("email", "sent")] == "8"


def test_report_email_and_metadata_name_each_page_by_its_title(workspace, rendered):
    from engagement_pipeline.defs.reports.metadata import report_metadata
    from engagement_pipeline.lib.delivery.message import build_report_email
    from engagement_pipeline.lib.platform.warehouse import make_engine
    from tests.support.reports import definition

    url, home = workspace
    report, _, _ = rendered
    defn = definition(DEFINITION, home / "defs", "autumn_pages")
    with make_engine(url).connect() as conn:
        message = build_report_email(conn, defn, report.output, "reports@example.com")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    page = next(f for f in report.output.files if f.name == "campaign-c_mail.html")
    assert "- Campaign report: Autumn sale: campaign-c_mail.html (" in text and page.url in text
    assert ">Campaign report: Autumn sale</a>" in html and f'href="{(home / "reports" / page.key).as_uri()}"' in html
    metadata = report_metadata(report, is_s3=False)
    assert f"link: {page.name}" in metadata
    assert "[Canvas report: Onboarding](file://" in metadata["pages"].value


def test_report_show_prints_the_latest_pages_or_says_why_there_are_none(workspace, rendered, monkeypatch):
    from typer.testing import CliRunner

    from engagement_pipeline.cli import app

    url, home = workspace
    report, _, _ = rendered
    for name, value in {
        "ENGAGEMENT_HOME": home / "home",
        "ENGAGEMENT_WAREHOUSE_URL": url,
        "ENGAGEMENT_REPORTS_URL": home / "reports",
        "ENGAGEMENT_REPORT_DEFS": home / "defs",
    }.items():
        monkeypatch.setenv(name, str(value))
    runner = CliRunner()
    folder = home / "reports" / report.output.files[0].key.rsplit("/", 1)[0]

    shown = runner.invoke(app, ["report", "show", "autumn_pages"])
    assert shown.exit_code == 0, shown.output
    assert f"  Campaign report: Autumn sale: {folder / 'campaign-c_mail.html'}" in shown.output
    assert shown.output.count(".html") == 5

    one = runner.invoke(app, ["report", "show", "autumn_pages", "--canvas", "cv_onb"])
    assert one.exit_code == 0 and one.output.count(".html") == 1 and "Canvas report: Onboarding" in one.output

    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    assert runner.invoke(app, ["report", "show", "autumn_pages", "--campaign", "c_sms", "--open"]).exit_code == 0
    assert opened == [(folder / "campaign-c_sms.html").as_uri()]

    unknown = runner.invoke(app, ["report", "show", "autumn_pages", "--campaign", "c_nope"])
    assert unknown.exit_code == 1 and "has no page for campaign 'c_nope'" in unknown.output

    render_with_pages(url, home, BY_VARIANT, "csv_only")
    none = runner.invoke(app, ["report", "show", "csv_only"])
    assert none.exit_code == 1 and "wrote no HTML page; expected `formats: [csv, html]`" in none.output
    never = runner.invoke(app, ["report", "show", "never_run"])
    assert never.exit_code == 1 and "not rendered yet" in never.output


def test_pages_on_s3_open_in_the_browser_through_their_link(workspace, s3_server):
    from datetime import UTC, datetime

    import requests

    from engagement_pipeline.lib.platform.storage import ObjectStore
    from engagement_pipeline.lib.platform.warehouse import make_engine
    from engagement_pipeline.lib.reports.build import generate_report
    from tests.support.reports import definition

    url, home = workspace
    store = ObjectStore(f"s3://{s3_server.new_bucket()}/engagement", endpoint_url=s3_server.endpoint_url)
    text = DEFINITION.replace("campaigns: [c_mail, c_push, c_sms, c_iam]", "campaigns: [c_mail]").replace("  canvases: [cv_onb]\n", "")
    due = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)
    (home / "defs").mkdir(exist_ok=True)
    report = generate_report(definition(text, home / "defs", "s3_pages"), make_engine(url), store, run_id="s3-run", due_at=due)
    page = next(f for f in report.output.files if f.name == "campaign-c_mail.html")
    assert page.key == "s3_pages/20261112T080000Z/campaign-c_mail.html" and "X-Amz-Signature=" in page.url
    response = requests.get(page.url, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>Campaign report: Autumn sale</title>" in response.text
    csv = next(f for f in report.output.files if f.name == "campaigns.csv")
    assert requests.get(csv.url, timeout=30).headers["Content-Type"] != "text/html; charset=utf-8"


def test_the_report_files_asset_writes_the_pages_and_lists_them_in_its_metadata(workspace, tmp_path):
    import dagster as dg

    from engagement_pipeline.cli.report_runs import links, render_report
    from engagement_pipeline.defs.reports import assets, jobs
    from tests.support import resources

    url, _ = workspace
    (tmp_path / "defs").mkdir()
    (tmp_path / "defs" / "autumn_pages.yaml").write_text(DEFINITION)
    defs = dg.Definitions(
        assets=[assets.report_files],
        jobs=[jobs.render_report_job],
        resources=resources(url, tmp_path, report_defs_dir=str(tmp_path / "defs")),
    )
    ok, metadata = render_report(defs, dg.DagsterInstance.ephemeral(), "autumn_pages")
    assert ok, metadata
    shown = dict(links(metadata))
    page = shown["Campaign report: Autumn sale"]
    assert page.startswith(str(tmp_path / "reports" / "autumn_pages")) and page.endswith("/campaign-c_mail.html")
    assert read_page(Path(page).read_text()).tiles[("email", "sent")] == "7"
    assert "link: campaign-c_mail.html" in metadata and "| [Campaign report: Autumn sale](file://" in metadata["pages"]
