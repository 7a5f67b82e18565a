"""The run launcher of both instances: Dagster's default one, plus a health check of run workers.

Dagster's run monitoring (the daemon's `run_monitoring` block in `dagster.yaml`) only notices a
dead run worker when the launcher can check one; the default launcher cannot, so a run whose
process was killed (`kill -9`, out of memory, a reboot) stayed STARTED forever and, with
`max_concurrent_runs: 1`, blocked every queued run. This launcher checks the process that
started the run (the pid of its RUN_START event) when that process ran on this machine: a run
launched through a local code server, or an in-process run of the `engagement` CLI, which tags
its runs with the host name (`WORKER_HOST_TAG`). Runs it cannot check are left alone.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import dagster as dg
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus

WORKER_HOST_TAG = "engagement/worker_host"
_GRPC_INFO_TAG = ".dagster/grpc_info"  # set by DefaultRunLauncher: the code server that runs the worker
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
_START_SLACK_SECONDS = 5.0  # a worker started no later than this after the run started is the run's own


def this_host() -> str:
    return socket.gethostname()


def _runs_here(run: dg.DagsterRun) -> bool:
    if WORKER_HOST_TAG in run.tags:
        return run.tags[WORKER_HOST_TAG] == this_host()
    try:
        grpc = json.loads(run.tags.get(_GRPC_INFO_TAG) or "{}")
    except ValueError:
        return False
    return "socket" in grpc or grpc.get("host") in _LOCAL_HOSTS | {this_host()}


def process_started_at(pid: int) -> float | None:
    """Epoch seconds at which process ``pid`` started; None if it is gone, a zombie, or unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    except OSError:
        return _alive_without_proc(pid)
    if fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
        return None
    boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def _alive_without_proc(pid: int) -> float | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return 0.0  # alive, start time unknown


def worker_status(pid: int, run_started_at: float) -> WorkerStatus:
    """FAILED when the process is gone, or when its pid now belongs to a process started after the run."""
    if not Path("/proc").is_dir():
        started = _alive_without_proc(pid)
    else:
        started = process_started_at(pid)
    if started is None or started > run_started_at + _START_SLACK_SECONDS:
        return WorkerStatus.FAILED
    return WorkerStatus.RUNNING


class LocalRunLauncher(dg.DefaultRunLauncher):
    """`DefaultRunLauncher` whose run workers run monitoring can check (see the module docstring)."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        if not _runs_here(run):
            return CheckRunHealthResult(WorkerStatus.RUNNING, "run worker on another machine; not checked")
        records = self._instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.RUN_START, limit=1).records
        entry = records[0].event_log_entry if records else None
        pid = entry.dagster_event.pid if entry and entry.dagster_event else None
        if entry is None or pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "run worker not started yet")
        status = worker_status(pid, entry.timestamp)
        if status == WorkerStatus.FAILED:
            return CheckRunHealthResult(status, f"run worker process {pid} on {this_host()} is gone (killed or crashed)")
        return CheckRunHealthResult(status, f"run worker process {pid} is alive", run_worker_id=str(pid))


def run_worker_tags() -> dict[str, str]:
    """Tags of a run executed in this process, so run monitoring can check it."""
    return {WORKER_HOST_TAG: this_host()}
