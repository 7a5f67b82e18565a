from __future__ import annotations

import re
import struct
from datetime import UTC, date, datetime, timedelta, timezone
from email.message import EmailMessage

import pandas as pd
import pytest

from engagement_pipeline.lib.delivery.charts import stat_chart_figure, stat_chart_png
from engagement_pipeline.lib.delivery.email_render import (
    ReportLink,
    VariantComparison,
    expiry_label,
    format_size,
    format_stat,
    link_href,
    render_alert_email,
    render_report_email,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SUMMARY = pd.DataFrame(
    {
        "channel": ["email", "web_push", "sms"],
        "sent": [1_204_512, 8_000, 310],
        "unique_opens": [402_113, None, None],
        "unique_open_rate": [0.41876, None, None],
        "delivery_rate": [0.9912, None, 0.0],
    }
)
SERIES = pd.DataFrame(
    {
        "period_start": pd.date_range("2026-11-01", periods=7).date,
        "email": [1200, 1350, 990, 1500, 1720, 800, 640],
        "web_push": [10, 12, 8, 0, 4, 9, 11],
    }
)


@pytest.mark.parametrize(
    ("stat", "value", "shown"),
    [
        ("sent", 1_204_512, "1,204,512"),
        ("sent", 0, "0"),
        ("sent", 1204512.0, "1,204,512"),
        ("unique_opens", None, "–"),
        ("unique_opens", float("nan"), "–"),
        ("unique_opens", pd.NA, "–"),
        ("open_rate", 0.41876, "41.9%"),
        ("click_to_open_rate", 1.0, "100.0%"),
        ("delivery_rate", 0, "0.0%"),
        ("avg_revenue", 1234.5, "1,234.50"),
    ],
)
def test_format_stat(stat: str, value: object, shown: str) -> None:
    assert format_stat(stat, value) == shown


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 B"), (532, "532 B"), (12_700, "12.4 KB"), (3_250_000, "3.1 MB"), (5 * 1024**4, "5120.0 GB")],
)
def test_format_size(size: int, shown: str) -> None:
    assert format_size(size) == shown


@pytest.mark.parametrize(
    ("url", "expires_at", "shown"),
    [
        ("https://s3/x.zip?sig=1", datetime(2026, 11, 23, 15, 0, tzinfo=UTC), "expires 2026-11-23 15:00 UTC"),
        ("https://s3/x.zip", datetime(2026, 11, 23, 16, 30, tzinfo=timezone(timedelta(hours=1))), "expires 2026-11-23 15:30 UTC"),
        ("https://s3/x.zip", datetime(2026, 11, 23, 15, 0), "expires 2026-11-23 15:00 UTC"),
        ("/srv/reports/x.csv", None, "local file"),
        ("/srv/reports/x.csv", datetime(2026, 11, 23, 15, 0, tzinfo=UTC), "expires 2026-11-23 15:00 UTC"),
        ("file:///srv/reports/x.csv", datetime(2026, 11, 23, 15, 0, tzinfo=UTC), "expires 2026-11-23 15:00 UTC"),
        ("file:///srv/reports/x.csv", None, "local file"),
        ("https://reports.example.com/x.csv", None, "does not expire"),
    ],
)
def test_expiry_label(url: str, expires_at: datetime | None, shown: str) -> None:
    assert expiry_label(ReportLink("x", url, expires_at, 1)) == shown


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("/srv/reports/weekly 1.csv", "file:///srv/reports/weekly%201.csv"),
        ("https://s3/x.zip?a=1", "https://s3/x.zip?a=1"),
        ("reports/x.csv", "reports/x.csv"),
    ],
)
def test_link_href(url: str, href: str) -> None:
    assert link_href(url) == href


def test_a_local_file_link_shows_its_expiry_and_where_the_file_is() -> None:
    expiring = ReportLink("canvases.csv", "file:///srv/reports/weekly%201/canvases.csv", datetime(2026, 11, 8, 7, 0, tzinfo=UTC), 900)
    msg = _report(links=[expiring])
    text, html = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
    assert "canvases.csv (900 B, expires 2026-11-08 07:00 UTC)" in text
    assert "local file: /srv/reports/weekly 1/canvases.csv" in text
    assert ">expires 2026-11-08 07:00 UTC<" in html and "local file: /srv/reports/weekly 1/canvases.csv" in html


