import dagster as dg

from engagement_pipeline.defs.partitions import daily_partitions
from engagement_pipeline.lib.models.sql_models import discover_models

data_quality_job = dg.define_asset_job(
    "data_quality_job",
    selection=dg.AssetSelection.checks_for_assets(
        *(dg.AssetKey(model.name) for model in discover_models().values() if model.is_partitioned)
    ),
    partitions_def=daily_partitions,
    description=(
        "Re-run every data-quality check of the daily assets (suite checks and grain checks) for a day "
        "or a range of days, without rebuilding the assets. The landing-zone freshness check runs with "
        "every ingestion instead."
    ),
)
