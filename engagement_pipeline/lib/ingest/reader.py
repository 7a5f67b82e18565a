"""Decode one Braze Currents Avro file into canonical event rows.

Decoding uses polars' native (Rust) Avro reader; the event type comes from the
writer schema's name (`dataexport.S3.inner.<event type>`), falling back to the
`event_type=` folder of the object key. Records that fail a check (`checks.py`)
are split off for quarantine with their reason instead of failing the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timezone

import fastavro
import polars as pl

from engagement_pipeline.lib.ingest.canonical import CANONICAL_COLUMNS, REQUIRED_FIELDS, polars_schema
from engagement_pipeline.lib.ingest.contacts import contacts_of
from engagement_pipeline.lib.ingest.event_types import (
    EVENT_TYPES,
    event_type_from_key,
    event_type_from_schema_name,
)
from engagement_pipeline.lib.ingest.record_checks import IngestLimits, quarantine_row, split_invalid


class CurrentsFileError(ValueError):
    """The file cannot be decoded as a Currents Avro file."""


@dataclass
class DecodedFile:
    """One decoded file: its records as written (`raw`, plus a `source_file` column), or why it is skipped."""

    key: str
    event_type: str | None
    raw: pl.DataFrame
    quarantined: list[dict] = field(default_factory=list)
    skip_reason: str | None = None

    @property
    def skipped(self) -> bool:
        return self.skip_reason is not None


def skip_reason(event_type: str | None) -> str | None:
    """Why a file of `event_type` (None: neither its schema nor its key names one) is not loaded."""
    if event_type is None:
        return "skipped: not a Currents path (no event_type= folder in the key, no dataexport.S3.inner.<event type> schema name)"
    return None if event_type in EVENT_TYPES else f"skipped: unknown event type {event_type}"


_PASS_THROUGH = (
    "user_id",
    "external_user_id",
    "campaign_id",
    "campaign_name",
    "message_variation_id",
    "message_variation_name",
    "canvas_id",
    "canvas_name",
    "canvas_variation_id",
    "canvas_variation_name",
    "canvas_step_id",
    "canvas_step_name",
    "dispatch_id",
    "send_id",
    "platform",
    "url",
    "link_id",
    "link_alias",
    "button_id",
    "button_string",
    "bounce_reason",
    "mailbox_provider",
    "timezone",
    "abort_type",
)
_CAMPAIGN_FIELDS = ("campaign_id", "campaign_name", "message_variation_id", "message_variation_name")
_CANVAS_FIELDS = (
    "canvas_id",
    "canvas_name",
    "canvas_variation_id",
    "canvas_variation_name",
    "canvas_step_id",
    "canvas_step_name",
)


def read_event_type(data: bytes, key: str) -> str | None:
    try:
        schema = fastavro.reader(io.BytesIO(data)).writer_schema
    except Exception as exc:  # fastavro raises several types for a bad header
        raise CurrentsFileError(f"{key}: not a readable Avro file ({exc})") from exc
    return event_type_from_schema_name(schema.get("name")) or event_type_from_key(key)


def decode_file(data: bytes, key: str) -> DecodedFile:
    """Decode `data` (the bytes of object `key`); raises CurrentsFileError for a corrupt file.

    Only decoding happens per file; mapping to canonical rows is done per batch of files
    of one event type (`canonical_batch`), which keeps the per-file cost small."""
    event_type = read_event_type(data, key)
    reason = skip_reason(event_type)
    if reason:
        return DecodedFile(key, event_type, pl.DataFrame(), skip_reason=reason)
    try:
        frame = pl.read_avro(io.BytesIO(data))
    except (Exception, pl.exceptions.PanicException) as exc:  # a panic in the Rust reader is a bad file too
        raise CurrentsFileError(f"{key}: Avro data is corrupt or truncated ({first_line(exc)})") from exc
    missing = [name for name in REQUIRED_FIELDS if name not in frame.columns]
    if missing:
        reason = f"{key}: field(s) {', '.join(missing)} absent from the schema; expected id, time and user_id"
        rows = [quarantine_row(key, event_type, reason, row, IngestLimits().max_string_bytes) for row in frame.head(1000).to_dicts()]
        return DecodedFile(key, event_type, pl.DataFrame(), quarantined=rows)
    return DecodedFile(key, event_type, frame.with_columns(pl.lit(key).alias("source_file")))


def canonical_batch(
    event_type: str, frames: list[pl.DataFrame], limits: IngestLimits | None = None, now: datetime | None = None
) -> tuple[pl.DataFrame, list[dict], pl.DataFrame]:
    """Canonical rows (with `source_file`) of several decoded files of one event type, quarantined records,
    and the users' contact details (`contacts.contacts_of`: kept apart, never in the canonical rows).

    Raises polars' error when the files cannot be combined or a field cannot be cast (a `time`
    of strings that are not numbers): `mapping.map_batch` then maps file by file."""
    frame = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    frame, quarantined = split_invalid(frame, event_type, limits or IngestLimits(), now or datetime.now(timezone.utc))
    canonical = to_canonical(frame, event_type).with_columns(frame["source_file"])
    return canonical, quarantined, contacts_of(frame)


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]


def _col(frame: pl.DataFrame, name: str, dtype: pl.DataType = pl.String) -> pl.Expr:
    if name in frame.columns:
        return pl.col(name).cast(dtype, strict=False)
    return pl.lit(None, dtype=dtype)


def _bool_col(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(False)
    return pl.col(name).cast(pl.String).str.to_lowercase().is_in(["true", "1"]).fill_null(False)


def to_canonical(frame: pl.DataFrame, event_type: str) -> pl.DataFrame:
    """Map a decoded Currents frame to the canonical columns (vectorised)."""
    channel, action = EVENT_TYPES[event_type]
    occurred_at = pl.from_epoch(pl.col("time").cast(pl.Int64), time_unit="s").alias("occurred_at")
    exprs = [
        pl.col("id").cast(pl.String).alias("event_id"),
        pl.lit(event_type).alias("event_type"),
        _channel_expr(frame, channel).alias("channel"),
        pl.lit(action).alias("action"),
        occurred_at,
        occurred_at.dt.date().alias("event_date"),
        *[_col(frame, name).alias(name) for name in _PASS_THROUGH if name not in ("button_id",)],
        _col(frame, "button_id").alias("button_id"),
        _email_domain(frame).alias("email_domain"),
        _bool_col(frame, "machine_open").alias("is_machine_open"),
        _bool_col(frame, "is_suspected_bot_click").alias("is_bot_click"),
        _bool_col(frame, "is_drop").alias("is_drop"),
        pl.coalesce(_col(frame, "provider_error_code"), _col(frame, "http_status_code")).alias("error_code"),
        _col(frame, "error").alias("error_message"),
    ]
    out = frame.select(exprs)
    out = _attribute_message(out, event_type)
    return out.select([pl.col(name).cast(dtype) for name, dtype in polars_schema(CANONICAL_COLUMNS).items()])


def _channel_expr(frame: pl.DataFrame, channel: str | None) -> pl.Expr:
    if channel == "push" and "platform" in frame.columns:
        return pl.when(pl.col("platform").str.to_lowercase() == "web").then(pl.lit("web_push")).otherwise(pl.lit("push"))
    return pl.lit(channel, dtype=pl.String)


def _email_domain(frame: pl.DataFrame) -> pl.Expr:
    if "email_address" not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    return pl.col("email_address").cast(pl.String).str.extract(r"@([^@\s>]+)\s*>?$", 1).str.to_lowercase()


def _attribute_message(out: pl.DataFrame, event_type: str) -> pl.DataFrame:
    """A Canvas event carries Canvas ids, a campaign event campaign ids, never both."""
    if event_type.startswith("users.campaigns."):
        return out.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in _CANVAS_FIELDS])
    if event_type.startswith("users.canvas."):
        return out.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in _CAMPAIGN_FIELDS])
    is_canvas = pl.col("canvas_step_id").is_not_null() | pl.col("canvas_id").is_not_null()
    return out.with_columns(
        [pl.when(is_canvas).then(pl.lit(None, dtype=pl.String)).otherwise(pl.col(c)).alias(c) for c in _CAMPAIGN_FIELDS]
    )
