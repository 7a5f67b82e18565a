"""Variant results: each variant's outcome rate against the control group (or a baseline variant).

Counts in, results out: ``variant_results(counts)`` takes one row per arm (a variant, or the control
group) with the users exposed (``exposed``: unique recipients, or control enrollees) and the users
with the outcome (``converted``), and returns the same rows with the rate, the absolute and relative
uplift against the baseline with 95 % intervals, a two-sided p-value, the Holm-adjusted p-value and
a verdict. The method and its formulas are in docs/metrics.md ("Variant results"):

- absolute uplift ``p1 − p0`` with Newcombe's hybrid score interval (Wilson intervals of each rate);
- relative uplift ``p1 / p0 − 1`` with the Katz log interval of the rate ratio;
- p-value: the pooled two-proportion z-test, or Fisher's exact test when an expected cell count of
  the 2×2 table is below 5 (Cochran's rule);
- Holm's correction over the comparisons of one experiment; a variant is ``better``/``worse`` only
  when both arms have at least ``min_sample_size`` users and its Holm p-value is below ``alpha``;
  the best ``better`` variant is the ``winner``.

An experiment is one campaign (or Canvas) within one period; it is compared only when it has two or
more variants or a control group. Plain Python on pandas and SciPy, for any caller (reports, email,
HTML pages).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats

ARM_COLUMNS = ("variation_id", "variation_name", "is_control", "exposed", "converted")
RESULT_COLUMNS = (
    "role",
    "rate",
    "baseline_variation_id",
    "uplift",
    "uplift_ci_low",
    "uplift_ci_high",
    "relative_uplift",
    "relative_uplift_ci_low",
    "relative_uplift_ci_high",
    "test",
    "p_value",
    "p_value_holm",
    "verdict",
)
EXACT_BELOW = 5  # Cochran: the z-test is used only when every expected cell count is at least 5
NOT_ENOUGH = "not enough data"


@dataclass(frozen=True)
class Options:
    """``baseline``: variation id or name compared against when there is no control group (default:
    the first variant by name). ``min_sample_size``: users each arm needs before a verdict."""

    alpha: float = 0.05
    min_sample_size: int = 100
    baseline: str | None = None
    confidence: float = 0.95


@dataclass(frozen=True)
class Comparison:
    uplift: float
    uplift_ci: tuple[float, float]
    relative_uplift: float | None
    relative_ci: tuple[float, float] | None
    test: str
    p_value: float


def wilson(x: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of the proportion x/n (SciPy's ``binomtest(...).proportion_ci``)."""
    ci = stats.binomtest(x, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def newcombe_interval(x1: int, n1: int, x0: int, n0: int, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's (1998, method 10) hybrid score interval of p1 − p0."""
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson(x1, n1, confidence)
    l0, u0 = wilson(x0, n0, confidence)
    d = p1 - p0
    return d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)


def uses_exact_test(x1: int, n1: int, x0: int, n0: int) -> bool:
    """True when an expected count of the 2×2 table under the null (pooled rate) is below 5."""
    pooled = (x1 + x0) / (n1 + n0)
    expected = (n1 * pooled, n1 * (1 - pooled), n0 * pooled, n0 * (1 - pooled))
    return min(expected) < EXACT_BELOW


def two_proportion_p(x1: int, n1: int, x0: int, n0: int) -> tuple[str, float]:
    """("z", p) from the pooled two-proportion z-test, or ("fisher", p) from Fisher's exact test."""
    if uses_exact_test(x1, n1, x0, n0):
        table = [[x1, n1 - x1], [x0, n0 - x0]]
        return "fisher", float(stats.fisher_exact(table, alternative="two-sided").pvalue)
    pooled = (x1 + x0) / (n1 + n0)
    z = (x1 / n1 - x0 / n0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return "z", float(2 * stats.norm.sf(abs(z)))


def compare(x1: int, n1: int, x0: int, n0: int, confidence: float = 0.95) -> Comparison:
    """Arm (x1 of n1) against the baseline (x0 of n0); both n must be positive."""
    relative, relative_ci = None, None
    if x0 > 0:
        relative = (x1 / n1) / (x0 / n0) - 1
        if x1 > 0:
            ci = stats.contingency.relative_risk(x1, n1, x0, n0).confidence_interval(confidence)
            relative_ci = (float(ci.low) - 1, float(ci.high) - 1)
    test, p = two_proportion_p(x1, n1, x0, n0)
    return Comparison(x1 / n1 - x0 / n0, newcombe_interval(x1, n1, x0, n0, confidence), relative, relative_ci, test, p)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _baseline(arms: pd.DataFrame, options: Options) -> int:
    """Index of the baseline arm: the control group, else the named variant, else the first by name."""
    controls = arms.index[arms["is_control"]]
    if len(controls):
        return int(controls[0])
    if options.baseline:
        named = arms.index[(arms["variation_id"] == options.baseline) | (arms["variation_name"] == options.baseline)]
        if len(named):
            return int(named[0])
    ordered = arms.assign(_name=arms["variation_name"].fillna("").where(arms["variation_name"].fillna("") != "", arms["variation_id"]))
    return int(ordered.sort_values(["_name", "variation_id"], kind="stable").index[0])


def _experiment(arms: pd.DataFrame, options: Options) -> pd.DataFrame:
    base = _baseline(arms, options)
    x0, n0 = int(arms.at[base, "converted"]), int(arms.at[base, "exposed"])
    out = {i: dict.fromkeys(RESULT_COLUMNS) for i in arms.index}
    tested: dict[int, Comparison] = {}
    for i, arm in arms.iterrows():
        n1, x1 = int(arm["exposed"]), int(arm["converted"])
        row = out[i]
        row |= {"rate": x1 / n1 if n1 else None, "baseline_variation_id": arms.at[base, "variation_id"]}
        row["role"] = "control" if arm["is_control"] else ("baseline" if i == base else "variant")
        if i == base:
            row["verdict"] = "baseline"
            continue
        if n1 == 0 or n0 == 0:
            row["verdict"] = NOT_ENOUGH
            continue
        result = compare(x1, n1, x0, n0, options.confidence)
        tested[i] = result
        row |= {
            "uplift": result.uplift,
            "uplift_ci_low": result.uplift_ci[0],
            "uplift_ci_high": result.uplift_ci[1],
            "relative_uplift": result.relative_uplift,
            "relative_uplift_ci_low": result.relative_ci[0] if result.relative_ci else None,
            "relative_uplift_ci_high": result.relative_ci[1] if result.relative_ci else None,
            "test": result.test,
            "p_value": result.p_value,
        }
    for i, adjusted in zip(tested, holm([c.p_value for c in tested.values()]), strict=True):
        enough = min(int(arms.at[i, "exposed"]), n0) >= options.min_sample_size
        significant = enough and adjusted < options.alpha
        verdict = NOT_ENOUGH if not enough else "no significant difference"
        if significant:
            verdict = "better" if tested[i].uplift > 0 else "worse"
        out[i] |= {"p_value_holm": adjusted, "verdict": verdict}
    better = [i for i in tested if out[i]["verdict"] == "better"]
    if better:
        best = max(better, key=lambda i: out[i]["rate"])
        if sum(out[i]["rate"] == out[best]["rate"] for i in better) == 1:
            out[best]["verdict"] = "winner"
    return pd.DataFrame.from_dict(out, orient="index").reindex(columns=RESULT_COLUMNS)


def variant_results(counts: pd.DataFrame, options: Options = Options(), by: tuple[str, ...] = ("message_id",)) -> pd.DataFrame:
    """``counts`` (columns ``by`` + ARM_COLUMNS, one row per arm) with RESULT_COLUMNS added.

    Experiments (groups of ``by``) with a single variant and no control group are dropped: there is
    nothing to compare. Row order is kept."""
    missing = [c for c in (*by, *ARM_COLUMNS) if c not in counts.columns]
    if missing:
        raise ValueError(f"variant counts: missing column(s) {missing}; expected {[*by, *ARM_COLUMNS]}")
    frame = counts.reset_index(drop=True)
    frame["is_control"] = frame["is_control"].astype(bool)
    parts = []
    for _, arms in frame.groupby(list(by), sort=False, dropna=False):
        if len(arms) >= 2 or arms["is_control"].any():
            parts.append(arms.join(_experiment(arms, options)))
    if not parts:
        return pd.DataFrame(columns=[*frame.columns, *RESULT_COLUMNS])
    return pd.concat(parts).sort_index().reset_index(drop=True)
