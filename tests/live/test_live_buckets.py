"""Files landed at known instants reach the live view once each: window edges, events older than the
48 hours kept, late files, re-delivered copies, re-runs and a file dropped again with new content;
the same on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engagement_pipeline.lib.ingest.load import ingest
from engagement_pipeline.lib.live.buckets import apply_new_files
from engagement_pipeline.lib.live.page import render_live_page
from engagement_pipeline.lib.live.view import read_live_view
from engagement_pipeline.lib.live.window import LiveWindow
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.conftest import PG_ADMIN_URL, _pg_available, pg_database, require
from tests.support import table
from tests.support.currents_events import land

NOW = datetime(2026, 11, 20, 12, 2, 30)  # window: 2026-11-19 12:05 .. 2026-11-20 12:05; kept from 2026-11-18 12:00
SEND, ABORT = "users.messages.email.Send", "users.messages.email.Abort"
PUSH_SEND, SMS_REJECTION = "users.messages.pushnotification.Send", "users.messages.sms.Rejection"
CAMPAIGN = {"campaign_id": "c1", "campaign_name": "Black Friday", "message_variation_id": "v1", "message_variation_name": "A"}
CANVAS = {"canvas_id": "k1", "canvas_name": "Onboarding", "canvas_variation_id": "kv1", "canvas_step_id": "s1", "canvas_step_name": "Day 1"}


def send(event_id: str, at: str, domain: str = "gmail.com") -> dict:
    return {"id": event_id, "user_id": f"u-{event_id}", "time": at, "email_address": f"x@{domain}", **CAMPAIGN}


def sent_in_window(url: str, window: LiveWindow) -> int:
    rows = table(url, "select sum(sent) as n from live_buckets where bucket_at >= :s and bucket_at < :e", s=window.start, e=window.end)
    return int(rows[0]["n"] or 0)


def bucket_sends(url: str) -> dict[str, int]:
    rows = table(url, "select bucket_at, sum(sent) as n from live_buckets group by bucket_at")
    return {f"{r['bucket_at']:%m-%d %H:%M}": int(r["n"]) for r in rows if r["n"]}


def scenario(url: str, landing: Path) -> dict:
    """Three passes over files landed at known instants; what each pass and the view showed."""
    engine, store = make_engine(url), ObjectStore(str(landing))
    seen: dict = {}
    land(landing, SEND, "first", [
        send("e1", "2026-11-20T11:00:10"),
        send("e2", "2026-11-20T11:03:00", "yahoo.com"),
        send("edge", "2026-11-19T12:05:00"),  # the window's first instant
        send("before", "2026-11-19T12:04:59"),  # just before the window: kept (reconciliation), not shown
        send("kept", "2026-11-18T12:00:00"),  # the first instant kept
        send("too-old", "2026-11-18T11:59:59"),
    ])  # fmt: skip
    land(landing, ABORT, "aborts", [
        {"id": "a1", "user_id": "u1", "time": "2026-11-20T10:00:00", "abort_type": "rate_limit", **CAMPAIGN},
        {"id": "a2", "user_id": "u2", "time": "2026-11-20T10:01:00", "abort_type": "frequency_capped", **CAMPAIGN},
    ])  # fmt: skip
    land(landing, PUSH_SEND, "push", [
        {"id": "p1", "user_id": "u1", "time": "2026-11-20T09:00:00", "platform": "ios", **CANVAS},
        {"id": "p2", "user_id": "u2", "time": "2026-11-20T09:00:00", "platform": "android", **CANVAS},
    ])  # fmt: skip
    land(
        landing,
        SMS_REJECTION,
        "sms",
        [{"id": "r1", "user_id": "u1", "time": "2026-11-20T08:00:00", "provider_error_code": "21610", **CAMPAIGN}],
    )
    ingest(engine, store)
    seen["first"] = apply_new_files(engine, now=NOW)
    seen["rerun"] = apply_new_files(engine, now=NOW)
    seen["buckets_after_first"] = bucket_sends(url)
    # A re-delivered copy of e1 beside a new event, and a late file: one event 30 h old, one 3 days old.
    land(landing, SEND, "redelivered", [send("e1", "2026-11-20T11:00:10"), send("e7", "2026-11-20T12:01:00")], hour="2026-11-20-13")
    land(landing, SEND, "late", [send("late-30h", "2026-11-19T06:00:00"), send("late-3d", "2026-11-17T12:00:00")], hour="2026-11-20-13")
    ingest(engine, store)
    seen["second"] = apply_new_files(engine, now=NOW)
    seen["buckets_after_second"] = bucket_sends(url)
    seen["view"] = read_live_view(engine, now=NOW)
    seen["sent_in_window"] = sent_in_window(url, seen["view"].window)
    seen["breakdowns"] = table(url, "select dimension, value, stat, sum(events) as n from live_breakdowns group by dimension, value, stat")
    seen["names"] = table(url, "select message_kind, message_name, step_name from live_names order by message_kind")
    # The same key dropped again with new content (a fixed file): its new events count, its old ones not twice.
    land(landing, SMS_REJECTION, "sms", [
        {"id": "r1", "user_id": "u1", "time": "2026-11-20T08:00:00", "provider_error_code": "21610", **CAMPAIGN},
        {"id": "r2", "user_id": "u2", "time": "2026-11-20T08:00:00", "provider_error_code": "30003", **CAMPAIGN},
    ])  # fmt: skip
    ingest(engine, store)
    seen["fixed"] = apply_new_files(engine, now=NOW)
    seen["rejected"] = read_live_view(engine, now=NOW).totals["rejected"]
    # A day later the buckets older than 48 h are gone.
    seen["later"] = apply_new_files(engine, now=NOW + timedelta(hours=25))
    seen["buckets_a_day_later"] = bucket_sends(url)
    # A quiet day later: nothing in the last 24 hours, so the view shows the 24 hours up to the latest event.
    seen["quiet"] = read_live_view(engine, now=NOW + timedelta(hours=30))
    return seen


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def seen(request, tmp_path_factory):
    home = tmp_path_factory.mktemp(request.param)
    if request.param == "duckdb":
        url = f"duckdb:///{home / 'warehouse.duckdb'}"
        yield {"url": url, **scenario(url, home / "landing")}
        return
    require(_pg_available())
    with pg_database(PG_ADMIN_URL) as url:
        yield {"url": url, **scenario(url, home / "landing")}


def test_the_window_is_the_288_buckets_ending_with_the_one_holding_now(seen):
    window = seen["view"].window
    assert (window.start, window.end) == (datetime(2026, 11, 19, 12, 5), datetime(2026, 11, 20, 12, 5))
    assert len(seen["view"].series) == 288 and not window.anchored_to_latest_event


def test_an_event_at_the_windows_first_instant_shows_and_one_a_second_earlier_is_kept_but_not_shown(seen):
    series = seen["view"].series.set_index("bucket_at")["sent"]
    assert series[datetime(2026, 11, 19, 12, 5)] == 1
    assert seen["buckets_after_first"]["11-19 12:00"] == 1  # 'before': kept for reconciliation
    assert datetime(2026, 11, 19, 12, 0) not in series.index


def test_events_older_than_48_hours_never_enter_and_the_first_kept_instant_does(seen):
    assert seen["first"].events_too_old == 1  # 'too-old'
    assert seen["buckets_after_first"]["11-18 12:00"] == 1  # 'kept'
    assert "11-18 11:55" not in seen["buckets_after_first"]


def test_a_rerun_applies_nothing_and_a_redelivered_copy_is_not_counted_again(seen):
    assert (seen["first"].files_applied, seen["rerun"].files_applied, seen["rerun"].events_applied) == (4, 0, 0)
    totals = seen["view"].totals
    # email: e1, e2, edge, e7 (the copy of e1 is not counted again); push: p1, p2
    assert totals["sent"] == 6
    assert seen["second"].files_applied == 2 and seen["second"].events_too_old == 1  # 'late-3d'


def test_a_late_file_within_48_hours_fills_its_bucket_outside_the_window(seen):
    assert seen["buckets_after_second"]["11-19 06:00"] == 1  # 'late-30h'
    assert seen["buckets_a_day_later"].get("11-19 06:00") is None  # dropped a day later
    assert seen["sent_in_window"] == 6
    assert seen["second"].events_applied == 2  # e7 and late-30h


def test_messages_components_and_breakdowns_of_the_window(seen):
    view = seen["view"]
    assert [(m.kind, m.name, m.totals["sent"]) for m in view.messages] == [("campaign", "Black Friday", 4), ("canvas", "Onboarding", 2)]
    assert view.totals["aborts"] == 2 and view.totals["rejected"] == 1
    found = {(r["dimension"], r["value"], r["stat"]): int(r["n"]) for r in seen["breakdowns"]}
    assert found[("abort_type", "rate_limit", "aborts")] == 1 and found[("abort_type", "frequency_capped", "aborts")] == 1
    assert found[("push_platform", "ios", "sent")] == 1 and found[("push_platform", "android", "sent")] == 1
    assert found[("error_code", "21610", "rejected")] == 1
    domains = view.breakdowns["recipient_domain"].set_index("value")["sent"].to_dict()
    assert domains == {"gmail.com": 3, "yahoo.com": 1}
    assert [(r["message_kind"], r["message_name"], r["step_name"]) for r in seen["names"]] == [
        ("campaign", "Black Friday", None),
        ("canvas", "Onboarding", "Day 1"),
    ]


def test_a_file_dropped_again_with_new_content_adds_only_its_new_events(seen):
    assert seen["fixed"].files_applied == 1 and seen["rejected"] == 2


def test_buckets_older_than_48_hours_are_dropped(seen):
    assert seen["later"].buckets_dropped > 0
    assert min(seen["buckets_a_day_later"]) >= "11-19 13:00"


def test_a_quiet_window_shows_the_24_hours_up_to_the_latest_event_and_says_so(seen):
    quiet = seen["quiet"]
    assert quiet.window.anchored_to_latest_event
    assert (quiet.window.start, quiet.window.end) == (datetime(2026, 11, 19, 12, 5), datetime(2026, 11, 20, 12, 5))
    assert quiet.totals["sent"] == 5  # e1, e2, e7, p1, p2: 'edge' went with the buckets older than 48 h
    assert "showing the 24 hours up to the latest event" in render_live_page(quiet)
