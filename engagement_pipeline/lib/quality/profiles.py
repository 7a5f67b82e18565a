"""Profiles: small frames the warehouse computes for checks that compare rows or tables.

A check whose `target` is not `rows` names one of these. Each runs a few aggregate queries
for the partition window (never a scan into pandas) and returns a frame of at most a few
rows per message, channel or stat, which GX then validates whole. Names of tables and
columns come from the suite files and are checked against the warehouse before use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.quality.suite import SuiteError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class ProfileContext:
    conn: sa.Connection
    asset: str
    where: str
    params: dict[str, Any]
    start: date | None = None
    end: date | None = None
    partition_by: str = "event_date"
    grain: tuple[str, ...] = ()
    settings: Any = None


@dataclass
class Profile:
    frame: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)


ProfileFn = Callable[[ProfileContext], Profile]
PROFILES: dict[str, ProfileFn] = {}


def profile(name: str) -> Callable[[ProfileFn], ProfileFn]:
    def register(fn: ProfileFn) -> ProfileFn:
        PROFILES[name] = fn
        return fn

    return register


def param(ctx: ProfileContext, name: str, kind: type | tuple[type, ...]) -> Any:
    value = ctx.params.get(name)
    if not isinstance(value, kind):
        raise SuiteError(f"{ctx.where}: params.{name} must be {kind}, got {value!r}")
    return value


def identifiers(ctx: ProfileContext, names: list[str], table: str) -> list[str]:
    """`names` after checking each is a column of `table` (they are written into SQL)."""
    result = ctx.conn.execute(sa.text(f"select * from {_name(ctx, table)} where 1 = 0"))
    columns = set(result.keys())
    result.close()
    missing = [n for n in names if not _IDENTIFIER.match(n) or n not in columns]
    if missing:
        raise SuiteError(f"{ctx.where}: {table} has no column(s) {missing} (columns: {', '.join(sorted(columns))})")
    return names


def _name(ctx: ProfileContext, table: str) -> str:
    if not _IDENTIFIER.match(table):
        raise SuiteError(f"{ctx.where}: {table!r} is not a table name")
    return table


def read(ctx: ProfileContext, sql: str, values: dict[str, Any] | None = None, expanding: tuple[str, ...] = ()) -> pd.DataFrame:
    clause = sa.text(sql)
    if expanding:
        clause = clause.bindparams(*(sa.bindparam(name, expanding=True) for name in expanding))
    result = ctx.conn.execute(clause, {"start_date": ctx.start, "end_date": ctx.end, **(values or {})})
    return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()))


def window_sql(ctx: ProfileContext) -> str:
    return f"{ctx.partition_by} >= :start_date and {ctx.partition_by} < :end_date"


@profile("funnel_window")
def funnel_window(ctx: ProfileContext) -> Profile:
    """Per message and day with outcomes (`outcomes` summed): those outcomes, and the `sends` of
    that day and of the `lookback_days` days before it."""
    lookback = param(ctx, "lookback_days", int)
    sends = identifiers(ctx, [param(ctx, "sends", str)], ctx.asset)[0]
    outcomes = " + ".join(identifiers(ctx, param(ctx, "outcomes", list), ctx.asset))
    day = ctx.partition_by
    keys = identifiers(ctx, [k for k in ctx.grain if k != day], ctx.asset)
    on = " and ".join([f"s.{k} = w.{k}" for k in keys] + [f"s.{day} <= w.{day}", f"s.{day} >= w.{day} - cast(:lookback_days as integer)"])
    grouped = ", ".join([f"w.{day}", *(f"w.{k}" for k in keys), "w.outcomes"])
    sql = f"""
        with window_rows as (
            select {", ".join([day, *keys])}, {outcomes} as outcomes
            from {ctx.asset} where {window_sql(ctx)} and {outcomes} > 0
        ),
        earlier as (
            select {", ".join([day, *keys])}, {sends} as sends
            from {ctx.asset} where {day} >= :lookback_start and {day} < :end_date
        )
        select {grouped}, cast(coalesce(sum(s.sends), 0) as bigint) as sends_in_window
        from window_rows as w
        left join earlier as s on {on}
        group by {grouped}
    """
    values = {"lookback_days": lookback, "lookback_start": ctx.start - timedelta(days=lookback)}
    return Profile(read(ctx, sql, values), {"funnel_window": f"outcomes of day D <= {sends} of days D-{lookback} .. D"})


def sums(ctx: ProfileContext, table: str, by: list[str], stats: list[str], where: str = "") -> pd.DataFrame:
    identifiers(ctx, [*by, *stats], table)
    sums = ", ".join(f"cast(coalesce(sum({s}), 0) as bigint) as {s}" for s in stats)
    clause = window_sql(ctx) + (f" and {where}" if where else "")
    return read(ctx, f"select {', '.join(by)}, {sums} from {_name(ctx, table)} where {clause} group by {', '.join(by)}")


def long_frame(frame: pd.DataFrame, by: list[str], stats: list[str], value: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[*by, "stat", value])
    return frame.melt(id_vars=by, value_vars=stats, var_name="stat", value_name=value)


def compare(left: pd.DataFrame, right: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Outer join of two long frames; a missing side counts 0; rows where both are 0 are dropped."""
    merged = left.merge(right, how="outer", on=on)
    values = [c for c in merged.columns if c not in on]
    merged[values] = merged[values].fillna(0).astype("int64")
    keep = (merged[values] != 0).any(axis=1)
    return merged[keep].sort_values(on).reset_index(drop=True)


@profile("sum_of_parts")
def sum_of_parts(ctx: ProfileContext) -> Profile:
    """Per `by` key and additive stat: the asset's total and the sum over the `parts` tables."""
    by, stats, parts = param(ctx, "by", list), param(ctx, "stats", list), param(ctx, "parts", list)
    total = long_frame(sums(ctx, ctx.asset, by, stats), by, stats, "total")
    pieces = [sums(ctx, part, by, stats) for part in parts]
    combined = pd.concat([p for p in pieces if not p.empty]) if any(not p.empty for p in pieces) else pd.DataFrame(columns=[*by, *stats])
    summed = combined.groupby(by, as_index=False)[stats].sum() if not combined.empty else combined
    return Profile(compare(total, long_frame(summed, by, stats, "sum_of_parts"), [*by, "stat"]), {"parts": ", ".join(parts)})
