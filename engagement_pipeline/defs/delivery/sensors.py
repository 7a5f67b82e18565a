"""The delivery sensors: reports emailed when due (with held and retried deliveries), and an alert
email when a run fails. Their bodies read the definitions folder and the Dagster instance, never
the warehouse (a run may hold the DuckDB write lock), except a first tick without a cursor, which
starts from the delivery log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import dagster as dg

from engagement_pipeline.defs.delivery.holds import waiting_deliveries
from engagement_pipeline.defs.delivery.jobs import deliver_report_job
from engagement_pipeline.defs.delivery.readiness import hold_reasons
from engagement_pipeline.defs.delivery.retries import retries_due
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.defs.resources import Mailer, PipelineSettings, Warehouse
from engagement_pipeline.lib.delivery.alerts import outbox_folder, send_alert
from engagement_pipeline.lib.delivery.log import logged_dues
from engagement_pipeline.lib.delivery.planning import dump_cursor, load_cursor, plan_tick, start_cursor
from engagement_pipeline.lib.delivery.tags import ALERTED, DELIVER_JOB, DUE_KEY, request_tags, run_config
from engagement_pipeline.lib.platform.read_once import WarehouseBusy, read_once
from engagement_pipeline.lib.reports.spec import ReportDefinition, load_definitions


def _releases(
    instance: dg.DagsterInstance, definitions: dict[str, ReportDefinition], skip: set[str], log: dg.DagsterLogManager
) -> list[dg.RunRequest]:
    requests = []
    for held in waiting_deliveries(instance, sorted(set(definitions) - skip)):
        tz = definitions[held.report_id].timezone
        reasons = hold_reasons(instance, held.period_start, held.period_end, held.due_at, tz)
        if reasons:
            log.info(f"{held.due_key} still held: {'; '.join(reasons)}")
            continue
        requests.append(
            dg.RunRequest(
                run_key=held.release_key,
                partition_key=held.report_id,
                run_config=run_config(held.due_at),
                tags=request_tags(held.report_id, held.due_at, held.due_key, "release"),
            )
        )
    return requests


def _retries(instance: dg.DagsterInstance, report_ids: Iterable[str], now: datetime) -> list[dg.RunRequest]:
    return [
        dg.RunRequest(
            run_key=retry.run_key,
            partition_key=retry.report_id,
            run_config=run_config(retry.due_at),
            tags=request_tags(retry.report_id, retry.due_at, retry.due_key, "retry"),
        )
        for retry in retries_due(instance, report_ids, now)
    ]


def _cursor(context: dg.SensorEvaluationContext, good: list[ReportDefinition], warehouse: Warehouse) -> dict[str, str]:
    """The sensor's cursor, or without one the due times the delivery log already holds."""
    if context.cursor:
        return load_cursor(context.cursor)
    logged = read_once(warehouse.url, logged_dues, list)

    def requested(key: str) -> bool:
        filters = dg.RunsFilter(job_name=DELIVER_JOB, tags={DUE_KEY: key})
        return bool(context.instance.get_run_ids(filters=filters, limit=1))

    cursor = start_cursor(good, logged, requested)
    context.log.info(f"no cursor yet: starting from {len(logged)} row(s) of the delivery log: {dump_cursor(cursor)}")
    return cursor


def evaluate_report_schedule(
    context: dg.SensorEvaluationContext, settings: PipelineSettings, warehouse: Warehouse, now: datetime
) -> dg.SensorResult:
    """Run requests for due deliveries, released holds and due retries, partitions to add, the new cursor."""
    good, bad = load_definitions(
        settings.report_defs, default_timezone=settings.timezone, allowed_recipient_domains=settings.allowed_domains
    )
    for error in bad:
        context.log.warning(f"not scheduled: {error}")
    try:
        cursor = _cursor(context, good, warehouse)
    except WarehouseBusy as exc:
        return dg.SensorResult(skip_reason=f"no cursor yet and {exc}")
    existing = context.instance.get_dynamic_partitions(report_partitions.name)
    plan = plan_tick(good, cursor, now, existing)
    requests = [
        dg.RunRequest(
            run_key=item.due_key,
            partition_key=item.report_id,
            run_config=run_config(item.due_at),
            tags=request_tags(item.report_id, item.due_at, item.due_key, item.trigger),
        )
        for item in plan.deliveries
    ]
    by_id = {d.report_id: d for d in good if d.report_id in set(existing)}
    requests += _releases(context.instance, by_id, {item.report_id for item in plan.deliveries}, context.log)
    requests += _retries(context.instance, by_id, now)
    additions = [report_partitions.build_add_request(plan.missing_partitions)] if plan.missing_partitions else []
    skip = None if requests else f"nothing due at {now:%Y-%m-%d %H:%M} UTC for {len(good)} report definition(s)"
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=additions, cursor=dump_cursor(plan.cursor), skip_reason=skip)


MAX_ERROR_CHARS = 2000


def _error(event: dg.DagsterEvent) -> str:
    data = event.step_failure_data
    if data is None or data.error is None:
        return event.message or "no error message"
    return data.error.message.strip()[:MAX_ERROR_CHARS]


def failure_alert(run: dg.DagsterRun, run_message: str | None, step_failures: Sequence[dg.DagsterEvent]) -> tuple[str, str, dict[str, str]]:
    """(subject, headline, details) describing the failed run."""
    partition = run.tags.get("dagster/partition") or ""
    where = f" ({partition})" if partition else ""
    subject = f"Run failed: {run.job_name}{where}"
    details = {"Run": run.run_id, "Job": run.job_name}
    if partition:
        details["Partition"] = partition
    start, end = run.tags.get("dagster/asset_partition_range_start"), run.tags.get("dagster/asset_partition_range_end")
    if start and end:
        details["Partitions"] = f"{start} .. {end}"
    if step_failures:
        details["Failed step"] = ", ".join(sorted({e.step_key or "?" for e in step_failures}))
        details["Error"] = "\n\n".join(f"{e.step_key}: {_error(e)}" for e in step_failures)
    else:
        details["Error"] = (run_message or "the run failed before any step ran").strip()[:MAX_ERROR_CHARS]
    headline = f"Dagster run {run.run_id[:8]} of {run.job_name} failed."
    return subject, headline, details


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