def _report(**overrides: object) -> EmailMessage:
    arguments: dict[str, object] = {
        "report_name": "Black Friday <push> & email",
        "period_start": date(2026, 11, 1),
        "period_end": date(2026, 11, 7),
        "recipients": ["ana@example.com", "Bo Li <bo@example.org>"],
        "sender": "Engagement Reports <reports@example.com>",
        "links": [
            ReportLink(
                "campaigns.csv.zip", "https://s3.example.com/c.zip?X-Amz-Signature=a&b=c", datetime(2026, 11, 8, 7, 0, tzinfo=UTC), 48_213
            ),
            ReportLink("canvases.csv", "/srv/reports/canvases.csv", None, 900),
        ],
        "summary": SUMMARY,
        "series": SERIES,
        "key_stat": "unique_opens",
        "generated_at": datetime(2026, 11, 8, 6, 0, tzinfo=UTC),
    }
    arguments.update(overrides)
    return render_report_email(**arguments)  # type: ignore[arg-type]


def test_report_email_headers_and_structure() -> None:
    msg = _report()
    assert msg["Subject"] == "Black Friday <push> & email: 2026-11-01 – 2026-11-07"
    assert msg["To"] == "ana@example.com, Bo Li <bo@example.org>"
    assert msg["From"] == "Engagement Reports <reports@example.com>"
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    assert image.get_content_disposition() == "inline"
    html = msg.get_body(("html",)).get_content()
    assert f'src="cid:{image["Content-ID"][1:-1]}"' in html


def test_report_html_is_self_contained_escaped_and_formatted() -> None:
    html = _report().get_body(("html",)).get_content()
    assert not re.search(r"<(script|style|link)\b", html, re.IGNORECASE)
    assert "<table" in html and 'style="' in html
    assert "Black Friday &lt;push&gt; &amp; email" in html and "<push>" not in html
    assert 'href="https://s3.example.com/c.zip?X-Amz-Signature=a&amp;b=c"' in html
    assert "expires 2026-11-08 07:00 UTC" in html and "local file" in html
    assert 'href="file:///srv/reports/canvases.csv"' in html
    for shown in ("Web push", "SMS", "1,204,512", "402,113", "41.9%", "99.1%", "0.0%", "Unique open rate"):
        assert f">{shown}<" in html


def test_report_text_part_has_links_and_aligned_summary() -> None:
    text = _report().get_body(("plain",)).get_content()
    assert "Period: 2026-11-01 – 2026-11-07" in text
    assert "campaigns.csv.zip (47.1 KB, expires 2026-11-08 07:00 UTC)" in text
    assert "https://s3.example.com/c.zip?X-Amz-Signature=a&b=c" in text
    email_row = next(line for line in text.splitlines() if line.startswith("Email "))
    header = next(line for line in text.splitlines() if line.startswith("Channel "))
    assert email_row.split() == ["Email", "1,204,512", "402,113", "41.9%", "99.1%"]
    assert len(email_row) == len(header)


def test_report_without_links_or_activity_still_renders() -> None:
    msg = _report(links=[], summary=SUMMARY.iloc[0:0], series=SERIES.iloc[0:0])
    assert "No files were produced" in msg.get_body(("plain",)).get_content()
    assert "No activity in this period" in msg.get_body(("html",)).get_content()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"recipients": []}, "recipients must be a non-empty list"),
        ({"recipients": "ana@example.com"}, "recipients must be a non-empty list"),
        ({"recipients": ["ana@example.com", "marketing team"]}, "['marketing team'] are not addresses"),
        ({"summary": SUMMARY.drop(columns="channel")}, "report summary: missing column 'channel'"),
        ({"series": SERIES.drop(columns="period_start")}, "missing column 'period_start'"),
    ],
)
def test_report_input_errors_name_the_field(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _report(**overrides)


def test_alert_email_escapes_details_and_links() -> None:
    msg = render_alert_email(
        subject="Report held: Weekly engagement",
        recipients=["ops@example.com"],
        sender="Engagement Reports <reports@example.com>",
        headline="unique_opens_le_opens failed for 2026-11-22",
        details={"report": "weekly_engagement", "reason": "unique_opens > opens for <3> messages"},
        link="http://dagster.local/runs/abc?tab=checks&x=1",
    )
    assert msg["Subject"] == "Report held: Weekly engagement"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "reason: unique_opens > opens for <3> messages" in text
    assert "http://dagster.local/runs/abc?tab=checks&x=1" in text
    assert "unique_opens &gt; opens for &lt;3&gt; messages" in html
    assert 'href="http://dagster.local/runs/abc?tab=checks&amp;x=1"' in html
    assert not re.search(r"<(script|style|link)\b", html, re.IGNORECASE)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize(
    ("series", "key_stat"),
    [
        (SERIES, "unique_opens"),
        (SERIES.iloc[:1], "unique_opens"),
        (pd.DataFrame({"period_start": ["2026-11-01", "2026-12-01"], "sms": [0.98, 0.97]}), "delivery_rate"),
        (SERIES.iloc[0:0], "sent"),
        (pd.DataFrame({"period_start": [date(2026, 11, 1)], "email": [None]}), "sent"),
    ],
    ids=["week", "single-period", "rates", "empty", "all-missing"],
)
def test_chart_is_a_640x280_png(series: pd.DataFrame, key_stat: str) -> None:
    png = stat_chart_png(series, key_stat, "Unique opens by channel")
    assert _png_size(png) == (640, 280)
    assert len(png) > 3_000


def test_chart_with_data_differs_from_no_data_chart() -> None:
    with_data = stat_chart_png(SERIES, "sent", "Sent by channel")
    without = stat_chart_png(SERIES.iloc[0:0], "sent", "Sent by channel")
    assert len(with_data) > 2 * len(without)


NOVEMBER = pd.DataFrame({"period_start": pd.date_range("2026-11-03", "2026-11-30").date, "email": range(28)})


def _texts(figure) -> list[str]:
    axes = figure.axes[0]
    return [label.get_text() for label in axes.get_xticklabels()] + [axes.xaxis.get_offset_text().get_text()]


def test_chart_dates_of_november_read_nov_only() -> None:
    texts = [t for t in _texts(stat_chart_figure(NOVEMBER, "sent", "Sent")) if t]
    assert texts and all(t.startswith("Nov ") for t in texts), texts


def test_chart_of_monthly_periods_names_each_month() -> None:
    months = pd.DataFrame({"period_start": [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)], "email": [5, 6, 2]})
    assert [t for t in _texts(stat_chart_figure(months, "sent", "Sent")) if t] == ["Oct 2026", "Nov 2026", "Dec 2026"]


