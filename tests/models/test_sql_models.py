"""The SQL model runner: views in place of copies, and the DuckDB settings of the warehouse URL."""

from datetime import date

import pytest
import sqlalchemy as sa

from engagement_pipeline.lib.models.sql_models import SqlModelError, load_model, run_model
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import table

DAY, NEXT = date(2026, 11, 20), date(2026, 11, 21)


def _model(tmp_path, name: str, text: str):
    path = tmp_path / "staging" / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return load_model(path, tmp_path)


def test_a_view_model_replaces_an_older_table_and_follows_its_source(warehouse_url, tmp_path):
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table src (id varchar, event_date date)"))
        conn.execute(sa.text("insert into src values ('a', '2026-11-20'), ('b', '2026-11-21')"))
        conn.execute(sa.text("create table thin as select id from src"))  # the model's earlier, copied version
    model = _model(
        tmp_path, "thin", "{{ config(materialized='view', partition_by='event_date') }}\nselect id, event_date from {{ ref('src') }}\n"
    )

    with engine.begin() as conn:
        assert run_model(conn, model, DAY, NEXT) == 1
    with engine.begin() as conn:
        conn.execute(sa.text("insert into src values ('c', '2026-11-20')"))

    assert [r["id"] for r in table(warehouse_url, "select id from thin where event_date = '2026-11-20' order by id")] == ["a", "c"]
    kind = table(warehouse_url, "select table_type from information_schema.tables where table_name = 'thin'")
    assert [r["table_type"].upper() for r in kind] == ["VIEW"]


def test_a_view_cannot_take_the_run_window(tmp_path, duckdb_url):
    model = _model(
        tmp_path, "windowed", "{{ config(materialized='view', partition_by='event_date') }}\nselect 1 as x where :start_date is not null\n"
    )
    with make_engine(duckdb_url).begin() as conn, pytest.raises(SqlModelError, match="windowed: a view cannot use :start_date"):
        run_model(conn, model, DAY, NEXT)


def test_a_table_model_cannot_be_partitioned(tmp_path):
    with pytest.raises(SqlModelError, match="partition_by needs materialized='partitioned'"):
        _model(tmp_path, "wrong", "{{ config(materialized='table', partition_by='event_date') }}\nselect 1 as x\n")


def test_duckdb_memory_is_bounded_by_default_and_the_url_can_raise_it(tmp_path):
    def limit(url: str) -> str:
        with make_engine(url).connect() as conn:
            return conn.execute(sa.text("select current_setting('memory_limit')")).scalar()

    assert limit(f"duckdb:///{tmp_path / 'default.duckdb'}") == "953.6 MiB"  # 1GB
    assert limit(f"duckdb:///{tmp_path / 'raised.duckdb'}?memory_limit=3GB") == "2.7 GiB"
    assert (tmp_path / "raised.duckdb").is_file()


KEYS_SQL = """{{ config(materialized='incremental', partition_by='keyed_on', unique_key=['name']) }}
with seen as (select distinct name, event_date from {{ ref('src') }} where event_date >= :start_date and event_date < :end_date),
new_names as (
    select name, min(event_date) as keyed_on from seen
    {%- if is_incremental() %} where name not in (select name from {{ this }}){% endif %}
    group by name
)
select
    cast({% if is_incremental() %}(select coalesce(max(name_key), 0) from {{ this }}) + {% endif %}row_number() over (order by name) as integer)
        as name_key,
    name,
    keyed_on
from new_names
"""


def test_an_incremental_model_appends_new_keys_and_never_renumbers(warehouse_url, tmp_path):
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table src (name varchar, event_date date)"))
        conn.execute(sa.text("insert into src values ('b', '2026-11-20'), ('c', '2026-11-20'), ('a', '2026-11-21'), ('b', '2026-11-21')"))
    model = _model(tmp_path, "name_keys", KEYS_SQL)

    for start, end in ((NEXT, date(2026, 11, 22)), (DAY, NEXT), (DAY, date(2026, 11, 22))):
        with engine.begin() as conn:
            run_model(conn, model, start, end)

    rows = table(warehouse_url, "select name_key, name, keyed_on from name_keys order by name_key")
    assert [(r["name_key"], r["name"], str(r["keyed_on"])) for r in rows] == [
        (1, "a", "2026-11-21"),
        (2, "b", "2026-11-21"),
        (3, "c", "2026-11-20"),
    ]
