"""Automatic retries of report emails after a transient SMTP failure, driven by the schedule sensor.

A transient failure (connection refused, timeout, a 4xx answer: see ``lib/mailer.py``) leaves
the delivery ``retrying`` and its run tagged ``delivery/status = retrying`` with
``delivery/next_attempt_at``. The next attempt waits as long as the delivery has been failing,
at least ``FIRST_DELAY`` and at most ``MAX_DELAY`` (1, 2, 4, 8 ... minutes, then hourly); the
last one is made when the retry window (ENGAGEMENT_DELIVERY_RETRY_HOURS after the first failure)
ends, and if it fails too the delivery is ``failed``. On each tick the sensor requests a new run
for every due key whose newest run is a finished ``retrying`` one whose time has come, with run
key ``<due_key>:retry-<n>`` (n = the failed runs of that due key so far). Unlike a hold, a
retrying delivery is retried even when a later due time of the report went out meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import dagster as dg

from engagement_pipeline.lib.delivery.tags import DELIVER_JOB, DUE_AT, DUE_KEY, NEXT_ATTEMPT, REPORT_ID, STATUS, parse_utc

FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
RECENT_RUNS = 200


def next_attempt(failing_since: datetime, now: datetime, window: timedelta) -> datetime | None:
    """When to try again after a transient failure at ``now``; None once the window is over."""
    deadline = failing_since + window
    if now >= deadline:
        return None
    wait = min(max(now - failing_since, FIRST_DELAY), MAX_DELAY)
    return min(now + wait, deadline)


@dataclass(frozen=True)
class PendingRetry:
    report_id: str
    due_key: str
    due_at: datetime
    failed_runs: int

    @property
    def run_key(self) -> str:
        return f"{self.due_key}:retry-{self.failed_runs}"


def _newest_run(instance: dg.DagsterInstance, due_key: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=DELIVER_JOB, tags={DUE_KEY: due_key}), limit=1)
    return runs[0] if runs else None


def _pending(instance: dg.DagsterInstance, run: dg.DagsterRun, now: datetime) -> PendingRetry | None:
    tags = run.tags
    newest = _newest_run(instance, tags[DUE_KEY])
    if newest is None or newest.run_id != run.run_id or not run.is_finished:
        return None
    if parse_utc(tags[NEXT_ATTEMPT]) > now:
        return None
    retrying = dg.RunsFilter(job_name=DELIVER_JOB, tags={DUE_KEY: tags[DUE_KEY], STATUS: "retrying"})
    failed = instance.get_run_ids(filters=retrying)
    return PendingRetry(tags[REPORT_ID], tags[DUE_KEY], parse_utc(tags[DUE_AT]), len(failed))


def retries_due(instance: dg.DagsterInstance, report_ids: Iterable[str], now: datetime) -> list[PendingRetry]:
    """The retrying deliveries of ``report_ids`` whose next attempt is due at ``now``.

    Reads the newest ``RECENT_RUNS`` retrying runs: a delivery still retrying has one at least
    every ``MAX_DELAY``."""
    wanted = set(report_ids)
    if not wanted:
        return []
    runs = instance.get_runs(
        filters=dg.RunsFilter(job_name=DELIVER_JOB, tags={STATUS: "retrying", REPORT_ID: sorted(wanted)}), limit=RECENT_RUNS
    )
    seen: set[str] = set()
    pending = []
    for run in runs:
        key = run.tags.get(DUE_KEY)
        if key is None or key in seen or not all(run.tags.get(t) for t in (DUE_AT, NEXT_ATTEMPT)):
            continue
        seen.add(key)
        retry = _pending(instance, run, now)
        if retry is not None:
            pending.append(retry)
    return pending
