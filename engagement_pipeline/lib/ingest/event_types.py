"""The Braze Currents event types we ingest, and their channel and action.

Channel names follow ../shared/notes/metrics.md; web push is not an event type of
its own (it is a pushnotification event with platform = 'web') so it is resolved
per record by the reader, not here.
"""

from __future__ import annotations

import re

MESSAGE_CHANNELS: dict[str, str] = {
    "email": "email",
    "pushnotification": "push",
    "inappmessage": "in_app_message",
    "contentcard": "content_card",
    "webhook": "webhook",
    "sms": "sms",
    "whatsapp": "whatsapp",
}

MESSAGE_ACTIONS: dict[str, tuple[str, ...]] = {
    "email": (
        "Send",
        "Delivery",
        "Bounce",
        "SoftBounce",
        "Open",
        "Click",
        "Unsubscribe",
        "MarkAsSpam",
        "Abort",
        "Retry",
        "Deferral",
    ),
    "pushnotification": ("Send", "Bounce", "Open", "IosForeground", "Abort", "Retry"),
    "inappmessage": ("Impression", "Click", "Abort"),
    "contentcard": ("Send", "Impression", "Click", "Dismiss", "Abort"),
    "webhook": ("Send", "Failure", "Abort", "Retry"),
    "sms": (
        "Send",
        "CarrierSend",
        "Delivery",
        "Rejection",
        "DeliveryFailure",
        "ShortLinkClick",
        "InboundReceive",
        "Abort",
        "Retry",
    ),
    "whatsapp": ("Send", "Delivery", "Read", "Failure", "Click", "InboundReceive", "Abort", "Retry"),
}

OTHER_EVENT_TYPES: dict[str, str] = {
    "users.campaigns.Conversion": "conversion",
    "users.campaigns.EnrollInControl": "enroll_in_control",
    "users.canvas.Entry": "entry",
    "users.canvas.Conversion": "conversion",
    "users.behaviors.app.SessionStart": "session_start",
}

SCHEMA_NAME_PREFIX = "dataexport.S3.inner."
CHANNELS = ("email", "push", "web_push", "in_app_message", "content_card", "webhook", "sms", "whatsapp")


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _build() -> dict[str, tuple[str | None, str]]:
    table: dict[str, tuple[str | None, str]] = {}
    for family, actions in MESSAGE_ACTIONS.items():
        for action in actions:
            table[f"users.messages.{family}.{action}"] = (MESSAGE_CHANNELS[family], snake_case(action))
    for event_type, action in OTHER_EVENT_TYPES.items():
        table[event_type] = (None, action)
    return table


EVENT_TYPES: dict[str, tuple[str | None, str]] = _build()
ACTIONS = tuple(sorted({action for _, action in EVENT_TYPES.values()}))


def is_ingested(event_type: str) -> bool:
    return event_type in EVENT_TYPES


def event_type_from_schema_name(schema_name: str | None) -> str | None:
    if schema_name and schema_name.startswith(SCHEMA_NAME_PREFIX):
        return schema_name[len(SCHEMA_NAME_PREFIX) :]
    return None


def event_type_from_key(key: str) -> str | None:
    """`.../event_type=users.messages.email.Open/date=...` or a file named after its type."""
    match = re.search(r"event_type=([A-Za-z0-9_.]+)", key)
    if match:
        return match.group(1)
    stem = re.sub(r"\.avro$", "", key.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    return stem if stem.startswith("users.") else None
