"""`engagement quarantine list | show`: what ingestion skipped or quarantined, and why, without SQL."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

import sqlalchemy as sa
import typer

app = typer.Typer(
    help="Files and records that ingestion skipped or quarantined, with the reasons.", no_args_is_help=True, rich_markup_mode=None
)


@contextmanager
def _warehouse() -> Iterator[sa.Connection]:
    """A connection to the configured warehouse; exits with a message when there is nothing to read."""
    from engagement_pipeline.defs.resources import resource
    from engagement_pipeline.lib.ingest.quarantine_log import has_manifest
    from engagement_pipeline.lib.platform.warehouse import duckdb_path

    with resource("warehouse") as warehouse:
        if warehouse.url.startswith("duckdb:") and not duckdb_path(warehouse.url).is_file():
            typer.echo(f"nothing ingested yet: no warehouse at {duckdb_path(warehouse.url)}")
            raise typer.Exit(0)
        try:
            with warehouse.engine.connect() as conn:
                if not has_manifest(conn):
                    typer.echo(f"nothing ingested yet in {warehouse.display_url}")
                    raise typer.Exit(0)
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            cause = f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            typer.secho(f"{warehouse.display_url}: warehouse not readable ({cause})", fg="red", err=True)
            raise typer.Exit(2) from None


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date or time; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)") from None


def _outcome(row: dict) -> str:
    if row["status"] == "loaded":
        return f"loaded {row['rows_loaded']}, quarantined {row['rows_quarantined']} record(s)"
    return row["status"]


def _reason(row: dict, key: str) -> str:
    reason = (row.get("reason") or "").removeprefix(f"{key}: ")
    others = (row.get("reasons") or 0) - 1
    return reason + (f" (+{others} other reason(s))" if others > 0 and not row.get("error") else "")


@app.command("list")
def list_files(
    since: str = typer.Option(None, "--since", help="Only files recorded from then on: YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)."),
    reason: str = typer.Option(None, "--reason", help="Only files whose reason, or a record's, contains this text (any case)."),
    limit: int = typer.Option(100, min=1, help="At most this many files."),
) -> None:
    """Files skipped, quarantined, or loaded with quarantined records, newest first, each with why."""
    from engagement_pipeline.lib.ingest.quarantine_log import problem_files

    after = _since(since)
    with _warehouse() as conn:
        rows = problem_files(conn, since=after, reason=reason, limit=limit)
    for row in rows:
        typer.echo(f"{row['loaded_at']:%Y-%m-%d %H:%M:%S}  {_outcome(row)}  {row['object_key']}")
        typer.echo(f"    {_reason(row, row['object_key'])}")
    shown = f"{len(rows)} file(s)" + (" (--limit reached)" if len(rows) == limit else "")
    typer.echo(
        f"{shown}; `engagement quarantine show KEY` lists a file's quarantined records" if rows else "no file skipped or quarantined"
    )


@app.command()
def show(
    key: str = typer.Argument(..., help="Object key of the file (or the end of it, such as its name)."),
    limit: int = typer.Option(20, min=1, help="At most this many records."),
) -> None:
    """A file's manifest rows (each version seen) and its quarantined records with their reasons."""
    from engagement_pipeline.lib.ingest.quarantine_log import file_history, matching_keys, quarantined_records

    with _warehouse() as conn:
        keys = matching_keys(conn, key)
        if len(keys) != 1:
            typer.secho(
                f"{key}: {'no file in the manifest' if not keys else 'several files match'}; expected one object key", fg="red", err=True
            )
            for found in keys[:20]:
                typer.echo(f"  {found}", err=True)
            raise typer.Exit(1)
        (key,) = keys
        history = file_history(conn, key)
        total, records = quarantined_records(conn, key, limit)
    typer.echo(key)
    for row in history:
        typer.echo(f"  {row['loaded_at']:%Y-%m-%d %H:%M:%S}  {_outcome(row)}  etag {row['etag']}, {row['size_bytes']} bytes")
        if row["error"]:
            typer.echo(f"    {row['error'].removeprefix(f'{key}: ')}")
    typer.echo(f"{total} quarantined record(s)" + (f", the first {len(records)}:" if total > len(records) else (":" if total else "")))
    for record in records:
        typer.echo(f"  {record['event_id'] or '(no id)'}: {record['reason'].removeprefix(f'{key}: ')}")
        typer.echo(f"    {record['record_json']}")
