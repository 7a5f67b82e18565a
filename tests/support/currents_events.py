"""Write Currents Avro files of any event type with the fields a test names (all strings but `time`)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import fastavro

from tests.support.avro_files import currents_key


def unix(at: str) -> int:
    """UNIX seconds of an ISO UTC time such as '2026-11-20T12:00:00'."""
    return int(datetime.fromisoformat(at).replace(tzinfo=timezone.utc).timestamp())


def land(landing: Path, event_type: str, name: str, records: list[dict], hour: str = "2026-11-20-12") -> Path:
    """One file of `event_type` in the landing zone at a Currents key; each record's `time` may be ISO text."""
    rows = [{**r, "time": unix(r["time"]) if isinstance(r.get("time"), str) else r.get("time")} for r in records]
    names = sorted({key for row in rows for key in row} - {"time"})
    schema = {
        "type": "record",
        "name": f"dataexport.S3.inner.{event_type}",
        "fields": [{"name": "time", "type": ["null", "long"], "default": None}]
        + [{"name": n, "type": ["null", "string"], "default": None} for n in names],
    }
    path = landing / currents_key(event_type, hour, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        fastavro.writer(handle, fastavro.parse_schema(schema), rows)
    return path
