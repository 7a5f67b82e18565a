"""The counts behind variant results, from the warehouse: per period × campaign (or Canvas) × variation,
the users exposed and the users with the outcome, exact over each period in the report's time zone.

It reads what every report reads (lib/reports/query.py at variation level over all channels):
``unique_recipients`` (users with a Send of the variation on any channel) and the outcome's unique
stat are recounted from ``int_user_touches__daily``; a campaign's control group is the variation
with enrolments (``enrolled_in_control``, channel ``control`` rows) in the time frame, and its
exposed users are its distinct enrolled users over the period (``unique_enrolled_in_control``: a
user enrolled twice counts once, as a variant's recipient sent twice does). The control group has
only conversions, so it is an arm only when the outcome is conversions; with any other outcome the
variants are compared with the baseline variant. A Canvas's outcome ``conversions`` is its users
with a Canvas conversion in the variation (``unique_canvas_conversions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.reports.experiments import Options, variant_results
from engagement_pipeline.lib.reports.names import Names
from engagement_pipeline.lib.reports.periods import Period
from engagement_pipeline.lib.reports.query import KEYS, Level, query_stats, query_users
from engagement_pipeline.lib.reports.spec_schema import VariantResultsIn
from engagement_pipeline.lib.reports.stats import MessageKind

if TYPE_CHECKING:
    from engagement_pipeline.lib.reports.spec import ReportDefinition, ResolvedSelection

OUTCOMES: dict[str, str] = {
    "conversions": "unique_conversions",
    "unique_opens": "unique_opens",
    "unique_clicks": "unique_clicks",
    "unique_impressions": "unique_impressions",
}
# Touch-only stats of int_user_touches__daily (not columns of the stats tables)
CONTROL_USERS = "unique_enrolled_in_control"
CANVAS_CONVERSIONS = "unique_canvas_conversions"
COUNT_COLUMNS = ["period_start", "period_end", "message_id", "variation_id", "variation_name", "is_control", "exposed", "converted"]


def experiment_options(block: VariantResultsIn | None) -> Options:
    """The statistics options of a definition's ``variant_results`` block (defaults without one)."""
    if block is None:
        return Options()
    return Options(min_sample_size=block.min_sample_size, baseline=block.baseline)


def _outcome_stat(kind: MessageKind, outcome: str) -> str:
    return CANVAS_CONVERSIONS if kind == "canvas" and outcome == "conversions" else OUTCOMES[outcome]


def _counts(conn: sa.Connection, level: Level, message_ids: Sequence[str], periods: Sequence[Period], tz: str, stat: str) -> pd.DataFrame:
    """unique_recipients, ``stat``, enrolled_in_control and CONTROL_USERS per period × message × variation."""
    campaign = level.kind == "campaign"
    catalogued = ["unique_recipients", *([] if stat == CANVAS_CONVERSIONS else [stat]), *(["enrolled_in_control"] if campaign else [])]
    touch_only = [CANVAS_CONVERSIONS] if stat == CANVAS_CONVERSIONS else [CONTROL_USERS] if campaign else []
    frame = query_stats(conn, level, message_ids, periods, catalogued, tz)
    if touch_only and not frame.empty:
        users = query_users(conn, level, message_ids, periods, touch_only, tz)
        frame = frame.merge(users, on=["period_start", *KEYS], how="left")
    for column in (*touch_only, "enrolled_in_control", CONTROL_USERS):
        frame[column] = frame[column].fillna(0).astype("int64") if column in frame else 0
    return frame


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
    stat = _outcome_stat(kind, outcome)
    if not message_ids or not periods:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    frame = _counts(conn, Level(kind, by_variation=True, by_channel=False), message_ids, periods, tz, stat)
    frame = frame[frame["variation_id"] != ""]
    if frame.empty:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    controls = set(frame.loc[frame["enrolled_in_control"] > 0, ["message_id", "variation_id"]].itertuples(index=False, name=None))
    is_control = pd.Series(
        [key in controls for key in frame[["message_id", "variation_id"]].itertuples(index=False, name=None)], index=frame.index
    )
    if outcome != "conversions":
        frame, is_control = frame[~is_control], is_control[~is_control]
    lookup = names or Names()
    return pd.DataFrame(
        {
            "period_start": frame["period_start"],
            "period_end": frame["period_end"],
            "message_id": frame["message_id"],
            "variation_id": frame["variation_id"],
            "variation_name": [lookup.lookup(kind, m, v, "")[1] for m, v in zip(frame["message_id"], frame["variation_id"], strict=True)],
            "is_control": is_control,
            "exposed": frame[CONTROL_USERS].where(is_control, frame["unique_recipients"]).astype("int64"),
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


def frame_results(
    conn: sa.Connection, defn: ReportDefinition, selection: ResolvedSelection, start: date, end: date, names: Names
) -> pd.DataFrame:
    """The variant results of every selected campaign and Canvas over the whole frame ``start..end`` (local
    days), with the definition's ``variant_results`` options (the defaults without the block): the
    ``results_for`` columns plus ``message_kind``, campaigns first. What the report email, the campaign
    pages and the ``variant_results`` asset show."""
    block = defn.variant_results
    parts = []
    for kind, ids in (("campaign", selection.campaign_ids), ("canvas", selection.canvas_ids)):
        results = results_for(conn, kind, ids, [Period(start, end)], defn.timezone, experiment_options(block), outcome_of(defn), names)
        if not results.empty:
            parts.append(results.assign(message_kind=kind))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["message_kind", "message_id"])


def outcome_of(defn: ReportDefinition) -> str:
    """The outcome a definition's experiments compare: its block's, else conversions."""
    return defn.variant_results.outcome if defn.variant_results else "conversions"
