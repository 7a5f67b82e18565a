import os

import dagster as dg

from engagement_pipeline.lib.config import defaults
from engagement_pipeline.lib.mailer import Mailer
from engagement_pipeline.lib.resources import PipelineSettings, StorageLocation
from engagement_pipeline.lib.warehouse import Warehouse


def _secret(name: str, value: str) -> str | dg.EnvVar:
    """Pass a set variable as an EnvVar so its value (a password) never shows in the UI."""
    return dg.EnvVar(name) if os.environ.get(name) else value


@dg.definitions
def resources() -> dg.Definitions:
    cfg = defaults()
    endpoint = cfg["ENGAGEMENT_S3_ENDPOINT_URL"]
    return dg.Definitions(
        resources={
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
    )
