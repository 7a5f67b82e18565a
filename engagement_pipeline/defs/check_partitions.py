"""A partitioned check evaluated over a range of days reports one result per day (partition).

Dagster 1.13 attaches an `AssetCheckResult` to the run's partition only when the run targets a
single partition; in a range run it records one result without a partition, and every planned
partition of the check ends up "skipped" in the UI. `AssetCheckResult` cannot name a partition,
but the `AssetCheckEvaluation` it is turned into can (its `partition` field, added with
partitioned asset checks, dagster-io/dagster#33231), and a check may yield evaluations itself.
So a range run yields one evaluation per day, each pointing at that day's latest
materialization (or the UI treats the result as stale); the step that runs the check then
yields the check's (empty) output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import partial

import dagster as dg

# Not exported by `dagster` 1.13, but the only way to tie a per-partition evaluation to the
# materialization it judged (what AssetCheckResult does internally for one partition).
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluationTargetMaterializationData


def window(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> tuple[date, date]:
    """The run's days as dates: first, and the day after the last (end exclusive)."""
    time_window = context.partition_time_window
    return time_window.start.date(), time_window.end.date()


SEVERITY = {"error": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN}


def failing_days(failures: Iterable[tuple[str, Iterable[str]]], days: Iterable[str]) -> dict[str, str]:
    """Day -> `error` or `warn` for each day a failure names; a failure naming no day fails every day."""
    every = list(days)
    found: dict[str, str] = {}
    for severity, named in failures:
        for day in list(named) or every:
            found[day] = "error" if "error" in (severity, found.get(day)) else "warn"
    return found


def per_partition(
    context: dg.AssetExecutionContext,
    spec: dg.AssetCheckSpec,
    result: dg.AssetCheckResult,
    failing: dict[str, str],
    targets: Callable[[dg.AssetKey, list[str]], dict] | None = None,
) -> Iterator[dg.AssetCheckResult | dg.AssetCheckEvaluation]:
    """`result` as it is for a single-partition or unpartitioned run; in a range run, one evaluation
    per day: failed (with that day's severity) on the days of `failing`, passed on the others.
    `targets` finds each day's latest materialization of the asset (one query per asset and run
    when cached by the caller)."""
    if spec.partitions_def is None or context.has_partition_key or not context.has_partition_key_range:
        yield result
        return
    keys = list(context.partition_keys)
    found = (targets or partial(latest_materializations, context.instance))(spec.asset_key, keys)
    for key in keys:
        severity = failing.get(key)
        yield dg.AssetCheckEvaluation(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=severity is None,
            metadata=_day_metadata(result.metadata, key, severity, f"{keys[0]} .. {keys[-1]}"),
            target_materialization_data=found.get(key),
            severity=SEVERITY[severity] if severity else result.severity,
            description=f"{'FAILED' if severity else 'passed'} on {key}"
            + (f"; the range: {result.description}" if result.description else ""),
            blocking=spec.blocking,
            partition=key,
        )


def _day_metadata(metadata: dict, day: str, severity: str | None, days: str) -> dict:
    """The range's metadata, with the per-day entries (`partitions_checked`, `error_partitions`,
    `warn_partitions`, `failures`) narrowed to `day`: a failure naming no day is this day's too."""
    found = {**metadata, "partition_result": f"{severity or 'passed'} on {day} (checked with {days} in one run)"}
    listed = {name: metadata[name].value for name in ("error_partitions", "warn_partitions") if name in metadata}
    if "partitions_checked" in metadata:
        found["partitions_checked"] = 1
    if "error_partitions" in listed:
        found["error_partitions"] = dg.MetadataValue.json([day] if severity == "error" else [])
    if "warn_partitions" in listed:
        warned = day in listed["warn_partitions"] or severity == "warn"
        found["warn_partitions"] = dg.MetadataValue.json([day] if warned else [])
    if "failures" in metadata:
        mine = [{**f, "day": day} for f in metadata["failures"].value if f.get("day") in (day, "")]
        found["failures"] = dg.MetadataValue.json(mine)
    return found


def latest_materializations(
    instance: dg.DagsterInstance, asset_key: dg.AssetKey, keys: list[str]
) -> dict[str, AssetCheckEvaluationTargetMaterializationData]:
    """Each partition's latest materialization, newest first in pages (not one query per day)."""
    found: dict[str, AssetCheckEvaluationTargetMaterializationData] = {}
    cursor = None
    while len(found) < len(keys):
        page = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=keys), limit=2 * len(keys) + 50, cursor=cursor
        )
        for record in page.records:
            if record.partition_key and record.partition_key not in found:
                found[record.partition_key] = AssetCheckEvaluationTargetMaterializationData(
                    run_id=record.run_id, storage_id=record.storage_id, timestamp=record.timestamp
                )
        if not page.has_more:
            break
        cursor = page.cursor
    return found
