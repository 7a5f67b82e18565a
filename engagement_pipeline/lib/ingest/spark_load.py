"""Ingestion on Spark: the landing zone's new files decoded by Spark tasks, not by one Python process.

The pending objects become a DataFrame (key, etag, size) spread over tasks; `mapInArrow` runs the
project's own reader and mapping in each task (the same `_decode` and `_prepare` as on DuckDB, so
the same checks, quarantine reasons and canonical rows) and yields the canonical events, each
file's outcome (its manifest row and quarantined records, as JSON) and the users' contacts. Spark
then drops re-delivered events (the first copy in object-key order within the load, and any event
already in the raw table on the same days), appends the rest to the raw table (Parquet, partitioned
by event_date), and only then writes the manifest: a crash before it loads the files again next
time and the anti-join drops what was already written, so nothing is lost or doubled.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterator

import polars as pl
import pyarrow as pa
import sqlalchemy as sa

from engagement_pipeline.lib.ingest.canonical import RAW_COLUMNS, polars_schema
from engagement_pipeline.lib.ingest.contacts import CONTACT_SCHEMA
from engagement_pipeline.lib.ingest.record_checks import IngestLimits
from engagement_pipeline.lib.platform.storage import ObjectStore, StoredObject

OUTCOME_COLUMNS = {"kind": pl.String, "payload": pl.String}
FILE_TASK_BYTES = 64 * 2**20  # about this much Avro per task


def _output_schema() -> dict[str, pl.DataType]:
    contacts = {f"contact_{name}": dtype for name, dtype in CONTACT_SCHEMA.items()}
    return {**polars_schema(RAW_COLUMNS), **contacts, **OUTCOME_COLUMNS}


def _decode_task(store_url: str, endpoint: str | None, limits: IngestLimits, started: datetime) -> Callable:
    """The function each task runs over its batches of (object_key, etag, size_bytes) rows."""

    def decode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from engagement_pipeline.lib.ingest.load import _decode, _prepare

        store = ObjectStore(store_url, endpoint_url=endpoint)
        schema = _output_schema()
        for batch in batches:
            for key, etag, size in zip(*(batch.column(i).to_pylist() for i in range(3))):
                flush = _prepare([_decode(store, StoredObject(key, size, etag))], limits=limits, started=started)
                parts = [_outcome(flush.manifest, flush.quarantine)]
                if flush.events is not None and flush.events.height:
                    parts.append(flush.events.with_columns(pl.lit("event").alias("kind")))
                if flush.contacts.height:
                    parts.append(
                        flush.contacts.rename({n: f"contact_{n}" for n in CONTACT_SCHEMA}).with_columns(pl.lit("contact").alias("kind"))
                    )
                frame = pl.concat(
                    [
                        p.select([pl.col(n).cast(t) if n in p.columns else pl.lit(None, t).alias(n) for n, t in schema.items()])
                        for p in parts
                    ]
                )
                yield from frame.to_arrow().to_batches()

    return decode


def _outcome(manifest: list[dict], quarantine: list[dict]) -> pl.DataFrame:
    payload = json.dumps({"manifest": manifest, "quarantine": quarantine}, default=str)
    return pl.DataFrame({"kind": ["file"], "payload": [payload]})


def _spark_schema() -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(pl.DataFrame(schema=_output_schema()).to_arrow().schema)


def ingest_spark(engine: sa.Engine, store: ObjectStore, log: Callable[[str], None] = lambda _: None, limits: IngestLimits | None = None):
    """Load the landing zone's new objects with Spark tasks; the same summary as `load.ingest`."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from engagement_pipeline.lib.ingest.load import (
        MANIFEST_COLUMNS,
        MANIFEST_TABLE,
        QUARANTINE_COLUMNS,
        QUARANTINE_TABLE,
        RAW_TABLE,
        IngestSummary,
        _count_file,
        _schema,
        ensure_tables,
        pending_objects,
    )
    from engagement_pipeline.lib.ingest.spark_tables import merge_spark_contacts
    from engagement_pipeline.lib.platform.spark import spark_session
    from engagement_pipeline.lib.platform.warehouse import bulk_load

    started = datetime.now(timezone.utc)
    with engine.begin() as conn:
        ensure_tables(conn)
        pending = sorted(pending_objects(conn, store), key=lambda obj: obj.key)
    summary = IngestSummary(files_seen=len(pending))
    log(f"{len(pending)} new file(s) in {store.url}")
    if not pending:
        return summary
    spark = spark_session(engine)
    tasks = max(1, min(len(pending), sum(obj.size for obj in pending) // FILE_TASK_BYTES + spark.sparkContext.defaultParallelism))
    files = spark.createDataFrame([(o.key, o.etag, o.size) for o in pending], "object_key string, etag string, size_bytes bigint")
    decoded = files.repartition(tasks).mapInArrow(
        _decode_task(store.url, store.endpoint_url, limits or IngestLimits(), started), _spark_schema()
    )
    decoded = decoded.localCheckpoint()  # decode once: the events, outcomes and contacts are read from it
    raw_columns = [field.name for field in spark.table(RAW_TABLE).schema]
    events = decoded.where("kind = 'event'").select(*raw_columns)
    first_copy = Window.partitionBy("event_id", "event_type").orderBy("source_file")
    events = events.withColumn("_copy", F.row_number().over(first_copy)).where("_copy = 1").drop("_copy")
    days = [row[0] for row in events.select("event_date").distinct().collect()]
    loaded = spark.table(RAW_TABLE).where(F.col("event_date").isin(days)).select("event_id", "event_type", "event_date")
    new = events.join(loaded, on=["event_id", "event_type", "event_date"], how="left_anti").localCheckpoint()
    new.select(*raw_columns).write.insertInto(RAW_TABLE)
    per_file = {
        row["source_file"]: row
        for row in new.groupBy("source_file")
        .agg(F.count("*").alias("n"), F.min("event_date").alias("lo"), F.max("event_date").alias("hi"))
        .collect()
    }
    by_type = new.groupBy("event_type").count().collect()
    manifest, quarantine = _outcomes(decoded)
    rejected = Counter(q["source_file"] for q in quarantine if q["record_json"] is not None)
    for row in manifest:
        found = per_file.get(row["object_key"])
        if found:
            row.update(rows_loaded=found["n"], min_event_date=found["lo"], max_event_date=found["hi"])
        row["rows_quarantined"] = rejected.get(row["object_key"], 0)
        _count_file(row, summary)
    summary.rows_loaded = sum(row["n"] for row in per_file.values())
    summary.duplicates_skipped = decoded.where("kind = 'event'").count() - summary.rows_loaded
    summary.rows_by_event_type.update({row["event_type"]: row["count"] for row in by_type})
    summary.days_touched.update(_as_date(row[0]) for row in new.select("event_date").distinct().collect())
    summary.rows_quarantined = sum(rejected.values())
    summary.quarantine_examples.extend(quarantine[:5])
    contacts = decoded.where("kind = 'contact'").select(*[F.col(f"contact_{n}").alias(n) for n in CONTACT_SCHEMA])
    with engine.begin() as conn:
        merge_spark_contacts(conn, pl.from_arrow(contacts.toArrow()))
        bulk_load(conn, MANIFEST_TABLE, pl.DataFrame(manifest, schema=_schema(MANIFEST_COLUMNS)))
        if quarantine:
            bulk_load(conn, QUARANTINE_TABLE, pl.DataFrame(quarantine, schema=_schema(QUARANTINE_COLUMNS)))
    log(f"loaded {summary.rows_loaded:,} events from {summary.files_loaded} file(s) with {tasks} Spark task(s)")
    return summary


def _outcomes(decoded: Any) -> tuple[list[dict], list[dict]]:
    """Every file's manifest row and quarantined records, in object-key order."""
    manifest, quarantine = [], []
    for (payload,) in decoded.where("kind = 'file'").select("payload").collect():
        outcome = json.loads(payload)
        manifest.extend(outcome["manifest"])
        quarantine.extend(outcome["quarantine"])
    for row in manifest:
        row["loaded_at"] = datetime.fromisoformat(row["loaded_at"])
    for row in quarantine:
        row["quarantined_at"] = datetime.fromisoformat(row["quarantined_at"])
    manifest.sort(key=lambda row: row["object_key"])
    return manifest, quarantine


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
