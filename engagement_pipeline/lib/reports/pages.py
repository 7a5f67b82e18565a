"""The HTML pages of a report (``formats: [csv, html]``): one self-contained page per campaign and per Canvas.

Each page covers the report's whole time frame in its time zone and shows the sections of the
channels the message used (``page_sections``), rendered with the page kit (``lib/pages``):
inline CSS, inline SVG charts, no script and nothing fetched from elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.pages.page import render_page
from engagement_pipeline.lib.reports import page_sections
from engagement_pipeline.lib.reports.names import Names
from engagement_pipeline.lib.reports.page_data import PageData, gather_pages
from engagement_pipeline.lib.reports.page_sql import Window
from engagement_pipeline.lib.reports.spec import ReportDefinition, ResolvedSelection
from engagement_pipeline.lib.reports.stats import MessageKind
from engagement_pipeline.lib.reports.variant_counts import frame_results, outcome_of
from engagement_pipeline.lib.reports.variant_view import arm_name, interval, ordered, p_value, points, relative, result, test_name

TEMPLATE = "campaign_report.html.j2"
KIND_NAMES = {"campaign": "Campaign", "canvas": "Canvas"}


@dataclass(frozen=True)
class RenderedPage:
    """One page: its file name in the report's folder, the title people see, and the HTML."""

    kind: MessageKind
    message_id: str
    file_name: str
    title: str
    html: str


def page_file_name(kind: MessageKind, message_id: str) -> str:
    """``campaign-<id>.html`` / ``canvas-<id>.html``; characters other than letters, digits, '-' and '_' become '_'."""
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', message_id)}.html"


def page_title(kind: MessageKind, name: str) -> str:
    return f"{KIND_NAMES[kind]} report: {name}"


def _sections(page: PageData) -> list[dict]:
    sections = []
    for channel in page.channels:
        body = page_sections.email(page) if channel == "email" else page_sections.other_channel(page, channel)
        sections.append({"channel": channel, "name": page_sections.CHANNEL_NAMES[channel], **body})
    return sections


def _experiment(results: pd.DataFrame, outcome: str) -> dict | None:
    """The "Variant results" section of one message: one row per arm, read as in the report email."""
    if results.empty:
        return None
    rows = []
    for r in ordered(results):
        rows.append(
            {
                "variant": arm_name(r),
                "users": r["exposed"],
                "outcome": r["converted"],
                "rate": r["rate"],
                "uplift": points(r["uplift"]),
                "uplift_value": r["uplift"],
                "interval": interval(r["uplift_ci_low"], r["uplift_ci_high"]),
                "relative": relative(r["relative_uplift"]),
                "test": test_name(r),
                "p_holm": p_value(r["p_value_holm"]),
                "p_holm_value": r["p_value_holm"],
                "result": result(r),
            }
        )
    return {"outcome": outcome.replace("_", " "), "rows": rows}


def render(page: PageData, defn: ReportDefinition, generated_at: datetime, experiment: dict | None = None) -> RenderedPage:
    title = page_title(page.kind, page.name)
    html = render_page(
        TEMPLATE,
        title=title,
        page=page,
        kind_name=KIND_NAMES[page.kind],
        report_name=defn.name,
        period=f"{page.window.first.isoformat()} – {page.window.last.isoformat()}",
        granularity="hour" if page.window.hourly else "day",
        sections=_sections(page),
        experiment=experiment,
        generated_at=f"{generated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
    )
    return RenderedPage(page.kind, page.message_id, page_file_name(page.kind, page.message_id), title, html)


def build_pages(
    conn: sa.Connection,
    defn: ReportDefinition,
    selection: ResolvedSelection,
    first: date,
    last: date,
    names: Names,
    *,
    generated_at: datetime,
    count_bot_clicks: bool = False,
) -> list[RenderedPage]:
    """The pages of every selected campaign and Canvas with events in ``first``..``last`` (local dates),
    each with its variant results over the whole frame (the definition's ``variant_results`` options)."""
    window = Window(first, last, defn.timezone)
    results = frame_results(conn, defn, selection, first, last, names)
    pages = []
    for kind, ids in (("campaign", selection.campaign_ids), ("canvas", selection.canvas_ids)):
        channels = sorted({c for e in selection.entries if e.kind == kind for c in e.channels})
        for data in gather_pages(conn, kind, ids, channels, window, names, count_bot_clicks=count_bot_clicks):
            mine = results[(results["message_kind"] == kind) & (results["message_id"] == data.message_id)]
            pages.append(render(data, defn, generated_at, _experiment(mine, outcome_of(defn))))
    return pages
