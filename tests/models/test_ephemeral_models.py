"""Ephemeral models (dbt's `materialized='ephemeral'`): inlined into the models that ref them, never
written, no asset nor check, their refs the referencing asset's deps, their columns checked against docs."""

from datetime import date

import dagster as dg
import pytest
import sqlalchemy as sa

from engagement_pipeline.defs.models.factories import build_sql_assets
from engagement_pipeline.defs.resources import PipelineSettings, Warehouse
from engagement_pipeline.lib.models.model_docs import ModelDocsError, load_model_docs
from engagement_pipeline.lib.models.sql_models import SqlModelError, discover_models, render, run_model
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import table

DAY, NEXT = date(2026, 11, 20), date(2026, 11, 21)

# daily refs int_sends__named (ephemeral), which refs int_sends__windowed (ephemeral, reads the
# window's bound parameters) and the source `names`; each has its own `with`.
WINDOWED = """-- Sends of the window. Ephemeral.
{{ config(materialized='ephemeral') }}
with sends as (
    select * from {{ ref('sends') }}
    where event_date >= :start_date and event_date < :end_date
),
final as (select event_date, message_id from sends)
select * from final
"""
NAMED = """-- Sends with their message's name. Ephemeral.
{{ config(materialized='ephemeral') }}
with sends as (select * from {{ ref('int_sends__windowed') }}),
names as (select * from {{ ref('names') }}),
final as (
    select sends.event_date, sends.message_id, names.message_name
    from sends
    left join names using (message_id)
)
select * from final
"""
DAILY = """-- Sends per message and day.
{{ config(materialized='partitioned', partition_by='event_date', unique_key=['event_date', 'message_id']) }}
with named as (select * from {{ ref('int_sends__named') }}),
final as (
    select event_date, message_id, max(message_name) as message_name, count(*) as sends
    from named
    group by event_date, message_id
)
select * from final
"""
COLUMNS = """      - {name: event_date, data_type: date, description: The UTC day.}
      - {name: message_id, data_type: varchar, description: The message.}
"""
YML = f"""version: 2
models:
  - name: int_sends__windowed
    description: Ephemeral. One row per send of the window.
    columns:
{COLUMNS}
  - name: int_sends__named
    description: Ephemeral. One row per send of the window, with its message's name.
    columns:
{COLUMNS}      - {{name: message_name, data_type: varchar, description: The message's name.}}
  - name: daily
    description: One row per message and day.
    config: {{grain: [event_date, message_id]}}
    columns:
{COLUMNS}      - {{name: message_name, data_type: varchar, description: The message's name.}}
      - {{name: sends, data_type: bigint, description: Sends.}}
"""


def write_project(root, sql: dict[str, str] | None = None, yml: str = YML):
    folder = root / "intermediate"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (sql or {"int_sends__windowed": WINDOWED, "int_sends__named": NAMED, "daily": DAILY}).items():
        (folder / f"{name}.sql").write_text(text)
    (folder / "_intermediate__models.yml").write_text(yml)
    return root


def load_sources(url: str) -> None:
    with make_engine(url).begin() as conn:
        conn.execute(sa.text("create table sends (event_date date, message_id varchar)"))
        conn.execute(
            sa.text("insert into sends values ('2026-11-19', 'm1'), ('2026-11-20', 'm1'), ('2026-11-20', 'm1'), ('2026-11-20', 'm2')")
        )
        conn.execute(sa.text("create table names (message_id varchar, message_name varchar)"))
        conn.execute(sa.text("insert into names values ('m1', 'Welcome')"))


def test_a_model_inlines_its_ephemerals_transitively_and_depends_on_their_refs(tmp_path):
    models = discover_models(write_project(tmp_path))

    daily = models["daily"]
    assert [e.name for e in daily.ephemerals] == ["int_sends__windowed", "int_sends__named"]  # each after those it refs
    assert daily.refs == ("sends", "names")
    assert models["int_sends__named"].refs == ("sends", "names") and not models["int_sends__named"].checks_grain
    sql = render(daily, "duckdb")
    assert sql.index("__ephemeral__int_sends__windowed as (") < sql.index("__ephemeral__int_sends__named as (")
    assert "{{" not in sql and ":start_date" in sql


