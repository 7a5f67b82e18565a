"""One live pass: apply the newly loaded files, read the window, write the page (the asset and `engagement live`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from engagement_pipeline.lib.live.buckets import LivePass, apply_new_files
from engagement_pipeline.lib.live.page import render_live_page, write_live_page
from engagement_pipeline.lib.live.view import LiveView, read_live_view
from engagement_pipeline.lib.platform.storage import ObjectStore

SPARK_NOTE = (
    "the live view is not built on a Spark warehouse: its 5-minute buckets are upserted file by file, which "
    "Parquet tables cannot do; point a DuckDB or PostgreSQL deployment at the same landing zone (docs/scale-out.md)"
)


@dataclass
class LiveRefresh:
    applied: LivePass
    view: LiveView
    page: str


def refresh_live(
    engine: sa.Engine, report_store: ObjectStore, *, now: datetime | None = None, count_bot_clicks: bool = False
) -> LiveRefresh:
    applied = apply_new_files(engine, now=now, count_bot_clicks=count_bot_clicks)
    view = read_live_view(engine, now=applied.applied_at)
    return LiveRefresh(applied, view, write_live_page(render_live_page(view), report_store))


def summary_lines(refresh: LiveRefresh, top: int = 5) -> list[str]:
    """A few lines for a terminal: the window, the totals, the most active messages."""
    view, window = refresh.view, refresh.view.window
    totals = view.totals
    lines = [
        f"live {window.start:%Y-%m-%d %H:%M} - {window.end:%Y-%m-%d %H:%M} UTC"
        + (" (anchored to the latest event)" if window.anchored_to_latest_event else "")
        + f": {refresh.applied.files_applied} new file(s), {refresh.applied.events_applied:,} event(s) applied",
        "  " + "  ".join(f"{stat} {totals[stat]:,}" for stat in ("sent", "delivered", "bounces", "opens", "clicks", "aborts")),
    ]
    for message in view.messages[:top]:
        lines.append(
            f"  {message.kind:<8} {message.name[:40]:<40} sent {message.totals['sent']:>8,}  opens {message.totals['opens']:>7,}  clicks {message.totals['clicks']:>7,}"
        )
    if len(view.messages) > top:
        lines.append(f"  ... {len(view.messages) - top} more")
    lines.append(f"  page: {refresh.page}")
    return lines
