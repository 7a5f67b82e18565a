"""Run tags of `deliver_report_job`: what a run delivers (set when it is requested) and how it ended.

The sensors read these tags from the Dagster instance instead of the warehouse, because a
sensor must not open the DuckDB file a run may be writing.
"""

from __future__ import annotations

from datetime import UTC, datetime

DELIVER_JOB = "deliver_report_job"
REPORT_ID = "report_id"
DUE_AT = "due_at"
DUE_KEY = "due_key"
TRIGGER = "delivery/trigger"
STATUS = "delivery/status"
PERIOD_START = "delivery/period_start"
PERIOD_END = "delivery/period_end"
NEXT_ATTEMPT = "delivery/next_attempt_at"
ALERTED = "delivery/alerted"


def iso_utc(moment: datetime) -> str:
    """``2026-11-23T07:00:00Z``: the form of due times in tags, run config and cursors."""
    if moment.utcoffset() is None:
        raise ValueError(f"{moment} has no time zone; expected a timezone-aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(value: str) -> datetime:
    """The inverse of ``iso_utc``; a time without offset is taken as UTC."""
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def request_tags(report_id: str, due_at: datetime, due_key: str, trigger: str) -> dict[str, str]:
    """Tags of a requested delivery run; ``trigger`` is schedule, immediately, release, retry, resend or demo."""
    return {REPORT_ID: report_id, DUE_AT: iso_utc(due_at), DUE_KEY: due_key, TRIGGER: trigger}


def run_config(due_at: datetime) -> dict:
    """Run config of `deliver_report_job`: `report_files` renders the report as of ``due_at``."""
    return {"ops": {"report_files": {"config": {"due_at": iso_utc(due_at)}}}}
