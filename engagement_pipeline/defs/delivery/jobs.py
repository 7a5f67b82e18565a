import dagster as dg

from engagement_pipeline.defs.reports.partitions import report_partitions

deliver_report_job = dg.define_asset_job(
    "deliver_report_job",
    selection=dg.AssetSelection.assets("report_files", "report_delivery"),
    partitions_def=report_partitions,
    description=(
        "Render one report (partition = report id) and email it to its recipients, once per due time. "
        "Runs are tagged report_id, due_at and due_key; report_files takes due_at in its config."
    ),
)
