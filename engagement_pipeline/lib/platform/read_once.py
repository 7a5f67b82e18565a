"""What the warehouse already holds, read once by a sensor that starts without a cursor.

Sensors read the Dagster instance, not the warehouse: a run may hold DuckDB's single-writer
lock. A sensor with no cursor (a fresh instance, or the first `dagster dev` after
`engagement demo`) would however start from nothing and redo what is done: send every report
again, ingest every file again. So on that first tick it reads the warehouse once (the
delivery log, the ingestion manifest) on a connection it closes at once, which releases a
DuckDB file for the next run. It does not wait for a DuckDB file a run holds (a sensor tick must
stay short): when the warehouse cannot be read just then, the tick is skipped and the next one
tries again, its cursor still empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import duckdb
import sqlalchemy as sa

from engagement_pipeline.lib.platform.warehouse import WarehouseLocked, dispose_engine, duckdb_path, make_engine, redact_url

T = TypeVar("T")


class WarehouseBusy(RuntimeError):
    """The warehouse could not be read now (DuckDB locked by a run, server unreachable)."""


def read_once(url: str, read: Callable[[sa.Connection], T], missing: Callable[[], T]) -> T:
    """``read(conn)`` on a connection closed right after; ``missing()`` when a DuckDB file does not exist yet."""
    is_duckdb = url.startswith("duckdb:")
    if is_duckdb and not duckdb_path(url).is_file():
        return missing()
    try:
        # Sets this process's wait for the URL to 0; every Warehouse resource passes its own wait again.
        with make_engine(url, lock_wait_seconds=0).connect() as conn:
            return read(conn)
    except (sa.exc.SQLAlchemyError, duckdb.Error, WarehouseLocked) as exc:
        raise WarehouseBusy(
            f"the warehouse {redact_url(url)} cannot be read now ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
            "trying again on the next tick"
        ) from exc
    finally:
        if is_duckdb:
            dispose_engine(url)
