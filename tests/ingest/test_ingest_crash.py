"""kill -9 an ingestion of ~300k events (several flushes) at several points, re-run it: the warehouse
holds exactly what one clean run loads (events by id, manifest, quarantine), on DuckDB and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from engagement_pipeline.lib.ingest.canonical import RAW_COLUMNS
from engagement_pipeline.lib.ingest.load import ingest
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import dispose_engine, make_engine
from engagement_pipeline.sample_data.generator import generate_landing_zone
from tests.conftest import pg_database
from tests.support import ingested_counts

ROOT = Path(__file__).resolve().parents[2]
FLUSH_ROWS = 100_000  # three flushes of the ~300k events in the crashing runs; the clean run uses the default
# Each crashing run resumes from what the previous one committed.
CRASHES = (
    ("in-flush:2", "its first flush committed, the second written but not committed"),
    ("after-flush:1", "a resumed run's first flush committed, the next not begun"),
    ("in-flush:1", "a resumed run's first flush written but not committed"),
)
DIGEST_COLUMNS = ", ".join(name for name in RAW_COLUMNS if name != "loaded_at")


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("crash") / "landing"
    summary = generate_landing_zone(root, date(2026, 11, 1), days=1, events_per_day=300_000, seed=11)
    assert summary.events > 2.5 * FLUSH_ROWS
    return root


@pytest.fixture(params=["duckdb", "postgres"])
def warehouses(request, tmp_path):
    """Two empty warehouses of one kind: (the one that crashes, the clean one)."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'crashed.duckdb'}", f"duckdb:///{tmp_path / 'clean.duckdb'}"
        return
    admin_url = request.getfixturevalue("pg_admin_url")
    with pg_database(admin_url) as crashed, pg_database(admin_url) as clean:
        yield crashed, clean


def crash(url: str, landing: Path, point: str) -> None:
    """Run ingestion in a child process that SIGKILLs itself at `point`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run(
        [sys.executable, "-m", "tests.support.crash_ingest", url, str(landing), point, str(FLUSH_ROWS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, f"{point}: not killed (exit {child.returncode}): {child.stderr[-2000:]}"


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Everything ingestion writes but load times: the raw table as counts and an order-free sum of one
    digest per row (fetching 300k rows would take seconds), the manifest and the quarantine row by row."""
    digest = f"concat_ws('|', {DIGEST_COLUMNS})"
    row_hash = f"hash({digest})" if url.startswith("duckdb") else f"hashtextextended({digest}, 0)"
    queries = {
        "raw": f"select count(*), count(distinct event_id || '|' || event_type), sum({row_hash}) from raw_currents_events",
        "manifest": "select object_key, etag, size_bytes, event_type, status, rows_loaded, rows_quarantined, error,"
        " min_event_date, max_event_date from currents_manifest order by object_key, etag",
        "quarantine": "select source_file, event_type, event_id, reason, record_json from currents_quarantine order by 1, 3, 4, 5",
    }
    with make_engine(url).connect() as conn:
        return {name: [tuple(row) for row in conn.execute(sa.text(query))] for name, query in queries.items()}


def test_kill_9_at_several_points_then_a_rerun_equals_a_clean_run(landing, warehouses):
    crashed, clean = warehouses
    ingest(make_engine(clean), ObjectStore(str(landing)))
    expected = snapshot(clean)
    dispose_engine(clean)
    ((total, distinct, _),) = expected["raw"]
    assert distinct == total > 2.5 * FLUSH_ROWS

    progress = []
    for point, moment in CRASHES:
        crash(crashed, landing, point)
        events, counted, _ = ingested_counts(crashed)
        dispose_engine(crashed)  # a DuckDB file has one writer: release it for the next run
        assert events == counted, f"killed at {point} ({moment}): events without their manifest row, or the reverse"
        progress.append(events)
    first, second, third = progress
    assert FLUSH_ROWS * 0.9 < first < 2 * FLUSH_ROWS * 0.9  # one of the first run's flushes, not its second
    assert second > first and third == second and third < total

    summary = ingest(make_engine(crashed), ObjectStore(str(landing)))
    assert summary.rows_loaded == total - third
    assert snapshot(crashed) == expected
    dispose_engine(crashed)
