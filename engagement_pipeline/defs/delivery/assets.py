import dagster as dg

from engagement_pipeline.lib.delivery import tags
from engagement_pipeline.lib.delivery.deliver import Attempt, DeliveryError, DeliveryRequest, deliver
from engagement_pipeline.lib.delivery.log import deliveries_frame, latest_deliveries
from engagement_pipeline.lib.mailer import MailDeliveryError, Mailer
from engagement_pipeline.lib.previews import markdown_table
from engagement_pipeline.lib.report_spec import ReportDefinitionError
from engagement_pipeline.lib.reports.partitions import report_partitions
from engagement_pipeline.lib.resources import PipelineSettings
from engagement_pipeline.lib.warehouse import Warehouse

MAX_RETRIES = 3


@dg.asset(
    partitions_def=report_partitions,
    deps=["report_files"],
    group_name="delivery",
    kinds={"email"},
    owners=["team:data-engineering"],
    retry_policy=dg.RetryPolicy(max_retries=MAX_RETRIES, delay=2, backoff=dg.Backoff.EXPONENTIAL),
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
    and the schedule sensor retries once the checks pass). SMTP failures are retried with
    backoff; after the last one the delivery is `failed` and an alert is sent."""
    request = DeliveryRequest.from_run(context.run, context.partition_key)
    attempt = Attempt(context.retry_number + 1, last=context.retry_number >= MAX_RETRIES)
    try:
        outcome = deliver(
            request, engine=warehouse.engine, mailer=mailer, settings=settings,
            instance=context.instance, attempt=attempt, log=context.log.info,
        )
    except (DeliveryError, ReportDefinitionError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    except MailDeliveryError as exc:
        if attempt.last:
            context.instance.add_run_tags(context.run_id, {tags.STATUS: "failed", tags.ALERTED: "true"})
        raise dg.Failure(
            description=f"attempt {attempt.number} of {MAX_RETRIES + 1}: {exc}", allow_retries=not attempt.last
        ) from None
    record = outcome.record
    run_tags = {tags.STATUS: record.status}
    if outcome.period is not None:
        run_tags |= {tags.PERIOD_START: outcome.period[0].isoformat(), tags.PERIOD_END: outcome.period[1].isoformat()}
    context.instance.add_run_tags(context.run_id, run_tags)
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
