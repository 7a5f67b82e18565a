"""`engagement report show REPORT [--campaign ID | --canvas ID] [--open]`: the HTML pages of the latest run."""

from __future__ import annotations

import webbrowser
from datetime import timedelta

import typer

from engagement_pipeline.lib.reports.outputs import ReportFile, ReportOutput

# A link printed by `show` is made now, from the stored key: the one in report_outputs may have expired.
SHOW_LINK_EXPIRY = timedelta(hours=1)


def pick_pages(output: ReportOutput, campaign: str | None, canvas: str | None) -> list[ReportFile]:
    """The pages of ``output`` (titled files), or only the one of ``campaign`` / ``canvas``."""
    from engagement_pipeline.lib.reports.pages import page_file_name

    pages = [f for f in output.files if f.name.endswith(".html")]
    if campaign:
        pages = [f for f in pages if f.name == page_file_name("campaign", campaign)]
    if canvas:
        pages = [f for f in pages if f.name == page_file_name("canvas", canvas)]
    return pages


def _latest(report_id: str) -> ReportOutput | None:
    from engagement_pipeline.defs.resources import resource
    from engagement_pipeline.lib.reports.outputs import read_outputs

    with resource("warehouse") as warehouse, warehouse.engine.connect() as conn:
        outputs = read_outputs(conn, report_id)
    return outputs[0] if outputs else None


def _missing(report_id: str, output: ReportOutput, campaign: str | None, canvas: str | None) -> str:
    when = f"its latest run ({output.run_id[:8]}, {output.generated_at:%Y-%m-%d %H:%M} UTC)"
    if campaign or canvas:
        kind, wanted = ("campaign", campaign) if campaign else ("Canvas", canvas)
        others = ", ".join(f.name for f in pick_pages(output, None, None)) or "none"
        return f"{report_id}: {when} has no page for {kind} {wanted!r}; expected the id of a message with events (pages: {others})"
    return (
        f"{report_id}: {when} wrote no HTML page; expected `formats: [csv, html]` in its definition"
        f" and messages with events in the period, then `engagement report run {report_id}`"
    )


def show(
    report_id: str = typer.Argument(..., help="Report id (the definition's file stem)."),
    campaign: str = typer.Option(None, "--campaign", help="Only the page of this campaign id."),
    canvas: str = typer.Option(None, "--canvas", help="Only the page of this Canvas id."),
    open_page: bool = typer.Option(False, "--open", help="Open the page(s) in the web browser."),
) -> None:
    """Print the path (or a fresh link, on S3) of each HTML page of REPORT's latest run, or open them.

    Pages are written for definitions with `formats: [csv, html]`, one per campaign and Canvas."""
    from engagement_pipeline.defs.resources import resource
    from engagement_pipeline.lib.delivery.email_render import link_href
    from engagement_pipeline.lib.reports.spec import ReportDefinitionError, check_report_id

    try:
        check_report_id(report_id)
    except ReportDefinitionError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None
    output = _latest(report_id)
    if output is None:
        typer.secho(f"{report_id}: not rendered yet; run `engagement report run {report_id}` first", fg="red", err=True)
        raise typer.Exit(1)
    pages = pick_pages(output, campaign, canvas)
    if not pages:
        typer.secho(_missing(report_id, output, campaign, canvas), fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"{report_id}: {output.period_start} .. {output.period_end} (run {output.run_id[:8]})")
    with resource("report_store") as location:
        store = location.store()
        links = [(page, store.link(page.key, SHOW_LINK_EXPIRY)) for page in pages]
    for page, link in links:
        typer.echo(f"  {page.title or page.name}: {link}")
        if open_page:
            webbrowser.open(link_href(link))


def register(report_app: typer.Typer) -> None:
    """Add `show` to the `engagement report` command group."""
    report_app.command("show")(show)
