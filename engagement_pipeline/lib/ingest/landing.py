"""New files in the landing zone since the last look, for the landing sensor.

The cursor is the newest modification time seen and the keys modified at exactly that instant
(S3 times have one-second resolution, so two files can share one). A file is new when it is
newer than the cursor, or as new and not among its keys. Temporary files of uploads in
progress (``.tmp``, ``.part``, hidden names) are ignored until they are renamed.

Without a cursor (a fresh instance, or `dagster dev` after `engagement demo`) the sensor asks
the ingestion manifest which Currents files are not loaded yet (``unloaded_files``) and starts
with a cursor past everything listed (``first_look``): files already loaded are not ingested
again, and other files (the message catalog) wait for the next ingestion.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from engagement_pipeline.lib.ingest.load import MANIFEST_TABLE, pending_objects
from engagement_pipeline.lib.platform.storage import ObjectStore, StoredObject
from engagement_pipeline.lib.reports.message_catalog import table_exists

_PARTIAL_SUFFIXES = (".tmp", ".part", ".partial")


@dataclass(frozen=True)
class LandingCursor:
    modified: float = 0.0
    keys: tuple[str, ...] = ()

    def dumps(self) -> str:
        return json.dumps({"modified": self.modified, "keys": list(self.keys)})

    @classmethod
    def loads(cls, text: str | None) -> LandingCursor:
        if not text:
            return cls()
        try:
            value = json.loads(text)
            return cls(float(value["modified"]), tuple(value["keys"]))
        except (ValueError, KeyError, TypeError):
            return cls()


def _complete(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return not name.startswith(".") and not name.endswith(_PARTIAL_SUFFIXES)


def new_files(objects: Iterable[StoredObject], cursor: LandingCursor) -> tuple[list[StoredObject], LandingCursor]:
    """The files not seen by ``cursor`` (sorted by time, then key) and the cursor after them."""
    fresh = [
        item
        for item in objects
        if _complete(item.key) and (item.modified > cursor.modified or (item.modified == cursor.modified and item.key not in cursor.keys))
    ]
    if not fresh:
        return [], cursor
    fresh.sort(key=lambda item: (item.modified, item.key))
    newest = fresh[-1].modified
    at_newest = {item.key for item in fresh if item.modified == newest}
    if newest == cursor.modified:
        at_newest |= set(cursor.keys)
    return fresh, LandingCursor(newest, tuple(sorted(at_newest)))


def unloaded_files(conn: sa.Connection, store: ObjectStore) -> list[StoredObject]:
    """The Currents files of ``store`` that ingestion has not loaded (by key and etag, as it decides)."""
    if not table_exists(conn, MANIFEST_TABLE):
        return list(store.list(suffix=".avro"))
    return pending_objects(conn, store)


def first_look(objects: Iterable[StoredObject], unloaded: Iterable[StoredObject]) -> tuple[list[StoredObject], LandingCursor]:
    """For a sensor without a cursor: the files to ingest (``unloaded``) and a cursor past ``objects``."""
    _, cursor = new_files(objects, LandingCursor())
    fresh = sorted((item for item in unloaded if _complete(item.key)), key=lambda item: (item.modified, item.key))
    return fresh, cursor


def run_key(files: list[StoredObject]) -> str:
    """A run key naming the batch: newest time and a digest of the keys and etags."""
    digest = hashlib.sha1("\n".join(f"{f.key}\t{f.etag}" for f in files).encode()).hexdigest()[:12]
    return f"landing:{files[-1].modified:.3f}:{digest}"
