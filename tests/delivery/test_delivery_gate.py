"""The quality gate and data readiness: a report is held (with an alert) and sent exactly once when fixed."""

import json
from datetime import UTC, datetime

import dagster as dg
import pytest
import sqlalchemy as sa

from engagement_pipeline.defs.delivery.sensors import evaluate_report_schedule
from engagement_pipeline.defs.models import assets as model_defs
from engagement_pipeline.defs.partitions import daily_partitions
from engagement_pipeline.defs.resources import PipelineSettings, StorageLocation, Warehouse
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support.delivery import Delivery, definition, workspace  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

DAILY_AT_7 = 'schedule: {every: {days: 1}, at: "07:00", starting: 2026-11-20}\n'
NOVEMBER = "time_frame: {start: 2026-11-01, end: 2026-11-02}\n" + DAILY_AT_7
GRAIN_CHECK = dg.AssetCheckKey(dg.AssetKey("channel_daily_stats"), "channel_daily_stats_grain_is_unique")
DUPLICATE = "insert into channel_daily_stats select * from channel_daily_stats where event_date = '2026-11-01' and channel = 'push'"
REMOVE = "delete from channel_daily_stats where event_date = '2026-11-01' and channel = 'push'"


@pytest.fixture
def delivery(workspace, smtp_server, tmp_path) -> Delivery:  # noqa: F811
    return Delivery(workspace, tmp_path, f"smtp://127.0.0.1:{smtp_server.port}", StorageLocation(url=str(tmp_path / "files")))


def run_grain_check(delivery: Delivery, day: str) -> bool:
    asset = next(a for a in model_defs.sql_model_assets if GRAIN_CHECK in a.check_keys)
    job = dg.define_asset_job("recheck_grain", selection=dg.AssetSelection.checks(GRAIN_CHECK), partitions_def=daily_partitions)
    defs = dg.Definitions(
        assets=[asset],
        jobs=[job],
        resources={"warehouse": Warehouse(url=delivery.workspace.url), "settings": PipelineSettings(home=str(delivery.home))},
    )
    result = defs.resolve_job_def("recheck_grain").execute_in_process(
        instance=delivery.workspace.instance, tags={"dagster/partition": day}, raise_on_error=False
    )
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation.passed


def execute(delivery: Delivery, sql: str) -> None:
    with make_engine(delivery.workspace.url).begin() as conn:
        conn.execute(sa.text(sql))


def restore(delivery: Delivery, rows: list) -> None:
    with make_engine(delivery.workspace.url).begin() as conn:
        for row in rows:
            conn.execute(
                sa.text("insert into channel_daily_stats values (" + ", ".join(f":p{i}" for i in range(len(row))) + ")"),
                {f"p{i}": value for i, value in enumerate(row)},
            )


