"""Render reports in-process (the CLI's `report run` and `demo`): one `render_report_job` run per report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from engagement_pipeline.cli.runner import execute_job, failure_message
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.defs.resources import PipelineSettings
from engagement_pipeline.lib.platform.config import defaults
from engagement_pipeline.lib.reports.spec import check_report_id, load_definitions

JOB = "render_report_job"
ASSET = "report_files"


def _plain(metadata: dict[str, dg.MetadataValue]) -> dict[str, Any]:
    return {key: getattr(value, "value", value) for key, value in metadata.items()}


def render_report(
    defs: dg.Definitions,
    inst: dg.DagsterInstance,
    report_id: str,
    *,
    start: date | None = None,
    end: date | None = None,
    due_at: datetime | None = None,
    definition_file: Path | None = None,
) -> tuple[bool, dict[str, Any]]:
    """Run `render_report_job` for ``report_id`` (adding its partition if needed).

    Returns (success, metadata of the `report_files` materialization with ``run_id``), or
    (False, {"error": <the definition's or run's errors>, "run_id": ...}). An id that is not a
    plain file stem raises ``ReportDefinitionError`` before any partition or run is made.
    """
    check_report_id(report_id)
    if not inst.has_dynamic_partition(report_partitions.name, report_id):
        inst.add_dynamic_partitions(report_partitions.name, [report_id])
    values = {
        "due_at": due_at.isoformat() if due_at else None,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "definition_file": str(definition_file) if definition_file else None,
    }
    config = {key: value for key, value in values.items() if value is not None}
    result = execute_job(
        defs, JOB, inst=inst, partition_key=report_id, run_config={"ops": {ASSET: {"config": config}}}, tags={"report_id": report_id}
    )
    error = failure_message(result)
    if error is not None:
        return False, {"error": error, "run_id": result.run_id}
    materializations = result.asset_materializations_for_node(ASSET)
    return True, {**_plain(materializations[-1].metadata), "run_id": result.run_id}


def _settings(defs: dg.Definitions) -> PipelineSettings:
    settings = (defs.resources or {}).get("settings")
    if isinstance(settings, PipelineSettings):
        return settings
    cfg = defaults()
    return PipelineSettings(
        home=cfg["ENGAGEMENT_HOME"],
        timezone=cfg["ENGAGEMENT_TIMEZONE"],
        report_defs_dir=cfg["ENGAGEMENT_REPORT_DEFS"],
        allowed_recipient_domains=cfg["ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS"],
    )


def links(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    """(file name, or a page's title, and link) of every file of a rendered report."""
    return [(f.get("title") or f["name"], f["url"]) for f in metadata.get("files", [])]


def render_all_reports(defs: dg.Definitions, inst: dg.DagsterInstance, echo: Callable[[str], None]) -> list[str]:
    """Render every definition of the definitions folder; lines "<report id>: <link>" (errors go on)."""
    settings = _settings(defs)
    good, bad = load_definitions(
        settings.report_defs, default_timezone=settings.timezone, allowed_recipient_domains=settings.allowed_domains
    )
    lines = []
    for error in bad:
        echo(str(error))
        lines.append(f"{error.source.stem}: not rendered (invalid definition, see above)")
    for defn in good:
        echo(f"rendering report {defn.report_id} ({defn.name})")
        ok, metadata = render_report(defs, inst, defn.report_id)
        if not ok:
            echo(metadata["error"])
            lines.append(f"{defn.report_id}: not rendered ({metadata['error'].splitlines()[0]})")
            continue
        lines.extend(f"{defn.report_id}: {url}" for _, url in links(metadata))
    return lines
