"""The models' own documentation, dbt-style: one `_<layer>__models.yml` beside the SQL of each layer.

Each file is a dbt properties file (`version: 2`, `models:`); a model has a `description` (what a
row is, where it comes from), `config.grain` (the columns of one row: the `unique_key` of its SQL's
`config(...)`, which the grain check enforces) and `columns` (`name`, `data_type`, `description`,
optionally `data_tests`). Stat columns of the metric contract are not described in YAML: an entry
`- stat_columns: all` (every stat then every rate, as `{{ stat_columns() }}` writes them),
`stats` (no rates), `counted` (the additive stats) or a list of stat names stands for those
columns, described from the stat catalogue (lib/reports/stats.py), the one place that defines them.
A column that only shares a stat's name (the `bounces` of one bounce category) is described as usual.

Static rules are checked when the docs are loaded (every SQL model documented and every documented
model a SQL file, the grain equal to the SQL's unique_key, well-formed entries); the columns a model
produces are only known from the warehouse, so `check_columns` compares a built table with its docs.
An ephemeral model is documented the same way but without `config.grain` (it has no unique_key: nothing
is written, so no check could enforce one); it has no table, so each asset that inlines it compares
its documented columns with those its SQL gives in that run (`check_ephemeral_columns`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import yaml

from engagement_pipeline.lib.models.sql_models import EPHEMERAL_PREFIX, SQL_ROOT, SqlModel, discover_models, render
from engagement_pipeline.lib.reports.stats import STAT_CATALOG, stat_description

# Warehouse type names (DuckDB, PostgreSQL information_schema.columns.data_type) -> portable names.
ENGINE_TYPES: dict[str, str] = {
    "varchar": "varchar",
    "character varying": "varchar",
    "text": "varchar",
    "bigint": "bigint",
    "integer": "integer",
    "double": "double",
    "double precision": "double",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp without time zone": "timestamp",
    "boolean": "boolean",
}
PORTABLE_TYPES = frozenset(ENGINE_TYPES.values())
STAT_SELECTIONS = {
    "all": lambda info: True,
    "stats": lambda info: info.kind != "rate",
    "counted": lambda info: info.kind == "additive",
}
# Only the tests a check enforces: `unique` on a one-column grain is the model's grain check.
ENFORCED_TESTS = frozenset({"unique"})
_EPHEMERALS_CHECKED: set[tuple[str, ModelDoc, int]] = set()


class ModelDocsError(ValueError):
    pass


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    data_type: str
    description: str
    data_tests: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelDoc:
    name: str
    description: str
    grain: tuple[str, ...] | None  # None: no config.grain (an ephemeral model)
    columns: tuple[ColumnDoc, ...]
    yaml_path: Path

    @property
    def column_types(self) -> dict[str, str]:
        return {column.name: column.data_type for column in self.columns}

    def where(self, column: str | None = None) -> str:
        """How an error names this model (and a column of it)."""
        return f"{shown(self.yaml_path)}: model {self.name}" + (f", column {column}" if column else "")


def shown(path: Path) -> str:
    """A path as a reader finds it in the project (dbt_like_sql/...), else as it is."""
    return str(path.relative_to(SQL_ROOT.parent)) if path.is_relative_to(SQL_ROOT.parent) else str(path)


def load_model_docs(models: Mapping[str, SqlModel] | None = None, root: Path = SQL_ROOT) -> dict[str, ModelDoc]:
    """Every model's docs, keyed by model name; ModelDocsError naming the file, model and column otherwise."""
    models = discover_models(root) if models is None else models
    docs: dict[str, ModelDoc] = {}
    for path in sorted(root.rglob("_*__models.yml")):
        for doc in _read_file(path):
            if doc.name in docs:
                raise ModelDocsError(f"{shown(path)}: model {doc.name} is already documented in {shown(docs[doc.name].yaml_path)}")
            docs[doc.name] = doc
    for doc in docs.values():
        model = models.get(doc.name)
        if model is None:
            raise ModelDocsError(f"{doc.where()}: no SQL model of that name (expected {shown(doc.yaml_path.parent / doc.name)}.sql)")
        _check_against_sql(doc, model)
    missing = [model for name, model in models.items() if name not in docs]
    if missing:
        listed = "; ".join(f"{m.name} (add it to {shown(layer_yaml(m))})" for m in missing)
        raise ModelDocsError(f"SQL models without docs: {listed}. Each needs a description, config.grain and its columns.")
    return docs


def layer_yaml(model: SqlModel) -> Path:
    """The YAML file that documents a model: `_<layer>__models.yml` beside its SQL."""
    return model.path.parent / f"_{model.path.parent.name}__models.yml"


