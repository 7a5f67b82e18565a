"""The daily build schedule builds the last complete UTC day, never the day in progress."""

from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest

from engagement_pipeline.definitions import defs as load_defs
from engagement_pipeline.defs.partitions import PARTITIONS_START

CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("scheduled", "day"),
    [
        (datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc), "2026-12-01"),
        (datetime(2026, 12, 2, 3, 0, tzinfo=CET), "2026-12-01"),  # the same instant seen from Paris
        (datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc), "2026-02-28"),
    ],
)
def test_the_daily_build_requests_yesterday_utc(scheduled: datetime, day: str):
    defs = load_defs()
    schedule = defs.resolve_schedule_def("build_models_daily_schedule")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "UTC"
    context = dg.build_schedule_context(scheduled_execution_time=scheduled, repository_def=defs.get_repository_def())
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == day and request.run_key == day
    assert request.partition_key < scheduled.astimezone(timezone.utc).date().isoformat(), "never the running day"


def test_the_daily_build_skips_a_day_before_the_partitions():
    first = datetime.fromisoformat(PARTITIONS_START).replace(hour=2, tzinfo=timezone.utc)
    defs = load_defs()
    schedule = defs.resolve_schedule_def("build_models_daily_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=first, repository_def=defs.get_repository_def())
    result = schedule.evaluate_tick(context)
    assert not result.run_requests and PARTITIONS_START in (result.skip_message or "")
