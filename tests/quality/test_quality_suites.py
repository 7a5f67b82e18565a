"""Suite files, the SQL predicates behind row checks (compared with GX itself) and the re-check range."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from engagement_pipeline.defs.quality.factories import build_quality_checks
from engagement_pipeline.lib.models.sql_models import discover_models
from engagement_pipeline.lib.quality.gx_runner import validate_frame
from engagement_pipeline.lib.quality.predicates import predicate
from engagement_pipeline.lib.quality.recheck import recheck_range
from engagement_pipeline.lib.quality.suite import SUITES_DIR, ExpectationSpec, SuiteError, load_suite, load_suites

EXPECTED_SUITES = {
    "raw_currents_events",
    "stg_currents__events",
    "channel_daily_stats",
    "campaign_daily_stats",
    "campaign_variant_daily_stats",
    "canvas_daily_stats",
    "canvas_step_daily_stats",
}


def test_every_daily_stats_mart_and_the_events_have_a_suite_whose_expectations_build_in_gx():
    suites = {suite.asset: suite for suite in load_suites()}
    assert set(suites) == EXPECTED_SUITES
    marts = {name for name in discover_models() if name.endswith("_daily_stats") and not name.startswith(("email_", "push_", "message_"))}
    assert marts <= set(suites)
    for suite in suites.values():
        for check in suite.checks:
            for spec in check.expectations:
                expectation = spec.to_gx()
                assert expectation.meta["why"] == spec.why
                assert expectation.severity.value == {"error": "critical", "warn": "warning"}[spec.severity]


def test_columns_expand_to_one_expectation_each_and_errors_gate_reports():
    stg = load_suite(SUITES_DIR / "staging" / "stg_currents__events.suite.yml")
    required = next(c for c in stg.checks if c.name == "events_have_required_fields")
    columns = [e.kwargs["column"] for e in required.expectations]
    assert columns == ["event_id", "event_type", "action", "occurred_at", "event_date", "user_id"]
    assert required.blocking and required.gates_reports
    volume = next(c for c in stg.checks if c.name == "event_volume_is_usual")
    assert not volume.blocking and not volume.gates_reports
    fresh = load_suite(SUITES_DIR / "staging" / "raw_currents_events.suite.yml").checks[0]
    assert fresh.gates_reports and not fresh.blocking


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("asset: bad_suite\nversion: 1\nchecks: []\n", "checks: List should have at least 1 item"),
        (
            "asset: bad_suite\nversion: 1\nchecks:\n  - name: x_is_ok\n    description: a description long enough\n"
            "    expectations:\n      - {type: expect_column_values_to_not_be_null, severity: fatal, why: because it matters}\n",
            "checks.0.expectations.0.severity",
        ),
        (
            "asset: other_name\nversion: 1\nchecks:\n  - name: x_is_ok\n    description: a description long enough\n"
            "    expectations:\n      - {type: expect_column_values_to_not_be_null, severity: error, why: because it matters}\n",
            "must be named after its asset",
        ),
        ("asset: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_suite_file_is_reported_with_its_path_and_field(tmp_path: Path, text: str, message: str):
    path = tmp_path / "bad_suite.suite.yml"
    path.write_text(text)
    with pytest.raises(SuiteError) as error:
        load_suite(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_a_check_on_an_unknown_profile_is_refused_when_the_code_location_loads(tmp_path: Path):
    path = tmp_path / "stg_currents__events.suite.yml"
    path.write_text(
        "asset: stg_currents__events\nversion: 1\nchecks:\n  - name: x_is_ok\n    description: a description long enough\n"
        "    target: daily_volume\n"
        "    expectations:\n      - {type: expect_column_values_to_not_be_null, columns: [x], severity: error, why: because it matters}\n"
    )
    with pytest.raises(SuiteError, match=f"{path}: check x_is_ok: unknown target 'daily_volume'; known: rows, counted_events"):
        build_quality_checks((load_suite(path),), discover_models())


def test_an_aggregate_expectation_on_partition_rows_is_refused_with_a_hint():
    spec = ExpectationSpec("expect_column_mean_to_be_between", {"column": "sent", "min_value": 1}, "error", "mean sends")
    with pytest.raises(SuiteError, match="profile target"):
        predicate(spec, spec.kwargs, "e0_", {"sent"}, "suites/x.yml: check y")


def test_an_unknown_column_names_the_columns_that_exist():
    spec = ExpectationSpec("expect_column_values_to_not_be_null", {"column": "sennt"}, "error", "typo in suite")
    with pytest.raises(SuiteError, match="'sennt' is not a column.*sent"):
        predicate(spec, spec.kwargs, "e0_", {"sent", "delivered"}, "suites/x.yml: check y")


ROWS = {
    "a": [1, 5, None, 3, None, 7],
    "b": [1, 6, 2, None, None, 2],
    "s": ["email", "fax", None, "sms", "email", "push"],
    "d": [dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 3), None, dt.date(2026, 1, 1), dt.date(2026, 1, 9)],
}


@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [
        ("expect_column_values_to_not_be_null", {"column": "a"}),
        ("expect_column_values_to_be_in_set", {"column": "s", "value_set": ["email", "sms", "push"]}),
        ("expect_column_values_to_not_be_in_set", {"column": "s", "value_set": ["fax"]}),
        ("expect_column_values_to_be_between", {"column": "a", "min_value": 2, "max_value": 5}),
        ("expect_column_values_to_be_between", {"column": "a", "min_value": 1, "max_value": 5, "strict_min": True, "strict_max": True}),
        ("expect_column_values_to_be_between", {"column": "d", "min_value": dt.date(2026, 1, 1), "max_value": dt.date(2026, 1, 3)}),
        ("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "a", "column_B": "b", "or_equal": True}),
        ("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "a", "column_B": "b"}),
        (
            "expect_column_pair_values_a_to_be_greater_than_b",
            {"column_A": "a", "column_B": "b", "ignore_row_if": "either_value_is_missing"},
        ),
        ("expect_column_pair_values_to_be_equal", {"column_A": "a", "column_B": "b"}),
    ],
)
def test_the_sql_predicate_breaks_exactly_the_rows_gx_rejects(kind: str, kwargs: dict):
    frame = pd.DataFrame({"k": [f"r{i}" for i in range(6)], **ROWS})
    engine = sa.create_engine("duckdb:///:memory:")
    spec = ExpectationSpec(kind, kwargs, "error", "compared with GX")
    found = predicate(spec, kwargs, "e0_", set(frame.columns), "test")
    with engine.connect() as conn:
        conn.execute(sa.text("create table t (k varchar, a double, b double, s varchar, d date)"))
        for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
            conn.execute(sa.text("insert into t values (:k, :a, :b, :s, :d)"), row)
        clause = sa.text(f"select k from t where {found.sql} order by k")
        if found.expanding:
            clause = clause.bindparams(*(sa.bindparam(n, expanding=True) for n in found.expanding))
        broken = [r[0] for r in conn.execute(clause, found.values)]
    verdict = validate_frame(frame, (spec,), {}, ["k"], "predicate_test")[0]
    assert verdict.error is None
    assert broken == sorted(r["k"] for r in verdict.unexpected_rows)
    assert verdict.success == (not broken)


@pytest.mark.parametrize(
    ("run_day", "days", "expected"),
    [
        (dt.date(2026, 11, 23), 3, (dt.date(2026, 11, 20), dt.date(2026, 11, 22))),
        (dt.date(2026, 3, 1), 1, (dt.date(2026, 2, 28), dt.date(2026, 2, 28))),
        (dt.date(2027, 1, 2), 3, (dt.date(2026, 12, 30), dt.date(2027, 1, 1))),
    ],
)
def test_the_daily_run_rechecks_the_complete_days_before_it(run_day, days, expected):
    assert recheck_range(run_day, days) == expected
