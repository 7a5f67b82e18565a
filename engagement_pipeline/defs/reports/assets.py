from datetime import UTC, datetime

import dagster as dg

from engagement_pipeline.defs.reports.metadata import report_metadata
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.defs.reports.run_config import ReportRunConfig, delivery_as_of
from engagement_pipeline.defs.reports.variant_metadata import variant_metadata
from engagement_pipeline.defs.resources import PipelineSettings, StorageLocation, Warehouse
from engagement_pipeline.lib.reports.build import ReportRunError, generate_report
from engagement_pipeline.lib.reports.spec import ReportDefinitionError, load_report
from engagement_pipeline.lib.reports.variant_report import report_variant_results

DAILY_SOURCES = (
    "campaign_variant_daily_stats",
    "campaign_daily_stats",
    "canvas_step_daily_stats",
    "canvas_daily_stats",
    "channel_daily_stats",
    "int_user_touches__daily",
    "int_push_influenced_opens__daily",
    "int_message_components__keyed",
)
# What the HTML pages read besides: event-level breakdowns, exact over a local period.
PAGE_SOURCES = ("int_message_stats__quarter_hourly", "int_events__keyed", "stg_currents__events", "int_email_bounces__classified")


@dg.asset(
    partitions_def=report_partitions,
    deps=[
        *(dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in (*DAILY_SOURCES, *PAGE_SOURCES)),
        dg.AssetDep("message_catalog"),
        dg.AssetDep("message_components"),
    ],
    group_name="reports",
    kinds={"csv", "html"},
    owners=["team:data-engineering"],
)
def report_files(
    context: dg.AssetExecutionContext,
    config: ReportRunConfig,
    warehouse: Warehouse,
    report_store: StorageLocation,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    """The CSV files (and HTML pages) of one report definition (one partition per file in the definitions folder).

    `campaigns.csv` and `canvases.csv` hold the selected stats per period × campaign (or variant)
    × channel and per period × Canvas (or step) × channel, summed from the daily rollups, with
    unique counts recounted over each whole period. They are packed as the definition asks
    (zip, gzip or plain), stored under ENGAGEMENT_REPORTS_URL/<report id>/<run stamp>/ with a
    link that expires, and recorded in `report_outputs` for email delivery. With `formats: [csv, html]`
    each campaign and Canvas also gets a self-contained HTML page (delivery summary, breakdowns by
    bounce type, domain, link, platform and error, activity over time, variants side by side)
    stored beside the CSVs. In a delivery run
    launched without a due time the period is that of the report's current due time. An invalid
    definition, or one whose messages are not in the catalog, fails the run with its errors."""
    report_id = context.partition_key
    try:
        defn = load_report(settings, report_id, config.definition_file)
        if defn.report_id != report_id:
            raise ReportRunError(f"{defn.source_path}: defines report {defn.report_id!r}, not {report_id!r}")
        start, end = config.dates()
        store = report_store.store()
        due_at = config.due_at_utc() or delivery_as_of(defn, context.run, context.instance)
        report = generate_report(
            defn,
            warehouse.engine,
            store,
            run_id=context.run.run_id,
            due_at=due_at,
            start=start,
            end=end,
            count_bot_clicks=settings.count_bot_clicks,
        )
    except (ReportDefinitionError, ReportRunError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    for item in report.output.files:
        context.log.info(f"{report_id}: {item.name} ({item.rows} rows, {item.size_bytes:,} bytes) -> {item.url}")
    return dg.MaterializeResult(metadata=report_metadata(report, store.is_s3))


@dg.asset(
    partitions_def=report_partitions,
    deps=[
        *(dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in DAILY_SOURCES),
        dg.AssetDep("message_catalog"),
        dg.AssetDep("message_components"),
    ],
    group_name="reports",
    kinds={"table"},
    owners=["team:data-engineering"],
)
def variant_results(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: PipelineSettings) -> dg.MaterializeResult:
    """The A/B test results of one report definition's campaigns and Canvases over its time frame.

    For each campaign (or Canvas) with two or more variants or a control group: per variant the
    users reached (control: enrolled), the users with the outcome (the definition's
    `variant_results.outcome`, conversions by default) and the rate; against the control group (else
    the baseline variant) the uplift with its 95% interval, the p-value (z-test, or Fisher's exact
    test for small counts), the Holm-corrected p-value and a verdict, `winner` only when significant
    with enough users. Unique counts are exact over the whole time frame in the report's time zone.
    The table is in the materialization's metadata; nothing is written."""
    report_id = context.partition_key
    try:
        defn = load_report(settings, report_id)
        with warehouse.engine.connect() as conn:
            results = report_variant_results(conn, defn, datetime.now(UTC))
    except (ReportDefinitionError, ReportRunError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    return dg.MaterializeResult(metadata=variant_metadata(results, defn.timezone))
