"""Reports are exact in their time zone: local days, weeks, months cut at local midnight, on both engines.

Hand-computed values for events one second either side of local midnight (Los Angeles, Tokyo,
Kolkata +05:30, Kathmandu +05:45) and for users active only around DST changes (New York, London);
then a randomized workspace compared cell for cell with an independent count by local calendar day
(computed here from the generated events with zoneinfo, not from the warehouse).
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engagement_pipeline.defs.reports.metadata import report_metadata
from engagement_pipeline.lib.reports.periods import Period, split_periods
from engagement_pipeline.lib.reports.spec_schema import Interval
from tests.conftest import pg_database
from tests.support import event, load_events, materialize_days
from tests.support.reports import render

EMAIL = "users.messages.email."
PUSH = "users.messages.pushnotification."
MIDNIGHT_ZONES = {"c_la": "America/Los_Angeles", "c_tokyo": "Asia/Tokyo", "c_kolkata": "Asia/Kolkata", "c_kathmandu": "Asia/Kathmandu"}
FIRST, LAST = date(2026, 3, 6), date(2026, 11, 6)
RANDOM_FROM, RANDOM_TO = date(2026, 10, 23), date(2026, 11, 4)
RANDOM_ZONES = (
    "UTC",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Adelaide",
    "America/St_Johns",
    "America/New_York",
    "Europe/London",
)
INTERVALS = ("daily", "{days: 3}", "{weeks: 1}", "monthly", "total")


def at(local: datetime, tz: str, seconds: int = 0) -> str:
    """The UTC ISO time of a local wall time plus ``seconds``."""
    moment = local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC) + timedelta(seconds=seconds)
    return moment.replace(tzinfo=None).isoformat()


def campaign(campaign_id: str, variant: str = "v1") -> dict:
    return {"campaign_id": campaign_id, "campaign_name": campaign_id, "message_variation_id": variant}


def midnight_events() -> list[dict]:
    """Per zone: around local midnight of 2026-11-01 and 2026-11-02 (Saturday 10-31, Sunday 11-01, Monday 11-02)."""
    rows = []
    for campaign_id, tz in MIDNIGHT_ZONES.items():
        start, end = datetime(2026, 11, 1), datetime(2026, 11, 2)
        keys = campaign(campaign_id)
        rows += [
            event(EMAIL + "Send", at(start, tz, -1), "u1", **keys),
            event(EMAIL + "Open", at(start, tz, -1), "u1", **keys),
            event(EMAIL + "Open", at(start, tz), "u1", **keys),
            event(EMAIL + "Send", at(start, tz, 1), "u2", **keys),
            event(EMAIL + "Open", at(start, tz, 1), "u2", **keys),
            event(EMAIL + "Open", at(end, tz, -1), "u1", **keys),
            event(EMAIL + "Open", at(end, tz), "u2", **keys),
        ]
    return rows


DST_CASES = {
    # campaign: (zone, UTC instant of the only open, its local day; a fixed standard offset would say otherwise)
    "c_ny_spring": ("America/New_York", "2026-03-09T04:30:00", date(2026, 3, 9)),
    "c_ny_spring_late": ("America/New_York", "2026-03-09T03:30:00", date(2026, 3, 8)),
    "c_ny_fall_repeat": ("America/New_York", "2026-11-01T06:30:00", date(2026, 11, 1)),
    "c_ny_fall_late": ("America/New_York", "2026-11-02T04:30:00", date(2026, 11, 1)),
    "c_london_spring": ("Europe/London", "2026-03-29T23:30:00", date(2026, 3, 30)),
    "c_london_spring_early": ("Europe/London", "2026-03-29T00:30:00", date(2026, 3, 29)),
}


def dst_events() -> list[dict]:
    return [event(EMAIL + "Open", instant, "u9", **campaign(campaign_id)) for campaign_id, (_, instant, _) in DST_CASES.items()]


def random_events(seed: int = 7) -> list[dict]:
    """Email, push (with app sessions) and conversions of two campaigns and a Canvas, many near local midnights."""
    rng = random.Random(seed)
    span = int((datetime.combine(RANDOM_TO, time(0)) - datetime.combine(RANDOM_FROM, time(0))).total_seconds())
    base = datetime.combine(RANDOM_FROM, time(0))
    edges = [
        datetime.combine(RANDOM_FROM + timedelta(days=d), time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)
        for tz in RANDOM_ZONES
        for d in range(1, (RANDOM_TO - RANDOM_FROM).days)
    ]

    def instant() -> datetime:
        if rng.random() < 0.4:
            return rng.choice(edges) + timedelta(seconds=rng.choice([-1, 0, 1, -900, 899]))
        return base + timedelta(seconds=rng.randrange(span))

    rows = []
    for _ in range(700):
        user, moment = f"u{rng.randrange(25)}", instant()
        kind = rng.random()
        if kind < 0.55:
            keys = campaign("c_mail", rng.choice(["va", "vb"]))
            action = rng.choice(["Send", "Delivery", "Open", "Open", "Click"])
            rows.append(event(EMAIL + action, moment.isoformat(), user, **keys))
            if rng.random() < 0.1:
                rows.append(event("users.campaigns.Conversion", (moment + timedelta(seconds=5)).isoformat(), user, **keys))
        elif kind < 0.8:
            keys = campaign("c_push", "vp") | {"platform": "ios"}
            rows.append(event(PUSH + "Send", moment.isoformat(), user, **keys))
            follow = moment + timedelta(seconds=rng.randrange(60, 2400))
            if rng.random() < 0.3:
                rows.append(event(PUSH + "Open", follow.isoformat(), user, **keys))
            if rng.random() < 0.6:
                rows.append(event("users.behaviors.app.SessionStart", (follow + timedelta(seconds=30)).isoformat(), user))
        else:
            step = {"canvas_id": "cv_mix", "canvas_name": "Mix", "canvas_variation_id": "cvv", "canvas_step_id": "s1"}
            action = rng.choice(["users.canvas.Entry", EMAIL + "Send", EMAIL + "Open"])
            rows.append(event(action, moment.isoformat(), user, **step))
    return rows


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, tmp_path_factory) -> tuple[str, Path]:
    """One warehouse per engine with every event above, all models built once for the module."""
    home = tmp_path_factory.mktemp(request.param)
    with contextlib.ExitStack() as stack:
        if request.param == "duckdb":
            url = f"duckdb:///{home / 'warehouse.duckdb'}"
        else:
            url = stack.enter_context(pg_database(request.getfixturevalue("pg_admin_url")))
        load_events(url, midnight_events() + dst_events() + random_events())
        materialize_days(url, home, FIRST, LAST)
        yield url, home


def report(built, folder: str, messages: str, tz: str, interval: str, start: date, end: date, extra: str = "") -> dict:
    url, home = built
    text = f"name: tz\nmessages: {messages}\ntimezone: {tz}\ninterval: {interval}\ntime_frame: {{start: {start}, end: {end}}}\n{extra}"
    _, files = render(url, home / folder, text)
    return files


MIDNIGHT_EXPECTED = {
    # interval: [(period_start, period_end, sent, unique_recipients, opens, unique_opens)]
    "daily": [
        ("2026-10-31", "2026-10-31", "1", "1", "1", "1"),
        ("2026-11-01", "2026-11-01", "1", "1", "3", "2"),
        ("2026-11-02", "2026-11-02", "0", "0", "1", "1"),
    ],
    "{weeks: 1}": [("2026-10-31", "2026-11-01", "2", "2", "4", "2"), ("2026-11-02", "2026-11-02", "0", "0", "1", "1")],
    "monthly": [("2026-10-31", "2026-10-31", "1", "1", "1", "1"), ("2026-11-01", "2026-11-02", "1", "1", "4", "2")],
    "total": [("2026-10-31", "2026-11-02", "2", "2", "5", "2")],
}


@pytest.mark.parametrize("interval", list(MIDNIGHT_EXPECTED))
@pytest.mark.parametrize("campaign_id", list(MIDNIGHT_ZONES))
def test_one_second_either_side_of_local_midnight(built, campaign_id, interval):
    files = report(
        built,
        f"mid-{campaign_id}-{interval}",
        f"{{campaigns: [{campaign_id}]}}",
        MIDNIGHT_ZONES[campaign_id],
        interval,
        date(2026, 10, 31),
        date(2026, 11, 2),
        "stats: [sent, unique_recipients, opens, unique_opens]\nlevel: {campaigns: campaign}\n",
    )
    rows = [
        (r["period_start"], r["period_end"], r["sent"], r["unique_recipients"], r["opens"], r["unique_opens"])
        for r in files["campaigns.csv"]
    ]
    assert rows == MIDNIGHT_EXPECTED[interval]


@pytest.mark.parametrize("campaign_id", list(DST_CASES))
def test_a_user_active_only_around_a_dst_change_counts_on_the_local_day(built, campaign_id):
    tz, _, local_day = DST_CASES[campaign_id]
    files = report(
        built,
        f"dst-{campaign_id}",
        f"{{campaigns: [{campaign_id}]}}",
        tz,
        "daily",
        local_day - timedelta(days=1),
        local_day + timedelta(days=1),
        "stats: [opens, unique_opens]\n",
    )
    rows = {r["period_start"]: (r["opens"], r["unique_opens"]) for r in files["campaigns.csv"]}
    expected = {(local_day + timedelta(days=d)).isoformat(): ("1", "1") if d == 0 else ("0", "0") for d in (-1, 0, 1)}
    assert rows == expected


def _local_day(iso: str, tz: str) -> date:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date()


def _influenced(rows: list[dict]) -> list[tuple[str, str, str]]:
    """Braze's rule, independently: (session instant, user, variant) for a session within 30 minutes
    after a push Send to the user without a direct Open of that push between them."""
    sends = [r for r in rows if r["event_type"] == PUSH + "Send"]
    opens = [r for r in rows if r["event_type"] == PUSH + "Open"]
    found = []
    for session in (r for r in rows if r["event_type"] == "users.behaviors.app.SessionStart"):
        s_at = session["occurred_at"]
        for send in sends:
            if send["user_id"] != session["user_id"] or not send["occurred_at"] <= s_at <= send["occurred_at"] + timedelta(minutes=30):
                continue
            opened = any(o["user_id"] == send["user_id"] and send["occurred_at"] <= o["occurred_at"] <= s_at for o in opens)
            if not opened:
                found.append((s_at.isoformat(), session["user_id"], send["message_variation_id"]))
    return found


COUNTED = {"Send": "sent", "Delivery": "delivered", "Open": "opens", "Click": "clicks"}
UNIQUE = {"Send": "unique_recipients", "Open": "unique_opens", "Click": "unique_clicks"}


def independent_counts(tz: str, periods: list[Period], by_variant: bool) -> dict[tuple, dict[str, int]]:
    """{(period_start, campaign_id, variant, channel): {stat: value}} for c_mail and c_push."""
    rows = [r for r in random_events() if r.get("campaign_id") in ("c_mail", "c_push") or r["action"] == "session_start"]
    period_of = {}
    for p in periods:
        for d in range((p.end - p.start).days + 1):
            period_of[p.start + timedelta(days=d)] = p.start.isoformat()
    counts: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    users: dict[tuple, set] = defaultdict(set)
    for r in rows:
        if r["action"] == "session_start":
            continue
        period = period_of.get(_local_day(r["occurred_at"].isoformat(), tz))
        if period is None:
            continue
        channel = "push" if r["campaign_id"] == "c_push" else "email"
        key = (period, r["campaign_id"], r["message_variation_id"] if by_variant else "", channel)
        action = r["event_type"].rsplit(".", 1)[1]
        if action == "Conversion":
            counts[key]["conversions"] += 1
            users[(*key, "unique_conversions")].add(r["user_id"])
            continue
        stat = "direct_opens" if channel == "push" and action == "Open" else COUNTED[action]
        counts[key][stat] += 1
        if action in UNIQUE and channel == "email":
            users[(*key, UNIQUE[action])].add(r["user_id"])
        if action == "Send" and channel == "push":
            users[(*key, "unique_recipients")].add(r["user_id"])
    for s_at, user, variant in _influenced(random_events()):
        period = period_of.get(_local_day(s_at, tz))
        if period is not None:
            users[(period, "c_push", variant if by_variant else "", "push", "influenced_opens")].add(user)
    for (*key, stat), people in users.items():
        counts[tuple(key)][stat] = len(people)
    return counts


@pytest.mark.parametrize("interval", INTERVALS)
@pytest.mark.parametrize("tz", RANDOM_ZONES)
def test_reports_equal_an_independent_count_by_local_calendar_day(built, tz, interval):
    start, end = RANDOM_FROM + timedelta(days=1), RANDOM_TO - timedelta(days=1)
    stats = [
        "sent",
        "delivered",
        "opens",
        "unique_opens",
        "clicks",
        "unique_clicks",
        "unique_recipients",
        "conversions",
        "unique_conversions",
        "direct_opens",
        "influenced_opens",
    ]
    files = report(
        built,
        f"rand-{tz.replace('/', '-')}-{interval}",
        "{campaigns: [c_mail, c_push]}",
        tz,
        interval,
        start,
        end,
        f"stats: [{', '.join(stats)}]\n",
    )
    parsed = Interval.model_validate(interval if interval in ("daily", "monthly", "total") else eval_block(interval))
    expected = independent_counts(tz, split_periods(start, end, parsed), by_variant=True)
    compared = 0
    seen = set()
    for row in files["campaigns.csv"]:
        key = (row["period_start"], row["campaign_id"], row["variation_id"], row["channel"])
        seen.add(key)
        for stat in stats:
            if row[stat] == "":
                continue
            assert int(row[stat]) == expected.get(key, {}).get(stat, 0), (tz, interval, key, stat)
            compared += 1
    assert {k for k, v in expected.items() if any(v.values())} <= seen
    assert compared >= 20


def eval_block(text: str) -> dict:
    unit, n = text.strip("{}").split(":")
    return {unit.strip(): int(n)}


def test_a_tokyo_day_reads_two_utc_days_and_counts_a_user_once(built):
    """A Tokyo day counts a user once though the user's events fall on two UTC days (one touch row each),
    and the rendered report names both UTC partitions it read."""
    url, home = built
    text = (
        "name: tz\nmessages: {campaigns: [c_tokyo]}\ntimezone: Asia/Tokyo\n"
        "time_frame: {start: 2026-11-01, end: 2026-11-01}\nstats: [unique_opens]\nlevel: {campaigns: campaign}\n"
    )
    generated, files = render(url, home / "tokyo-two-utc-days", text)
    assert [r["unique_opens"] for r in files["campaigns.csv"]] == ["2"]
    assert generated.utc_days == (date(2026, 10, 31), date(2026, 11, 1))
    assert report_metadata(generated, is_s3=False)["utc partitions read"] == "2026-10-31 .. 2026-11-01 (2 UTC days)"
