"""A range of days built in one run shows, on each day's partition, that day's rows and check results."""

from datetime import datetime, timedelta, timezone

import dagster as dg
import sqlalchemy as sa

from engagement_pipeline.defs.partitions import PARTITIONS_START
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import event, ingest_landing, load_events, model_assets, resources
from tests.support.avro_files import currents_key, write_events

DAYS = ["2026-11-20", "2026-11-21", "2026-11-22"]
RANGE = {"dagster/asset_partition_range_start": DAYS[0], "dagster/asset_partition_range_end": DAYS[-1]}


def _events() -> list[dict]:
    """Three sends on the first day, none on the second, one on the third."""
    first = [event("users.messages.email.Send", f"{DAYS[0]}T0{h}:00:00", user_id=f"u{h}", campaign_id="c1") for h in range(3)]
    return [*first, event("users.messages.email.Send", f"{DAYS[2]}T10:00:00", campaign_id="c1")]


def _build_range(url: str, home, instance: dg.DagsterInstance, *names: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        model_assets(),
        selection=dg.AssetSelection.assets(*names),
        resources=resources(url, home),
        instance=instance,
        tags=RANGE,
    )


def _row_counts(instance: dg.DagsterInstance, asset: str) -> dict[str, int]:
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=DAYS), limit=10).records
    return {r.partition_key: r.asset_materialization.metadata["dagster/row_count"].value for r in records}


def test_each_partition_of_a_range_run_carries_its_own_row_count(warehouse_url, tmp_path):
    load_events(warehouse_url, _events())
    with dg.instance_for_test() as instance:
        result = _build_range(warehouse_url, tmp_path, instance, "stg_currents__events", "braze_catalog", "braze_catalog_tags")
        assert result.success
        assert _row_counts(instance, "stg_currents__events") == {DAYS[0]: 3, DAYS[1]: 0, DAYS[2]: 1}
        catalog = instance.fetch_materializations(dg.AssetKey("braze_catalog"), limit=1).records[0]
        assert catalog.partition_key is None and "dagster/row_count" in catalog.asset_materialization.metadata


def test_a_single_day_run_counts_that_day(warehouse_url, tmp_path):
    load_events(warehouse_url, _events())
    with dg.instance_for_test() as instance:
        dg.materialize(
            model_assets(),
            selection=dg.AssetSelection.assets("stg_currents__events"),
            resources=resources(warehouse_url, tmp_path),
            instance=instance,
            partition_key=DAYS[2],
        )
        assert _row_counts(instance, "stg_currents__events") == {DAYS[2]: 1}


def _grain_verdicts(instance: dg.DagsterInstance, run_id: str) -> dict[str, bool]:
    """Partition -> passed, from the run's evaluations of channel_daily_stats' grain check."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    return {e.partition: e.passed for e in evaluations if e.check_name == "channel_daily_stats_grain_is_unique"}


def test_check_results_of_a_range_run_are_attached_to_each_day(warehouse_url, tmp_path):
    load_events(warehouse_url, _events())
    with dg.instance_for_test() as instance:
        selection = dg.AssetSelection.assets("channel_daily_stats").upstream()
        built = dg.materialize(
            model_assets(), selection=selection, resources=resources(warehouse_url, tmp_path), instance=instance, tags=RANGE
        )
        assert _grain_verdicts(instance, built.run_id) == {day: True for day in DAYS}

        with make_engine(warehouse_url).begin() as conn:  # a duplicated grain on the first day only
            conn.execute(sa.text("insert into channel_daily_stats select * from channel_daily_stats where event_date = :d"), {"d": DAYS[0]})
        checks = dg.materialize(
            model_assets(),
            selection=dg.AssetSelection.checks_for_assets("channel_daily_stats"),
            resources=resources(warehouse_url, tmp_path),
            instance=instance,
            tags=RANGE,
            raise_on_error=False,
        )
        assert not checks.success, "a failed blocking check still fails the run"
        assert _grain_verdicts(instance, checks.run_id) == {DAYS[0]: False, DAYS[1]: True, DAYS[2]: True}


def test_ingestion_names_the_days_before_the_partitions_start(tmp_path):
    """Events of a day with no partition are loaded, and the ingestion says which days they are."""
    landing, url = tmp_path / "landing", f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    first = datetime.fromisoformat(PARTITIONS_START).replace(tzinfo=timezone.utc)
    for name, at in (("early", first - timedelta(hours=2)), ("inside", first + timedelta(hours=2))):
        key = currents_key("users.messages.email.Send", at.strftime("%Y-%m-%d-%H"), name)
        write_events(landing / key, [{"id": f"evt-{name}", "user_id": "u1", "time": int(at.timestamp())}])
    metadata = ingest_landing(url, tmp_path, landing)
    assert metadata["rows_loaded"] == 2
    assert metadata["days_before_partitions_start"] == [(first - timedelta(days=1)).date().isoformat()]
