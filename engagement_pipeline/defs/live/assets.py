import dagster as dg
import pandas as pd

from engagement_pipeline.defs.previews import markdown_table
from engagement_pipeline.defs.resources import PipelineSettings, StorageLocation, Warehouse
from engagement_pipeline.lib.live.refresh import SPARK_NOTE, refresh_live

PREVIEW_STATS = ("sent", "delivered", "bounces", "opens", "clicks", "unsubscribes", "impressions", "aborts")


@dg.asset(
    group_name="live",
    deps=["raw_currents_events"],
    kinds={"python", "html"},
    owners=["team:data-engineering"],
)
def live_report(context: dg.AssetExecutionContext, warehouse: Warehouse, report_store: StorageLocation, settings: PipelineSettings):
    """The last 24 hours at 5-minute resolution, per campaign variant or Canvas step and channel, and its page.

    Adds only the files ingested since its last run (`live_files`) into 5-minute buckets
    (`live_buckets`, `live_breakdowns`: recipient domains, push platforms, error codes, abort types),
    counted with the models' own macros, and drops buckets older than 48 hours; never rebuilds a
    day and never applies a file twice. Writes the auto-refreshing page `live/index.html` to the
    report store (totals, 5-minute chart, breakdowns, one section per campaign or Canvas active in
    the window). The daily partitions stay the source of truth:
    `live_report_matches_daily_rollups` reconciles the two."""
    if warehouse.dialect == "spark":
        context.log.warning(SPARK_NOTE)
        return dg.MaterializeResult(metadata={"not_built": SPARK_NOTE})
    refresh = refresh_live(warehouse.engine, report_store.store(), count_bot_clicks=settings.count_bot_clicks)
    applied, view = refresh.applied, refresh.view
    if applied.events_too_old:
        context.log.info(f"{applied.events_too_old} event(s) of late files are older than the 48 hours the live view keeps: left out")
    rows = [{"kind": m.kind, "name": m.name, **{stat: m.totals[stat] for stat in PREVIEW_STATS}} for m in view.messages]
    total = {"kind": "", "name": "**all**", **{stat: view.totals[stat] for stat in PREVIEW_STATS}}
    store = report_store.store()
    return dg.MaterializeResult(
        metadata={
            "page": dg.MetadataValue.url(refresh.page) if store.is_s3 else dg.MetadataValue.path(refresh.page),
            "window_start_utc": view.window.start.isoformat(),
            "window_end_utc": view.window.end.isoformat(),
            "anchored_to_latest_event": view.window.anchored_to_latest_event,
            "files_applied": applied.files_applied,
            "events_applied": applied.events_applied,
            "events_too_old": applied.events_too_old,
            "messages_active": len(view.messages),
            "totals": dg.MetadataValue.json(view.totals),
            "preview": markdown_table(pd.DataFrame([total, *rows]), max_rows=11),
        }
    )
