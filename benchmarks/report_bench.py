"""Benchmark a report of DAYS days x MESSAGES campaign variants at daily interval on synthetic rollups
(counts in 24 quarter-hours of each day, 20 users a day with three unique stats each)."""

from __future__ import annotations

import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.build import generate_report
from engagement_pipeline.lib.reports.spec import parse_definition
from tests.support import materialize_days

FIRST = date(2025, 10, 1)
USERS_PER_DAY = 20
QUARTERS_PER_DAY = 24


def _columns(conn: sa.Connection, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        sa.text("select column_name, data_type from information_schema.columns where table_name = :t order by ordinal_position"),
        {"t": table},
    )
    return [(name, kind.lower()) for name, kind in rows]


def _expression(name: str, kind: str, keys: dict[str, str]) -> str:
    if name in keys:
        return keys[name]
    if "char" in kind or "text" in kind:
        return "'bench'"
    if "date" in kind:
        return "event_date"
    if "double" in kind or "real" in kind or "numeric" in kind or "decimal" in kind:
        return "null"
    return "cast((d * 7 + m * 13) % 997 as bigint)"


def _fill(conn: sa.Connection, table: str, keys: dict[str, str], source: str) -> None:
    columns = _columns(conn, table)
    select = ", ".join(_expression(name, kind, keys) for name, kind in columns)
    names = ", ".join(name for name, _ in columns)
    conn.execute(sa.text(f"insert into {table} ({names}) select {select} from {source}"))


def run_report_bench(url: str, days: int, messages: int, tz: str = "UTC") -> dict:
    home = Path(tempfile.mkdtemp(prefix="bench-report-"))
    materialize_days(url, home, FIRST)  # creates every model table, empty
    source = (
        f"(select d, m, cast(date '{FIRST.isoformat()}' + cast(d as integer) as date) as event_date"
        f" from range({days}) as t1(d), range({messages}) as t2(m)) as grid"
    )
    ids = {
        "campaign_id": "'camp-' || cast(m as varchar)",
        "message_variation_id": "'var-' || cast(m as varchar)",
        "campaign_name": "'Campaign ' || cast(m as varchar)",
        "message_variation_name": "'Variant A'",
        "channel": "'email'",
        "event_date": "event_date",
    }
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in ("campaign_variant_daily_stats", "campaign_daily_stats"):
            conn.execute(sa.text(f"delete from {table}"))
            _fill(conn, table, ids, source)
        keys = {
            "message_kind": "'campaign'",
            "message_id": "'camp-' || cast(m as varchar)",
            "variation_id": "'var-' || cast(m as varchar)",
            "step_id": "''",
            "channel": "'email'",
            "event_date": "event_date",
        }
        conn.execute(sa.text("delete from int_message_stats__daily"))
        _fill(conn, "int_message_stats__daily", keys, source)
        # Counts per quarter-hour: a message sends in QUARTERS_PER_DAY quarter-hours of each day.
        conn.execute(sa.text("delete from int_message_stats__quarter_hourly"))
        _fill(
            conn,
            "int_message_stats__quarter_hourly",
            keys | {"quarter_hour": "cast(q * 4 as integer)"},
            f"{source[: -len(') as grid')]}) as grid, range({QUARTERS_PER_DAY}) as t4(q)",
        )
        conn.execute(sa.text("delete from int_message_components__keyed"))
        _fill(
            conn,
            "int_message_components__keyed",
            keys | {"component_key": "cast(m + 1 as integer)", "keyed_on": f"date '{FIRST.isoformat()}'"},
            f"range({messages}) as t2(m)",
        )
        touches = {
            "component_key": "cast(m + 1 as integer)",
            "stat": "stat",
            "user_id": "'user-' || cast(u as varchar)",
            "event_date": "event_date",
            "am_quarters": "cast(1 as bigint) << cast(u % 48 as integer)",
            "pm_quarters": "cast(0 as bigint)",
        }
        conn.execute(sa.text("delete from int_user_touches__daily"))
        _fill(
            conn,
            "int_user_touches__daily",
            touches,
            f"{source[: -len(') as grid')]}) as grid, range({USERS_PER_DAY}) as t3(u),"
            " (values ('unique_opens'), ('unique_clicks'), ('unique_recipients')) as s(stat)",
        )
        catalog = {
            "message_kind": "'campaign'",
            "message_id": "'camp-' || cast(m as varchar)",
            "message_name": "'Campaign ' || cast(m as varchar)",
            "channels": "'email'",
            "tags": "'bench'",
            "first_event_date": f"date '{FIRST.isoformat()}'",
            "first_event_at": f"timestamp '{FIRST.isoformat()} 00:00:00'",
            "last_event_date": f"date '{(FIRST + timedelta(days=days - 1)).isoformat()}'",
        }
        conn.execute(sa.text("delete from message_catalog"))
        _fill(conn, "message_catalog", catalog, f"range({messages}) as t2(m)")
        touch_rows = conn.execute(sa.text("select count(*) from int_user_touches__daily")).scalar_one()
        quarter_rows = conn.execute(sa.text("select count(*) from int_message_stats__quarter_hourly")).scalar_one()
    last = FIRST + timedelta(days=days - 1)
    yaml = (
        f"name: Benchmark\nmessages: {{tags: {{match: any, values: [bench]}}}}\n"
        f"time_frame: {{start: {FIRST.isoformat()}, end: {last.isoformat()}}}\ninterval: daily\ncompression: zip\n"
        f"timezone: {tz}\n"
        "recipients: [bench@example.org]\n"
    ).encode()
    defn = parse_definition(yaml, home / "benchmark.yaml")
    started = time.perf_counter()
    report = generate_report(defn, engine, ObjectStore(str(home / "reports")), run_id="benchmark")
    seconds = time.perf_counter() - started
    rows = sum(len(table.rows) for table in report.tables) if hasattr(report.tables[0], "rows") else None
    return {
        "seconds": seconds,
        "rows": rows,
        "touch_rows": touch_rows,
        "quarter_rows": quarter_rows,
        "days": days,
        "messages": messages,
        "timezone": tz,
    }