def _read_file(path: Path) -> list[ModelDoc]:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ModelDocsError(f"{shown(path)}: not valid YAML: {exc}") from None
    if isinstance(data, dict) and "models" not in data:
        return []  # a properties file of something else (macros, sources)
    if not isinstance(data, dict) or data.get("version") != 2:
        raise ModelDocsError(f"{shown(path)}: expected a dbt properties file starting with 'version: 2'")
    entries = data.get("models") or []
    if not isinstance(entries, list):
        raise ModelDocsError(f"{shown(path)}: 'models' must be a list of models")
    return [_read_model(path, entry, number) for number, entry in enumerate(entries, 1)]


def _read_model(path: Path, entry: object, number: int) -> ModelDoc:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ModelDocsError(f"{shown(path)}: model #{number} needs a 'name'")
    name = entry["name"]
    unknown = set(entry) - {"name", "description", "config", "columns"}
    if unknown:
        raise ModelDocsError(f"{shown(path)}: model {name}: unknown keys {sorted(unknown)}; expected name, description, config, columns")
    description = entry.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ModelDocsError(f"{shown(path)}: model {name}: needs a 'description' (what a row is, where it comes from)")
    grain = (entry.get("config") or {}).get("grain")
    if grain is not None and (not isinstance(grain, list) or not all(isinstance(column, str) for column in grain)):
        raise ModelDocsError(f"{shown(path)}: model {name}: needs 'config: {{grain: [column, ...]}}'")
    columns = entry.get("columns")
    if not isinstance(columns, list) or not columns:
        raise ModelDocsError(f"{shown(path)}: model {name}: needs 'columns' (a list)")
    doc = ModelDoc(name, " ".join(description.split()), None if grain is None else tuple(grain), (), path)
    read = [column for item in columns for column in _read_column(doc, item)]
    names = [column.name for column in read]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ModelDocsError(f"{doc.where()}: columns documented twice: {', '.join(twice)}")
    return ModelDoc(doc.name, doc.description, doc.grain, tuple(read), path)


def _read_column(doc: ModelDoc, item: object) -> list[ColumnDoc]:
    if isinstance(item, dict) and "stat_columns" in item:
        return _stat_columns(doc, item["stat_columns"])
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ModelDocsError(f"{doc.where()}: a column entry needs a 'name' (or is '- stat_columns: ...'): {item!r}")
    name = item["name"]
    unknown = set(item) - {"name", "data_type", "description", "data_tests"}
    if unknown:
        raise ModelDocsError(f"{doc.where(name)}: unknown keys {sorted(unknown)}; expected name, data_type, description, data_tests")
    data_type, description = item.get("data_type"), item.get("description")
    if data_type not in PORTABLE_TYPES:
        raise ModelDocsError(f"{doc.where(name)}: data_type {data_type!r}; expected one of {', '.join(sorted(PORTABLE_TYPES))}")
    if not isinstance(description, str) or not description.strip():
        raise ModelDocsError(f"{doc.where(name)}: needs a 'description'")
    tests = tuple(item.get("data_tests") or ())
    for test in tests:
        if test not in ENFORCED_TESTS or doc.grain != (name,):
            raise ModelDocsError(
                f"{doc.where(name)}: data test {test!r} is not enforced by any check; only 'unique' on a one-column grain is "
                "(the model's grain check)"
            )
    return [ColumnDoc(name, data_type, " ".join(description.split()), tests)]


def _stat_columns(doc: ModelDoc, selection: object) -> list[ColumnDoc]:
    if isinstance(selection, str) and selection in STAT_SELECTIONS:
        names = [name for name, info in STAT_CATALOG.items() if STAT_SELECTIONS[selection](info)]
    elif isinstance(selection, list) and selection and all(isinstance(name, str) for name in selection):
        unknown = [name for name in selection if name not in STAT_CATALOG]
        if unknown:
            raise ModelDocsError(f"{doc.where()}: stat_columns names {', '.join(unknown)}, not in the stat catalogue")
        names = selection
    else:
        raise ModelDocsError(f"{doc.where()}: stat_columns {selection!r}; expected all, stats, counted or a list of stat names")
    return [ColumnDoc(name, "double" if STAT_CATALOG[name].kind == "rate" else "bigint", stat_description(name)) for name in names]


