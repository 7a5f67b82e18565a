"""The embedded default instance: SQLite under DAGSTER_HOME, one run at a time (DuckDB has one writer),
and run monitoring that marks a run whose worker was killed as failed."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from engagement_pipeline.instance import embedded
from engagement_pipeline.instance.run_launcher import LocalRunLauncher, worker_status

ROOT = Path(__file__).resolve().parents[2]


def test_embedded_home_queues_runs_one_at_a_time(tmp_path: Path):
    home = tmp_path / "dagster"
    embedded.ensure_embedded_home(home)

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

    embedded.ensure_embedded_home(home)

    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 3
    finally:
        instance.dispose()


def test_without_dagster_home_the_instance_lives_under_engagement_home(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ENGAGEMENT_HOME", str(tmp_path / "engagement"))
    monkeypatch.setenv("DAGSTER_HOME", "")
    monkeypatch.delenv("DAGSTER_HOME")  # recorded by monkeypatch, so the value embedded.instance() sets is undone

    instance = embedded.instance()
    try:
        assert Path(instance.root_directory) == tmp_path / "engagement" / "dagster"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    finally:
        instance.dispose()


OPEN_NEW_HOME = """
import sys, time
from pathlib import Path
import dagster as dg
from engagement_pipeline.instance import embedded

home, go = Path(sys.argv[1]), Path(sys.argv[2])
Path(sys.argv[3]).touch()
while not go.exists():
    time.sleep(0.01)
embedded.ensure_embedded_home(home)
instance = dg.DagsterInstance.from_config(str(home))
instance.get_runs()
instance.all_instigator_state()
instance.dispose()
"""


def test_processes_that_open_a_new_home_at_once_all_get_a_working_instance(tmp_path: Path):
    """The CLI, `engagement ui` and the daemon may first open a new home together; before the storages
    were created under a lock, the schedule database got two schema stamps and no process could open it."""
    home, go = tmp_path / "dagster", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_NEW_HOME, str(home), str(go), str(tmp_path / f"ready{i}")],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    _wait_for(lambda: all((tmp_path / f"ready{i}").exists() for i in range(4)), 120, "four processes at the start line")
    go.touch()
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], "\n".join(e[-2000:] for e in errors)
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert instance.all_instigator_state() == []
    finally:
        instance.dispose()


def _assert_monitored(instance: dg.DagsterInstance) -> None:
    assert instance.run_monitoring_enabled
    assert 0 < instance.run_monitoring_poll_interval_seconds <= 60
    assert 0 < instance.run_monitoring_start_timeout_seconds <= 600
    assert instance.run_monitoring_max_resume_run_attempts == 0  # the default launcher cannot resume runs
    assert isinstance(instance.run_launcher, LocalRunLauncher) and instance.run_launcher.supports_check_run_worker_health
    assert "MONITORING" in instance.get_required_daemon_types()


def test_embedded_instance_monitors_runs(tmp_path: Path):
    home = tmp_path / "dagster"
    embedded.ensure_embedded_home(home)
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        _assert_monitored(instance)
    finally:
        instance.dispose()


def test_production_dagster_yaml_monitors_runs_with_the_same_launcher(tmp_path: Path):
    config = yaml.safe_load((ROOT / "docs" / "deploy" / "dagster.yaml").read_text())
    embedded_config = yaml.safe_load(embedded.EMBEDDED_INSTANCE_YAML)
    assert config["run_monitoring"] == embedded_config["run_monitoring"]
    assert config["run_launcher"] == embedded_config["run_launcher"]
    assert config["python_logs"] == embedded_config["python_logs"]
    config.pop("storage")  # PostgreSQL: tests/integration/test_instance_postgres.py loads it whole
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        _assert_monitored(instance)
    finally:
        instance.dispose()


VERSION_0_2_0_YAML = (
    """\
concurrency:
  runs:
    max_concurrent_runs: 1
run_launcher:
  module: engagement_pipeline"""
    ".lib.run_launcher"
    """
  class: LocalRunLauncher
run_monitoring:
  enabled: true
  poll_interval_seconds: 30
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  max_resume_run_attempts: 0
telemetry:
  enabled: false
"""
)


@pytest.mark.parametrize(
    "earlier",
    ["concurrency:\n  runs:\n    max_concurrent_runs: 1\ntelemetry:\n  enabled: false\n", VERSION_0_2_0_YAML],
    ids=["0.1", "0.2.0"],
)
def test_an_unedited_embedded_yaml_of_an_earlier_version_is_brought_up_to_date(tmp_path: Path, earlier: str):
    """0.2.0's names a run launcher module that moved: left as it was, no run could start."""
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text(earlier)
    embedded.ensure_embedded_home(home)
    assert (home / "dagster.yaml").read_text() == embedded.EMBEDDED_INSTANCE_YAML


def test_worker_status_of_live_dead_and_reused_pids():
    assert worker_status(os.getpid(), time.time()).value == "RUNNING"
    assert worker_status(os.getpid(), time.time() - 10 * 86400).value == "FAILED"  # the pid is now another process's
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert worker_status(int(done.stdout), time.time()).value == "FAILED"


WORKER = """
import time
import dagster as dg
from engagement_pipeline.cli.runner import execute_job, instance

@dg.op
def sleep_long() -> None:
    time.sleep(600)

@dg.job
def sleepy_job() -> None:
    sleep_long()

execute_job(dg.Definitions(jobs=[sleepy_job]), "sleepy_job", inst=instance())
"""
DAEMON_CODE = """
import dagster as dg

@dg.op
def nothing() -> None:
    pass

@dg.job
def nothing_job() -> None:
    nothing()
"""


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def test_a_run_whose_worker_is_killed_is_marked_failed_by_the_monitoring_daemon(tmp_path: Path):
    home = tmp_path / "dagster"
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "ENGAGEMENT_HOME": str(tmp_path / "engagement"),
        "DAGSTER_HOME": str(home),
    }
    worker = subprocess.Popen([sys.executable, "-c", WORKER], env=env, cwd=tmp_path)
    try:
        _wait_for((home / "dagster.yaml").exists, 60, "the embedded instance")
        instance = dg.DagsterInstance.from_config(str(home))

        def started():
            runs = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
            return runs[0] if runs else None

        run = _wait_for(started, 60, "the run to start")
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    time.sleep(1)
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # nothing else will end it

    (tmp_path / "daemon_code.py").write_text(DAEMON_CODE)
    daemon = subprocess.Popen(
        ["dagster-daemon", "run", "-f", str(tmp_path / "daemon_code.py")],
        env=env,
        cwd=tmp_path,
        stdout=(tmp_path / "daemon.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE, 90, "run monitoring")
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=30)
    failure = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
    instance.dispose()
    assert failure and f"run worker process {worker.pid}" in failure[0].event_log_entry.dagster_event.message
