"""Held deliveries waiting for their checks, read from run tags of the Dagster instance.

A report's delivery is waiting when its newest `deliver_report_job` run finished with
``delivery/status = held``. Only that newest delivery is released: an older held due time
that a later one superseded is not sent late. Each release gets a new run key,
``<due_key>:release-<n>``, where n counts the runs of that due time that were held so far.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import dagster as dg

from engagement_pipeline.lib.delivery.tags import (
    DELIVER_JOB,
    DUE_AT,
    DUE_KEY,
    PERIOD_END,
    PERIOD_START,
    REPORT_ID,
    STATUS,
    parse_utc,
)


@dataclass(frozen=True)
class HeldDelivery:
    report_id: str
    due_key: str
    due_at: datetime
    period_start: date
    period_end: date
    holds: int

    @property
    def release_key(self) -> str:
        return f"{self.due_key}:release-{self.holds}"


def _held(instance: dg.DagsterInstance, run: dg.DagsterRun) -> HeldDelivery | None:
    tags = run.tags
    needed = (DUE_KEY, DUE_AT, PERIOD_START, PERIOD_END)
    if run.status != dg.DagsterRunStatus.SUCCESS or tags.get(STATUS) != "held" or not all(tags.get(t) for t in needed):
        return None
    filters = dg.RunsFilter(job_name=DELIVER_JOB, tags={DUE_KEY: tags[DUE_KEY], STATUS: "held"})
    return HeldDelivery(
        report_id=tags[REPORT_ID],
        due_key=tags[DUE_KEY],
        due_at=parse_utc(tags[DUE_AT]),
        period_start=date.fromisoformat(tags[PERIOD_START]),
        period_end=date.fromisoformat(tags[PERIOD_END]),
        holds=len(instance.get_run_ids(filters=filters)),
    )


def waiting_deliveries(instance: dg.DagsterInstance, report_ids: Iterable[str]) -> list[HeldDelivery]:
    """The held delivery of each report whose newest delivery run was held."""
    waiting = []
    for report_id in report_ids:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=DELIVER_JOB, tags={REPORT_ID: report_id}), limit=1)
        held = _held(instance, runs[0]) if runs else None
        if held is not None:
            waiting.append(held)
    return waiting
