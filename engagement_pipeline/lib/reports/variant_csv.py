"""The variant results columns of campaigns.csv and canvases.csv (a definition with ``variant_results``).

Appended after the stats, at variant level (campaigns) and step level (Canvases): every row of a
variation in a period carries that variation's results for the period, over all its channels (a
variant sent by email and push has the same values on both rows; a Canvas variation's values
repeat on each of its steps). Rows of a message that is not compared (one variant and no control
group), and rows at campaign or Canvas level, have the columns empty.
"""

from __future__ import annotations

import pandas as pd

from engagement_pipeline.lib.reports.metrics import format_value
from engagement_pipeline.lib.reports.render import ReportTable

VARIANT_COLUMNS = (
    "variant_role",
    "exposed_users",
    "outcome_users",
    "outcome_rate",
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
_SOURCES = ("role", "exposed", "converted", "rate", *VARIANT_COLUMNS[4:])
# period_start, message id and variation id are columns 0, 2 and 4 of both files
_KEY_POSITIONS = (0, 2, 4)


def _cell(name: str, value: object) -> str:
    """Like the stats (decimals with up to 6 places), but p-values with 6 significant digits: 3.2e-09."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | str):
        return format_value(value)
    if name.startswith("p_value"):
        return f"{float(value):.6g}"
    return format_value(float(value))


def with_variant_columns(table: ReportTable, results: pd.DataFrame) -> ReportTable:
    """``table`` with VARIANT_COLUMNS appended, filled from ``experiments.variant_results`` rows."""
    cells: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for row in results.to_dict("records"):
        key = (row["period_start"].isoformat(), str(row["message_id"]), str(row["variation_id"]))
        cells[key] = tuple(_cell(name, row[name]) for name in _SOURCES)
    empty = ("",) * len(VARIANT_COLUMNS)
    rows = tuple((*row, *cells.get(tuple(row[i] for i in _KEY_POSITIONS), empty)) for row in table.rows)
    return ReportTable(table.name, (*table.header, *VARIANT_COLUMNS), rows)
