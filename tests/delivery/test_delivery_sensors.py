"""The report schedule sensor over repeated ticks, on a real Dagster instance and a definitions folder."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from engagement_pipeline.defs.delivery.sensors import evaluate_report_schedule
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.defs.resources import PipelineSettings, Warehouse

DAILY = """name: Daily promo
messages: {campaigns: [c1]}
recipients: [crm@example.com]
timezone: Europe/Paris
schedule: {every: {days: 1}, at: "08:00", starting: 2026-11-01}
"""


@pytest.fixture
def setup(tmp_path: Path) -> tuple[dg.DagsterInstance, PipelineSettings]:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "daily_promo.yaml").write_text(DAILY)
    settings = PipelineSettings(home=str(tmp_path), report_defs_dir=str(folder), allowed_recipient_domains="example.com")
    return dg.DagsterInstance.ephemeral(), settings


def empty_warehouse(settings: PipelineSettings) -> Warehouse:
    return Warehouse(url=f"duckdb:///{settings.home}/warehouse.duckdb")


def tick(instance: dg.DagsterInstance, settings: PipelineSettings, cursor: str | None, now: str) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    at = datetime.fromisoformat(now).replace(tzinfo=UTC)
    result = evaluate_report_schedule(context, settings, empty_warehouse(settings), at)
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def run_keys(result: dg.SensorResult) -> list[str]:
    return [r.run_key for r in result.run_requests or []]


def test_a_new_report_gets_its_partition_first_then_its_latest_due_delivery(setup):
    instance, settings = setup
    first = tick(instance, settings, None, "2026-11-23T07:30:00")
    assert run_keys(first) == []
    assert instance.get_dynamic_partitions(report_partitions.name) == ["daily_promo"]

    second = tick(instance, settings, first.cursor, "2026-11-23T07:31:00")
    [request] = second.run_requests
    assert request.run_key == "daily_promo:2026-11-23T07:00:00Z"
    assert request.partition_key == "daily_promo"
    assert request.tags["due_at"] == "2026-11-23T07:00:00Z"
    assert request.run_config == {"ops": {"report_files": {"config": {"due_at": "2026-11-23T07:00:00Z"}}}}


def test_repeated_ticks_next_day_and_downtime(setup):
    instance, settings = setup
    instance.add_dynamic_partitions(report_partitions.name, ["daily_promo"])
    first = tick(instance, settings, None, "2026-11-23T07:30:00")
    same = tick(instance, settings, first.cursor, "2026-11-23T07:30:00")
    later = tick(instance, settings, same.cursor, "2026-11-23T18:00:00")
    next_day = tick(instance, settings, later.cursor, "2026-11-24T07:00:00")
    after_downtime = tick(instance, settings, next_day.cursor, "2026-11-29T12:00:00")

    assert run_keys(first) == ["daily_promo:2026-11-23T07:00:00Z"]
    assert run_keys(same) == [] and run_keys(later) == []
    assert run_keys(next_day) == ["daily_promo:2026-11-24T07:00:00Z"]
    assert run_keys(after_downtime) == ["daily_promo:2026-11-29T07:00:00Z"]


def test_an_invalid_definition_is_not_scheduled(setup, tmp_path):
    instance, settings = setup
    (tmp_path / "reports" / "leak.yaml").write_text(DAILY.replace("crm@example.com", "someone@gmail.com"))
    instance.add_dynamic_partitions(report_partitions.name, ["daily_promo", "leak"])
    result = tick(instance, settings, None, "2026-11-23T07:30:00")
    assert run_keys(result) == ["daily_promo:2026-11-23T07:00:00Z"]


def evaluate(definitions: dg.Definitions, instance: dg.DagsterInstance, settings, cursor: str | None = None):
    sensor = definitions.resolve_sensor_def("report_schedule_sensor")
    resources = {"settings": settings, "warehouse": empty_warehouse(settings)}
    with (
        dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources, definitions=definitions) as context,
        dg.partition_loading_context(dynamic_partitions_store=instance),
    ):
        return sensor.evaluate_tick(context)


def test_the_sensor_definition_adds_the_partition_then_requests_a_valid_partitioned_run(setup):
    instance, settings = setup
    from engagement_pipeline.definitions import defs

    definitions = defs()
    now = datetime.now(UTC)
    starting = (now - timedelta(days=3)).date().isoformat()
    every_day = DAILY.replace('"08:00"', f'"{now:%H}:00"').replace("Europe/Paris", "UTC").replace("2026-11-01", starting)
    Path(settings.report_defs_dir, "daily_promo.yaml").write_text(every_day)

    first = evaluate(definitions, instance, settings)
    assert first.run_requests == []
    assert [list(r.partition_keys) for r in first.dynamic_partitions_requests] == [["daily_promo"]]
    instance.add_dynamic_partitions(report_partitions.name, ["daily_promo"])
    second = evaluate(definitions, instance, settings, first.cursor)
    due = now.replace(minute=0, second=0, microsecond=0)
    assert [r.run_key for r in second.run_requests] == [f"daily_promo:{due:%Y-%m-%dT%H:%M:%SZ}"]
    assert evaluate(definitions, instance, settings, second.cursor).run_requests == []


def test_delivery_sensors_and_schedule_run_by_default_and_say_what_they_do():
    from engagement_pipeline.definitions import defs

    definitions = defs()
    names = ["report_schedule_sensor", "landing_files_sensor", "late_data_sensor", "alert_on_run_failure_sensor"]
    for name in names:
        sensor = definitions.resolve_sensor_def(name)
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING and sensor.description, name
    schedule = definitions.resolve_schedule_def("build_models_daily_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING and schedule.description
    context = dg.build_schedule_context(
        instance=dg.DagsterInstance.ephemeral(),
        scheduled_execution_time=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        repository_def=definitions.get_repository_def(),
    )
    [request] = schedule.evaluate_tick(context).run_requests
    assert (request.partition_key, request.run_key) == ("2026-11-22", "2026-11-22")
