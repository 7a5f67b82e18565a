"""Report and alert emails: a plain-text part plus an HTML part that mail clients render alike.

The HTML is table-based with inline styles only (no stylesheet, no script), so Gmail and Outlook
show it as designed; the chart is an inline PNG referenced by ``cid:``. Every value goes through
Jinja2 autoescaping.

Inputs of ``render_report_email``:
- ``summary``: one row per channel, a ``channel`` column plus one column per headline stat
  (Braze API keys such as ``sent``, ``unique_opens``; ``*_rate`` columns are decimals 0-1).
- ``series``: wide, a ``period_start`` column plus one column per channel (raw channel keys
  such as ``email``, ``web_push``) holding ``key_stat`` for that period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import pandas as pd

from engagement_pipeline.lib.delivery.charts import stat_chart_png
from engagement_pipeline.lib.reports import variant_view as view
from engagement_pipeline.lib.reports.stats import CHANNEL_LABELS

_EMPTY = "–"


@dataclass(frozen=True)
class ReportLink:
    """One report file offered in the email: a download link and, for presigned URLs, its expiry;
    ``title`` names an HTML page ("Campaign report: Black Friday"), empty for a CSV file."""

    file_name: str
    url: str
    expires_at: datetime | None
    size_bytes: int
    title: str = ""


@dataclass(frozen=True)
class VariantComparison:
    """One campaign's variants side by side: ``table`` has ``variant`` and ``channel`` columns (channel
    empty when the campaign has one), then one column per stat."""

    campaign: str
    table: pd.DataFrame


@dataclass(frozen=True)
class VariantResults:
    """One campaign's (or Canvas's) variant results: ``table`` is ``experiments.variant_results`` rows
    (variation_name, variation_id, role, exposed, converted, rate, uplift and its interval, p-values, verdict)."""

    message: str
    outcome: str
    table: pd.DataFrame


def channel_label(channel: str) -> str:
    """Display name of a channel key (``web_push`` -> ``Web push``)."""
    return CHANNEL_LABELS.get(channel, stat_label(channel))


def stat_label(stat: str) -> str:
    """Display name of a stat key (``click_to_open_rate`` -> ``Click to open rate``)."""
    words = stat.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def format_stat(stat: str, value: object) -> str:
    """Counts with thousands separators, ``*_rate`` stats as percentages with one decimal."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return _EMPTY
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if stat.endswith("_rate"):
        return f"{number:.1%}"
    return f"{int(number):,}" if number.is_integer() else f"{number:,.2f}"


def format_size(size_bytes: int) -> str:
    """File size for people: ``532 B``, ``12.4 KB``, ``3.1 MB``."""
    size = float(size_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def expiry_label(link: ReportLink) -> str:
    """``expires 2026-11-23 15:00 UTC`` for every link with an expiry (local files too, as on S3)."""
    if link.expires_at is not None:
        return f"expires {_utc(link.expires_at):%Y-%m-%d %H:%M} UTC"
    if local_path(link) is not None:
        return "local file"
    return "does not expire"


def local_path(link: ReportLink) -> str | None:
    """The file's path when the link is a local path or ``file://`` URI, else None."""
    parts = urlsplit(link.url)
    if parts.scheme == "":
        return link.url
    return url2pathname(parts.path) if parts.scheme == "file" else None


def link_href(url: str) -> str:
    """The URL to put in an anchor: absolute local paths become ``file://`` URIs."""
    if urlsplit(url).scheme == "" and Path(url).is_absolute():
        return Path(url).as_uri()
    return url


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(template: str, **context: object) -> str:
    return _environment().get_template(template).render(**context)


def _new_message(subject: str, recipients: Sequence[str], sender: str) -> EmailMessage:
    if isinstance(recipients, str) or not recipients:
        raise ValueError(f"email {subject!r}: recipients must be a non-empty list of addresses")
    bad = [r for r in recipients if "@" not in parseaddr(r)[1]]
    if bad:
        raise ValueError(f"email {subject!r}: recipients {bad} are not addresses (expected name@domain)")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def _text_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [headers, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths))) for line in lines
    )


