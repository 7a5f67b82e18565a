from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engagement_pipeline.lib.reports.periods import (
    Period,
    Slice,
    local_day_bounds_utc,
    period_bounds_utc,
    resolve_time_frame,
    split_periods,
    utc_partitions,
    utc_slices,
)
from engagement_pipeline.lib.reports.spec import Interval, ReportDefinition, parse_definition

D = date.fromisoformat


def _p(start: str, end: str) -> Period:
    return Period(D(start), D(end))


SPLITS = {
    "daily": (
        "2026-01-30",
        "2026-02-01",
        {"kind": "daily"},
        [("2026-01-30", "2026-01-30"), ("2026-01-31", "2026-01-31"), ("2026-02-01", "2026-02-01")],
    ),
    "3-days": (
        "2026-01-01",
        "2026-01-08",
        {"kind": "days", "n": 3},
        [("2026-01-01", "2026-01-03"), ("2026-01-04", "2026-01-06"), ("2026-01-07", "2026-01-08")],
    ),
    "weeks-partial": (
        "2026-01-07",
        "2026-01-20",
        {"kind": "weeks", "n": 1},
        [("2026-01-07", "2026-01-11"), ("2026-01-12", "2026-01-18"), ("2026-01-19", "2026-01-20")],
    ),
    "weeks-aligned": ("2026-01-05", "2026-01-18", {"kind": "weeks", "n": 1}, [("2026-01-05", "2026-01-11"), ("2026-01-12", "2026-01-18")]),
    "2-weeks": ("2026-01-07", "2026-02-01", {"kind": "weeks", "n": 2}, [("2026-01-07", "2026-01-18"), ("2026-01-19", "2026-02-01")]),
    "weeks-over-new-year": (
        "2026-12-28",
        "2027-01-10",
        {"kind": "weeks", "n": 1},
        [("2026-12-28", "2027-01-03"), ("2027-01-04", "2027-01-10")],
    ),
    "monthly": (
        "2026-01-15",
        "2026-03-10",
        {"kind": "monthly"},
        [("2026-01-15", "2026-01-31"), ("2026-02-01", "2026-02-28"), ("2026-03-01", "2026-03-10")],
    ),
    "leap-february": ("2028-02-01", "2028-02-29", {"kind": "monthly"}, [("2028-02-01", "2028-02-29")]),
    "quarterly": (
        "2026-02-10",
        "2026-10-05",
        {"kind": "quarterly"},
        [("2026-02-10", "2026-03-31"), ("2026-04-01", "2026-06-30"), ("2026-07-01", "2026-09-30"), ("2026-10-01", "2026-10-05")],
    ),
    "quarter-over-new-year": (
        "2026-12-01",
        "2027-01-31",
        {"kind": "quarterly"},
        [("2026-12-01", "2026-12-31"), ("2027-01-01", "2027-01-31")],
    ),
    "total": ("2026-01-15", "2026-11-03", {"kind": "total"}, [("2026-01-15", "2026-11-03")]),
    "one-day": ("2026-05-05", "2026-05-05", {"kind": "weeks", "n": 4}, [("2026-05-05", "2026-05-05")]),
}


