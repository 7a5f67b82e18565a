"""Typed Dagster resources for the landing zone, report output and pipeline settings."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
from pydantic import Field

from engagement_pipeline.lib.config import split_list
from engagement_pipeline.lib.currents.checks import IngestLimits
from engagement_pipeline.lib.storage import ObjectStore


class StorageLocation(dg.ConfigurableResource):
    """A local folder or an `s3://bucket/prefix`, with an optional S3 endpoint override."""

    url: str = Field(description="Local folder or s3://bucket/prefix.")
    endpoint_url: str = Field(default="", description="S3-compatible endpoint; empty for AWS.")

    def store(self) -> ObjectStore:
        return ObjectStore(self.url, endpoint_url=self.endpoint_url or None)


class PipelineSettings(dg.ConfigurableResource):
    """Business settings: company time zone, bot clicks, report definitions, recipients, freshness, retries."""

    home: str = Field(description="ENGAGEMENT_HOME, the data folder of the embedded default.")
    timezone: str = Field(default="UTC", description="Company time zone (default time zone of reports).")
    count_bot_clicks: bool = Field(default=False, description="Count suspected bot clicks in email clicks.")
    report_defs_dir: str = Field(default="reports", description="Folder of report definitions (YAML).")
    catalog_path: str = Field(default="", description="Folder with campaigns.list.json / canvas.list.json.")
    allowed_recipient_domains: str = Field(default="", description="Comma list; empty allows any domain.")
    alert_recipients: str = Field(default="", description="Comma list of alert recipients.")
    event_time_floor: str = Field(default="2010-01-01", description="Ingestion quarantines events before this UTC date.")
    event_time_future_hours: float = Field(default=24.0, description="Ingestion quarantines events this far after the ingestion time.")
    max_string_bytes: int = Field(default=65536, description="Ingestion quarantines records with a longer string field.")
    landing_max_age_hours: float = Field(default=26.0, description="Freshness limit of the landing zone.")
    delivery_retry_hours: float = Field(
        default=24.0, description="How long a report email is retried after a transient SMTP failure; 0 never retries."
    )

    @property
    def allowed_domains(self) -> list[str]:
        return [d.lower() for d in split_list(self.allowed_recipient_domains)]

    @property
    def alerts_to(self) -> list[str]:
        return split_list(self.alert_recipients)

    @property
    def report_defs(self) -> Path:
        return Path(self.report_defs_dir)

    @property
    def ingest_limits(self) -> IngestLimits:
        """The record checks' limits; a bad value names its variable and what was expected."""
        try:
            floor = date.fromisoformat(self.event_time_floor)
        except ValueError:
            raise ValueError(f"ENGAGEMENT_EVENT_TIME_FLOOR={self.event_time_floor!r} is not a date; expected YYYY-MM-DD") from None
        if not self.event_time_future_hours > 0:
            raise ValueError(f"ENGAGEMENT_EVENT_TIME_FUTURE_HOURS={self.event_time_future_hours:g}; expected hours greater than 0")
        if self.max_string_bytes < 1:
            raise ValueError(f"ENGAGEMENT_MAX_STRING_BYTES={self.max_string_bytes}; expected a number of bytes greater than 0")
        return IngestLimits(
            time_floor=datetime(floor.year, floor.month, floor.day, tzinfo=timezone.utc),
            future_margin=timedelta(hours=self.event_time_future_hours),
            max_string_bytes=self.max_string_bytes,
        )
