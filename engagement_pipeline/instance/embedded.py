"""The embedded default Dagster instance: its `dagster.yaml`, created under DAGSTER_HOME on first use."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from filelock import FileLock

from engagement_pipeline.lib.platform.config import defaults

# The embedded default: SQLite storage under DAGSTER_HOME and one run at a time, because DuckDB
# allows a single writing process per warehouse file. Run monitoring (the daemon that `engagement
# ui` starts) marks a run failed once its worker process is gone (killed, crashed): without it such
# a run stayed STARTED and held the one run slot for good. Log lines of `engagement_pipeline` modules
# (plain Python, no Dagster logger) show in a run's logs.
EMBEDDED_INSTANCE_YAML = """\
concurrency:
  runs:
    max_concurrent_runs: 1
run_launcher:
  module: engagement_pipeline.instance.run_launcher
  class: LocalRunLauncher
run_monitoring:
  enabled: true
  poll_interval_seconds: 30
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  max_resume_run_attempts: 0
python_logs:
  managed_python_loggers:
    - engagement_pipeline
telemetry:
  enabled: false
"""
# What earlier versions wrote: such a file is replaced, one the user edited is left alone.
_EARLIER_EMBEDDED_YAMLS = (
    "concurrency:\n  runs:\n    max_concurrent_runs: 1\ntelemetry:\n  enabled: false\n",
    # 0.2.0, when the run launcher was engagement_pipeline/lib/run_launcher.py
    "concurrency:\n  runs:\n    max_concurrent_runs: 1\nrun_launcher:\n  module: engagement_pipeline"
    ".lib.run_launcher\n  class: LocalRunLauncher\nrun_monitoring:\n  enabled: true\n  poll_interval_seconds: 30\n  start_timeout_seconds: 180\n  cancel_timeout_seconds: 180\n  max_resume_run_attempts: 0\ntelemetry:\n  enabled: false\n",
)


def instance() -> dg.DagsterInstance:
    """The Dagster instance under $DAGSTER_HOME (default: $ENGAGEMENT_HOME/dagster)."""
    home = os.environ.get("DAGSTER_HOME") or defaults()["DAGSTER_HOME"]
    ensure_embedded_home(Path(home))
    os.environ["DAGSTER_HOME"] = home
    return dg.DagsterInstance.get()


def ensure_embedded_home(home: Path) -> None:
    """Create DAGSTER_HOME with the embedded dagster.yaml unless one exists already (an unedited one
    written by an earlier version is brought up to date).

    A new home's SQLite storages are created before its dagster.yaml appears, under a lock: two
    processes that first opened a new home at once (the CLI and `engagement ui`, a run worker and
    the daemon) both created the schedule database and stamped its schema twice, and every later
    open failed with alembic's "more than one head present"."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if config.exists() and config.read_text() not in _EARLIER_EMBEDDED_YAMLS:
        return
    with FileLock(home / ".dagster.yaml.lock"):
        if config.exists() and config.read_text() not in _EARLIER_EMBEDDED_YAMLS:
            return
        draft = home / ".dagster.yaml.new"
        draft.write_text(EMBEDDED_INSTANCE_YAML)
        dg.DagsterInstance.from_config(str(home), config_filename=draft.name).dispose()  # creates the storages
        draft.replace(config)
