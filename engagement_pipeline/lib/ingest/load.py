"""Load new Currents files from the landing zone into the raw event table, exactly once.

A manifest row per object (key + etag) is written in the same transaction as the
object's events, so a crash never leaves a file half-loaded or loaded twice. Files are
decoded in batches (flushes) while the previous batch is written (`writer.py`):
one transaction per flush, one at a time, in key order. Every
object gets a manifest row saying what happened to it: loaded, skipped (not an Avro
file, not a Currents path, an unknown event type) or quarantined (a file that cannot be
decoded or mapped). Records that fail a check (`checks.py`: id, time or user_id missing,
an absurd time, an oversized string) go to the quarantine table with their reason while
everything else loads; a fixed file dropped again (new etag) is loaded. Re-delivered events (Currents delivers at least once) are
dropped here: an event (id and event type) already in the raw table, or seen
earlier in the same load (files in key order), is not inserted again, so the raw
table holds one row per event and the staging model is a plain view over it. Two
events of different types sharing an id are both kept (the staging grain check
reports them). The users' e-mail addresses and phone numbers go to `recipient_contacts`
(`contacts.py`) in the same transaction as the events, never to the raw event table; the
quarantine keeps a record with them redacted.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import partial
from typing import Callable, Iterator

import polars as pl
import sqlalchemy as sa

from engagement_pipeline.lib.ingest.braze_lists import is_catalog_file
from engagement_pipeline.lib.ingest.canonical import RAW_COLUMNS, create_table_sql
from engagement_pipeline.lib.ingest.contacts import ensure_contacts_table, upsert_contacts
from engagement_pipeline.lib.ingest.mapping import map_batch
from engagement_pipeline.lib.ingest.reader import CurrentsFileError, DecodedFile, decode_file
from engagement_pipeline.lib.ingest.record_checks import IngestLimits, quarantine_row
from engagement_pipeline.lib.ingest.spark_tables import append_new_spark_events, ensure_spark_tables
from engagement_pipeline.lib.ingest.writer import BackgroundWriter
from engagement_pipeline.lib.platform.progress import track
from engagement_pipeline.lib.platform.storage import ObjectStore, StoredObject
from engagement_pipeline.lib.platform.warehouse import arrow_view, bulk_load, deferred_checkpoints

RAW_TABLE = "raw_currents_events"
MANIFEST_TABLE = "currents_manifest"
QUARANTINE_TABLE = "currents_quarantine"
MIGRATIONS_TABLE = "engagement_migrations"
ONE_ROW_PER_EVENT = "raw_currents_events: one row per event"
MANIFEST_COLUMNS = {
    "object_key": "varchar",
    "etag": "varchar",
    "size_bytes": "bigint",
    "event_type": "varchar",
    "status": "varchar",
    "rows_loaded": "bigint",
    "rows_quarantined": "bigint",
    "error": "varchar",
    "min_event_date": "date",
    "max_event_date": "date",
    "loaded_at": "timestamp",
}
QUARANTINE_COLUMNS = {
    "source_file": "varchar",
    "event_type": "varchar",
    "event_id": "varchar",
    "reason": "varchar",
    "record_json": "varchar",
    "quarantined_at": "timestamp",
}
FLUSH_ROWS = 250_000
NOT_AVRO = "skipped: not an Avro file (expected a name ending in .avro, any case)"


@dataclass
class IngestSummary:
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    files_quarantined: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    duplicates_skipped: int = 0
    skipped_event_types: Counter = field(default_factory=Counter)
    rows_by_event_type: Counter = field(default_factory=Counter)
    days_touched: set[date] = field(default_factory=set)
    quarantine_examples: list[dict] = field(default_factory=list)
    skipped_examples: list[dict] = field(default_factory=list)


def ensure_tables(conn: sa.Connection) -> None:
    if conn.dialect.name == "spark":
        ensure_spark_tables(conn, {RAW_TABLE: RAW_COLUMNS, MANIFEST_TABLE: MANIFEST_COLUMNS, QUARANTINE_TABLE: QUARANTINE_COLUMNS})
        return
    for table, columns in ((RAW_TABLE, RAW_COLUMNS), (MANIFEST_TABLE, MANIFEST_COLUMNS), (QUARANTINE_TABLE, QUARANTINE_COLUMNS)):
        conn.execute(sa.text(create_table_sql(table, columns)))
    _add_new_columns(conn, RAW_TABLE, RAW_COLUMNS)
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"create index if not exists {RAW_TABLE}_event_date_idx on {RAW_TABLE} (event_date)"))
    _migrate_to_one_row_per_event(conn)
    ensure_contacts_table(conn, MIGRATIONS_TABLE)


def _add_new_columns(conn: sa.Connection, table: str, columns: dict[str, str]) -> None:
    """Add the columns a later version introduced (such as `abort_type`) to a table an earlier one created;
    rows loaded before hold NULL in them."""
    existing = {
        row[0] for row in conn.execute(sa.text("select column_name from information_schema.columns where table_name = :t"), {"t": table})
    }
    for name, sql_type in columns.items():
        if name not in existing:
            conn.execute(sa.text(f"alter table {table} add column {name} {sql_type}"))


def _migrate_to_one_row_per_event(conn: sa.Connection) -> None:
    """Once per warehouse: drop the copies an earlier version kept in the raw table (it deduplicated in
    staging, which is now a view), keeping the first loaded copy, as ingestion does now."""
    conn.execute(sa.text(f"create table if not exists {MIGRATIONS_TABLE} (name varchar primary key, applied_at timestamp)"))
    done = conn.execute(sa.text(f"select count(*) from {MIGRATIONS_TABLE} where name = :n"), {"n": ONE_ROW_PER_EVENT}).scalar_one()
    if done:
        return
    row = "rowid" if conn.dialect.name == "duckdb" else "ctid"
    conn.execute(
        sa.text(
            f"delete from {RAW_TABLE} where {row} in (select {row} from ("
            f"select {row}, row_number() over (partition by event_id, event_type order by loaded_at, source_file) as copy_number"
            f" from {RAW_TABLE}) as copies where copy_number > 1)"
        )
    )
    conn.execute(
        sa.text(f"insert into {MIGRATIONS_TABLE} (name, applied_at) values (:n, :at) on conflict do nothing"),
        {"n": ONE_ROW_PER_EVENT, "at": datetime.now(timezone.utc).replace(tzinfo=None)},
    )


def pending_objects(conn: sa.Connection, store: ObjectStore) -> list[StoredObject]:
    """Every object of the landing zone without a manifest row for its key and etag, except the
    message catalog's files (read by `braze_catalog`) and folder markers."""
    done = {(k, e) for k, e in conn.execute(sa.text(f"select object_key, etag from {MANIFEST_TABLE}"))}
    return [obj for obj in store.list() if (obj.key, obj.etag) not in done and not is_catalog_file(obj.key) and not obj.key.endswith("/")]


