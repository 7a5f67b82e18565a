"""The warehouse: DuckDB (embedded default), PostgreSQL or Spark (lib/platform/spark/), behind SQLAlchemy.

Bulk loads use each engine's fast path: DuckDB inserts straight from an Arrow
table registered on the connection; PostgreSQL receives CSV through `COPY`.
A DuckDB engine keeps one pooled connection (opening and checkpointing the file
costs ~0.1 s per connection) and is disposed when a run ends, so the file lock is
released for the next process (a run, the CLI). A process that finds the file locked
waits for it (ENGAGEMENT_LOCK_WAIT_SECONDS), saying which process holds it, then fails
with `WarehouseLocked`.
"""

from __future__ import annotations

import copy
import io
import logging
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import polars as pl
import pyarrow as pa
import sqlalchemy as sa

_LOG = logging.getLogger(__name__)  # a run shows it: the instance manages `engagement_pipeline` loggers
_ENGINES: dict[str, sa.Engine] = {}
_LOCK_WAITS: dict[str, float] = {}
DEFAULT_LOCK_WAIT_SECONDS = 60.0
_LOCK_RETRY_SECONDS = 0.5
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
# DuckDB's own default takes 80% of RAM; a bounded pool spills large joins and aggregates to
# `<file>.tmp/` instead. A setting in the URL (`?memory_limit=4GB&threads=4`) wins.
DUCKDB_DEFAULTS = {"memory_limit": "1GB"}
# DuckDB scans an Arrow table one record batch per thread: a single 250k-row batch is inserted by
# one thread. Batches of one row group (122,880 rows) let every thread compress and write its own
# row groups (1M events x 37 columns: 4.2 s -> 2.4 s on 2 cores).
ARROW_BATCH_ROWS = 122_880


def duckdb_path(url: str) -> Path:
    """The database file of a `duckdb:///<path>[?setting=value&...]` URL (settings such as memory_limit)."""
    return Path(url.removeprefix("duckdb:///").split("?", 1)[0]).expanduser()


class WarehouseLocked(RuntimeError):
    """Another process kept the DuckDB file's write lock for longer than the wait allows."""


def lock_holder(error: str) -> str | None:
    """ "PID <n> (<its command line>)" from DuckDB's "Conflicting lock is held in ..." error, else None."""
    match = _LOCK_HOLDER.search(error)
    if match is None:
        return None
    pid = int(match["pid"])
    try:
        command = " ".join(part for part in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0") if part)
    except OSError:  # not Linux, or the holder just ended
        command = ""
    command = command or match["program"]
    return f"PID {pid} ({command if len(command) <= 160 else command[:157] + '...'})"


def _connect_when_free(url: str, dialect: Any, cparams: dict[str, Any], cargs: Any) -> Any:
    """Open the DuckDB file, retrying while another process holds its lock, for the engine's wait."""
    import duckdb

    wait = _LOCK_WAITS.get(url, DEFAULT_LOCK_WAIT_SECONDS)
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            return dialect.connect(*cargs, **copy.deepcopy(cparams))  # duckdb_engine pops keys from cparams
        except duckdb.IOException as exc:
            holder = lock_holder(str(exc))
            if holder is None:
                raise
            left = deadline - time.monotonic()
        if left <= 0:
            raise WarehouseLocked(
                f"warehouse {duckdb_path(url)} is locked by {holder}; waited {wait:g} s "
                "(ENGAGEMENT_LOCK_WAIT_SECONDS); expected no other writer: run again when that process has finished"
            )
        if not told:
            _LOG.warning(f"warehouse {duckdb_path(url)} is locked by {holder}; waiting up to {wait:g} s (ENGAGEMENT_LOCK_WAIT_SECONDS)")
            told = True
        time.sleep(min(_LOCK_RETRY_SECONDS, left))


def make_engine(url: str, lock_wait_seconds: float | None = None) -> sa.Engine:
    """The engine of ``url`` (one per URL in this process). ``lock_wait_seconds`` sets how long its next
    DuckDB connections wait for a file another process holds (default 60 s; 0 fails at once)."""
    if lock_wait_seconds is not None:
        _LOCK_WAITS[url] = max(0.0, float(lock_wait_seconds))
    if url not in _ENGINES:
        if url.startswith("duckdb:"):
            duckdb_path(url).parent.mkdir(parents=True, exist_ok=True)
            settings = {k: v for k, v in DUCKDB_DEFAULTS.items() if k not in sa.engine.make_url(url).query}
            engine = sa.create_engine(url, pool_size=1, max_overflow=8, connect_args={"config": settings})
            sa.event.listen(engine, "do_connect", lambda dialect, _record, cargs, cparams: _connect_when_free(url, dialect, cparams, cargs))
            _ENGINES[url] = engine
        elif url.startswith("spark:"):
            import engagement_pipeline.lib.platform.spark  # noqa: F401 - registers the dialect

            # One DB-API connection per engine: it is the URL's Spark session, shared by every caller.
            _ENGINES[url] = sa.create_engine(url, poolclass=sa.pool.StaticPool)
        else:
            _ENGINES[url] = sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2)
    return _ENGINES[url]


