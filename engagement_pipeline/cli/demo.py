"""The README's main command: sample data if the landing zone is empty, the whole pipeline, the outputs."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from engagement_pipeline.cli.runner import PipelineOutcome, instance, load_defs, run_pipeline
from engagement_pipeline.lib.platform.config import defaults
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.reports.periods import resolve_time_frame
from engagement_pipeline.lib.reports.spec import ReportDefinition


def _first_landed_day(store: ObjectStore) -> date | None:
    import re

    days = [m.group(1) for obj in store.list(suffix=".avro") if (m := re.search(r"date=(\d{4}-\d{2}-\d{2})", obj.key))]
    return date.fromisoformat(min(days)) if days else None


DEMO_EVENTS = 280_000
MIN_DAYS, MAX_DAYS = 14, 92


def days_to_cover(definitions: list[ReportDefinition], today: date) -> int:
    """Days of sample data ending ``today`` that cover the longest definition's time frame on ``today``.

    A custom range counts from its start (up to today); a definition without a time frame needs
    no history of its own. At least ``MIN_DAYS``, at most ``MAX_DAYS`` so the demo stays quick."""
    needed = [(today - resolve_time_frame(d, today=today, first_event_date=None)[0]).days + 1 for d in definitions]
    return max(MIN_DAYS, min(MAX_DAYS, max(needed, default=MIN_DAYS)))


def within_partitions(days: int, today: date, start: date) -> int:
    """The days ending ``today`` to generate, none before ``start`` (ENGAGEMENT_PARTITIONS_START):
    an earlier day would be ingested but never built."""
    return max(0, min(days, (today - start).days + 1))


def _demo_size(days: int | None, events_per_day: int | None, today: date) -> tuple[int, int]:
    """The days to generate (from the definitions unless given) and events a day (``DEMO_EVENTS`` spread over them)."""
    if days is None:
        from engagement_pipeline.lib.reports.spec import load_definitions

        cfg = defaults()
        good, _bad = load_definitions(Path(cfg["ENGAGEMENT_REPORT_DEFS"]), default_timezone=cfg["ENGAGEMENT_TIMEZONE"])
        days = days_to_cover(good, today)
    return days, events_per_day or max(100, DEMO_EVENTS // days)


def run_demo(
    *, days: int | None, events_per_day: int | None, echo: Callable[[str], None], print_checks: Callable[[PipelineOutcome], None]
) -> int:
    cfg = defaults()
    landing = ObjectStore(cfg["ENGAGEMENT_LANDING_URL"], endpoint_url=cfg["ENGAGEMENT_S3_ENDPOINT_URL"] or None)
    today = date.today()
    start = date.fromisoformat(cfg["ENGAGEMENT_PARTITIONS_START"])
    if start > today:
        echo(f"ENGAGEMENT_PARTITIONS_START={start} is after today ({today}): there is no day to build; expected a date up to today")
        return 1
    first = _first_landed_day(landing)
    if first is None:
        from engagement_pipeline.sample_data.generator import generate_landing_zone

        if landing.is_s3:
            echo(f"the landing zone {landing.url} is empty; generate data into it with `engagement generate`")
            return 1
        days, events_per_day = _demo_size(days, events_per_day, today)
        days = within_partitions(days, today, start)
        first = today - timedelta(days=days - 1)
        now = datetime.now(timezone.utc)
        echo(f"landing zone {landing.root} is empty: generating {days} days x ~{events_per_day:,} events from {first} until now")
        summary = generate_landing_zone(landing.root, first, days, events_per_day, until=now)
        echo(f"  wrote {summary.events:,} events in {summary.files} files")
    if first < start:
        echo(f"the landing zone has days from {first}; building from ENGAGEMENT_PARTITIONS_START={start} (earlier days have no partition)")
        first = start
    defs = load_defs()
    inst = instance()
    outcome = run_pipeline(first, today, log=echo, defs=defs, inst=inst)
    print_checks(outcome)
    if not outcome.success:
        echo(f"pipeline failed: {outcome.failure}")
        return 1
    outputs = _render_reports(defs, inst, echo)
    live = _refresh_live(defs, inst, echo)
    echo("")
    echo(f"warehouse:      {cfg['ENGAGEMENT_WAREHOUSE_URL'].split('@')[-1]}")
    echo(f"landing zone:   {landing.describe('')}")
    echo(f"report files:   {cfg['ENGAGEMENT_REPORTS_URL']}")
    for line in outputs:
        echo(f"  {line}")
    echo(f"live page:      {live}")
    echo(f"emails:         {'sent through SMTP' if cfg['ENGAGEMENT_SMTP_URL'] else cfg['OUTBOX_DIR'] + '/*.eml'}")
    echo(f"dagster home:   {cfg['DAGSTER_HOME']}  (open the UI: make ui)")
    return 0


def _refresh_live(defs, inst, echo: Callable[[str], None]) -> str:
    """The live page, refreshed now that the days are built, so its reconciliation compares them; its path and verdict.

    The demo's data ends now, so the page shows the last 24 hours; on older data it shows the 24
    hours up to the latest event kept (48 h), labelled as such (docs/live.md)."""
    from engagement_pipeline.cli.runner import execute_job, failure_message

    echo("refreshing the live view (last 24 hours) and reconciling it with the daily rollups")
    result = execute_job(defs, "refresh_live_job", inst=inst)
    if not result.success:
        return f"not written ({failure_message(result)})"
    (materialization,) = result.asset_materializations_for_node("live_report")
    page = materialization.metadata["page"].value
    checks = result.get_asset_check_evaluations()
    verdict = "; ".join(
        f"reconciliation {'passed' if c.passed else 'FAILED'}: {c.description}"
        for c in checks
        if c.check_name == "live_report_matches_daily_rollups"
    )
    return f"{page}  ({verdict})" if verdict else str(page)


def _render_reports(defs, inst, echo: Callable[[str], None]) -> list[str]:
    """Render and deliver every example report's current delivery once (emails land in the outbox on the embedded default).

    The current delivery is the one the schedule sensor would send now (``delivery_due``): the
    latest due time, or the current version of a `send: immediately` definition. The sensor of
    `engagement ui` then starts from the delivery log and does not send it again."""
    from engagement_pipeline.defs.resources import resource
    from engagement_pipeline.lib.reports.spec import load_definitions

    cfg = defaults()
    good, bad = load_definitions(Path(cfg["ENGAGEMENT_REPORT_DEFS"]), default_timezone=cfg["ENGAGEMENT_TIMEZONE"])
    lines = [f"{error.source.stem}: invalid definition: {error}" for error in bad]
    now = datetime.now(timezone.utc)
    with resource("warehouse") as warehouse:
        lines += _deliver_each(defs, inst, warehouse.engine, good, now, echo)
    return lines


def _deliver_each(defs, inst, engine, good, now, echo: Callable[[str], None]) -> list[str]:
    from engagement_pipeline.cli.resend import AlreadySent, resend

    lines: list[str] = []
    for defn in good:
        echo(f"rendering and delivering report {defn.report_id} ({defn.name})")
        try:
            outcome = resend(defs, inst, engine, defn, now, trigger="demo")
        except AlreadySent as exc:
            lines.append(f"{defn.report_id}: {exc}")
            continue
        record = outcome.record
        if record is None:
            lines.append(f"{defn.report_id}: not delivered ({(outcome.error or 'run failed').splitlines()[0]})")
            continue
        # an HTML page (`formats: [csv, html]`) shows under its title: "Campaign report: <name>"
        lines.extend(f"{defn.report_id}: {link['title'] + ': ' if link.get('title') else ''}{link['url']}" for link in record.links)
        lines.append(f"{defn.report_id}: email {record.status} to {', '.join(record.recipients)}")
    return lines
