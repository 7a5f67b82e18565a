"""The body of `report_schedule_sensor`, with the current time as a parameter.

Each tick it reads the definitions folder and the Dagster instance (partitions, run tags,
check evaluations, materializations), never the warehouse: a run may hold the DuckDB write
lock. The one exception is a tick without a cursor, which starts from the delivery log
(``startup.py``). It requests due deliveries, releases held ones whose checks now pass, and
retries deliveries that failed for a transient reason once their next attempt is due.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import dagster as dg

from engagement_pipeline.defs.delivery.holds import waiting_deliveries
from engagement_pipeline.defs.delivery.readiness import hold_reasons
from engagement_pipeline.defs.delivery.retries import retries_due
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.defs.resources import PipelineSettings, Warehouse
from engagement_pipeline.lib.delivery.log import logged_dues
from engagement_pipeline.lib.delivery.planning import dump_cursor, load_cursor, plan_tick, start_cursor
from engagement_pipeline.lib.delivery.startup import WarehouseBusy, read_once
from engagement_pipeline.lib.delivery.tags import DELIVER_JOB, DUE_KEY, request_tags, run_config
from engagement_pipeline.lib.reports.spec import ReportDefinition, load_definitions


def _releases(
    instance: dg.DagsterInstance, definitions: dict[str, ReportDefinition], skip: set[str], log: dg.DagsterLogManager
) -> list[dg.RunRequest]:
    requests = []
    for held in waiting_deliveries(instance, sorted(set(definitions) - skip)):
        tz = definitions[held.report_id].timezone
        reasons = hold_reasons(instance, held.period_start, held.period_end, held.due_at, tz)
        if reasons:
            log.info(f"{held.due_key} still held: {'; '.join(reasons)}")
            continue
        requests.append(
            dg.RunRequest(
                run_key=held.release_key,
                partition_key=held.report_id,
                run_config=run_config(held.due_at),
                tags=request_tags(held.report_id, held.due_at, held.due_key, "release"),
            )
        )
    return requests


def _retries(instance: dg.DagsterInstance, report_ids: Iterable[str], now: datetime) -> list[dg.RunRequest]:
    return [
        dg.RunRequest(
            run_key=retry.run_key,
            partition_key=retry.report_id,
            run_config=run_config(retry.due_at),
            tags=request_tags(retry.report_id, retry.due_at, retry.due_key, "retry"),
        )
        for retry in retries_due(instance, report_ids, now)
    ]


def _cursor(context: dg.SensorEvaluationContext, good: list[ReportDefinition], warehouse: Warehouse) -> dict[str, str]:
    """The sensor's cursor, or without one the due times the delivery log already holds."""
    if context.cursor:
        return load_cursor(context.cursor)
    logged = read_once(warehouse.url, logged_dues, list)

    def requested(key: str) -> bool:
        filters = dg.RunsFilter(job_name=DELIVER_JOB, tags={DUE_KEY: key})
        return bool(context.instance.get_run_ids(filters=filters, limit=1))

    cursor = start_cursor(good, logged, requested)
    context.log.info(f"no cursor yet: starting from {len(logged)} row(s) of the delivery log: {dump_cursor(cursor)}")
    return cursor


def evaluate_report_schedule(
    context: dg.SensorEvaluationContext, settings: PipelineSettings, warehouse: Warehouse, now: datetime
) -> dg.SensorResult:
    """Run requests for due deliveries, released holds and due retries, partitions to add, the new cursor."""
    good, bad = load_definitions(
        settings.report_defs, default_timezone=settings.timezone, allowed_recipient_domains=settings.allowed_domains
    )
    for error in bad:
        context.log.warning(f"not scheduled: {error}")
    try:
        cursor = _cursor(context, good, warehouse)
    except WarehouseBusy as exc:
        return dg.SensorResult(skip_reason=f"no cursor yet and {exc}")
    existing = context.instance.get_dynamic_partitions(report_partitions.name)
    plan = plan_tick(good, cursor, now, existing)
    requests = [
        dg.RunRequest(
            run_key=item.due_key,
            partition_key=item.report_id,
            run_config=run_config(item.due_at),
            tags=request_tags(item.report_id, item.due_at, item.due_key, item.trigger),
        )
        for item in plan.deliveries
    ]
    by_id = {d.report_id: d for d in good if d.report_id in set(existing)}
    requests += _releases(context.instance, by_id, {item.report_id for item in plan.deliveries}, context.log)
    requests += _retries(context.instance, by_id, now)
    additions = [report_partitions.build_add_request(plan.missing_partitions)] if plan.missing_partitions else []
    skip = None if requests else f"nothing due at {now:%Y-%m-%d %H:%M} UTC for {len(good)} report definition(s)"
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=additions, cursor=dump_cursor(plan.cursor), skip_reason=skip)