def dispose_engine(url: str) -> None:
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


@contextmanager
def deferred_checkpoints(engine: sa.Engine, wal_size: str = "1GB") -> Iterator[None]:
    """On DuckDB, no automatic checkpoint while the block runs (unless the write-ahead log outgrows
    `wal_size`), then one checkpoint when it succeeds; other engines: nothing.

    DuckDB checkpoints at a commit that leaves more than 16 MiB in the log. A long load commits
    a transaction per batch, so it checkpointed every few batches, each time rewriting more of the
    warehouse (a 10M-event day: 76 s of commits with them, 8 s without). Commits stay durable: the
    log is on disk, and a crash replays it when the file is next opened."""
    if engine.dialect.name != "duckdb":
        yield
        return
    with engine.connect() as conn:
        before = conn.exec_driver_sql("select current_setting('checkpoint_threshold')").scalar_one()
        conn.exec_driver_sql(f"set checkpoint_threshold = '{wal_size}'")
    try:
        yield
        with engine.connect() as conn:
            conn.exec_driver_sql("checkpoint")
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"set checkpoint_threshold = '{before}'")


def redact_url(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def bulk_load(conn: sa.Connection, table: str, frame: pl.DataFrame) -> int:
    """Append `frame` to `table` (same column names) with the engine's fast path."""
    if frame.is_empty():
        return 0
    columns = ", ".join(frame.columns)
    if conn.dialect.name == "spark":
        from engagement_pipeline.lib.platform.spark import spark_session

        spark = spark_session(conn)
        order = [field.name for field in spark.table(table).schema]  # Spark keeps partition columns last
        spark.createDataFrame(frame.select(order).to_arrow()).write.insertInto(table)
    elif conn.dialect.name == "duckdb":
        with arrow_view(conn, f"_load_{table}", frame) as view:
            conn.connection.driver_connection.execute(f"insert into {table} ({columns}) select {columns} from {view}")
    else:
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, null_value="\\N", datetime_format="%Y-%m-%d %H:%M:%S%.f")
        buffer.seek(0)
        cursor = conn.connection.driver_connection.cursor()
        cursor.copy_expert(f"copy {table} ({columns}) from stdin with (format csv, null '\\N')", buffer)
    return frame.height


@contextmanager
def arrow_view(conn: sa.Connection, name: str, frame: pl.DataFrame) -> Iterator[str]:
    """`frame` queryable as view `name` on this DuckDB connection (no copy) while the block runs."""
    raw = conn.connection.driver_connection
    raw.register(name, arrow_batches(frame))
    try:
        yield name
    finally:
        raw.unregister(name)


def arrow_batches(frame: pl.DataFrame) -> pa.Table:
    """`frame` as an Arrow table of row-group-sized record batches, which DuckDB scans in parallel.

    Strings are exported as Arrow string views, polars' own layout: no copy (a copy to
    `large_string` doubled a batch's memory, +900 MiB per million events). A frame concatenated
    from many files is made contiguous first (copying 16-byte views, not strings): DuckDB opens a
    row group per record batch, and a thousand one-file batches of 37 columns ran out of memory."""
    table = frame.rechunk().to_arrow(compat_level=pl.CompatLevel.newest())
    return pa.Table.from_batches(table.to_batches(max_chunksize=ARROW_BATCH_ROWS), schema=table.schema)


class WarehouseClient:
    """What the `Warehouse` resource (defs/resources.py) can do, in plain Python: the engine,
    transactions, queries. A subclass provides ``url`` (SQLAlchemy URL: `duckdb:///<path>` or
    `postgresql+psycopg2://...`) and ``lock_wait_seconds``."""

    url: str
    lock_wait_seconds: float

    @property
    def engine(self) -> sa.Engine:
        return make_engine(self.url, self.lock_wait_seconds)

    def dispose(self) -> None:
        """Close a DuckDB file's pooled connection, releasing the file lock (other engines keep their pool)."""
        if self.url.startswith("duckdb:"):
            dispose_engine(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:
            yield conn

    def query(self, sql: str, params: dict | None = None) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(sa.text(sql), params or {})]

    def read_frame(self, sql: str, params: dict | None = None):
        """Query into a pandas DataFrame (small results only: previews, reports, checks)."""
        import pandas as pd

        with self.engine.connect() as conn:
            result = conn.execute(sa.text(sql), params or {})
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def table_exists(self, table: str) -> bool:
        return (
            sa.inspect(self.engine).has_table(table)
            if self.dialect != "duckdb"
            else bool(self.query("select count(*) as n from information_schema.tables where table_name = :t", {"t": table})[0]["n"])
        )
