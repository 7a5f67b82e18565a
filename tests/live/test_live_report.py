"""The live view through Dagster: the real landing sensor starts the ingest job, whose live_report adds
the new files and writes the page; the reconciliation check agrees with the daily rollups once they
are built and names the first difference when one is injected; the page shows the warehouse's numbers
in Chromium, offline."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from engagement_pipeline.defs.ingest.assets import braze_catalog, raw_currents_events
from engagement_pipeline.defs.ingest.jobs import ingest_currents_job
from engagement_pipeline.defs.ingest.sensors import landing_files_sensor
from engagement_pipeline.defs.live.assets import live_report
from engagement_pipeline.defs.live.checks import live_report_matches_daily_rollups
from engagement_pipeline.lib.live.window import utc_now
from engagement_pipeline.lib.pages.page import external_urls
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import model_assets, resources, table
from tests.support.browser import Chromium, chromium_path
from tests.support.currents_events import land

SEND, OPEN, ABORT = "users.messages.email.Send", "users.messages.email.Open", "users.messages.email.Abort"
CAMPAIGN = {"campaign_id": "c-live", "campaign_name": "Flash Sale", "message_variation_id": "v1"}


def iso(at: datetime) -> str:
    return at.replace(microsecond=0).isoformat()


def tick_and_run(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None) -> tuple[dict, str | None]:
    """One tick of the real landing sensor and the ingest run it asks for; the run's live_report metadata and check."""
    res = {name: defs.resources[name] for name in ("landing_zone", "warehouse")}
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources=res) as context:
        result = landing_files_sensor(context)
    (request,) = result.run_requests
    run = defs.resolve_job_def("ingest_currents_job").execute_in_process(instance=instance, tags=request.tags)
    (materialization,) = run.asset_materializations_for_node("live_report")
    (check,) = run.get_asset_check_evaluations()
    return {k: v.value for k, v in materialization.metadata.items()} | {"check": check}, result.cursor


def run_check(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.AssetCheckEvaluation:
    result = dg.materialize([live_report, live_report_matches_daily_rollups], resources=defs.resources, instance=instance)
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("live")
    landing, url = home / "landing", f"duckdb:///{home / 'warehouse.duckdb'}"
    now = utc_now()
    defs = dg.Definitions(
        assets=[raw_currents_events, braze_catalog, live_report, live_report_matches_daily_rollups, *model_assets()[1:]],
        jobs=[ingest_currents_job],
        resources=resources(url, home, landing),
    )
    instance = dg.DagsterInstance.ephemeral()
    seen: dict = {"url": url, "now": now}
    hour_ago = now - timedelta(hours=1)
    land(landing, SEND, "sends", [
        {"id": f"s{i}", "user_id": f"u{i}", "time": iso(hour_ago), "email_address": f"u{i}@{d}", **CAMPAIGN}
        for i, d in enumerate(["gmail.com", "gmail.com", "web.de"])
    ] + [{"id": "old", "user_id": "u9", "time": iso(now - timedelta(hours=50)), **CAMPAIGN}])  # fmt: skip
    land(landing, ABORT, "aborts", [{"id": "a1", "user_id": "u5", "time": iso(hour_ago), "abort_type": "rate_limit", **CAMPAIGN}])
    seen["first"], cursor = tick_and_run(defs, instance, None)
    # Later: opens, a re-delivered copy of a send, and a late file 30 h old.
    land(
        landing,
        OPEN,
        "opens",
        [{"id": f"o{i}", "user_id": f"u{i}", "time": iso(now - timedelta(minutes=30)), **CAMPAIGN} for i in range(2)],
    )
    land(landing, SEND, "again", [{"id": "s0", "user_id": "u0", "time": iso(hour_ago), "email_address": "u0@gmail.com", **CAMPAIGN}])
    land(landing, SEND, "late", [{"id": "late", "user_id": "u7", "time": iso(now - timedelta(hours=30)), **CAMPAIGN}])
    seen["second"], cursor = tick_and_run(defs, instance, cursor)
    days = table(url, "select min(event_date) as first, max(event_date) as last from live_buckets")[0]
    dg.materialize(
        model_assets(),
        resources=defs.resources,
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": days["first"].isoformat(),
            "dagster/asset_partition_range_end": days["last"].isoformat(),
        },
    )
    seen["agrees"] = run_check(defs, instance)
    with make_engine(url).begin() as conn:
        conn.exec_driver_sql(
            "update live_buckets set sent = sent + 1 where bucket_at = (select max(bucket_at) from live_buckets where sent > 0)"
        )
    seen["differs"] = run_check(defs, instance)
    return seen


def test_the_sensor_started_ingestion_and_the_live_view_took_only_the_new_files(live):
    first, second = live["first"], live["second"]
    assert (first["files_applied"], first["events_applied"], first["events_too_old"]) == (2, 4, 1)
    assert second["files_applied"] == 3 and second["events_applied"] == 3  # 2 opens + the late send; the copy is not loaded again
    assert second["totals"]["sent"] == 3 and second["totals"]["opens"] == 2 and second["totals"]["aborts"] == 1
    assert Path(second["page"]).is_file() and second["page"].endswith("live/index.html")
    assert "Flash Sale" in second["preview"]


def test_the_check_waits_for_the_rollups_then_agrees_then_names_an_injected_difference(live):
    assert live["second"]["check"].passed and live["second"]["check"].metadata["days_compared"].value == []
    agrees, differs = live["agrees"], live["differs"]
    assert agrees.passed and agrees.metadata["days_compared"].value, agrees.metadata
    assert not differs.passed
    first = differs.metadata["first_difference"].value
    assert "campaign c-live variation v1, channel email: sent is" in first and "int_message_stats__quarter_hourly" in first


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(chromium_path(), tmp_path_factory.mktemp("chromium"))
    yield chromium
    chromium.close()


def test_the_page_shows_the_warehouses_numbers_offline(live, browser):
    page = Path(live["second"]["page"])
    assert external_urls(page.read_text()) == []
    browser.open_file(page)
    shown = browser.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#totals .tile')].map(t => [t.dataset.stat, t.querySelector('.value').textContent]))"
    )
    window = {
        "s": datetime.fromisoformat(live["second"]["window_start_utc"]),
        "e": datetime.fromisoformat(live["second"]["window_end_utc"]),
    }
    expected = table(live["url"], "select sum(sent) as sent, sum(opens) as opens, sum(aborts) as aborts from live_buckets"
                     " where bucket_at >= :s and bucket_at < :e", **window)[0]  # fmt: skip
    assert {k: shown[k] for k in ("sent", "opens", "aborts")} == {k: f"{int(v):,}" for k, v in expected.items()}
    section = browser.evaluate("document.querySelector('#campaign-c-live .tile[data-stat=sent] .value').textContent")
    assert section == str(int(expected["sent"]))
    link = browser.evaluate("document.querySelector('#message-list a').getAttribute('href')")
    assert link == "#campaign-c-live"
    aborts = browser.evaluate("document.querySelector('#abort_type td[data-col=abort_type]').textContent")
    assert aborts == "rate_limit"
    assert browser.problems == [] and browser.requests == []
