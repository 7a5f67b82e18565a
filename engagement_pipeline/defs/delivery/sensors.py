from datetime import UTC, date, datetime

import dagster as dg

from engagement_pipeline.defs.delivery.failure_alert import failure_alert
from engagement_pipeline.defs.delivery.jobs import deliver_report_job
from engagement_pipeline.defs.delivery.report_schedule import evaluate_report_schedule
from engagement_pipeline.defs.ingest.jobs import ingest_currents_job
from engagement_pipeline.defs.models.jobs import build_models_job
from engagement_pipeline.defs.models.late_data import day_ranges, parse_days, range_tags, rebuilt_days
from engagement_pipeline.defs.partitions import PARTITIONS_START
from engagement_pipeline.defs.resources import Mailer, PipelineSettings, StorageLocation, Warehouse
from engagement_pipeline.lib.delivery.alerts import outbox_folder, send_alert
from engagement_pipeline.lib.delivery.startup import WarehouseBusy, read_once
from engagement_pipeline.lib.delivery.tags import ALERTED
from engagement_pipeline.lib.ingest.landing import LandingCursor, first_look, new_files, run_key, unloaded_files

RAW_EVENTS = dg.AssetKey("raw_currents_events")


@dg.sensor(
    job=deliver_report_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Emails reports when they are due: `send: immediately` once per version of the definition, "
        "`every` N days/weeks/months at a local time. One deliver_report_job run per due time "
        "(run key <report id>:<UTC due time>); after downtime only the latest missed one. Also "
        "re-runs held deliveries once their data is built and their blocking checks pass, and "
        "retries deliveries that failed for a transient SMTP reason once their next attempt is due. "
        "Without a cursor it starts from the delivery log: nothing already delivered is sent again."
    ),
)
def report_schedule_sensor(context: dg.SensorEvaluationContext, settings: PipelineSettings, warehouse: Warehouse) -> dg.SensorResult:
    return evaluate_report_schedule(context, settings, warehouse, datetime.now(UTC))


@dg.sensor(
    job=ingest_currents_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts ingest_currents_job when new files appear in the landing zone (local folder or S3); "
        "the cursor is the newest modification time seen and the keys at that instant. Without a "
        "cursor it starts from the ingestion manifest: files already loaded are not ingested again."
    ),
)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, landing_zone: StorageLocation, warehouse: Warehouse
) -> dg.SensorResult | dg.SkipReason:
    store = landing_zone.store()
    if context.cursor:
        fresh, cursor = new_files(store.list(), LandingCursor.loads(context.cursor))
    else:
        try:
            unloaded = read_once(warehouse.url, lambda conn: unloaded_files(conn, store), lambda: list(store.list(suffix=".avro")))
        except WarehouseBusy as exc:
            return dg.SkipReason(f"no cursor yet and {exc}")
        fresh, cursor = first_look(store.list(), unloaded)
    if not fresh:
        reason = f"no new files in {store.describe('')}"
        return dg.SkipReason(reason) if context.cursor else dg.SensorResult(cursor=cursor.dumps(), skip_reason=reason)
    context.log.info(f"{len(fresh)} new file(s) in {store.describe('')}, newest {fresh[-1].key}")
    request = dg.RunRequest(run_key=run_key(fresh), tags={"landing/new_files": str(len(fresh))})
    return dg.SensorResult(run_requests=[request], cursor=cursor.dumps())


@dg.sensor(
    job=build_models_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Rebuilds the rollups of the days each new raw_currents_events materialization touched "
        "(its days_touched metadata, late files included): one build_models_job run per stretch "
        "of consecutive days. Days a run started after that ingestion has rebuilt already are skipped."
    ),
)
def late_data_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    after = int(context.cursor) if context.cursor else None
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=RAW_EVENTS, after_storage_id=after), limit=100, ascending=True
    ).records
    if not records:
        return dg.SkipReason("no new raw_currents_events materialization")
    days: set[date] = set()
    for record in records:
        touched = record.asset_materialization.metadata.get("days_touched") if record.asset_materialization else None
        touched_days = parse_days(touched.value if touched is not None else None)
        days |= touched_days - rebuilt_days(context.instance, touched_days, record)
    last = records[-1].storage_id
    ranges, outside = day_ranges(days, date.fromisoformat(PARTITIONS_START), datetime.now(UTC).date())
    if outside:
        context.log.warning(f"not rebuilding days outside the daily partitions: {', '.join(map(str, outside))}")
    requests = [dg.RunRequest(run_key=f"days:{start}..{end}@{last}", tags=range_tags(start, end)) for start, end in ranges]
    skip = None if requests else "nothing to rebuild: the days these ingestions touched were rebuilt after them already"
    return dg.SensorResult(run_requests=requests, cursor=str(last), skip_reason=skip)


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Emails ENGAGEMENT_ALERT_RECIPIENTS when a run fails: run id, job, failed step and error, "
        "through the mailer (an .eml in the outbox when SMTP is down). Delivery failures the "
        "report_delivery asset already alerted on are not alerted twice."
    ),
)
def alert_on_run_failure_sensor(context: dg.RunFailureSensorContext, mailer: Mailer, settings: PipelineSettings) -> None:
    run = context.dagster_run
    if run.tags.get(ALERTED):
        return
    subject, headline, details = failure_alert(run, context.failure_event.message, context.get_step_failure_events())
    send_alert(
        mailer,
        settings.alerts_to,
        subject=subject,
        headline=headline,
        details=details,
        fallback_dir=outbox_folder(mailer, settings.home),
        log=context.log.warning,
    )
