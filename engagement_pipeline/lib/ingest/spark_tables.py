"""Ingestion's tables on Spark: the same columns as on DuckDB and PostgreSQL, as Parquet tables in the
lake; raw events partitioned by `event_date`. Spark has no primary keys nor `on conflict`: the raw
table stays one row per event because ingestion drops what is already loaded (an anti-join on the
batch's days), and contacts are merged by rewriting their table (`merge_contacts`)."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from engagement_pipeline.lib.ingest.canonical import RAW_COLUMNS
from engagement_pipeline.lib.ingest.contacts import CONTACT_SCHEMA, CONTACTS_TABLE
from engagement_pipeline.lib.platform.spark import spark_session

SPARK_TYPES = {"varchar": "string", "bigint": "bigint", "date": "date", "timestamp": "timestamp", "boolean": "boolean"}


def create_spark_table(conn: sa.Connection, table: str, columns: dict[str, str], partition_by: str | None = None) -> None:
    """Create `table` (if missing) with `columns` (our portable type names); `partition_by` last, as Spark stores it."""
    ordered = {name: kind for name, kind in columns.items() if name != partition_by}
    if partition_by:
        ordered[partition_by] = columns[partition_by]
    body = ", ".join(f"{name} {SPARK_TYPES[kind]}" for name, kind in ordered.items())
    partitioned = f" partitioned by ({partition_by})" if partition_by else ""
    spark_session(conn).sql(f"create table if not exists {table} ({body}) using parquet{partitioned}")


def ensure_spark_tables(conn: sa.Connection, tables: dict[str, dict[str, str]]) -> None:
    """Ingestion's tables: `tables` (name: columns) and the raw events partitioned by day, and contacts."""
    from engagement_pipeline.lib.platform.spark.dbapi import catalog_changed

    for table, columns in tables.items():
        create_spark_table(conn, table, columns, "event_date" if columns is RAW_COLUMNS else None)
    contacts = {name: "timestamp" if name.endswith("_at") else "varchar" for name in CONTACT_SCHEMA}
    create_spark_table(conn, CONTACTS_TABLE, contacts)
    catalog_changed(spark_session(conn))


def append_new_spark_events(conn: sa.Connection, events: pl.DataFrame, raw_table: str) -> pl.DataFrame:
    """Insert the events (event id + type) not in the raw table yet; the first copy in the batch wins.
    Only the raw rows of the batch's days are searched (a copy has the same time)."""
    key = ["event_id", "event_type"]
    events = events.filter(pl.struct(key).is_first_distinct())
    if events.is_empty():
        return events
    spark = spark_session(conn)
    first, last = events["event_date"].min(), events["event_date"].max()
    batch_ids = spark.createDataFrame(events.select(*key).to_arrow())
    loaded = spark.table(raw_table).where(f"event_date between date'{first.isoformat()}' and date'{last.isoformat()}'").select(*key)
    seen = pl.from_arrow(batch_ids.join(loaded, on=key, how="inner").toArrow())
    if seen.height:
        events = events.join(seen, on=key, how="anti")
    order = [field.name for field in spark.table(raw_table).schema]
    spark.createDataFrame(events.select(order).to_arrow()).write.insertInto(raw_table)
    return events


def merge_spark_contacts(conn: sa.Connection, contacts: pl.DataFrame) -> int:
    """Merge one row per user into recipient_contacts, keeping the later of the stored and new values,
    by rewriting the table (Parquet has no update)."""
    if contacts.is_empty():
        return 0
    spark = spark_session(conn)
    spark.createDataFrame(contacts.to_arrow()).createOrReplaceTempView("_batch_contacts")
    latest = []
    for kind, value in (("email", "email_address"), ("phone", "phone_number")):
        latest.append(
            f"max_by({value}, {kind}_seen_at) filter (where {value} is not null) as {value}, "
            f"max({kind}_seen_at) filter (where {value} is not null) as {kind}_seen_at"
        )
    merged = spark.sql(
        f"select user_id, {', '.join(latest)} from (select * from {CONTACTS_TABLE} union all select * from _batch_contacts) "
        "group by user_id"
    ).select(*[field.name for field in spark.table(CONTACTS_TABLE).schema])
    merged.localCheckpoint().write.insertInto(CONTACTS_TABLE, overwrite=True)  # read before the overwrite
    return contacts.height
