"""A second writer on one DuckDB file waits for the lock (naming its holder), then fails in one line."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from engagement_pipeline.lib.platform.warehouse import WarehouseLocked, dispose_engine, lock_holder, make_engine

ROOT = Path(__file__).resolve().parents[2]
HOLD = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('holding', flush=True); sys.stdin.readline()"


@pytest.fixture
def holder(tmp_path: Path):
    """Start a process that holds the DuckDB file's lock until `release()`; yields (url, process, release)."""
    path = tmp_path / "warehouse.duckdb"
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"

    def release() -> None:
        if process.poll() is None:
            process.stdin.write("\n")
            process.stdin.flush()
            process.wait(timeout=30)

    url = f"duckdb:///{path}"
    yield url, process, release
    release()
    dispose_engine(url)


def test_a_second_process_waits_for_the_lock_then_connects(holder, caplog):
    url, process, release = holder
    timer = threading.Timer(1.5, release)
    timer.start()
    started = time.monotonic()
    with make_engine(url, lock_wait_seconds=30).connect() as conn:
        assert conn.execute(sa.text("select 42")).scalar() == 42
    waited = time.monotonic() - started
    timer.join()
    assert 1.0 < waited < 20
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "is locked by" in r.getMessage()]
    assert len(said) == 1  # said once, not at every retry
    assert f"is locked by PID {process.pid} (" in said[0] and "waiting up to 30 s (ENGAGEMENT_LOCK_WAIT_SECONDS)" in said[0]


def test_a_lock_held_past_the_wait_fails_in_one_line_naming_the_holder(holder):
    url, process, _ = holder
    started = time.monotonic()
    with pytest.raises(WarehouseLocked) as caught:
        make_engine(url, lock_wait_seconds=1).connect()
    assert 0.9 < time.monotonic() - started < 10
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and message.startswith(
        f"warehouse {url.removeprefix('duckdb:///')} is locked by PID {process.pid} ("
    )
    assert "import duckdb" in message  # the holder's command line
    assert "waited 1 s (ENGAGEMENT_LOCK_WAIT_SECONDS)" in message


def test_no_wait_fails_at_once(holder):
    url, _, _ = holder
    started = time.monotonic()
    with pytest.raises(WarehouseLocked):
        make_engine(url, lock_wait_seconds=0).connect()
    assert time.monotonic() - started < 2


def test_lock_holder_reads_duckdbs_error():
    error = 'IO Error: Could not set lock on file "/x.duckdb": Conflicting lock is held in /usr/bin/python3 (PID 999999999). See also https://duckdb.org'
    assert lock_holder(error) == "PID 999999999 (/usr/bin/python3)"
    assert lock_holder("IO Error: Cannot open file") is None


def test_materialize_during_another_writer_prints_the_lock_not_dagsters_wrapper(holder, tmp_path: Path):
    url, process, release = holder
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "ENGAGEMENT_HOME": str(tmp_path / "home"),
        "ENGAGEMENT_WAREHOUSE_URL": url,
        "ENGAGEMENT_LOCK_WAIT_SECONDS": "1",
    }
    command = [
        sys.executable,
        "-c",
        "from engagement_pipeline.cli import main; main()",
        "materialize",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
    ]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    failure = [line for line in done.stderr.splitlines() if line.startswith("pipeline failed: ")]
    assert len(failure) == 1, done.stderr
    assert f"WarehouseLocked: warehouse {url.removeprefix('duckdb:///')} is locked by PID {process.pid} (" in failure[0]
    assert "Error occurred while executing op" not in done.stderr
    assert "Traceback" not in done.stderr and "Stack Trace" not in done.stderr
