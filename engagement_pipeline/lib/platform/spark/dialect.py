"""The `spark` SQLAlchemy dialect: enough of one for `engine.begin()`, `conn.execute(sa.text(...))`
and `conn.dialect.name`, which is all the project asks of a warehouse."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import default


class SparkDialect(default.DefaultDialect):
    name = "spark"
    driver = "pyspark"
    supports_statement_cache = True
    supports_native_boolean = True
    supports_native_decimal = True
    supports_sane_rowcount = False
    supports_sane_multi_rowcount = False
    supports_alter = True
    default_paramstyle = "named"
    returns_native_bytes = True

    @classmethod
    def import_dbapi(cls) -> Any:
        from engagement_pipeline.lib.platform.spark import dbapi

        return dbapi

    def create_connect_args(self, url: Any) -> tuple[list, dict]:
        return [], {"url": url.render_as_string(hide_password=False)}

    def initialize(self, connection: Any) -> None:
        self.default_schema_name = None
        self.default_isolation_level = "AUTOCOMMIT"

    def _get_server_version_info(self, connection: Any) -> tuple:
        return (4,)

    def _get_default_schema_name(self, connection: Any) -> str | None:
        return None

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        return "AUTOCOMMIT"

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        pass

    def do_begin(self, dbapi_connection: Any) -> None:
        pass

    def do_commit(self, dbapi_connection: Any) -> None:
        pass

    def do_rollback(self, dbapi_connection: Any) -> None:
        pass

    def do_ping(self, dbapi_connection: Any) -> bool:
        return True

    def has_table(self, connection: Any, table_name: str, schema: str | None = None, **kw: Any) -> bool:
        spark = connection.connection.driver_connection.spark
        return bool(spark.catalog.tableExists(table_name))

    def get_columns(self, connection: Any, table_name: str, schema: str | None = None, **kw: Any) -> list[dict]:
        from sqlalchemy import types

        spark = connection.connection.driver_connection.spark
        return [
            {"name": column.name, "type": types.NullType(), "nullable": column.nullable, "default": None}
            for column in spark.catalog.listColumns(table_name)
        ]
