"""The pipeline's business settings as plain Python (the `PipelineSettings` resource in
defs/resources.py holds the values): company time zone, recipients, ingestion limits."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from engagement_pipeline.lib.ingest.record_checks import IngestLimits
from engagement_pipeline.lib.platform.config import split_list


class SettingsView:
    """Derived settings; a subclass provides the fields of `PipelineSettings`."""

    home: str
    timezone: str
    count_bot_clicks: bool
    report_defs_dir: str
    catalog_path: str
    allowed_recipient_domains: str
    alert_recipients: str
    event_time_floor: str
    event_time_future_hours: float
    max_string_bytes: int
    landing_max_age_hours: float
    delivery_retry_hours: float

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
