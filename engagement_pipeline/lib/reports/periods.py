"""Report periods: the time frame a report covers and the rows it is cut into.

All dates are local dates in the report's time zone; ``local_day_bounds_utc`` converts a local
day into the UTC instants to select events with (a local day lasts 23 or 25 hours on DST days).
The warehouse keeps its stats per UTC day and quarter-hour, so ``utc_slices`` cuts each period
into the quarter-hours of the UTC days it covers: every offset in use is a multiple of 15 minutes,
so a local period is an exact union of slices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from engagement_pipeline.lib.reports.spec import Interval, ReportDefinition

QUARTERS_PER_DAY = 96
HALF_DAY = 48
QUARTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Period:
    """Local dates ``start``..``end``, both inclusive."""

    start: date
    end: date


@dataclass(frozen=True)
class Slice:
    """The quarter-hours ``first_quarter`` <= q < ``end_quarter`` of UTC day ``utc_date`` that belong to
    the local period starting ``period_start``; the masks are the same quarter-hours as two 48-bit
    masks (bit q of ``am_mask`` is quarter-hour q, bit q of ``pm_mask`` is q + 48)."""

    utc_date: date
    period_start: date
    first_quarter: int
    end_quarter: int

    @property
    def is_whole_day(self) -> bool:
        return self.first_quarter == 0 and self.end_quarter == QUARTERS_PER_DAY

    @property
    def am_mask(self) -> int:
        return _bits(self.first_quarter, self.end_quarter, 0)

    @property
    def pm_mask(self) -> int:
        return _bits(self.first_quarter, self.end_quarter, HALF_DAY)


def _bits(first: int, end: int, offset: int) -> int:
    low, high = max(first - offset, 0), min(end - offset, HALF_DAY)
    return ((1 << high) - (1 << low)) if high > low else 0


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


def _quarter_of(moment: datetime, tz: str) -> int:
    """Quarter-hours since UTC midnight; refuses an instant that is not on a quarter-hour."""
    since_midnight = moment - datetime.combine(moment.date(), time(0), tzinfo=UTC)
    if since_midnight % QUARTER:
        raise ValueError(
            f"time zone {tz}: local midnight falls at {moment:%Y-%m-%d %H:%M} UTC, not on a quarter-hour;"
            " expected a zone whose offset is a multiple of 15 minutes on the report's dates"
        )
    return since_midnight // QUARTER


def utc_slices(periods: Sequence[Period], tz: str) -> list[Slice]:
    """The UTC days and quarter-hours each local period covers, in order (a local day touches two UTC
    days unless the zone is UTC; a DST change day has 92 or 100 quarter-hours)."""
    slices = []
    for period in periods:
        start, end = period_bounds_utc(period, tz)
        first, last = _quarter_of(start, tz), _quarter_of(end, tz)
        day = start.date()
        while datetime.combine(day, time(0), tzinfo=UTC) < end:
            lo = first if day == start.date() else 0
            hi = last if day == end.date() else QUARTERS_PER_DAY
            slices.append(Slice(day, period.start, lo, hi))
            day += timedelta(days=1)
    return slices


def utc_partitions(start: date, end: date, tz: str) -> list[date]:
    """The UTC days (the pipeline's partitions) that local days ``start``..``end`` overlap."""
    first, last = local_day_bounds_utc(start, tz)[0], local_day_bounds_utc(end, tz)[1]
    return [first.date() + timedelta(days=i) for i in range(((last - timedelta(microseconds=1)).date() - first.date()).days + 1)]
