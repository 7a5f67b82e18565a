import dagster as dg

from engagement_pipeline.defs.reports.partitions import report_partitions

render_report_job = dg.define_asset_job(
    "render_report_job",
    selection=dg.AssetSelection.assets("report_files"),
    partitions_def=report_partitions,
    description="Render one report definition (partition = report id) into its CSV files and links.",
)
