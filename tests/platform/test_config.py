"""Settings: every value checked when the configuration loads, `.env` read by the CLI, docs generated from the table."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engagement_pipeline.lib.platform import config_docs
from engagement_pipeline.lib.platform.config import ENV_VARS, ConfigError, defaults

ROOT = Path(__file__).resolve().parents[2]

BAD = [
    ("ENGAGEMENT_TIMEZONE", "Mars/Base", "unknown time zone 'Mars/Base'; expected an IANA name"),
    ("ENGAGEMENT_WAREHOUSE_URL", "mysql://user:secret@db/x", "'mysql://user:***@db/x': is not a warehouse URL; expected duckdb:///"),
    ("ENGAGEMENT_WAREHOUSE_URL", "duckdb:///", "is not a warehouse URL"),
    ("ENGAGEMENT_LANDING_URL", "gs://bucket/prefix", "expected a path or s3://bucket/prefix"),
    ("ENGAGEMENT_REPORTS_URL", "s3://", "expected a path or s3://bucket/prefix"),
    ("ENGAGEMENT_S3_ENDPOINT_URL", "localhost:9000", "expected http(s)://host[:port]"),
    ("ENGAGEMENT_COUNT_BOT_CLICKS", "sometimes", "expected true or false"),
    ("ENGAGEMENT_SMTP_URL", "smtp://user:pw@", "'smtp://user:***@': no host name; expected smtp://host[:port]"),
    ("ENGAGEMENT_SMTP_URL", "http://mail:25", "unknown scheme 'http'"),
    ("ENGAGEMENT_MAIL_FROM", "Reports\r\nBcc: x@evil.example", "contains a control character"),
    ("ENGAGEMENT_MAIL_FROM", "reports", "is not an e-mail address"),
    ("ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS", "example.com, exa mple.org", "'exa mple.org' is not a domain"),
    ("ENGAGEMENT_ALERT_RECIPIENTS", "oncall@example.com, nobody", "'nobody' is not an e-mail address"),
    ("ENGAGEMENT_LANDING_MAX_AGE_HOURS", "a day", "is not a number"),
    ("ENGAGEMENT_LANDING_MAX_AGE_HOURS", "0", "expected a number greater than 0"),
    ("ENGAGEMENT_REPORT_DEFS", "reports\nother", "contains a control character"),
    ("ENGAGEMENT_EVENT_TIME_FLOOR", "2010-13-01", "is not a date; expected YYYY-MM-DD"),
    ("ENGAGEMENT_PARTITIONS_START", "1/11/2026", "is not a date; expected YYYY-MM-DD"),
    ("ENGAGEMENT_EVENT_TIME_FUTURE_HOURS", "-1", "expected a number greater than 0"),
    ("ENGAGEMENT_MAX_STRING_BYTES", "64KiB", "is not a whole number greater than 0"),
]


@pytest.mark.parametrize(("name", "value", "fragment"), BAD, ids=[f"{n}={v!r}" for n, v, _ in BAD])
def test_a_wrong_setting_is_refused_naming_the_variable(name: str, value: str, fragment: str):
    with pytest.raises(ConfigError) as caught:
        defaults({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name}=") and fragment in message and len(message.splitlines()) == 1
    assert "secret" not in message and ":pw@" not in message


def test_every_wrong_setting_is_listed_once():
    with pytest.raises(ConfigError) as caught:
        defaults({"ENGAGEMENT_TIMEZONE": "Mars/Base", "ENGAGEMENT_COUNT_BOT_CLICKS": "maybe"})
    assert [line.split("=")[0] for line in str(caught.value).splitlines()] == ["ENGAGEMENT_TIMEZONE", "ENGAGEMENT_COUNT_BOT_CLICKS"]


def test_the_defaults_and_usual_values_are_accepted():
    defaults({})
    defaults(
        {
            "ENGAGEMENT_WAREHOUSE_URL": "postgresql+psycopg2://user:pass@db:5432/engagement",
            "ENGAGEMENT_LANDING_URL": "s3://landing/currents",
            "ENGAGEMENT_REPORTS_URL": "file:///srv/reports",
            "ENGAGEMENT_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "ENGAGEMENT_TIMEZONE": "Asia/Tokyo",
            "ENGAGEMENT_COUNT_BOT_CLICKS": "True",
            "ENGAGEMENT_SMTP_URL": "smtp+starttls://user:pass@mail.example.com:587",
            "ENGAGEMENT_MAIL_FROM": "Engagement Reports <reports@example.com>",
            "ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS": "example.com, @example.org",
            "ENGAGEMENT_ALERT_RECIPIENTS": "oncall@example.com, Data Team <data@example.com>",
            "ENGAGEMENT_LANDING_MAX_AGE_HOURS": "26.5",
        }
    )


def _engagement(cwd: Path, args: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": str(cwd), "PYTHONPATH": str(ROOT), "ENGAGEMENT_HOME": str(cwd / "home")}
    code = "from engagement_pipeline.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_config_command_refuses_an_unknown_time_zone_in_one_line(tmp_path: Path):
    done = _engagement(tmp_path, ["config"], ENGAGEMENT_TIMEZONE="Mars/Base")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "configuration: ENGAGEMENT_TIMEZONE='Mars/Base': unknown time zone 'Mars/Base'; expected an IANA name such as Europe/Paris"
    )


def test_the_cli_reads_dot_env_and_the_environment_wins(tmp_path: Path):
    (tmp_path / ".env").write_text(
        "# copied from .env.example\nENGAGEMENT_TIMEZONE=Europe/Paris\nENGAGEMENT_MAIL_FROM=Dotenv <dotenv@example.com>\n"
    )
    done = _engagement(tmp_path, ["config"], ENGAGEMENT_MAIL_FROM="Shell <shell@example.com>")
    assert done.returncode == 0, done.stderr
    assert "ENGAGEMENT_TIMEZONE=Europe/Paris" in done.stdout.splitlines()
    assert "ENGAGEMENT_MAIL_FROM=Shell <shell@example.com>" in done.stdout.splitlines()


def test_a_wrong_value_in_dot_env_is_named_too(tmp_path: Path):
    (tmp_path / ".env").write_text("ENGAGEMENT_TIMEZONE=Mars/Base\n")
    done = _engagement(tmp_path, ["config"])
    assert done.returncode == 2 and "ENGAGEMENT_TIMEZONE='Mars/Base'" in done.stderr and "Traceback" not in done.stderr


def test_ui_hands_dot_env_settings_to_dg_dev(tmp_path: Path):
    (tmp_path / ".env").write_text("ENGAGEMENT_TIMEZONE=Asia/Tokyo\n")
    code = (
        "import os, sys\n"
        "def execv(path, args):\n"
        "    print(os.path.basename(path), *args[1:], f\"tz={os.environ['ENGAGEMENT_TIMEZONE']} home={os.environ['DAGSTER_HOME']}\")\n"
        "    sys.exit(0)\n"
        "os.execv = execv\n"
        "from engagement_pipeline.cli import main; main()"
    )
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT), "ENGAGEMENT_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", code, "ui", "--port", "3001"], cwd=tmp_path, env=base, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dg dev -w ") and "--port 3001 --host 127.0.0.1" in done.stdout
    assert f"tz=Asia/Tokyo home={tmp_path / 'home' / 'dagster'}" in done.stdout


def test_readme_table_and_env_example_are_generated_from_the_settings_table():
    assert config_docs.stale() == [], "run `make config-docs`"
    example = (ROOT / ".env.example").read_text()
    assert all(f"# {var.name}=" in example for var in ENV_VARS)


def _load_partitions(start: str) -> subprocess.CompletedProcess:
    """Import the partitions as the code location does, with ENGAGEMENT_PARTITIONS_START=`start`."""
    code = "from engagement_pipeline.defs.partitions import daily_partitions as p; print(p.get_first_partition_key())"
    env = {**os.environ, "ENGAGEMENT_PARTITIONS_START": start}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_daily_partitions_start_on_the_configured_day():
    loaded = _load_partitions("2026-11-01")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "2026-11-01"


def test_a_malformed_partitions_start_stops_the_load_naming_the_variable_and_the_format():
    loaded = _load_partitions("1/11/2026")
    assert loaded.returncode != 0
    assert "ENGAGEMENT_PARTITIONS_START='1/11/2026': is not a date; expected YYYY-MM-DD" in loaded.stderr
