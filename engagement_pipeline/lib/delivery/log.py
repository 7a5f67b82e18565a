"""The delivery log: table `report_deliveries`, one row per due delivery (``due_key``), in the warehouse.

A row records the last outcome of a delivery: ``sent`` (the SMTP server accepted the email),
``retrying`` (a transient failure; ``next_attempt_at`` says when the schedule sensor tries
again, ``failing_since`` when the failures began), ``failed`` (a permanent failure, or the retry
window ran out; ``error`` says why) or ``held`` (the quality gate or missing data stopped it).
A ``sent`` row is final: delivery code checks it before sending and never emails the same
due time twice. Timestamps are naive UTC, like `report_outputs`. Columns added after the
table was first created are added to an existing table when it is next opened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import pandas as pd
import sqlalchemy as sa

Status = Literal["sent", "retrying", "failed", "held"]

CREATE_REPORT_DELIVERIES = """
create table if not exists report_deliveries (
    due_key varchar primary key,
    report_id varchar not null,
    due_at timestamp,
    recipients text not null,
    status varchar not null,
    attempts integer not null,
    message_id varchar,
    links text not null,
    failing_checks text not null,
    run_id varchar not null,
    updated_at timestamp not null,
    error text,
    failing_since timestamp,
    next_attempt_at timestamp
)
"""
ADDED_COLUMNS = {"error": "text", "failing_since": "timestamp", "next_attempt_at": "timestamp"}

_UPSERT = """
insert into report_deliveries (due_key, report_id, due_at, recipients, status, attempts, message_id, links,
    failing_checks, run_id, updated_at, error, failing_since, next_attempt_at)
values (:due_key, :report_id, :due_at, :recipients, :status, :attempts, :message_id, :links,
    :failing_checks, :run_id, :updated_at, :error, :failing_since, :next_attempt_at)
on conflict (due_key) do update set
    report_id = excluded.report_id, due_at = excluded.due_at, recipients = excluded.recipients,
    status = excluded.status, attempts = excluded.attempts, message_id = excluded.message_id,
    links = excluded.links, failing_checks = excluded.failing_checks, run_id = excluded.run_id,
    updated_at = excluded.updated_at, error = excluded.error, failing_since = excluded.failing_since,
    next_attempt_at = excluded.next_attempt_at
"""


@dataclass(frozen=True)
class DeliveryRecord:
    """The latest outcome of one due delivery; ``links`` are ``{name, url, expires_at}`` dicts.

    ``error`` is the cause of the last failure (``retrying`` or ``failed``)."""

    due_key: str
    report_id: str
    due_at: datetime | None
    status: Status
    run_id: str
    recipients: tuple[str, ...] = ()
    attempts: int = 1
    message_id: str | None = None
    links: tuple[dict, ...] = ()
    failing_checks: tuple[str, ...] = ()
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    error: str | None = None
    failing_since: datetime | None = None
    next_attempt_at: datetime | None = None


def ensure_report_deliveries(conn: sa.Connection) -> None:
    conn.execute(sa.text(CREATE_REPORT_DELIVERIES))
    sql = "select column_name from information_schema.columns where table_name = 'report_deliveries'"
    present = {name for (name,) in conn.execute(sa.text(sql))}
    for column, kind in ADDED_COLUMNS.items():
        if column not in present:
            conn.execute(sa.text(f"alter table report_deliveries add column {column} {kind}"))


def read_delivery(conn: sa.Connection, due_key: str) -> DeliveryRecord | None:
    """The log row of ``due_key``, or None when it was never attempted."""
    ensure_report_deliveries(conn)
    row = conn.execute(sa.text("select * from report_deliveries where due_key = :k"), {"k": due_key}).first()
    return _from_row(dict(row._mapping)) if row is not None else None


def record_delivery(conn: sa.Connection, record: DeliveryRecord) -> None:
    """Insert or replace the row of ``record.due_key`` inside the caller's transaction."""
    ensure_report_deliveries(conn)
    conn.execute(
        sa.text(_UPSERT),
        {
            "due_key": record.due_key,
            "report_id": record.report_id,
            "due_at": _naive_utc(record.due_at),
            "recipients": json.dumps(list(record.recipients)),
            "status": record.status,
            "attempts": record.attempts,
            "message_id": record.message_id,
            "links": json.dumps(list(record.links), default=str),
            "failing_checks": json.dumps(list(record.failing_checks)),
            "run_id": record.run_id,
            "updated_at": _naive_utc(record.updated_at),
            "error": record.error,
            "failing_since": _naive_utc(record.failing_since),
            "next_attempt_at": _naive_utc(record.next_attempt_at),
        },
    )


