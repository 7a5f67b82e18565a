"""Report stats per period × message × channel, exact in the report's time zone, in a few set-based queries.

A local period is cut into slices: the quarter-hours of each UTC day it covers (lib/reports/periods.py;
every offset in use is a multiple of 15 minutes). Additive stats are sums of
``int_message_stats__quarter_hourly`` rows over the period's slices. Unique stats are recomputed
for the whole period as ``count(distinct user_id)`` over ``int_user_touches__daily`` and
``int_push_influenced_opens__daily`` (keyed by ``component_key``: the selected messages' keys come
from ``int_message_components__keyed``), whose rows carry the quarter-hours in which the user had
the event (a bitwise AND with the slice's mask; a sum of daily uniques would count a user active
on two days twice). Every message × channel with an event in the time frame gets a row for every
period, with zeros where it had none. Slices join through a bound calendar, so every join on
``event_date`` is an equality join on both engines. In UTC every slice is a whole day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.reports.message_catalog import table_exists
from engagement_pipeline.lib.reports.periods import Period, Slice, utc_slices
from engagement_pipeline.lib.reports.stats import STAT_CATALOG, MessageKind

KEYS = ["message_id", "variation_id", "step_id", "channel"]
COUNTS = "int_message_stats__quarter_hourly"
DAILY = "int_message_stats__daily"
TOUCHES = "int_user_touches__daily"
COMPONENTS = "int_message_components__keyed"
# The daily stats counted from user touches: a day with one of them has touches.
TOUCH_STATS = ("unique_opens", "unique_clicks", "unique_impressions", "unique_recipients", "unique_conversions")
INFLUENCED = "int_push_influenced_opens__daily"


@dataclass(frozen=True)
class Level:
    """One report level: its message kind, and whether its rows keep the variation, the step and the
    channel (``by_channel=False``: one row per variation over all its channels, channel '')."""

    kind: MessageKind
    by_variation: bool = False
    by_step: bool = False
    by_channel: bool = True


LEVELS: dict[tuple[str, str], Level] = {
    ("campaign", "variant"): Level("campaign", by_variation=True),
    ("campaign", "campaign"): Level("campaign"),
    ("canvas", "step"): Level("canvas", by_variation=True, by_step=True),
    ("canvas", "canvas"): Level("canvas"),
}


def _key_select(level: Level) -> str:
    variation = "variation_id" if level.by_variation else "cast('' as varchar)"
    step = "step_id" if level.by_step else "cast('' as varchar)"
    channel = "channel" if level.by_channel else "cast('' as varchar)"
    return f"message_id, {variation} as variation_id, {step} as step_id, {channel} as channel"


def calendar_cte(slices: Sequence[Slice]) -> tuple[str, dict]:
    """``calendar (event_date, period_start, first_quarter, end_quarter, am_mask, pm_mask)``: one row
    per slice, values bound, with the UTC days it spans (``frame_start``..``frame_end``: a cheap range filter)."""
    rows, params = [], {"frame_start": slices[0].utc_date, "frame_end": slices[-1].utc_date}
    for i, piece in enumerate(slices):
        params |= {
            f"day_{i}": piece.utc_date,
            f"period_{i}": piece.period_start,
            f"lo_{i}": piece.first_quarter,
            f"hi_{i}": piece.end_quarter,
            f"am_{i}": piece.am_mask,
            f"pm_{i}": piece.pm_mask,
        }
        rows.append(
            f"(cast(:day_{i} as date), cast(:period_{i} as date), cast(:lo_{i} as integer), cast(:hi_{i} as integer),"
            f" cast(:am_{i} as bigint), cast(:pm_{i} as bigint))"
        )
    columns = "event_date, period_start, first_quarter, end_quarter, am_mask, pm_mask"
    return f"calendar as (select * from (values {', '.join(rows)}) as c ({columns}))", params


def _additive_sql(level: Level, calendar: str, stats: Sequence[str], whole_days: bool) -> str:
    """Sums over the calendar's slices: whole UTC days read the daily table, parts of days the quarter-hours."""
    keys = ", ".join(f"counts.{k}" for k in KEYS)
    sums = "".join(f", cast(sum(counts.{s}) as bigint) as {s}" for s in stats)
    source, quarter = (DAILY, "0") if whole_days else (COUNTS, "quarter_hour")
    return f"""
with {calendar},
counts as (
    select {_key_select(level)}, event_date, {quarter} as quarter_hour{"".join(f", {s}" for s in stats)}
    from {source}
    where message_kind = :message_kind and message_id in :message_ids
        and event_date >= :frame_start and event_date <= :frame_end
),
final as (
    select calendar.period_start, {keys}{sums}
    from counts
    inner join calendar
        on calendar.event_date = counts.event_date
        and counts.quarter_hour >= calendar.first_quarter and counts.quarter_hour < calendar.end_quarter
    group by calendar.period_start, {keys}
)
select * from final
"""


