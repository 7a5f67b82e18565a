"""Record checks of a batch of decoded Currents records, as vectorised polars expressions.

A record that fails a check is split off for the quarantine table with every reason it
failed, and the rest of the batch loads: `id`, `time` or `user_id` missing; `time`
(UNIX seconds) before the floor (ENGAGEMENT_EVENT_TIME_FLOOR) or more than the margin
(ENGAGEMENT_EVENT_TIME_FUTURE_HOURS) after the ingestion time, so that no time overflows
or lands on an absurd day; a string field longer than ENGAGEMENT_MAX_STRING_BYTES. A
`time` that cannot be cast to an integer raises polars' error: the caller quarantines the
file (see `mapping.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import polars as pl

from engagement_pipeline.lib.ingest.canonical import REQUIRED_FIELDS
from engagement_pipeline.lib.ingest.contacts import PERSONAL_SOURCE_FIELDS

# Bounds of a time that converts to a microsecond timestamp on every engine: 0001-01-01 .. 9999-12-31.
_FIRST_SECOND, _LAST_SECOND = -62_135_596_800, 253_402_300_799
_PREVIEW_CHARS = 1024
REDACTED = "(redacted)"


@dataclass(frozen=True)
class IngestLimits:
    """What a record must satisfy to load; the defaults are the documented settings' defaults."""

    time_floor: datetime = datetime(2010, 1, 1, tzinfo=timezone.utc)
    future_margin: timedelta = timedelta(days=1)
    max_string_bytes: int = 64 * 1024

    def time_bounds(self, now: datetime) -> tuple[int, int]:
        """First and last accepted `time` (UNIX seconds) for an ingestion at `now`."""
        first = int(self.time_floor.timestamp())
        last = int(now.timestamp() + self.future_margin.total_seconds())
        return max(first, _FIRST_SECOND), min(last, _LAST_SECOND)


def split_invalid(frame: pl.DataFrame, event_type: str, limits: IngestLimits, now: datetime) -> tuple[pl.DataFrame, list[dict]]:
    """The records of `frame` that pass every check, and a quarantine row for each other record."""
    if _all_pass(frame, limits, now):
        return frame, []
    checks = _checks(frame, limits, now)
    bad = frame.select(pl.any_horizontal([failed for failed, _ in checks]).alias("bad")).to_series()
    rejected = frame.filter(bad)
    reasons = rejected.select(
        pl.format(
            "{}: {}",
            pl.col("source_file"),
            pl.concat_str([pl.when(failed).then(reason) for failed, reason in checks], separator="; ", ignore_nulls=True),
        )
    ).to_series()
    rows = [
        quarantine_row(record.pop("source_file"), event_type, reason, record, limits.max_string_bytes)
        for record, reason in zip(rejected.to_dicts(), reasons)
    ]
    return frame.filter(~bad), rows


def _all_pass(frame: pl.DataFrame, limits: IngestLimits, now: datetime) -> bool:
    """Whether every record passes, from one row of column aggregates (cheaper than a mask per check)."""
    first, last = limits.time_bounds(now)
    strings = _string_fields(frame)
    seconds = pl.col("time").cast(pl.Int64)
    stats = frame.select(
        pl.sum_horizontal([pl.col(name).null_count() for name in REQUIRED_FIELDS]).alias("nulls"),
        pl.min_horizontal([pl.col(n).str.len_bytes().min() for n in REQUIRED_FIELDS if n in strings] or [pl.lit(1)]).alias("shortest"),
        seconds.min().alias("earliest"),
        seconds.max().alias("latest"),
        pl.max_horizontal([pl.col(n).str.len_bytes().max() for n in strings] or [pl.lit(0)]).alias("longest"),
    ).row(0, named=True)
    return (
        stats["nulls"] == 0
        and (stats["shortest"] or 0) > 0
        and stats["earliest"] is not None
        and first <= stats["earliest"]
        and stats["latest"] <= last
        and (stats["longest"] or 0) <= limits.max_string_bytes
    )


def _string_fields(frame: pl.DataFrame) -> list[str]:
    return [name for name, dtype in frame.schema.items() if dtype == pl.String and name != "source_file"]


def _checks(frame: pl.DataFrame, limits: IngestLimits, now: datetime) -> list[tuple[pl.Expr, pl.Expr]]:
    """(failed, reason) expression pairs; `failed` is never null."""
    missing = {
        name: (pl.col(name).is_null() | (pl.col(name) == "")).fill_null(True) if frame.schema[name] == pl.String else pl.col(name).is_null()
        for name in REQUIRED_FIELDS
    }
    absent = pl.concat_str([pl.when(m).then(pl.lit(name)) for name, m in missing.items()], separator=", ", ignore_nulls=True)
    checks = [
        (pl.any_horizontal(list(missing.values())), pl.format("record without {}; expected a non-empty id, time and user_id", absent))
    ]
    checks += _time_checks(limits, now)
    checks += _string_checks(frame, limits.max_string_bytes)
    return checks


def _time_checks(limits: IngestLimits, now: datetime) -> list[tuple[pl.Expr, pl.Expr]]:
    first, last = limits.time_bounds(now)
    seconds = pl.col("time").cast(pl.Int64)
    floor = datetime.fromtimestamp(first, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    ceiling = datetime.fromtimestamp(last, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    hours = limits.future_margin / timedelta(hours=1)
    return [
        (
            (seconds < first).fill_null(False),
            pl.format(
                f"time {{}} (UNIX seconds) is before {floor}; expected an event time from the floor on (ENGAGEMENT_EVENT_TIME_FLOOR)",
                seconds,
            ),
        ),
        (
            (seconds > last).fill_null(False),
            pl.format(
                f"time {{}} (UNIX seconds) is after {ceiling}; expected at most {hours:g} h after the ingestion time (ENGAGEMENT_EVENT_TIME_FUTURE_HOURS)",
                seconds,
            ),
        ),
    ]


def _string_checks(frame: pl.DataFrame, limit: int) -> list[tuple[pl.Expr, pl.Expr]]:
    return [
        (
            (pl.col(name).str.len_bytes() > limit).fill_null(False),
            pl.format(f"field {name} is {{}} bytes; expected at most {limit} (ENGAGEMENT_MAX_STRING_BYTES)", pl.col(name).str.len_bytes()),
        )
        for name in _string_fields(frame)
    ]


def quarantine_row(key: str, event_type: str | None, reason: str, record: dict | None, max_string_bytes: int | None = None) -> dict:
    """A row of the quarantine table: the record as JSON (strings over the limit cut to a preview, e-mail
    addresses and phone numbers redacted), or no record for a whole file."""
    if record is not None and max_string_bytes is not None:
        record = {name: _preview(value, max_string_bytes) for name, value in record.items()}
    if record is not None:  # personal data lives only in recipient_contacts (contacts.py)
        record = {name: REDACTED if name in PERSONAL_SOURCE_FIELDS and value is not None else value for name, value in record.items()}
    return {
        "source_file": key,
        "event_type": event_type,
        "event_id": _preview(str(record["id"]), _PREVIEW_CHARS) if record and record.get("id") is not None else None,
        "reason": reason,
        "record_json": json.dumps(record, default=str, sort_keys=True) if record is not None else None,
        "quarantined_at": datetime.now(timezone.utc).replace(tzinfo=None),
    }


def _preview(value, limit: int):
    if isinstance(value, str) and len(value.encode()) > limit:
        return f"{value[:_PREVIEW_CHARS]}... ({len(value.encode())} bytes)"
    return value
