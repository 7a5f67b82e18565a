"""One benchmark step per process (so each step's peak RSS is its own); prints one JSON line.

Usage: python benchmarks/steps.py STEP DATA_DIR [options]; called by benchmarks/run.py.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The code a step measures: this checkout, or another one (run.py --compare-code, a before/after in one run).
CODE = Path(os.environ.get("ENGAGEMENT_BENCH_CODE") or ROOT)
sys.path.insert(0, str(CODE))

DAY = date(2026, 10, 1)


def _emit(**values) -> None:
    """Print the step's result with this process's peak RSS (MiB)."""
    import resource

    values["rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print("RESULT " + json.dumps(values, default=str), flush=True)


def generate(data: Path, per_day: int, days: int) -> None:
    from engagement_pipeline.sample_data.generator import generate_landing_zone

    marker = data / "landing" / ".complete"
    if marker.exists():
        _emit(seconds=0.0, reused=True, **json.loads(marker.read_text()))
        return
    shutil.rmtree(data / "landing", ignore_errors=True)
    started = time.perf_counter()
    summary = generate_landing_zone(data / "landing", DAY, days, per_day, seed=11)
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"events": summary.events, "files": summary.files}))
    _emit(seconds=seconds, events=summary.events, files=summary.files, reused=False)


def ingest(data: Path, url: str, out_db: str | None = None) -> None:
    from engagement_pipeline.lib.ingest.load import ingest as run_ingest
    from engagement_pipeline.lib.platform.storage import ObjectStore
    from engagement_pipeline.lib.platform.warehouse import make_engine

    engine = make_engine(url)
    started = time.perf_counter()
    summary = run_ingest(engine, ObjectStore(str(data / "landing")))
    seconds = time.perf_counter() - started
    _emit(seconds=seconds, events=summary.rows_loaded, files=summary.files_loaded, rate=summary.rows_loaded / seconds)


def limit_ingest(data: Path, db: str) -> None:
    """The limit: polars decodes every file (a thread per core), DuckDB inserts the Arrow tables
    (row-group-sized batches, string views: its fastest path); nothing else."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    import duckdb
    import polars as pl

    files = sorted((data / "landing").rglob("*.avro"))
    con = duckdb.connect(db)
    started = time.perf_counter()
    rows = 0
    batch: list[pl.DataFrame] = []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for frame in pool.map(pl.read_avro, files):
            batch.append(frame)
            rows += frame.height
            if sum(f.height for f in batch) > 1_000_000:
                _limit_flush(con, batch)
                batch = []
    _limit_flush(con, batch)
    seconds = time.perf_counter() - started
    _emit(seconds=seconds, events=rows, rate=rows / seconds)


def _limit_flush(con, batch) -> None:
    import polars as pl

    from engagement_pipeline.lib.platform.warehouse import arrow_batches

    if not batch:
        return
    arrow = arrow_batches(pl.concat(batch, how="diagonal_relaxed").select("id", "user_id", "time", "campaign_id", "canvas_id"))  # noqa: F841  (DuckDB reads it by name)
    con.execute("create table if not exists limit_events as select * from arrow where false")
    con.execute("insert into limit_events select * from arrow")


def models(url: str, first: str, last: str) -> None:
    """Every SQL model and its grain check over first..last as one Dagster run; with the number of
    steps the run executed and the wall time its statements spent in the database (SQL), the rest
    being Dagster's and our Python's."""
    import dagster as dg
    import sqlalchemy as sa

    from engagement_pipeline.defs.resources import PipelineSettings, StorageLocation, Warehouse
    from tests.support import model_assets

    resources = {
        "warehouse": Warehouse(url=url),
        "landing_zone": StorageLocation(url="/nonexistent"),
        "report_store": StorageLocation(url="/tmp/bench-reports"),
        "settings": PipelineSettings(home="/tmp/bench-home"),
    }
    # Loading the definitions and creating the instance are process start-up, not the run: a code
    # location loads once, and a run starts on an instance that exists (creating Dagster's in-memory
    # instance, its SQLite schema included, costs ~1.5 s, which earlier figures counted).
    assets = model_assets()
    instance = dg.DagsterInstance.ephemeral()
    in_sql = [0.0]

    def before(conn, *_args) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, *_args) -> None:
        in_sql[0] += time.perf_counter() - conn.info.pop("bench_started")

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", after)
    started = time.perf_counter()
    result = dg.materialize(
        assets,
        resources=resources,
        instance=instance,
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
    )
    seconds = time.perf_counter() - started
    steps = {event.step_key for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_START}
    _emit(seconds=seconds, success=result.success, steps=len(steps), sql_seconds=in_sql[0], outside_sql_seconds=seconds - in_sql[0])


def replicate(source_db: str, db: str, days: int) -> None:
    """A warehouse of `days` days of 1M-event-day size without generating and ingesting each: the raw
    events of the measured day (DAY) copied onto the following days, shifted by whole days, each copy
    with its own event ids (same users and messages every day, as a running campaign has). Reused."""
    import duckdb

    target = Path(db)
    if target.is_file():
        with duckdb.connect(db, read_only=True) as conn:
            have = conn.execute("select count(distinct event_date) from raw_currents_events").fetchone()[0]
        if have >= days:
            _emit(seconds=0.0, reused=True, days=have)
            return
    target.unlink(missing_ok=True)
    shutil.copyfile(source_db, db)
    started = time.perf_counter()
    with duckdb.connect(db) as conn:
        conn.execute("delete from raw_currents_events where event_date <> ?", [DAY])
        for shift in range(1, days):
            conn.execute(
                "insert into raw_currents_events select * replace ("
                " event_id || '~' || cast(? as varchar) as event_id, event_date + cast(? as integer) as event_date,"
                " occurred_at + to_days(cast(? as integer)) as occurred_at)"
                " from raw_currents_events where event_date = ?",
                [shift, shift, shift, DAY],
            )
        events = conn.execute("select count(*) from raw_currents_events").fetchone()[0]
    _emit(seconds=time.perf_counter() - started, reused=False, days=days, events=events)


