"""Every SQL model on Spark (local mode) gives the same table, cell by cell, as on DuckDB for the same
~2,000 generated events (duplicates, every channel, three days); re-running the window on Spark
changes nothing (its partitions are rewritten, never appended to)."""

import math
from datetime import date

import pytest

from engagement_pipeline.lib.models.sql_models import discover_models
from tests.models.test_rollup_parity import FIRST, LAST, generated_events
from tests.support import load_events, materialize_days, table
from tests.support.spark import spark_url

TABLES = sorted(name for name, model in discover_models().items() if not model.is_ephemeral and not model.is_view)


def _cell(value):
    if isinstance(value, float):
        return round(value, 9) if math.isfinite(value) else value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(url: str, name: str) -> list[tuple]:
    rows = table(url, f"select * from {name}")
    return sorted((tuple(sorted((k, _cell(v)) for k, v in row.items())) for row in rows), key=repr)


@pytest.fixture(scope="module")
def built(spark_lake, tmp_path_factory):
    """The same events loaded and every model built over three days on DuckDB and on Spark."""
    home = tmp_path_factory.mktemp("homes")
    duck, spark = f"duckdb:///{home / 'warehouse.duckdb'}", spark_url(spark_lake)
    events = generated_events()
    for url, folder in ((duck, home / "duckdb"), (spark, home / "spark")):
        load_events(url, events)
        materialize_days(url, folder, FIRST, LAST)
    return duck, spark, home


@pytest.mark.parametrize("name", TABLES)
def test_every_model_table_equals_duckdb(built, name):
    duck, spark, _ = built
    expected = _rows(duck, name)
    assert _rows(spark, name) == expected, f"{name} differs between DuckDB and Spark"


def test_the_models_have_rows_to_compare(built):
    duck, _, _ = built
    empty = [name for name in TABLES if not table(duck, f"select count(*) as n from {name}")[0]["n"]]
    assert len(empty) <= 3, f"too many empty tables to prove parity: {empty}"


def test_rerunning_the_window_on_spark_changes_nothing(built):
    duck, spark, home = built
    materialize_days(spark, home / "spark", FIRST, LAST)
    for name in ("int_user_touches__daily", "campaign_daily_stats", "channel_daily_stats", "message_catalog"):
        assert _rows(spark, name) == _rows(duck, name), f"{name} changed when its window was re-run"