@pytest.mark.parametrize(("start", "end", "interval", "expected"), SPLITS.values(), ids=SPLITS.keys())
def test_split_periods(start: str, end: str, interval: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert split_periods(D(start), D(end), Interval.model_validate(interval)) == [_p(a, b) for a, b in expected]


@pytest.mark.parametrize(
    "interval",
    [{"kind": "daily"}, {"kind": "days", "n": 7}, {"kind": "weeks", "n": 3}, {"kind": "monthly"}, {"kind": "quarterly"}],
)
def test_periods_cover_the_frame_without_gaps_or_overlaps(interval: dict[str, object]) -> None:
    periods = split_periods(D("2025-11-19"), D("2027-02-03"), Interval.model_validate(interval))
    assert periods[0].start == D("2025-11-19") and periods[-1].end == D("2027-02-03")
    assert all(later.start == earlier.end + timedelta(days=1) for earlier, later in zip(periods, periods[1:]))


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before start"):
        split_periods(D("2026-02-01"), D("2026-01-01"), Interval(kind="daily"))


def _definition(tmp_path: Path, time_frame: str) -> ReportDefinition:
    text = f"name: R\nmessages: {{tags: {{values: [promo]}}}}\nrecipients: [a@example.com]\n{time_frame}"
    return parse_definition(text.encode(), tmp_path / "r.yaml")


@pytest.mark.parametrize(
    ("time_frame", "first_event", "expected"),
    [
        ("time_frame: {start: 2026-01-01, end: 2026-01-31}", None, ("2026-01-01", "2026-01-31")),
        ("time_frame: {last_days: 7}", None, ("2026-03-04", "2026-03-10")),
        ("time_frame: {last_days: 1}", None, ("2026-03-10", "2026-03-10")),
        ("", D("2026-01-05"), ("2026-01-05", "2026-03-10")),
        ("", None, ("2026-03-10", "2026-03-10")),
        ("", D("2026-04-01"), ("2026-03-10", "2026-03-10")),
    ],
    ids=["custom", "last-7-days", "last-1-day", "default-from-first-event", "default-no-events", "first-event-in-future"],
)
def test_resolve_time_frame(tmp_path: Path, time_frame: str, first_event: date | None, expected: tuple[str, str]) -> None:
    defn = _definition(tmp_path, time_frame)
    assert resolve_time_frame(defn, today=D("2026-03-10"), first_event_date=first_event) == (D(expected[0]), D(expected[1]))


@pytest.mark.parametrize(
    ("day", "tz", "start", "hours"),
    [
        ("2026-01-10", "Asia/Tokyo", datetime(2026, 1, 9, 15, tzinfo=UTC), 24),
        ("2026-01-10", "UTC", datetime(2026, 1, 10, tzinfo=UTC), 24),
        ("2026-03-29", "Europe/Paris", datetime(2026, 3, 28, 23, tzinfo=UTC), 23),
        ("2026-10-25", "Europe/Paris", datetime(2026, 10, 24, 22, tzinfo=UTC), 25),
        ("2026-03-08", "America/New_York", datetime(2026, 3, 8, 5, tzinfo=UTC), 23),
    ],
)
def test_local_day_bounds_utc(day: str, tz: str, start: datetime, hours: int) -> None:
    assert local_day_bounds_utc(D(day), tz) == (start, start + timedelta(hours=hours))


def test_period_bounds_span_the_local_days() -> None:
    bounds = period_bounds_utc(_p("2026-01-01", "2026-01-31"), "Asia/Tokyo")
    assert bounds == (datetime(2025, 12, 31, 15, tzinfo=UTC), datetime(2026, 1, 31, 15, tzinfo=UTC))


@pytest.mark.parametrize(
    ("tz", "day", "pieces"),
    [
        ("UTC", date(2026, 11, 1), [(date(2026, 11, 1), 0, 96)]),
        ("Asia/Tokyo", date(2026, 11, 2), [(date(2026, 11, 1), 60, 96), (date(2026, 11, 2), 0, 60)]),
        ("Asia/Kolkata", date(2026, 11, 2), [(date(2026, 11, 1), 74, 96), (date(2026, 11, 2), 0, 74)]),
        ("Asia/Kathmandu", date(2026, 11, 2), [(date(2026, 11, 1), 73, 96), (date(2026, 11, 2), 0, 73)]),
        ("America/St_Johns", date(2026, 11, 2), [(date(2026, 11, 2), 14, 96), (date(2026, 11, 3), 0, 14)]),
        # Adelaide: +10:30 until 2026-04-05 03:00 local, then +09:30 (a 25-hour day)
        ("Australia/Adelaide", date(2026, 4, 5), [(date(2026, 4, 4), 54, 96), (date(2026, 4, 5), 0, 58)]),
        # New York: 23 hours on 2026-03-08, 25 hours on 2026-11-01
        ("America/New_York", date(2026, 3, 8), [(date(2026, 3, 8), 20, 96), (date(2026, 3, 9), 0, 16)]),
        ("America/New_York", date(2026, 11, 1), [(date(2026, 11, 1), 16, 96), (date(2026, 11, 2), 0, 20)]),
    ],
)
def test_a_local_day_is_cut_into_utc_quarter_hours(tz, day, pieces):
    slices = utc_slices([Period(day, day)], tz)
    assert [(s.utc_date, s.first_quarter, s.end_quarter) for s in slices] == pieces
    quarters = sum(hi - lo for _, lo, hi in pieces)
    hours = (local_day_bounds_utc(day, tz)[1] - local_day_bounds_utc(day, tz)[0]).total_seconds() / 3600
    assert quarters == hours * 4


def test_slice_masks_hold_exactly_its_quarter_hours():
    piece = Slice(date(2026, 11, 1), date(2026, 11, 2), 46, 50)
    assert piece.am_mask == (1 << 46) | (1 << 47)
    assert piece.pm_mask == 0b11
    whole = Slice(date(2026, 11, 1), date(2026, 11, 1), 0, 96)
    assert whole.am_mask == whole.pm_mask == (1 << 48) - 1


def test_a_zone_whose_midnight_is_not_on_a_quarter_hour_is_refused():
    with pytest.raises(ValueError, match="Africa/Monrovia.*not on a quarter-hour"):
        utc_slices([Period(date(1970, 6, 1), date(1970, 6, 1))], "Africa/Monrovia")


def test_utc_partitions_of_local_days():
    assert utc_partitions(date(2026, 11, 2), date(2026, 11, 3), "Asia/Tokyo") == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    assert utc_partitions(date(2026, 11, 2), date(2026, 11, 2), "UTC") == [date(2026, 11, 2)]
    assert utc_partitions(date(2026, 11, 2), date(2026, 11, 2), "America/Los_Angeles") == [date(2026, 11, 2), date(2026, 11, 3)]
