import dagster as dg

refresh_live_job = dg.define_asset_job(
    "refresh_live_job",
    selection=dg.AssetSelection.groups("live"),
    description="Add the files ingested since the last pass to the live view, write its page and reconcile it with the daily rollups.",
)