def is_avro_key(key: str) -> bool:
    return key.lower().endswith(".avro")


def _decode(store: ObjectStore, obj: StoredObject) -> tuple[StoredObject, DecodedFile | None, str | None]:
    if not is_avro_key(obj.key):
        return obj, DecodedFile(obj.key, None, pl.DataFrame(), skip_reason=NOT_AVRO), None
    try:
        return obj, decode_file(store.read(obj.key), obj.key), None
    except CurrentsFileError as exc:
        return obj, None, str(exc)


def ingest(
    engine: sa.Engine,
    store: ObjectStore,
    log: Callable[[str], None] = lambda _: None,
    workers: int | None = None,
    limits: IngestLimits | None = None,
) -> IngestSummary:
    """Load the landing zone's new objects; `limits` bound event times (from now) and string sizes."""
    if engine.dialect.name == "spark":  # decoded by Spark tasks (spark_load.py)
        from engagement_pipeline.lib.ingest.spark_load import ingest_spark

        return ingest_spark(engine, store, log, limits)
    started = datetime.now(timezone.utc)
    with engine.begin() as conn:
        ensure_tables(conn)
        pending = pending_objects(conn, store)
    summary = IngestSummary(files_seen=len(pending))
    log(f"{len(pending)} new file(s) in {store.url}")
    prepare = partial(_prepare, limits=limits or IngestLimits(), started=started)
    batch: list[tuple[StoredObject, DecodedFile | None, str | None]] = []
    batch_rows = decoded_rows = 0
    progress = track("ingesting", total=len(pending), unit="files")
    write = partial(_flush, engine, summary=summary)
    with deferred_checkpoints(engine), BackgroundWriter(prepare, write, lambda: _loaded_line(summary, log)) as writer:
        for item in _decoded(store, pending, workers or min(4, os.cpu_count() or 1)):
            batch.append(item)
            batch_rows += item[1].raw.height if item[1] else 0
            decoded_rows += item[1].raw.height if item[1] else 0
            progress.update(advance=1, detail=f"{decoded_rows:,} events read, {summary.rows_loaded:,} loaded")
            writer.check()
            if batch_rows >= FLUSH_ROWS:
                writer.submit(batch)
                batch, batch_rows = [], 0
        if batch:
            writer.submit(batch)
    progress.close(f"{decoded_rows:,} events read, {summary.rows_loaded:,} loaded")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text(f"analyze {RAW_TABLE}"))
    return summary


