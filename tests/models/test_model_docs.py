"""The models describe themselves (`dbt_like_sql/<layer>/_<layer>__models.yml`): every model and every
column it builds is documented and typed as built, on DuckDB and PostgreSQL, and the assets show it."""

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from engagement_pipeline.defs.models.factories import build_sql_asset
from engagement_pipeline.defs.resources import PipelineSettings, Warehouse
from engagement_pipeline.lib.models.model_docs import ModelDocsError, column_differences, load_model_docs, warehouse_columns
from engagement_pipeline.lib.models.sql_models import discover_models
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.stats import STAT_CATALOG, formula, stat_description
from tests.support import event, load_events, materialize_days

DAY = date(2026, 11, 20)
METRICS_DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def a_day_of_events() -> list[dict]:
    campaign = {"campaign_id": "c1", "message_variation_id": "v1", "campaign_name": "Welcome"}
    canvas = {"canvas_id": "k1", "canvas_variation_id": "kv1", "canvas_step_id": "st1", "canvas_name": "Journey"}
    return [
        event("users.messages.email.Send", "2026-11-20T09:00:00", "u1", email_address="a@x.com", **campaign),
        event("users.messages.email.Open", "2026-11-20T09:05:00", "u1", **campaign),
        event("users.messages.email.Click", "2026-11-20T09:06:00", "u1", url="https://x.com/a", **campaign),
        event("users.messages.email.Bounce", "2026-11-20T09:07:00", "u2", bounce_reason="550 5.1.1 unknown", **campaign),
        event("users.campaigns.Conversion", "2026-11-20T10:00:00", "u1", **campaign),
        event("users.messages.pushnotification.Send", "2026-11-20T11:00:00", "u3", platform="ios", **canvas),
        event("users.behaviors.app.SessionStart", "2026-11-20T11:10:00", "u3"),
        event("users.messages.sms.Rejection", "2026-11-20T12:00:00", "u4", error_code="30005", **canvas),
    ]


def test_every_model_and_column_is_documented_and_typed_as_built(warehouse_url, tmp_path):
    docs = load_model_docs()
    assert set(docs) == set(discover_models())
    load_events(warehouse_url, a_day_of_events())

    materialize_days(warehouse_url, tmp_path / "home", DAY)  # each asset also checks its own columns and its ephemerals'
    built = {name for name, model in discover_models().items() if not model.is_ephemeral}

    with make_engine(warehouse_url).connect() as conn:
        differences = {name: column_differences(doc, warehouse_columns(conn, name)) for name, doc in docs.items() if name in built}
    assert {name: problems for name, problems in differences.items() if problems} == {}


def test_stat_columns_are_described_by_the_metric_contract():
    docs = load_model_docs()
    stats = {column.name: column for column in docs["campaign_daily_stats"].columns if column.name in STAT_CATALOG}
    assert list(stats) == list(STAT_CATALOG)  # `stat_columns: all` is the `{{ stat_columns() }}` list, in its order
    assert stats["direct_open_rate"].description == stat_description("direct_open_rate")
    assert "`direct_opens / (sent − bounces)`" in stats["direct_open_rate"].description
    assert (stats["unique_opens"].data_type, stats["open_rate"].data_type) == ("bigint", "double")
    metrics = METRICS_DOC.read_text()
    for name, info in STAT_CATALOG.items():
        assert f"`{name}`" in metrics, f"{name} is not in docs/metrics.md"
        for ratio in (info.ratio, *(r for _, r in info.channel_ratios)) if info.ratio else ():
            assert f"`{formula(ratio)}`" in metrics, f"{name}: formula {formula(ratio)} is not the one docs/metrics.md gives"


def test_the_assets_show_their_columns_with_descriptions():
    from engagement_pipeline.definitions import defs

    docs = load_model_docs()
    specs = {spec.key.to_user_string(): spec for spec in defs().resolve_all_asset_specs()}
    for name, doc in docs.items():
        if name not in specs:  # an ephemeral model: no asset
            assert doc.grain is None, name
            continue
        spec = specs[name]
        schema = spec.metadata["dagster/column_schema"]
        assert isinstance(schema, dg.TableSchema), name
        assert [(c.name, c.type, c.description) for c in schema.columns] == [(c.name, c.data_type, c.description) for c in doc.columns]
        assert all(c.description for c in schema.columns), name
        assert spec.description == doc.description
        assert spec.metadata["grain"] == ", ".join(doc.grain) and spec.metadata["sql_file"].endswith(f"/{name}.sql")
    sent = next(c for c in specs["channel_daily_stats"].metadata["dagster/column_schema"].columns if c.name == "sent")
    assert sent.description == stat_description("sent")