def _check_against_sql(doc: ModelDoc, model: SqlModel) -> None:
    if doc.yaml_path.parent != model.path.parent:
        raise ModelDocsError(f"{doc.where()}: documented outside its layer; move it to a YAML file in {shown(model.path.parent)}")
    if model.is_ephemeral:
        if doc.grain is not None:
            raise ModelDocsError(
                f"{doc.where()}: an ephemeral model has no config.grain (nothing is written, so no check enforces it); "
                "state its grain in the description"
            )
        return
    if doc.grain is None:
        raise ModelDocsError(f"{doc.where()}: needs 'config: {{grain: [column, ...]}}'")
    if doc.grain != model.unique_key:
        raise ModelDocsError(
            f"{doc.where()}: config.grain {list(doc.grain)} differs from unique_key {list(model.unique_key)} in {shown(model.path)}"
        )
    undocumented = [column for column in doc.grain if column not in doc.column_types]
    if undocumented:
        raise ModelDocsError(f"{doc.where()}: grain columns not documented: {', '.join(undocumented)}")


def warehouse_columns(conn: sa.Connection, table: str) -> dict[str, str]:
    """The table's (or view's) columns and their portable types, in column order."""
    rows = conn.execute(
        sa.text(
            "select column_name, data_type from information_schema.columns"
            " where table_name = :t and table_schema = current_schema() order by ordinal_position"
        ),
        {"t": table},
    ).fetchall()
    return {name: ENGINE_TYPES.get(str(data_type).lower(), str(data_type).lower()) for name, data_type in rows}


def column_differences(doc: ModelDoc, actual: Mapping[str, str]) -> list[str]:
    """What differs between a model's documented columns and its built table's (empty when they agree)."""
    documented = doc.column_types
    problems = []
    if not actual:
        return [f"no table or view {doc.name} in the warehouse"]
    undocumented = [name for name in actual if name not in documented]
    if undocumented:
        problems.append(f"columns not documented: {', '.join(undocumented)}")
    absent = [name for name in documented if name not in actual]
    if absent:
        problems.append(f"documented columns the model does not produce: {', '.join(absent)}")
    mistyped = [
        f"{name} (documented {documented[name]}, built {actual[name]})"
        for name in documented
        if actual.get(name, documented[name]) != documented[name]
    ]
    if mistyped:
        problems.append(f"types differ: {', '.join(mistyped)}")
    return problems


def check_columns(conn: sa.Connection, doc: ModelDoc) -> None:
    """Raise ModelDocsError unless the built table has exactly the documented columns and types."""
    problems = column_differences(doc, warehouse_columns(conn, doc.name))
    if problems:
        raise ModelDocsError(f"{doc.where()}: the built table differs from its docs: {'; '.join(problems)}")


def ephemeral_columns(conn: sa.Connection, model: SqlModel, params: dict) -> dict[str, str]:
    """An ephemeral model's columns and portable types as the models that inline it see them (with the
    run's bound parameters): those of an empty temporary table of its SQL, dropped again."""
    probe = f"{EPHEMERAL_PREFIX}probe_{model.name}"
    sql = render(model, conn.dialect.name)
    if conn.dialect.name == "spark":  # no temporary tables in its catalog; the driver reports Spark's type names
        from engagement_pipeline.lib.platform.spark.dbapi import SPARK_TYPES

        described = conn.execute(sa.text(f"select * from (\n{sql}\n) as probe where 1 = 0"), params).cursor.description
        types = {name: SPARK_TYPES.get(type_code, type_code).lower() for name, type_code, *_ in described}
        return {name: ENGINE_TYPES.get(data_type, data_type) for name, data_type in types.items()}
    conn.execute(sa.text(f"create temporary table {probe} as select * from (\n{sql}\n) as probe where 1 = 0"), params)
    try:
        rows = conn.execute(
            sa.text("select column_name, data_type from information_schema.columns where table_name = :t order by ordinal_position"),
            {"t": probe},
        ).fetchall()
    finally:
        conn.execute(sa.text(f"drop table {probe}"))
    return {name: ENGINE_TYPES.get(str(data_type).lower(), str(data_type).lower()) for name, data_type in rows}


def check_ephemeral_columns(conn: sa.Connection, doc: ModelDoc, model: SqlModel, params: dict) -> None:
    """Raise ModelDocsError unless the ephemeral model's SQL gives exactly its documented columns and types
    (once per warehouse, docs and SQL in a process; an empty probe: the SQL is planned, its rows never read)."""
    checked = (str(conn.engine.url), doc, hash((model.template, *(e.template for e in model.ephemerals))))
    if checked in _EPHEMERALS_CHECKED:
        return
    problems = column_differences(doc, ephemeral_columns(conn, model, params))
    if problems:
        raise ModelDocsError(f"{doc.where()}: the ephemeral model's SQL differs from its docs: {'; '.join(problems)}")
    _EPHEMERALS_CHECKED.add(checked)
