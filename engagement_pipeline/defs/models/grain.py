"""A daily model's grain check: no two rows of its window share the declared grain (blocking)."""

from collections.abc import Iterator

import dagster as dg
import sqlalchemy as sa

from engagement_pipeline.defs.check_partitions import failing_days, per_partition, window
from engagement_pipeline.defs.partitions import daily_partitions
from engagement_pipeline.defs.previews import markdown_table
from engagement_pipeline.defs.resources import Warehouse
from engagement_pipeline.lib.models.sql_models import SqlModel


def grain_check_spec(model: SqlModel) -> dg.AssetCheckSpec:
    """`<model>_grain_is_unique`: no two rows share the declared grain (blocking)."""
    if not model.checks_grain:
        raise ValueError(f"{model.name}: no grain check of its own (no unique_key, an ephemeral model, or grain_follows_from)")
    return dg.AssetCheckSpec(
        name=f"{model.name}_grain_is_unique",
        asset=dg.AssetKey(model.name),
        blocking=True,
        partitions_def=daily_partitions if model.is_partitioned else None,
        description=f"No two rows of {model.name} share its grain ({', '.join(model.unique_key)}).",
    )


def grain_check_results(
    context: dg.AssetExecutionContext, spec: dg.AssetCheckSpec, model: SqlModel, warehouse: Warehouse, targets=None
) -> Iterator:
    """Count the window's duplicated grain keys: one result, or one evaluation per day of a range run."""
    keys = ", ".join(model.unique_key)
    where, params = "", {}
    if model.is_partitioned:
        start, end = window(context)
        # An incremental model's rows outlive their run: a duplicate may pair a new row with any older one.
        if not model.is_incremental:
            where, params = f" where {model.partition_by} >= :s and {model.partition_by} < :e", {"s": start, "e": end}
    sql = f"select {keys}, count(*) as n from {model.name}{where} group by {keys} having count(*) > 1"
    with warehouse.engine.connect() as conn:
        duplicates = 0
        if conn.dialect.name != "duckdb" or _hash_collisions(conn, model.name, keys, where, params):
            duplicates = conn.execute(sa.text(f"select count(*) from ({sql}) as d"), params).scalar_one()
    examples = warehouse.read_frame(f"{sql} limit 5", params) if duplicates else None
    metadata = {"duplicated_keys": int(duplicates), "grain": keys, **({"examples": markdown_table(examples)} if duplicates else {})}
    failing: dict[str, str] = {}
    if model.is_partitioned:
        by_day = _days_of(warehouse, model, sql, params, duplicates, keys, (end - start).days)
        metadata.update(by_day)
        named = by_day["error_partitions"].value if "error_partitions" in by_day else []
        failing = failing_days([("error", named)] if duplicates else [], context.partition_keys)
    result = dg.AssetCheckResult(
        asset_key=spec.asset_key,
        check_name=spec.name,
        passed=duplicates == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
    )
    yield from per_partition(context, spec, result, failing, targets)


def _days_of(warehouse: Warehouse, model: SqlModel, sql: str, params: dict, duplicates: int, keys: str, days: int) -> dict:
    """The window's days and, per day with duplicates, how many keys (as the suite checks report them)."""
    if model.partition_by not in model.unique_key:  # a duplicate may span days: no day to name
        return {"partitions_checked": days}
    per_day: dict[str, int] = {}
    if duplicates:
        counted = f"select {model.partition_by} as day, count(*) as n from ({sql}) as d group by {model.partition_by} order by 1"
        with warehouse.engine.connect() as conn:
            per_day = {str(day): int(n) for day, n in conn.execute(sa.text(counted), params)}
    failures = [
        {
            "day": day,
            "severity": "error",
            "expectation": f"{model.name}_grain_is_unique",
            "expected": f"one row per {keys}",
            "observed": f"{n:,} duplicated keys",
        }
        for day, n in per_day.items()
    ]
    return {
        "partitions_checked": days,
        "error_partitions": dg.MetadataValue.json(sorted(per_day)),
        "failures": dg.MetadataValue.json(failures),
    }


def _hash_collisions(conn: sa.Connection, table: str, keys: str, where: str, params: dict) -> int:
    """Rows whose grain hashes like another row's (DuckDB): 0 proves the grain unique, in half the
    time of grouping by the key columns (10M events: 2.6 s -> 1.3 s); a duplicated grain always
    counts here, and any count sends the check to the exact grouping query."""
    sql = f"select count(*) - count(distinct hash({keys})) from {table}{where}"
    return conn.execute(sa.text(sql), params).scalar_one()
