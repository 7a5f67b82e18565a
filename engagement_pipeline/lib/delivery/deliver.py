"""One delivery of a rendered report: check the log, the recipients and the gate, then send once.

Order matters for "exactly once": the delivery log is read before anything is sent and again
right before the SMTP transaction, and ``sent`` is recorded as soon as the server accepts the
message. The only window left is a crash between that accept and the log write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import dagster as dg
import sqlalchemy as sa

from engagement_pipeline.lib.delivery.alerts import outbox_folder, send_alert
from engagement_pipeline.lib.delivery.gate import hold_reasons
from engagement_pipeline.lib.delivery.log import DeliveryRecord, read_delivery, record_delivery
from engagement_pipeline.lib.delivery.message import build_report_email, outside_domains
from engagement_pipeline.lib.delivery.tags import DUE_AT, DUE_KEY, iso_utc, parse_utc
from engagement_pipeline.lib.mailer import MailDeliveryError, Mailer
from engagement_pipeline.lib.report_spec import ReportDefinition
from engagement_pipeline.lib.reports.outputs import ReportOutput, read_outputs
from engagement_pipeline.lib.reports.run_config import load_report
from engagement_pipeline.lib.resources import PipelineSettings
from engagement_pipeline.lib.schedule import due_key

Log = Callable[[str], None]


class DeliveryError(ValueError):
    """A delivery that must not be attempted again as is (no report output, forbidden recipient)."""


@dataclass(frozen=True)
class DeliveryRequest:
    """What one run delivers: the report, the run whose output it sends, and the due time's key."""

    report_id: str
    run_id: str
    due_key: str
    due_at: datetime | None = None
    definition_file: str | None = None

    @classmethod
    def from_run(cls, run: dg.DagsterRun, report_id: str) -> DeliveryRequest:
        """From the run's `report_files` config and tags; a manual run is keyed by its root run."""
        config = run.run_config.get("ops", {}).get("report_files", {}).get("config", {}) if run.run_config else {}
        due_text = config.get("due_at") or run.tags.get(DUE_AT)
        due_at = parse_utc(due_text) if due_text else None
        key = run.tags.get(DUE_KEY) or (
            due_key(report_id, due_at) if due_at else f"{report_id}:manual@{run.root_run_id or run.run_id}"
        )
        return cls(report_id, run.run_id, key, due_at, config.get("definition_file"))


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    record: DeliveryRecord
    already_sent: bool = False
    period: tuple[date, date] | None = None


@dataclass(frozen=True)
class Attempt:
    number: int
    last: bool


def _alert(mailer: Mailer, settings: PipelineSettings, log: Log, subject: str, headline: str, details: dict) -> None:
    send_alert(
        mailer, settings.alerts_to, subject=subject, headline=headline, details=details,
        fallback_dir=outbox_folder(mailer, settings.home), log=log,
    )


def _details(defn: ReportDefinition, output: ReportOutput, record: DeliveryRecord) -> dict[str, str]:
    return {
        "Report": f"{defn.name} ({defn.report_id})",
        "Due": iso_utc(record.due_at) if record.due_at else "now",
        "Period": f"{output.period_start} – {output.period_end}",
        "Recipients": ", ".join(record.recipients),
        "Run": record.run_id,
    }


def _write(engine: sa.Engine, record: DeliveryRecord) -> None:
    with engine.begin() as conn:
        record_delivery(conn, record)


def _prior(engine: sa.Engine, key: str) -> DeliveryRecord | None:
    with engine.connect() as conn:
        return read_delivery(conn, key)


def _output(engine: sa.Engine, request: DeliveryRequest) -> ReportOutput:
    with engine.connect() as conn:
        outputs = read_outputs(conn, request.report_id, request.run_id)
    if not outputs:
        raise DeliveryError(
            f"report {request.report_id}: run {request.run_id} recorded no row in report_outputs; "
            "expected report_files to render the report earlier in the same run"
        )
    return outputs[0]


def deliver(
    request: DeliveryRequest,
    *,
    engine: sa.Engine,
    mailer: Mailer,
    settings: PipelineSettings,
    instance: dg.DagsterInstance,
    attempt: Attempt,
    log: Log,
) -> DeliveryOutcome:
    """Send the report email of ``request`` once, or hold it, or (last attempt) record the failure."""
    prior = _prior(engine, request.due_key)
    if prior is not None and prior.status == "sent":
        log(f"{request.due_key} was already sent ({prior.message_id}, run {prior.run_id}); not sending again")
        return DeliveryOutcome("sent", prior, already_sent=True)
    output = _output(engine, request)
    defn = load_report(settings, request.report_id, request.definition_file)
    outside = outside_domains(defn.recipients, settings.allowed_domains)
    if outside:
        raise DeliveryError(
            f"{defn.source_path}: recipients: {', '.join(outside)} outside the allowed recipient domains; "
            f"expected addresses at {', '.join(settings.allowed_domains)}"
        )
    due_at = request.due_at or output.generated_at.replace(tzinfo=UTC)
    links = tuple({"name": f.name, "url": f.url, "expires_at": output.expires_at.isoformat()} for f in output.files)
    earlier = prior.attempts if prior is not None and prior.status == "failed" else 0
    record = DeliveryRecord(
        request.due_key, request.report_id, due_at, "held", request.run_id,
        recipients=defn.recipients, attempts=earlier, links=links,
    )
    reasons = hold_reasons(instance, output.period_start, output.period_end, due_at, defn.timezone)
    if reasons:
        record = replace(record, failing_checks=tuple(reasons), updated_at=datetime.now(UTC))
        _write(engine, record)
        log(f"{request.due_key} held: {'; '.join(reasons)}")
        if prior is None or prior.status != "held" or prior.failing_checks != record.failing_checks:
            headline = "This report was not sent: it will go out once its data is built and its checks pass."
            details = {**_details(defn, output, record), "Held because": "; ".join(reasons)}
            _alert(mailer, settings, log, f"Report held: {defn.name}", headline, details)
        return DeliveryOutcome("held", record, period=(output.period_start, output.period_end))
    with engine.connect() as conn:
        msg = build_report_email(conn, defn, output, mailer.sender)
    again = _prior(engine, request.due_key)
    if again is not None and again.status == "sent":
        log(f"{request.due_key} was sent meanwhile by run {again.run_id}; not sending again")
        return DeliveryOutcome("sent", again, already_sent=True)
    attempts = earlier + attempt.number
    try:
        result = mailer.send(msg)
    except MailDeliveryError as exc:
        if attempt.last:
            failed = replace(record, status="failed", attempts=attempts, updated_at=datetime.now(UTC))
            _write(engine, failed)
            headline = f"The report email could not be sent after {attempt.number} attempt(s)."
            resend = f"engagement report resend {request.report_id} --due {iso_utc(due_at)}"
            details = {**_details(defn, output, failed), "Error": str(exc), "To send it again": resend}
            _alert(mailer, settings, log, f"Report delivery failed: {defn.name}", headline, details)
        raise
    sent = replace(record, status="sent", attempts=attempts, message_id=result.message_id, updated_at=datetime.now(UTC))
    _write(engine, sent)
    log(f"{request.due_key} sent to {', '.join(defn.recipients)} ({result.message_id})")
    return DeliveryOutcome("sent", sent, period=(output.period_start, output.period_end))
