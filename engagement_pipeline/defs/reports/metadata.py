"""Dagster metadata of a rendered report: links, files, row counts, period, a preview of each CSV, its pages."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import dagster as dg

from engagement_pipeline.lib.reports.build import GeneratedReport
from engagement_pipeline.lib.reports.render import ReportTable

PREVIEW_ROWS = 10


def _preview(table: ReportTable) -> str:
    if not table.rows:
        return f"**{table.name}**: header only (no events in the time frame)"
    lines = [
        f"**{table.name}** (first {min(PREVIEW_ROWS, len(table.rows))} of {len(table.rows)} rows)",
        "",
        "| " + " | ".join(table.header) + " |",
        "|" + "---|" * len(table.header),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table.rows[:PREVIEW_ROWS]]
    return "\n".join(lines)


def _days(report: GeneratedReport) -> str:
    days = report.utc_days
    return f"{days[0].isoformat()} .. {days[-1].isoformat()} ({len(days)} UTC days)" if days else "none"


def _pages(report: GeneratedReport, is_s3: bool) -> dict[str, dg.RawMetadataValue]:
    """A table of the HTML pages (title, link, file), when the report has any."""
    pages = [f for f in report.output.files if f.title]
    if not pages:
        return {}
    rows = [f"| [{f.title}]({f.url if is_s3 else Path(f.url).as_uri()}) | {f.name} |" for f in pages]
    return {"pages": dg.MetadataValue.md("\n".join(["| page | file |", "|---|---|", *rows]))}


def report_metadata(report: GeneratedReport, is_s3: bool) -> dict[str, dg.RawMetadataValue]:
    output = report.output
    metadata: dict[str, dg.RawMetadataValue] = {}
    for item in output.files:
        metadata[f"link: {item.name}"] = dg.MetadataValue.url(item.url) if is_s3 else dg.MetadataValue.path(item.url)
    metadata |= {
        "files": dg.MetadataValue.json([asdict(f) for f in output.files]),
        "dagster/row_count": sum(f.rows for f in output.files),
        **{f"rows: {t.name}": len(t.rows) for t in report.tables},
        "period": f"{output.period_start.isoformat()} .. {output.period_end.isoformat()}",
        "periods": len(report.periods),
        "time zone": report.timezone,
        "utc partitions read": _days(report),
        "messages": len(report.selection.entries),
        "expires_at": output.expires_at.isoformat(),
        "preview": dg.MetadataValue.md("\n\n".join(_preview(t) for t in report.tables) or "_no files_"),
    } | _pages(report, is_s3)
    return metadata