def _decoded(store: ObjectStore, pending: list[StoredObject], workers: int) -> Iterator[tuple]:
    """Decode files in parallel, in order, with a bounded number in flight (bounded memory)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        in_flight: deque[Future] = deque()
        for obj in pending:
            in_flight.append(pool.submit(_decode, store, obj))
            if len(in_flight) >= 2 * workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


@dataclass
class _Flush:
    """One batch of files ready to write: canonical events, a manifest row per file, quarantined records, contacts."""

    events: pl.DataFrame | None
    manifest: list[dict]
    quarantine: list[dict]
    contacts: pl.DataFrame


def _prepare(batch: list[tuple[StoredObject, DecodedFile | None, str | None]], *, limits: IngestLimits, started: datetime) -> _Flush:
    """Map one batch of decoded files to what its transaction writes (no warehouse access)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    by_type: dict[str, list[pl.DataFrame]] = defaultdict(list)
    for _, decoded, error in batch:
        if decoded is not None and error is None and not decoded.skipped and decoded.raw.height:
            by_type[decoded.event_type].append(decoded.raw)
    mapped = map_batch(by_type, limits, started)
    manifest, quarantine = [], list(mapped.quarantined)
    for obj, decoded, error in batch:
        row, rejected = _file_outcome(obj, decoded, error or mapped.failed.get(obj.key))
        manifest.append(row | {"loaded_at": now})
        quarantine.extend(rejected)
    for row in quarantine:  # one time per flush links a file's records to its manifest row
        row["quarantined_at"] = now
    events = mapped.frame()
    events = events.with_columns(pl.lit(now).alias("loaded_at")) if events is not None else None
    return _Flush(events, manifest, quarantine, mapped.contacts_frame())


def _flush(engine: sa.Engine, flush: _Flush, *, summary: IngestSummary) -> None:
    """Write one batch of files in one transaction: their events, a manifest row each, their quarantined records."""
    events = flush.events
    with engine.begin() as conn:
        if events is not None:
            decoded_rows = events.height
            events = append_new_events(conn, events)
            summary.duplicates_skipped += decoded_rows - events.height
        _account(flush.manifest, flush.quarantine, events, summary)
        upsert_contacts(conn, flush.contacts)
        bulk_load(conn, MANIFEST_TABLE, pl.DataFrame(flush.manifest, schema=_schema(MANIFEST_COLUMNS)))
        if flush.quarantine:
            bulk_load(conn, QUARANTINE_TABLE, pl.DataFrame(flush.quarantine, schema=_schema(QUARANTINE_COLUMNS)))


def _loaded_line(summary: IngestSummary, log: Callable[[str], None]) -> None:
    log(f"loaded {summary.rows_loaded:,} events from {summary.files_loaded} file(s)")


def _file_outcome(obj: StoredObject, decoded: DecodedFile | None, error: str | None) -> tuple[dict, list[dict]]:
    """A file's manifest row (status and why) and its quarantine rows."""
    event_type = decoded.event_type if decoded else None
    row = {
        "object_key": obj.key,
        "etag": obj.etag,
        "size_bytes": obj.size,
        "event_type": event_type,
        "status": "loaded",
        "error": error,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "min_event_date": None,
        "max_event_date": None,
    }
    if error is not None:
        return row | {"status": "quarantined"}, [quarantine_row(obj.key, event_type, error, None)]
    if decoded.skipped:
        return row | {"status": "skipped", "error": decoded.skip_reason}, []
    return row, decoded.quarantined


