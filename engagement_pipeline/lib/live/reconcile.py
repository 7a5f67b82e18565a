"""Reconcile the live buckets with the daily rollups: the same events, counted twice, must agree.

A UTC day is compared once its rollups were rebuilt after the live view applied the last file
touching it, and every loaded file touching it within the retention is applied; otherwise it is
listed as waiting, with why. Within a compared day, the quarter-hours from the retention cutoff on
are compared (older buckets are dropped): the live 5-minute buckets summed per quarter-hour against
`int_message_stats__quarter_hourly`, every live stat. The first difference is named: day,
quarter-hour, message component, channel, stat and both values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from engagement_pipeline.lib.ingest.load import MANIFEST_TABLE
from engagement_pipeline.lib.live.buckets import SQL, ensure_live_tables
from engagement_pipeline.lib.live.window import LIVE_STATS, retention_cutoff
from engagement_pipeline.lib.models.sql_models import render_sql
from engagement_pipeline.lib.reports.message_catalog import table_exists

ROLLUP = "int_message_stats__quarter_hourly"


@dataclass
class Reconciliation:
    compared: list[str] = field(default_factory=list)
    waiting: dict[str, str] = field(default_factory=dict)
    differences: int = 0
    first_difference: str | None = None

    @property
    def passed(self) -> bool:
        return self.differences == 0


def live_days(conn: sa.Connection) -> list[date]:
    ensure_live_tables(conn)
    return sorted(_as_date(row[0]) for row in conn.execute(sa.text("select distinct event_date from live_buckets")))


def reconcile(conn: sa.Connection, built_at: dict[date, datetime], now: datetime) -> Reconciliation:
    """Compare each live day whose rollups were built (``built_at``: when the run that last built the
    day's ROLLUP partition started, naive UTC) after its last live file."""
    outcome = Reconciliation()
    cutoff = retention_cutoff(now)
    built = table_exists(conn, ROLLUP)
    for day in live_days(conn):
        why = _waiting(conn, day, built_at.get(day) if built else None, cutoff)
        if why:
            outcome.waiting[day.isoformat()] = why
            continue
        outcome.compared.append(day.isoformat())
        first_quarter = max(0, -(-int((cutoff - datetime.combine(day, datetime.min.time())).total_seconds()) // 900))
        sql = render_sql(SQL / "live_reconcile.sql", conn.dialect.name, live_stats=LIVE_STATS)
        rows = conn.execute(sa.text(sql), {"day": day, "first_quarter": first_quarter}).mappings().all()
        if rows and outcome.first_difference is None:
            outcome.first_difference = describe(day, rows[0])
        outcome.differences += len(rows)
    return outcome


def _waiting(conn: sa.Connection, day: date, built: datetime | None, cutoff: datetime) -> str | None:
    if built is None:
        return f"{ROLLUP} has no partition {day} yet"
    touching = "min_event_date <= :day and max_event_date >= :day"
    unapplied = conn.execute(
        sa.text(
            f"select count(*) from {MANIFEST_TABLE} as m where m.status = 'loaded' and m.loaded_at >= :cutoff and {touching}"
            " and not exists (select 1 from live_files as f where f.object_key = m.object_key and f.etag = m.etag)"
        ),
        {"day": day, "cutoff": cutoff},
    ).scalar_one()
    if unapplied:
        return f"{unapplied} loaded file(s) with events of {day} not applied to the live view yet"
    last_applied = conn.execute(sa.text(f"select max(applied_at) from live_files where {touching}"), {"day": day}).scalar_one()
    if last_applied is not None and built <= last_applied:
        return f"{ROLLUP} {day} was built at {built:%Y-%m-%d %H:%M:%S}, before the live view applied its last file ({last_applied:%Y-%m-%d %H:%M:%S})"
    return None


def describe(day: date, row: dict) -> str:
    start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=15 * int(row["quarter_hour"]))
    stat = next(s for s in LIVE_STATS if row[f"live_{s}"] != row[f"rollup_{s}"])
    step = f" step {row['step_id']}" if row["step_id"] else ""
    return (
        f"{start:%Y-%m-%d %H:%M}-{start + timedelta(minutes=15):%H:%M} UTC, {row['message_kind']} {row['message_id']}"
        f" variation {row['variation_id'] or '(none)'}{step}, channel {row['channel']}: {stat} is {row[f'live_{stat}']} in the live"
        f" view and {row[f'rollup_{stat}']} in {ROLLUP}"
    )


def _as_date(value: object) -> date:
    return value.date() if isinstance(value, datetime) else value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
