"""The variant comparison of a report email: each campaign with several variants, side by side.

One row per variant (and channel, for a campaign on several channels) over the report's whole
time frame, from the report query at variant level (lib/reports/query.py): the same numbers as
the variant rows of campaigns.csv would have for one period. Unique counts are exact here (one
message, one period), so the table shows unique opens, clicks and impressions. ``conversion_rate``
is unique conversions over unique recipients; a control group is left out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.delivery.email_render import VariantComparison, VariantResults
from engagement_pipeline.lib.reports.message_catalog import table_exists
from engagement_pipeline.lib.reports.metrics import stat_value
from engagement_pipeline.lib.reports.names import Names, load_names
from engagement_pipeline.lib.reports.periods import Period
from engagement_pipeline.lib.reports.query import COUNTS, LEVELS, query_stats
from engagement_pipeline.lib.reports.spec import ReportDefinition, ResolvedSelection
from engagement_pipeline.lib.reports.stats import CONTROL, STAT_CATALOG, base_stats_needed
from engagement_pipeline.lib.reports.variant_counts import frame_results, outcome_of

CANDIDATES = (
    "unique_recipients",
    "sent",
    "unique_opens",
    "unique_open_rate",
    "direct_opens",
    "direct_open_rate",
    "unique_clicks",
    "unique_click_rate",
    "unique_impressions",
    "unique_conversions",
)
RATE_INPUTS = ("unique_recipients", "unique_conversions")


def comparison_stats(channels: set[str]) -> list[str]:
    """The candidate stats that apply to any of ``channels``, then ``conversion_rate``."""
    return [s for s in CANDIDATES if channels & set(STAT_CATALOG[s].channels)] + ["conversion_rate"]


def _conversion_rate(values: dict[str, int]) -> float | None:
    return values["unique_conversions"] / values["unique_recipients"] if values["unique_recipients"] else None


def _table(rows: pd.DataFrame, names: Names, campaign_id: str) -> pd.DataFrame:
    stats = comparison_stats(set(rows["channel"]))
    several_channels = rows["channel"].nunique() > 1
    records = []
    for row in rows.to_dict("records"):
        values = {k: int(v) if pd.notna(v) else 0 for k, v in row.items() if k in STAT_CATALOG}
        variant = names.lookup("campaign", campaign_id, row["variation_id"], "")[1] or row["variation_id"]
        cells = [_conversion_rate(values) if s == "conversion_rate" else stat_value(s, row["channel"], values) for s in stats]
        records.append([variant, row["channel"] if several_channels else "", *cells])
    return pd.DataFrame(records, columns=["variant", "channel", *stats]).sort_values(["variant", "channel"], ignore_index=True)


def variant_comparisons(
    conn: sa.Connection, defn: ReportDefinition, selection: ResolvedSelection, start: date, end: date
) -> list[VariantComparison]:
    """One comparison per selected campaign that has two or more variants with activity in ``start..end``."""
    if not selection.campaign_ids or not table_exists(conn, COUNTS):
        return []
    inputs = sorted({*base_stats_needed(list(CANDIDATES), selection.channels), *RATE_INPUTS})
    frame = query_stats(conn, LEVELS[("campaign", "variant")], selection.campaign_ids, [Period(start, end)], inputs, defn.timezone)
    frame = frame[(frame["channel"] != CONTROL) & (frame["variation_id"] != "")]
    names = load_names(conn, [e for e in selection.entries if e.kind == "campaign"])
    comparisons = []
    for campaign_id, rows in frame.groupby("message_id", sort=True):
        if rows["variation_id"].nunique() > 1:
            campaign = names.messages.get(("campaign", str(campaign_id)), str(campaign_id))
            comparisons.append(VariantComparison(campaign, _table(rows, names, str(campaign_id))))
    return comparisons


def variant_results_sections(
    conn: sa.Connection, defn: ReportDefinition, selection: ResolvedSelection, start: date, end: date
) -> list[VariantResults]:
    """The "Variant results" of each selected campaign and Canvas with two or more variants or a control
    group over ``start..end``, with the definition's ``variant_results`` options (defaults without the block)."""
    if not table_exists(conn, COUNTS):
        return []
    names = load_names(conn, selection.entries)
    results = frame_results(conn, defn, selection, start, end, names)
    sections = []
    for (kind, message_id), rows in results.groupby(["message_kind", "message_id"], sort=True):
        title = names.messages.get((str(kind), str(message_id)), str(message_id))
        sections.append(VariantResults(title, outcome_of(defn), rows.drop(columns="message_kind").reset_index(drop=True)))
    return sections
