"""Write small Currents-shaped Avro files for tests (fastavro, Currents schema names)."""

from __future__ import annotations

from pathlib import Path

import fastavro

_NULLABLE = ["null", "string"]


def email_schema(event_type: str = "users.messages.email.Send", field_types: dict | None = None) -> dict:
    """The email schema; `field_types` overrides the Avro type of some fields (a `time` of strings)."""
    fields = [
        {"name": "id", "type": _NULLABLE, "default": None},
        {"name": "user_id", "type": _NULLABLE, "default": None},
        {"name": "time", "type": ["null", "int"], "default": None},
        {"name": "campaign_id", "type": _NULLABLE, "default": None},
        {"name": "message_variation_id", "type": _NULLABLE, "default": None},
        {"name": "email_address", "type": _NULLABLE, "default": None},
        {"name": "bounce_reason", "type": _NULLABLE, "default": None},
    ]
    fields = [{**f, "type": (field_types or {}).get(f["name"], f["type"])} for f in fields]
    return {"type": "record", "name": f"dataexport.S3.inner.{event_type}", "fields": fields}


def write_events(path: Path, records: list[dict], event_type: str = "users.messages.email.Send", field_types: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    full = [
        {"campaign_id": "c1", "message_variation_id": "v1", "email_address": "a@example.org", "bounce_reason": None, **r} for r in records
    ]
    with open(path, "wb") as handle:
        fastavro.writer(handle, fastavro.parse_schema(email_schema(event_type, field_types)), full)
    return path


def currents_key(event_type: str, hour: str, name: str) -> str:
    return f"currents/dataexport.prod-03.S3.integration.abc/event_type={event_type}/date={hour}/version=10/prod/{name}.avro"
