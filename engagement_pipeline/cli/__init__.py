"""`engagement`: the project's command line (typer)."""

from importlib.metadata import PackageNotFoundError, version

import typer

from engagement_pipeline.cli import delivery, export, live, pipeline, quarantine, report, report_show
from engagement_pipeline.lib.platform import progress
from engagement_pipeline.lib.platform.config import ConfigError, load_env_file
from engagement_pipeline.lib.platform.warehouse import WarehouseLocked

# Plain help (rich_markup_mode=None): typer's rich panels print a type such as `<bool>` even for
# flags that take no value (`--help <bool>`); click's own layout leaves it out.
HELP = {"rich_markup_mode": None}
app = typer.Typer(help="Engagement reports from Braze Currents exports, on Dagster.", no_args_is_help=True, add_completion=False, **HELP)
pipeline.register(app)
live.register(app)
delivery.register(report.app)
report_show.register(report.app)
app.add_typer(report.app, name="report", help="Report definitions, files and deliveries.")
app.add_typer(quarantine.app, name="quarantine", help="Files and records that ingestion skipped or quarantined, and why.")
app.add_typer(export.app, name="export", help="Exports: every recipient of a campaign or Canvas, with variant and engagement flags.")


def package_version() -> str:
    try:
        return version("engagement-pipeline")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"engagement {package_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Engagement reports from Braze Currents exports, on Dagster."""


def main() -> None:
    """Read `.env` of the current folder (set variables win), then run the command. A wrong setting
    (one line per variable, exit status 2) or a warehouse another process holds (exit status 1) is
    a message, not a traceback; failed runs print their root causes (`runner.failure_message`).
    Long steps show a progress line on stderr."""
    load_env_file()
    try:
        with progress.enabled():
            app()
    except ConfigError as exc:
        typer.secho(f"configuration: {exc}".replace("\n", "\nconfiguration: "), fg="red", err=True)
        raise SystemExit(2) from None
    except WarehouseLocked as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise SystemExit(1) from None
