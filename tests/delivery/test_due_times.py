from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engagement_pipeline.lib.delivery.due_times import (
    due_deliveries,
    due_key,
    immediate_due_key,
    next_occurrence,
    occurrences,
)
from engagement_pipeline.lib.reports.spec import ReportDefinition, Schedule, parse_definition


def _every(unit: str, n: int, at: str, starting: date, until: date | None = None) -> Schedule:
    return Schedule.model_validate({"every": {unit: n}, "at": at, "starting": starting, "until": until})


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "tz", "until_now", "expected"),
    [
        pytest.param(
            _every("days", 1, "08:00", date(2026, 1, 1)),
            "UTC",
            _utc(2026, 1, 3, 23),
            [_utc(2026, 1, 1, 8), _utc(2026, 1, 2, 8), _utc(2026, 1, 3, 8)],
            id="daily",
        ),
        pytest.param(
            _every("days", 3, "08:00", date(2026, 1, 1)),
            "UTC",
            _utc(2026, 1, 10, 8),
            [_utc(2026, 1, 1, 8), _utc(2026, 1, 4, 8), _utc(2026, 1, 7, 8), _utc(2026, 1, 10, 8)],
            id="every-3-days-now-inclusive",
        ),
        pytest.param(
            _every("weeks", 1, "08:00", date(2026, 11, 23)),
            "UTC",
            _utc(2026, 12, 14, 12),
            [_utc(2026, 11, 23, 8), _utc(2026, 11, 30, 8), _utc(2026, 12, 7, 8), _utc(2026, 12, 14, 8)],
            id="weekly",
        ),
        pytest.param(
            _every("months", 1, "08:00", date(2027, 1, 31)),
            "UTC",
            _utc(2027, 5, 1),
            [_utc(2027, 1, 31, 8), _utc(2027, 2, 28, 8), _utc(2027, 3, 31, 8), _utc(2027, 4, 30, 8)],
            id="monthly-31st-non-leap",
        ),
        pytest.param(
            _every("months", 1, "08:00", date(2028, 1, 31)),
            "UTC",
            _utc(2028, 4, 1),
            [_utc(2028, 1, 31, 8), _utc(2028, 2, 29, 8), _utc(2028, 3, 31, 8)],
            id="monthly-31st-leap",
        ),
        pytest.param(
            _every("months", 3, "06:00", date(2026, 1, 15)),
            "UTC",
            _utc(2027, 1, 1),
            [_utc(2026, 1, 15, 6), _utc(2026, 4, 15, 6), _utc(2026, 7, 15, 6), _utc(2026, 10, 15, 6)],
            id="quarterly",
        ),
        pytest.param(
            _every("days", 1, "08:00", date(2026, 1, 1), until=date(2026, 1, 3)),
            "UTC",
            _utc(2026, 6, 1),
            [_utc(2026, 1, 1, 8), _utc(2026, 1, 2, 8), _utc(2026, 1, 3, 8)],
            id="until-inclusive",
        ),
        pytest.param(
            _every("days", 1, "08:00", date(2026, 3, 28)),
            "Europe/Paris",
            _utc(2026, 3, 31),
            [_utc(2026, 3, 28, 7), _utc(2026, 3, 29, 6), _utc(2026, 3, 30, 6)],
            id="paris-spring-keeps-08:00",
        ),
        pytest.param(
            _every("days", 1, "08:00", date(2026, 10, 24)),
            "Europe/Paris",
            _utc(2026, 10, 27),
            [_utc(2026, 10, 24, 6), _utc(2026, 10, 25, 7), _utc(2026, 10, 26, 7)],
            id="paris-autumn-keeps-08:00",
        ),
        pytest.param(
            _every("days", 1, "02:30", date(2026, 3, 28)),
            "Europe/Paris",
            _utc(2026, 3, 31),
            [_utc(2026, 3, 28, 1, 30), _utc(2026, 3, 29, 1), _utc(2026, 3, 30, 0, 30)],
            id="paris-gap-moves-to-03:00",
        ),
        pytest.param(
            _every("days", 1, "02:30", date(2026, 10, 24)),
            "Europe/Paris",
            _utc(2026, 10, 27),
            [_utc(2026, 10, 24, 0, 30), _utc(2026, 10, 25, 0, 30), _utc(2026, 10, 26, 1, 30)],
            id="paris-ambiguous-first",
        ),
        pytest.param(
            _every("days", 1, "09:00", date(2026, 11, 20)),
            "Asia/Tokyo",
            _utc(2026, 11, 21, 12),
            [_utc(2026, 11, 20, 0), _utc(2026, 11, 21, 0)],
            id="tokyo",
        ),
    ],
)
def test_occurrences(schedule: Schedule, tz: str, until_now: datetime, expected: list[datetime]) -> None:
    assert occurrences(schedule, tz, after=None, until_now=until_now) == expected


