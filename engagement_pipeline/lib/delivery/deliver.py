"""One delivery of a rendered report: check the log, the recipients and the gate, then send once.

Order matters for "exactly once": the delivery log is read before anything is sent and again
right before the SMTP transaction, and ``sent`` is recorded as soon as the server accepts the
message. The only window left is a crash between that accept and the log write.

Every failure is logged with its cause (column ``error``). A transient SMTP failure leaves the
delivery ``retrying``: the schedule sensor tries again with backoff until the retry window ends
(``retry.py``). Anything else is permanent: a 5xx answer, a message that cannot be written (a
line break in a header), a forbidden recipient, a missing output, an unexpected error. It is
logged ``failed`` at once, never retried, and alerted once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from engagement_pipeline.lib.delivery.alerts import outbox_folder, send_alert
from engagement_pipeline.lib.delivery.due_times import Due, delivery_due
from engagement_pipeline.lib.delivery.log import DeliveryRecord, read_delivery, record_delivery
from engagement_pipeline.lib.delivery.mailer import MailDeliveryError, MailSender, composing
from engagement_pipeline.lib.delivery.message import build_report_email, outside_domains
from engagement_pipeline.lib.delivery.retry_policy import next_attempt
from engagement_pipeline.lib.delivery.tags import iso_utc
from engagement_pipeline.lib.platform.settings import SettingsView
from engagement_pipeline.lib.reports.outputs import ReportOutput, read_outputs
from engagement_pipeline.lib.reports.spec import ReportDefinition, ReportDefinitionError, load_report

Log = Callable[[str], None]
HoldReasons = Callable[[date, date, datetime, str], list[str]]


class DeliveryError(ValueError):
    """A delivery that must not be attempted again as is (no report output, forbidden recipient)."""


@dataclass(frozen=True)
class DeliveryRequest:
    """What one run delivers: the report, the run whose output it sends, and its due time and key.

    A run launched without a due time (from the UI) has neither; its due key then comes from
    the definition (``delivery_due``), as for every other path."""

    report_id: str
    run_id: str
    due_key: str | None = None
    due_at: datetime | None = None
    definition_file: str | None = None


@dataclass(frozen=True)
class DeliveryOutcome:
    """``status``: sent, held, retrying or failed."""

    status: str
    record: DeliveryRecord
    already_sent: bool = False
    period: tuple[date, date] | None = None


@dataclass(frozen=True)
class DeliveryContext:
    """What one attempt works with: the warehouse, the mailer, the settings, why the report must wait
    (``hold_reasons(period_start, period_end, due_at, tz)``: the instance's answer), a log and the time."""

    engine: sa.Engine
    mailer: MailSender
    settings: SettingsView
    hold_reasons: HoldReasons
    log: Log
    now: datetime


def _alert(ctx: DeliveryContext, subject: str, headline: str, details: dict) -> None:
    try:
        send_alert(
            ctx.mailer,
            ctx.settings.alerts_to,
            subject=subject,
            headline=headline,
            details=details,
            fallback_dir=outbox_folder(ctx.mailer, ctx.settings.home),
            log=ctx.log,
        )
    except MailDeliveryError as exc:
        ctx.log(f"alert {subject!r} could not be sent or written to the outbox: {exc}")


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


def _already_sent(prior: DeliveryRecord, log: Log) -> DeliveryOutcome:
    log(f"{prior.due_key} was already sent ({prior.message_id}, run {prior.run_id}); not sending again")
    return DeliveryOutcome("sent", prior, already_sent=True)


def _output(engine: sa.Engine, request: DeliveryRequest) -> ReportOutput:
    with engine.connect() as conn:
        outputs = read_outputs(conn, request.report_id, request.run_id)
    if not outputs:
        raise DeliveryError(
            f"report {request.report_id}: run {request.run_id} recorded no row in report_outputs; "
            "expected report_files to render the report earlier in the same run"
        )
    return outputs[0]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _due(request: DeliveryRequest, defn: ReportDefinition, output: ReportOutput) -> Due:
    at = request.due_at or _aware(output.due_at or output.generated_at)
    return Due(at, request.due_key) if request.due_key else delivery_due(defn, at)


def _cause(exc: Exception) -> str:
    known = (DeliveryError, ReportDefinitionError, MailDeliveryError)
    return str(exc) if isinstance(exc, known) else f"unexpected error: {type(exc).__name__}: {exc}"


def _log_failure(ctx: DeliveryContext, record: DeliveryRecord, exc: Exception) -> None:
    """Log a permanent failure outside the mailer (the run fails and its failure alert says why)."""
    failed = replace(record, status="failed", error=_cause(exc), next_attempt_at=None, updated_at=ctx.now)
    try:
        _write(ctx.engine, failed)
    except sa.exc.SQLAlchemyError as write_error:
        ctx.log(f"{record.due_key}: could not log the failure ({write_error}); it was: {failed.error}")


def deliver(
    request: DeliveryRequest,
    *,
    engine: sa.Engine,
    mailer: MailSender,
    settings: SettingsView,
    hold_reasons: HoldReasons,
    log: Log,
    now: datetime,
) -> DeliveryOutcome:
    """Send the report email of ``request`` once, or hold it, or log why it was not sent.

    Returns the outcome (``sent``, ``held``, ``retrying``, ``failed``); raises (after logging
    ``failed``) on a delivery that must not be attempted again as is."""
    ctx = DeliveryContext(engine, mailer, settings, hold_reasons, log, now)
    prior = _prior(engine, request.due_key) if request.due_key else None
    if prior is not None and prior.status == "sent":
        return _already_sent(prior, log)
    try:
        output = _output(engine, request)
        defn = load_report(settings, request.report_id, request.definition_file)
    except (DeliveryError, ReportDefinitionError) as exc:
        if request.due_key:
            fresh = DeliveryRecord(request.due_key, request.report_id, request.due_at, "failed", request.run_id)
            _log_failure(ctx, replace(prior, run_id=request.run_id) if prior is not None else fresh, exc)
        raise
    due = _due(request, defn, output)
    if not request.due_key:
        prior = _prior(engine, due.key)
        if prior is not None and prior.status == "sent":
            return _already_sent(prior, log)
    links = tuple(
        {"name": f.name, "url": f.url, "expires_at": output.expires_at.isoformat(), **({"title": f.title} if f.title else {})}
        for f in output.files
    )
    earlier = prior.attempts if prior is not None and prior.status in ("failed", "retrying") else 0
    record = DeliveryRecord(
        due.key,
        request.report_id,
        due.at,
        "held",
        request.run_id,
        recipients=defn.recipients,
        attempts=earlier,
        links=links,
    )
    try:
        return _attempt(ctx, record, prior, defn, output)
    except MailDeliveryError as exc:
        return _failed_send(ctx, replace(record, attempts=earlier + 1), prior, defn, output, exc)
    except Exception as exc:
        _log_failure(ctx, record, exc)
        raise


def _attempt(
    ctx: DeliveryContext, record: DeliveryRecord, prior: DeliveryRecord | None, defn: ReportDefinition, output: ReportOutput
) -> DeliveryOutcome:
    outside = outside_domains(defn.recipients, ctx.settings.allowed_domains)
    if outside:
        raise DeliveryError(
            f"{defn.source_path}: recipients: {', '.join(outside)} outside the allowed recipient domains; "
            f"expected addresses at {', '.join(ctx.settings.allowed_domains)}"
        )
    if defn.personal_data and not ctx.settings.allowed_domains:
        raise DeliveryError(
            f"{defn.source_path}: personal_data: asks for {', '.join(defn.personal_data)} but ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS"
            " is not set; expected the setting to list the domains allowed to receive personal data"
        )
    period = (output.period_start, output.period_end)
    reasons = ctx.hold_reasons(output.period_start, output.period_end, record.due_at, defn.timezone)
    if reasons:
        return _hold(ctx, replace(record, failing_checks=tuple(reasons), updated_at=ctx.now), prior, defn, output)
    with ctx.engine.connect() as conn, composing(f"report email of {defn.report_id}"):
        msg = build_report_email(conn, defn, output, ctx.mailer.sender)
    again = _prior(ctx.engine, record.due_key)
    if again is not None and again.status == "sent":
        ctx.log(f"{record.due_key} was sent meanwhile by run {again.run_id}; not sending again")
        return DeliveryOutcome("sent", again, already_sent=True)
    result = ctx.mailer.send(msg)
    sent = replace(record, status="sent", attempts=record.attempts + 1, message_id=result.message_id, updated_at=ctx.now)
    _write(ctx.engine, sent)
    ctx.log(f"{record.due_key} sent to {', '.join(defn.recipients)} ({result.message_id})")
    return DeliveryOutcome("sent", sent, period=period)


def _hold(
    ctx: DeliveryContext, record: DeliveryRecord, prior: DeliveryRecord | None, defn: ReportDefinition, output: ReportOutput
) -> DeliveryOutcome:
    _write(ctx.engine, record)
    ctx.log(f"{record.due_key} held: {'; '.join(record.failing_checks)}")
    if prior is None or prior.status != "held" or prior.failing_checks != record.failing_checks:
        headline = "This report was not sent: it will go out once its data is built and its checks pass."
        details = {**_details(defn, output, record), "Held because": "; ".join(record.failing_checks)}
        _alert(ctx, f"Report held: {defn.name}", headline, details)
    return DeliveryOutcome("held", record, period=(output.period_start, output.period_end))


def _failed_send(
    ctx: DeliveryContext,
    record: DeliveryRecord,
    prior: DeliveryRecord | None,
    defn: ReportDefinition,
    output: ReportOutput,
    exc: MailDeliveryError,
) -> DeliveryOutcome:
    """``retrying`` with the time of the next attempt, or ``failed`` (permanent, or the window ran out)."""
    period = (output.period_start, output.period_end)
    retrying = prior is not None and prior.status == "retrying" and prior.failing_since is not None
    since = prior.failing_since if retrying else ctx.now
    window = timedelta(hours=ctx.settings.delivery_retry_hours)
    retry_at = next_attempt(since, ctx.now, window) if exc.transient else None
    if retry_at is not None:
        pending = replace(record, status="retrying", error=str(exc), failing_since=since, next_attempt_at=retry_at, updated_at=ctx.now)
        _write(ctx.engine, pending)
        ctx.log(f"{record.due_key}: {exc}; next attempt at {iso_utc(retry_at)} (retrying until {iso_utc(since + window)})")
        return DeliveryOutcome("retrying", pending, period=period)
    failed = replace(
        record,
        status="failed",
        error=str(exc),
        failing_since=since if exc.transient else None,
        next_attempt_at=None,
        updated_at=ctx.now,
    )
    _write(ctx.engine, failed)
    ctx.log(f"{record.due_key} failed: {exc}")
    if prior is None or prior.status != "failed" or prior.error != failed.error:
        if exc.transient:
            headline = f"The report email could not be sent: the mail server kept failing since {iso_utc(since)}."
        else:
            headline = "The report email could not be sent, and retrying would not help: the error is permanent."
        resend = f"engagement report resend {record.report_id} --due {iso_utc(record.due_at)}"
        details = {**_details(defn, output, failed), "Error": str(exc), "To send it again": resend}
        _alert(ctx, f"Report delivery failed: {defn.name}", headline, details)
    return DeliveryOutcome("failed", failed, period=period)
