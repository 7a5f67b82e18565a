"""When and what the daily data-quality re-run checks: the last complete days, as one range run."""

from __future__ import annotations

from datetime import date, timedelta

DATA_QUALITY_HOUR_UTC = 6
DATA_QUALITY_MINUTE = 30
DAYS_RECHECKED = 3


def recheck_range(run_day: date, days: int = DAYS_RECHECKED) -> tuple[date, date]:
    """First and last day (inclusive) a run on `run_day` re-checks: the `days` complete days before it."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    return run_day - timedelta(days=days), run_day - timedelta(days=1)


def range_tags(first: date, last: date) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": first.isoformat(), "dagster/asset_partition_range_end": last.isoformat()}
