"""The message table: one row per sendable message (campaign variant, control group or Canvas step).

Funnels work on message indices; the table turns an index into channel facts (numpy
arrays) and into the values of every message-level Avro field (`values(name)`, indexed by
message version: row m before a rename, row m + count after it). Links (URLs and their
ids) of message m are rows link_start[m] .. link_start[m] + link_count[m] of `links`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engagement_pipeline.sample_data.synth.workspace import CHANNELS, STEP_RETENTION, Campaign, Workspace

NEVER = 2**62
LINK_ALIASES = ("hero_banner", "cta_button", "product_grid", "secondary_cta", "footer_help", "social_instagram")
LINK_PATHS = ("sale", "shop", "new-arrivals", "account", "help", "instagram")
LINK_COUNTS = {"email": (3, 4, 5, 6), "sms": (1,), "whatsapp": (1,)}
SENDERS: dict[str, dict[str, str]] = {
    "email": {"from_domain": "e.shop.example.com", "esp": "SendGrid", "ip_pool": "marketing", "sending_ip": "167.89.12.41"},
    "sms": {"from_phone_number": "+15550100200", "inbound_phone_number": "+15550100200"},
    "whatsapp": {"from_phone_number": "+15550100300", "inbound_phone_number": "+15550100300"},
    "webhook": {"endpoint_url": "https://crm.example.com/api/v2/profiles", "host": "crm.example.com", "url_path": "/api/v2/profiles"},
    "banner": {"banner_placement_id": "homepage_hero"},
}


@dataclass(frozen=True)
class Message:
    channel: str
    values: dict[str, str | None]
    renamed_values: dict[str, str | None] | None = None
    rename_at: int = NEVER
    weight: float = 0.0
    blast_hour: int = -1
    control_share: float = 0.0
    control_of: int = -1
    is_canvas: bool = False
    is_first_step: bool = False


@dataclass
class MessageTable:
    messages: list[Message]
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        facts = ("rename_at", "weight", "blast_hour", "control_share", "control_of", "is_canvas", "is_first_step")
        self.arrays = {name: np.array([getattr(m, name) for m in self.messages]) for name in facts}
        self.arrays["channel"] = np.array([CHANNELS.index(m.channel) for m in self.messages], dtype=np.int32)
        self.arrays["is_web"] = self.arrays["channel"] == CHANNELS.index("web_push")
        self.links = {name: [] for name in ("url", "link_id", "link_alias", "short_url")}
        starts, counts = [], []
        for index, message in enumerate(self.messages):
            starts.append(len(self.links["url"]))
            counts.append(self._add_links(index, message))
        self.arrays["link_start"] = np.array(starts, dtype=np.int32)
        self.arrays["link_count"] = np.array(counts, dtype=np.int32)

    @property
    def count(self) -> int:
        return len(self.messages)

    def values(self, name: str) -> list[str | None]:
        """Values of a message-level field for every message version (2 * count entries)."""
        before = [{**SENDERS.get(m.channel, {}), **m.values} for m in self.messages]
        after = [{**row, **(m.renamed_values or {})} for row, m in zip(before, self.messages)]
        return [row.get(name) for row in before + after]

    def _add_links(self, index: int, message: Message) -> int:
        choices = LINK_COUNTS.get(message.channel, (0,))
        count = choices[index % len(choices)]
        name = message.values.get("campaign_name") or message.values.get("canvas_name") or ""
        slug = name.lower().replace(" ", "-")
        for k in range(count):
            self.links["url"].append(f"https://shop.example.com/{LINK_PATHS[k]}?utm_medium={message.channel}&utm_campaign={slug}")
            self.links["link_id"].append(f"{_fnv(f'{index}/{k}'):08x}")
            self.links["link_alias"].append(LINK_ALIASES[k])
            self.links["short_url"].append(f"https://brz.ai/{_fnv(f'{slug}/{index}/{k}'):08x}")
        return count


def _fnv(text: str) -> int:
    value = 2166136261
    for char in text.encode():
        value = ((value ^ char) * 16777619) & 0xFFFFFFFF
    return value


def _campaign_messages(campaign: Campaign, first_index: int) -> list[Message]:
    renamed = {"campaign_name": campaign.renamed_to} if campaign.renamed_to else None
    rename_at = int(campaign.renamed_at.timestamp()) if campaign.renamed_at else NEVER
    shown = [v for v in campaign.variants if not v.is_control]
    control = [v for v in campaign.variants if v.is_control]
    control_index = first_index if control else -1
    messages = []
    for variant in control + shown:
        values = {
            "campaign_id": campaign.id,
            "campaign_name": campaign.name,
            "message_variation_id": variant.id,
            "message_variation_name": variant.name,
        }
        if campaign.channel == "content_card":
            values["content_card_id"] = f"{campaign.id[:8]}-{variant.id[-12:]}"
        if campaign.channel == "whatsapp":
            values["template_name"] = "order_ready_v2"
        sendable = not variant.is_control
        messages.append(
            Message(
                campaign.channel,
                values,
                renamed,
                rename_at,
                weight=campaign.audience / len(shown) if sendable else 0.0,
                blast_hour=campaign.blast_hour if sendable and campaign.blast_hour is not None else -1,
                control_share=campaign.control_share if sendable else 0.0,
                control_of=control_index if sendable else -1,
            )
        )
    return messages


def build_messages(workspace: Workspace) -> MessageTable:
    messages: list[Message] = []
    for campaign in workspace.campaigns:
        messages.extend(_campaign_messages(campaign, len(messages)))
    for canvas in workspace.canvases:
        for variation in canvas.variations:
            for position, step in enumerate(variation.steps):
                values = {
                    "canvas_id": canvas.id,
                    "canvas_name": canvas.name,
                    "canvas_variation_id": variation.id,
                    "canvas_variation_name": variation.name,
                    "canvas_step_id": step.id,
                    "canvas_step_name": step.name,
                    "canvas_step_message_variation_id": step.message_variation_id,
                }
                if step.channel == "content_card":
                    values["content_card_id"] = f"{canvas.id[:8]}-{step.id[-12:]}"
                if step.channel == "whatsapp":
                    values["template_name"] = "winback_offer_v1"
                weight = canvas.audience / len(canvas.variations) * STEP_RETENTION[position]
                messages.append(Message(step.channel, values, weight=weight, is_canvas=True, is_first_step=position == 0))
    return MessageTable(messages)
