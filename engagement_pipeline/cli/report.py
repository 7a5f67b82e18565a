"""`engagement report validate | list | run`: check definitions and render reports in-process."""

from datetime import date
from pathlib import Path

import typer

from engagement_pipeline.lib.platform.config import defaults, split_list
from engagement_pipeline.lib.reports.spec import (
    CatalogEntry,
    ReportDefinition,
    ReportDefinitionError,
    Schedule,
    definition_path,
    load_definition,
    load_definitions,
    resolve_messages,
)

app = typer.Typer(help="Report definitions: validate them, list them, render one now.", no_args_is_help=True, rich_markup_mode=None)


def _options() -> dict:
    cfg = defaults()
    return {
        "default_timezone": cfg["ENGAGEMENT_TIMEZONE"],
        "allowed_recipient_domains": split_list(cfg["ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS"]),
    }


def _read_catalog(warehouse) -> list[CatalogEntry]:
    """The catalog, without waiting for a DuckDB file another process holds (validation is a quick look)."""
    from engagement_pipeline.lib.platform.warehouse import make_engine
    from engagement_pipeline.lib.reports.message_catalog import load_catalog

    with make_engine(warehouse.url, lock_wait_seconds=0).connect() as conn:
        return load_catalog(conn)


def _catalog() -> tuple[list[CatalogEntry] | None, str]:
    """The warehouse's message catalog, or None and why it could not be read."""
    from engagement_pipeline.defs.resources import resource
    from engagement_pipeline.lib.platform.warehouse import duckdb_path

    with resource("warehouse") as warehouse:
        if warehouse.url.startswith("duckdb:") and not duckdb_path(warehouse.url).is_file():
            return None, "no warehouse yet; message ids and tags not checked"
        try:
            catalog = _read_catalog(warehouse)
        except Exception as exc:  # a locked or unreachable warehouse only skips the catalog check
            reason = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
            return None, f"warehouse not readable ({reason}); message ids and tags not checked"
    if not catalog:
        return None, "the message catalog is empty; message ids and tags not checked"
    return catalog, f"checked against {len(catalog)} messages in the catalog"


@app.command()
def validate(
    files: list[Path] = typer.Argument(..., help="Definition files (YAML)."),
    catalog: bool = typer.Option(True, help="Also check message ids and tags against the warehouse's catalog."),
) -> None:
    """Check definition files; print every problem as <file>: <field>: <what was expected>."""
    entries, note = _catalog() if catalog else (None, "message ids and tags not checked (--no-catalog)")
    failed = False
    for path in files:
        try:
            defn = load_definition(path, **_options())
            if entries is not None:
                resolve_messages(defn, entries)
        except ReportDefinitionError as exc:
            failed = True
            typer.secho(str(exc), fg="red", err=True)
            continue
        typer.echo(f"ok  {path}: {defn.report_id} ({defn.name})")
    typer.echo(note)
    if failed:
        raise typer.Exit(1)


def describe_schedule(schedule: Schedule) -> str:
    if schedule.is_immediate:
        return "immediately"
    n, unit = schedule.n, schedule.unit or ""
    every = f"every {unit.rstrip('s')}" if n == 1 else f"every {n} {unit}"
    until = f" until {schedule.until}" if schedule.until else ""
    return f"{every} at {schedule.at:%H:%M} from {schedule.starting}{until}"


def _row(defn: ReportDefinition) -> tuple[str, ...]:
    where = f"{describe_schedule(defn.schedule)} ({defn.timezone})"
    return defn.report_id, defn.name, where, ", ".join(defn.recipients), "valid"


@app.command("list")
def list_reports(
    folder: Path = typer.Option(None, help="Definitions folder (default: ENGAGEMENT_REPORT_DEFS)."),
) -> None:
    """List the report definitions: id, name, schedule, recipients and whether each is valid."""
    folder = folder or Path(defaults()["ENGAGEMENT_REPORT_DEFS"])
    good, bad = load_definitions(folder, **_options())
    rows = [_row(d) for d in good]
    rows += [(e.source.stem, "", "", "", f"INVALID: {len(e.problems)} problem(s)") for e in bad]
    header = ("id", "name", "schedule", "recipients", "validity")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *sorted(rows)]:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    for error in bad:
        typer.secho(str(error), fg="red", err=True)
    if bad:
        raise typer.Exit(1)


@app.command()
def run(
    report: str = typer.Argument(..., help="A definition file (*.yaml, *.yml), or a report id of the definitions folder."),
    date_from: str = typer.Option(None, "--from", help="First day (YYYY-MM-DD), overriding the time frame."),
    date_to: str = typer.Option(None, "--to", help="Last day, inclusive (YYYY-MM-DD), overriding the time frame."),
) -> None:
    """Render one report now (a `render_report_job` run) and print its files and links."""
    from engagement_pipeline.cli.report_runs import links, render_report
    from engagement_pipeline.cli.runner import instance, load_defs

    start, end = option_date("--from", date_from), option_date("--to", date_to)
    path = Path(report)
    is_file = path.suffix in (".yaml", ".yml")
    if is_file and not path.is_file():
        raise typer.BadParameter(f"{path} does not exist; expected a definition file or a report id")
    report_id = path.stem if is_file else report
    try:
        if not is_file:
            definition_path(Path(defaults()["ENGAGEMENT_REPORT_DEFS"]), report_id)
        ok, metadata = render_report(
            load_defs(), instance(), report_id, start=start, end=end, definition_file=path.resolve() if is_file else None
        )
    except ReportDefinitionError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None
    if not ok:
        typer.secho(metadata["error"], fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"{report_id}: {metadata.get('period', '')} (run {metadata['run_id'][:8]})")
    for name, url in links(metadata):
        typer.echo(f"  {name}: {url}")


def option_date(option: str, value: str | None) -> date | None:
    """A --from/--to value as a date; a clear error naming the option otherwise (report run, export)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{option} {value!r} is not a date; expected YYYY-MM-DD") from None
