from datetime import UTC, datetime

import dagster as dg

from engagement_pipeline.defs.delivery.readiness import hold_reasons
from engagement_pipeline.defs.previews import markdown_table
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.defs.resources import Mailer, PipelineSettings, Warehouse
from engagement_pipeline.lib.delivery import tags
from engagement_pipeline.lib.delivery.deliver import DeliveryError, DeliveryOutcome, DeliveryRequest, deliver
from engagement_pipeline.lib.delivery.log import deliveries_frame, latest_deliveries
from engagement_pipeline.lib.delivery.tags import DUE_AT, DUE_KEY, parse_utc
from engagement_pipeline.lib.reports.spec import ReportDefinitionError


def delivery_request(run: dg.DagsterRun, report_id: str) -> DeliveryRequest:
    """What ``run`` delivers, from its `report_files` config and tags."""
    config = run.run_config.get("ops", {}).get("report_files", {}).get("config", {}) if run.run_config else {}
    due_text = config.get("due_at") or run.tags.get(DUE_AT)
    due_at = parse_utc(due_text) if due_text else None
    return DeliveryRequest(report_id, run.run_id, run.tags.get(DUE_KEY), due_at, config.get("definition_file"))


def _run_tags(outcome: DeliveryOutcome) -> dict[str, str]:
    """What the sensors read back: the due key and time (also of a run launched without them) and how it ended."""
    record = outcome.record
    run_tags = {tags.STATUS: record.status, tags.REPORT_ID: record.report_id, tags.DUE_KEY: record.due_key}
    if record.due_at is not None:
        run_tags[tags.DUE_AT] = tags.iso_utc(record.due_at)
    if outcome.period is not None:
        run_tags |= {tags.PERIOD_START: outcome.period[0].isoformat(), tags.PERIOD_END: outcome.period[1].isoformat()}
    if record.status == "retrying" and record.next_attempt_at is not None:
        run_tags[tags.NEXT_ATTEMPT] = tags.iso_utc(record.next_attempt_at)
    if record.status in ("retrying", "failed"):
        # deliver() alerts on `failed` itself; a `retrying` run is the sensor's to retry, not an alert.
        run_tags[tags.ALERTED] = "true"
    return run_tags


@dg.asset(
    partitions_def=report_partitions,
    deps=["report_files"],
    group_name="delivery",
    kinds={"email"},
    owners=["team:data-engineering"],
)
def report_delivery(
    context: dg.AssetExecutionContext, warehouse: Warehouse, mailer: Mailer, settings: PipelineSettings
) -> dg.MaterializeResult:
    """The report email of this run's `report_files`, sent once per due time to the definition's recipients.

    The email has the report name and period in its subject, the download links with their
    expiry, headline stats per channel and a chart of the key stat per period. It is not sent
    when the due time was already delivered (`report_deliveries` says `sent`), when a recipient
    is outside ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS, or when the period's data is not built or
    failed a blocking quality check (status `held`, an alert goes to ENGAGEMENT_ALERT_RECIPIENTS
    and the schedule sensor retries once the checks pass). A transient SMTP failure (refused
    connection, timeout, 4xx) fails the run as `retrying`: the schedule sensor tries again with
    backoff for ENGAGEMENT_DELIVERY_RETRY_HOURS, then gives up as `failed` with an alert. A
    permanent failure (5xx, a message that cannot be written) is `failed` at once, with its
    cause in the delivery log and one alert; no attempt is ever retried within the run."""
    request = delivery_request(context.run, context.partition_key)
    try:
        outcome = deliver(
            request,
            engine=warehouse.engine,
            mailer=mailer,
            settings=settings,
            hold_reasons=lambda start, end, due_at, tz: hold_reasons(context.instance, start, end, due_at, tz),
            log=context.log.info,
            now=datetime.now(UTC),
        )
    except (DeliveryError, ReportDefinitionError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    record = outcome.record
    context.instance.add_run_tags(context.run_id, _run_tags(outcome))
    if record.status in ("retrying", "failed"):
        then = f"; next attempt at {tags.iso_utc(record.next_attempt_at)}" if record.next_attempt_at else ""
        raise dg.Failure(description=f"{record.due_key} {record.status}: {record.error}{then}", allow_retries=False)
    with warehouse.engine.connect() as conn:
        log = deliveries_frame(latest_deliveries(conn, limit=15))
    return dg.MaterializeResult(
        metadata={
            "status": record.status,
            "due_key": record.due_key,
            "due_at": tags.iso_utc(record.due_at) if record.due_at else "",
            "recipients": ", ".join(record.recipients),
            "message_id": record.message_id or "",
            "attempts": record.attempts,
            "already_sent": outcome.already_sent,
            "failing_checks": dg.MetadataValue.json(list(record.failing_checks)),
            "files": dg.MetadataValue.json([link.get("name") for link in record.links]),
            "delivery_log": markdown_table(log, max_rows=15),
        }
    )
