"""The `report_outputs` table: one row per rendered report, read by email delivery to send the links.

Timestamps are naive UTC. ``files`` is JSON text: a list of ``{name, key, url, size_bytes, rows, title}``
where ``key`` is relative to ENGAGEMENT_REPORTS_URL, ``url`` is the link to send and ``title`` names
an HTML page (empty for a CSV file; rows written before pages existed have no ``title``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

CREATE_REPORT_OUTPUTS = """
create table if not exists report_outputs (
    report_id varchar not null,
    run_id varchar not null,
    due_at timestamp,
    generated_at timestamp not null,
    period_start date not null,
    period_end date not null,
    files text not null,
    expires_at timestamp not null,
    content_hash varchar not null
)
"""


@dataclass(frozen=True)
class ReportFile:
    """One stored file of a report: its name, key under the report store, link, size and data rows
    (0 for an HTML page), and for a page the title people see ("Campaign report: Black Friday")."""

    name: str
    key: str
    url: str
    size_bytes: int
    rows: int
    title: str = ""


@dataclass(frozen=True)
class ReportOutput:
    report_id: str
    run_id: str
    due_at: datetime | None
    generated_at: datetime
    period_start: date
    period_end: date
    files: tuple[ReportFile, ...]
    expires_at: datetime
    content_hash: str


def ensure_report_outputs(conn: sa.Connection) -> None:
    conn.execute(sa.text(CREATE_REPORT_OUTPUTS))


def record_output(conn: sa.Connection, output: ReportOutput) -> None:
    """Insert ``output`` (replacing a row of the same report and run) inside the caller's transaction."""
    ensure_report_outputs(conn)
    params = {"report_id": output.report_id, "run_id": output.run_id}
    conn.execute(sa.text("delete from report_outputs where report_id = :report_id and run_id = :run_id"), params)
    conn.execute(
        sa.text(
            "insert into report_outputs (report_id, run_id, due_at, generated_at, period_start, period_end,"
            " files, expires_at, content_hash) values (:report_id, :run_id, :due_at, :generated_at,"
            " :period_start, :period_end, :files, :expires_at, :content_hash)"
        ),
        {
            **params,
            "due_at": _naive_utc(output.due_at),
            "generated_at": _naive_utc(output.generated_at),
            "period_start": output.period_start,
            "period_end": output.period_end,
            "files": json.dumps([asdict(f) for f in output.files]),
            "expires_at": _naive_utc(output.expires_at),
            "content_hash": output.content_hash,
        },
    )


def read_outputs(conn: sa.Connection, report_id: str, run_id: str | None = None) -> list[ReportOutput]:
    """The recorded outputs of a report (of one run when ``run_id`` is given), newest first."""
    ensure_report_outputs(conn)
    sql = "select * from report_outputs where report_id = :report_id"
    if run_id is not None:
        sql += " and run_id = :run_id"
    rows = conn.execute(sa.text(sql + " order by generated_at desc"), {"report_id": report_id, "run_id": run_id})
    return [_from_row(dict(row._mapping)) for row in rows]


def _from_row(row: dict) -> ReportOutput:
    return ReportOutput(
        report_id=row["report_id"],
        run_id=row["run_id"],
        due_at=row["due_at"],
        generated_at=row["generated_at"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        files=tuple(ReportFile(**f) for f in json.loads(row["files"])),
        expires_at=row["expires_at"],
        content_hash=row["content_hash"],
    )


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
