"""The report email of one rendered report: links from `report_outputs`, numbers from the rollups."""

from __future__ import annotations

from datetime import UTC
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engagement_pipeline.lib.delivery.email_render import ReportLink, render_report_email
from engagement_pipeline.lib.delivery.summary import email_numbers
from engagement_pipeline.lib.delivery.variants import variant_comparisons, variant_results_sections
from engagement_pipeline.lib.reports.message_catalog import load_catalog
from engagement_pipeline.lib.reports.outputs import ReportOutput
from engagement_pipeline.lib.reports.spec import ReportDefinition, ReportDefinitionError, ResolvedSelection, resolve_messages


def report_links(output: ReportOutput) -> list[ReportLink]:
    """One link per file (an HTML page under its title), each with the output's expiry (a local file
    shows it too, as an S3 link would)."""
    expires = output.expires_at.replace(tzinfo=UTC) if output.expires_at.tzinfo is None else output.expires_at
    return [ReportLink(f.name, f.url, expires, f.size_bytes, f.title) for f in output.files]


def _selection(conn: sa.Connection, defn: ReportDefinition) -> ResolvedSelection:
    try:
        return resolve_messages(defn, load_catalog(conn))
    except ReportDefinitionError:
        return ResolvedSelection((), (), (), None, None, ())


def outside_domains(recipients: tuple[str, ...], allowed: list[str]) -> list[str]:
    """Recipients whose domain is not in ``allowed`` (none when every domain is allowed)."""
    if not allowed:
        return []
    return [r for r in recipients if r.rsplit("@", 1)[-1].lower() not in allowed]


def build_report_email(conn: sa.Connection, defn: ReportDefinition, output: ReportOutput, sender: str) -> EmailMessage:
    generated = output.generated_at.replace(tzinfo=UTC) if output.generated_at.tzinfo is None else output.generated_at
    due = output.due_at or output.generated_at
    as_of = (due.replace(tzinfo=UTC) if due.tzinfo is None else due).astimezone(ZoneInfo(defn.timezone)).date()
    selection = _selection(conn, defn)
    numbers = email_numbers(conn, defn, selection, output.period_start, output.period_end, as_of)
    return render_report_email(
        report_name=defn.name,
        period_start=output.period_start,
        period_end=output.period_end,
        recipients=list(defn.recipients),
        sender=sender,
        links=report_links(output),
        summary=numbers.summary,
        series=numbers.series,
        key_stat=numbers.key_stat,
        partial_from=numbers.partial_from,
        variants=variant_comparisons(conn, defn, selection, output.period_start, output.period_end),
        variant_results=variant_results_sections(conn, defn, selection, output.period_start, output.period_end),
        generated_at=generated,
    )