def _unique_sql(level: Level, calendar: str) -> str:
    keys = ", ".join(f"touches.{k}" for k in KEYS)
    return f"""
with {calendar},
components as (
    select component_key, {_key_select(level)}
    from {COMPONENTS}
    where message_kind = :message_kind and message_id in :message_ids
),
people as (
    select event_date, component_key, stat, user_id, am_quarters, pm_quarters
    from {TOUCHES}
    union all
    select event_date, component_key, 'influenced_opens', user_id, am_quarters, pm_quarters
    from {INFLUENCED}
),
touches as (
    select {", ".join(f"components.{k}" for k in KEYS)}, people.stat, people.user_id, people.event_date,
        people.am_quarters, people.pm_quarters
    from people
    inner join components on components.component_key = people.component_key
    where people.stat in :stats and people.event_date >= :frame_start and people.event_date <= :frame_end
),
final as (
    select calendar.period_start, {keys}, touches.stat, cast(count(distinct touches.user_id) as bigint) as users
    from touches
    inner join calendar
        on calendar.event_date = touches.event_date
        and ((touches.am_quarters & calendar.am_mask) <> 0 or (touches.pm_quarters & calendar.pm_mask) <> 0)
    group by calendar.period_start, {keys}, touches.stat
)
select * from final
"""


def days_to_rebuild(conn: sa.Connection, first: date, last: date) -> list[date]:
    """UTC days ``first``..``last`` built by an earlier version, to rebuild once with ``engagement
    materialize``: daily stats but no quarter-hour counts (before local time zones), or unique stats
    but no user touches (before component keys: the first run after the upgrade recreates
    ``int_user_touches__daily`` keyed by ``component_key``, without the older days' rows)."""
    if not table_exists(conn, DAILY):
        return []
    built = f"select distinct event_date from {DAILY} where event_date >= :first and event_date <= :last"
    if table_exists(conn, COUNTS):
        built += f" except select distinct event_date from {COUNTS} where event_date >= :first and event_date <= :last"
    touched = " or ".join(f"daily.{stat} > 0" for stat in TOUCH_STATS)
    untouched = (
        f"select distinct daily.event_date from {DAILY} as daily"
        f" where daily.event_date >= :first and daily.event_date <= :last and ({touched})"
        f" and not exists (select 1 from {TOUCHES} as touches where touches.event_date = daily.event_date"
        " and touches.event_date >= :first and touches.event_date <= :last)"
    )
    sql = f"select event_date from ({built}) as built"
    if table_exists(conn, TOUCHES):
        sql += f" union {untouched}"
    return sorted(row[0] for row in conn.execute(sa.text(sql), {"first": first, "last": last}))


