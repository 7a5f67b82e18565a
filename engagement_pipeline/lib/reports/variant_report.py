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
from engagement_pipeline.lib.reports.spec import ReportDefinition, resolve_messages
from engagement_pipeline.lib.reports.variant_counts import frame_results, outcome_of


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
    names = load_names(conn, selection.entries)
    table = frame_results(conn, defn, selection, start, end, names)
    if not table.empty:
        table["message_name"] = [
            names.messages.get((k, str(m)), str(m)) for k, m in zip(table["message_kind"], table["message_id"], strict=True)
        ]
    else:
        table = pd.DataFrame(columns=["message_kind", "message_name"])
    leading = ["message_kind", "message_name"]
    table = table[leading + [c for c in table.columns if c not in (*leading, "period_start", "period_end")]]
    return ReportVariantResults(start, end, outcome_of(defn), table)
