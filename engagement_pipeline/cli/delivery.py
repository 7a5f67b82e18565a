"""`engagement report resend REPORT --due TIME`: send one due delivery again, at most once."""

import typer


def resend(
    report_id: str = typer.Argument(..., help="Report id (the definition's file stem)."),
    due: str = typer.Option(
        ..., "--due", help="Due time: ISO with offset or Z, or a local time of the report's time zone (2026-11-23T08:00)."
    ),
) -> None:
    """Deliver REPORT for the due time TIME again (after a failure or a hold); refused if it was sent.

    TIME names the delivery as the schedule does: the latest due time of REPORT at or before it."""
    from engagement_pipeline.cli.resend import AlreadySent, parse_due
    from engagement_pipeline.cli.resend import resend as run_resend
    from engagement_pipeline.cli.runner import instance, load_defs
    from engagement_pipeline.defs.resources import resource
    from engagement_pipeline.lib.reports.spec import ReportDefinitionError, load_report

    try:
        with resource("settings") as settings, resource("warehouse") as warehouse:
            defn = load_report(settings, report_id)
            moment = parse_due(due, defn.timezone)
            outcome = run_resend(load_defs(), instance(), warehouse.engine, defn, moment)
    except (ReportDefinitionError, ValueError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None
    except AlreadySent as exc:
        typer.secho(str(exc), fg="yellow", err=True)
        raise typer.Exit(1) from None
    record = outcome.record
    if outcome.success and record is not None and record.status == "sent":
        typer.echo(f"{outcome.due_key}: sent to {', '.join(record.recipients)} ({record.message_id}), run {outcome.run_id}")
        return
    status = record.status if record is not None else "not delivered"
    detail = "; ".join(record.failing_checks) if record is not None and record.failing_checks else outcome.error or ""
    typer.secho(f"{outcome.due_key}: {status}, run {outcome.run_id}" + (f": {detail}" if detail else ""), fg="red", err=True)
    raise typer.Exit(1)


def register(report_app: typer.Typer) -> None:
    """Add `resend` to the `engagement report` command group."""
    report_app.command("resend")(resend)
