"""Environment variables of the project, their defaults, and how defaults derive from ENGAGEMENT_HOME.

Read only when the code location loads (inside a `@dg.definitions` function) or
by the CLI, never at import time. Every value is checked when it is read (`defaults()`):
a wrong one raises `ConfigError` naming the variable. The README's table and `.env.example`
are generated from `ENV_VARS` (`make config-docs`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import urlsplit

Derive = Callable[[Path, Mapping[str, str]], str]
Check = Callable[[str], None]  # raises ValueError("<what is wrong>; expected <what>")


class ConfigError(ValueError):
    """Settings that cannot work; one line per variable: ``NAME='value': what is wrong; expected what``."""


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
    EnvVarDoc(
        "ENGAGEMENT_HOME",
        "./.engagement",
        "Data folder of the embedded default: DuckDB file, Dagster home, local landing zone, reports and outbox.",
        lambda base, env: str(base),
    ),
    EnvVarDoc(
        "ENGAGEMENT_WAREHOUSE_URL",
        "duckdb:///$ENGAGEMENT_HOME/warehouse.duckdb",
        "`duckdb:///<path>`, `postgresql+psycopg2://user:pass@host:5432/db` or Apache Spark: `spark:///<lake folder>?master=local[4]` (lake on S3: `spark:///?lake=s3a://bucket/prefix&master=...`; Spark settings as `conf.<key>=<value>`, see docs/scale-out.md). DuckDB settings go in the query string (`?memory_limit=4GB&threads=4`); memory_limit defaults to 1GB, beyond which DuckDB spills to disk.",
        lambda base, env: f"duckdb:///{base / 'warehouse.duckdb'}",
    ),
    EnvVarDoc(
        "ENGAGEMENT_LOCK_WAIT_SECONDS",
        "60",
        "Seconds a command or run waits for a DuckDB warehouse file another process is writing (it names that process), before failing; 0 fails at once.",
    ),
    EnvVarDoc(
        "ENGAGEMENT_LANDING_URL",
        "$ENGAGEMENT_HOME/landing",
        "Local folder or `s3://bucket/prefix` holding Braze Currents exports.",
        lambda base, env: str(base / "landing"),
    ),
    EnvVarDoc(
        "ENGAGEMENT_PARTITIONS_START",
        "2026-01-01",
        "First UTC day (YYYY-MM-DD) of the daily partitions of every model, check and backfill. Set it to the first day of your "
        "Currents export: Currents sends no history from before its connector was set up, and each earlier day would show as a "
        "missing partition. A fixed date, not a moving window, because moving it changes the asset definitions. Read when the code "
        "location loads; events of earlier days are loaded but not built (ingestion lists them in `days_before_partitions_start`).",
    ),
    EnvVarDoc("ENGAGEMENT_EVENT_TIME_FLOOR", "2010-01-01", "Ingestion quarantines events whose `time` is before this UTC date."),
    EnvVarDoc(
        "ENGAGEMENT_EVENT_TIME_FUTURE_HOURS",
        "24",
        "Ingestion quarantines events whose `time` is more than this many hours after the ingestion time.",
    ),
    EnvVarDoc("ENGAGEMENT_MAX_STRING_BYTES", "65536", "Ingestion quarantines records with a string field longer than this (UTF-8 bytes)."),
    EnvVarDoc(
        "ENGAGEMENT_REPORTS_URL",
        "$ENGAGEMENT_HOME/reports",
        "Local folder or `s3://bucket/prefix` for report files.",
        lambda base, env: str(base / "reports"),
    ),
    EnvVarDoc(
        "ENGAGEMENT_S3_ENDPOINT_URL",
        "(AWS_ENDPOINT_URL, else AWS)",
        "Endpoint of an S3-compatible store (MinIO, moto, ...). Credentials come from the standard AWS chain.",
        lambda base, env: _get(env, "AWS_ENDPOINT_URL") or "",
    ),
    EnvVarDoc(
        "ENGAGEMENT_CATALOG_PATH",
        "(catalog/ in the landing zone)",
        "Folder holding `campaigns.list.json` / `canvas.list.json` (Braze REST list format).",
        _unset,
    ),
    EnvVarDoc(
        "ENGAGEMENT_REPORT_DEFS", "./reports", "Folder of report definitions (YAML).", lambda base, env: str(Path("reports").resolve())
    ),
    EnvVarDoc("ENGAGEMENT_TIMEZONE", "UTC", "Company time zone: default time zone of reports."),
    EnvVarDoc("ENGAGEMENT_COUNT_BOT_CLICKS", "false", "Count email clicks flagged `is_suspected_bot_click` in `clicks`."),
    EnvVarDoc(
        "ENGAGEMENT_SMTP_URL",
        "(unset: .eml files in $ENGAGEMENT_HOME/outbox)",
        "`smtp://host:port`, `smtp+starttls://user:pass@host:587` or `smtps://user:pass@host:465`.",
        _unset,
    ),
    EnvVarDoc("ENGAGEMENT_MAIL_FROM", "Engagement Reports <reports@localhost>", "Sender address of report and alert emails."),
    EnvVarDoc("ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS", "(unset: any)", "Comma list of domains report recipients must belong to.", _unset),
    EnvVarDoc(
        "ENGAGEMENT_ALERT_RECIPIENTS", "(unset: no alerts)", "Comma list of addresses that receive failure and held-report alerts.", _unset
    ),
    EnvVarDoc("ENGAGEMENT_LANDING_MAX_AGE_HOURS", "26", "Freshness: the newest landed file must be younger than this."),
    EnvVarDoc(
        "ENGAGEMENT_DELIVERY_RETRY_HOURS",
        "24",
        "Hours a report email is retried (with backoff) after a transient SMTP failure: refused connection, timeout, 4xx. 0 disables retries.",
    ),
)


def _one_line(value: str) -> None:
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValueError("contains a control character (a line break?); expected one line")


def _warehouse_url(value: str) -> None:
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme == "duckdb" and value.startswith("duckdb:///") and value.removeprefix("duckdb:///").split("?")[0]:
        return
    if re.fullmatch(r"postgresql(\+\w+)?", scheme) and urlsplit(value).hostname:
        return
    if scheme == "spark":
        from engagement_pipeline.lib.platform.spark.session import parse_spark_url

        parse_spark_url(value)  # its error says what the URL lacks
        return
    raise ValueError(
        "is not a warehouse URL; expected duckdb:///<path>, postgresql+psycopg2://user:pass@host:5432/db"
        " or spark:///<lake folder>?master=local[2]"
    )


def _store_url(value: str) -> None:
    _one_line(value)
    if "://" not in value:
        return
    parts = urlsplit(value)
    if parts.scheme == "s3" and parts.netloc:
        return
    if parts.scheme == "file":
        return
    raise ValueError("is neither a folder nor an S3 location; expected a path or s3://bucket/prefix")


def _http_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("is not an endpoint URL; expected http(s)://host[:port]")
    parts.port  # noqa: B018 - raises ValueError for a port that is not a number


def _timezone(value: str) -> None:
    from engagement_pipeline.lib.reports.spec_schema import check_timezone

    check_timezone(value)


def _boolean(value: str) -> None:
    if value.strip().lower() not in ("1", "0", "true", "false", "yes", "no"):
        raise ValueError("is not a yes/no value; expected true or false")


def _smtp_url(value: str) -> None:
    from engagement_pipeline.lib.delivery.mailer import parse_smtp_url

    parse_smtp_url(value)


def _address(value: str) -> None:
    _one_line(value)
    address = parseaddr(value)[1]
    if "@" not in address or not address.split("@")[0] or not address.split("@")[1]:
        raise ValueError("is not an e-mail address; expected name@domain or Name <name@domain>")


def _domains(value: str) -> None:
    for domain in split_list(value):
        if not re.fullmatch(r"@?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*", domain):
            raise ValueError(f"{domain!r} is not a domain; expected a comma list such as example.com, example.org")


def _addresses(value: str) -> None:
    for address in split_list(value):
        try:
            _address(address)
        except ValueError as exc:
            raise ValueError(f"{address!r} {exc}") from None


def _seconds(value: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("is not a number; expected seconds from 0 to 86400") from None
    if not 0 <= number <= 86400:
        raise ValueError("is out of range; expected seconds from 0 to 86400")


def _positive_number(value: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("is not a number; expected a number greater than 0") from None
    if not 0 < number < float("inf"):
        raise ValueError("is out of range; expected a number greater than 0")


def _date(value: str) -> None:
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a date; expected YYYY-MM-DD") from None


def _positive_integer(value: str) -> None:
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError("is not a whole number greater than 0; expected bytes such as 65536")


def _hours(value: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("is not a number; expected hours from 0 to 720") from None
    if not 0 <= number <= 720:
        raise ValueError("is out of range; expected hours from 0 to 720")


# How each setting is checked; a setting without an entry must be one line of text.
CHECKS: dict[str, Check] = {
    "ENGAGEMENT_WAREHOUSE_URL": _warehouse_url,
    "ENGAGEMENT_LOCK_WAIT_SECONDS": _seconds,
    "ENGAGEMENT_LANDING_URL": _store_url,
    "ENGAGEMENT_REPORTS_URL": _store_url,
    "ENGAGEMENT_S3_ENDPOINT_URL": _http_url,
    "ENGAGEMENT_TIMEZONE": _timezone,
    "ENGAGEMENT_COUNT_BOT_CLICKS": _boolean,
    "ENGAGEMENT_SMTP_URL": _smtp_url,
    "ENGAGEMENT_MAIL_FROM": _address,
    "ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS": _domains,
    "ENGAGEMENT_ALERT_RECIPIENTS": _addresses,
    "ENGAGEMENT_LANDING_MAX_AGE_HOURS": _positive_number,
    "ENGAGEMENT_EVENT_TIME_FLOOR": _date,
    "ENGAGEMENT_PARTITIONS_START": _date,
    "ENGAGEMENT_EVENT_TIME_FUTURE_HOURS": _positive_number,
    "ENGAGEMENT_MAX_STRING_BYTES": _positive_integer,
    "ENGAGEMENT_DELIVERY_RETRY_HOURS": _hours,
}
_SECRETS = ("ENGAGEMENT_WAREHOUSE_URL", "ENGAGEMENT_SMTP_URL")


def _shown(name: str, value: str) -> str:
    if name in _SECRETS:
        value = re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", value)
    return repr(value) if len(value) <= 80 else repr(value[:77] + "...")


def check_settings(values: Mapping[str, str]) -> None:
    """Raise ``ConfigError`` listing every variable of ``values`` whose value cannot work."""
    problems = []
    for var in ENV_VARS:
        value = values.get(var.name) or ""
        if not value:
            continue
        try:
            _one_line(value)
            CHECKS.get(var.name, _one_line)(value)
        except ValueError as exc:
            reason = str(exc).split(": ", 1)[1] if var.name == "ENGAGEMENT_SMTP_URL" and ": " in str(exc) else str(exc)
            problems.append(f"{var.name}={_shown(var.name, value)}: {reason}")
    if problems:
        raise ConfigError("\n".join(problems))


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value if value not in (None, "") else None


def home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(_get(env, "ENGAGEMENT_HOME") or "./.engagement").expanduser().resolve()


def defaults(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The effective value of every setting (explicit variable, else the default); ``ConfigError`` if one is wrong."""
    env = os.environ if env is None else env
    base = home(env)
    derived = {var.name: var.effective_default(base, env) for var in ENV_VARS}
    derived.update(OUTBOX_DIR=str(base / "outbox"), DAGSTER_HOME=str(base / "dagster"))  # fixed places under the home
    check_settings({var.name: _get(env, var.name) or "" for var in ENV_VARS})  # the defaults are valid
    return {name: _get(env, name) or value for name, value in derived.items()}


def setting(name: str, env: Mapping[str, str] | None = None) -> str:
    """One setting's effective value, checked alone (``ConfigError`` naming it when it is wrong):
    for what must be known when the code location loads, before any resource exists."""
    env = os.environ if env is None else env
    (var,) = [v for v in ENV_VARS if v.name == name]
    value = _get(env, name)
    check_settings({name: value or ""})
    return value or var.effective_default(home(env), env)


def load_env_file(path: Path | str = ".env") -> bool:
    """Read ``path`` (``KEY=value`` lines, as `.env.example`) into the environment; variables already set win."""
    from dotenv import load_dotenv

    path = Path(path)
    return path.is_file() and load_dotenv(path, override=False)


def split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]
