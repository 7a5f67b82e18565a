"""Environment variables of the project, their defaults, and how defaults derive from ENGAGEMENT_HOME.

Read only when the code location loads (inside a `@dg.definitions` function) or
by the CLI, never at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

Derive = Callable[[Path, Mapping[str, str]], str]


@dataclass(frozen=True)
class EnvVarDoc:
    """A setting: its name, its default as documented, what it does, and (when the documented default
    is not the value itself) how the effective default derives from ENGAGEMENT_HOME and the environment."""

    name: str
    default: str
    description: str
    derive: Derive | None = None

    def effective_default(self, base: Path, env: Mapping[str, str]) -> str:
        return self.derive(base, env) if self.derive else self.default


def _unset(base: Path, env: Mapping[str, str]) -> str:
    return ""


ENV_VARS: tuple[EnvVarDoc, ...] = (
    EnvVarDoc("ENGAGEMENT_HOME", "./.engagement", "Data folder of the embedded default: DuckDB file, Dagster home, local landing zone, reports and outbox.", lambda base, env: str(base)),
    EnvVarDoc("ENGAGEMENT_WAREHOUSE_URL", "duckdb:///$ENGAGEMENT_HOME/warehouse.duckdb", "`duckdb:///<path>` or `postgresql+psycopg2://user:pass@host:5432/db`. DuckDB settings go in the query string (`?memory_limit=4GB&threads=4`); memory_limit defaults to 1GB, beyond which DuckDB spills to disk.", lambda base, env: f"duckdb:///{base / 'warehouse.duckdb'}"),
    EnvVarDoc("ENGAGEMENT_LANDING_URL", "$ENGAGEMENT_HOME/landing", "Local folder or `s3://bucket/prefix` holding Braze Currents exports.", lambda base, env: str(base / "landing")),
    EnvVarDoc("ENGAGEMENT_REPORTS_URL", "$ENGAGEMENT_HOME/reports", "Local folder or `s3://bucket/prefix` for report files.", lambda base, env: str(base / "reports")),
    EnvVarDoc("ENGAGEMENT_S3_ENDPOINT_URL", "(AWS_ENDPOINT_URL, else AWS)", "Endpoint of an S3-compatible store (MinIO, moto, ...). Credentials come from the standard AWS chain.", lambda base, env: _get(env, "AWS_ENDPOINT_URL") or ""),
    EnvVarDoc("ENGAGEMENT_CATALOG_PATH", "(catalog/ in the landing zone)", "Folder holding `campaigns.list.json` / `canvas.list.json` (Braze REST list format).", _unset),
    EnvVarDoc("ENGAGEMENT_REPORT_DEFS", "./reports", "Folder of report definitions (YAML).", lambda base, env: str(Path("reports").resolve())),
    EnvVarDoc("ENGAGEMENT_TIMEZONE", "UTC", "Company time zone: default time zone of reports."),
    EnvVarDoc("ENGAGEMENT_COUNT_BOT_CLICKS", "false", "Count email clicks flagged `is_suspected_bot_click` in `clicks`."),
    EnvVarDoc("ENGAGEMENT_SMTP_URL", "(unset: .eml files in $ENGAGEMENT_HOME/outbox)", "`smtp://host:port`, `smtp+starttls://user:pass@host:587` or `smtps://user:pass@host:465`.", _unset),
    EnvVarDoc("ENGAGEMENT_MAIL_FROM", "Engagement Reports <reports@localhost>", "Sender address of report and alert emails."),
    EnvVarDoc("ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS", "(unset: any)", "Comma list of domains report recipients must belong to.", _unset),
    EnvVarDoc("ENGAGEMENT_ALERT_RECIPIENTS", "(unset: no alerts)", "Comma list of addresses that receive failure and held-report alerts.", _unset),
    EnvVarDoc("ENGAGEMENT_LANDING_MAX_AGE_HOURS", "26", "Freshness: the newest landed file must be younger than this."),
)


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value if value not in (None, "") else None


def home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(_get(env, "ENGAGEMENT_HOME") or "./.engagement").expanduser().resolve()


def defaults(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The effective value of every setting (explicit variable, else the default)."""
    env = os.environ if env is None else env
    base = home(env)
    derived = {var.name: var.effective_default(base, env) for var in ENV_VARS}
    derived.update(OUTBOX_DIR=str(base / "outbox"), DAGSTER_HOME=str(base / "dagster"))  # fixed places under the home
    return {name: _get(env, name) or value for name, value in derived.items()}


def split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]
