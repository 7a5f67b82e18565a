"""The delivery gate: which report days have a failed data-quality check that makes reports wrong.

It reads the Dagster instance, never the warehouse: for each gating check (every grain check
and every suite check with an `error` expectation) and each day, the latest evaluation of the
check that covered that day; a day is held when it failed with ERROR severity. An execution
that produced no evaluation (skipped behind a failed blocking check, still running, crashed)
is passed over for the one before it. A range run records one evaluation per day; runs of
earlier versions recorded one for all its days, whose `error_partitions` metadata names the days
that failed. An unpartitioned check (landing
zone freshness) holds every day from its `holds_from_day` metadata on, or every day when it
has none. A day whose checks never ran is not held.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

import dagster as dg
from dagster._core.event_api import PartitionKeyFilter

from engagement_pipeline.lib.models.sql_models import discover_models
from engagement_pipeline.lib.quality.suite import load_suites

HISTORY_LIMIT = 20


@dataclass(frozen=True, order=True)
class FailedCheck:
    asset: str
    check: str
    partition: str | None
    description: str


@dataclass(frozen=True)
class GatingCheck:
    key: dg.AssetCheckKey
    partitioned: bool


@cache
def gating_checks() -> tuple[GatingCheck, ...]:
    """Every check of the project whose failure makes reports wrong."""
    models = discover_models()
    found = [
        GatingCheck(dg.AssetCheckKey(dg.AssetKey(m.name), f"{m.name}_grain_is_unique"), m.is_partitioned)
        for m in models.values()
        if m.checks_grain
    ]
    for suite in load_suites():
        partitioned = suite.asset in models and models[suite.asset].is_partitioned
        found.extend(GatingCheck(dg.AssetCheckKey(dg.AssetKey(suite.asset), c.name), partitioned) for c in suite.checks if c.gates_reports)
    return tuple(found)


class _Runs:
    """Check evaluations and status of the runs the latest executions point to (read once each)."""

    def __init__(self, instance: dg.DagsterInstance):
        self.instance = instance
        self._evaluations: dict[str, dict[tuple[dg.AssetCheckKey, str | None], dg.AssetCheckEvaluation]] = {}

    def evaluation(self, run_id: str, key: dg.AssetCheckKey, partition: str | None) -> dg.AssetCheckEvaluation | None:
        if run_id not in self._evaluations:
            entries = self.instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
            found = {}
            for entry in entries:
                ev = entry.dagster_event.event_specific_data
                found[(ev.asset_check_key, ev.partition)] = ev
            self._evaluations[run_id] = found
        return self._evaluations[run_id].get((key, partition))


def _metadata_list(evaluation: dg.AssetCheckEvaluation, name: str) -> list[str] | None:
    value = evaluation.metadata.get(name)
    return list(value.value) if value is not None else None


def _evaluation_in(runs: _Runs, run_id: str, key: dg.AssetCheckKey, partition: str | None):
    """(evaluation, from a range run) of `key` for `partition` in one run, or (None, False)."""
    evaluation = runs.evaluation(run_id, key, partition)
    if evaluation is None and partition is not None:
        ranged = runs.evaluation(run_id, key, None)
        return (ranged, True) if ranged is not None else (None, False)
    return evaluation, False


def _latest_evaluation(storage, runs: _Runs, key: dg.AssetCheckKey, partition: str | None, latest_run: str):
    """(evaluation, run id, from a range run) of the newest run that evaluated this check for this day."""
    evaluation, ranged = _evaluation_in(runs, latest_run, key, partition)
    if evaluation is not None:
        return evaluation, latest_run, ranged
    history = storage.get_asset_check_execution_history(key, limit=HISTORY_LIMIT, partition_filter=PartitionKeyFilter(key=partition))
    for run_id in dict.fromkeys(record.run_id for record in history if record.run_id != latest_run):
        evaluation, ranged = _evaluation_in(runs, run_id, key, partition)
        if evaluation is not None:
            return evaluation, run_id, ranged
    return None, None, False


def _judge(info, storage, runs: _Runs, days: list[str]) -> list[FailedCheck]:
    if info.latest_execution_status.value == "SUCCEEDED":
        return []
    key, partition = info.check_key, info.partition_key
    evaluation, run_id, ranged = _latest_evaluation(storage, runs, key, partition, info.latest_planned_run_id)
    if evaluation is None or evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
        return []
    failed = FailedCheck(key.asset_key.to_user_string(), key.name, partition, f"{evaluation.description or 'failed'} (run {run_id})")
    if partition is not None:
        failing = _metadata_list(evaluation, "error_partitions") if ranged else None
        return [] if failing is not None and partition not in failing else [failed]
    held_from = evaluation.metadata.get("holds_from_day")
    if held_from is not None and not any(day >= str(held_from.value) for day in days):
        return []
    return [failed]


def failed_blocking_checks(
    instance: dg.DagsterInstance,
    days: Iterable[date],
    checks: Iterable[GatingCheck] | None = None,
) -> list[FailedCheck]:
    """The gating checks whose latest evaluation failed for any of `days`; empty means deliver."""
    wanted = sorted({day.isoformat() for day in days})
    if not wanted:
        return []
    selected = list(gating_checks() if checks is None else checks)
    storage, runs = instance.event_log_storage, _Runs(instance)
    failed: list[FailedCheck] = []
    partitioned = [c.key for c in selected if c.partitioned]
    if partitioned:
        for info in storage.get_asset_check_partition_info(partitioned, partition_keys=wanted):
            failed.extend(_judge(info, storage, runs, [info.partition_key]))
    unpartitioned = [c.key for c in selected if not c.partitioned]
    if unpartitioned:
        for info in storage.get_asset_check_partition_info(unpartitioned):
            if info.partition_key is None:
                failed.extend(_judge(info, storage, runs, wanted))
    return sorted(failed)
