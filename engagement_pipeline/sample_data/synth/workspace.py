"""The synthetic Braze workspace: campaigns, Canvases, their variants and steps, in one place.

The catalog files and the events are both built from `Workspace`, so every id an event
carries is listed in the catalog with the same (latest) name and tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from engagement_pipeline.sample_data.synth.ids import python_uuid

CHANNELS = ("email", "push", "web_push", "in_app_message", "content_card", "webhook", "sms", "whatsapp", "banner")

# name, channel, tags, variant names, control-group share, relative audience, blast hour (UTC) or None
CAMPAIGN_SPECS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], float, float, int | None], ...] = (
    ("Weekly Newsletter", "email", ("newsletter",), ("Default",), 0.0, 3.0, 8),
    ("Black Friday Early Access", "email", ("promo", "q4"), ("Subject A", "Subject B", "Subject C"), 0.1, 2.5, 9),
    ("Order Confirmation", "email", ("transactional",), ("Default",), 0.0, 2.0, None),
    ("Abandoned Cart Reminder", "email", ("retention", "promo"), ("Short copy", "Long copy"), 0.0, 1.5, None),
    ("Flash Sale Alert", "push", ("promo", "q4"), ("Emoji title", "Plain title"), 0.05, 1.5, 18),
    ("Back in Stock", "web_push", ("promo",), ("Default",), 0.0, 1.0, None),
    ("New Feature Tour", "in_app_message", ("onboarding",), ("Modal", "Slideup"), 0.0, 1.0, None),
    ("Loyalty Rewards", "content_card", ("retention",), ("Default",), 0.0, 1.0, None),
    ("CRM Profile Sync", "webhook", ("transactional",), ("Default",), 0.0, 1.0, None),
    ("Delivery Updates", "sms", ("transactional",), ("Default",), 0.0, 1.0, None),
    ("Weekend Deals SMS", "sms", ("promo",), ("Variant A", "Variant B"), 0.0, 1.0, 10),
    ("Order Ready on WhatsApp", "whatsapp", ("transactional",), ("Default",), 0.0, 1.0, None),
    ("Homepage Hero Banner", "banner", ("onsite",), ("Default",), 0.0, 1.0, None),
)
RENAMES = {"Black Friday Early Access": "Black Friday VIP Early Access"}

# name, tags, steps as (name, channel), relative audience
CANVAS_SPECS: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...], float], ...] = (
    (
        "Onboarding Journey",
        ("onboarding",),
        (("Welcome Email", "email"), ("Enable Notifications", "push"), ("Getting Started Tour", "in_app_message"), ("Day 7 Tips", "email")),
        1.5,
    ),
    (
        "Cart Recovery",
        ("retention", "promo"),
        (("Cart Reminder Email", "email"), ("Cart Reminder Push", "push"), ("Last Chance SMS", "sms")),
        1.5,
    ),
    (
        "Win-back 30 Days",
        ("retention",),
        (("We Miss You Email", "email"), ("Comeback Offer Card", "content_card"), ("Final Nudge WhatsApp", "whatsapp")),
        1.0,
    ),
    (
        "Post-Purchase Follow-up",
        ("transactional",),
        (
            ("Thank You Email", "email"),
            ("Review Request", "email"),
            ("Loyalty Points Sync", "webhook"),
            ("Cross-sell Web Push", "web_push"),
        ),
        1.0,
    ),
)
STEP_RETENTION = (1.0, 0.75, 0.55, 0.4)


@dataclass(frozen=True)
class Variant:
    id: str
    name: str
    is_control: bool = False


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    renamed_to: str | None
    renamed_at: datetime | None
    channel: str
    tags: tuple[str, ...]
    variants: tuple[Variant, ...]
    control_share: float
    audience: float
    blast_hour: int | None
    last_edited: datetime

    @property
    def latest_name(self) -> str:
        return self.renamed_to or self.name


@dataclass(frozen=True)
class Step:
    id: str
    name: str
    channel: str
    message_variation_id: str


@dataclass(frozen=True)
class CanvasVariation:
    id: str
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Canvas:
    id: str
    name: str
    tags: tuple[str, ...]
    variations: tuple[CanvasVariation, ...]
    audience: float
    last_edited: datetime


@dataclass(frozen=True)
class Workspace:
    app_group_id: str
    integration_id: str
    app_ids: dict[str, str]
    campaigns: tuple[Campaign, ...]
    canvases: tuple[Canvas, ...]


def _edited(rng: np.random.Generator, start: datetime) -> datetime:
    return start - timedelta(seconds=int(rng.integers(86_400, 60 * 86_400)))


def build_workspace(rng: np.random.Generator, start: datetime, end: datetime) -> Workspace:
    """Ids and names of the workspace; `start`/`end` bound the generated window (the rename is midway)."""
    rename_at = start + (end - start) / 2
    campaigns = []
    for name, channel, tags, variant_names, control, audience, blast in CAMPAIGN_SPECS:
        variants = [Variant(python_uuid(rng), variant) for variant in variant_names]
        if control:
            variants.append(Variant(python_uuid(rng), "Control Group", is_control=True))
        renamed = RENAMES.get(name)
        campaigns.append(
            Campaign(
                python_uuid(rng),
                name,
                renamed,
                rename_at if renamed else None,
                channel,
                tags,
                tuple(variants),
                control,
                audience,
                blast,
                rename_at if renamed else _edited(rng, start),
            )
        )
    canvases = []
    for name, tags, steps, audience in CANVAS_SPECS:
        variations = tuple(
            CanvasVariation(
                python_uuid(rng),
                f"Variant {number}",
                tuple(Step(python_uuid(rng), step_name, channel, python_uuid(rng)) for step_name, channel in steps),
            )
            for number in (1, 2)
        )
        canvases.append(Canvas(python_uuid(rng), name, tags, variations, audience, _edited(rng, start)))
    integration = "".join(f"{b:02x}" for b in rng.integers(0, 256, size=12).tolist())
    app_ids = {platform: python_uuid(rng) for platform in ("ios", "android", "kindle", "web")}
    return Workspace(python_uuid(rng), integration, app_ids, tuple(campaigns), tuple(canvases))
