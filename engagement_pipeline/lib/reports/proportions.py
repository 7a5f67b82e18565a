"""Two-proportion statistics on arrays (one element per comparison): intervals, tests, Holm's adjustment.

Closed forms in NumPy, with SciPy's normal distribution and its Fisher exact test; the formulas are
in docs/metrics.md ("Variant results"). The tests compare them with SciPy's own per-table functions
(``binomtest(...).proportion_ci``, ``contingency.relative_risk``) and with published tables.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

EXACT_BELOW = 5  # Cochran: the z-test is used only when every expected cell count is at least 5


def z_of(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(x: np.ndarray, n: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of x/n (n > 0)."""
    x, n, z = np.asarray(x, dtype=float), np.asarray(n, dtype=float), z_of(confidence)
    centre = (x + z * z / 2) / (n + z * z)
    half = z * np.sqrt(x * (n - x) / n + z * z / 4) / (n + z * z)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def newcombe(x1, n1, x0, n0, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's (1998, method 10) hybrid score interval of p1 − p0."""
    x1, n1, x0, n0 = (np.asarray(a, dtype=float) for a in (x1, n1, x0, n0))
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson(x1, n1, confidence)
    l0, u0 = wilson(x0, n0, confidence)
    d = p1 - p0
    return d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)


def katz(x1, n1, x0, n0, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Katz log interval of p1/p0 − 1 (the relative uplift); NaN when x1 or x0 is 0."""
    x1, n1, x0, n0 = (np.asarray(a, dtype=float) for a in (x1, n1, x0, n0))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log((x1 / n1) / (x0 / n0))
        se = np.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)
        z = z_of(confidence)
        low, high = np.exp(log_ratio - z * se) - 1, np.exp(log_ratio + z * se) - 1
    defined = (x1 > 0) & (x0 > 0)
    return np.where(defined, low, np.nan), np.where(defined, high, np.nan)


def exact_needed(x1, n1, x0, n0) -> np.ndarray:
    """True where an expected count of the 2×2 table under the null (pooled rate) is below 5."""
    x1, n1, x0, n0 = (np.asarray(a, dtype=float) for a in (x1, n1, x0, n0))
    pooled = (x1 + x0) / (n1 + n0)
    smallest = np.minimum(np.minimum(n1, n0) * pooled, np.minimum(n1, n0) * (1 - pooled))
    return smallest < EXACT_BELOW


def p_values(x1, n1, x0, n0) -> tuple[np.ndarray, np.ndarray]:
    """(test, two-sided p): the pooled two-proportion z-test, or Fisher's exact test where it is needed."""
    x1, n1, x0, n0 = (np.asarray(a, dtype=np.int64) for a in (x1, n1, x0, n0))
    exact = exact_needed(x1, n1, x0, n0)
    pooled = (x1 + x0) / (n1 + n0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x1 / n1 - x0 / n0) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    p = 2 * stats.norm.sf(np.abs(z))
    for i in np.flatnonzero(exact):
        table = [[int(x1[i]), int(n1[i] - x1[i])], [int(x0[i]), int(n0[i] - x0[i])]]
        p[i] = stats.fisher_exact(table, alternative="two-sided").pvalue
    return np.where(exact, "fisher", "z"), p


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values of one family, in the input order."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    steps = np.minimum(1.0, (len(p) - np.arange(len(p))) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.maximum.accumulate(steps)
    return adjusted
