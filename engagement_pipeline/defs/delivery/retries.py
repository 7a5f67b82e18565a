"""The schedule sensor's side of automatic report-email retries: which due keys have a retry due now
(the policy, when the next attempt comes, is lib/delivery/retry_policy.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import dagster as dg

from engagement_pipeline.lib.delivery.tags import DELIVER_JOB, DUE_AT, DUE_KEY, NEXT_ATTEMPT, REPORT_ID, STATUS, parse_utc

RECENT_RUNS = 200


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
