"""`engagement report resend`: deliver one report for one due time again, in-process, at most once.

A due time already marked ``sent`` in the delivery log is refused. Otherwise
`deliver_report_job` runs in this process against the project's instance (the run shows in
the UI, tagged ``delivery/trigger = resend``) and the log tells how it ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import sqlalchemy as sa

from engagement_pipeline.lib.delivery.log import DeliveryRecord, find_by_due, read_delivery
from engagement_pipeline.lib.delivery.tags import DELIVER_JOB, iso_utc, request_tags, run_config
from engagement_pipeline.lib.report_spec import check_report_id
from engagement_pipeline.lib.reports.partitions import report_partitions
from engagement_pipeline.lib.runner import execute_job, failure_message
from engagement_pipeline.lib.schedule import due_key


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


def _key(engine: sa.Engine, report_id: str, due: datetime) -> str:
    with engine.connect() as conn:
        known = find_by_due(conn, report_id, due)
        key = known.due_key if known is not None else due_key(report_id, due)
        prior = read_delivery(conn, key)
    if prior is not None and prior.status == "sent":
        raise AlreadySent(
            f"{report_id} due {iso_utc(due)} was already sent to {', '.join(prior.recipients)} "
            f"(message {prior.message_id}, run {prior.run_id}); not sending it again"
        )
    return key


def resend(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    engine: sa.Engine,
    report_id: str,
    due: datetime,
    trigger: str = "resend",
) -> ResendOutcome:
    """Run `deliver_report_job` for ``report_id`` due at ``due``; raises ``AlreadySent`` when it was sent
    and ``ReportDefinitionError`` for an id that is not a plain file stem."""
    check_report_id(report_id)
    key = _key(engine, report_id, due)
    if not instance.has_dynamic_partition(report_partitions.name, report_id):
        instance.add_dynamic_partitions(report_partitions.name, [report_id])
    result = execute_job(
        defs,
        DELIVER_JOB,
        inst=instance,
        partition_key=report_id,
        run_config=run_config(due),
        tags=request_tags(report_id, due, key, trigger),
    )
    with engine.connect() as conn:
        record = read_delivery(conn, key)
    return ResendOutcome(key, result.run_id, result.success, record, failure_message(result))
