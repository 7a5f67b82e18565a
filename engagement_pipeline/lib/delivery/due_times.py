"""Delivery schedule maths: when a report is due, as UTC instants.

An ``every`` schedule fires at ``at`` local time on ``starting`` and every N days, weeks or
months after it, up to and including the local date ``until``. Local time of day is kept across
DST changes: a time that does not exist (spring-forward gap) fires at the first valid instant
after the gap, and a time that happens twice (autumn fall-back) fires at its first occurrence.
Month steps are taken from the anchor (``starting + k*N months``) so that a schedule on the 31st
fires on the last day of shorter months and returns to the 31st afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import takewhile
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from engagement_pipeline.lib.reports.periods import utc_partitions
from engagement_pipeline.lib.reports.spec import ReportDefinition, Schedule


def _require_aware(**instants: datetime | None) -> None:
    for name, value in instants.items():
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{name}={value} has no time zone; expected a timezone-aware datetime")


def _local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    naive = datetime.combine(day, at)
    due = naive.replace(tzinfo=zone).astimezone(UTC)
    if due.astimezone(zone).replace(tzinfo=None) == naive:
        return due
    # Wall time in a DST gap: fold=0 lands after the jump, fold=1 before it; the jump is the answer.
    low = int(naive.replace(tzinfo=zone, fold=1).timestamp())
    high = int(due.timestamp())
    after_jump = due.astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == after_jump:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _local_date(schedule: Schedule, k: int) -> date:
    assert schedule.starting is not None
    if schedule.unit == "months":
        return schedule.starting + relativedelta(months=k * schedule.n)
    days = schedule.n * (7 if schedule.unit == "weeks" else 1)
    return schedule.starting + timedelta(days=k * days)


def _first_index(schedule: Schedule, zone: ZoneInfo, after: datetime | None) -> int:
    """An index at or before the first occurrence after ``after`` (skips the far past quickly)."""
    assert schedule.starting is not None
    if after is None:
        return 0
    local = after.astimezone(zone).date()
    if schedule.unit == "months":
        months = (local.year - schedule.starting.year) * 12 + local.month - schedule.starting.month
        return max(0, months // schedule.n - 1)
    step = schedule.n * (7 if schedule.unit == "weeks" else 1)
    return max(0, (local - schedule.starting).days // step - 1)


def _dues(schedule: Schedule, tz: str, after: datetime | None) -> Iterator[datetime]:
    """Due instants in order, from near ``after`` up to ``until``; endless without ``until``."""
    assert schedule.at is not None
    zone = ZoneInfo(tz)
    k = _first_index(schedule, zone, after)
    while True:
        day = _local_date(schedule, k)
        if schedule.until is not None and day > schedule.until:
            return
        due = _local_to_utc(day, schedule.at, zone)
        if after is None or due > after:
            yield due
        k += 1


def occurrences(schedule: Schedule, tz: str, *, after: datetime | None, until_now: datetime) -> list[datetime]:
    """Due instants (UTC) of an ``every`` schedule with ``after < due <= until_now``; [] for ``immediately``."""
    _require_aware(after=after, until_now=until_now)
    if schedule.is_immediate:
        return []
    return list(takewhile(lambda due: due <= until_now, _dues(schedule, tz, after)))


def next_occurrence(schedule: Schedule, tz: str, after: datetime) -> datetime | None:
    """The first due instant strictly after ``after``, or None (``immediately``, or past ``until``)."""
    _require_aware(after=after)
    if schedule.is_immediate:
        return None
    return next(_dues(schedule, tz, after), None)


def due_deliveries(defn: ReportDefinition, *, now: datetime, last_due: datetime | None) -> list[datetime]:
    """What a sensor should deliver at ``now``: the latest occurrence in (``last_due``, ``now``], or [].

    After downtime only the latest missed occurrence is returned, never a burst of catch-up
    reports. With ``last_due=None`` (a report never delivered) that is the latest occurrence
    since ``starting``. ``send: immediately`` is not handled here: see ``immediate_due_key``.
    """
    due = occurrences(defn.schedule, defn.timezone, after=last_due, until_now=now)
    return due[-1:]


def _lookback(schedule: Schedule) -> timedelta:
    """Longer than any gap between two occurrences (a month is at most 31 days, plus DST)."""
    days = {"months": 31, "weeks": 7}.get(schedule.unit or "", 1)
    return timedelta(days=days * schedule.n + 2)


def latest_due(defn: ReportDefinition, at: datetime) -> datetime | None:
    """The latest occurrence at or before ``at``; None before the first one and for ``immediately``."""
    _require_aware(at=at)
    if defn.schedule.is_immediate:
        return None
    recent = due_deliveries(defn, now=at, last_due=at - _lookback(defn.schedule))
    dues = recent or due_deliveries(defn, now=at, last_due=None)  # before `starting`, or after `until`
    return dues[-1] if dues else None


@dataclass(frozen=True)
class Due:
    """One delivery of a report: its due time (UTC) and its key in the delivery log and in run keys."""

    at: datetime
    key: str


def delivery_due(defn: ReportDefinition, at: datetime) -> Due:
    """The delivery of ``defn`` that is due at ``at``: the one key scheme of every path.

    The schedule sensor, `engagement demo`, `engagement report resend` and a run launched
    without a due time all name a delivery through this, so a due period is sent once whichever
    of them gets there first. ``send: immediately``: the current version of the definition,
    due at ``at``. ``every``: the latest occurrence at or before ``at``, or ``at`` itself before
    the first occurrence.
    """
    _require_aware(at=at)
    if defn.schedule.is_immediate:
        return Due(at.astimezone(UTC), immediate_due_key(defn))
    due = latest_due(defn, at) or at.astimezone(UTC)
    return Due(due, due_key(defn.report_id, due))


def due_key(report_id: str, due: datetime) -> str:
    """The run key of one delivery, e.g. ``weekly_promo:2026-11-23T07:00:00Z``."""
    _require_aware(due=due)
    return f"{report_id}:{due.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def immediate_due_key(defn: ReportDefinition) -> str:
    """Run key of a ``send: immediately`` report: one delivery per version of the definition file."""
    return f"{defn.report_id}:immediately@{defn.content_hash[:12]}"


def last_required_day(period_end: date, due_at: datetime, tz: str) -> date:
    due_day = due_at.astimezone(ZoneInfo(tz)).date()
    return min(period_end, due_day - timedelta(days=1))


def checked_days(period_start: date, period_end: date, due_at: datetime, tz: str) -> list[date]:
    """The UTC days (partitions) the report reads: every UTC day that the period's local days, up to
    its last required day, overlap (a local day outside UTC touches two UTC days)."""
    last = last_required_day(period_end, due_at, tz)
    return utc_partitions(period_start, last, tz) if last >= period_start else []
