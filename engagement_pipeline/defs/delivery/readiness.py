"""Whether a report may be sent: its data is built and no blocking quality check failed on its days.

Everything here reads the Dagster instance only (materializations and check evaluations), so
the schedule sensor can ask the same questions as the delivery asset without opening the
warehouse. A report waits for its period's last complete local day: the period's last day, or the
day before the due date when the period runs up to (or past) the due date, since the due day
itself is still in progress. Its local days are read from every UTC day (the partitions) they
overlap: a Tokyo "yesterday" needs the UTC day before it too, and each of those UTC days must be
built with its blocking checks passed.
"""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg

from engagement_pipeline.defs.models.jobs import READY_ASSET
from engagement_pipeline.lib.delivery.due_times import checked_days


def unbuilt_days(instance: dg.DagsterInstance, days: list[date], asset: dg.AssetKey = READY_ASSET) -> list[date]:
    """The days of ``days`` that ``asset`` has no materialization for (one instance query). Days before
    the first day ever built are before the data begins (a 28-day report over 14 days of history):
    they are empty, not missing; nothing built at all means every day is missing."""
    built = instance.get_materialized_partitions(asset)
    first = min(built, default=None)
    return [day for day in days if day.isoformat() not in built and (first is None or day.isoformat() > first)]


def hold_reasons(instance: dg.DagsterInstance, period_start: date, period_end: date, due_at: datetime, tz: str) -> list[str]:
    """Why the report must wait (missing data, failed blocking checks); empty when it may be sent."""
    from engagement_pipeline.defs.quality.check_results import failed_blocking_checks

    reasons = []
    days = checked_days(period_start, period_end, due_at, tz)
    missing = unbuilt_days(instance, days)
    if missing:
        listed = ", ".join(d.isoformat() for d in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        reasons.append(f"waiting for data: {READY_ASSET.to_user_string()} is not built for UTC day(s) {listed}")
    for check in failed_blocking_checks(instance, days):
        day = f" on {check.partition}" if check.partition else ""
        reasons.append(f"check {check.check} of {check.asset} failed{day}: {check.description}")
    return reasons
