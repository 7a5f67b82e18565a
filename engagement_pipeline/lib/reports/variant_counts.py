"""The counts behind variant results, from the warehouse: per period × campaign (or Canvas) × variation,
the users exposed and the users with the outcome, exact over each period in the report's time zone.

It reads what every report reads (lib/reports/query.py at variation level over all channels):
``unique_recipients`` (users with a Send of the variation on any channel) and the outcome's unique
stat are recounted from ``int_user_touches__daily``; a campaign's control group is the variation
with enrolments (``enrolled_in_control``, channel ``control`` rows) in the time frame, and its
exposed users are its enrolments. The control group has only conversions, so it is an arm only
when the outcome is conversions; with any other outcome the variants are compared with the
baseline variant. Canvas conversions are not counted per user in the warehouse: a Canvas with
the outcome ``conversions`` has no results (``outcome_available`` says so).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.reports.experiments import Options, variant_results
from engagement_pipeline.lib.reports.names import Names
from engagement_pipeline.lib.reports.periods import Period
from engagement_pipeline.lib.reports.query import Level, query_stats
from engagement_pipeline.lib.reports.spec_schema import VariantResultsIn
from engagement_pipeline.lib.reports.stats import MessageKind

OUTCOMES: dict[str, str] = {
    "conversions": "unique_conversions",
    "unique_opens": "unique_opens",
    "unique_clicks": "unique_clicks",
    "unique_impressions": "unique_impressions",
}
COUNT_COLUMNS = ["period_start", "period_end", "message_id", "variation_id", "variation_name", "is_control", "exposed", "converted"]


def experiment_options(block: VariantResultsIn | None) -> Options:
    """The statistics options of a definition's ``variant_results`` block (defaults without one)."""
    if block is None:
        return Options()
    return Options(min_sample_size=block.min_sample_size, baseline=block.baseline)


def outcome_available(kind: MessageKind, outcome: str) -> bool:
    return not (kind == "canvas" and outcome == "conversions")


def arm_counts(
    conn: sa.Connection,
    kind: MessageKind,
    message_ids: Sequence[str],
    periods: Sequence[Period],
    tz: str,
    outcome: str,
    names: Names | None = None,
) -> pd.DataFrame:
    """COUNT_COLUMNS, one row per period × message × variation with activity in the time frame."""
    stat = OUTCOMES[outcome]
    if not message_ids or not periods or not outcome_available(kind, outcome):
        return pd.DataFrame(columns=COUNT_COLUMNS)
    base = ["unique_recipients", stat, *(["enrolled_in_control"] if kind == "campaign" else [])]
    frame = query_stats(conn, Level(kind, by_variation=True, by_channel=False), message_ids, periods, base, tz)
    frame = frame[frame["variation_id"] != ""]
    if frame.empty:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    enrolled = frame["enrolled_in_control"] if "enrolled_in_control" in frame else pd.Series(0, index=frame.index)
    controls = set(frame.loc[enrolled > 0, ["message_id", "variation_id"]].itertuples(index=False, name=None))
    is_control = pd.Series(
        [key in controls for key in frame[["message_id", "variation_id"]].itertuples(index=False, name=None)], index=frame.index
    )
    if outcome != "conversions":
        frame, enrolled, is_control = frame[~is_control], enrolled[~is_control], is_control[~is_control]
    lookup = names or Names()
    return pd.DataFrame(
        {
            "period_start": frame["period_start"],
            "period_end": frame["period_end"],
            "message_id": frame["message_id"],
            "variation_id": frame["variation_id"],
            "variation_name": [lookup.lookup(kind, m, v, "")[1] for m, v in zip(frame["message_id"], frame["variation_id"], strict=True)],
            "is_control": is_control,
            "exposed": enrolled.where(is_control, frame["unique_recipients"]).astype("int64"),
            "converted": frame[stat].astype("int64"),
        }
    ).reset_index(drop=True)


def results_for(
    conn: sa.Connection,
    kind: MessageKind,
    message_ids: Sequence[str],
    periods: Sequence[Period],
    tz: str,
    options: Options,
    outcome: str = "conversions",
    names: Names | None = None,
) -> pd.DataFrame:
    """Variant results per period × message: ``arm_counts`` through ``experiments.variant_results``."""
    counts = arm_counts(conn, kind, message_ids, periods, tz, outcome, names)
    return variant_results(counts, options, by=("period_start", "message_id"))
