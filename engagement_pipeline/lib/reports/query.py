"""Report stats per period × message × channel from the daily rollups, in a few set-based queries.

Additive stats are sums of the rollup's daily rows over the period's days. Unique stats are
recomputed for the whole period as ``count(distinct user_id)`` over ``int_user_touches__daily``
and ``int_push_influenced_opens__daily`` (a sum of daily uniques would count a user active on
two days twice). Every message × channel with an event in the time frame gets a row for every
period, with zeros where it had none. Periods are local dates mapped to the UTC day of the same
date (the rollups' day grain). Days join their period through a bound calendar (one row per
day), so every join on ``event_date`` is an equality join on both engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.periods import Period
from engagement_pipeline.lib.stat_catalog import STAT_CATALOG, MessageKind

KEYS = ["message_id", "variation_id", "step_id", "channel"]
TOUCHES = "int_user_touches__daily"
INFLUENCED = "int_push_influenced_opens__daily"


@dataclass(frozen=True)
class Level:
    """Where one report level reads its daily rows, and which id columns make its grain."""

    kind: MessageKind
    table: str
    id_column: str
    variation_column: str | None = None
    step_column: str | None = None


LEVELS: dict[tuple[str, str], Level] = {
    ("campaign", "variant"): Level("campaign", "campaign_variant_daily_stats", "campaign_id", "message_variation_id"),
    ("campaign", "campaign"): Level("campaign", "campaign_daily_stats", "campaign_id"),
    ("canvas", "step"): Level("canvas", "canvas_step_daily_stats", "canvas_id", "canvas_variation_id", "canvas_step_id"),
    ("canvas", "canvas"): Level("canvas", "canvas_daily_stats", "canvas_id"),
}


def _key_select(id_column: str, variation: str | None, step: str | None) -> str:
    variation_sql = f"coalesce({variation}, '')" if variation else "cast('' as varchar)"
    step_sql = f"coalesce({step}, '')" if step else "cast('' as varchar)"
    return f"{id_column} as message_id, {variation_sql} as variation_id, {step_sql} as step_id, channel"


def _calendar_cte(periods: Sequence[Period]) -> tuple[str, dict]:
    """``calendar (event_date, period_start, period_end)``: one row per day of the frame, values bound."""
    rows, params = [], {}
    for p, period in enumerate(periods):
        params[f"period_start_{p}"], params[f"period_end_{p}"] = period.start, period.end
        for offset in range((period.end - period.start).days + 1):
            d = len(rows)
            params[f"day_{d}"] = period.start + timedelta(days=offset)
            rows.append(f"(cast(:day_{d} as date), cast(:period_start_{p} as date), cast(:period_end_{p} as date))")
    values = ", ".join(rows)
    return f"calendar as (select * from (values {values}) as c (event_date, period_start, period_end))", params


def _additive_sql(level: Level, calendar_cte: str, stats: Sequence[str]) -> str:
    keys = ", ".join(KEYS)
    on_keys = " and ".join(f"totals.{k} = members.{k}" for k in KEYS)
    daily_stats = "".join(f", {s}" for s in stats)
    sums = "".join(f", cast(sum(daily.{s}) as bigint) as {s}" for s in stats)
    filled = "".join(f", coalesce(totals.{s}, 0) as {s}" for s in stats)
    return f"""
with {calendar_cte},
periods as (select distinct period_start, period_end from calendar),
daily as (
    select {_key_select(level.id_column, level.variation_column, level.step_column)}, event_date{daily_stats}
    from {level.table}
    where {level.id_column} in :message_ids and event_date >= :frame_start and event_date <= :frame_end
),
members as (select distinct {keys} from daily),
totals as (
    select calendar.period_start, {", ".join(f"daily.{k}" for k in KEYS)}{sums}
    from daily
    inner join calendar on calendar.event_date = daily.event_date
    group by calendar.period_start, {", ".join(f"daily.{k}" for k in KEYS)}
),
final as (
    select periods.period_start, periods.period_end, {", ".join(f"members.{k}" for k in KEYS)}{filled}
    from periods
    cross join members
    left join totals on totals.period_start = periods.period_start and {on_keys}
)
select * from final
order by period_start, {keys}
"""


def _unique_sql(level: Level, calendar_cte: str) -> str:
    variation = "variation_id" if level.variation_column else None
    step = "step_id" if level.step_column else None
    keys = ", ".join(f"touches.{k}" for k in KEYS)
    return f"""
with {calendar_cte},
people as (
    select event_date, message_kind, message_id, variation_id, step_id, channel, stat, user_id from {TOUCHES}
    union all
    select event_date, message_kind, message_id, variation_id, step_id, channel, 'influenced_opens', user_id
    from {INFLUENCED}
),
touches as (
    select {_key_select("message_id", variation, step)}, stat, user_id, event_date
    from people
    where message_kind = :message_kind and message_id in :message_ids and stat in :stats
        and event_date >= :frame_start and event_date <= :frame_end
),
final as (
    select calendar.period_start, {keys}, touches.stat, cast(count(distinct touches.user_id) as bigint) as users
    from touches
    inner join calendar on calendar.event_date = touches.event_date
    group by calendar.period_start, {keys}, touches.stat
)
select * from final
"""


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


def query_stats(
    conn: sa.Connection,
    level: Level,
    message_ids: Sequence[str],
    periods: Sequence[Period],
    base_stats: Sequence[str],
) -> pd.DataFrame:
    """One row per period × message (at ``level``) × channel: period_start, period_end, KEYS, stats."""
    additive, unique = split_stats(base_stats)
    columns = ["period_start", "period_end", *KEYS, *additive, *unique]
    if not message_ids or not periods:
        return pd.DataFrame(columns=columns)
    calendar_cte, params = _calendar_cte(periods)
    params |= {"message_ids": list(message_ids), "frame_start": periods[0].start, "frame_end": periods[-1].end}
    frame = _frame(conn, _additive_sql(level, calendar_cte, additive), params, ["message_ids"])
    if unique and not frame.empty:
        params |= {"message_kind": level.kind, "stats": unique}
        counts = _frame(conn, _unique_sql(level, calendar_cte), params, ["message_ids", "stats"])
        frame = frame.merge(_wide(counts), on=["period_start", *KEYS], how="left")
    for stat in unique:
        frame[stat] = frame[stat].fillna(0).astype("int64") if stat in frame else 0
    return frame.reindex(columns=columns)
