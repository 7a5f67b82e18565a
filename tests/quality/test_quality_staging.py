"""Bad event rows written past ingestion fail the right blocking checks and hold the day until they are fixed."""

from datetime import date, datetime

import dagster as dg
import sqlalchemy as sa

from engagement_pipeline.defs.models.assets import sql_model_assets
from engagement_pipeline.defs.quality.check_results import failed_blocking_checks
from engagement_pipeline.defs.quality.checks import quality_checks
from engagement_pipeline.defs.quality.jobs import data_quality_job
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support import event, load_events, resources

DAY = date(2026, 11, 20)
STG = dg.AssetKey("stg_currents__events")


def _on_stg(defs: list) -> list:
    def targets(d) -> set[dg.AssetKey]:
        return {k.asset_key for k in d.check_keys} if isinstance(d, dg.AssetChecksDefinition) else set(d.keys)

    return [d for d in defs if STG in targets(d)]


def _stg_defs(url: str, home) -> dg.Definitions:
    return dg.Definitions(
        assets=_on_stg(sql_model_assets),
        asset_checks=_on_stg(quality_checks),
        jobs=[data_quality_job],
        resources=resources(url, home),
    )


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _build_stg(defs: dg.Definitions, instance: dg.DagsterInstance) -> dict[str, dg.AssetCheckEvaluation]:
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, partition_key=DAY.isoformat(), raise_on_error=False)
    return _evaluations(result)


def _day_events() -> list[dict]:
    send = lambda at, user: event("users.messages.email.Send", f"2026-11-20T{at}", user, campaign_id="c1", message_variation_id="v1")
    opened = event("users.messages.email.Open", "2026-11-20T10:00:00", "u1", campaign_id="c1", event_id="open-1")
    return [send("09:00:00", "u1"), send("09:00:01", "u2"), opened]


def _write_bad_rows(url: str) -> None:
    """Rows that ingestion would never write (a second copy, an unknown channel without a user), written
    straight into the raw table, which staging is a view of."""
    with make_engine(url).begin() as conn:
        conn.execute(sa.text("insert into raw_currents_events select * from raw_currents_events where event_id = 'open-1'"))
        conn.execute(
            sa.text(
                "insert into raw_currents_events (event_id, event_type, channel, action, occurred_at, event_date, user_id) "
                "values ('bad-1', 'users.messages.email.Send', 'fax', 'send', :at, :day, null)"
            ),
            {"at": datetime(2026, 11, 21, 10, 0), "day": DAY},
        )


def _fix_bad_rows(url: str) -> None:
    with make_engine(url).begin() as conn:
        conn.execute(sa.text("delete from raw_currents_events where event_id in ('open-1', 'bad-1')"))
    load_events(url, [e for e in _day_events() if e["event_id"] == "open-1"])


def test_bad_rows_fail_blocking_checks_with_their_keys_and_hold_the_day_until_fixed(warehouse_url, tmp_path):
    load_events(warehouse_url, _day_events())
    defs, instance = _stg_defs(warehouse_url, tmp_path), dg.DagsterInstance.ephemeral()
    assert all(e.passed for e in _build_stg(defs, instance).values())
    assert failed_blocking_checks(instance, [DAY]) == []

    _write_bad_rows(warehouse_url)
    rerun = defs.resolve_job_def("data_quality_job").execute_in_process(
        instance=instance, tags={"dagster/partition": DAY.isoformat()}, raise_on_error=False
    )
    assert not rerun.success
    found = _evaluations(rerun)
    assert found["stg_currents__events_grain_is_unique"].metadata["duplicated_keys"].value == 1
    required = found["events_have_required_fields"]
    assert required.severity == dg.AssetCheckSeverity.ERROR and not required.passed
    assert required.metadata["failed_expectations"].value == ["expect_column_values_to_not_be_null(column=user_id)"]
    assert required.metadata["observed"].value == {"expect_column_values_to_not_be_null(column=user_id)": "1 of 5 rows"}
    assert "event_id=bad-1" in required.metadata["offending_keys"].value
    assert required.metadata["suite"].value.startswith("dbt_like_sql/staging/stg_currents__events.suite.yml")
    vocabulary = found["events_use_known_vocabulary"]
    assert vocabulary.metadata["failed_expectations"].value == ["expect_column_values_to_be_in_set(column=channel)"]
    assert "channel=fax" in vocabulary.metadata["offending_keys"].value
    dates = found["event_dates_match_partition"]
    assert dates.metadata["failed_expectations"].value == [
        "expect_column_pair_values_to_be_equal(column_A=event_date, column_B=occurred_on)",
        "expect_column_values_to_be_between(column=occurred_at)",
    ]
    assert "occurred_on=2026-11-21" in dates.metadata["offending_keys"].value
    assert found["event_volume_is_usual"].passed

    held = failed_blocking_checks(instance, [DAY, date(2026, 11, 21)])
    assert [(f.check, f.partition) for f in held] == [
        ("event_dates_match_partition", "2026-11-20"),
        ("events_have_required_fields", "2026-11-20"),
        ("events_use_known_vocabulary", "2026-11-20"),
        ("stg_currents__events_grain_is_unique", "2026-11-20"),
    ]
    assert "expect_column_values_to_not_be_null(column=user_id): 1 of 5 rows" in held[1].description

    _fix_bad_rows(warehouse_url)
    checked = defs.resolve_job_def("data_quality_job").execute_in_process(
        instance=instance, tags={"dagster/partition": DAY.isoformat()}, raise_on_error=False
    )
    assert checked.success and all(e.passed for e in _evaluations(checked).values())
    assert failed_blocking_checks(instance, [DAY]) == []
