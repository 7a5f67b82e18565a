"""Read a message catalog in the Braze REST list format.

`campaigns.list.json` holds a `/campaigns/list` response (`{"campaigns": [{id,
name, tags, last_edited, ...}]}`) and `canvas.list.json` a `/canvas/list`
response (`{"canvases": [...]}`). Several pages may be concatenated as
`campaigns.list*.json`.
"""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import sqlalchemy as sa

from engagement_pipeline.lib.ingest.canonical import create_table_sql
from engagement_pipeline.lib.platform.storage import ObjectStore

CATALOG_COLUMNS = {
    "message_kind": "varchar",
    "message_id": "varchar",
    "message_name": "varchar",
    "last_edited_at": "timestamp",
    "source_file": "varchar",
}
CATALOG_TAG_COLUMNS = {"message_kind": "varchar", "message_id": "varchar", "tag": "varchar"}
_LISTS = {"campaigns": "campaign", "canvases": "canvas"}


def ensure_catalog_tables(conn: sa.Connection) -> None:
    conn.execute(sa.text(create_table_sql("braze_catalog", CATALOG_COLUMNS)))
    conn.execute(sa.text(create_table_sql("braze_catalog_tags", CATALOG_TAG_COLUMNS)))


class CatalogFileError(ValueError):
    pass


def _parse_time(value: str | None, key: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CatalogFileError(f"{key}: last_edited {value!r} is not an ISO 8601 time") from exc
    return parsed.replace(tzinfo=None) if parsed.tzinfo is None else parsed.astimezone().replace(tzinfo=None)


def parse_catalog(data: bytes, key: str) -> tuple[list[dict], list[dict]]:
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise CatalogFileError(f"{key}: not valid JSON ({exc})") from exc
    messages, tags = [], []
    for list_key, kind in _LISTS.items():
        for index, item in enumerate(document.get(list_key, []) if isinstance(document, dict) else []):
            if not isinstance(item, dict) or not item.get("id"):
                raise CatalogFileError(f"{key}: {list_key}[{index}].id is missing; expected a Braze API id")
            messages.append(
                {
                    "message_kind": kind,
                    "message_id": item["id"],
                    "message_name": item.get("name"),
                    "last_edited_at": _parse_time(item.get("last_edited"), key),
                    "source_file": key,
                }
            )
            tags.extend({"message_kind": kind, "message_id": item["id"], "tag": str(tag)} for tag in item.get("tags") or [])
    if isinstance(document, dict) and not any(k in document for k in _LISTS):
        raise CatalogFileError(f"{key}: expected a 'campaigns' or 'canvases' list (Braze /campaigns/list or /canvas/list response)")
    return messages, tags


def is_catalog_file(key: str) -> bool:
    """A Braze list export (`campaigns.list*.json`, `canvas.list*.json`) anywhere in the store."""
    name = key.rsplit("/", 1)[-1]
    return name.endswith(".json") and name.startswith(("campaigns.list", "canvas.list"))


def read_catalog(store: ObjectStore) -> tuple[pl.DataFrame, pl.DataFrame, list[str], list[str]]:
    """All catalog files of the store: (messages, tags, files read, errors)."""
    messages, tags, files, errors = [], [], [], []
    for obj in store.list(suffix=".json"):
        if not is_catalog_file(obj.key):
            continue
        try:
            found, found_tags = parse_catalog(store.read(obj.key), store.describe(obj.key))
        except CatalogFileError as exc:
            errors.append(str(exc))
            continue
        files.append(obj.key)
        messages.extend(found)
        tags.extend(found_tags)
    schema = {
        "message_kind": pl.String,
        "message_id": pl.String,
        "message_name": pl.String,
        "last_edited_at": pl.Datetime("us"),
        "source_file": pl.String,
    }
    frame = (
        pl.DataFrame(messages, schema=schema).sort("last_edited_at", nulls_last=False).unique(["message_kind", "message_id"], keep="last")
    )
    tag_frame = pl.DataFrame(tags, schema={"message_kind": pl.String, "message_id": pl.String, "tag": pl.String}).unique()
    return frame, tag_frame, files, errors