def test_chart_of_a_total_report_is_one_bar_per_channel() -> None:
    total = pd.DataFrame({"period_start": [date(2026, 10, 1)], "Email": [1200], "Push": [300], "SMS": [40]})
    axes = stat_chart_figure(total, "sent", "Sent").axes[0]
    assert [round(bar.get_height()) for bar in axes.patches] == [1200, 300, 40]
    assert [label.get_text() for label in axes.get_xticklabels()] == ["Email", "Push", "SMS"]


def _legend(axes) -> list[str]:
    legend = axes.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_chart_marks_a_partial_last_period_instead_of_a_plain_fall() -> None:
    axes = stat_chart_figure(SERIES, "sent", "Sent", partial_from=date(2026, 11, 7)).axes[0]
    dashed = [line for line in axes.get_lines() if line.get_linestyle() == "--" and len(line.get_xdata())]
    assert len(dashed) == 2 and all(len(line.get_xdata()) == 2 for line in dashed)
    solid = [line for line in axes.get_lines() if line.get_linestyle() == "-"]
    assert all(len(line.get_xdata()) == 6 for line in solid)
    assert "partial period (so far)" in _legend(axes)
    assert "partial period (so far)" not in _legend(stat_chart_figure(SERIES, "sent", "Sent").axes[0])


def test_partial_total_bar_is_marked() -> None:
    total = pd.DataFrame({"period_start": [date(2026, 10, 1)], "Email": [1200]})
    axes = stat_chart_figure(total, "sent", "Sent", partial_from=date(2026, 10, 1)).axes[0]
    assert "partial period (so far)" in _legend(axes)


def test_a_two_variant_campaign_gets_a_comparison_table_with_both_variants() -> None:
    table = pd.DataFrame(
        {
            "variant": ["Subject A", "Subject B"],
            "channel": ["", ""],
            "sent": [10_000, 9_800],
            "unique_opens": [4_100, 3_300],
            "unique_open_rate": [0.41, 0.3367],
            "unique_conversions": [120, 95],
            "conversion_rate": [0.012, 0.0097],
        }
    )
    msg = _report(variants=[VariantComparison("Black Friday", table)])
    text, html = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
    assert "Variants of Black Friday (whole period):" in text
    rows = {line.split("  ")[0]: line.split() for line in text.splitlines() if line.startswith("Subject ")}
    assert rows["Subject A"][2:] == ["10,000", "4,100", "41.0%", "120", "1.2%"]
    assert rows["Subject B"][2:] == ["9,800", "3,300", "33.7%", "95", "1.0%"]
    assert "Channel" not in next(line for line in text.splitlines() if line.startswith("Variant "))
    for shown in ("Variants of Black Friday", ">Subject A<", ">Subject B<", ">10,000<", ">9,800<", ">Conversion rate<"):
        assert shown in html


def test_a_report_without_variants_has_no_comparison_table() -> None:
    assert "Variants of" not in _report().get_body(("plain",)).get_content()