def write_project(root: Path, sql: dict[str, str], yml: str, layer: str = "staging") -> Path:
    folder = root / layer
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sql.items():
        (folder / f"{name}.sql").write_text(text)
    (folder / f"_{layer}__models.yml").write_text(yml)
    return root


TINY_SQL = "{{ config(materialized='table', unique_key=['id']) }}\nselect 'a' as id, 'b' as surprise\n"
TINY_YML = """version: 2
models:
  - name: tiny
    description: One row per thing.
    config: {grain: [id]}
    columns:
      - {name: id, data_type: varchar, description: The id., data_tests: [unique]}
"""


def test_a_built_column_without_docs_fails_the_asset_naming_model_and_column(warehouse_url, tmp_path):
    root = write_project(tmp_path / "sql", {"tiny": TINY_SQL}, TINY_YML)
    models = discover_models(root)
    asset = build_sql_asset(models["tiny"], load_model_docs(models, root)["tiny"])

    result = dg.materialize(
        [asset],
        resources={"warehouse": Warehouse(url=warehouse_url), "settings": PipelineSettings(home=str(tmp_path / "home"))},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )

    assert not result.success
    (failure,) = result.get_step_failure_events()
    message = failure.step_failure_data.user_failure_data.description
    assert "_staging__models.yml: model tiny" in message and "columns not documented: surprise" in message
    with make_engine(warehouse_url).connect() as conn:
        assert warehouse_columns(conn, "tiny") == {}  # nothing written


def yml(columns: str = "      - {name: id, data_type: varchar, description: The id.}", grain: str = "[id]", name: str = "tiny") -> str:
    return f"version: 2\nmodels:\n  - name: {name}\n    description: One row per thing.\n    config: {{grain: {grain}}}\n    columns:\n{columns}\n"


@pytest.mark.parametrize(
    ("sql", "text", "expected"),
    [
        ({"tiny": TINY_SQL, "other": TINY_SQL}, yml(), r"SQL models without docs: other \(add it to .*staging/_staging__models.yml\)"),
        ({"tiny": TINY_SQL}, yml() + yml(name="ghost")[19:], r"_staging__models.yml: model ghost: no SQL model of that name"),
        (
            {"tiny": TINY_SQL},
            yml(grain="[id, surprise]"),
            r"model tiny: config.grain \['id', 'surprise'\] differs from unique_key \['id'\]",
        ),
        ({"tiny": TINY_SQL}, yml("      - {name: id, data_type: string, description: x}"), r"model tiny, column id: data_type 'string'"),
        (
            {"tiny": TINY_SQL},
            yml("      - {name: id, data_type: varchar, description: x, data_tests: [not_null]}"),
            r"column id: data test 'not_null' is not enforced",
        ),
        (
            {"tiny": TINY_SQL},
            yml("      - {name: id, data_type: varchar, description: x}\n      - stat_columns: [sent, opnes]"),
            r"stat_columns names opnes",
        ),
        ({"tiny": TINY_SQL}, yml("      - {name: id, data_type: varchar}"), r"model tiny, column id: needs a 'description'"),
        ({"tiny": TINY_SQL}, "models: []\n", r"_staging__models.yml: expected a dbt properties file starting with 'version: 2'"),
    ],
)
def test_docs_that_disagree_with_the_sql_are_refused_naming_file_model_and_column(tmp_path, sql, text, expected):
    root = write_project(tmp_path / "sql", sql, text)
    with pytest.raises(ModelDocsError, match=expected):
        load_model_docs(discover_models(root), root)


def test_column_differences_name_the_columns_and_types():
    root_doc = load_model_docs()["message_error_daily_stats"]
    built = {**root_doc.column_types, "events": "double", "extra": "varchar"}
    del built["error_code"]
    assert column_differences(root_doc, built) == [
        "columns not documented: extra",
        "documented columns the model does not produce: error_code",
        "types differ: events (documented bigint, built double)",
    ]
