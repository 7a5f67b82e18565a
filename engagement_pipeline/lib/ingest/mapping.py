"""Map a flush's decoded files to canonical rows, one batch per event type, quarantining files that fail.

Mapping a whole batch at once keeps the per-file cost small. When a batch fails (files whose
fields cannot be combined, or a field that cannot be cast, such as a `time` of strings that are
not numbers), its files are mapped one by one: a file that fails on its own is quarantined with
polars' error as its reason, and every other file of the batch loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from engagement_pipeline.lib.ingest.contacts import latest
from engagement_pipeline.lib.ingest.reader import canonical_batch, first_line
from engagement_pipeline.lib.ingest.record_checks import IngestLimits

MAPPING_ERRORS = (pl.exceptions.PolarsError, pl.exceptions.PanicException)


@dataclass
class MappedBatch:
    """Canonical rows, quarantined records, contact details, and the files that could not be mapped (key -> reason)."""

    events: list[pl.DataFrame] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    contacts: list[pl.DataFrame] = field(default_factory=list)

    def frame(self) -> pl.DataFrame | None:
        return pl.concat(self.events, how="vertical") if self.events else None

    def contacts_frame(self) -> pl.DataFrame:
        """One row per user over the batch's event types: the latest address and number."""
        return latest(pl.concat(self.contacts, how="vertical")) if self.contacts else latest(pl.DataFrame())


def map_batch(by_type: dict[str, list[pl.DataFrame]], limits: IngestLimits, now: datetime) -> MappedBatch:
    """Map each event type's decoded frames (each with its `source_file`); see the module docstring."""
    mapped = MappedBatch()
    for event_type, frames in by_type.items():
        try:
            _add(mapped, *canonical_batch(event_type, frames, limits, now))
        except MAPPING_ERRORS:
            for frame in frames:
                _map_one(mapped, event_type, frame, limits, now)
    return mapped


def _map_one(mapped: MappedBatch, event_type: str, frame: pl.DataFrame, limits: IngestLimits, now: datetime) -> None:
    key = frame["source_file"][0]
    try:
        _add(mapped, *canonical_batch(event_type, [frame], limits, now))
    except MAPPING_ERRORS as exc:
        mapped.failed[key] = (
            f"{key}: field {_failing_field(exc)} cannot be mapped to the canonical columns ({first_line(exc)});"
            " expected Currents field types (time: an integer of UNIX seconds; ids, names and the rest: strings)"
        )


def _add(mapped: MappedBatch, canonical: pl.DataFrame, quarantined: list[dict], contacts: pl.DataFrame) -> None:
    mapped.events.append(canonical)
    mapped.quarantined.extend(quarantined)
    if contacts.height:
        mapped.contacts.append(contacts)


def _failing_field(exc: BaseException) -> str:
    """The field polars' error names: `in column 'time'`, or the failing expression's `col("campaign_id")`."""
    found = re.search(r"column '([^']+)'", str(exc)) or re.search(r'col\("([^"]+)"\)', str(exc))
    return found.group(1) if found else "(unknown)"
