"""Report stats per period × message × channel from the daily rollups, in a few set-based queries.

Additive stats are sums of the rollup's daily rows over the period's days. Unique stats are
recomputed for the whole period as ``count(distinct user_id)`` over ``int_user_touches__daily``
and ``int_push_influenced_opens__daily`` (a sum of daily uniques would count a user active on
two days twice). Every message × channel
with an event in the time frame gets a row for every period, with zeros where it had none.
Periods are local dates mapped to the UTC day of the same date (the rollups' day grain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


def _key_select(level: Level, id_column: str, variation: str | None, step: str | None) -> str:
    variation_sql = f"coalesce({variation}, '')" if variation else "cast('' as varchar)"
    step_sql = f"coalesce({step}, '')" if step else "cast('' as varchar)"
    return (
        f"{id_column} as message_id, {variation_sql} as variation_id, {step_sql} as step_id,"
        " coalesce(channel, '') as channel"
    )


def _periods_cte(periods: Sequence[Period]) -> tuple[str, dict]:
    rows = ", ".join(f"(cast(:period_start_{i} as date), cast(:period_end_{i} as date))" for i in range(len(periods)))
    params = {}
    for i, period in enumerate(periods):
        params[f"period_start_{i}"] = period.start
        params[f"period_end_{i}"] = period.end
    return f"periods as (select * from (values {rows}) as p (period_start, period_end))", params


def _additive_sql(level: Level, periods_cte: str, stats: Sequence[str]) -> str:
    keys = ", ".join(KEYS)
    on_keys = " and ".join(f"totals.{k} = members.{k}" for k in KEYS)
    daily_stats = "".join(f", {s}" for s in stats)
    sums = "".join(f", cast(sum(daily.{s}) as bigint) as {s}" for s in stats)
    filled = "".join(f", coalesce(totals.{s}, 0) as {s}" for s in stats)
    return f"""
with {periods_cte},
daily as (
    select {_key_select(level, level.id_column, level.variation_column, level.step_column)}, event_date{daily_stats}
    from {level.table}
    where {level.id_column} in :message_ids and event_date >= :frame_start and event_date <= :frame_end
),
members as (select distinct {keys} from daily),
totals as (
    select periods.period_start, {", ".join(f"daily.{k}" for k in KEYS)}{sums}
    from daily
    inner join periods on daily.event_date between periods.period_start and periods.period_end
    group by periods.period_start, {", ".join(f"daily.{k}" for k in KEYS)}
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


def _unique_sql(level: Level, periods_cte: str) -> str:
    variation = "variation_id" if level.variation_column else None
    step = "step_id" if level.step_column else None
    keys = ", ".join(f"touches.{k}" for k in KEYS)
    return f"""
with {periods_cte},
people as (
    select event_date, message_kind, message_id, variation_id, step_id, channel, stat, user_id from {TOUCHES}
    union all
    select event_date, message_kind, message_id, variation_id, step_id, channel, 'influenced_opens', user_id
    from {INFLUENCED}
),
touches as (
    select {_key_select(level, "message_id", variation, step)}, stat, user_id, event_date
    from people
    where message_kind = :message_kind and message_id in :message_ids and stat in :stats
        and event_date >= :frame_start and event_date <= :frame_end
),
final as (
    select periods.period_start, {keys}, touches.stat, cast(count(distinct touches.user_id) as bigint) as users
    from touches
    inner join periods on touches.event_date between periods.period_start and periods.period_end
    group by periods.period_start, {keys}, touches.stat
)
select * from final
"""


def _frame(conn: sa.Connection, sql: str, params: dict, expanding: Sequence[str]) -> pd.DataFrame:
    statement = sa.text(sql).bindparams(*(sa.bindparam(name, expanding=True) for name in expanding))
    result = conn.execute(statement, params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


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
    periods_cte, params = _periods_cte(periods)
    params |= {"message_ids": list(message_ids), "frame_start": periods[0].start, "frame_end": periods[-1].end}
    frame = _frame(conn, _additive_sql(level, periods_cte, additive), params, ["message_ids"])
    if unique and not frame.empty:
        params |= {"message_kind": level.kind, "stats": unique}
        counts = _frame(conn, _unique_sql(level, periods_cte), params, ["message_ids", "stats"])
        wide = counts.pivot_table(
            index=["period_start", *KEYS], columns="stat", values="users", aggfunc="sum", fill_value=0
        ).reset_index() if not counts.empty else pd.DataFrame(columns=["period_start", *KEYS])
        frame = frame.merge(wide, on=["period_start", *KEYS], how="left")
    for stat in unique:
        frame[stat] = frame[stat].fillna(0).astype("int64") if stat in frame else 0
    return frame.reindex(columns=columns)
