"""The embedded default instance: SQLite under DAGSTER_HOME and one run at a time (DuckDB has one writer)."""

from pathlib import Path

import dagster as dg

from engagement_pipeline.lib import runner


def test_embedded_home_queues_runs_one_at_a_time(tmp_path: Path):
    home = tmp_path / "dagster"
    runner.ensure_embedded_home(home)

    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert Path(instance.root_directory) == home
    finally:
        instance.dispose()


def test_an_existing_dagster_yaml_is_left_as_the_user_wrote_it(tmp_path: Path):
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("concurrency:\n  runs:\n    max_concurrent_runs: 3\n")

    runner.ensure_embedded_home(home)

    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 3
    finally:
        instance.dispose()


def test_without_dagster_home_the_instance_lives_under_engagement_home(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ENGAGEMENT_HOME", str(tmp_path / "engagement"))
    monkeypatch.setenv("DAGSTER_HOME", "")
    monkeypatch.delenv("DAGSTER_HOME")  # recorded by monkeypatch, so the value runner.instance() sets is undone

    instance = runner.instance()
    try:
        assert Path(instance.root_directory) == tmp_path / "engagement" / "dagster"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    finally:
        instance.dispose()
