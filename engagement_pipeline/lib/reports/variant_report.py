"""Variant results of a whole report definition: its campaigns and Canvases over its time frame, in its time zone.

What the ``variant_results`` asset shows and what another page (the HTML campaign report) can call:
one row per arm of each experiment, the message's kind and name beside the ``experiments`` columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.reports.build import time_frame
from engagement_pipeline.lib.reports.message_catalog import load_catalog
from engagement_pipeline.lib.reports.names import load_names
from engagement_pipeline.lib.reports.periods import Period
from engagement_pipeline.lib.reports.spec import ReportDefinition, resolve_messages
from engagement_pipeline.lib.reports.variant_counts import experiment_options, results_for


@dataclass(frozen=True)
class ReportVariantResults:
    start: date
    end: date
    outcome: str
    table: pd.DataFrame
    """message_kind, message_name, then the columns of ``experiments.variant_results``."""


def report_variant_results(conn: sa.Connection, defn: ReportDefinition, as_of: datetime) -> ReportVariantResults:
    """Every experiment of ``defn``'s selection over its whole time frame as of ``as_of``."""
    selection = resolve_messages(defn, load_catalog(conn))
    start, end = time_frame(defn, selection, as_of, None, None)
    block = defn.variant_results
    outcome = block.outcome if block else "conversions"
    names = load_names(conn, selection.entries)
    parts = []
    for kind, ids in (("campaign", selection.campaign_ids), ("canvas", selection.canvas_ids)):
        results = results_for(conn, kind, ids, [Period(start, end)], defn.timezone, experiment_options(block), outcome, names)
        if not results.empty:
            message_names = [names.messages.get((kind, str(m)), str(m)) for m in results["message_id"]]
            parts.append(results.assign(message_kind=kind, message_name=message_names))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["message_kind", "message_name"])
    leading = ["message_kind", "message_name"]
    table = table[leading + [c for c in table.columns if c not in (*leading, "period_start", "period_end")]]
    return ReportVariantResults(start, end, outcome, table)
