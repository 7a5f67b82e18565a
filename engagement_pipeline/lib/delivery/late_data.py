"""Which days to rebuild after an ingestion: the ``days_touched`` of new `raw_currents_events` runs.

Days are grouped into runs of consecutive days, one `build_models_job` run each, so a late
file for one day two months ago rebuilds that day and not the two months in between. Days
outside the daily partitions (before their start, or after today) are returned apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def parse_days(value: object) -> set[date]:
    """ISO dates from ``days_touched`` metadata (a JSON list, or its text); others are ignored."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return set()
    days: set[date] = set()
    for item in value if isinstance(value, list) else []:
        try:
            days.add(date.fromisoformat(str(item)))
        except ValueError:
            continue
    return days


def day_ranges(days: Iterable[date], first: date, last: date) -> tuple[list[tuple[date, date]], list[date]]:
    """Consecutive runs of ``days`` within ``first..last`` and the days outside it."""
    inside = sorted(d for d in set(days) if first <= d <= last)
    outside = sorted(d for d in set(days) if not first <= d <= last)
    ranges: list[tuple[date, date]] = []
    for day in inside:
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges, outside


def range_tags(start: date, end: date) -> dict[str, str]:
    return {RANGE_START: start.isoformat(), RANGE_END: end.isoformat()}
