"""The same pipeline on Spark (local mode) and on DuckDB, from the same generated Currents files (late
files, re-delivered copies, users in many time zones, plus a corrupt file, a file that is not Avro
and records that fail their checks): ingestion's tables and summary, every SQL model's table and
two reports (America/New_York by variant and step, UTC by week) are equal cell by cell. Spark
decodes the files in its tasks (mapInArrow); re-running models or ingestion on Spark changes nothing."""

import json
import math
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest

from engagement_pipeline.lib.models.sql_models import discover_models
from engagement_pipeline.sample_data.generator import generate_landing_zone
from tests.support import ingest_landing, materialize_days, table
from tests.support.avro_files import currents_key, write_events
from tests.support.reports import render
from tests.support.spark import spark_url

FIRST, LAST = date(2026, 11, 16), date(2026, 11, 18)
TABLES = sorted(name for name, model in discover_models().items() if not model.is_ephemeral and not model.is_view)
NY_BY_VARIANT = Path(__file__).resolve().parents[2] / "reports" / "black_friday_by_variant.yaml"
UTC_WEEKLY = """
name: Weekly totals
messages: {campaigns: [28187557-fa3d-4b62-8c6b-ac5ab9e6ff1f], canvases: [8b62db83-4313-47e9-9750-b6dc15cb7e4e]}
stats: [sent, delivered, unique_recipients, unique_opens, unique_clicks, conversions, unique_conversions, delivery_rate]
level: {campaigns: campaign, canvases: canvas}
time_frame: {last_days: 7}
interval: {weeks: 1}
timezone: UTC
compression: none
"""
AS_OF = datetime(2026, 11, 19, 6, tzinfo=UTC)


def _cell(value):
    if isinstance(value, float):
        return round(value, 9) if math.isfinite(value) else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _record(text: str | None) -> str | None:
    """A quarantined record without its null fields: DuckDB maps a flush's files of one event type
    together, so a record also shows the other files' fields (null); Spark maps file by file."""
    return None if text is None else json.dumps({k: v for k, v in json.loads(text).items() if v is not None}, sort_keys=True)


def _rows(url: str, name: str, ignore: tuple[str, ...] = ()) -> list[tuple]:
    rows = table(url, f"select * from {name}")
    rows = [dict(row, record_json=_record(row["record_json"])) if "record_json" in row else row for row in rows]
    return sorted((tuple(sorted((k, _cell(v)) for k, v in row.items() if k not in ignore)) for row in rows), key=repr)


def _landing(folder):
    generate_landing_zone(folder, FIRST, 3, 1500, seed=7)
    good = write_events(
        folder / currents_key("users.messages.email.Send", "2026-11-17-09", "checks"),
        [
            {"id": "ok-1", "user_id": "u-ok", "time": 1_795_395_600},
            {"id": None, "user_id": "u-bad", "time": 1_795_395_600},
            {"id": "no-user", "user_id": None, "time": 1_795_395_600},
        ],
    )
    corrupt = folder / currents_key("users.messages.email.Send", "2026-11-17-10", "corrupt")
    corrupt.parent.mkdir(parents=True, exist_ok=True)
    corrupt.write_bytes(good.read_bytes()[:40])
    (folder / "currents" / "README.txt").write_text("not an export")
    return folder


@pytest.fixture(scope="module")
def built(spark_lake, tmp_path_factory):
    """Both warehouses ingested from one landing zone, every model built over three days."""
    base = tmp_path_factory.mktemp("spark-parity")
    landing = _landing(base / "landing")
    urls = {"duckdb": f"duckdb:///{base / 'warehouse.duckdb'}", "spark": spark_url(spark_lake)}
    summaries = {}
    for engine, url in urls.items():
        summaries[engine] = ingest_landing(url, base / engine, landing)
        materialize_days(url, base / engine, FIRST, LAST)
    return urls, summaries, base, landing


def test_ingestion_summary_and_tables_equal_duckdb(built):
    urls, summaries, _, _ = built
    duck, spark = summaries["duckdb"], summaries["spark"]
    assert duck["rows_loaded"] > 3000 and duck["duplicates_skipped"] > 0 and duck["files_quarantined"] == 1
    for key in (
        "files_read",
        "files_loaded",
        "files_skipped",
        "files_quarantined",
        "rows_loaded",
        "duplicates_skipped",
        "records_quarantined",
        "days_touched",
        "rows_by_event_type",
    ):
        assert spark[key] == duck[key], key
    for name, ignore in (
        ("raw_currents_events", ("loaded_at",)),
        ("currents_manifest", ("loaded_at",)),
        ("currents_quarantine", ("quarantined_at",)),
        ("recipient_contacts", ()),
    ):
        assert _rows(urls["spark"], name, ignore) == _rows(urls["duckdb"], name, ignore), name


@pytest.mark.parametrize("name", TABLES)
def test_every_model_table_equals_duckdb(built, name):
    urls, _, _, _ = built
    expected = _rows(urls["duckdb"], name)
    assert expected or name in ("message_error_daily_stats",), f"{name} is empty on DuckDB: nothing to compare"
    assert _rows(urls["spark"], name) == expected, f"{name} differs between DuckDB and Spark"


@pytest.mark.parametrize("text", [NY_BY_VARIANT.read_text(), UTC_WEEKLY], ids=["new_york_by_variant", "utc_weekly"])
def test_report_cells_equal_duckdb(built, text):
    urls, _, base, _ = built
    files = {engine: render(url, base / f"report-{engine}-{hash(text) % 1000}", text, as_of=AS_OF)[1] for engine, url in urls.items()}
    assert files["duckdb"] and any(files["duckdb"].values()), "the report has no rows to compare"
    assert files["spark"] == files["duckdb"]


def test_running_ingestion_and_a_window_again_on_spark_changes_nothing(built):
    urls, _, base, landing = built
    spark = urls["spark"]
    before = {name: _rows(spark, name) for name in ("raw_currents_events", "int_user_touches__daily", "campaign_daily_stats")}
    again = ingest_landing(spark, base / "spark", landing)
    assert (again["files_read"], again["rows_loaded"]) == (0, 0)
    selection = dg.AssetSelection.assets("int_user_touches__daily", "campaign_daily_stats")
    materialize_days(spark, base / "spark", FIRST, LAST, selection=selection)
    assert {name: _rows(spark, name) for name in before} == before