def _frame(conn: sa.Connection, sql: str, params: dict, expanding: Sequence[str]) -> pd.DataFrame:
    statement = sa.text(sql).bindparams(*(sa.bindparam(name, expanding=True) for name in expanding))
    result = conn.execute(statement, params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _wide(counts: pd.DataFrame) -> pd.DataFrame:
    """One column per unique stat from (period_start, KEYS, stat, users) rows."""
    if counts.empty:
        return pd.DataFrame(columns=["period_start", *KEYS])
    wide = counts.pivot_table(index=["period_start", *KEYS], columns="stat", values="users", aggfunc="sum", fill_value=0)
    return wide.reset_index()


def split_stats(base_stats: Sequence[str]) -> tuple[list[str], list[str]]:
    """(additive columns read from the rollup, unique stats recounted from user touches)."""
    additive = [s for s in base_stats if STAT_CATALOG[s].kind == "additive"]
    unique = [s for s in base_stats if STAT_CATALOG[s].kind == "unique" and not STAT_CATALOG[s].sum_of]
    return additive, unique


def _grid(periods: Sequence[Period], members: pd.DataFrame) -> pd.DataFrame:
    """Every period × member (message × channel), in period then key order."""
    bounds = pd.DataFrame({"period_start": [p.start for p in periods], "period_end": [p.end for p in periods]})
    return bounds.merge(members, how="cross").sort_values(["period_start", *KEYS], kind="stable")


def query_users(
    conn: sa.Connection, level: Level, message_ids: Sequence[str], periods: Sequence[Period], touch_stats: Sequence[str], tz: str = "UTC"
) -> pd.DataFrame:
    """Distinct users per period × message (at ``level``) × channel for any ``stat`` of the user touches,
    the catalogue's or the touch-only ones (``unique_enrolled_in_control``): period_start, KEYS, one column each."""
    columns = ["period_start", *KEYS, *touch_stats]
    if not message_ids or not periods or not touch_stats:
        return pd.DataFrame(columns=columns)
    calendar, params = calendar_cte(utc_slices(periods, tz))
    common = {"message_ids": list(message_ids), "message_kind": level.kind, "stats": list(touch_stats)}
    wide = _wide(_frame(conn, _unique_sql(level, calendar), params | common, ["message_ids", "stats"]))
    return wide.reindex(columns=columns, fill_value=0)


def query_stats(
    conn: sa.Connection,
    level: Level,
    message_ids: Sequence[str],
    periods: Sequence[Period],
    base_stats: Sequence[str],
    tz: str = "UTC",
) -> pd.DataFrame:
    """One row per period × message (at ``level``) × channel: period_start, period_end, KEYS, stats."""
    additive, unique = split_stats(base_stats)
    columns = ["period_start", "period_end", *KEYS, *additive, *unique]
    if not message_ids or not periods:
        return pd.DataFrame(columns=columns)
    slices = utc_slices(periods, tz)
    common = {"message_ids": list(message_ids), "message_kind": level.kind}
    parts = []
    for whole in (True, False):
        chosen = [s for s in slices if s.is_whole_day == whole]
        if chosen:
            calendar, params = calendar_cte(chosen)
            parts.append(_frame(conn, _additive_sql(level, calendar, additive, whole), params | common, ["message_ids"]))
    totals = pd.concat(parts).groupby(["period_start", *KEYS], as_index=False)[additive].sum() if len(parts) > 1 else parts[0]
    if unique:
        calendar, params = calendar_cte(slices)
        counts = _frame(conn, _unique_sql(level, calendar), params | common | {"stats": unique}, ["message_ids", "stats"])
        totals = totals.merge(_wide(counts), on=["period_start", *KEYS], how="outer")
    members = totals[KEYS]
    if members.empty:
        return pd.DataFrame(columns=columns)
    frame = _grid(periods, members.drop_duplicates()).merge(totals, on=["period_start", *KEYS], how="left")
    for stat in [*additive, *unique]:
        frame[stat] = frame[stat].fillna(0).astype("int64") if stat in frame else 0
    return frame.reindex(columns=columns).reset_index(drop=True)
