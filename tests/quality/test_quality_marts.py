"""Broken rollup rows fail the measure and reconciliation checks, only on their day; a rebuild clears them."""

from datetime import date

import dagster as dg
import sqlalchemy as sa

from engagement_pipeline.defs.models.assets import sql_model_assets
from engagement_pipeline.defs.quality.check_results import failed_blocking_checks
from engagement_pipeline.defs.quality.checks import quality_checks
from engagement_pipeline.defs.quality.jobs import data_quality_job
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.quality.recheck import range_tags
from tests.support import event, load_events, resources

DAY_BEFORE, DAY = date(2026, 11, 19), date(2026, 11, 20)


def _defs(url: str, home) -> dg.Definitions:
    on_models = [c for c in quality_checks if all(k.asset_key.path != ["raw_currents_events"] for k in c.check_keys)]
    return dg.Definitions(assets=sql_model_assets, asset_checks=on_models, jobs=[data_quality_job], resources=resources(url, home))


def _events() -> list[dict]:
    def email(action: str, at: str, user: str, variant: str = "v1") -> dict:
        return event(f"users.messages.email.{action}", at, user, campaign_id="c-email", message_variation_id=variant)

    def push(action: str, at: str, user: str) -> dict:
        step = {"canvas_id": "cv1", "canvas_variation_id": "cvv1", "canvas_step_id": "s1"}
        return event(f"users.messages.pushnotification.{action}", at, user, platform="ios", **step)

    return [
        email("Send", "2026-11-19T23:59:00", "u1"),
        email("Send", "2026-11-19T23:59:30", "u2", "v2"),
        email("Delivery", "2026-11-20T00:01:00", "u1"),
        email("Delivery", "2026-11-20T00:01:30", "u2", "v2"),
        *(email("Send", "2026-11-20T09:00:00", user) for user in ("u3", "u4", "u5")),
        email("Delivery", "2026-11-20T09:00:05", "u3"),
        email("Delivery", "2026-11-20T09:00:05", "u4"),
        email("Bounce", "2026-11-20T09:00:06", "u5"),
        email("Open", "2026-11-20T10:00:00", "u1"),
        email("Open", "2026-11-20T11:00:00", "u1"),
        email("Open", "2026-11-20T10:30:00", "u3"),
        email("Click", "2026-11-20T10:31:00", "u3"),
        push("Send", "2026-11-20T12:00:00", "u1"),
        push("Send", "2026-11-20T12:00:00", "u2"),
        push("Open", "2026-11-20T12:05:00", "u1"),
        event("users.canvas.Entry", "2026-11-20T11:59:00", "u1", canvas_id="cv1", canvas_variation_id="cvv1"),
        event("users.messages.inappmessage.Impression", "2026-11-20T13:00:00", "u1", campaign_id="c-iam", message_variation_id="m1"),
        event(
            "users.messages.inappmessage.Click", "2026-11-20T13:00:09", "u1", campaign_id="c-iam", message_variation_id="m1", button_id="0"
        ),
    ]


def _build(defs: dg.Definitions, instance: dg.DagsterInstance, first: date, last: date) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, tags=range_tags(first, last), raise_on_error=False
    )
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def _break_campaign_row(url: str) -> None:
    with make_engine(url).begin() as conn:
        conn.execute(
            sa.text(
                "update campaign_daily_stats set bounces = -1, unique_opens = opens + 5 where campaign_id = 'c-email' and event_date = :d"
            ),
            {"d": DAY},
        )


def _lose_canvas_rows(url: str) -> None:
    with make_engine(url).begin() as conn:
        for mart in ("canvas_daily_stats", "canvas_step_daily_stats"):
            conn.execute(sa.text(f"delete from {mart} where canvas_id = 'cv1' and event_date = :d"), {"d": DAY})


def _recheck(defs: dg.Definitions, instance: dg.DagsterInstance) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    result = defs.resolve_job_def("data_quality_job").execute_in_process(
        instance=instance, tags=range_tags(DAY_BEFORE, DAY), raise_on_error=False
    )
    assert result.get_asset_materialization_events() == []
    found = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    return {key: e for key, e in found.items() if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR}


def _held(instance: dg.DagsterInstance, *days: date) -> set[tuple[str, str, str | None]]:
    return {(f.asset, f.check, f.partition) for f in failed_blocking_checks(instance, days)}


def test_broken_rollup_rows_fail_measure_and_reconciliation_checks_and_hold_only_their_day(warehouse_url, tmp_path):
    load_events(warehouse_url, _events())
    defs, instance = _defs(warehouse_url, tmp_path), dg.DagsterInstance.ephemeral()
    built = _build(defs, instance, DAY_BEFORE, DAY)
    warned = {key: e for key, e in built.items() if not e.passed}
    assert set(warned) == {("campaign_daily_stats", "rates_are_between_0_and_1"), ("channel_daily_stats", "rates_are_between_0_and_1")}
    assert all(e.severity == dg.AssetCheckSeverity.WARN for e in warned.values())
    assert warned[("campaign_daily_stats", "rates_are_between_0_and_1")].metadata["failed_expectations"].value == [
        "expect_column_values_to_be_between(column=delivery_rate)"
    ]
    assert ("channel_daily_stats", "totals_equal_counted_events") in built
    assert _held(instance, DAY_BEFORE, DAY) == set()

    _break_campaign_row(warehouse_url)
    failed = _recheck(defs, instance)
    assert sorted(failed) == [
        ("campaign_daily_stats", "counts_are_non_negative_integers"),
        ("campaign_daily_stats", "totals_equal_sum_of_variants"),
        ("campaign_daily_stats", "uniques_do_not_exceed_totals"),
    ]
    counts = failed[("campaign_daily_stats", "counts_are_non_negative_integers")]
    assert counts.metadata["failed_expectations"].value == ["expect_column_values_to_be_between(column=bounces)"]
    assert counts.metadata["error_partitions"].value == ["2026-11-20"]
    assert "campaign_id=c-email" in counts.metadata["offending_keys"].value and "bounces=-1" in counts.metadata["offending_keys"].value
    uniques = failed[("campaign_daily_stats", "uniques_do_not_exceed_totals")]
    assert uniques.metadata["failed_expectations"].value == [
        "expect_column_pair_values_a_to_be_greater_than_b(column_A=opens, column_B=unique_opens)"
    ]
    assert "opens=3, unique_opens=8" in uniques.metadata["offending_keys"].value
    assert _held(instance, DAY_BEFORE) == set()
    assert _held(instance, DAY_BEFORE, DAY) == {(*key, "2026-11-20") for key in failed}

    _build(defs, instance, DAY, DAY)
    _lose_canvas_rows(warehouse_url)
    failed = _recheck(defs, instance)
    assert sorted(failed) == [("channel_daily_stats", "totals_equal_campaigns_plus_canvases")]
    lost = failed[("channel_daily_stats", "totals_equal_campaigns_plus_canvases")].metadata["offending_keys"].value
    assert "event_date=2026-11-20, channel=push, stat=sent, total=2, sum_of_parts=0" in lost
    assert _held(instance, DAY_BEFORE, DAY) == {("channel_daily_stats", "totals_equal_campaigns_plus_canvases", "2026-11-20")}

    rebuilt = _build(defs, instance, DAY, DAY)
    assert all(e.passed or e.severity == dg.AssetCheckSeverity.WARN for e in rebuilt.values())
    assert _held(instance, DAY_BEFORE, DAY) == set()
