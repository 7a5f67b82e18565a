import dagster as dg

from engagement_pipeline.defs.quality.jobs import data_quality_job
from engagement_pipeline.lib.quality.recheck import DATA_QUALITY_HOUR_UTC, DATA_QUALITY_MINUTE, DAYS_RECHECKED, range_tags, recheck_range


@dg.schedule(
    job=data_quality_job,
    cron_schedule=f"{DATA_QUALITY_MINUTE} {DATA_QUALITY_HOUR_UTC} * * *",
    execution_timezone="UTC",
    description=(
        f"Every day at {DATA_QUALITY_HOUR_UTC:02d}:{DATA_QUALITY_MINUTE:02d} UTC, re-run every data-quality check "
        f"on the last {DAYS_RECHECKED} complete days as one run, so late files and fixes are judged again "
        "before reports go out."
    ),
)
def data_quality_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    first, last = recheck_range(context.scheduled_execution_time.date())
    return dg.RunRequest(run_key=f"data_quality_{first}_{last}", tags=range_tags(first, last))
