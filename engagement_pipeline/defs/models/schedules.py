from datetime import UTC, timedelta

import dagster as dg

from engagement_pipeline.defs.models.jobs import build_models_job
from engagement_pipeline.defs.partitions import PARTITIONS_START

# The hour is code, not an environment variable: a schedule's cron string is fixed when the
# code location loads and is shown in the UI; change it here (UTC, after Currents' last hourly
# files of the day have landed).
BUILD_HOUR_UTC = 2


@dg.schedule(
    job=build_models_job,
    cron_schedule=f"0 {BUILD_HOUR_UTC} * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        f"Every day at {BUILD_HOUR_UTC:02d}:00 UTC, rebuilds yesterday's (UTC) partition of every "
        "rollup, so that a day is complete even when no late file touches it again."
    ),
)
def build_models_daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    day = (context.scheduled_execution_time.astimezone(UTC) - timedelta(days=1)).date().isoformat()
    if day < PARTITIONS_START:
        return dg.SkipReason(f"yesterday ({day}) is before ENGAGEMENT_PARTITIONS_START={PARTITIONS_START}")
    return dg.RunRequest(run_key=day, partition_key=day)
