"""What ingestion did not load, read back for `engagement quarantine`: the files skipped or quarantined
(from the manifest) and the quarantined records of each file.

A file's quarantined records carry the time of its manifest row (`quarantined_at = loaded_at`),
which ties each record to the version (etag) of the file it came from.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from engagement_pipeline.lib.ingest.load import MANIFEST_TABLE, QUARANTINE_TABLE

_RECORDS_OF_ROW = "q.source_file = m.object_key and q.quarantined_at = m.loaded_at and q.record_json is not null"


def has_manifest(conn: sa.Connection) -> bool:
    found = conn.execute(sa.text("select count(*) from information_schema.tables where table_name = :t"), {"t": MANIFEST_TABLE})
    return bool(found.scalar_one())


def problem_files(conn: sa.Connection, since: datetime | None = None, reason: str | None = None, limit: int = 100) -> list[dict]:
    """Manifest rows of files skipped, quarantined or loaded with quarantined records, newest first, each
    with its reason (the file's, else the first of its records') and how many distinct reasons its records have.

    `since` keeps rows recorded from then on (UTC); `reason` those whose reason, or a record's, contains it (any case)."""
    filters, params = ["(m.status <> 'loaded' or m.rows_quarantined > 0)"], {"limit": limit}
    if since is not None:
        filters.append("m.loaded_at >= :since")
        params["since"] = since
    if reason:
        filters.append(
            "(strpos(lower(coalesce(m.error, '')), :needle) > 0 or exists ("
            f"select 1 from {QUARANTINE_TABLE} q where {_RECORDS_OF_ROW} and strpos(lower(q.reason), :needle) > 0))"
        )
        params["needle"] = reason.lower()
    query = (
        "select m.loaded_at, m.status, m.object_key, m.etag, m.rows_loaded, m.rows_quarantined,"
        " coalesce(m.error, min(q.reason)) as reason, count(distinct q.reason) as reasons"
        f" from {MANIFEST_TABLE} m left join {QUARANTINE_TABLE} q on {_RECORDS_OF_ROW}"
        f" where {' and '.join(filters)}"
        " group by m.loaded_at, m.status, m.object_key, m.etag, m.rows_loaded, m.rows_quarantined, m.error"
        " order by m.loaded_at desc, m.object_key limit :limit"
    )
    return [dict(row._mapping) for row in conn.execute(sa.text(query), params)]


def matching_keys(conn: sa.Connection, key: str) -> list[str]:
    """`key` if the manifest has it, else the keys ending with it (a file name, a key without its prefix)."""
    rows = conn.execute(sa.text(f"select distinct object_key from {MANIFEST_TABLE} where object_key = :key"), {"key": key}).scalars().all()
    if rows:
        return list(rows)
    suffix = conn.execute(
        sa.text(f"select distinct object_key from {MANIFEST_TABLE} where right(object_key, :n) = :key order by object_key"),
        {"key": key, "n": len(key)},
    )
    return list(suffix.scalars().all())


def file_history(conn: sa.Connection, key: str) -> list[dict]:
    """Every manifest row of `key` (one per version seen), oldest first."""
    query = f"select loaded_at, status, etag, size_bytes, rows_loaded, rows_quarantined, error from {MANIFEST_TABLE} where object_key = :key order by loaded_at"
    return [dict(row._mapping) for row in conn.execute(sa.text(query), {"key": key})]


def quarantined_records(conn: sa.Connection, key: str, limit: int = 20) -> tuple[int, list[dict]]:
    """How many records of `key` are quarantined, and the first `limit` of them (newest version first)."""
    where = "source_file = :key and record_json is not null"
    total = conn.execute(sa.text(f"select count(*) from {QUARANTINE_TABLE} where {where}"), {"key": key}).scalar_one()
    query = (
        f"select quarantined_at, event_id, reason, record_json from {QUARANTINE_TABLE} where {where}"
        " order by quarantined_at desc, event_id limit :limit"
    )
    return total, [dict(row._mapping) for row in conn.execute(sa.text(query), {"key": key, "limit": limit})]
