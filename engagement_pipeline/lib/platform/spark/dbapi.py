"""A DB-API 2.0 driver over a SparkSession, for the `spark` SQLAlchemy dialect.

Every statement arrives in our DuckDB dialect (models, checks, reports) and is transpiled to Spark
SQL by sqlglot, parsed once per text. Parameters (`:name`) are bound into the syntax tree as typed
literals by sqlglot (as psycopg2 binds client-side), never formatted into the text: Spark refuses
parameter markers in DDL. `information_schema.tables` / `.columns`, which the project reads to
find tables and their columns, are answered from Spark's catalog. Spark has no transactions:
commit and rollback do nothing (what a rewrite guarantees: lib/models/sql_models.py).
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark

from engagement_pipeline.lib.platform.spark.session import session_for


class SparkSql(Spark):
    """sqlglot's Spark dialect without hoisting nested WITHs to the top (a Hive limit Spark 3+ does not
    have): an ephemeral model's CTEs and its caller's share names such as `final`."""

    class Generator(Spark.Generator):
        EXPRESSIONS_WITHOUT_NESTED_CTES: set = set()


apilevel = "2.0"
threadsafety = 1
paramstyle = "named"
SPARK_TYPES = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE"}
SPARK_TYPES |= {"timestamp": "TIMESTAMP", "timestamp_ntz": "TIMESTAMP", "float": "FLOAT", "smallint": "SMALLINT", "tinyint": "TINYINT"}
# Whether a session's catalog views are current: listing ~30 tables' columns costs ~1 s, so they are
# rebuilt only after a statement that changes the catalog.
_CURRENT: dict[int, bool] = {}
_CATALOG_VIEWS = {"tables": "__information_schema_tables", "columns": "__information_schema_columns"}


class Error(Exception):
    pass


class DatabaseError(Error):
    pass


class OperationalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class InterfaceError(Error):
    pass


Warning = Warning  # noqa: A001,PLW0127 - DB-API names
IntegrityError = DataError = InternalError = NotSupportedError = DatabaseError


def connect(url: str) -> Connection:
    return Connection(session_for(url))


class Connection:
    def __init__(self, spark: Any) -> None:
        self.spark = spark

    def cursor(self) -> Cursor:
        return Cursor(self.spark)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass


_MARKER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=512)
def _parse(sql: str) -> exp.Expression:
    try:
        return sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        # DuckDB's prefix aliases (`select total: x`) make sqlglot read a marker that starts a select
        # list (`select :day as day`) as an alias without a name; `$day` is the same marker to it.
        dollars = _MARKER.sub(r"$\1", sql)
        if dollars != sql:
            try:
                return sqlglot.parse_one(dollars, read="duckdb")
            except sqlglot.errors.ParseError:
                pass
        raise ProgrammingError(f"cannot transpile to Spark SQL: {exc}\n{sql[:500]}") from exc


def _literal(value: Any) -> exp.Expression:
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("timestamp"))
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("date"))
    if isinstance(value, Decimal):
        return exp.Literal.number(str(value))
    return exp.convert(value)


def to_spark(sql: str, params: dict | None = None) -> tuple[str, bool]:
    """The statement in Spark SQL with `params` bound, and whether it returns rows."""
    bound, returns_rows = _bound(sql, params)
    return bound.sql(dialect=SparkSql), returns_rows


def _bound(sql: str, params: dict | None) -> tuple[exp.Expression, bool]:
    tree = _parse(sql)
    bound = tree.copy()
    missing: list[str] = []

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Collate) and node.expression.name.upper() == "C":
            return node.this  # binary order, which `collate "C"` asks DuckDB and PostgreSQL for, is Spark's default
        if isinstance(node, exp.Placeholder) and node.name:
            if node.name not in (params or {}):
                missing.append(node.name)
                return node
            return _literal(params[node.name])
        return node

    bound = bound.transform(bind)
    if missing:
        raise ProgrammingError(f"no value for parameter(s) {', '.join(sorted(set(missing)))} of: {sql[:300]}")
    for table in bound.find_all(exp.Table):
        if table.db.lower() == "information_schema" and table.name.lower() in _CATALOG_VIEWS:
            table.replace(exp.to_table(_CATALOG_VIEWS[table.name.lower()]).as_(table.alias_or_name))
    return bound, isinstance(bound, (exp.Query, exp.Describe, exp.Show))


def _delete(spark: Any, statement: exp.Delete) -> None:
    """DELETE, which Parquet tables lack: the table rewritten without the matching rows (a static
    overwrite, so a partition left empty is emptied), read in full before it is overwritten."""
    table = statement.this.name
    where = statement.args.get("where")
    if where is None:
        spark.sql(f"truncate table {table}")
        return
    keep = spark.table(table).where(f"not coalesce({where.this.sql(dialect=SparkSql)}, false)").localCheckpoint()
    mode = spark.conf.get("spark.sql.sources.partitionOverwriteMode")
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "static")
    try:
        keep.select(*[field.name for field in spark.table(table).schema]).write.insertInto(table, overwrite=True)
    finally:
        spark.conf.set("spark.sql.sources.partitionOverwriteMode", mode)


def catalog_changed(spark: Any) -> None:
    """Tables were created or dropped outside a cursor: rebuild the information_schema views at their next use."""
    _CURRENT[id(spark)] = False


def run_around(spark: Any, statement: str, select: str, params: dict | None = None) -> None:
    """Run Spark SQL `statement` (a write with no DuckDB form: `create table .. using parquet ..
    as`, `insert overwrite table .. select`) with `{select}` replaced by `select` (our dialect)
    transpiled and bound."""
    text, _ = to_spark(select, params)
    try:
        spark.sql(statement.format(select=text))
    except Exception as exc:
        raise DatabaseError(f"{type(exc).__name__}: {str(exc)[:1500]}\nSpark SQL: {statement[:300]}") from exc
    if statement.lstrip().lower().startswith(("create", "drop", "alter")):
        catalog_changed(spark)


class Cursor:
    arraysize = 1000

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.description: list[tuple] | None = None
        self.rowcount = -1
        self._rows: list[tuple] = []
        self._position = 0

    def execute(self, sql: str, params: dict | Sequence | None = None) -> Cursor:
        bound, returns_rows = _bound(sql, dict(params or {}))
        if isinstance(bound, exp.Delete):
            _delete(self.spark, bound)
            self.description, self._rows, self.rowcount = None, [], -1
            return self
        text = bound.sql(dialect=SparkSql)
        if "__information_schema_" in text:
            _register_catalog_views(self.spark, _named_tables(bound))
        if isinstance(_parse(sql), (exp.Create, exp.Drop, exp.Alter, exp.Command)):
            catalog_changed(self.spark)
        try:
            frame = self.spark.sql(text)
            rows = [tuple(row) for row in frame.collect()] if returns_rows else []
        except Exception as exc:  # Py4J and Spark analysis errors: one type for SQLAlchemy, with the statement
            raise DatabaseError(f"{type(exc).__name__}: {str(exc)[:1500]}\nSpark SQL: {text[:1500]}") from exc
        self.description = (
            [(f.name, f.dataType.simpleString(), None, None, None, None, True) for f in frame.schema] if returns_rows else None
        )
        self._rows, self._position = rows, 0
        self.rowcount = len(rows) if returns_rows else -1
        return self

    def executemany(self, sql: str, seq_of_params: Sequence[dict]) -> None:
        for params in seq_of_params:
            self.execute(sql, params)

    def fetchone(self) -> tuple | None:
        if self._position >= len(self._rows):
            return None
        self._position += 1
        return self._rows[self._position - 1]

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        size = size or self.arraysize
        rows = self._rows[self._position : self._position + size]
        self._position += len(rows)
        return rows

    def fetchall(self) -> list[tuple]:
        rows = self._rows[self._position :]
        self._position = len(self._rows)
        return rows

    def close(self) -> None:
        self._rows = []

    def setinputsizes(self, *_: Any) -> None:
        pass

    def setoutputsize(self, *_: Any) -> None:
        pass


def _named_tables(bound: exp.Expression) -> set[str] | None:
    """The table names a catalog query asks about (`table_name = '...'`), or None for all of them."""
    names = set()
    for condition in bound.find_all(exp.EQ):
        column, value = condition.this, condition.expression
        if isinstance(column, exp.Column) and column.name.lower() == "table_name" and isinstance(value, exp.Literal):
            names.add(value.this)
    return names or None


def _register_catalog_views(spark: Any, only: set[str] | None) -> None:
    """information_schema.tables and .columns of the current database (or of the tables `only`), as
    temporary views; the whole catalog is listed again only after a statement that changed it
    (listing ~30 tables' columns from the metastore costs seconds)."""
    if only is None and _CURRENT.get(id(spark)) is True:
        return
    database = spark.catalog.currentDatabase()
    tables, columns = [], []
    for table in spark.catalog.listTables(database):
        if table.isTemporary or (only is not None and table.name not in only):
            continue
        kind = "VIEW" if table.tableType == "VIEW" else "BASE TABLE"
        tables.append((table.name, kind, database))
        for position, column in enumerate(spark.catalog.listColumns(f"{database}.{table.name}"), start=1):
            data_type = SPARK_TYPES.get(column.dataType, column.dataType.upper())
            columns.append((table.name, column.name, data_type, position, database))
    spark.createDataFrame(tables, "table_name string, table_type string, table_schema string").createOrReplaceTempView(
        _CATALOG_VIEWS["tables"]
    )
    spark.createDataFrame(
        columns, "table_name string, column_name string, data_type string, ordinal_position int, table_schema string"
    ).createOrReplaceTempView(_CATALOG_VIEWS["columns"])
    _CURRENT[id(spark)] = only is None
