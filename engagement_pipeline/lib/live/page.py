"""The live page: one self-contained, auto-refreshing HTML page of the last 24 hours (lib/pages kit).

Totals, a 5-minute chart and an hourly table, the breakdowns (best recipient domains, push
platforms, error reasons, SMS error reasons, exclusion reasons), then one section per campaign or
Canvas active in the window (anchored `#<kind>-<id>`, linked from the list) with its components
and breakdowns. Written to the report store at ``PAGE_KEY``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from engagement_pipeline.lib.live.view import LiveView, MessageView, hourly
from engagement_pipeline.lib.live.window import LIVE_STATS
from engagement_pipeline.lib.pages.charts import time_series_svg
from engagement_pipeline.lib.pages.page import render_page
from engagement_pipeline.lib.platform.storage import ObjectStore

PAGE_KEY = "live/index.html"
REFRESH_SECONDS = 60
LABELS = {
    "sent": "Sent",
    "delivered": "Delivered",
    "bounces": "Bounces",
    "soft_bounces": "Soft bounces",
    "opens": "Opens",
    "direct_opens": "Push opens",
    "clicks": "Clicks",
    "unsubscribes": "Unsubscribes",
    "reported_spam": "Spam complaints",
    "impressions": "Impressions",
    "aborts": "Aborts (exclusions)",
    "errors": "Webhook errors",
    "rejected": "SMS rejected",
    "delivery_failed": "SMS delivery failed",
    "failed": "WhatsApp failed",
}
HOURLY = ("sent", "delivered", "bounces", "opens", "direct_opens", "clicks", "unsubscribes", "reported_spam", "impressions", "aborts")
CHART = {"sent": "Sent", "delivered": "Delivered", "opens": "Opens", "clicks": "Clicks"}
BREAKDOWNS = (
    ("recipient_domain", "Best recipient domains (email)", None),
    ("push_platform", "Push platforms", None),
    ("error_code", "Error reasons (SMS, webhook, WhatsApp)", None),
    ("error_code", "SMS error reasons", "sms"),
    ("abort_type", "Exclusion reasons (aborts by abort_type)", None),
)


def _columns(frame: pd.DataFrame) -> list[dict]:
    return [
        {"key": c, "label": LABELS.get(c, c.replace("_", " ")), "kind": "count" if c in LABELS or c == "events" else "text"}
        for c in frame.columns
    ]


def _rows(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if v is None or v != v else v) for k, v in row.items()} for row in frame.to_dict("records")]


def _tiles(totals: dict[str, int]) -> list[dict]:
    return [{"key": stat, "label": LABELS[stat], "value": totals[stat]} for stat in LIVE_STATS]


def _breakdown_tables(breakdowns: dict[str, pd.DataFrame], prefix: str = "") -> list[dict]:
    tables = []
    for dimension, title, channel in BREAKDOWNS:
        frame = breakdowns[dimension]
        if channel is not None:
            frame = frame[frame["channel"] == channel].drop(columns="channel")
        frame = frame.loc[:, (frame != 0).any(axis=0)] if len(frame) else frame
        frame = frame.rename(columns={"value": dimension if channel is None else "error_code"})
        tables.append(
            {
                "id": f"{prefix}{dimension}{'-' + channel if channel else ''}",
                "title": title,
                "columns": _columns(frame),
                "rows": _rows(frame),
            }
        )
    return tables


def _message(view: MessageView) -> dict:
    components = view.components.loc[:, [c for c in view.components.columns if c not in LIVE_STATS or view.components[c].any()]]
    return {
        "kind": view.kind,
        "name": view.name,
        "message_id": view.message_id,
        "anchor": view.anchor,
        "tiles": [t for t in _tiles(view.totals) if t["value"] or t["key"] == "sent"],
        "chart": time_series_svg(hourly(view.series), "bucket_at", CHART, f"{view.name}: per hour (UTC)"),
        "components": _rows(components),
        "component_columns": _columns(components),
        "breakdowns": _breakdown_tables(view.breakdowns),
    }


def render_live_page(view: LiveView, refresh_seconds: int = REFRESH_SECONDS) -> str:
    per_hour = hourly(view.series).assign(bucket_at=lambda f: f["bucket_at"].dt.strftime("%m-%d %H:00"))
    per_hour = per_hour.rename(columns={"bucket_at": "hour (UTC)"})[["hour (UTC)", *HOURLY]]
    messages = [_message(m) for m in view.messages]
    message_rows = [{"anchor": m.anchor, "kind": m.kind, "name": m.name, "message_id": m.message_id, **m.totals} for m in view.messages]
    list_frame = pd.DataFrame(message_rows, columns=["kind", "name", *HOURLY])
    list_frame = list_frame.loc[:, [c for c in list_frame.columns if c not in HOURLY or list_frame[c].any() or c == "sent"]]
    message_rows = [{**row, "anchor": m["anchor"]} for row, m in zip(_rows(list_frame), message_rows)]
    return render_page(
        "live_report.html.j2",
        title="Live: the last 24 hours",
        generated_at=view.generated_at,
        refresh_seconds=refresh_seconds,
        window=view.window,
        last_applied_at=view.last_applied_at,
        files_applied=view.files_applied_24h,
        tiles=_tiles(view.totals),
        chart=time_series_svg(view.series, "bucket_at", CHART, "Every 5 minutes (UTC), all campaigns and Canvases"),
        hourly_columns=_columns(per_hour),
        hourly_rows=_rows(per_hour),
        breakdowns=_breakdown_tables(view.breakdowns),
        message_columns=_columns(list_frame),
        message_rows=message_rows,
        messages=messages,
    )


def write_live_page(html: str, store: ObjectStore) -> str:
    """Store the page at ``PAGE_KEY`` (atomically on a local folder); its path or URL."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "index.html"
        source.write_text(html, encoding="utf-8")
        store.write_file(PAGE_KEY, source)
    return store.describe(PAGE_KEY)
