"""Shared setup of the delivery tests (no tests here): a built workspace, a Dagster instance, job runs.

The workspace is the report tests' campaigns and Canvas (tests/support/reports.py), with
every SQL model built for 2026-09-30 .. 2026-11-02 in a Dagster instance the delivery code
reads (the Braze catalog is loaded directly, so `braze_catalog` is not run). Building takes a
while, so it happens once per test session and the delivery test modules share it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from engagement_pipeline.defs.delivery.assets import report_delivery
from engagement_pipeline.defs.delivery.jobs import deliver_report_job
from engagement_pipeline.defs.delivery.sensors import evaluate_report_schedule
from engagement_pipeline.defs.reports.assets import report_files
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.defs.resources import Mailer, PipelineSettings, StorageLocation, Warehouse
from engagement_pipeline.lib.delivery.due_times import due_key
from engagement_pipeline.lib.delivery.log import DeliveryRecord, read_delivery
from engagement_pipeline.lib.delivery.tags import request_tags, run_config
from engagement_pipeline.lib.ingest.braze_lists import ensure_catalog_tables
from engagement_pipeline.lib.platform.warehouse import bulk_load, make_engine
from tests.support import load_events, model_assets
from tests.support.reports import FIRST_DAY, LAST_DAY, TAGS, workspace_events

DUE = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
OCTOBER = "time_frame: {start: 2026-10-01, end: 2026-10-31}\ninterval: {weeks: 1}\n"


@dataclass
class Workspace:
    url: str
    instance: dg.DagsterInstance


def _build(root: Path, url: str) -> None:
    load_events(url, workspace_events())
    messages = [
        {
            "message_kind": k,
            "message_id": i,
            "message_name": n,
            "last_edited_at": datetime(2026, 9, 1),
            "source_file": "catalog/campaigns.list.json",
        }
        for k, i, n in TAGS
    ]
    tags = [{"message_kind": k, "message_id": i, "tag": t} for (k, i, _), values in TAGS.items() for t in values]
    with make_engine(url).begin() as conn:
        ensure_catalog_tables(conn)
        bulk_load(conn, "braze_catalog", pl.DataFrame(messages))
        bulk_load(conn, "braze_catalog_tags", pl.DataFrame(tags))
    with dg.instance_for_test(temp_dir=str(root / "dagster")) as instance:
        dg.materialize(
            model_assets()[1:],
            resources={"warehouse": Warehouse(url=url), "settings": PipelineSettings(home=str(root))},
            instance=instance,
            tags={"dagster/asset_partition_range_start": FIRST_DAY.isoformat(), "dagster/asset_partition_range_end": LAST_DAY.isoformat()},
        )
    (root / "built").touch()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Iterator[Workspace]:
    """Built once per session (the first module to ask builds it; report ids differ between tests)."""
    root = tmp_path_factory.getbasetemp() / "delivery_workspace"
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    if not (root / "built").exists():
        (root / "dagster").mkdir(parents=True, exist_ok=True)
        _build(root, url)
    with dg.instance_for_test(temp_dir=str(root / "dagster")) as instance:
        yield Workspace(url, instance)


@dataclass
class Delivery:
    """One test's report folder, outbox and resources over the shared workspace."""

    workspace: Workspace
    home: Path
    smtp_url: str
    report_store: StorageLocation
    retry_hours: float = 24.0

    @property
    def settings(self) -> PipelineSettings:
        return PipelineSettings(
            home=str(self.home),
            report_defs_dir=str(self.home / "defs"),
            allowed_recipient_domains="example.com",
            alert_recipients="oncall@example.com",
            delivery_retry_hours=self.retry_hours,
        )

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    def definitions(self) -> dg.Definitions:
        return dg.Definitions(
            assets=[report_files, report_delivery],
            jobs=[deliver_report_job],
            resources={
                "warehouse": Warehouse(url=self.workspace.url),
                "report_store": self.report_store,
                "mailer": Mailer(smtp_url=self.smtp_url, outbox_dir=str(self.outbox), timeout_seconds=5),
                "settings": self.settings,
            },
        )

    def define(self, report_id: str, body: str) -> None:
        folder = self.home / "defs"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{report_id}.yaml").write_text(body)
        self.workspace.instance.add_dynamic_partitions(report_partitions.name, [report_id])

    def run(self, report_id: str, due: datetime = DUE, trigger: str = "schedule") -> dg.ExecuteInProcessResult:
        return (
            self.definitions()
            .resolve_job_def("deliver_report_job")
            .execute_in_process(
                instance=self.workspace.instance,
                partition_key=report_id,
                run_config=run_config(due),
                tags=request_tags(report_id, due, due_key(report_id, due), trigger),
                raise_on_error=False,
            )
        )

    def execute(self, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
        """Run what a sensor requested, as the daemon would."""
        return (
            self.definitions()
            .resolve_job_def("deliver_report_job")
            .execute_in_process(
                instance=self.workspace.instance,
                partition_key=request.partition_key,
                run_config=request.run_config,
                tags=request.tags,
                raise_on_error=False,
            )
        )

    def tick(self, now: datetime, cursor: str) -> list[dg.RunRequest]:
        """The run requests of one `report_schedule_sensor` tick at ``now`` (an injected clock)."""
        context = dg.build_sensor_context(instance=self.workspace.instance, cursor=cursor)
        result = evaluate_report_schedule(context, self.settings, Warehouse(url=self.workspace.url), now)
        return list(result.run_requests or [])

    def log(self, report_id: str, due: datetime = DUE) -> DeliveryRecord | None:
        with make_engine(self.workspace.url).connect() as conn:
            return read_delivery(conn, due_key(report_id, due))


def definition(name: str, recipients: str = "[crm@example.com, analyst@example.com]", extra: str = OCTOBER) -> str:
    return f"name: {name}\nmessages: {{tags: {{match: any, values: [promo]}}}}\n{extra}recipients: {recipients}\n"


def metadata(result: dg.ExecuteInProcessResult) -> dict:
    [materialization] = result.asset_materializations_for_node("report_delivery")
    return {key: getattr(value, "value", value) for key, value in materialization.metadata.items()}
