"""Seeded synthetic canonical events over many days (for backfill and parity tests)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from tests.support import event

FUNNELS = {
    "email": ["users.messages.email.Send", "users.messages.email.Delivery", "users.messages.email.Open", "users.messages.email.Click"],
    "push": ["users.messages.pushnotification.Send", "users.messages.pushnotification.Open"],
    "sms": ["users.messages.sms.Send", "users.messages.sms.Delivery", "users.messages.sms.ShortLinkClick"],
    "in_app": ["users.messages.inappmessage.Impression", "users.messages.inappmessage.Click"],
}


def synthetic_events(first: date, days: int, per_day: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for offset in range(days):
        day = datetime.combine(first + timedelta(days=offset), datetime.min.time())
        for _ in range(per_day):
            channel = rng.choice(list(FUNNELS))
            user = f"u{rng.randrange(60)}"
            if rng.random() < 0.5:
                keys = {
                    "campaign_id": f"camp-{channel}",
                    "campaign_name": f"Campaign {channel}",
                    "message_variation_id": f"var-{rng.randrange(2)}",
                }
            else:
                keys = {
                    "canvas_id": "canvas-1",
                    "canvas_name": "Onboarding",
                    "canvas_variation_id": "cv-1",
                    "canvas_step_id": f"step-{channel}",
                    "canvas_step_name": f"Step {channel}",
                }
            at = day + timedelta(seconds=rng.randrange(86400))
            for step, event_type in enumerate(FUNNELS[channel]):
                if step and rng.random() < 0.4:
                    break
                extra = {"platform": rng.choice(["ios", "android", "web"])} if channel == "push" else {}
                if event_type.endswith("email.Open"):
                    extra["is_machine_open"] = rng.random() < 0.2
                rows.append(event(event_type, (at + timedelta(minutes=17 * step)).isoformat(), user_id=user, **keys, **extra))
    return rows
