"""Pure delivery logic: what the schedule sensor requests per tick, new landing files, days to rebuild."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engagement_pipeline.defs.models.sensors import day_ranges, parse_days
from engagement_pipeline.lib.delivery.due_times import checked_days, delivery_due, last_required_day
from engagement_pipeline.lib.delivery.planning import load_cursor, plan_tick, start_cursor
from engagement_pipeline.lib.delivery.retry_policy import next_attempt
from engagement_pipeline.lib.delivery.summary import headline_stats, summable
from engagement_pipeline.lib.ingest.landing import LandingCursor, first_look, new_files
from engagement_pipeline.lib.platform.storage import StoredObject
from engagement_pipeline.lib.reports.spec import parse_definition

BASE = "name: Daily\nmessages: {campaigns: [c1]}\nrecipients: [a@example.com]\n"
DAILY = BASE + 'schedule: {every: {days: 1}, at: "08:00", starting: 2026-11-01}\ntimezone: Europe/Paris\n'


def defn(text: str, report_id: str = "daily"):
    return parse_definition(text.encode(), Path(f"reports/{report_id}.yaml"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def keys(plan) -> list[str]:
    return [d.due_key for d in plan.deliveries]


def test_same_tick_twice_requests_nothing_new():
    first = plan_tick([defn(DAILY)], {}, at("2026-11-23T07:30:00"), {"daily"})
    again = plan_tick([defn(DAILY)], first.cursor, at("2026-11-23T07:30:00"), {"daily"})
    assert keys(first) == ["daily:2026-11-23T07:00:00Z"]
    assert keys(again) == []
    assert again.cursor == first.cursor


def test_next_day_requests_one_new_key():
    first = plan_tick([defn(DAILY)], {}, at("2026-11-23T07:30:00"), {"daily"})
    later = plan_tick([defn(DAILY)], first.cursor, at("2026-11-23T23:00:00"), {"daily"})
    next_day = plan_tick([defn(DAILY)], later.cursor, at("2026-11-24T07:00:00"), {"daily"})
    assert keys(later) == []
    assert keys(next_day) == ["daily:2026-11-24T07:00:00Z"]


def test_after_five_days_down_only_the_latest_missed_delivery_is_requested():
    first = plan_tick([defn(DAILY)], {}, at("2026-11-18T07:30:00"), {"daily"})
    back = plan_tick([defn(DAILY)], first.cursor, at("2026-11-23T09:00:00"), {"daily"})
    assert keys(back) == ["daily:2026-11-23T07:00:00Z"]
    assert back.deliveries[0].due_at == at("2026-11-23T07:00:00")


def test_immediate_report_is_sent_once_per_version_of_its_file():
    text = BASE + "schedule: {send: immediately}\n"
    first = plan_tick([defn(text, "now")], {}, at("2026-11-23T10:00:00"), {"now"})
    same = plan_tick([defn(text, "now")], first.cursor, at("2026-11-23T10:05:00"), {"now"})
    edited = plan_tick([defn(text.replace("Daily", "Daily v2"), "now")], same.cursor, at("2026-11-23T10:06:00"), {"now"})
    assert [d.trigger for d in first.deliveries] == ["immediately"]
    assert keys(first)[0].startswith("now:immediately@")
    assert keys(same) == []
    assert len(keys(edited)) == 1 and keys(edited) != keys(first)


def test_a_report_without_partition_waits_a_tick_and_keeps_its_cursor():
    plan = plan_tick([defn(DAILY)], {}, at("2026-11-23T07:30:00"), set())
    assert plan.deliveries == [] and plan.missing_partitions == ["daily"] and plan.cursor == {}


def test_nothing_is_due_after_until():
    text = BASE + 'schedule: {every: {days: 1}, at: "08:00", starting: 2026-11-01, until: 2026-11-10}\n'
    plan = plan_tick([defn(text)], {"daily": "2026-11-10T08:00:00Z"}, at("2026-11-23T09:00:00"), {"daily"})
    assert keys(plan) == []


WEEKLY_UNTIL = BASE + 'schedule: {every: {weeks: 1}, at: "08:00", starting: 2026-11-02, until: 2026-11-20}\ntimezone: Europe/Paris\n'
IMMEDIATE = BASE + "schedule: {send: immediately}\n"


@pytest.mark.parametrize(
    ("text", "when", "expected_due", "expected_key"),
    [
        (DAILY, "2026-11-23T07:00:00", "2026-11-23T07:00:00", "daily:2026-11-23T07:00:00Z"),
        (DAILY, "2026-11-23T06:59:00", "2026-11-22T07:00:00", "daily:2026-11-22T07:00:00Z"),
        (DAILY, "2026-10-20T12:00:00", "2026-10-20T12:00:00", "daily:2026-10-20T12:00:00Z"),
        (WEEKLY_UNTIL, "2027-03-01T00:00:00", "2026-11-16T07:00:00", "daily:2026-11-16T07:00:00Z"),
    ],
)
def test_every_path_names_a_delivery_by_the_latest_due_time_at_or_before_it(text, when, expected_due, expected_key):
    due = delivery_due(defn(text), at(when))
    assert (due.at, due.key) == (at(expected_due), expected_key)


def test_an_immediate_report_is_named_by_the_version_of_its_file_whenever_it_is_sent():
    first = delivery_due(defn(IMMEDIATE), at("2026-11-23T10:00:00"))
    later = delivery_due(defn(IMMEDIATE), at("2026-12-01T10:00:00"))
    assert first.key == later.key and first.key.startswith("daily:immediately@")


def test_a_sensor_without_cursor_starts_after_what_the_delivery_log_holds():
    daily, immediate, other = defn(DAILY), defn(IMMEDIATE, "now"), defn(DAILY, "other")
    now_key = delivery_due(immediate, at("2026-11-23T10:00:00")).key
    logged = [
        ("daily", "daily:2026-11-22T07:00:00Z", at("2026-11-22T07:00:00"), "sent"),
        ("daily", "daily:2026-11-23T07:00:00Z", at("2026-11-23T07:00:00"), "held"),
        ("now", now_key, at("2026-11-23T10:00:00"), "sent"),
        ("other", "other:2026-11-23T07:00:00Z", at("2026-11-23T07:00:00"), "retrying"),
    ]
    cursor = start_cursor([daily, immediate, other], logged, requested=lambda key: key.startswith("other:"))
    assert cursor == {"daily": "2026-11-22T07:00:00Z", "now": now_key, "other": "2026-11-23T07:00:00Z"}
    plan = plan_tick([daily, immediate, other], cursor, at("2026-11-23T09:00:00"), {"daily", "now", "other"})
    assert keys(plan) == ["daily:2026-11-23T07:00:00Z"]


def test_a_landing_sensor_without_cursor_ingests_only_what_ingestion_has_not_loaded():
    listing = [obj("a.avro", 1.0), obj("b.avro", 2.0), obj("catalog/campaigns.list.json", 3.0)]
    fresh, cursor = first_look(listing, [obj("b.avro", 2.0)])
    assert [f.key for f in fresh] == ["b.avro"]
    assert cursor == LandingCursor(3.0, ("catalog/campaigns.list.json",))
    assert first_look(listing, [])[0] == []


HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("failing_for", "window", "expected_wait"),
    [
        (timedelta(0), 24 * HOUR, timedelta(minutes=1)),
        (timedelta(minutes=1), 24 * HOUR, timedelta(minutes=1)),
        (timedelta(minutes=8), 24 * HOUR, timedelta(minutes=8)),
        (5 * HOUR, 24 * HOUR, HOUR),
        (HOUR * 23.5, 24 * HOUR, HOUR / 2),
        (24 * HOUR, 24 * HOUR, None),
        (timedelta(0), timedelta(0), None),
    ],
)
def test_transient_failures_are_retried_with_backoff_until_the_window_ends(failing_for, window, expected_wait):
    since = at("2026-11-23T07:00:00")
    now = since + failing_for
    retry_at = next_attempt(since, now, window)
    assert (retry_at - now if retry_at is not None else None) == expected_wait


@pytest.mark.parametrize("text", [None, "", "not json", "[1, 2]"])
def test_an_unreadable_cursor_starts_afresh(text):
    assert load_cursor(text) == {}


def obj(key: str, modified: float) -> StoredObject:
    return StoredObject(key, 10, f"etag-{key}", modified)


@pytest.mark.parametrize(
    ("listing", "cursor", "expected_new", "expected_cursor"),
    [
        ([obj("a.avro", 1.0)], LandingCursor(), ["a.avro"], LandingCursor(1.0, ("a.avro",))),
        ([obj("a.avro", 1.0)], LandingCursor(1.0, ("a.avro",)), [], LandingCursor(1.0, ("a.avro",))),
        ([obj("a.avro", 1.0), obj("b.avro", 1.0)], LandingCursor(1.0, ("a.avro",)), ["b.avro"], LandingCursor(1.0, ("a.avro", "b.avro"))),
        ([obj("a.avro", 1.0), obj("c.avro", 2.0)], LandingCursor(1.0, ("a.avro",)), ["c.avro"], LandingCursor(2.0, ("c.avro",))),
        ([obj("x/.d.avro.tmp", 3.0), obj("e.avro.part", 3.0)], LandingCursor(), [], LandingCursor()),
    ],
)
def test_landing_cursor(listing, cursor, expected_new, expected_cursor):
    fresh, after = new_files(listing, cursor)
    assert [f.key for f in fresh] == expected_new
    assert after == expected_cursor
    assert LandingCursor.loads(after.dumps()) == after


@pytest.mark.parametrize(
    ("days", "expected_ranges", "expected_outside"),
    [
        (["2026-11-20"], [("2026-11-20", "2026-11-20")], []),
        (["2026-11-21", "2026-11-20", "2026-11-22"], [("2026-11-20", "2026-11-22")], []),
        (["2026-09-01", "2026-11-20"], [("2026-09-01", "2026-09-01"), ("2026-11-20", "2026-11-20")], []),
        (["1970-01-01", "2027-01-01", "2026-11-20"], [("2026-11-20", "2026-11-20")], ["1970-01-01", "2027-01-01"]),
    ],
)
def test_touched_days_become_runs_of_consecutive_days(days, expected_ranges, expected_outside):
    ranges, outside = day_ranges(parse_days(days), date(2017, 1, 1), date(2026, 11, 23))
    assert [(a.isoformat(), b.isoformat()) for a, b in ranges] == expected_ranges
    assert [d.isoformat() for d in outside] == expected_outside


@pytest.mark.parametrize(
    ("period_end", "due", "tz", "expected"),
    [
        (date(2026, 11, 22), "2026-11-23T07:00:00", "Europe/Paris", date(2026, 11, 22)),
        (date(2026, 11, 23), "2026-11-23T07:00:00", "Europe/Paris", date(2026, 11, 22)),
        (date(2026, 12, 31), "2026-11-23T07:00:00", "UTC", date(2026, 11, 22)),
        (date(2026, 11, 23), "2026-11-22T23:30:00", "Asia/Tokyo", date(2026, 11, 22)),
    ],
)
def test_a_report_waits_for_its_last_complete_day(period_end, due, tz, expected):
    assert last_required_day(period_end, at(due), tz) == expected


def test_checked_days_stop_at_the_last_complete_day():
    days = checked_days(date(2026, 11, 20), date(2026, 11, 23), at("2026-11-23T07:00:00"), "UTC")
    assert days == [date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)]


def test_checked_days_are_every_utc_day_the_local_days_overlap():
    days = checked_days(date(2026, 11, 20), date(2026, 11, 23), at("2026-11-23T07:00:00"), "Asia/Tokyo")
    assert days == [date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)]


@pytest.mark.parametrize(
    ("stat", "expected"),
    [
        ("sent", True),
        ("delivery_rate", True),
        ("click_rate", True),
        ("unique_opens", False),
        ("unique_open_rate", False),
        ("total_opens", False),
    ],
)
def test_only_stats_that_add_up_are_in_the_email_summary(stat, expected):
    assert summable(stat) is expected


def test_headline_stats_follow_the_report_and_its_channels():
    listed = defn(BASE + "stats: [unique_recipients, sent, delivered, click_to_open_rate, spam_rate]\n")
    assert headline_stats(listed, ["email"]) == ["sent", "delivered", "spam_rate"]
    assert headline_stats(defn(BASE), ["push"]) == ["sent", "direct_opens", "direct_open_rate"]


def test_days_before_the_first_built_day_do_not_hold_a_report():
    from engagement_pipeline.defs.delivery.readiness import unbuilt_days

    class Instance:
        def get_materialized_partitions(self, asset):
            return {"2026-11-10", "2026-11-11", "2026-11-13"}

    days = [date(2026, 11, 8) + timedelta(days=i) for i in range(7)]
    assert unbuilt_days(Instance(), days) == [date(2026, 11, 12), date(2026, 11, 14)]

    class Empty:
        def get_materialized_partitions(self, asset):
            return set()

    assert unbuilt_days(Empty(), days[:2]) == days[:2]
