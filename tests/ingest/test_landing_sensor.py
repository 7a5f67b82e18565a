"""New landing files start ingestion, and the days they touch (late ones too) get their rollups rebuilt;
sensors restarted without a cursor neither ingest loaded files nor rebuild rebuilt days again."""

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest

from engagement_pipeline.defs.ingest.assets import braze_catalog, raw_currents_events
from engagement_pipeline.defs.ingest.jobs import ingest_currents_job
from engagement_pipeline.defs.ingest.sensors import landing_files_sensor
from engagement_pipeline.defs.models.jobs import build_models_job
from engagement_pipeline.defs.models.sensors import late_data_sensor
from engagement_pipeline.defs.resources import StorageLocation, Warehouse
from tests.support import model_assets, resources, table
from tests.support.avro_files import currents_key, write_events

SEND = "users.messages.email.Send"


def at(day: str, hour: int = 12) -> int:
    return int(datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC).timestamp())


def landing_tick(landing: StorageLocation, instance: dg.DagsterInstance, cursor: str | None, warehouse_url: str):
    resources = {"landing_zone": landing, "warehouse": Warehouse(url=warehouse_url)}
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        result = landing_files_sensor(context)
    return result, result.cursor if isinstance(result, dg.SensorResult) else cursor


def test_landing_sensor_requests_one_ingest_per_batch_of_new_local_files(tmp_path, duckdb_url):
    landing = tmp_path / "landing"
    location = StorageLocation(url=str(landing))
    instance = dg.DagsterInstance.ephemeral()
    write_events(landing / currents_key(SEND, "2026-11-20-10", "a"), [{"id": "a", "user_id": "u1", "time": at("2026-11-20")}])

    first, cursor = landing_tick(location, instance, None, duckdb_url)
    again, same_cursor = landing_tick(location, instance, cursor, duckdb_url)
    write_events(landing / currents_key(SEND, "2026-11-20-11", "b"), [{"id": "b", "user_id": "u1", "time": at("2026-11-20")}])
    more, _ = landing_tick(location, instance, same_cursor, duckdb_url)

    assert len(first.run_requests) == 1 and first.run_requests[0].run_key.startswith("landing:")
    assert isinstance(again, dg.SkipReason)
    assert len(more.run_requests) == 1 and more.run_requests[0].run_key != first.run_requests[0].run_key


def test_landing_sensor_lists_an_s3_landing_zone(s3_server, tmp_path, duckdb_url):
    bucket = s3_server.new_bucket()
    location = StorageLocation(url=f"s3://{bucket}/landing", endpoint_url=s3_server.endpoint_url)
    instance = dg.DagsterInstance.ephemeral()
    local = write_events(tmp_path / "a.avro", [{"id": "a", "user_id": "u1", "time": at("2026-11-20")}])
    s3_server.client().upload_file(str(local), bucket, "landing/" + currents_key(SEND, "2026-11-20-10", "a"))

    first, cursor = landing_tick(location, instance, None, duckdb_url)
    again, _ = landing_tick(location, instance, cursor, duckdb_url)

    assert [r.tags["landing/new_files"] for r in first.run_requests] == ["1"]
    assert isinstance(again, dg.SkipReason)


@pytest.fixture
def pipeline(duckdb_url, tmp_path) -> dg.Definitions:
    return dg.Definitions(
        assets=[raw_currents_events, braze_catalog, *model_assets()[1:]],
        jobs=[ingest_currents_job, build_models_job],
        resources=resources(duckdb_url, tmp_path),
    )


def run(defs: dg.Definitions, instance: dg.DagsterInstance, job: str, request: dg.RunRequest) -> None:
    result = defs.resolve_job_def(job).execute_in_process(instance=instance, tags=request.tags, raise_on_error=False)
    assert result.success, job


def sent_by_day(url: str) -> dict[date, int]:
    rows = table(url, "select event_date, sum(sent) as sent from channel_daily_stats group by event_date")
    return {r["event_date"]: int(r["sent"]) for r in rows}


def test_a_late_file_rebuilds_the_rollups_of_its_own_day(pipeline, duckdb_url, tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    landing = StorageLocation(url=str(tmp_path / "landing"))
    folder = Path(landing.url)
    write_events(folder / currents_key(SEND, "2026-11-20-10", "on-time"), [{"id": "s1", "user_id": "u1", "time": at("2026-11-20")}])

    ingest_request, landing_cursor = landing_tick(landing, instance, None, duckdb_url)
    run(pipeline, instance, "ingest_currents_job", ingest_request.run_requests[0])
    build = late_data_sensor(dg.build_sensor_context(instance=instance))
    assert [r.tags["dagster/asset_partition_range_start"] for r in build.run_requests] == ["2026-11-20"]
    run(pipeline, instance, "build_models_job", build.run_requests[0])
    assert sent_by_day(duckdb_url) == {date(2026, 11, 20): 1}

    late = [{"id": "s0", "user_id": "u2", "time": at("2026-11-17")}, {"id": "s0b", "user_id": "u3", "time": at("2026-11-17")}]
    write_events(folder / currents_key(SEND, "2026-11-21-03", "late"), late)
    ingest_request, _ = landing_tick(landing, instance, landing_cursor, duckdb_url)
    run(pipeline, instance, "ingest_currents_job", ingest_request.run_requests[0])
    build = late_data_sensor(dg.build_sensor_context(instance=instance, cursor=build.cursor))
    [request] = build.run_requests
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) == (
        "2026-11-17",
        "2026-11-17",
    )
    run(pipeline, instance, "build_models_job", request)
    assert sent_by_day(duckdb_url) == {date(2026, 11, 17): 2, date(2026, 11, 20): 1}
    assert isinstance(late_data_sensor(dg.build_sensor_context(instance=instance, cursor=build.cursor)), dg.SkipReason)

    restarted_landing, _ = landing_tick(landing, instance, None, duckdb_url)
    restarted_build = late_data_sensor(dg.build_sensor_context(instance=instance))
    assert restarted_landing.run_requests == [] and restarted_landing.cursor
    assert restarted_build.run_requests == [] and restarted_build.cursor == build.cursor
