"""Variant statistics (lib/reports/experiments.py) against published worked examples and calculations
written out here by hand (the standard library's erfc and log, not SciPy)."""

import math

import pandas as pd
import pytest
from scipy import stats

from engagement_pipeline.lib.reports import proportions
from engagement_pipeline.lib.reports.experiments import Options, compare, holm, newcombe_interval, variant_results

Z975 = 1.959963984540054


def _arms(*arms: tuple) -> pd.DataFrame:
    """(variation_id, name, is_control, exposed, converted) rows of campaign c1."""
    rows = [
        {"message_id": "c1", "variation_id": a[0], "variation_name": a[1], "is_control": a[2], "exposed": a[3], "converted": a[4]}
        for a in arms
    ]
    return pd.DataFrame(rows)


def _by_variant(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["variation_id"]: row for row in frame.to_dict("records")}


def _z_test_p(x1: int, n1: int, x0: int, n0: int) -> float:
    pooled = (x1 + x0) / (n1 + n0)
    z = (x1 / n1 - x0 / n0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return math.erfc(abs(z) / math.sqrt(2))


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
        ((10, 10, 0, 20), (0.6791, 1.0000)),
    ],
)
def test_uplift_interval_matches_newcombes_published_table(counts, expected):
    low, high = newcombe_interval(*counts)
    assert (round(low, 4), round(high, 4)) == expected


def test_a_large_experiment_uses_the_z_test_with_katz_interval_of_the_relative_uplift():
    # 5 M users per arm: 5.00 % vs 5.05 % conversion
    result = compare(252_500, 5_000_000, 250_000, 5_000_000)
    assert result.test == "z"
    assert result.p_value == pytest.approx(_z_test_p(252_500, 5_000_000, 250_000, 5_000_000), rel=1e-9)
    assert result.p_value == pytest.approx(0.000296, abs=1e-6)  # z = 0.0005 / 1.3817e-4 = 3.619
    assert result.uplift == pytest.approx(0.0005)
    ratio, se = 252_500 / 250_000, math.sqrt(1 / 252_500 - 1 / 5_000_000 + 1 / 250_000 - 1 / 5_000_000)
    assert result.relative_uplift == pytest.approx(0.01)
    assert result.relative_ci == pytest.approx((ratio * math.exp(-Z975 * se) - 1, ratio * math.exp(Z975 * se) - 1), rel=1e-9)
    # the absolute interval of a large sample is the unpooled Wald interval, to 4 significant digits
    wald = Z975 * math.sqrt(0.0505 * 0.9495 / 5_000_000 + 0.05 * 0.95 / 5_000_000)
    assert result.uplift_ci == pytest.approx((0.0005 - wald, 0.0005 + wald), rel=1e-3)


@pytest.mark.parametrize(("x1", "n1", "x0", "n0"), [(3, 40, 7, 35), (0, 12, 4, 9), (12_345, 250_000, 11_900, 249_000)])
def test_intervals_agree_with_scipys_per_table_functions(x1, n1, x0, n0):
    for x, n in ((x1, n1), (x0, n0)):
        ci = stats.binomtest(x, n).proportion_ci(0.95, method="wilson")
        assert [float(v[0]) for v in proportions.wilson([x], [n])] == pytest.approx([ci.low, ci.high], rel=1e-9, abs=1e-12)
    if x1 and x0:
        ci = stats.contingency.relative_risk(x1, n1, x0, n0).confidence_interval(0.95)
        assert compare(x1, n1, x0, n0).relative_ci == pytest.approx((ci.low - 1, ci.high - 1), rel=1e-9)


def test_small_counts_use_fishers_exact_test():
    # Fisher's lady tasting tea: 3 of 4 vs 1 of 4, two-sided p = 17/35
    result = compare(3, 4, 1, 4)
    assert result.test == "fisher"
    assert result.p_value == pytest.approx(17 / 35)
    # a 2x2 table with an expected count of 4.9 (< 5) is exact; one with 5.0 is the z-test
    assert compare(7, 100, 0, 2).test == "fisher"
    assert compare(5, 100, 5, 100).test == "z"