def latest_deliveries(conn: sa.Connection, limit: int = 10, report_id: str | None = None) -> list[DeliveryRecord]:
    """The most recently updated rows, newest first (of one report when ``report_id`` is given)."""
    ensure_report_deliveries(conn)
    where = " where report_id = :report_id" if report_id is not None else ""
    sql = f"select * from report_deliveries{where} order by updated_at desc, due_key limit :limit"
    rows = conn.execute(sa.text(sql), {"report_id": report_id, "limit": limit})
    return [_from_row(dict(row._mapping)) for row in rows]


def deliveries_frame(records: list[DeliveryRecord]) -> pd.DataFrame:
    """A small table for people (the UI's delivery log): no URLs, which are bearer links."""
    return pd.DataFrame(
        [
            {
                "due": r.due_at.strftime("%Y-%m-%d %H:%M UTC") if r.due_at else "",
                "report": r.report_id,
                "status": r.status,
                "attempts": r.attempts,
                "recipients": ", ".join(r.recipients),
                "files": ", ".join(str(link.get("name", "")) for link in r.links),
                "failing checks": ", ".join(r.failing_checks),
                "error": r.error or "",
                "updated": r.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                "run": r.run_id[:8],
            }
            for r in records
        ]
    )


def _from_row(row: dict) -> DeliveryRecord:
    return DeliveryRecord(
        due_key=row["due_key"],
        report_id=row["report_id"],
        due_at=_aware(row["due_at"]),
        status=row["status"],
        run_id=row["run_id"],
        recipients=tuple(json.loads(row["recipients"])),
        attempts=int(row["attempts"]),
        message_id=row["message_id"],
        links=tuple(json.loads(row["links"])),
        failing_checks=tuple(json.loads(row["failing_checks"])),
        updated_at=_aware(row["updated_at"]),
        error=row.get("error"),
        failing_since=_aware(row.get("failing_since")),
        next_attempt_at=_aware(row.get("next_attempt_at")),
    )


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def find_by_due(conn: sa.Connection, report_id: str, due_at: datetime) -> DeliveryRecord | None:
    """The row of ``report_id`` due at ``due_at`` (also for `send: immediately` keys), if any."""
    ensure_report_deliveries(conn)
    sql = "select * from report_deliveries where report_id = :r and due_at = :d order by updated_at desc limit 1"
    row = conn.execute(sa.text(sql), {"r": report_id, "d": _naive_utc(due_at)}).first()
    return _from_row(dict(row._mapping)) if row is not None else None


def logged_dues(conn: sa.Connection) -> list[tuple[str, str, datetime | None, str]]:
    """(report id, due key, due time, status) of every row, without creating or altering the table
    (a sensor reads this once, on a fresh cursor); [] when the table does not exist yet."""
    exists = "select count(*) from information_schema.tables where table_name = 'report_deliveries'"
    if not conn.execute(sa.text(exists)).scalar_one():
        return []
    rows = conn.execute(sa.text("select report_id, due_key, due_at, status from report_deliveries"))
    return [(report_id, key, _aware(due_at), status) for report_id, key, due_at, status in rows]
