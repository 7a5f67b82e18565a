"""`engagement`: the project's command line (typer)."""

import typer

from engagement_pipeline.cli import pipeline

app = typer.Typer(help="Engagement reports from Braze Currents exports, on Dagster.", no_args_is_help=True, add_completion=False)
pipeline.register(app)


def _register_optional(app: typer.Typer) -> None:
    try:
        from engagement_pipeline.cli import report
    except ImportError:
        return
    from engagement_pipeline.cli import delivery

    delivery.register(report.app)
    app.add_typer(report.app, name="report")


_register_optional(app)


def main() -> None:
    app()
