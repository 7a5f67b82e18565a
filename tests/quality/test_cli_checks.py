"""The check summary of `engagement materialize` / `demo`: days per check, and what each failing day showed."""

from datetime import date

import dagster as dg
import sqlalchemy as sa

from engagement_pipeline.cli.pipeline import print_checks
from engagement_pipeline.cli.runner import CheckOutcome, PipelineOutcome, run_job
from engagement_pipeline.defs.models.assets import sql_model_assets
from engagement_pipeline.defs.models.jobs import build_models_job
from engagement_pipeline.defs.quality.checks import quality_checks
from engagement_pipeline.defs.quality.jobs import data_quality_job
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import event, load_events, resources


def outcome(*checks: tuple[str, bool, str]) -> PipelineOutcome:
    return PipelineOutcome(
        success=True, checks=[CheckOutcome("stg", name, "2026-11-20", passed, severity) for name, passed, severity in checks]
    )


def test_warnings_are_reported_as_warnings_not_as_failures(capsys):
    print_checks(outcome(("grain", True, "ERROR"), ("volume", False, "WARN"), ("volume", True, "WARN")))

    out = capsys.readouterr().out
    assert "  warn stg: volume: 1 passed, 1 warned" in out
    assert "  ok   stg: grain: 1 passed, 0 failed" in out
    assert out.rstrip().endswith("check-days: 2 passed, 0 failed, 1 warned (a warning is not a failure)")


def test_an_error_check_is_a_failure(capsys):
    print_checks(outcome(("grain", False, "ERROR"), ("volume", False, "WARN")))

    out = capsys.readouterr().out
    assert "  FAIL stg: grain: 0 passed, 1 failed" in out
    assert "      2026-11-20 error: did not pass" in out
    assert out.rstrip().endswith("check-days: 0 passed, 1 failed, 1 warned (a warning is not a failure)")


FIRST, LAST = date(2026, 11, 18), date(2026, 11, 20)


def _email(action: str, at: str, user: str) -> dict:
    return event(f"users.messages.email.{action}", at, user, campaign_id="c-email", message_variation_id="v1")


def _late_deliveries() -> list[dict]:
    """Sends at 23:59 delivered after midnight: delivered > sent on the 19th (3 of 2) and the 20th (2 of 1)."""
    rows = []
    for day, sends, late in (("18", ["a1"], ["b1", "b2"]), ("19", ["a2"], ["d1"]), ("20", ["c1"], [])):
        for user in sends:
            rows += [_email("Send", f"2026-11-{day}T10:00:00", user), _email("Delivery", f"2026-11-{day}T10:00:05", user)]
        rows += [_email("Send", f"2026-11-{day}T23:59:00", user) for user in late]
        rows += [_email("Delivery", f"2026-11-{int(day) + 1}T00:01:00", user) for user in late]
    return rows


def test_a_range_run_names_the_days_that_warned_or_failed_with_value_and_expectation(warehouse_url, tmp_path, capsys):
    load_events(warehouse_url, _late_deliveries())
    on_models = [c for c in quality_checks if all(k.asset_key.path != ["raw_currents_events"] for k in c.check_keys)]
    defs = dg.Definitions(
        assets=sql_model_assets,
        asset_checks=on_models,
        jobs=[build_models_job, data_quality_job],
        resources=resources(warehouse_url, tmp_path),
    )
    instance = dg.DagsterInstance.ephemeral()
    built = PipelineOutcome(success=True)
    run_job(defs, "build_models_job", built, start=FIRST, end=LAST, inst=instance)
    assert built.success, built.failure
    print_checks(built)

    out = capsys.readouterr().out
    assert "  warn campaign_variant_daily_stats: rates_are_between_0_and_1: 1 passed, 2 warned\n" in out
    assert (
        "      2026-11-19 warn: expected delivery_rate <= 1, found 1 of 1 rows, e.g. delivery_rate=1.5 "
        "at campaign_id=c-email, message_variation_id=v1, channel=email\n"
        "      2026-11-20 warn: expected delivery_rate <= 1, found 1 of 1 rows, e.g. delivery_rate=2"
    ) in out
    assert "  ok   campaign_daily_stats: counts_are_non_negative_integers: 3 passed, 0 failed\n" in out
    assert "  ok   stg_currents__events: stg_currents__events_grain_is_unique: 3 passed, 0 failed\n" in out
    assert "2026-11-18" not in out

    with make_engine(warehouse_url).begin() as conn:
        conn.execute(sa.text("update campaign_daily_stats set bounces = -1 where event_date = :d"), {"d": FIRST})
    rechecked = PipelineOutcome(success=True)
    run_job(defs, "data_quality_job", rechecked, start=FIRST, end=LAST, inst=instance)
    print_checks(rechecked)

    out = capsys.readouterr().out
    assert "  FAIL campaign_daily_stats: counts_are_non_negative_integers: 2 passed, 1 failed\n" in out
    assert (
        "      2026-11-18 error: expected 0 <= bounces, found 1 of 1 rows, e.g. bounces=-1 at campaign_id=c-email, channel=email\n" in out
    )
    assert "  FAIL campaign_daily_stats: totals_equal_sum_of_variants: 2 passed, 1 failed\n" in out
    assert "  warn campaign_daily_stats: rates_are_between_0_and_1: 1 passed, 2 warned\n" in out
    assert out.rstrip().endswith("check-days: 139 passed, 2 failed, 6 warned (a warning is not a failure)")
