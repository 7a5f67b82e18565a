import dagster as dg

ingest_currents_job = dg.define_asset_job(
    "ingest_currents_job",
    selection=dg.AssetSelection.groups("ingest", "live"),
    description="Load new Currents files and the message catalog from the landing zone, then add the new files to the live view.",
)
