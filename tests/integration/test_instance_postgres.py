"""Production mode on PostgreSQL: Dagster's run, event-log and schedule storage and the warehouse."""

import json
import shutil
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from engagement_pipeline.cli.runner import load_defs, run_pipeline
from tests.support.avro_files import currents_key, write_events

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
NOV20 = 1_795_132_800  # 2026-11-20T00:00:00Z
DAY = 86_400


@pytest.fixture
def dagster_db(pg_admin_url: str):
    """A second fresh database, for Dagster's own storage (the warehouse gets `pg_url`)."""
    name = f"engagement_dagster_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    yield sa.engine.make_url(pg_admin_url).set(drivername="postgresql+psycopg2", database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture
def production_env(monkeypatch, tmp_path: Path, pg_url: str, dagster_db: str) -> Path:
    """The project configured as in docs/production.md: warehouse and Dagster home on PostgreSQL."""
    landing = tmp_path / "landing"
    write_events(
        landing / currents_key("users.messages.email.Send", "2026-11-20-10", "a"),
        [
            {"id": "s1", "user_id": "u1", "time": NOV20 + 36_000},
            {"id": "s2", "user_id": "u2", "time": NOV20 + 36_060},
        ],
    )
    write_events(
        landing / currents_key("users.messages.email.Send", "2026-11-21-09", "b"),
        [
            {"id": "s3", "user_id": "u1", "time": NOV20 + DAY + 32_400},
        ],
    )
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "docs" / "deploy" / "dagster.yaml", home / "dagster.yaml")
    db = sa.engine.make_url(dagster_db)
    for name, value in {
        "ENGAGEMENT_HOME": str(tmp_path / "home"),
        "ENGAGEMENT_WAREHOUSE_URL": pg_url,
        "ENGAGEMENT_LANDING_URL": str(landing),
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": db.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(db.port or 5432),
        "DAGSTER_PG_USER": db.username or "postgres",
        "DAGSTER_PG_PASSWORD": db.password or "",
        "DAGSTER_PG_DB": db.database or "",
    }.items():
        monkeypatch.setenv(name, value)
    return home


