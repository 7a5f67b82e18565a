"""Apply newly loaded Currents files to the live view's 5-minute buckets, each file exactly once.

A pass claims the manifest rows (`currents_manifest`: one per object key and etag) that ingestion
loaded within the retention and the live view has not applied (`live_files`), reads only the raw
rows of those files (by source file and load time), adds their counts into `live_buckets` and
`live_breakdowns` and refreshes `live_names`, and drops what is older than the retention: all in
one transaction, so a crash or a re-run never applies a file twice or half. Re-delivered copies
never reach the raw table (ingestion drops them), so they are never counted. Events older than the
retention when their file arrives are left out (counted in ``events_too_old``).
The SQL lives in `sql/`, rendered with the models' macros: the event -> stat mapping is theirs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from engagement_pipeline.lib.ingest.load import MANIFEST_TABLE, RAW_TABLE, ensure_tables
from engagement_pipeline.lib.live.window import LIVE_BREAKDOWNS, LIVE_STATS, retention_cutoff, utc_now
from engagement_pipeline.lib.models.sql_models import render_sql

SQL = Path(__file__).parent / "sql"
KEY = ("message_kind", "message_id", "variation_id", "step_id", "channel")
_KEY_COLUMNS = ", ".join(f"{name} varchar not null" for name in KEY)
TABLES = {
    "live_files": (
        "create table if not exists live_files (object_key varchar not null, etag varchar not null, loaded_at timestamp,"
        " min_event_date date, max_event_date date, rows_loaded bigint, applied_at timestamp, pass_id varchar,"
        " primary key (object_key, etag))"
    ),
    "live_buckets": (
        f"create table if not exists live_buckets (bucket_at timestamp not null, event_date date, {_KEY_COLUMNS}, "
        + ", ".join(f"{stat} bigint" for stat in LIVE_STATS)
        + f", primary key (bucket_at, {', '.join(KEY)}))"
    ),
    "live_breakdowns": (
        f"create table if not exists live_breakdowns (bucket_at timestamp not null, event_date date, {_KEY_COLUMNS},"
        " dimension varchar not null, value varchar not null, stat varchar not null, events bigint,"
        f" primary key (bucket_at, {', '.join(KEY)}, dimension, value, stat))"
    ),
    "live_names": (
        "create table if not exists live_names (message_kind varchar not null, message_id varchar not null,"
        " variation_id varchar not null, step_id varchar not null, message_name varchar, variation_name varchar,"
        " step_name varchar, last_seen_at timestamp, primary key (message_kind, message_id, variation_id, step_id))"
    ),
}


@dataclass
class LivePass:
    """What one pass applied."""

    applied_at: datetime
    files_applied: int = 0
    events_applied: int = 0
    events_too_old: int = 0
    buckets_dropped: int = 0
    first_event_date: date | None = None
    last_event_date: date | None = None


def ensure_live_tables(conn: sa.Connection) -> None:
    ensure_tables(conn)  # the raw table and manifest the live view reads
    for statement in TABLES.values():
        conn.execute(sa.text(statement))


def apply_new_files(engine: sa.Engine, *, now: datetime | None = None, count_bot_clicks: bool = False) -> LivePass:
    """Add the files loaded since the last pass into the buckets (see the module docstring)."""
    now = now or utc_now()
    cutoff = retention_cutoff(now)
    outcome = LivePass(applied_at=now)
    pass_id = uuid.uuid4().hex
    dialect = engine.dialect.name
    with engine.begin() as conn:
        if dialect == "postgresql":  # two passes at once would claim the same files
            conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('live_buckets'))"))
        ensure_live_tables(conn)
        claimed = _claim(conn, pass_id, now, cutoff)
        if claimed["files"]:
            outcome.files_applied = int(claimed["files"])
            outcome.first_event_date, outcome.last_event_date = claimed["first_day"], claimed["last_day"]
            params = {"pass_id": pass_id, "first_loaded_at": claimed["first_loaded_at"], "cutoff": cutoff, "cutoff_date": cutoff.date()}
            outcome.events_too_old = _too_old(conn, params)
            conn.execute(sa.text("drop table if exists live_new_events"))
            conn.execute(sa.text(f"create temporary table live_new_events as {render_sql(SQL / 'live_new_events.sql', dialect)}"), params)
            outcome.events_applied = conn.execute(sa.text("select count(*) from live_new_events")).scalar_one()
            context = {"live_stats": LIVE_STATS, "live_breakdowns": LIVE_BREAKDOWNS}
            for name in ("live_buckets", "live_breakdowns", "live_names"):
                conn.execute(sa.text(render_sql(SQL / f"{name}.sql", dialect, **context)), {"count_bot_clicks": count_bot_clicks})
            conn.execute(sa.text("drop table live_new_events"))
        outcome.buckets_dropped = _drop_expired(conn, cutoff)
    return outcome


def _claim(conn: sa.Connection, pass_id: str, now: datetime, cutoff: datetime) -> dict:
    """Record the loaded files of the retention not applied yet as this pass's; their count, days and first load time."""
    conn.execute(
        sa.text(
            "insert into live_files (object_key, etag, loaded_at, min_event_date, max_event_date, rows_loaded, applied_at, pass_id)"
            " select m.object_key, m.etag, m.loaded_at, m.min_event_date, m.max_event_date, m.rows_loaded, :now, :pass_id"
            f" from {MANIFEST_TABLE} as m where m.status = 'loaded' and m.loaded_at >= :cutoff"
            " and not exists (select 1 from live_files as f where f.object_key = m.object_key and f.etag = m.etag)"
        ),
        {"now": now, "pass_id": pass_id, "cutoff": cutoff},
    )
    row = conn.execute(
        sa.text(
            "select count(*) as files, min(loaded_at) as first_loaded_at, min(min_event_date) as first_day,"
            " max(max_event_date) as last_day from live_files where pass_id = :pass_id"
        ),
        {"pass_id": pass_id},
    ).one()
    return dict(row._mapping)


def _too_old(conn: sa.Connection, params: dict) -> int:
    """Events of the claimed files from before the retention cutoff (late files): they never enter."""
    return conn.execute(
        sa.text(
            f"select count(*) from {RAW_TABLE} as raw join live_files as files"
            " on files.object_key = raw.source_file and files.loaded_at = raw.loaded_at"
            " where files.pass_id = :pass_id and raw.loaded_at >= :first_loaded_at and raw.occurred_at < :cutoff"
        ),
        params,
    ).scalar_one()


def _drop_expired(conn: sa.Connection, cutoff: datetime) -> int:
    """Drop the buckets before the cutoff; how many (DuckDB reports no row count for a delete)."""
    expired = conn.execute(sa.text("select count(*) from live_buckets where bucket_at < :cutoff"), {"cutoff": cutoff}).scalar_one()
    if expired:
        conn.execute(sa.text("delete from live_buckets where bucket_at < :cutoff"), {"cutoff": cutoff})
        conn.execute(sa.text("delete from live_breakdowns where bucket_at < :cutoff"), {"cutoff": cutoff})
    # A file loaded before the cutoff is never claimed again, so its record can go (a day's grace).
    conn.execute(sa.text("delete from live_files where loaded_at < :old"), {"old": cutoff - timedelta(days=1)})
    return int(expired)