def test_holm_multiplies_the_sorted_p_values_and_keeps_them_monotone():
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_a_control_group_is_the_baseline_and_holm_decides_the_winner_across_three_variants():
    frame = variant_results(
        _arms(
            ("vc", "Control", True, 10_000, 1_000),
            ("va", "A", False, 10_000, 1_091),  # raw p ~0.035: significant alone, not after Holm
            ("vb", "B", False, 10_000, 1_250),  # clearly better
            ("vd", "D", False, 10_000, 1_000),  # no difference
        )
    )
    rows = _by_variant(frame)
    raw = {v: _z_test_p(rows[v]["converted"], 10_000, 1_000, 10_000) for v in ("va", "vb", "vd")}
    assert rows["va"]["p_value"] == pytest.approx(raw["va"])
    assert raw["va"] < 0.05
    by_p = sorted(raw, key=raw.get)  # vb, va, vd
    expected_holm = {by_p[0]: 3 * raw[by_p[0]], by_p[1]: max(3 * raw[by_p[0]], 2 * raw[by_p[1]]), by_p[2]: 1.0}
    assert {v: rows[v]["p_value_holm"] for v in raw} == pytest.approx(expected_holm)
    assert {v: r["verdict"] for v, r in rows.items()} == {
        "vc": "baseline",
        "va": "no significant difference",
        "vb": "winner",
        "vd": "no significant difference",
    }
    assert rows["vc"]["role"] == "control"
    assert rows["vb"]["uplift"] == pytest.approx(0.025)
    assert rows["vb"]["relative_uplift"] == pytest.approx(0.25)
    assert {r["baseline_variation_id"] for r in rows.values()} == {"vc"}


def test_without_a_control_the_first_variant_by_name_or_the_named_one_is_the_baseline():
    arms = _arms(("v2", "Subject B", False, 2_000, 300), ("v1", "Subject A", False, 2_000, 200))
    rows = _by_variant(variant_results(arms))
    assert rows["v1"]["role"] == "baseline"
    assert rows["v2"]["verdict"] == "winner"
    assert rows["v2"]["uplift"] == pytest.approx(0.05)

    rows = _by_variant(variant_results(arms, Options(baseline="Subject B")))
    assert rows["v2"]["role"] == "baseline"
    assert rows["v1"]["verdict"] == "worse"
    assert rows["v1"]["relative_uplift"] == pytest.approx(200 / 300 - 1)


def test_a_single_variant_is_not_an_experiment_unless_it_has_a_control_group():
    alone = _arms(("v1", "Only", False, 5_000, 100))
    assert variant_results(alone).empty
    with_control = _arms(("v1", "Only", False, 5_000, 150), ("vc", "", True, 5_000, 100))
    rows = _by_variant(variant_results(with_control))
    assert rows["vc"]["verdict"] == "baseline"
    assert rows["v1"]["verdict"] == "winner"


def test_zero_conversions_everywhere_is_no_difference_and_has_no_relative_uplift():
    rows = _by_variant(variant_results(_arms(("vc", "", True, 500, 0), ("v1", "A", False, 400, 0))))
    assert rows["v1"]["rate"] == 0
    assert rows["v1"]["uplift"] == 0
    assert rows["v1"]["test"] == "fisher"
    assert rows["v1"]["p_value"] == pytest.approx(1.0)
    assert pd.isna(rows["v1"]["relative_uplift"])
    assert rows["v1"]["verdict"] == "no significant difference"
    # Wilson upper bounds of 0/400 and 0/500: z^2/(n+z^2)
    assert rows["v1"]["uplift_ci_low"] == pytest.approx(-(Z975**2) / (500 + Z975**2))
    assert rows["v1"]["uplift_ci_high"] == pytest.approx(Z975**2 / (400 + Z975**2))


def test_a_large_uplift_on_few_users_is_not_enough_data_below_the_minimum_sample():
    arms = _arms(("vc", "", True, 60, 5), ("v1", "A", False, 50, 40))
    rows = _by_variant(variant_results(arms))
    assert rows["v1"]["p_value_holm"] < 1e-9
    assert rows["v1"]["verdict"] == "not enough data"
    assert _by_variant(variant_results(arms, Options(min_sample_size=50)))["v1"]["verdict"] == "winner"
    # an arm that reached nobody in the period has no rate and no test
    empty = _by_variant(variant_results(_arms(("vc", "", True, 0, 0), ("v1", "A", False, 300, 9))))
    assert empty["v1"]["verdict"] == "not enough data"
    assert pd.isna(empty["v1"]["p_value"])
