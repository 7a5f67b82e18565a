"""Typed Dagster resources for the landing zone, report output and pipeline settings."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

from engagement_pipeline.lib.config import split_list
from engagement_pipeline.lib.storage import ObjectStore


class StorageLocation(dg.ConfigurableResource):
    """A local folder or an `s3://bucket/prefix`, with an optional S3 endpoint override."""

    url: str = Field(description="Local folder or s3://bucket/prefix.")
    endpoint_url: str = Field(default="", description="S3-compatible endpoint; empty for AWS.")

    def store(self) -> ObjectStore:
        return ObjectStore(self.url, endpoint_url=self.endpoint_url or None)


class PipelineSettings(dg.ConfigurableResource):
    """Business settings: company time zone, bot clicks, report definitions, recipients, freshness."""

    home: str = Field(description="ENGAGEMENT_HOME, the data folder of the embedded default.")
    timezone: str = Field(default="UTC", description="Company time zone (default time zone of reports).")
    count_bot_clicks: bool = Field(default=False, description="Count suspected bot clicks in email clicks.")
    report_defs_dir: str = Field(default="reports", description="Folder of report definitions (YAML).")
    catalog_path: str = Field(default="", description="Folder with campaigns.list.json / canvas.list.json.")
    allowed_recipient_domains: str = Field(default="", description="Comma list; empty allows any domain.")
    alert_recipients: str = Field(default="", description="Comma list of alert recipients.")
    landing_max_age_hours: float = Field(default=26.0, description="Freshness limit of the landing zone.")

    @property
    def allowed_domains(self) -> list[str]:
        return [d.lower() for d in split_list(self.allowed_recipient_domains)]

    @property
    def alerts_to(self) -> list[str]:
        return split_list(self.alert_recipients)

    @property
    def report_defs(self) -> Path:
        return Path(self.report_defs_dir)
