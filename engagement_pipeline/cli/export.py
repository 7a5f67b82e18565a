"""`engagement export recipients`: every user a campaign or Canvas reached, one CSV each, packed and linked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from engagement_pipeline.cli.report import option_date

app = typer.Typer(help="Exports of the warehouse's data: recipients of a campaign or Canvas.", no_args_is_help=True, rich_markup_mode=None)


def _targets(conn, campaigns: list[str], canvases: list[str]):
    from engagement_pipeline.lib.reports.message_catalog import load_catalog
    from engagement_pipeline.lib.reports.recipient_export import target_names

    known = {(e.kind, e.id) for e in load_catalog(conn)}
    wanted = [("campaign", i) for i in campaigns] + [("canvas", i) for i in canvases]
    missing = [f"--{kind} {i}" for kind, i in wanted if (kind, i) not in known]
    if missing:
        raise typer.BadParameter(f"{', '.join(missing)}: not in the message catalog; expected the id of a campaign or Canvas with events")
    return [target_names(conn, kind, i) for kind, i in wanted]


@app.command()
def recipients(
    campaign: list[str] = typer.Option([], "--campaign", help="Campaign API id (repeatable)."),
    canvas: list[str] = typer.Option([], "--canvas", help="Canvas API id (repeatable)."),
    date_from: str = typer.Option(None, "--from", help="First local day (YYYY-MM-DD); default: the first event."),
    date_to: str = typer.Option(None, "--to", help="Last local day, inclusive (YYYY-MM-DD); default: today."),
    timezone: str = typer.Option(None, help="IANA time zone of the days and of first_sent_at (default: ENGAGEMENT_TIMEZONE)."),
    compression: str = typer.Option("zip", help="zip (one recipients.zip), gzip (one .csv.gz per message) or none."),
    out: Path = typer.Option(None, "--out", help="Write the file(s) into this local folder instead of the report store."),
    link_expiry_hours: float = typer.Option(1.0, "--link-expiry-hours", help="How long the report store's link works."),
    include_personal_data: str = typer.Option(
        "", "--include-personal-data", help="Add personal data columns: email_address, phone_number (comma list). Default: none."
    ),
) -> None:
    """One row per user who received the campaign (or was enrolled in its control group) in the period."""
    from engagement_pipeline.defs.resources import resource
    from engagement_pipeline.lib.ingest.contacts import CONTACTS_TABLE
    from engagement_pipeline.lib.reports.build import run_stamp
    from engagement_pipeline.lib.reports.message_catalog import table_exists
    from engagement_pipeline.lib.reports.recipient_export import store_export, window, write_export
    from engagement_pipeline.lib.reports.recipients import personal_columns
    from engagement_pipeline.lib.reports.spec_schema import check_timezone

    if not campaign and not canvas:
        raise typer.BadParameter("no message given; expected --campaign ID or --canvas ID")
    if not 0 < link_expiry_hours <= 168:
        raise typer.BadParameter(
            f"--link-expiry-hours {link_expiry_hours}; expected more than 0 and at most 168 (7 days, what S3 can sign)"
        )
    if compression not in ("zip", "gzip", "none"):
        raise typer.BadParameter(f"--compression {compression!r}; expected zip, gzip or none")
    start, end = option_date("--from", date_from), option_date("--to", date_to)
    try:
        personal = personal_columns([v.strip() for v in include_personal_data.split(",") if v.strip()])
    except ValueError as exc:
        raise typer.BadParameter(f"--include-personal-data: {exc}") from None
    with resource("settings") as settings, resource("warehouse") as warehouse:
        try:
            tz = check_timezone(timezone or settings.timezone)
        except ValueError as exc:
            raise typer.BadParameter(f"--timezone: {exc}") from None
        with warehouse.engine.connect() as conn:
            targets = _targets(conn, campaign, canvas)
            if personal and not table_exists(conn, CONTACTS_TABLE):
                raise typer.BadParameter(
                    f"--include-personal-data: the warehouse has no {CONTACTS_TABLE} table yet; expected one `engagement ingest` since the upgrade"
                )
        span = window(start, end, tz, datetime.now(ZoneInfo(tz)).date())
        options = {"tz": tz, "compression": compression, "delimiter": ",", "archive": "recipients", "personal": personal}
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            for path, rows in write_export(warehouse.engine, out, targets, span, **options):
                typer.echo(f"{path} ({rows:,} recipients)")
            return
        with resource("report_store") as location:
            store = location.store()
            folder = f"exports/recipients/{run_stamp(datetime.now(UTC))}"
            files = store_export(warehouse.engine, store, folder, targets, span, link_expiry=timedelta(hours=link_expiry_hours), **options)
    if personal:
        typer.echo(f"the files hold personal data ({', '.join(personal)}): share the link only with people allowed to see it")
    for item in files:
        typer.echo(f"{item.name} ({item.rows:,} recipients, {item.size_bytes:,} bytes): {item.url}")
