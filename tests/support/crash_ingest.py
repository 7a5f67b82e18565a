"""Ingest a landing zone in this process and kill it with SIGKILL at a chosen point (tests/ingest/test_ingest_crash.py).

Usage: python -m tests.support.crash_ingest WAREHOUSE_URL LANDING POINT FLUSH_ROWS, where POINT is
`in-flush:K` (every write of this run's K-th flush done, its transaction not committed) or
`after-flush:K` (this run's K-th flush committed, the next one not begun). Exits 0 only if
the point was never reached.
"""

from __future__ import annotations

import os
import signal
import sys

from engagement_pipeline.lib.ingest import load as ingest_module
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine


def _kill_at(point: str) -> None:
    """Wrap the manifest write (the last write of a flush) and the flush itself to die at `point`."""
    kind, number = point.split(":")
    target, counts = int(number), {"in-flush": 0, "after-flush": 0}
    real_bulk_load, real_flush = ingest_module.bulk_load, ingest_module._flush

    def tick(step: str) -> None:
        counts[step] += 1
        if step == kind and counts[step] == target:
            os.kill(os.getpid(), signal.SIGKILL)

    def bulk_load(conn, table, frame):
        loaded = real_bulk_load(conn, table, frame)
        if table == ingest_module.MANIFEST_TABLE:
            tick("in-flush")
        return loaded

    def flush(*args, **kwargs):
        real_flush(*args, **kwargs)
        tick("after-flush")

    ingest_module.bulk_load, ingest_module._flush = bulk_load, flush


def main(url: str, landing: str, point: str, flush_rows: str) -> None:
    ingest_module.FLUSH_ROWS = int(flush_rows)
    _kill_at(point)
    ingest_module.ingest(make_engine(url), ObjectStore(landing))


if __name__ == "__main__":
    main(*sys.argv[1:])