def rows(url: str, sql: str, **params: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def evaluate(defs: dg.Definitions, instance: dg.DagsterInstance, name: str, cursor: str | None = None) -> str | None:
    with dg.build_sensor_context(instance=instance, definitions=defs, resources=defs.resources, sensor_name=name, cursor=cursor) as context:
        return defs.resolve_sensor_def(name).evaluate_tick(context).cursor


def test_runs_materializations_and_checks_are_stored_in_postgres(production_env, pg_url, dagster_db):
    defs = load_defs()
    with dg.instance_for_test(overrides={"storage": {"postgres": {"postgres_url": dagster_db}}}) as instance:
        outcome = run_pipeline(date(2026, 11, 20), date(2026, 11, 21), defs=defs, inst=instance, log=lambda _: None)
        assert outcome.success, outcome.failure
        ingest_run, build_run = (instance.get_run_by_id(run_id) for run_id in outcome.run_ids)

        assert (ingest_run.job_name, ingest_run.status) == ("ingest_currents_job", dg.DagsterRunStatus.SUCCESS)
        assert (build_run.job_name, build_run.status) == ("build_models_job", dg.DagsterRunStatus.SUCCESS)
        assert build_run.tags["dagster/asset_partition_range_start"] == "2026-11-20"
        assert build_run.tags["dagster/asset_partition_range_end"] == "2026-11-21"

        raw = instance.fetch_materializations(dg.AssetKey("raw_currents_events"), limit=10).records
        assert [r.asset_materialization.metadata["rows_loaded"].value for r in raw] == [3]
        graph = defs.resolve_asset_graph()
        partitioned = [node.key for node in graph.asset_nodes if node.group_name == "models" and node.partitions_def is not None]
        assert dg.AssetKey("stg_currents__events") in partitioned
        for key in partitioned:
            assert instance.get_materialized_partitions(key) == {"2026-11-20", "2026-11-21"}, key.to_user_string()

        checks = instance.all_logs(build_run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        # A range run records one evaluation per partitioned check and day (each day shows its own result).
        evaluations = {
            (e.asset_key.to_user_string(), e.check_name, e.partition): e
            for e in (c.dagster_event.asset_check_evaluation_data for c in checks)
        }
        assert len(evaluations) == len(checks)
        grain = {key for key in evaluations if key[1].endswith("_grain_is_unique")}
        assert ("stg_currents__events", "stg_currents__events_grain_is_unique", "2026-11-21") in grain
        assert {key[:2] for key in grain} == {
            (k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys if k.name.endswith("_grain_is_unique")
        }
        partitioned_grain = {key for key in grain if key[2] is not None}
        assert {key[2] for key in partitioned_grain} == {"2026-11-20", "2026-11-21"}
        assert all(evaluations[key].passed for key in grain), [key for key in grain if not evaluations[key].passed]

    stored_runs = rows(dagster_db, "select run_id, status from runs order by create_timestamp")
    assert stored_runs == [(ingest_run.run_id, "SUCCESS"), (build_run.run_id, "SUCCESS")]
    stg_partitions = rows(
        dagster_db,
        """
        select partition from event_logs
        where dagster_event_type = 'ASSET_MATERIALIZATION' and asset_key = '["stg_currents__events"]'
        order by partition
    """,
    )
    assert stg_partitions == [("2026-11-20",), ("2026-11-21",)]
    executed = "select count(*) from asset_check_executions where run_id = :run and execution_status in ('SUCCEEDED', 'FAILED')"
    assert rows(dagster_db, executed, run=build_run.run_id) == [(len(checks),)]
    assert rows(pg_url, "select event_date, count(*) from stg_currents__events group by 1 order by 1") == [
        (date(2026, 11, 20), 2),
        (date(2026, 11, 21), 1),
    ]


def test_production_dagster_yaml_puts_the_instance_on_postgres(production_env, dagster_db):
    instance = dg.DagsterInstance.from_config(str(production_env))
    try:
        assert {
            type(s).__module__.split(".")[0] for s in (instance.run_storage, instance.event_log_storage, instance.schedule_storage)
        } == {"dagster_postgres"}
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 4
        tables = {t for (t,) in rows(dagster_db, "select tablename from pg_tables where schemaname = 'public'")}
        assert {"runs", "event_logs", "instigators", "asset_check_executions"} <= tables
    finally:
        instance.dispose()


def test_sensor_cursor_set_from_the_cli_is_stored_in_postgres(production_env, dagster_db):
    defs = load_defs()
    sensors = list(defs.get_repository_def().sensor_defs)
    if not sensors:
        pytest.skip("the code location defines no sensor yet: nothing to store a cursor for")
    instance = dg.DagsterInstance.from_config(str(production_env))
    try:
        cursors = {sensor.name: evaluate(defs, instance, sensor.name) for sensor in sensors}
        # A sensor that keeps no cursor of its own still gets one stored, as `dagster sensor cursor` allows.
        name, cursor = next(((n, c) for n, c in cursors.items() if c), (sensors[0].name, "2026-11-20T00:00:00Z"))

        done = subprocess.run(
            [str(Path(sys.executable).parent / "dagster"), "sensor", "cursor", name, "--set", cursor, "-w", "workspace.yaml"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]

        stored = {s.instigator_name: s.instigator_data.cursor for s in instance.all_instigator_state()}
        assert stored == {name: cursor}
        evaluate(defs, instance, name, cursor=stored[name])
    finally:
        instance.dispose()
    ((kind, body),) = rows(dagster_db, "select instigator_type, instigator_body from instigators")
    # Dagster serializes InstigatorState.instigator_data under its legacy name.
    assert kind == "SENSOR" and json.loads(body)["job_specific_data"]["cursor"] == cursor
