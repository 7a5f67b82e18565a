"""The `spark` warehouse dialect on a real local Spark: URL parsing, parameters of each type (also one
that starts a select list), information_schema (DuckDB's type names), errors naming the statement,
dynamic partition overwrite, ingestion's tables, the SQL runner's window rewrite and one session per
URL (one SparkContext for the whole module)."""

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from engagement_pipeline.lib.platform import warehouse
from engagement_pipeline.lib.platform.spark import spark_session
from engagement_pipeline.lib.platform.spark.session import SparkUrlError, parse_spark_url
from tests.support.spark import spark_url as new_spark_url


@pytest.fixture(scope="module")
def spark_url(spark_lake):
    return new_spark_url(spark_lake)


@pytest.fixture(scope="module")
def engine(spark_url):
    engine = warehouse.make_engine(spark_url)
    yield engine
    warehouse.dispose_engine(spark_url)


def test_url_parsing_names_what_is_wrong(tmp_path):
    target = parse_spark_url(f"spark:///{tmp_path}?master=local[1]&database=w&conf.spark.sql.shuffle.partitions=2")
    assert (target.lake, target.master, target.database) == (str(tmp_path), "local[1]", "w")
    assert target.conf == {"spark.sql.shuffle.partitions": "2"}
    assert parse_spark_url("spark:///?lake=s3a://bucket/prefix").lake == "s3a://bucket/prefix"
    with pytest.raises(SparkUrlError, match="needs its lake"):
        parse_spark_url("spark:///")
    with pytest.raises(SparkUrlError, match="unknown Spark URL setting"):
        parse_spark_url(f"spark:///{tmp_path}?mastr=local")


def test_parameters_of_each_type_round_trip(engine):
    params = {
        "i": 7,
        "f": 2.5,
        "s": "it's",
        "b": True,
        "d": dt.date(2024, 3, 1),
        "ts": dt.datetime(2024, 3, 1, 12, 30, 15),
        "n": None,
    }
    with engine.connect() as conn:
        assert conn.dialect.name == "spark"
        row = conn.execute(sa.text("select :i as i, :f as f, :s as s, :b as b, :d as d, :ts as ts, :n as n"), params).one()
    assert tuple(row) == (7, 2.5, "it's", True, dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 12, 30, 15), None)


def test_information_schema_and_bulk_load(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("create table events (id bigint, name varchar, event_date date) using parquet partitioned by (event_date)"))
        conn.execute(sa.text("create or replace view v_events as select id from events"))
        loaded = warehouse.bulk_load(
            conn, "events", pl.DataFrame({"event_date": [dt.date(2024, 1, 1)] * 2, "id": [1, 2], "name": ["a", None]})
        )
        tables = conn.execute(sa.text("select table_name, table_type from information_schema.tables order by table_name")).fetchall()
        columns = conn.execute(
            sa.text(
                "select column_name, data_type, ordinal_position from information_schema.columns where table_name = :t order by ordinal_position"
            ),
            {"t": "events"},
        ).fetchall()
        rows = conn.execute(sa.text("select id, name from events order by id")).fetchall()
    assert loaded == 2
    assert [tuple(t) for t in tables] == [("events", "BASE TABLE"), ("v_events", "VIEW")]
    assert [tuple(c) for c in columns] == [("id", "BIGINT", 1), ("name", "VARCHAR", 2), ("event_date", "DATE", 3)]
    assert [tuple(r) for r in rows] == [(1, "a"), (2, None)]
    assert sa.inspect(engine).has_table("events") and not sa.inspect(engine).has_table("nope")


def test_a_bad_statement_names_the_statement(engine):
    with engine.connect() as conn, pytest.raises(sa.exc.DatabaseError, match="Spark SQL: SELECT no_such_column"):
        conn.execute(sa.text("select no_such_column from information_schema.tables"))


def test_partition_overwrite_rewrites_only_the_window(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("create table daily (n bigint, day date) using parquet partitioned by (day)"))
        window = "insert overwrite daily partition (day) select n, day from (values (1, date '2024-01-01'), (2, date '2024-01-02')) as v(n, day) where day between :a and :b"
        params = {"a": dt.date(2024, 1, 1), "b": dt.date(2024, 1, 2)}
        conn.execute(sa.text(window), params)
        conn.execute(sa.text("insert into daily values (9, date '2024-01-05')"))
        conn.execute(sa.text(window), params)  # the window again: same rows, the day outside it untouched
        rows = conn.execute(sa.text("select day, n from daily order by day")).fetchall()
    assert [tuple(r) for r in rows] == [(dt.date(2024, 1, 1), 1), (dt.date(2024, 1, 2), 2), (dt.date(2024, 1, 5), 9)]


def test_each_url_has_its_own_session_and_database(engine, tmp_path):
    other_url = new_spark_url(tmp_path)
    other = warehouse.make_engine(other_url)
    try:
        with other.begin() as conn:
            conn.execute(sa.text("create table only_here (x int) using parquet"))
            names = {r[0] for r in conn.execute(sa.text("select table_name from information_schema.tables"))}
        assert names == {"only_here"}
        assert spark_session(other) is not spark_session(engine)
        assert spark_session(other).sparkContext is spark_session(engine).sparkContext
        assert not sa.inspect(engine).has_table("only_here")
    finally:
        warehouse.dispose_engine(other_url)


def test_ensure_tables_and_load_events_skip_copies(engine, spark_url):
    from engagement_pipeline.lib.ingest.canonical import RAW_COLUMNS
    from tests.support import load_events

    def event(event_id: str, day: int) -> dict:
        row = dict.fromkeys(RAW_COLUMNS)
        ts = dt.datetime(2024, 1, day, 8)
        row.update(event_id=event_id, event_type="users.messages.email.Send", event_date=ts.date(), occurred_at=ts, user_id="u1")
        row.update(source_file="f.avro", loaded_at=ts)
        return row

    load_events(spark_url, [event("a", 1), event("b", 2)])
    load_events(spark_url, [event("a", 1), event("c", 2)])  # "a" again: already loaded, skipped
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.text("select event_id from raw_currents_events order by event_id"))]
    assert ids == ["a", "b", "c"]


def test_sql_runner_rewrites_a_window_without_double_counting(engine, tmp_path):
    from engagement_pipeline.lib.models.sql_models import load_model, run_model

    (tmp_path / "marts").mkdir()
    path = tmp_path / "marts" / "daily_n.sql"
    path.write_text(
        "{{ config(materialized='partitioned', partition_by='day') }}\n"
        "select day, count(*)::bigint as n from src where day >= :start_date and day < :end_date group by day\n"
    )
    model = load_model(path, tmp_path)
    start, end = dt.date(2024, 2, 1), dt.date(2024, 2, 3)

    def source(*days: int) -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("drop table if exists src"))
            conn.execute(sa.text("create table src (day date)"))
            for day in days:
                conn.execute(sa.text("insert into src values (:d)"), {"d": dt.date(2024, 2, day)})

    def rows() -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("select day, n from daily_n order by day"))]

    source(1, 1, 2)
    for _ in range(2):  # the window twice: the same rows
        with engine.begin() as conn:
            assert run_model(conn, model, start, end) == 2  # rows: one per day
        assert rows() == [(dt.date(2024, 2, 1), 2), (dt.date(2024, 2, 2), 1)]
    source(1)  # 2 Feb lost all its rows: its partition is emptied
    with engine.begin() as conn:
        run_model(conn, model, start, end)
    assert rows() == [(dt.date(2024, 2, 1), 1)]