def _summary_table(summary: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    if "channel" not in summary.columns:
        raise ValueError(f"report summary: missing column 'channel' (got {list(summary.columns)})")
    stats = [c for c in summary.columns if c != "channel"]
    headers = ["Channel", *(stat_label(s) for s in stats)]
    rows = [[channel_label(str(record["channel"])), *(format_stat(s, record[s]) for s in stats)] for record in summary.to_dict("records")]
    return headers, rows


def _variant_table(comparison: VariantComparison) -> dict[str, object]:
    table = comparison.table
    stats = [c for c in table.columns if c not in ("variant", "channel")]
    with_channel = bool(table["channel"].astype(bool).any())
    headers = ["Variant", *(["Channel"] if with_channel else []), *(stat_label(s) for s in stats)]
    rows = [
        [str(r["variant"]), *([channel_label(str(r["channel"]))] if with_channel else []), *(format_stat(s, r[s]) for s in stats)]
        for r in table.to_dict("records")
    ]
    return {"campaign": comparison.campaign, "headers": headers, "rows": rows, "text": _text_table(headers, rows)}


def _results_table(results: VariantResults) -> dict[str, object]:
    headers = ["Variant", "Users", stat_label(results.outcome), "Rate", "Uplift", "95% CI", "Relative", "p (Holm)", "Result"]
    rows = []
    for r in view.ordered(results.table):
        rows.append(
            [
                view.arm_name(r),
                format_stat("users", r["exposed"]),
                format_stat("users", r["converted"]),
                format_stat("outcome_rate", r["rate"]),
                view.points(r["uplift"]),
                view.interval(r["uplift_ci_low"], r["uplift_ci_high"]),
                view.relative(r["relative_uplift"]),
                view.p_value(r["p_value_holm"]),
                view.result(r),
            ]
        )
    return {"message": results.message, "headers": headers, "rows": rows, "text": _text_table(headers, rows)}


def render_report_email(
    *,
    report_name: str,
    period_start: date,
    period_end: date,
    recipients: Sequence[str],
    sender: str,
    links: Sequence[ReportLink],
    summary: pd.DataFrame,
    series: pd.DataFrame,
    key_stat: str,
    generated_at: datetime,
    partial_from: date | None = None,
    variants: Sequence[VariantComparison] = (),
    variant_results: Sequence[VariantResults] = (),
) -> EmailMessage:
    """Build the report email: links with expiry, a per-channel summary table and a key-stat chart
    (periods from ``partial_from`` on are marked partial), and a comparison table per campaign with variants."""
    subject = f"{report_name}: {period_start.isoformat()} – {period_end.isoformat()}"
    msg = _new_message(subject, recipients, sender)
    headers, rows = _summary_table(summary)
    chart_title = f"{stat_label(key_stat)} by channel"
    chart_series = series.rename(columns={c: channel_label(c) for c in series.columns if c != "period_start"})
    chart = stat_chart_png(chart_series, key_stat, chart_title, partial_from=partial_from)
    chart_cid = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
    context = {
        "subject": subject,
        "report_name": report_name,
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "links": [
            {
                "file_name": link.file_name,
                "title": link.title,
                "url": link_href(link.url),
                "size": format_size(link.size_bytes),
                "expiry": expiry_label(link),
                "path": local_path(link),
            }
            for link in links
        ],
        "headers": headers,
        "rows": rows,
        "summary_text": _text_table(headers, rows) if rows else "",
        "variants": [_variant_table(v) for v in variants],
        "variant_results": [_results_table(r) for r in variant_results],
        "chart_title": chart_title,
        "chart_cid": chart_cid[1:-1],
        "generated": f"{_utc(generated_at):%Y-%m-%d %H:%M} UTC",
    }
    msg.set_content(_render("report_email.txt.j2", **context))
    msg.add_alternative(_render("report_email.html.j2", **context), subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(chart, maintype="image", subtype="png", cid=chart_cid, disposition="inline", filename="chart.png")
    return msg


def render_alert_email(
    *,
    subject: str,
    recipients: Sequence[str],
    sender: str,
    headline: str,
    details: Mapping[str, str],
    link: str | None = None,
) -> EmailMessage:
    """Build a short failure/held alert: a headline, key/value details and an optional link."""
    msg = _new_message(subject, recipients, sender)
    context = {"subject": subject, "headline": headline, "details": list(details.items()), "link": link}
    msg.set_content(_render("alert_email.txt.j2", **context))
    msg.add_alternative(_render("alert_email.html.j2", **context), subtype="html")
    return msg
