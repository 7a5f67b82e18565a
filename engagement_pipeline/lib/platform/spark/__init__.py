"""The warehouse on Apache Spark: a SQLAlchemy dialect named `spark` over a SparkSession.

`ENGAGEMENT_WAREHOUSE_URL=spark:///<lake folder>?master=local[2]` (or `?lake=s3a://bucket/prefix`)
makes the same assets, checks and reports run on Spark: every statement the project sends is
written in our DuckDB dialect and transpiled by sqlglot (`dbapi.py`), tables are Parquet tables in
the lake, daily tables partitioned by their day (`lib/models/sql_models.py` rewrites a window's
partitions). How to run it on a cluster: docs/scale-out.md.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

sa.dialects.registry.register("spark", "engagement_pipeline.lib.platform.spark.dialect", "SparkDialect")


def spark_session(bind: sa.Engine | sa.Connection) -> Any:
    """The SparkSession behind a `spark://` engine or connection."""
    if isinstance(bind, sa.Engine):
        with bind.connect() as conn:
            return conn.connection.driver_connection.spark
    return bind.connection.driver_connection.spark