def test_the_inlined_sql_runs_with_the_bound_window(warehouse_url, tmp_path):
    models = discover_models(write_project(tmp_path))
    load_sources(warehouse_url)

    with make_engine(warehouse_url).begin() as conn:
        assert run_model(conn, models["daily"], DAY, NEXT) == 2

    rows = table(warehouse_url, "select cast(event_date as varchar) as d, message_id, message_name, sends from daily order by 2")
    assert [tuple(r.values()) for r in rows] == [("2026-11-20", "m1", "Welcome", 2), ("2026-11-20", "m2", None, 1)]
    assert table(warehouse_url, "select count(*) as n from information_schema.tables where table_name like 'int_sends%'")[0]["n"] == 0


def test_an_ephemeral_model_is_neither_asset_nor_check_and_is_never_run(tmp_path, duckdb_url):
    models = discover_models(write_project(tmp_path))
    assets = build_sql_assets(models, load_model_docs(models, tmp_path))

    (asset,) = assets
    assert asset.key == dg.AssetKey("daily")
    assert {dep.asset_key.to_user_string() for dep in asset.specs_by_key[asset.key].deps} == {"sends", "names"}
    assert asset.specs_by_key[asset.key].metadata["ephemeral_sql_files"].endswith("int_sends__named.sql")
    with (
        make_engine(duckdb_url).begin() as conn,
        pytest.raises(SqlModelError, match="int_sends__named: an ephemeral model is never written"),
    ):
        run_model(conn, models["int_sends__named"], DAY, NEXT)


def materialize(url: str, root, home) -> dg.ExecuteInProcessResult:
    models = discover_models(root)
    return dg.materialize(
        build_sql_assets(models, load_model_docs(models, root)),
        partition_key=DAY.isoformat(),
        resources={"warehouse": Warehouse(url=url), "settings": PipelineSettings(home=str(home))},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def test_the_asset_checks_the_ephemerals_columns_against_their_docs(warehouse_url, tmp_path):
    load_sources(warehouse_url)
    assert materialize(warehouse_url, write_project(tmp_path / "good"), tmp_path / "home").success

    wrong = YML.replace(
        "description: The message's name.}\n  - name: daily",
        "description: The message's name.}\n      - {name: x, data_type: bigint, description: X.}\n  - name: daily",
        1,
    )
    result = materialize(warehouse_url, write_project(tmp_path / "wrong", yml=wrong), tmp_path / "home")

    assert not result.success
    (failure,) = result.get_step_failure_events()
    message = failure.step_failure_data.user_failure_data.description
    assert "model int_sends__named: the ephemeral model's SQL differs from its docs" in message
    assert "documented columns the model does not produce: x" in message


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ({"e": "{{ config(materialized='ephemeral', unique_key=['id']) }}\nselect 1 as id\n"}, "an ephemeral model is never written"),
        (
            {
                "e1": "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('e2') }}\n",
                "e2": "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('e1') }}\n",
            },
            "ephemeral models ref each other in a cycle: e1 -> e2 -> e1",
        ),
    ],
)
def test_an_ephemeral_model_that_cannot_work_is_refused(tmp_path, sql, expected):
    with pytest.raises(SqlModelError, match=expected):
        discover_models(write_project(tmp_path, sql, "version: 2\nmodels: []\n"))


def test_an_ephemeral_model_documents_no_grain(tmp_path):
    yml = YML.replace(
        "description: Ephemeral. One row per send of the window.\n", "description: Ephemeral.\n    config: {grain: [message_id]}\n"
    )
    root = write_project(tmp_path, yml=yml)
    with pytest.raises(ModelDocsError, match="model int_sends__windowed: an ephemeral model has no config.grain"):
        load_model_docs(discover_models(root), root)
