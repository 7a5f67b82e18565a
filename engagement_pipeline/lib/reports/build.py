"""Render one report: select messages, cut the time frame into periods, query, write, store, record.

"Today" (for ``last_days`` and the default time frame) is the date of ``as_of`` in the report's
time zone. Files go to ``<report id>/<run stamp>/`` of the report store, where the run stamp is
the due time (or the generation time) in UTC, ``20261123T080000Z``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.reports.message_catalog import load_catalog
from engagement_pipeline.lib.reports.names import Names, load_names
from engagement_pipeline.lib.reports.outputs import ReportFile, ReportOutput, record_output
from engagement_pipeline.lib.reports.pages import RenderedPage, build_pages
from engagement_pipeline.lib.reports.periods import Period, resolve_time_frame, split_periods, utc_partitions
from engagement_pipeline.lib.reports.query import LEVELS, days_to_rebuild, query_stats
from engagement_pipeline.lib.reports.recipient_export import Target, store_export, target_names, window
from engagement_pipeline.lib.reports.render import ReportTable, build_table, pack
from engagement_pipeline.lib.reports.spec import ReportDefinition, ResolvedSelection, effective_stats, resolve_messages
from engagement_pipeline.lib.reports.stats import MessageKind, base_stats_needed
from engagement_pipeline.lib.reports.variant_counts import experiment_options, results_for
from engagement_pipeline.lib.reports.variant_csv import with_variant_columns


class ReportRunError(ValueError):
    """A run request that cannot be honoured (a bad date range), worded for the person who asked."""


@dataclass(frozen=True)
class GeneratedReport:
    output: ReportOutput
    tables: tuple[ReportTable, ...]
    selection: ResolvedSelection
    periods: tuple[Period, ...]
    timezone: str = "UTC"
    utc_days: tuple[date, ...] = ()
    """The UTC days (pipeline partitions) the report read: its local days overlap them."""
    pages: tuple[RenderedPage, ...] = ()
    """The HTML pages (``formats`` with ``html``): one per campaign and Canvas with events in the time frame."""


def run_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def time_frame(
    defn: ReportDefinition, selection: ResolvedSelection, as_of: datetime, start: date | None, end: date | None
) -> tuple[date, date]:
    """The report's inclusive local dates: the definition's time frame, overridden by ``start``/``end``."""
    zone = ZoneInfo(defn.timezone)
    today = as_of.astimezone(zone).date()
    first_event = selection.first_event_at.astimezone(zone).date() if selection.first_event_at else selection.first_event_date
    frame_start, frame_end = resolve_time_frame(defn, today=today, first_event_date=first_event)
    first, last = start or frame_start, end or frame_end
    if last < first:
        raise ReportRunError(f"{defn.report_id}: the time frame ends on {last}, before it starts on {first}; expected end >= start")
    return first, last


def _tables(
    conn: sa.Connection, defn: ReportDefinition, selection: ResolvedSelection, periods: list[Period], names: Names
) -> list[ReportTable]:
    tables = []
    wanted: list[tuple[MessageKind, tuple[str, ...], str]] = [
        ("campaign", selection.campaign_ids, defn.campaign_level),
        ("canvas", selection.canvas_ids, defn.canvas_level),
    ]
    for kind, ids, level in wanted:
        if not ids:
            continue
        channels = sorted({c for e in selection.entries if e.kind == kind for c in e.channels})
        stats = effective_stats(defn, channels, message_kind=kind)
        frame = query_stats(conn, LEVELS[(kind, level)], ids, periods, base_stats_needed(stats, channels), defn.timezone)
        table = build_table(kind, frame, stats, names)
        if defn.variant_results is not None:
            table = with_variant_columns(table, _variant_results(conn, defn, kind, ids, periods, names, level))
        tables.append(table)
    return tables


def _variant_results(
    conn: sa.Connection, defn: ReportDefinition, kind: MessageKind, ids: tuple[str, ...], periods: list[Period], names: Names, level: str
) -> pd.DataFrame:
    """Variant results per period at variant or step level; none at campaign or Canvas level."""
    options = defn.variant_results
    if options is None or level not in ("variant", "step"):
        return pd.DataFrame(columns=["period_start", "message_id", "variation_id"])
    return results_for(conn, kind, ids, periods, defn.timezone, experiment_options(options), options.outcome, names)


def _refuse_old_days(conn: sa.Connection, defn: ReportDefinition, utc_days: tuple[date, ...]) -> None:
    """Stop, naming the command, rather than render numbers from days an earlier version built."""
    old = days_to_rebuild(conn, utc_days[0], utc_days[-1])
    if old:
        raise ReportRunError(
            f"{defn.report_id}: the warehouse holds {len(old)} UTC day(s) built by an earlier version without"
            f" quarter-hour stats or user touches ({old[0]} .. {old[-1]}); rebuild them once with"
            f" `engagement materialize --from {old[0]} --to {old[-1]}`, then run the report again"
        )


def _store(
    store: ObjectStore, defn: ReportDefinition, tables: list[ReportTable], pages: list[RenderedPage], folder: str
) -> tuple[ReportFile, ...]:
    files = []
    with tempfile.TemporaryDirectory(prefix=f"report-{defn.report_id}-") as tmp:
        packed = pack(tables, Path(tmp), delimiter=defn.delimiter, compression=defn.compression, archive=defn.report_id) if tables else []
        for item in packed:
            key = f"{folder}/{item.path.name}"
            store.write_file(key, item.path)
            url = store.link(key, defn.link_expiry)
            files.append(ReportFile(item.path.name, key, url, item.path.stat().st_size, item.rows))
        for page in pages:
            path = Path(tmp) / page.file_name
            path.write_text(page.html, encoding="utf-8")
            key = f"{folder}/{page.file_name}"
            store.write_file(key, path)
            files.append(ReportFile(page.file_name, key, store.link(key, defn.link_expiry), path.stat().st_size, 0, page.title))
    return tuple(files)


def _export(
    engine: sa.Engine, store: ObjectStore, defn: ReportDefinition, targets: list[Target], folder: str, frame: tuple[date, date]
) -> tuple[ReportFile, ...]:
    """A definition of ``kind: recipients``: one recipients CSV per selected message (recipient_export.py), with
    the personal data its ``personal_data`` asks for (validated against the allowed domains when loaded)."""
    span = window(frame[0], frame[1], defn.timezone, frame[1])
    options = {"tz": defn.timezone, "compression": defn.compression, "delimiter": defn.delimiter, "archive": defn.report_id}
    return store_export(engine, store, folder, targets, span, link_expiry=defn.link_expiry, personal=defn.personal_data, **options)


def generate_report(
    defn: ReportDefinition,
    engine: sa.Engine,
    store: ObjectStore,
    *,
    run_id: str,
    as_of: datetime | None = None,
    due_at: datetime | None = None,
    start: date | None = None,
    end: date | None = None,
    count_bot_clicks: bool = False,
) -> GeneratedReport:
    """Render ``defn`` as of ``due_at`` (else now), store its files, record them in ``report_outputs``.

    ``formats`` decides the files: the CSVs (packed), and with ``html`` a page per campaign and Canvas
    (``count_bot_clicks`` as the pipeline's setting, for the pages' event-level click breakdowns).
    Raises ``ReportDefinitionError`` when the selection names unknown messages or matches none.
    """
    generated_at = datetime.now(UTC)
    as_of = as_of or due_at or generated_at
    with engine.connect() as conn:
        selection = resolve_messages(defn, load_catalog(conn))
        first, last = time_frame(defn, selection, as_of, start, end)
        periods = split_periods(first, last, defn.interval)
        utc_days = tuple(utc_partitions(first, last, defn.timezone))
        _refuse_old_days(conn, defn, utc_days)
        names = load_names(conn, selection.entries)
        tables = _tables(conn, defn, selection, periods, names) if defn.kind == "stats" else []
        targets = [target_names(conn, e.kind, e.id) for e in selection.entries] if defn.kind == "recipients" else []
        pages = []
        if defn.kind == "stats" and "html" in defn.formats:
            pages = build_pages(conn, defn, selection, first, last, names, generated_at=generated_at, count_bot_clicks=count_bot_clicks)
    folder = f"{defn.report_id}/{run_stamp(due_at or generated_at)}"
    stored = tables if "csv" in defn.formats else []
    if defn.kind == "stats":
        files = _store(store, defn, stored, pages, folder)
    else:
        files = _export(engine, store, defn, targets, folder, (first, last))
    output = ReportOutput(
        report_id=defn.report_id,
        run_id=run_id,
        due_at=due_at,
        generated_at=generated_at,
        period_start=first,
        period_end=last,
        files=files,
        expires_at=generated_at + defn.link_expiry,
        content_hash=defn.content_hash,
    )
    with engine.begin() as conn:
        record_output(conn, output)
    return GeneratedReport(output, tuple(stored), selection, tuple(periods), defn.timezone, utc_days, tuple(pages))
