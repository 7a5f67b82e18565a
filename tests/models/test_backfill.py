"""A range backfill is one run with set-based SQL and gives exactly the rows of day-by-day runs."""

from datetime import date, timedelta

from engagement_pipeline.lib.models.chunks import chunk_window
from engagement_pipeline.lib.models.sql_models import discover_models, run_model
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import load_events, materialize_days, table
from tests.support.synthetic import synthetic_events

FIRST, DAYS = date(2026, 6, 1), 90
LAST = FIRST + timedelta(days=DAYS - 1)


def snapshot(url: str) -> dict[str, list[tuple]]:
    tables = {}
    for model in discover_models().values():
        if model.is_ephemeral:  # never written
            continue
        rows = table(url, f"select * from {model.name}")
        tables[model.name] = sorted(tuple("" if v is None else str(v) for v in row.values()) for row in rows)
    return tables


def day_by_day(url: str) -> None:
    """90 single-day runs of every model, in dependency order (what 90 separate runs would write)."""
    models = discover_models()
    order = topological(models)
    engine = make_engine(url)
    for offset in range(DAYS):
        day = FIRST + timedelta(days=offset)
        with engine.begin() as conn:
            for name in order:
                model = models[name]
                if model.is_partitioned:
                    run_model(conn, model, day, day + timedelta(days=1), {"count_bot_clicks": False})
    with engine.begin() as conn:
        for name in order:
            if not models[name].is_partitioned and not models[name].is_ephemeral:
                run_model(conn, models[name], None, None, {"count_bot_clicks": False})


def topological(models) -> list[str]:
    done, order = set(), []

    def visit(name: str) -> None:
        if name in done or name not in models:
            return
        done.add(name)
        for ref in models[name].refs:
            visit(ref)
        order.append(name)

    for name in sorted(models):
        visit(name)
    return order


def test_ninety_day_backfill_is_one_run_equal_to_ninety_daily_runs(tmp_path):
    events = synthetic_events(FIRST, DAYS, per_day=12)
    backfilled, daily = (f"duckdb:///{tmp_path / name}.duckdb" for name in ("backfill", "daily"))
    for url in (backfilled, daily):
        load_events(url, events)

    result = materialize_days(backfilled, tmp_path, FIRST, LAST)
    materialize_days(daily, tmp_path, FIRST)  # creates every table (and the catalog) the way a first run does
    day_by_day(daily)

    stg = [m for m in result.get_asset_materialization_events() if m.asset_key.path == ["stg_currents__events"]]
    assert len({m.materialization.partition for m in stg}) == DAYS, "one run records every day's partition"
    first_snapshot = snapshot(backfilled)
    assert first_snapshot == snapshot(daily)
    assert sum(len(rows) for rows in first_snapshot.values()) > len(events)

    materialize_days(backfilled, tmp_path, FIRST, LAST)
    assert snapshot(backfilled) == first_snapshot, "re-running the backfill changes nothing"


def test_a_range_written_chunk_by_chunk_equals_one_statement_per_model(tmp_path, monkeypatch):
    """A long range is written in chunks of days (lib/models/chunks.py) so a year of large days never
    groups every event at once; the rows are those of the range written whole."""
    from engagement_pipeline.defs.models import factories

    events = synthetic_events(FIRST, 30, per_day=12)
    whole, chunked = (f"duckdb:///{tmp_path / name}.duckdb" for name in ("whole", "chunked"))
    for url in (whole, chunked):
        load_events(url, events)
    materialize_days(whole, tmp_path, FIRST, FIRST + timedelta(days=29))

    cut = []
    monkeypatch.setattr("engagement_pipeline.lib.models.chunks.MAX_CHUNK_EVENTS", 40)
    monkeypatch.setattr(factories, "chunk_window", lambda *args: cut.append(chunk_window(*args)) or cut[-1])
    materialize_days(chunked, tmp_path, FIRST, FIRST + timedelta(days=29))

    assert cut and all(len(chunks) > 5 for chunks in cut), "the range was cut into chunks"
    assert snapshot(chunked) == snapshot(whole)
