"""`engagement`: the project's command line (typer)."""

import typer

from engagement_pipeline.cli import delivery, pipeline, report

app = typer.Typer(help="Engagement reports from Braze Currents exports, on Dagster.", no_args_is_help=True, add_completion=False)
pipeline.register(app)
delivery.register(report.app)
app.add_typer(report.app, name="report", help="Report definitions, files and deliveries.")


def main() -> None:
    app()
