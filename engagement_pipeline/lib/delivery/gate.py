"""Whether a report may be sent: its data is built and no blocking quality check failed on its days.

Everything here reads the Dagster instance only (materializations and check evaluations), so
the schedule sensor can ask the same questions as the delivery asset without opening the
warehouse. A report waits for its period's last complete day: the period's last day, or the
day before the due date when the period runs up to (or past) the due date, since the due day
itself is still in progress.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

READY_ASSET = dg.AssetKey("channel_daily_stats")


def last_required_day(period_end: date, due_at: datetime, tz: str) -> date:
    due_day = due_at.astimezone(ZoneInfo(tz)).date()
    return min(period_end, due_day - timedelta(days=1))


def checked_days(period_start: date, period_end: date, due_at: datetime, tz: str) -> list[date]:
    """The period's days up to its last required day (the rollups' UTC day of each local date)."""
    last = last_required_day(period_end, due_at, tz)
    return [period_start + timedelta(days=i) for i in range((last - period_start).days + 1)]


def is_built(instance: dg.DagsterInstance, day: date, asset: dg.AssetKey = READY_ASSET) -> bool:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset, asset_partitions=[day.isoformat()]), limit=1
    )
    return bool(records.records)


def hold_reasons(
    instance: dg.DagsterInstance, period_start: date, period_end: date, due_at: datetime, tz: str
) -> list[str]:
    """Why the report must wait (missing data, failed blocking checks); empty when it may be sent."""
    from engagement_pipeline.lib.quality.gate import failed_blocking_checks

    reasons = []
    required = last_required_day(period_end, due_at, tz)
    if not is_built(instance, required):
        reasons.append(f"waiting for data: {READY_ASSET.to_user_string()} is not built for {required}")
    days = checked_days(period_start, period_end, due_at, tz)
    for check in failed_blocking_checks(instance, days):
        day = f" on {check.partition}" if check.partition else ""
        reasons.append(f"check {check.check} of {check.asset} failed{day}: {check.description}")
    return reasons