def sensor_tick(delivery: Delivery, *report_ids: str) -> list[dg.RunRequest]:
    cursor = json.dumps({report_id: "2026-11-23T07:00:00Z" for report_id in report_ids or ["promo_gate"]})
    context = dg.build_sensor_context(instance=delivery.workspace.instance, cursor=cursor)
    warehouse = Warehouse(url=delivery.workspace.url)
    result = evaluate_report_schedule(context, delivery.settings, warehouse, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    return list(result.run_requests or [])


def release(delivery: Delivery, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    return (
        delivery.definitions()
        .resolve_job_def("deliver_report_job")
        .execute_in_process(
            instance=delivery.workspace.instance,
            partition_key=request.partition_key,
            run_config=request.run_config,
            tags=request.tags,
            raise_on_error=False,
        )
    )


def test_a_failed_blocking_check_holds_the_report_with_an_alert_then_it_is_sent_once_when_fixed(delivery, smtp_server):
    delivery.define("promo_gate", definition("Promo gate", extra=NOVEMBER))
    rows = "select * from channel_daily_stats where event_date = '2026-11-01' and channel = 'push'"
    with make_engine(delivery.workspace.url).connect() as conn:
        original = conn.execute(sa.text(rows)).fetchall()
    execute(delivery, DUPLICATE)
    assert run_grain_check(delivery, "2026-11-01") is False

    held = delivery.run("promo_gate")
    assert held.success
    record = delivery.log("promo_gate")
    assert record.status == "held" and "channel_daily_stats_grain_is_unique" in record.failing_checks[0]
    [alert] = smtp_server.envelopes
    assert alert.rcpt_tos == ("oncall@example.com",) and alert.message["Subject"] == "Report held: Promo gate"
    assert "2026-11-01" in alert.message.get_body(("plain",)).get_content()
    assert sensor_tick(delivery) == []

    execute(delivery, REMOVE)
    restore(delivery, original)
    assert run_grain_check(delivery, "2026-11-01") is True
    [request] = sensor_tick(delivery)
    assert request.run_key == "promo_gate:2026-11-23T07:00:00Z:release-1"
    assert release(delivery, request).success

    assert delivery.log("promo_gate").status == "sent"
    reports = [e for e in smtp_server.envelopes if "crm@example.com" in e.rcpt_tos]
    assert len(reports) == 1 and reports[0].message["Subject"] == "Promo gate: 2026-11-01 – 2026-11-02"
    assert sensor_tick(delivery) == []


def test_a_report_whose_last_day_is_not_built_waits_for_data(delivery, smtp_server):
    frame = "time_frame: {start: 2026-11-01, end: 2026-11-05}\n"
    delivery.define("promo_wait", definition("Promo wait", extra=frame))
    result = delivery.run("promo_wait")

    assert result.success
    record = delivery.log("promo_wait")
    assert record.status == "held"
    assert record.failing_checks == (
        "waiting for data: channel_daily_stats is not built for UTC day(s) 2026-11-03, 2026-11-04, 2026-11-05",
    )
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [("oncall@example.com",)]


def test_a_tokyo_day_waits_for_both_utc_days_it_overlaps_then_is_sent_once(delivery, smtp_server):
    # Tokyo's 2026-11-02 is 2026-11-01 15:00 .. 2026-11-02 15:00 UTC: it reads UTC partition 2026-11-01 too.
    tokyo = "timezone: Asia/Tokyo\ntime_frame: {start: 2026-11-02, end: 2026-11-02}\n" + DAILY_AT_7
    delivery.define("promo_tokyo", definition("Promo Tokyo", extra=tokyo))
    delivery.define("promo_utc", definition("Promo UTC", extra=tokyo.replace("Asia/Tokyo", "UTC")))
    rows = "select * from channel_daily_stats where event_date = '2026-11-01' and channel = 'push'"
    with make_engine(delivery.workspace.url).connect() as conn:
        original = conn.execute(sa.text(rows)).fetchall()
    execute(delivery, DUPLICATE)
    assert run_grain_check(delivery, "2026-11-01") is False

    assert delivery.run("promo_utc").success and delivery.log("promo_utc").status == "sent"
    assert delivery.run("promo_tokyo").success
    record = delivery.log("promo_tokyo")
    assert record.status == "held" and "failed on 2026-11-01" in record.failing_checks[0]
    assert sensor_tick(delivery, "promo_tokyo", "promo_utc") == []

    execute(delivery, REMOVE)
    restore(delivery, original)
    assert run_grain_check(delivery, "2026-11-01") is True
    [request] = sensor_tick(delivery, "promo_tokyo", "promo_utc")
    assert release(delivery, request).success
    assert delivery.log("promo_tokyo").status == "sent"
    tokyo_reports = [e for e in smtp_server.envelopes if e.message["Subject"].startswith("Promo Tokyo")]
    assert len(tokyo_reports) == 1
    assert sensor_tick(delivery, "promo_tokyo", "promo_utc") == []
