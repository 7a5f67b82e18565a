"""What the report schedule sensor delivers on one tick, from the definitions, its cursor and the time.

The cursor maps each report id to its last requested delivery: the due time (``iso_utc``) of
an ``every`` schedule, or the ``immediate_due_key`` of a ``send: immediately`` definition, so
an edited immediate definition is sent once more and an unchanged one never again. Only the
latest missed occurrence is delivered after downtime. A report whose dynamic partition does
not exist yet is reported in ``missing_partitions`` and left for the next tick: a tick cannot
both add a partition and request a run of it.

A sensor starting with no cursor (a fresh instance, or `dagster dev` after `engagement demo`)
takes its cursor from the delivery log (``start_cursor``), so a due time that another path
already delivered is not requested again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from engagement_pipeline.lib.delivery.due_times import delivery_due, due_deliveries, immediate_due_key
from engagement_pipeline.lib.delivery.tags import iso_utc, parse_utc
from engagement_pipeline.lib.reports.spec import ReportDefinition

FINAL_STATUSES = ("sent", "failed")


@dataclass(frozen=True)
class PlannedDelivery:
    report_id: str
    due_at: datetime
    due_key: str
    trigger: str


@dataclass
class TickPlan:
    deliveries: list[PlannedDelivery] = field(default_factory=list)
    cursor: dict[str, str] = field(default_factory=dict)
    missing_partitions: list[str] = field(default_factory=list)


def load_cursor(text: str | None) -> dict[str, str]:
    """The sensor cursor as a dict; an unreadable cursor starts afresh (run keys still dedupe)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def dump_cursor(cursor: dict[str, str]) -> str:
    return json.dumps(cursor, sort_keys=True)


def _last_due(value: str | None) -> datetime | None:
    if value is None or "immediately@" in value:
        return None
    try:
        return parse_utc(value)
    except ValueError:
        return None


def _next(defn: ReportDefinition, previous: str | None, now: datetime) -> PlannedDelivery | None:
    if defn.schedule.is_immediate:
        due = delivery_due(defn, now)
        return None if previous == due.key else PlannedDelivery(defn.report_id, due.at, due.key, "immediately")
    dues = due_deliveries(defn, now=now, last_due=_last_due(previous))
    if not dues:
        return None
    due = delivery_due(defn, dues[-1])
    return PlannedDelivery(defn.report_id, due.at, due.key, "schedule")


def start_cursor(
    definitions: Iterable[ReportDefinition],
    logged: Iterable[tuple[str, str, datetime | None, str]],
    requested: Callable[[str], bool],
) -> dict[str, str]:
    """The cursor of a sensor that starts with none, from the delivery log's (report id, due key,
    due time, status) rows.

    A row counts when it is final (``sent``, ``failed``) or when ``requested(due_key)`` says the
    instance has a run of it (a ``held`` or ``retrying`` row is then released or retried from
    that run); otherwise, on an instance that never saw it, the due time is requested again.
    The cursor of an ``every`` report is its latest counted due time; that of a ``send:
    immediately`` report is the current version's key when that version was delivered.
    """
    rows: dict[str, list[tuple[str, datetime | None]]] = defaultdict(list)
    for report_id, key, due_at, status in logged:
        if status in FINAL_STATUSES or requested(key):
            rows[report_id].append((key, due_at))
    cursor: dict[str, str] = {}
    for defn in definitions:
        mine = rows.get(defn.report_id, [])
        if defn.schedule.is_immediate:
            if any(key == immediate_due_key(defn) for key, _ in mine):
                cursor[defn.report_id] = immediate_due_key(defn)
            continue
        dues = [due_at for key, due_at in mine if due_at is not None and "immediately@" not in key]
        if dues:
            cursor[defn.report_id] = iso_utc(max(dues))
    return cursor


def plan_tick(definitions: Iterable[ReportDefinition], cursor: dict[str, str], now: datetime, partitions: Iterable[str]) -> TickPlan:
    """The deliveries due at ``now`` and the cursor after requesting them."""
    existing = set(partitions)
    plan = TickPlan(cursor=dict(cursor))
    for defn in definitions:
        planned = _next(defn, cursor.get(defn.report_id), now)
        if planned is None:
            continue
        if defn.report_id not in existing:
            plan.missing_partitions.append(defn.report_id)
            continue
        plan.deliveries.append(planned)
        marker = planned.due_key if planned.trigger == "immediately" else iso_utc(planned.due_at)
        plan.cursor[defn.report_id] = marker
    return plan
