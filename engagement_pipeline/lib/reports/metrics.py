"""Final stat values of one report row: counts as queried, ``total_opens`` as a sum, rates from totals.

A stat that does not apply to the row's channel is empty (None); a rate whose denominator is 0
is empty too. Channel ``unknown`` (conversions or entries of a message never seen on a channel)
shows only the stats every channel has; channel ``control`` (a campaign's control group) only
the control stats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engagement_pipeline.lib.reports.stats import CHANNELS, CONTROL, STAT_CATALOG


def stat_value(stat: str, channel: str, values: Mapping[str, int]) -> int | float | None:
    info = STAT_CATALOG[stat]
    known = channel in CHANNELS or channel == CONTROL
    applies = channel in info.channels if known else set(CHANNELS) <= set(info.channels)
    if not applies:
        return None
    if info.kind == "rate":
        return info.ratio_for(channel).evaluate(values)
    if info.sum_of:
        return sum(int(values[part]) for part in info.sum_of)
    return int(values[stat])


def stat_values(stats: Sequence[str], channel: str, values: Mapping[str, int]) -> list[int | float | None]:
    return [stat_value(stat, channel, values) for stat in stats]


def format_value(value: int | float | str | None) -> str:
    """CSV text: empty for None, rates as decimals with up to 6 places, counts as integers."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value else "0"
    return str(value)
