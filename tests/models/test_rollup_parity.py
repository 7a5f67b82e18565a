"""DuckDB and PostgreSQL give identical rollups for the same ~2,000 generated events."""

import random
from datetime import date, datetime, timedelta

import dagster as dg

from tests.support import event, load_events, materialize_days, table

FIRST, LAST = date(2026, 11, 19), date(2026, 11, 21)
COMPARED = (
    "int_user_touches__daily",
    "int_push_influenced_opens__daily",
    "int_messages__daily",
    "channel_daily_stats",
    "campaign_daily_stats",
    "campaign_variant_daily_stats",
    "canvas_daily_stats",
    "canvas_step_daily_stats",
    "message_catalog",
    "message_components",
)
# family: (the event that starts a journey, [(follow-up event, probability), ...])
JOURNEYS = {
    "email": (
        "Send",
        [
            ("Delivery", 0.9),
            ("Bounce", 0.05),
            ("SoftBounce", 0.05),
            ("Open", 0.5),
            ("Open", 0.2),
            ("Click", 0.3),
            ("Unsubscribe", 0.03),
            ("MarkAsSpam", 0.02),
            ("Deferral", 0.05),
            ("Retry", 0.03),
            ("Abort", 0.02),
        ],
    ),
    "pushnotification": ("Send", [("Bounce", 0.05), ("Open", 0.3), ("Retry", 0.03), ("Abort", 0.02)]),
    "inappmessage": ("Impression", [("Impression", 0.3), ("Click", 0.3), ("Click", 0.1), ("Abort", 0.02)]),
    "contentcard": ("Send", [("Impression", 0.6), ("Click", 0.2), ("Dismiss", 0.2), ("Abort", 0.02)]),
    "webhook": ("Send", [("Failure", 0.1), ("Retry", 0.1), ("Abort", 0.02)]),
    "sms": (
        "Send",
        [
            ("CarrierSend", 0.9),
            ("Delivery", 0.8),
            ("Rejection", 0.05),
            ("DeliveryFailure", 0.05),
            ("ShortLinkClick", 0.2),
            ("InboundReceive", 0.05),
            ("Retry", 0.03),
            ("Abort", 0.02),
        ],
    ),
    "whatsapp": ("Send", [("Delivery", 0.85), ("Read", 0.6), ("Failure", 0.05), ("Click", 0.2), ("Abort", 0.02)]),
}


def _fields(family: str, action: str, rng: random.Random) -> dict:
    if family == "email" and action == "Open":
        return {"is_machine_open": rng.random() < 0.2}
    if family == "email" and action == "Click":
        return {"is_bot_click": rng.random() < 0.15}
    if family == "pushnotification" and action == "Open":
        return {"button_string": rng.choice([None, "", "Buy"])}
    if family == "inappmessage" and action == "Click":
        return {"button_id": rng.choice(["0", "1", None])}
    return {}


def _messages(rng: random.Random) -> list[dict]:
    families = list(JOURNEYS)
    messages = []
    for number in range(8):
        for variation in ("a", "b"):
            messages.append(
                {
                    "campaign_id": f"c{number}",
                    "message_variation_id": f"c{number}{variation}",
                    "family": families[(number + (variation == "b")) % len(families)],
                }
            )
    for number in range(4):
        for step in range(3):
            messages.append(
                {
                    "canvas_id": f"k{number}",
                    "canvas_variation_id": f"k{number}v",
                    "canvas_step_id": f"k{number}s{step}",
                    "family": rng.choice(families),
                }
            )
    return messages


def generated_events(seed: int = 20261120, journeys: int = 800) -> list[dict]:
    rng = random.Random(seed)
    messages, start, rows = _messages(rng), datetime(2026, 11, 19), []
    for _ in range(journeys):
        message = dict(rng.choice(messages))
        family = message.pop("family")
        first, follow_ups = JOURNEYS[family]
        if family == "pushnotification":
            message["platform"] = rng.choice(["ios", "android", "web"])
        user, at = f"user{rng.randrange(120)}", start + timedelta(seconds=rng.randrange(3 * 86400))
        day_name = f"{at.date():%d}" if rng.random() < 0.5 else "latest"
        names = (
            {"campaign_name": f"Campaign {message.get('campaign_id')} {day_name}"}
            if "campaign_id" in message
            else {"canvas_name": f"Canvas {message['canvas_id']}", "canvas_step_name": f"Step {message['canvas_step_id']} {day_name}"}
        )
        if "canvas_id" in message and rng.random() < 0.3:
            rows.append(event("users.canvas.Entry", (at - timedelta(minutes=1)).isoformat(), user, **message))
        rows.append(event(f"users.messages.{family}.{first}", at.isoformat(), user, **message, **names, **_fields(family, first, rng)))
        for action, probability in follow_ups:
            if rng.random() < probability:
                later = at + timedelta(seconds=rng.randrange(1, 4 * 3600))
                rows.append(event(f"users.messages.{family}.{action}", later.isoformat(), user, **message, **_fields(family, action, rng)))
        if family == "pushnotification" and rng.random() < 0.5:
            session = at + timedelta(seconds=rng.randrange(0, 3600))
            rows.append(event("users.behaviors.app.SessionStart", session.isoformat(), user))
        if rng.random() < 0.15:
            kind = "users.campaigns.Conversion" if "campaign_id" in message else "users.canvas.Conversion"
            rows.append(event(kind, (at + timedelta(hours=1)).isoformat(), user, **message))
        if "campaign_id" in message and rng.random() < 0.03:
            rows.append(event("users.campaigns.EnrollInControl", at.isoformat(), user, **{**message, "message_variation_id": "control"}))
    copies = [dict(row, source_file="tests/redelivered.avro") for row in rng.sample(rows, len(rows) // 30)]
    return rows + copies


def _rows(url: str, name: str) -> list[tuple]:
    return sorted(tuple(row.items()) for row in table(url, f"select * from {name}"))


def test_duckdb_and_postgres_give_identical_rollups(duckdb_url, pg_url, tmp_path):
    events = generated_events()
    assert 1800 <= len(events) <= 2600
    rollups = dg.AssetSelection.assets(*COMPARED).upstream()
    for url, home in ((duckdb_url, tmp_path / "duckdb"), (pg_url, tmp_path / "postgres")):
        load_events(url, events)
        materialize_days(url, home, FIRST, LAST, selection=rollups)

    for name in COMPARED:
        duck, postgres = _rows(duckdb_url, name), _rows(pg_url, name)
        assert duck, f"{name} is empty"
        assert duck == postgres, f"{name} differs between DuckDB and PostgreSQL"
    channels = table(
        duckdb_url, "select channel, sum(influenced_opens) as influenced, sum(clicks) as clicks from channel_daily_stats group by channel"
    )
    assert {r["channel"] for r in channels} >= {"email", "push", "web_push", "in_app_message", "content_card", "webhook", "sms", "whatsapp"}
    assert sum(r["influenced"] for r in channels) > 0
