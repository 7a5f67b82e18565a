import dagster as dg
import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.defs.partitions import PARTITIONS_START, before_start
from engagement_pipeline.defs.previews import markdown_table
from engagement_pipeline.defs.resources import PipelineSettings, StorageLocation, Warehouse
from engagement_pipeline.lib.ingest.braze_lists import ensure_catalog_tables, read_catalog
from engagement_pipeline.lib.ingest.load import ingest
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import bulk_load


@dg.asset(
    group_name="ingest",
    kinds={"python", "avro"},
    owners=["team:data-engineering"],
)
def raw_currents_events(
    context: dg.AssetExecutionContext, warehouse: Warehouse, landing_zone: StorageLocation, settings: PipelineSettings
) -> dg.MaterializeResult:
    """Every event of every Braze Currents Avro file in the landing zone, loaded once per file.

    New objects (by key and etag) are decoded and appended with their source file, one copy
    per event; the manifest (`currents_manifest`) records each object as loaded, skipped or
    quarantined, with why. Files that cannot be decoded or mapped, and records without id,
    time or user_id, with an absurd time or an oversized string, go to `currents_quarantine`
    with their reason (`engagement quarantine list`). The days touched by the new files
    (late files included) are listed in `days_touched`; those before ENGAGEMENT_PARTITIONS_START,
    which no partition builds, in `days_before_partitions_start` (and a warning)."""
    summary = ingest(warehouse.engine, landing_zone.store(), log=context.log.info, limits=settings.ingest_limits)
    if summary.files_quarantined or summary.rows_quarantined:
        context.log.warning(
            f"quarantined {summary.files_quarantined} file(s) and {summary.rows_quarantined} record(s); see `engagement quarantine list`"
        )
    early = before_start(summary.days_touched)
    if early:
        context.log.warning(
            f"loaded events of {len(early)} day(s) before ENGAGEMENT_PARTITIONS_START={PARTITIONS_START} "
            f"({', '.join(map(str, early[:10]))}{', ...' if len(early) > 10 else ''}): no partition builds them; "
            "set ENGAGEMENT_PARTITIONS_START to the first day to build"
        )
    examples = [{"file": q["source_file"], "reason": q["reason"]} for q in summary.quarantine_examples]
    return dg.MaterializeResult(
        metadata={
            "files_read": summary.files_seen,
            "files_loaded": summary.files_loaded,
            "files_skipped": summary.files_skipped,
            "files_quarantined": summary.files_quarantined,
            "rows_loaded": summary.rows_loaded,
            "duplicates_skipped": summary.duplicates_skipped,
            "records_quarantined": summary.rows_quarantined,
            "skipped_event_types": dg.MetadataValue.json(dict(summary.skipped_event_types)),
            "rows_by_event_type": dg.MetadataValue.json(dict(summary.rows_by_event_type)),
            "days_touched": dg.MetadataValue.json(sorted(d.isoformat() for d in summary.days_touched)),
            "days_before_partitions_start": dg.MetadataValue.json([d.isoformat() for d in early]),
            "quarantine_examples": markdown_table(pd.DataFrame(examples)),
            "skipped_examples": markdown_table(pd.DataFrame(summary.skipped_examples)),
            "landing_zone": landing_zone.store().describe(""),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "braze_catalog",
            group_name="ingest",
            kinds={"python", "json"},
            owners=["team:data-engineering"],
            description="Campaign and Canvas names from Braze REST list exports (`campaigns.list.json`, `canvas.list.json`).",
        ),
        dg.AssetSpec(
            "braze_catalog_tags",
            group_name="ingest",
            kinds={"python", "json"},
            owners=["team:data-engineering"],
            description="One row per tag of each campaign and Canvas of the Braze list exports (tag selection in reports).",
        ),
    ]
)
def braze_catalog(context: dg.AssetExecutionContext, warehouse: Warehouse, landing_zone: StorageLocation, settings: PipelineSettings):
    """Load the message catalog from ENGAGEMENT_CATALOG_PATH when set, else from the landing zone.

    Optional: without a catalog, names come from the events and no message has tags."""
    store = ObjectStore(settings.catalog_path) if settings.catalog_path else landing_zone.store()
    messages, tags, files, errors = read_catalog(store)
    for error in errors:
        context.log.error(error)
    with warehouse.begin() as conn:
        ensure_catalog_tables(conn)
        conn.execute(sa.text("delete from braze_catalog"))
        conn.execute(sa.text("delete from braze_catalog_tags"))
        bulk_load(conn, "braze_catalog", messages)
        bulk_load(conn, "braze_catalog_tags", tags)
    yield dg.MaterializeResult(
        asset_key="braze_catalog",
        metadata={"dagster/row_count": messages.height, "files": dg.MetadataValue.json(files), "errors": dg.MetadataValue.json(errors)},
    )
    yield dg.MaterializeResult(asset_key="braze_catalog_tags", metadata={"dagster/row_count": tags.height})
