"""What the report schedule sensor delivers on one tick, from the definitions, its cursor and the time.

The cursor maps each report id to its last requested delivery: the due time (``iso_utc``) of
an ``every`` schedule, or the ``immediate_due_key`` of a ``send: immediately`` definition, so
an edited immediate definition is sent once more and an unchanged one never again. Only the
latest missed occurrence is delivered after downtime. A report whose dynamic partition does
not exist yet is reported in ``missing_partitions`` and left for the next tick: a tick cannot
both add a partition and request a run of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from engagement_pipeline.lib.delivery.tags import iso_utc, parse_utc
from engagement_pipeline.lib.report_spec import ReportDefinition
from engagement_pipeline.lib.schedule import due_deliveries, due_key, immediate_due_key


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
        key = immediate_due_key(defn)
        return None if previous == key else PlannedDelivery(defn.report_id, now, key, "immediately")
    dues = due_deliveries(defn, now=now, last_due=_last_due(previous))
    if not dues:
        return None
    return PlannedDelivery(defn.report_id, dues[-1], due_key(defn.report_id, dues[-1]), "schedule")


def plan_tick(
    definitions: Iterable[ReportDefinition], cursor: dict[str, str], now: datetime, partitions: Iterable[str]
) -> TickPlan:
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
