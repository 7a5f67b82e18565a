from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engagement_pipeline.lib.periods import (
    Period,
    local_day_bounds_utc,
    period_bounds_utc,
    resolve_time_frame,
    split_periods,
)
from engagement_pipeline.lib.report_spec import Interval, ReportDefinition, parse_definition

D = date.fromisoformat


def _p(start: str, end: str) -> Period:
    return Period(D(start), D(end))


SPLITS = {
    "daily": ("2026-01-30", "2026-02-01", {"kind": "daily"}, [
        ("2026-01-30", "2026-01-30"), ("2026-01-31", "2026-01-31"), ("2026-02-01", "2026-02-01")]),
    "3-days": ("2026-01-01", "2026-01-08", {"kind": "days", "n": 3}, [
        ("2026-01-01", "2026-01-03"), ("2026-01-04", "2026-01-06"), ("2026-01-07", "2026-01-08")]),
    "weeks-partial": ("2026-01-07", "2026-01-20", {"kind": "weeks", "n": 1}, [
        ("2026-01-07", "2026-01-11"), ("2026-01-12", "2026-01-18"), ("2026-01-19", "2026-01-20")]),
    "weeks-aligned": ("2026-01-05", "2026-01-18", {"kind": "weeks", "n": 1}, [
        ("2026-01-05", "2026-01-11"), ("2026-01-12", "2026-01-18")]),
    "2-weeks": ("2026-01-07", "2026-02-01", {"kind": "weeks", "n": 2}, [
        ("2026-01-07", "2026-01-18"), ("2026-01-19", "2026-02-01")]),
    "weeks-over-new-year": ("2026-12-28", "2027-01-10", {"kind": "weeks", "n": 1}, [
        ("2026-12-28", "2027-01-03"), ("2027-01-04", "2027-01-10")]),
    "monthly": ("2026-01-15", "2026-03-10", {"kind": "monthly"}, [
        ("2026-01-15", "2026-01-31"), ("2026-02-01", "2026-02-28"), ("2026-03-01", "2026-03-10")]),
    "leap-february": ("2028-02-01", "2028-02-29", {"kind": "monthly"}, [("2028-02-01", "2028-02-29")]),
    "quarterly": ("2026-02-10", "2026-10-05", {"kind": "quarterly"}, [
        ("2026-02-10", "2026-03-31"), ("2026-04-01", "2026-06-30"),
        ("2026-07-01", "2026-09-30"), ("2026-10-01", "2026-10-05")]),
    "quarter-over-new-year": ("2026-12-01", "2027-01-31", {"kind": "quarterly"}, [
        ("2026-12-01", "2026-12-31"), ("2027-01-01", "2027-01-31")]),
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
