"""`engagement report resend` (and `engagement demo`): deliver one report for one due time, in-process, at most once.

The due time names the delivery as everywhere else (``delivery_due``): a row of the delivery
log due at exactly that time, else the latest occurrence of the report's schedule at or before
it (``send: immediately``: the current version of the definition). A delivery already marked
``sent`` is refused. Otherwise `deliver_report_job` runs in this process against the project's
instance (the run shows in the UI, tagged ``delivery/trigger = resend`` or ``demo``) and the
log tells how it ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import sqlalchemy as sa

from engagement_pipeline.cli.runner import execute_job, failure_message
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.lib.delivery.due_times import Due, delivery_due
from engagement_pipeline.lib.delivery.log import DeliveryRecord, find_by_due, read_delivery
from engagement_pipeline.lib.delivery.tags import DELIVER_JOB, iso_utc, request_tags, run_config
from engagement_pipeline.lib.reports.spec import ReportDefinition, check_report_id


class AlreadySent(RuntimeError):
    """The due time was delivered already; sending it again is refused."""


@dataclass(frozen=True)
class ResendOutcome:
    due_key: str
    run_id: str
    success: bool
    record: DeliveryRecord | None
    error: str | None = None


def parse_due(text: str, tz: str) -> datetime:
    """An ISO time; one without offset is a local time of the report's time zone ``tz``."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--due {text!r} is not a time; expected ISO 8601 such as 2026-11-23T08:00 or 2026-11-23T07:00:00Z") from None
    return moment.replace(tzinfo=ZoneInfo(tz)) if moment.tzinfo is None else moment


def _due(engine: sa.Engine, defn: ReportDefinition, at: datetime) -> Due:
    with engine.connect() as conn:
        known = find_by_due(conn, defn.report_id, at)
        due = Due(known.due_at or at, known.due_key) if known is not None else delivery_due(defn, at)
        prior = read_delivery(conn, due.key)
    if prior is not None and prior.status == "sent":
        raise AlreadySent(
            f"{defn.report_id} due {iso_utc(due.at)} was already sent to {', '.join(prior.recipients)} "
            f"(message {prior.message_id}, run {prior.run_id}); not sending it again"
        )
    return due


def resend(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    engine: sa.Engine,
    defn: ReportDefinition,
    at: datetime,
    trigger: str = "resend",
) -> ResendOutcome:
    """Run `deliver_report_job` for the delivery of ``defn`` due at ``at``; raises ``AlreadySent`` when it was sent
    and ``ReportDefinitionError`` for an id that is not a plain file stem."""
    report_id = defn.report_id
    check_report_id(report_id)
    due = _due(engine, defn, at)
    if not instance.has_dynamic_partition(report_partitions.name, report_id):
        instance.add_dynamic_partitions(report_partitions.name, [report_id])
    result = execute_job(
        defs,
        DELIVER_JOB,
        inst=instance,
        partition_key=report_id,
        run_config=run_config(due.at),
        tags=request_tags(report_id, due.at, due.key, trigger),
    )
    with engine.connect() as conn:
        record = read_delivery(conn, due.key)
    return ResendOutcome(due.key, result.run_id, result.success, record, failure_message(result))
