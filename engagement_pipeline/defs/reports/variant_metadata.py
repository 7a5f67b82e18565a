"""Dagster metadata of the variant results of one report: the table, the winners, the period."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from engagement_pipeline.lib.reports.variant_report import ReportVariantResults

SHOWN = ("message_name", "variation_name", "role", "exposed", "converted", "rate", "uplift", "uplift_ci_low", "uplift_ci_high")
SHOWN_AFTER = ("relative_uplift", "test", "p_value", "p_value_holm", "verdict")


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


def variant_metadata(results: ReportVariantResults, timezone: str) -> dict[str, dg.RawMetadataValue]:
    table = results.table
    columns = [*SHOWN, *SHOWN_AFTER]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in table.to_dict("records")]
    winners = [
        f"{r['message_name']}: {r['variation_name'] or r['variation_id']}" for r in table.to_dict("records") if r["verdict"] == "winner"
    ]
    return {
        "dagster/row_count": len(table),
        "experiments": int(table[["message_kind", "message_id"]].drop_duplicates().shape[0]) if len(table) else 0,
        "winners": ", ".join(winners) or "none",
        "outcome": results.outcome,
        "period": f"{results.start.isoformat()} .. {results.end.isoformat()}",
        "time zone": timezone,
        "results": dg.MetadataValue.md(
            "\n".join(lines) if len(table) else "_no campaign or Canvas with two or more variants or a control group_"
        ),
    }