def storage(db: str) -> None:
    """Bytes the DuckDB warehouse file uses (after a checkpoint) and the quarter-hour table's rows."""
    import duckdb

    with duckdb.connect(db) as conn:
        conn.execute("checkpoint")
        blocks, block_size = conn.execute("select used_blocks, block_size from pragma_database_size()").fetchone()
        tables = {name for (name,) in conn.execute("select table_name from duckdb_tables()").fetchall()}
        quarters = "int_message_stats__quarter_hourly"
        rows = conn.execute(f"select count(*) from {quarters}").fetchone()[0] if quarters in tables else 0
    _emit(bytes=blocks * block_size, quarter_rows=rows)


def limit_models(db: str) -> None:
    """The limit: one hand-written statement, campaign x variant x channel x day with exact daily uniques.

    The raw table holds each event once (ingestion drops re-delivered copies), as for our models."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    started = time.perf_counter()
    con.execute(LIMIT_SQL).fetchall()
    _emit(seconds=time.perf_counter() - started)


LIMIT_SQL = """
with events as (
    select * from raw_currents_events
)
select
    event_date, coalesce(campaign_id, canvas_id) as message_id,
    coalesce(message_variation_id, canvas_variation_id) as variation_id, canvas_step_id, channel,
    count(*) filter (where action = 'send') as sent,
    count(*) filter (where action = 'delivery') as delivered,
    count(*) filter (where action = 'bounce') as bounces,
    count(*) filter (where action = 'open') as opens,
    count(distinct user_id) filter (where action = 'open') as unique_opens,
    count(*) filter (where action = 'open' and is_machine_open) as machine_opens,
    count(*) filter (where action = 'click' and not is_bot_click) as clicks,
    count(distinct user_id) filter (where action = 'click' and not is_bot_click) as unique_clicks,
    count(*) filter (where action = 'impression') as impressions,
    count(distinct user_id) filter (where action = 'impression') as unique_impressions,
    count(distinct user_id) filter (where action = 'send') as unique_recipients
from events
group by all
"""


def pandas_models(db: str) -> None:
    """The naive way: the same rollup with pandas groupby (load time reported separately)."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    started = time.perf_counter()
    frame = con.execute(
        "select event_id, event_date, campaign_id, canvas_id, message_variation_id, canvas_variation_id, canvas_step_id,"
        " channel, action, user_id, is_machine_open, is_bot_click from raw_currents_events"
    ).df()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    frame["message_id"] = frame["campaign_id"].fillna(frame["canvas_id"])
    frame["variation_id"] = frame["message_variation_id"].fillna(frame["canvas_variation_id"])
    keys = ["event_date", "message_id", "variation_id", "canvas_step_id", "channel"]
    for column in keys:
        frame[column] = frame[column].fillna("")
    counts = frame.groupby(keys + ["action"]).size().unstack(fill_value=0)
    uniques = (
        frame[frame["action"].isin(["open", "click", "impression", "send"])]
        .groupby(keys + ["action"])["user_id"]
        .nunique()
        .unstack(fill_value=0)
    )
    machine = frame[frame["is_machine_open"] & (frame["action"] == "open")].groupby(keys).size()
    counts.join(uniques, rsuffix="_unique").join(machine.rename("machine_opens"))
    _emit(seconds=time.perf_counter() - started, load_seconds=loaded)


def report(url: str, days: int, messages: int, tz: str = "UTC") -> None:
    # Its synthetic year starts 2025-10-01: the daily partitions (read when the definitions are imported) must reach it.
    os.environ["ENGAGEMENT_PARTITIONS_START"] = "2025-01-01"
    from benchmarks.report_bench import run_report_bench

    _emit(**run_report_bench(url, days, messages, tz))


def recipients(db: str, count: int, compression: str) -> None:
    from benchmarks.recipients_bench import build, export

    path = Path(db)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        build(path, count)
        _emit(built=True)
        return
    _emit(**export(path, compression))


if __name__ == "__main__":
    step, *args = sys.argv[1:]
    handlers = {
        "generate": lambda: generate(Path(args[0]), int(args[1]), int(args[2])),
        "ingest": lambda: ingest(Path(args[0]), args[1]),
        "limit_ingest": lambda: limit_ingest(Path(args[0]), args[1]),
        "models": lambda: models(args[0], args[1], args[2]),
        "limit_models": lambda: limit_models(args[0]),
        "pandas_models": lambda: pandas_models(args[0]),
        "storage": lambda: storage(args[0]),
        "replicate": lambda: replicate(args[0], args[1], int(args[2])),
        "report": lambda: report(args[0], int(args[1]), int(args[2]), *args[3:4]),
        "recipients": lambda: recipients(args[0], int(args[1]), args[2]),
    }
    handlers[step]()
