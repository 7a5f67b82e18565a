"""The message table: one row per sendable message (campaign variant, control group or Canvas step).

Funnels work on message indices; this table turns an index into channel facts (arrays) and
into the values of every message-level Avro field (lists indexed by message version: row m
before a rename, row m + count after it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engagement_pipeline.lib.currents.synth.workspace import CHANNELS, STEP_RETENTION, Workspace

NEVER = 2**62
LINK_ALIASES = ("hero_banner", "cta_button", "product_grid", "secondary_cta", "footer_help", "social_instagram")
LINK_PATHS = ("sale", "shop", "new-arrivals", "account", "help", "instagram")
SENDERS = {
    "email": {"from_domain": "e.shop.example.com", "esp": "SendGrid", "ip_pool": "marketing", "sending_ip": "167.89.12.41"},
    "sms": {"from_phone_number": "+15550100200", "inbound_phone_number": "+15550100200"},
    "whatsapp": {"from_phone_number": "+15550100300", "inbound_phone_number": "+15550100300"},
    "webhook": {"endpoint_url": "https://crm.example.com/api/v2/profiles", "host": "crm.example.com",
                "url_path": "/api/v2/profiles"},
    "banner": {"banner_placement_id": "homepage_hero"},
}


@dataclass
class MessageTable:
    count: int = 0
    channel: list[int] = field(default_factory=list)
    is_canvas: list[bool] = field(default_factory=list)
    is_first_step: list[bool] = field(default_factory=list)
    control_of: list[int] = field(default_factory=list)
    control_share: list[float] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)
    blast_hour: list[int] = field(default_factory=list)
    rename_at: list[int] = field(default_factory=list)
    link_start: list[int] = field(default_factory=list)
    link_count: list[int] = field(default_factory=list)
    rows: list[dict[str, str | None]] = field(default_factory=list)
    renamed_rows: list[dict[str, str | None]] = field(default_factory=list)
    links: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in ("url", "link_id", "link_alias", "short_url")})
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def values(self, name: str) -> list[str | None]:
        """Values of a message-level field for every message version (2 * count entries)."""
        return [row.get(name) for row in self.rows] + [row.get(name) for row in self.renamed_rows]

    def add(self, channel: str, row: dict[str, str | None], renamed: dict[str, str | None] | None = None, **facts: object) -> int:
        index = self.count
        self.count += 1
        self.channel.append(CHANNELS.index(channel))
        self.is_canvas.append(bool(facts.get("is_canvas", False)))
        self.is_first_step.append(bool(facts.get("is_first_step", False)))
        self.control_of.append(-1)
        self.control_share.append(float(facts.get("control_share", 0.0)))
        self.weight.append(float(facts.get("weight", 0.0)))
        self.blast_hour.append(int(facts.get("blast_hour", -1)))
        self.rename_at.append(int(facts.get("rename_at", NEVER)))
        row = {**row, **SENDERS.get(channel, {})}
        self.rows.append(row)
        self.renamed_rows.append({**row, **(renamed or {})})
        self._add_links(channel, row, index)
        return index

    def _add_links(self, channel: str, row: dict[str, str | None], index: int) -> None:
        count = {"email": 3 + index % 4, "sms": 1, "whatsapp": 1}.get(channel, 0)
        slug = (row.get("campaign_name") or row.get("canvas_name") or "message").lower().replace(" ", "-")
        self.link_start.append(len(self.links["url"]))
        self.link_count.append(count)
        for k in range(count):
            self.links["url"].append(f"https://shop.example.com/{LINK_PATHS[k]}?utm_medium={channel}&utm_campaign={slug}")
            self.links["link_id"].append(f"{index:03d}{k:02d}{hash_text(slug) % 10**6:06d}")
            self.links["link_alias"].append(LINK_ALIASES[k])
            self.links["short_url"].append(f"https://brz.ai/{hash_text(slug + str(k)) % 36**6:06x}")

    def freeze(self) -> MessageTable:
        names = ("channel", "is_canvas", "is_first_step", "control_of", "control_share", "weight", "blast_hour",
                 "rename_at", "link_start", "link_count")
        self.arrays = {name: np.asarray(getattr(self, name)) for name in names}
        self.arrays["is_web"] = self.arrays["channel"] == CHANNELS.index("web_push")
        return self


def hash_text(text: str) -> int:
    value = 2166136261
    for char in text.encode():
        value = ((value ^ char) * 16777619) & 0xFFFFFFFF
    return value


def build_messages(ws: Workspace) -> MessageTable:
    table = MessageTable()
    for campaign in ws.campaigns:
        shown = [v for v in campaign.variants if not v.is_control]
        controls = [v for v in campaign.variants if v.is_control]
        control_index = -1
        for variant in controls:
            row = {"campaign_id": campaign.id, "campaign_name": campaign.name,
                   "message_variation_id": variant.id, "message_variation_name": variant.name}
            control_index = table.add(campaign.channel, row, _renamed(campaign), rename_at=_at(campaign))
        for variant in shown:
            row = {"campaign_id": campaign.id, "campaign_name": campaign.name,
                   "message_variation_id": variant.id, "message_variation_name": variant.name,
                   "content_card_id": f"{campaign.id[:8]}-{variant.id[-12:]}" if campaign.channel == "content_card" else None,
                   "template_name": "order_ready_v2" if campaign.channel == "whatsapp" else None}
            index = table.add(campaign.channel, row, _renamed(campaign), rename_at=_at(campaign),
                              weight=campaign.audience / len(shown), blast_hour=-1 if campaign.blast_hour is None else campaign.blast_hour,
                              control_share=campaign.control_share)
            table.control_of[index] = control_index
    for canvas in ws.canvases:
        for variation in canvas.variations:
            for position, step in enumerate(variation.steps):
                row = {"canvas_id": canvas.id, "canvas_name": canvas.name, "canvas_variation_id": variation.id,
                       "canvas_variation_name": variation.name, "canvas_step_id": step.id, "canvas_step_name": step.name,
                       "canvas_step_message_variation_id": step.message_variation_id,
                       "content_card_id": f"{canvas.id[:8]}-{step.id[-12:]}" if step.channel == "content_card" else None,
                       "template_name": "winback_offer_v1" if step.channel == "whatsapp" else None}
                table.add(step.channel, row, is_canvas=True, is_first_step=position == 0,
                          weight=canvas.audience / len(canvas.variations) * STEP_RETENTION[position])
    return table.freeze()


def _renamed(campaign) -> dict[str, str | None] | None:
    return {"campaign_name": campaign.renamed_to} if campaign.renamed_to else None


def _at(campaign) -> int:
    return int(campaign.renamed_at.timestamp()) if campaign.renamed_at else NEVER
