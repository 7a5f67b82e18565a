import dagster as dg

from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.defs.resources import PipelineSettings
from engagement_pipeline.lib.reports.sync import sync_plan


@dg.sensor(
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Keeps the report_id partitions of report_files in step with the definitions folder "
        "(ENGAGEMENT_REPORT_DEFS): adds new report ids, deletes removed ones, and shows invalid "
        "definitions with their errors. Reads only files, never the warehouse."
    ),
)
def report_definitions_sensor(context: dg.SensorEvaluationContext, settings: PipelineSettings) -> dg.SensorResult:
    existing = context.instance.get_dynamic_partitions(report_partitions.name)
    plan = sync_plan(settings.report_defs, existing, default_timezone=settings.timezone, allowed_domains=settings.allowed_domains)
    requests: list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest] = []
    if plan.add:
        requests.append(report_partitions.build_add_request(list(plan.add)))
    if plan.delete:
        requests.append(report_partitions.build_delete_request(list(plan.delete)))
    for error in plan.errors:
        context.log.warning(error)
    if plan.errors:
        reason = "invalid report definitions:\n" + "\n".join(plan.errors)
    elif not requests:
        reason = f"{len(existing)} report definition(s), all in step with {settings.report_defs}"
    else:
        reason = None
    return dg.SensorResult(dynamic_partitions_requests=requests, skip_reason=reason)
