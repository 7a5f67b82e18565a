"""How variant results read, in the report email and on the campaign pages: one wording for both.

Input rows are those of ``experiments.variant_results`` (rates and uplifts are decimals); the
uplift is shown in percentage points, the relative uplift as a signed percentage, p-values with
three decimals ("<0.001" below that). A missing value (the baseline's own uplift, a rate with no
users) reads "–".
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

EMPTY = "–"
CONTROL_NAME = "Control Group"


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def points(value: object) -> str:
    """0.006 -> '+0.6 pp'."""
    return EMPTY if _missing(value) else f"{float(value) * 100:+.1f} pp"


def p_value(value: object) -> str:
    if _missing(value):
        return EMPTY
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def relative(value: object) -> str:
    """0.3 -> '+30.0%'."""
    return EMPTY if _missing(value) else f"{float(value):+.1%}"


def interval(low: object, high: object) -> str:
    return EMPTY if _missing(low) else f"{points(low)} to {points(high)}"


def arm_name(row: Mapping) -> str:
    """The variant's name, 'Control Group' for the control, else its id."""
    return str(row["variation_name"] or (CONTROL_NAME if row["role"] == "control" else row["variation_id"]))


TEST_NAMES = {"z": "z-test", "fisher": "Fisher's exact"}


def test_name(row: Mapping) -> str:
    """The test behind the p-value: the two-proportion z-test, or Fisher's exact test for small counts."""
    return EMPTY if row["role"] == "control" or _missing(row["test"]) else TEST_NAMES.get(str(row["test"]), str(row["test"]))


def ordered(table: pd.DataFrame) -> list[dict]:
    """The arms as people read them: the control group, then the baseline, then the variants by name."""
    rank = {"control": 0, "baseline": 1}
    return sorted(table.to_dict("records"), key=lambda r: (rank.get(str(r["role"]), 2), arm_name(r), str(r["variation_id"])))


def result(row: Mapping) -> str:
    return "control" if row["role"] == "control" else str(row["verdict"])
