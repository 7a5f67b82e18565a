"""A day with a tenth of the usual volume warns without holding reports; a stale landing zone holds the days it leaves incomplete."""

from datetime import date, datetime, timedelta, timezone

import dagster as dg

from engagement_pipeline.defs.ingest.assets import raw_currents_events
from engagement_pipeline.defs.models.assets import sql_model_assets
from engagement_pipeline.defs.quality.check_results import failed_blocking_checks
from engagement_pipeline.defs.quality.checks import quality_checks
from engagement_pipeline.lib.quality.recheck import range_tags
from tests.support import event, load_events, resources
from tests.support.avro_files import currents_key, write_events

DAY = date(2026, 11, 20)


def _checks_on(asset: str) -> list[dg.AssetChecksDefinition]:
    return [c for c in quality_checks if any(k.asset_key.path == [asset] for k in c.check_keys)]


def _sends(day: date, count: int, prefix: str) -> list[dict]:
    return [
        event("users.messages.email.Send", f"{day}T{h % 24:02d}:00:00", f"{prefix}-u{h}", campaign_id="c1", message_variation_id="v1")
        for h in range(count)
    ]


def _volume_run(url: str, home, instance: dg.DagsterInstance, first: date, last: date) -> dg.AssetCheckEvaluation:
    stg = [a for a in sql_model_assets if dg.AssetKey("stg_currents__events") in a.keys]
    defs = dg.Definitions(assets=stg, asset_checks=_checks_on("stg_currents__events"), resources=resources(url, home))
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance, tags=range_tags(first, last))
    assert result.success
    by_day = {e.partition: e for e in result.get_asset_check_evaluations() if e.check_name == "event_volume_is_usual"}
    assert set(by_day) == {(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)}, "one result per day"
    assert all(e.passed for day, e in by_day.items() if day != last.isoformat())
    return by_day[last.isoformat()]


def test_a_day_with_a_tenth_of_its_usual_volume_warns_and_passes_once_the_events_arrive(warehouse_url, tmp_path):
    week = [DAY - timedelta(days=n) for n in range(7, 0, -1)]
    load_events(warehouse_url, [e for day in week for e in _sends(day, 150, day.isoformat())] + _sends(DAY, 15, "late"))
    instance = dg.DagsterInstance.ephemeral()

    volume = _volume_run(warehouse_url, tmp_path, instance, week[0], DAY)
    assert not volume.passed and volume.severity == dg.AssetCheckSeverity.WARN
    assert volume.metadata["warn_partitions"].value == ["2026-11-20"]
    assert volume.metadata["error_partitions"].value == []
    assert "event_date=2026-11-20, channel=email, ratio_to_trailing_median=0.1" in volume.metadata["offending_keys"].value
    assert failed_blocking_checks(instance, [DAY]) == []

    load_events(warehouse_url, _sends(DAY, 135, "arrived"))
    assert _volume_run(warehouse_url, tmp_path, instance, DAY, DAY).passed


def _land(landing, hour: datetime, name: str) -> None:
    key = currents_key("users.messages.email.Send", hour.strftime("%Y-%m-%d-%H"), name)
    write_events(landing / key, [{"id": f"evt-{name}", "user_id": "u1", "time": int(hour.timestamp())}])


def _ingest(url: str, home, landing, instance: dg.DagsterInstance) -> dg.AssetCheckEvaluation:
    defs = dg.Definitions(
        assets=[raw_currents_events], asset_checks=_checks_on("raw_currents_events"), resources=resources(url, home, landing)
    )
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance)
    assert result.success, "a stale landing zone must not stop ingestion"
    return result.get_asset_check_evaluations()[0]


def test_a_stale_landing_zone_holds_reports_from_its_newest_day_until_files_arrive(warehouse_url, tmp_path):
    landing, instance = tmp_path / "landing", dg.DagsterInstance.ephemeral()
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    stale_hour = now - timedelta(hours=72)
    _land(landing, stale_hour, "old")

    fresh = _ingest(warehouse_url, tmp_path, landing, instance)
    assert not fresh.passed and fresh.severity == dg.AssetCheckSeverity.ERROR
    assert fresh.metadata["failed_expectations"].value == ["expect_column_values_to_be_between(column=age_hours)"]
    assert f"newest_data_hour={stale_hour.strftime('%Y-%m-%dT%H:00')}" in fresh.metadata["offending_keys"].value
    assert fresh.metadata["holds_from_day"].value == stale_hour.date().isoformat()
    assert failed_blocking_checks(instance, [stale_hour.date() - timedelta(days=1)]) == []
    held = failed_blocking_checks(instance, [stale_hour.date() - timedelta(days=1), stale_hour.date()])
    assert [(f.asset, f.check, f.partition) for f in held] == [("raw_currents_events", "landing_zone_is_fresh", None)]
    assert "age_hours" in held[0].description

    _land(landing, now, "new")
    assert _ingest(warehouse_url, tmp_path, landing, instance).passed
    assert failed_blocking_checks(instance, [stale_hour.date(), now.date()]) == []
