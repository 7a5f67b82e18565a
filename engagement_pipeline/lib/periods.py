"""Report periods: the time frame a report covers and the rows it is cut into.

All dates are local dates in the report's time zone; ``local_day_bounds_utc`` converts a local
day into the UTC instants to select events with (a local day lasts 23 or 25 hours on DST days).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from engagement_pipeline.lib.report_spec import Interval, ReportDefinition


@dataclass(frozen=True)
class Period:
    """Local dates ``start``..``end``, both inclusive."""

    start: date
    end: date


def resolve_time_frame(defn: ReportDefinition, *, today: date, first_event_date: date | None) -> tuple[date, date]:
    """The inclusive local dates a report covers on ``today``.

    A custom range is used as written; ``last_days: N`` is the N days ending today; without a time
    frame the report runs from the selection's first event to today (just today when there is no
    event yet, or when the first event lies after today).
    """
    frame = defn.time_frame
    if frame is not None and frame.start is not None and frame.end is not None:
        return frame.start, frame.end
    if frame is not None and frame.last_days is not None:
        return today - timedelta(days=frame.last_days - 1), today
    start = min(first_event_date, today) if first_event_date else today
    return start, today


def _blocks(start: date, end: date, next_boundary: Callable[[date], date]) -> list[Period]:
    periods: list[Period] = []
    cursor = start
    while cursor <= end:
        boundary = next_boundary(cursor)
        periods.append(Period(cursor, min(boundary - timedelta(days=1), end)))
        cursor = boundary
    return periods


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def split_periods(start: date, end: date, interval: Interval) -> list[Period]:
    """Cut ``start``..``end`` (inclusive) into report periods; first and last may be partial.

    ``days: N`` counts from ``start``. ``weeks: N`` uses N-week blocks that begin on the Monday of
    the week containing ``start``. ``monthly`` and ``quarterly`` follow the calendar.
    """
    if end < start:
        raise ValueError(f"period end {end} is before start {start}; expected end >= start")
    match interval.kind:
        case "total":
            return [Period(start, end)]
        case "daily" | "days":
            step = timedelta(days=interval.n if interval.kind == "days" else 1)
            return _blocks(start, end, lambda d: d + step)
        case "weeks":
            monday = start - timedelta(days=start.weekday())
            block = timedelta(weeks=interval.n)
            return _blocks(start, end, lambda d: monday + block * ((d - monday) // block + 1))
        case "monthly":
            return _blocks(start, end, lambda d: d.replace(day=1) + relativedelta(months=1))
        case "quarterly":
            return _blocks(start, end, lambda d: _quarter_start(d) + relativedelta(months=3))
    raise ValueError(f"unknown interval kind {interval.kind!r}")


def local_day_bounds_utc(d: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants where local day ``d`` starts (inclusive) and the next local day starts (exclusive)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def period_bounds_utc(period: Period, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``period.start`` and the end (exclusive) of ``period.end``."""
    return local_day_bounds_utc(period.start, tz)[0], local_day_bounds_utc(period.end, tz)[1]
