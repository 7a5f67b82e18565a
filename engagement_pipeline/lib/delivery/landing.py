"""New files in the landing zone since the last look, for the landing sensor.

The cursor is the newest modification time seen and the keys modified at exactly that instant
(S3 times have one-second resolution, so two files can share one). A file is new when it is
newer than the cursor, or as new and not among its keys. Temporary files of uploads in
progress (``.tmp``, ``.part``, hidden names) are ignored until they are renamed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from engagement_pipeline.lib.storage import StoredObject

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
        if _complete(item.key)
        and (item.modified > cursor.modified or (item.modified == cursor.modified and item.key not in cursor.keys))
    ]
    if not fresh:
        return [], cursor
    fresh.sort(key=lambda item: (item.modified, item.key))
    newest = fresh[-1].modified
    at_newest = {item.key for item in fresh if item.modified == newest}
    if newest == cursor.modified:
        at_newest |= set(cursor.keys)
    return fresh, LandingCursor(newest, tuple(sorted(at_newest)))


def run_key(files: list[StoredObject]) -> str:
    """A run key naming the batch: newest time and a digest of the keys and etags."""
    digest = hashlib.sha1("\n".join(f"{f.key}\t{f.etag}" for f in files).encode()).hexdigest()[:12]
    return f"landing:{files[-1].modified:.3f}:{digest}"
