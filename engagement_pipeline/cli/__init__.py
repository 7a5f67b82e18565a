"""`engagement`: the project's command line (typer)."""

import typer

from engagement_pipeline.cli import delivery, pipeline, quarantine, report
from engagement_pipeline.lib.config import ConfigError, load_env_file
from engagement_pipeline.lib.warehouse import WarehouseLocked

app = typer.Typer(help="Engagement reports from Braze Currents exports, on Dagster.", no_args_is_help=True, add_completion=False)
pipeline.register(app)
delivery.register(report.app)
app.add_typer(report.app, name="report", help="Report definitions, files and deliveries.")
app.add_typer(quarantine.app, name="quarantine", help="Files and records that ingestion skipped or quarantined, and why.")


def main() -> None:
    """Read `.env` of the current folder (set variables win), then run the command. A wrong setting
    (one line per variable, exit status 2) or a warehouse another process holds (exit status 1) is
    a message, not a traceback; failed runs print their root causes (`runner.failure_message`)."""
    load_env_file()
    try:
        app()
    except ConfigError as exc:
        typer.secho(f"configuration: {exc}".replace("\n", "\nconfiguration: "), fg="red", err=True)
        raise SystemExit(2) from None
    except WarehouseLocked as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise SystemExit(1) from None
