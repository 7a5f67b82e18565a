"""The late-data sensor: which days to rebuild after an ingestion: the ``days_touched`` of new `raw_currents_events` runs.

Days are grouped into runs of consecutive days, one `build_models_job` run each, so a late
file for one day two months ago rebuilds that day and not the two months in between. Days
outside the daily partitions (before their start, or after today) are returned apart.

A day whose rollups a run started after the ingestion has rebuilt already is not rebuilt
again (``rebuilt_days``): a sensor starting without a cursor reads every ingestion since the
beginning, and after `engagement demo` every one of those days was built by the demo itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from engagement_pipeline.defs.models.jobs import READY_ASSET, build_models_job
from engagement_pipeline.defs.partitions import PARTITIONS_START

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def parse_days(value: object) -> set[date]:
    """ISO dates from ``days_touched`` metadata (a JSON list, or its text); others are ignored."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return set()
    days: set[date] = set()
    for item in value if isinstance(value, list) else []:
        try:
            days.add(date.fromisoformat(str(item)))
        except ValueError:
            continue
    return days


def day_ranges(days: Iterable[date], first: date, last: date) -> tuple[list[tuple[date, date]], list[date]]:
    """Consecutive runs of ``days`` within ``first..last`` and the days outside it."""
    inside = sorted(d for d in set(days) if first <= d <= last)
    outside = sorted(d for d in set(days) if not first <= d <= last)
    ranges: list[tuple[date, date]] = []
    for day in inside:
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges, outside


def range_tags(start: date, end: date) -> dict[str, str]:
    return {RANGE_START: start.isoformat(), RANGE_END: end.isoformat()}


def _started_at(instance: dg.DagsterInstance, run_id: str) -> float | None:
    record = instance.get_run_record_by_id(run_id)
    return record.start_time if record is not None else None


def rebuilt_days(instance: dg.DagsterInstance, days: set[date], ingestion: dg.EventLogRecord) -> set[date]:
    """The ``days`` whose rollups (``READY_ASSET``) were materialized by a run started after ``ingestion``.

    A run that started earlier may have read the raw table before the ingestion committed, so
    it does not count. When in doubt a day counts as not rebuilt: rebuilding it is harmless."""
    if not days:
        return set()
    partitions = sorted(d.isoformat() for d in days)
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=READY_ASSET, asset_partitions=partitions, after_storage_id=ingestion.storage_id),
        limit=10 * len(days) + 100,
    ).records
    starts: dict[str, float | None] = {}
    rebuilt = set()
    for record in records:
        if record.run_id not in starts:
            starts[record.run_id] = _started_at(instance, record.run_id)
        start = starts[record.run_id]
        if record.partition_key and start is not None and start > ingestion.timestamp:
            rebuilt.add(date.fromisoformat(record.partition_key))
    return rebuilt


RAW_EVENTS = dg.AssetKey("raw_currents_events")


@dg.sensor(
    job=build_models_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Rebuilds the rollups of the days each new raw_currents_events materialization touched "
        "(its days_touched metadata, late files included): one build_models_job run per stretch "
        "of consecutive days. Days a run started after that ingestion has rebuilt already are skipped."
    ),
)
def late_data_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    after = int(context.cursor) if context.cursor else None
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=RAW_EVENTS, after_storage_id=after), limit=100, ascending=True
    ).records
    if not records:
        return dg.SkipReason("no new raw_currents_events materialization")
    days: set[date] = set()
    for record in records:
        touched = record.asset_materialization.metadata.get("days_touched") if record.asset_materialization else None
        touched_days = parse_days(touched.value if touched is not None else None)
        days |= touched_days - rebuilt_days(context.instance, touched_days, record)
    last = records[-1].storage_id
    ranges, outside = day_ranges(days, date.fromisoformat(PARTITIONS_START), datetime.now(UTC).date())
    if outside:
        context.log.warning(f"not rebuilding days outside the daily partitions: {', '.join(map(str, outside))}")
    requests = [dg.RunRequest(run_key=f"days:{start}..{end}@{last}", tags=range_tags(start, end)) for start, end in ranges]
    skip = None if requests else "nothing to rebuild: the days these ingestions touched were rebuilt after them already"
    return dg.SensorResult(run_requests=requests, cursor=str(last), skip_reason=skip)
