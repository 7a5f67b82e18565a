"""`engagement live`: keep the live view current from a terminal, without the UI or the daemon."""

from __future__ import annotations

import sys
import time

import typer


def live(
    interval: float = typer.Option(30.0, min=1.0, help="Seconds between passes."),
    once: bool = typer.Option(False, "--once", help="One pass, then exit."),
) -> None:
    """Ingest new Currents files, add them to the live view and write its page, every --interval seconds.

    Prints a short summary after each pass (redrawn in place on a terminal); Ctrl-C stops. Between
    passes the warehouse is released, so `engagement ui` and other commands can use it."""
    from engagement_pipeline.defs.resources import resource
    from engagement_pipeline.lib.ingest.load import ingest
    from engagement_pipeline.lib.live.refresh import refresh_live, summary_lines

    redraw = sys.stdout.isatty() and not once
    try:
        with resource("warehouse") as warehouse, resource("landing_zone") as landing, resource("report_store") as reports:
            with resource("settings") as settings:
                while True:
                    ingest(warehouse.engine, landing.store(), limits=settings.ingest_limits)
                    refresh = refresh_live(warehouse.engine, reports.store(), count_bot_clicks=settings.count_bot_clicks)
                    warehouse.dispose()  # release a DuckDB file between passes
                    if redraw:
                        typer.echo("\x1b[H\x1b[J", nl=False)
                    typer.echo("\n".join(summary_lines(refresh)))
                    if once:
                        return
                    typer.echo(f"next pass in {interval:g} s (Ctrl-C stops)")
                    time.sleep(interval)
    except KeyboardInterrupt:
        typer.echo("\nstopped")


def register(app: typer.Typer) -> None:
    app.command()(live)
