"""The resources every stage shares, built in one place from the environment (lib/platform/config.py):
the assets get them from the `resources` definitions below, the CLI from `configured_resources()`."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
from pydantic import Field

from engagement_pipeline.lib.delivery.mailer import MailSender
from engagement_pipeline.lib.platform.config import defaults
from engagement_pipeline.lib.platform.settings import SettingsView
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import DEFAULT_LOCK_WAIT_SECONDS, WarehouseClient


class Warehouse(WarehouseClient, dg.ConfigurableResource):
    """The warehouse connection: `duckdb:///<path>` or `postgresql+psycopg2://...`."""

    url: str = Field(description="SQLAlchemy URL of the warehouse (ENGAGEMENT_WAREHOUSE_URL).")
    lock_wait_seconds: float = Field(
        default=DEFAULT_LOCK_WAIT_SECONDS,
        description="How long to wait for a DuckDB file another process holds (ENGAGEMENT_LOCK_WAIT_SECONDS).",
    )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.dispose()


class Mailer(MailSender, dg.ConfigurableResource):
    """Sends email through ``smtp_url``, or writes .eml files to ``outbox_dir`` when no URL is set."""

    smtp_url: str | None = None
    outbox_dir: str = ""
    sender: str = "Engagement Reports <reports@localhost>"
    timeout_seconds: float = 30

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Reject a malformed SMTP URL when the run starts, before any report is built."""
        self.target()


class StorageLocation(dg.ConfigurableResource):
    """A local folder or an `s3://bucket/prefix`, with an optional S3 endpoint override."""

    url: str = Field(description="Local folder or s3://bucket/prefix.")
    endpoint_url: str = Field(default="", description="S3-compatible endpoint; empty for AWS.")

    def store(self) -> ObjectStore:
        return ObjectStore(self.url, endpoint_url=self.endpoint_url or None)


class PipelineSettings(SettingsView, dg.ConfigurableResource):
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


def _secret(name: str, value: str) -> str | dg.EnvVar:
    """Pass a set variable as an EnvVar so its value (a password) never shows in the UI."""
    return dg.EnvVar(name) if os.environ.get(name) else value


def configured_resources() -> dict[str, dg.ConfigurableResource]:
    """Every resource, configured from the environment (and `.env`), as the assets get them."""
    cfg = defaults()
    endpoint = cfg["ENGAGEMENT_S3_ENDPOINT_URL"]
    return {
        "warehouse": Warehouse(
            url=_secret("ENGAGEMENT_WAREHOUSE_URL", cfg["ENGAGEMENT_WAREHOUSE_URL"]),
            lock_wait_seconds=float(cfg["ENGAGEMENT_LOCK_WAIT_SECONDS"]),
        ),
        "landing_zone": StorageLocation(url=cfg["ENGAGEMENT_LANDING_URL"], endpoint_url=endpoint),
        "report_store": StorageLocation(url=cfg["ENGAGEMENT_REPORTS_URL"], endpoint_url=endpoint),
        "mailer": Mailer(
            smtp_url=_secret("ENGAGEMENT_SMTP_URL", cfg["ENGAGEMENT_SMTP_URL"]) or None,
            outbox_dir=cfg["OUTBOX_DIR"],
            sender=cfg["ENGAGEMENT_MAIL_FROM"],
        ),
        "settings": PipelineSettings(
            home=cfg["ENGAGEMENT_HOME"],
            timezone=cfg["ENGAGEMENT_TIMEZONE"],
            count_bot_clicks=cfg["ENGAGEMENT_COUNT_BOT_CLICKS"].lower() in ("1", "true", "yes"),
            report_defs_dir=cfg["ENGAGEMENT_REPORT_DEFS"],
            catalog_path=cfg["ENGAGEMENT_CATALOG_PATH"],
            allowed_recipient_domains=cfg["ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS"],
            alert_recipients=cfg["ENGAGEMENT_ALERT_RECIPIENTS"],
            event_time_floor=cfg["ENGAGEMENT_EVENT_TIME_FLOOR"],
            event_time_future_hours=float(cfg["ENGAGEMENT_EVENT_TIME_FUTURE_HOURS"]),
            max_string_bytes=int(cfg["ENGAGEMENT_MAX_STRING_BYTES"]),
            landing_max_age_hours=float(cfg["ENGAGEMENT_LANDING_MAX_AGE_HOURS"]),
            delivery_retry_hours=float(cfg["ENGAGEMENT_DELIVERY_RETRY_HOURS"]),
        ),
    }


@contextmanager
def resource(name: str) -> Iterator[Any]:
    """One resource outside a run (the CLI), its environment variables resolved: the same object the
    assets get, set up and torn down as in a run (a DuckDB file is released at the end)."""
    with configured_resources()[name].process_config_and_initialize_cm() as initialized:
        yield initialized


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=configured_resources())
