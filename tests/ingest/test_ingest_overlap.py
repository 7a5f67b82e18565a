"""Flushes are written on a thread of their own while the next batch is decoded: a flush that fails
stops the ingestion with its error, leaves nothing of itself and starts no later flush, and a re-run
then loads exactly what a clean run loads."""

from __future__ import annotations

from datetime import date

import pytest

from engagement_pipeline.lib.ingest import load
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import dispose_engine, make_engine
from engagement_pipeline.sample_data.generator import generate_landing_zone
from tests.support import ingested_counts

FLUSH_ROWS = 2_000


class WriteFailed(RuntimeError):
    pass


def test_a_failing_flush_stops_the_run_and_a_rerun_equals_a_clean_run(warehouse_url, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    generate_landing_zone(landing, date(2026, 11, 1), days=1, events_per_day=12_000, seed=5)
    clean_url = f"duckdb:///{tmp_path / 'clean.duckdb'}"
    clean = load.ingest(make_engine(clean_url), ObjectStore(str(landing)))
    dispose_engine(clean_url)
    assert clean.rows_loaded > 3 * FLUSH_ROWS
    monkeypatch.setattr(load, "FLUSH_ROWS", FLUSH_ROWS)
    real_bulk_load, manifests = load.bulk_load, []

    def failing_bulk_load(conn, name, frame):
        loaded = real_bulk_load(conn, name, frame)
        if name == load.MANIFEST_TABLE:
            manifests.append(frame.height)
            if len(manifests) == 2:  # the second flush has written everything, its transaction not committed
                raise WriteFailed("disk full")
        return loaded

    monkeypatch.setattr(load, "bulk_load", failing_bulk_load)
    with pytest.raises(WriteFailed, match="disk full"):
        load.ingest(make_engine(warehouse_url), ObjectStore(str(landing)))
    events, counted, files = ingested_counts(warehouse_url)
    assert len(manifests) == 2, "a flush started after the one that failed"
    assert (events, counted, files) == (counted, counted, manifests[0]) and 0 < events

    monkeypatch.setattr(load, "bulk_load", real_bulk_load)
    rerun = load.ingest(make_engine(warehouse_url), ObjectStore(str(landing)))
    assert ingested_counts(warehouse_url) == (clean.rows_loaded, clean.rows_loaded, clean.files_seen)
    assert rerun.rows_loaded == clean.rows_loaded - events
