"""`engagement ui | generate | materialize | demo | config`."""

from datetime import date
from pathlib import Path

import typer

from engagement_pipeline.cli.check_summary import summary_lines
from engagement_pipeline.cli.runner import PipelineOutcome, run_pipeline
from engagement_pipeline.lib.platform.config import ENV_VARS, defaults
from engagement_pipeline.lib.platform.warehouse import redact_url

DateOption = typer.Option(..., formats=["%Y-%m-%d"])


def _today() -> date:
    return date.today()


def print_checks(outcome: PipelineOutcome) -> None:
    """Per check the days passed / failed, or warned for a WARN check, each day that did not pass with
    its expectation and what was found, then the totals: a warning is not an error and is not counted as one."""
    for line in summary_lines(outcome.checks):
        typer.echo(line)


def generate(
    out: Path = typer.Option(..., help="Landing zone folder to write."),
    start: str = typer.Option(..., help="First day (YYYY-MM-DD)."),
    days: int = typer.Option(7, min=1),
    events_per_day: int = typer.Option(20_000, min=1),
    seed: int = typer.Option(7),
) -> None:
    """Write a realistic Braze Currents landing zone (Avro, real schemas) and a message catalog."""
    from engagement_pipeline.sample_data.generator import generate_landing_zone

    summary = generate_landing_zone(out, date.fromisoformat(start), days, events_per_day, seed)
    typer.echo(
        f"wrote {summary.events:,} events in {summary.files} files ({summary.duplicates} duplicates, {summary.late_files} late files) under {out}"
    )


def materialize(
    date_from: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD)."),
    date_to: str = typer.Option(None, "--to", help="Last day, inclusive (default: today)."),
) -> None:
    """Ingest new files, then build every model and run every check for the range, in-process."""
    start, end = date.fromisoformat(date_from), date.fromisoformat(date_to) if date_to else _today()
    if end < start:
        raise typer.BadParameter(f"--to {end} is before --from {start}")
    first = defaults()["ENGAGEMENT_PARTITIONS_START"]
    if start.isoformat() < first:
        raise typer.BadParameter(f"--from {start} is before ENGAGEMENT_PARTITIONS_START={first}; expected a day from {first} on")
    outcome = run_pipeline(start, end, log=typer.echo)
    print_checks(outcome)
    if not outcome.success:
        typer.secho(f"pipeline failed: {outcome.failure}", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"done: {outcome.materializations} materializations in runs {', '.join(r[:8] for r in outcome.run_ids)}")


def config() -> None:
    """Print the effective configuration (passwords redacted)."""
    values = defaults()
    for var in ENV_VARS:
        value = values.get(var.name, "")
        if var.name in ("ENGAGEMENT_WAREHOUSE_URL",) and value:
            value = redact_url(value)
        if var.name == "ENGAGEMENT_SMTP_URL" and value:
            from engagement_pipeline.lib.delivery.mailer import parse_smtp_url

            value = parse_smtp_url(value).redacted()
        typer.echo(f"{var.name}={value}")
    typer.echo(f"DAGSTER_HOME={values['DAGSTER_HOME']}")


def demo(
    days: int | None = typer.Option(
        None,
        min=1,
        help="Days of sample data (ending today) to generate when the landing zone is empty; default: the longest time frame of the report definitions.",
    ),
    events_per_day: int | None = typer.Option(None, min=100, help="Default: about 280,000 events spread over the days."),
) -> None:
    """The main job on the embedded default: sample data if needed, the whole pipeline, the report files."""
    from engagement_pipeline.cli.demo import run_demo

    raise typer.Exit(run_demo(days=days, events_per_day=events_per_day, echo=typer.echo, print_checks=print_checks))


def ui(
    port: int = typer.Option(3000, min=1, max=65535, help="Port of the web UI."),
    host: str = typer.Option("127.0.0.1", help="Address the web UI listens on (0.0.0.0: every interface)."),
) -> None:
    """Open the Dagster UI and its daemon on the embedded default (`dg dev -w workspace.yaml`).
    Ctrl-C stops the web server, the daemon and the code servers."""
    import os
    import shutil
    import sys

    from engagement_pipeline.instance.embedded import ensure_embedded_home

    home = os.environ.get("DAGSTER_HOME") or defaults()["DAGSTER_HOME"]
    ensure_embedded_home(Path(home))
    os.environ["DAGSTER_HOME"] = home
    workspace = Path(__file__).resolve().parents[2] / "workspace.yaml"
    beside = Path(sys.executable).with_name("dg")  # this environment's dg, whatever PATH holds first
    dg_cli = str(beside) if beside.exists() else shutil.which("dg")
    if dg_cli is None:
        typer.secho("`dg` not found: install the project's dependencies (`make install`; dagster-dg-cli).", fg="red", err=True)
        raise typer.Exit(1)
    # exec: the terminal's Ctrl-C reaches `dg dev` itself, which shuts its services down in order
    os.execv(dg_cli, [dg_cli, "dev", "-w", str(workspace), "--port", str(port), "--host", host])


def register(app: typer.Typer) -> None:
    app.command()(ui)
    app.command()(generate)
    app.command()(materialize)
    app.command()(demo)
    app.command()(config)