@pytest.mark.parametrize(
    "schedule",
    [
        _every("days", 2, "08:00", date(2026, 1, 1)),
        _every("weeks", 3, "23:30", date(2026, 1, 5)),
        _every("months", 1, "00:15", date(2026, 1, 31)),
    ],
)
@pytest.mark.parametrize("after", [_utc(2025, 6, 1), _utc(2026, 1, 1, 8), _utc(2026, 5, 31, 23, 59), _utc(2026, 9, 1)])
def test_occurrences_after_skips_exactly_the_earlier_ones(schedule: Schedule, after: datetime) -> None:
    until_now = _utc(2026, 12, 31)
    everything = occurrences(schedule, "America/New_York", after=None, until_now=until_now)
    assert occurrences(schedule, "America/New_York", after=after, until_now=until_now) == [d for d in everything if d > after]


def _definition(tmp_path: Path, schedule: str, text_extra: str = "") -> ReportDefinition:
    data = (
        "name: Daily\nmessages: {tags: {values: [promo]}}\nrecipients: [a@example.com]\n"
        f"timezone: Europe/Paris\nschedule: {schedule}\n{text_extra}"
    ).encode()
    return parse_definition(data, tmp_path / "daily_promo.yaml")


def test_downtime_delivers_only_the_latest_missed_occurrence(tmp_path: Path) -> None:
    defn = _definition(tmp_path, '{every: {days: 1}, at: "08:00", starting: 2026-01-01}')
    last_due = _utc(2026, 1, 2, 7)
    assert due_deliveries(defn, now=_utc(2026, 1, 6, 9), last_due=last_due) == [_utc(2026, 1, 6, 7)]
    assert due_deliveries(defn, now=_utc(2026, 1, 6, 6, 59), last_due=last_due) == [_utc(2026, 1, 5, 7)]


def test_nothing_due_twice_and_nothing_before_starting(tmp_path: Path) -> None:
    defn = _definition(tmp_path, '{every: {days: 1}, at: "08:00", starting: 2026-01-01}')
    assert due_deliveries(defn, now=_utc(2026, 1, 6, 12), last_due=_utc(2026, 1, 6, 7)) == []
    assert due_deliveries(defn, now=_utc(2025, 12, 31, 12), last_due=None) == []


def test_immediately_is_left_to_the_caller_and_keyed_by_content(tmp_path: Path) -> None:
    first = _definition(tmp_path, "{send: immediately}")
    edited = _definition(tmp_path, "{send: immediately}", "link_expiry: 2h\n")
    assert due_deliveries(first, now=_utc(2026, 1, 6), last_due=None) == []
    assert next_occurrence(first.schedule, first.timezone, _utc(2026, 1, 6)) is None
    assert immediate_due_key(first) == f"daily_promo:immediately@{first.content_hash[:12]}"
    assert immediate_due_key(edited) != immediate_due_key(first)
    assert immediate_due_key(_definition(tmp_path, "{send: immediately}")) == immediate_due_key(first)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (_utc(2026, 1, 1), _utc(2026, 1, 1, 8)),
        (_utc(2026, 1, 1, 8), _utc(2026, 1, 4, 8)),
        (_utc(2026, 1, 7, 8), None),
    ],
)
def test_next_occurrence(after: datetime, expected: datetime | None) -> None:
    schedule = _every("days", 3, "08:00", date(2026, 1, 1), until=date(2026, 1, 8))
    assert next_occurrence(schedule, "UTC", after) == expected


def test_due_key_is_utc_with_z() -> None:
    paris = datetime(2026, 11, 23, 8, 0, 0, 500, tzinfo=ZoneInfo("Europe/Paris"))
    assert due_key("weekly_promo", paris) == "weekly_promo:2026-11-23T07:00:00Z"
    with pytest.raises(ValueError, match="time zone"):
        due_key("weekly_promo", datetime(2026, 11, 23, 8))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="until_now"):
        occurrences(_every("days", 1, "08:00", date(2026, 1, 1)), "UTC", after=None, until_now=datetime(2026, 1, 2))


def test_years_of_daily_history_stay_cheap() -> None:
    schedule = _every("days", 1, "08:00", date(2020, 1, 1))
    now = _utc(2030, 1, 1, 12)
    assert occurrences(schedule, "UTC", after=now - timedelta(days=2), until_now=now) == [
        _utc(2029, 12, 31, 8),
        _utc(2030, 1, 1, 8),
    ]
