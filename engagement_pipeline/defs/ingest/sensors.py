"""The landing-files sensor: starts ingestion when new Currents files land."""

import dagster as dg

from engagement_pipeline.defs.ingest.jobs import ingest_currents_job
from engagement_pipeline.defs.resources import StorageLocation, Warehouse
from engagement_pipeline.lib.ingest.landing import LandingCursor, first_look, new_files, run_key, unloaded_files
from engagement_pipeline.lib.platform.read_once import WarehouseBusy, read_once


@dg.sensor(
    job=ingest_currents_job,
    # 30 s: with the run's start (~15 s on the embedded default) a landed file shows in the live view
    # well within 2 minutes (benchmarks/live_latency.py measures it).
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts ingest_currents_job when new files appear in the landing zone (local folder or S3); "
        "the cursor is the newest modification time seen and the keys at that instant. Without a "
        "cursor it starts from the ingestion manifest: files already loaded are not ingested again."
    ),
)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, landing_zone: StorageLocation, warehouse: Warehouse
) -> dg.SensorResult | dg.SkipReason:
    store = landing_zone.store()
    if context.cursor:
        fresh, cursor = new_files(store.list(), LandingCursor.loads(context.cursor))
    else:
        try:
            unloaded = read_once(warehouse.url, lambda conn: unloaded_files(conn, store), lambda: list(store.list(suffix=".avro")))
        except WarehouseBusy as exc:
            return dg.SkipReason(f"no cursor yet and {exc}")
        fresh, cursor = first_look(store.list(), unloaded)
    if not fresh:
        reason = f"no new files in {store.describe('')}"
        return dg.SkipReason(reason) if context.cursor else dg.SensorResult(cursor=cursor.dumps(), skip_reason=reason)
    context.log.info(f"{len(fresh)} new file(s) in {store.describe('')}, newest {fresh[-1].key}")
    request = dg.RunRequest(run_key=run_key(fresh), tags={"landing/new_files": str(len(fresh))})
    return dg.SensorResult(run_requests=[request], cursor=cursor.dumps())