def append_new_events(conn: sa.Connection, events: pl.DataFrame) -> pl.DataFrame:
    """Insert the events (id + event type) not in the raw table yet (the first copy wins); returns those inserted.

    A copy of an event has the same time, so only the raw rows of the batch's days are searched."""
    if conn.dialect.name == "spark":
        return append_new_spark_events(conn, events, RAW_TABLE)
    key = ["event_id", "event_type"]
    if events["event_id"].n_unique() < events.height:  # a cheap test first: most batches hold no copy
        events = events.filter(pl.struct(key).is_first_distinct())
    seen = _loaded_ids(conn, events.select(*key, "event_date"))
    if seen.height:
        events = events.join(seen, on=key, how="anti")
    bulk_load(conn, RAW_TABLE, events)
    return events


def _loaded_ids(conn: sa.Connection, ids: pl.DataFrame) -> pl.DataFrame:
    """The (event_id, event_type) pairs of `ids` already in the raw table.

    The search names the batch's days and event types as constants: raw rows are appended in
    object-key order (event type, then hour), so DuckDB skips the row groups of other types."""
    if ids.is_empty():
        return ids.select("event_id", "event_type")
    types = sorted(ids["event_type"].unique().to_list())
    params = {"first": ids["event_date"].min(), "last": ids["event_date"].max(), **{f"t{i}": t for i, t in enumerate(types)}}
    query = (
        f"select r.event_id, r.event_type from {RAW_TABLE} r join _batch_ids i"
        " on r.event_id = i.event_id and r.event_type = i.event_type and r.event_date = i.event_date"
        " where r.event_date >= :first and r.event_date <= :last"
        f" and r.event_type in ({', '.join(f':t{i}' for i in range(len(types)))})"
    )
    if conn.dialect.name == "duckdb":
        with arrow_view(conn, "_batch_ids", ids):
            rows = conn.execute(sa.text(query), params).fetchall()
    else:
        conn.execute(
            sa.text(
                "create temporary table if not exists _batch_ids (event_id varchar, event_type varchar, event_date date) on commit drop"
            )
        )
        conn.execute(sa.text("truncate _batch_ids"))
        bulk_load(conn, "_batch_ids", ids)
        rows = conn.execute(sa.text(query), params).fetchall()
    return pl.DataFrame(rows, schema={"event_id": pl.String, "event_type": pl.String}, orient="row")


def _account(manifest: list[dict], quarantine: list[dict], events: pl.DataFrame | None, summary: IngestSummary) -> None:
    """Per-file rows, quarantined records and event days for the manifest; totals for the summary."""
    for row in manifest:
        _count_file(row, summary)
    rejected = Counter(q["source_file"] for q in quarantine if q["record_json"] is not None)
    per_file = {}
    if events is not None and events.height:
        stats = events.group_by("source_file").agg(
            pl.len().alias("n"), pl.col("event_date").min().alias("lo"), pl.col("event_date").max().alias("hi")
        )
        per_file = {r["source_file"]: r for r in stats.iter_rows(named=True)}
        summary.days_touched.update(events["event_date"].unique().to_list())
        for event_type, n in events.group_by("event_type").len().iter_rows():
            summary.rows_by_event_type[event_type] += n
        summary.rows_loaded += events.height
    for row in manifest:
        found = per_file.get(row["object_key"])
        if found:
            row.update(rows_loaded=found["n"], min_event_date=found["lo"], max_event_date=found["hi"])
        row["rows_quarantined"] = rejected.get(row["object_key"], 0)
    summary.rows_quarantined += sum(rejected.values())
    summary.quarantine_examples.extend(quarantine[: max(0, 5 - len(summary.quarantine_examples))])


def _count_file(row: dict, summary: IngestSummary) -> None:
    """Count a file by its manifest status; a skipped one by event type, with a few examples."""
    if row["status"] == "quarantined":
        summary.files_quarantined += 1
    elif row["status"] == "skipped":
        summary.files_skipped += 1
        if row["event_type"]:
            summary.skipped_event_types[row["event_type"]] += 1
        if len(summary.skipped_examples) < 5:
            summary.skipped_examples.append({"file": row["object_key"], "reason": row["error"]})
    else:
        summary.files_loaded += 1


def _schema(columns: dict[str, str]) -> dict[str, pl.DataType]:
    types = {"varchar": pl.String, "bigint": pl.Int64, "date": pl.Date, "timestamp": pl.Datetime("us")}
    return {name: types[t] for name, t in columns.items()}
