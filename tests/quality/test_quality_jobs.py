"""The code location carries every suite check, the re-check job and its daily schedule."""

from datetime import datetime, timezone

import dagster as dg

from engagement_pipeline.definitions import defs as load_defs
from engagement_pipeline.defs.quality.check_results import gating_checks
from engagement_pipeline.lib.quality.suite import load_suites


def test_every_suite_check_is_in_the_code_location_blocking_when_it_makes_reports_wrong():
    graph = load_defs().resolve_asset_graph()
    for suite in load_suites():
        for check in suite.checks:
            spec = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(suite.asset), check.name))
            assert spec.blocking == check.blocking
            assert spec.description == check.description
    volume = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey("stg_currents__events"), "event_volume_is_usual"))
    fresh = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey("raw_currents_events"), "landing_zone_is_fresh"))
    funnel = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey("canvas_step_daily_stats"), "funnel_is_ordered"))
    assert (volume.blocking, fresh.blocking, funnel.blocking) == (False, False, True)
    gated = {c.key for c in gating_checks()}
    assert fresh.key in gated and funnel.key in gated and volume.key not in gated
    assert dg.AssetCheckKey(dg.AssetKey("stg_currents__events"), "stg_currents__events_grain_is_unique") in gated


def test_the_data_quality_job_reruns_daily_checks_without_rebuilding_assets():
    job = load_defs().resolve_job_def("data_quality_job")
    assert job.asset_layer.selected_asset_keys == set()
    selected = job.asset_layer.asset_graph.asset_check_keys
    assert dg.AssetCheckKey(dg.AssetKey("channel_daily_stats"), "totals_equal_campaigns_plus_canvases") in selected
    assert dg.AssetCheckKey(dg.AssetKey("stg_currents__events"), "stg_currents__events_grain_is_unique") in selected
    assert all(k.asset_key != dg.AssetKey("raw_currents_events") for k in selected)


def test_the_schedule_rechecks_the_last_three_complete_days_as_one_run():
    defs = load_defs()
    schedule = defs.resolve_schedule_def("data_quality_schedule")
    assert schedule.cron_schedule == "30 6 * * *" and schedule.job_name == "data_quality_job"
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc))
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2026-11-20"
    assert request.tags["dagster/asset_partition_range_end"] == "2026-11-22"
    assert request.run_key == "data_quality_2026-11-20_2026-11-22"
