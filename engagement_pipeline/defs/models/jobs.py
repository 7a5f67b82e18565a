import dagster as dg

from engagement_pipeline.defs.partitions import daily_partitions

build_models_job = dg.define_asset_job(
    "build_models_job",
    selection=dg.AssetSelection.groups("models"),
    partitions_def=daily_partitions,
    description="Rebuild the staging events and every rollup for a day or a range of days (one run).",
)

# A day is built when this asset, the last rollup of a build_models_job run, has its partition.
READY_ASSET = dg.AssetKey("channel_daily_stats")
