"""The numbers in a report email: headline stats per channel for the time frame, and one stat per period.

Both come from the report query (lib/reports/query.py) at message level: the counts of the report's
campaigns and Canvases summed per report period (local, in the report's time zone) and channel. Only stats that
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

from engagement_pipeline.lib.reports.message_catalog import table_exists
from engagement_pipeline.lib.reports.metrics import stat_value
from engagement_pipeline.lib.reports.periods import Period, split_periods
from engagement_pipeline.lib.reports.query import COUNTS, LEVELS, query_stats
from engagement_pipeline.lib.reports.spec import ReportDefinition, ResolvedSelection
from engagement_pipeline.lib.reports.stats import CHANNELS, STAT_CATALOG, base_stats_needed

DEFAULT_HEADLINE = (
    "sent",
    "delivered",
    "opens",
    "direct_opens",
    "impressions",
    "clicks",
    "delivery_rate",
    "open_rate",
    "direct_open_rate",
    "click_rate",
)
MAX_COLUMNS = 7


@dataclass(frozen=True)
class EmailNumbers:
    """``summary``: channel + stats; ``series``: period_start + one column per channel of ``key_stat``;
    ``partial_from``: the start of the first period that is not over on the as-of day (None: all are)."""

    summary: pd.DataFrame
    series: pd.DataFrame
    key_stat: str
    partial_from: date | None = None


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


def _sums(conn: sa.Connection, selection: ResolvedSelection, periods: Sequence[Period], stats: list[str], tz: str) -> pd.DataFrame:
    """Additive ``stats`` summed per report period (``period_start``) and channel over the selection's messages."""
    frames = [
        query_stats(conn, LEVELS[(kind, kind)], ids, periods, stats, tz)
        for kind, ids in (("campaign", selection.campaign_ids), ("canvas", selection.canvas_ids))
        if ids and table_exists(conn, COUNTS)
    ]
    sums = pd.concat(frames) if frames else pd.DataFrame(columns=["period_start", "channel", *stats])
    if sums.empty:
        return sums[["period_start", "channel", *stats]]
    return sums.groupby(["period_start", "channel"], as_index=False)[stats].sum()


def _row(stats: Sequence[str], channel: str, totals: pd.Series) -> list[object]:
    values = {name: int(totals[name]) for name in totals.index}
    return [stat_value(stat, channel, values) for stat in stats]


def first_partial(periods: Sequence[Period], as_of: date | None) -> date | None:
    """Start of the first period that ends on or after ``as_of`` (its data is not complete yet)."""
    return next((p.start for p in periods if as_of is not None and p.end >= as_of), None)


def email_numbers(
    conn: sa.Connection, defn: ReportDefinition, selection: ResolvedSelection, start: date, end: date, as_of: date | None = None
) -> EmailNumbers:
    """Headline stats per channel for ``start..end`` and the key stat per report period.

    A period that ends on or after ``as_of`` (the local day the report was made for, not over yet)
    is partial."""
    stats = headline_stats(defn, selection.channels)
    key_stat = stats[0]
    inputs = base_stats_needed(stats, selection.channels or CHANNELS)
    periods = split_periods(start, end, defn.interval)
    sums = _sums(conn, selection, periods, inputs, defn.timezone)
    channels = [c for c in CHANNELS if c in set(sums["channel"])]
    # The inputs are counts, so the frame's totals are the sums of its periods.
    totals = sums.groupby("channel")[inputs].sum() if channels else None
    summary = pd.DataFrame(
        [[channel, *_row(stats, channel, totals.loc[channel])] for channel in channels] if totals is not None else [],
        columns=["channel", *stats],
    )
    zeros = pd.Series(0, index=inputs)
    points = []
    partial_from = first_partial(periods, as_of)
    for period in periods:
        by_channel = sums[sums["period_start"] == period.start].groupby("channel")[inputs].sum()
        point: dict[str, object] = {"period_start": period.start}
        for channel in channels:
            totals_of_period = by_channel.loc[channel] if channel in by_channel.index else zeros
            point[channel] = _row([key_stat], channel, totals_of_period)[0]
        points.append(point)
    series = pd.DataFrame(points, columns=["period_start", *channels])
    return EmailNumbers(summary, series, key_stat, partial_from)
