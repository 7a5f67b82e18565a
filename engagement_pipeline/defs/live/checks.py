from datetime import UTC, date, datetime

import dagster as dg

from engagement_pipeline.defs.resources import Warehouse
from engagement_pipeline.lib.live.reconcile import ROLLUP, live_days, reconcile
from engagement_pipeline.lib.live.refresh import SPARK_NOTE
from engagement_pipeline.lib.live.window import utc_now

ROLLUP_KEY = dg.AssetKey(ROLLUP)


def _built_at(instance: dg.DagsterInstance, days: list[date]) -> dict[date, datetime]:
    """When the run that last materialized each day's rollup partition started (naive UTC)."""
    if not days:
        return {}
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=ROLLUP_KEY, asset_partitions=[d.isoformat() for d in days]), limit=20 * len(days)
    ).records
    built: dict[date, datetime] = {}
    for record in records:  # newest first
        day = date.fromisoformat(record.partition_key) if record.partition_key else None
        run = instance.get_run_record_by_id(record.run_id)
        if day is None or day in built or run is None or run.start_time is None:
            continue
        built[day] = datetime.fromtimestamp(run.start_time, UTC).replace(tzinfo=None)
    return built


@dg.asset_check(asset="live_report", additional_deps=[ROLLUP_KEY], blocking=False)
def live_report_matches_daily_rollups(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
    """The live 5-minute buckets of each UTC day, summed to quarter-hours, equal
    int_message_stats__quarter_hourly for every live stat, component and channel, once the day's
    rollups were rebuilt after the live view applied the day's last file (other days are listed as
    waiting, with why). Fails naming the first differing quarter-hour, message, channel and stat."""
    if warehouse.dialect == "spark":
        return dg.AssetCheckResult(passed=True, description="nothing to compare: no live view on Spark", metadata={"not_built": SPARK_NOTE})
    now = utc_now()
    with warehouse.begin() as conn:
        outcome = reconcile(conn, _built_at(context.instance, live_days(conn)), now)
    metadata = {
        "days_compared": dg.MetadataValue.json(outcome.compared),
        "days_waiting": dg.MetadataValue.json(outcome.waiting),
        "differing_rows": outcome.differences,
    }
    if outcome.first_difference:
        metadata["first_difference"] = outcome.first_difference
    if outcome.first_difference:
        description = f"first difference: {outcome.first_difference}"
    elif outcome.compared:
        description = f"{len(outcome.compared)} day(s) agree ({', '.join(outcome.compared)})"
    else:
        description = f"no day to compare yet; waiting: {'; '.join(outcome.waiting.values()) or 'no live buckets'}"
    return dg.AssetCheckResult(passed=outcome.passed, metadata=metadata, description=description, severity=dg.AssetCheckSeverity.ERROR)
