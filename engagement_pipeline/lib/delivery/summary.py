"""The numbers in a report email: headline stats per channel for the time frame, and one stat per period.

Both come from the daily rollups of the report's campaigns and Canvases (`campaign_daily_stats`,
`canvas_daily_stats`), summed per day and channel in one small query each. Only stats that
add up across messages and days appear here (counts such as ``sent``, and rates of such
counts such as ``delivery_rate``); unique counts are exact in the CSV files, but a sum over
several messages would count a user twice, so the email leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.periods import split_periods
from engagement_pipeline.lib.report_spec import ReportDefinition, ResolvedSelection
from engagement_pipeline.lib.reports.catalog import table_exists
from engagement_pipeline.lib.reports.metrics import stat_value
from engagement_pipeline.lib.stat_catalog import CHANNELS, STAT_CATALOG, base_stats_needed

DEFAULT_HEADLINE = (
    "sent", "delivered", "opens", "direct_opens", "impressions", "clicks",
    "delivery_rate", "open_rate", "direct_open_rate", "click_rate",
)
MAX_COLUMNS = 7
_SOURCES = (("campaign_daily_stats", "campaign_id", "campaign_ids"), ("canvas_daily_stats", "canvas_id", "canvas_ids"))


@dataclass(frozen=True)
class EmailNumbers:
    """``summary``: channel + stats; ``series``: period_start + one column per channel of ``key_stat``."""

    summary: pd.DataFrame
    series: pd.DataFrame
    key_stat: str


def summable(stat: str) -> bool:
    """A stat the email can total over messages and days: a count, or a rate of counts."""
    info = STAT_CATALOG[stat]
    if info.kind == "additive":
        return True
    if info.kind != "rate":
        return False
    ratios = [info.ratio_for(channel) for channel in info.channels]
    return all(STAT_CATALOG[name].kind == "additive" for ratio in ratios for name in ratio.inputs)


def headline_stats(defn: ReportDefinition, channels: Sequence[str]) -> list[str]:
    """The report's own summable stats (its order), else the default headline, for ``channels``."""
    wanted = defn.stats or DEFAULT_HEADLINE
    present = set(channels)
    chosen = [s for s in wanted if summable(s) and present & set(STAT_CATALOG[s].channels)]
    return chosen[:MAX_COLUMNS] or ["sent"]


def _daily(conn: sa.Connection, selection: ResolvedSelection, start: date, end: date, stats: list[str]) -> pd.DataFrame:
    frames = []
    sums = ", ".join(f"cast(sum({s}) as bigint) as {s}" for s in stats)
    for table, id_column, attribute in _SOURCES:
        ids = list(getattr(selection, attribute))
        if not ids or not table_exists(conn, table):
            continue
        sql = (
            f"select event_date, channel, {sums} from {table}"
            f" where {id_column} in :ids and event_date >= :start and event_date <= :end"
            " and channel is not null and channel <> '' group by event_date, channel"
        )
        statement = sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))
        result = conn.execute(statement, {"ids": ids, "start": start, "end": end})
        frames.append(pd.DataFrame(result.fetchall(), columns=list(result.keys())))
    daily = pd.concat(frames) if frames else pd.DataFrame(columns=["event_date", "channel", *stats])
    return daily.groupby(["event_date", "channel"], as_index=False)[stats].sum() if not daily.empty else daily


def _row(stats: Sequence[str], channel: str, totals: pd.Series) -> list[object]:
    values = {name: int(totals[name]) for name in totals.index}
    return [stat_value(stat, channel, values) for stat in stats]


def email_numbers(
    conn: sa.Connection, defn: ReportDefinition, selection: ResolvedSelection, start: date, end: date
) -> EmailNumbers:
    """Headline stats per channel for ``start..end`` and the key stat per report period."""
    stats = headline_stats(defn, selection.channels)
    key_stat = stats[0]
    inputs = base_stats_needed(stats, selection.channels or CHANNELS)
    daily = _daily(conn, selection, start, end, inputs)
    channels = [c for c in CHANNELS if c in set(daily["channel"])]
    totals = daily.groupby("channel")[inputs].sum() if channels else None
    summary = pd.DataFrame(
        [[channel, *_row(stats, channel, totals.loc[channel])] for channel in channels] if totals is not None else [],
        columns=["channel", *stats],
    )
    zeros = pd.Series(0, index=inputs)
    points = []
    for period in split_periods(start, end, defn.interval):
        days = daily[(daily["event_date"] >= period.start) & (daily["event_date"] <= period.end)]
        by_channel = days.groupby("channel")[inputs].sum()
        point: dict[str, object] = {"period_start": period.start}
        for channel in channels:
            totals_of_period = by_channel.loc[channel] if channel in by_channel.index else zeros
            point[channel] = _row([key_stat], channel, totals_of_period)[0]
        points.append(point)
    series = pd.DataFrame(points, columns=["period_start", *channels])
    return EmailNumbers(summary, series, key_stat)
