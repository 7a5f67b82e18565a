"""Test helpers: canonical events built by hand, loaded into a warehouse, models materialized."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from pathlib import Path

import dagster as dg
import polars as pl
import sqlalchemy as sa

from engagement_pipeline.defs.resources import PipelineSettings, StorageLocation, Warehouse
from engagement_pipeline.lib.ingest.canonical import RAW_COLUMNS, polars_schema
from engagement_pipeline.lib.ingest.event_types import EVENT_TYPES
from engagement_pipeline.lib.ingest.load import append_new_events, ensure_tables
from engagement_pipeline.lib.platform.warehouse import make_engine

_ids = itertools.count(1)


def event(event_type: str, at: str, user_id: str = "u1", **fields) -> dict:
    """One canonical raw event; `at` is an ISO UTC time such as '2026-11-20T23:59:59'."""
    channel, action = EVENT_TYPES[event_type]
    if channel == "push" and fields.get("platform") == "web":
        channel = "web_push"
    occurred = datetime.fromisoformat(at)
    row = {name: None for name in RAW_COLUMNS}
    row.update(
        event_id=fields.pop("event_id", f"evt-{next(_ids)}"),
        event_type=event_type,
        channel=channel,
        action=action,
        occurred_at=occurred,
        event_date=occurred.date(),
        user_id=user_id,
        is_machine_open=False,
        is_bot_click=False,
        is_drop=False,
        source_file="tests/handmade.avro",
        loaded_at=datetime(2026, 1, 1),
    )
    row.update(fields)
    return row


def load_events(url: str, rows: list[dict]) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        ensure_tables(conn)
        append_new_events(conn, pl.DataFrame(rows, schema=polars_schema(RAW_COLUMNS)))


def resources(url: str, home: Path, landing: Path | None = None, **settings) -> dict:
    return {
        "warehouse": Warehouse(url=url),
        "landing_zone": StorageLocation(url=str(landing or home / "landing")),
        "report_store": StorageLocation(url=str(home / "reports")),
        "settings": PipelineSettings(home=str(home), **settings),
    }


def ingest_landing(url: str, home: Path, landing: Path, **settings) -> dict:
    """Materialize `raw_currents_events` on `landing` (PipelineSettings from `settings`); its metadata values."""
    from engagement_pipeline.defs.ingest.assets import raw_currents_events

    result = dg.materialize(
        [raw_currents_events], resources=resources(url, home, landing, **settings), instance=dg.DagsterInstance.ephemeral()
    )
    (materialization,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in materialization.materialization.metadata.items()}


def model_assets() -> list[dg.AssetsDefinition]:
    """The catalog and every SQL model with its grain check (not the suite checks the code location adds)."""
    from engagement_pipeline.defs.ingest.assets import braze_catalog
    from engagement_pipeline.defs.models.factories import build_sql_assets
    from engagement_pipeline.lib.models.model_docs import load_model_docs
    from engagement_pipeline.lib.models.sql_models import discover_models

    models = discover_models()
    return [braze_catalog, *build_sql_assets(models, load_model_docs(models))]


def materialize_days(
    url: str, home: Path, first: date, last: date | None = None, selection: dg.AssetSelection | None = None, **settings
) -> dg.ExecuteInProcessResult:
    """Materialize every SQL model (or `selection`), with its grain checks, for first..last in one run."""
    last = last or first
    return dg.materialize(
        model_assets(),
        selection=selection,
        resources=resources(url, home, **settings),
        instance=dg.DagsterInstance.ephemeral(),
        tags={"dagster/asset_partition_range_start": first.isoformat(), "dagster/asset_partition_range_end": last.isoformat()},
        raise_on_error=True,
    )


def table(url: str, sql: str, **params) -> list[dict]:
    with make_engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def utc(at: str) -> datetime:
    return datetime.fromisoformat(at).replace(tzinfo=timezone.utc)


def ingested_counts(url: str) -> tuple[int, int, int]:
    """(events in the raw table, the manifest's sum of rows_loaded, manifest rows)."""
    (row,) = table(
        url,
        "select (select count(*) from raw_currents_events) as events,"
        " (select coalesce(sum(rows_loaded), 0) from currents_manifest) as counted,"
        " (select count(*) from currents_manifest) as files",
    )
    return int(row["events"]), int(row["counted"]), int(row["files"])
