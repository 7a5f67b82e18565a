"""Turn the SQL models into Dagster assets with their grain and suite checks; used by defs/models.

The models of a run execute in a few steps, not one step per model and per check: one multi-asset
per stage of `lib/models/stages.py` (the daily models upstream of the message catalog, the catalog,
the daily models that read it). A step materializes its selected models in dependency order, each
with its own materialization and metadata, and evaluates each selected check right after its
model; a model whose blocking check failed stops the models that read it, as separate steps did.
Selecting checks alone (`data_quality_job`, a check in the UI) evaluates them without rebuilding."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import dagster as dg

from engagement_pipeline.defs.check_partitions import latest_materializations, window
from engagement_pipeline.defs.models.grain import grain_check_results, grain_check_spec
from engagement_pipeline.defs.partitions import daily_partitions
from engagement_pipeline.defs.previews import markdown_table
from engagement_pipeline.defs.quality.factories import quality_check_results, quality_check_spec
from engagement_pipeline.defs.resources import PipelineSettings, Warehouse
from engagement_pipeline.lib.ingest.braze_lists import ensure_catalog_tables
from engagement_pipeline.lib.ingest.load import ensure_tables
from engagement_pipeline.lib.models.chunks import chunk_window, events_by_day
from engagement_pipeline.lib.models.model_docs import ModelDoc, ModelDocsError, check_columns, check_ephemeral_columns
from engagement_pipeline.lib.models.sql_models import SqlModel, run_model_by_day
from engagement_pipeline.lib.models.stages import plan_stages
from engagement_pipeline.lib.quality.suite import CheckSpec

OWNERS = ["team:data-engineering"]


def model_params(settings: PipelineSettings) -> dict:
    return {"count_bot_clicks": settings.count_bot_clicks}


def column_schema(doc: ModelDoc) -> dg.TableSchema:
    """The documented columns as Dagster shows them on the asset page (Columns), the grain as a table constraint."""
    columns = [
        dg.TableColumn(
            column.name,
            column.data_type,
            column.description,
            constraints=dg.TableColumnConstraints(unique=True) if "unique" in column.data_tests else None,
        )
        for column in doc.columns
    ]
    return dg.TableSchema(columns=columns, constraints=dg.TableConstraints(other=[f"grain (unique): {', '.join(doc.grain)}"]))


def model_spec(model: SqlModel, doc: ModelDoc, docs: Mapping[str, ModelDoc] | None = None) -> dg.AssetSpec:
    """The model's asset as the UI shows it, described by its docs (`_<layer>__models.yml`). An
    ephemeral model is no asset: its refs are the deps of the models that inline it."""
    if model.is_ephemeral:
        raise ValueError(f"{model.name} is ephemeral: it is inlined into the models that ref it, not an asset")
    inlined = inlined_docs(model, docs or {})
    return dg.AssetSpec(
        key=model.name,
        deps=[dg.AssetKey(ref) for ref in model.refs],
        partitions_def=daily_partitions if model.is_partitioned else None,
        group_name="models",
        kinds={"sql", "view" if model.is_view else "table"},
        owners=OWNERS,
        tags={"layer": model.layer},
        description=doc.description,
        metadata={
            "sql_file": f"dbt_like_sql/{model.layer}/{model.name}.sql",
            "grain": ", ".join(model.unique_key) or "n/a",
            "dagster/column_schema": column_schema(doc),
            **({"ephemeral_sql_files": ", ".join(f"dbt_like_sql/{e.layer}/{e.name}.sql" for e, _ in inlined)} if inlined else {}),
        },
    )


def inlined_docs(model: SqlModel, docs: Mapping[str, ModelDoc]) -> list[tuple[SqlModel, ModelDoc]]:
    undocumented = [ephemeral.name for ephemeral in model.ephemerals if ephemeral.name not in docs]
    if undocumented:
        raise ValueError(f"{model.name}: pass the docs of the ephemeral models it inlines ({', '.join(undocumented)})")
    return [(ephemeral, docs[ephemeral.name]) for ephemeral in model.ephemerals]


def materialize_model(
    context: dg.AssetExecutionContext,
    model: SqlModel,
    doc: ModelDoc,
    docs: Mapping[str, ModelDoc],
    warehouse: Warehouse,
    settings: PipelineSettings,
    chunks: Sequence[tuple[date, date]] = (),
) -> dg.MaterializeResult:
    """Write the model's window (a table: chunk by chunk of `chunks`, when given, in one transaction);
    a run fails, writing nothing, when the built table's columns differ from the documented ones, or
    those of an ephemeral model it inlines from that model's docs."""
    partitioned = model.is_partitioned
    start, end = window(context) if partitioned else (None, None)
    with warehouse.begin() as conn:
        if partitioned and not model.is_view and len(chunks) > 1:
            counts = {}
            for chunk_start, chunk_end in chunks:
                counts.update(run_model_by_day(conn, model, chunk_start, chunk_end, model_params(settings)) or {})
        else:
            counts = run_model_by_day(conn, model, start, end, model_params(settings))
        try:
            check_columns(conn, doc)
            for ephemeral, ephemeral_doc in inlined_docs(model, docs):
                check_ephemeral_columns(conn, ephemeral_doc, ephemeral, {**model_params(settings), "start_date": start, "end_date": end})
        except ModelDocsError as exc:
            raise dg.Failure(description=str(exc)) from None
    rows = None if counts is None else sum(counts.values())
    where = f" where {model.partition_by} >= :s and {model.partition_by} < :e" if partitioned else ""
    # A view's preview is any ten rows: sorting a day of raw events costs seconds.
    order = f" order by {', '.join(model.unique_key)}" if model.unique_key and not model.is_view else ""
    preview = warehouse.read_frame(f"select * from {model.name}{where}{order} limit 10", {"s": start, "e": end})
    counted = f"{rows:,} rows" if rows is not None else "view (rows not counted)"
    context.log.info(f"{model.name}: {counted}" + (f" for {start} .. {end}" if partitioned else ""))
    metadata = {"preview": markdown_table(preview)}
    if counts is not None and partitioned:
        record_rows_by_partition(context, model.name, counts)
    elif rows is not None:
        metadata["dagster/row_count"] = int(rows)
    if partitioned:
        metadata["window"] = f"{start} .. {end} (end exclusive)"
    return dg.MaterializeResult(asset_key=model.name, metadata=metadata)


def record_rows_by_partition(context: dg.AssetExecutionContext, asset: str, counts: dict) -> None:
    """Each partition's materialization carries its own day's `dagster/row_count` (a range run
    records one materialization per day; without this each would show the range's total)."""
    for key in context.partition_keys:
        metadata = {"dagster/row_count": int(counts.get(date.fromisoformat(key), 0))}
        context.add_asset_metadata(metadata, asset_key=asset, partition_key=key)


@dataclass(frozen=True)
class ModelCheck:
    spec: dg.AssetCheckSpec
    evaluate: Callable[..., Iterator]  # (context, warehouse, settings, targets) -> results or per-day evaluations

    @property
    def reads(self) -> list[str]:
        return [dep.asset_key.to_user_string() for dep in self.spec.additional_deps]


def model_checks(model: SqlModel, suite: Sequence[CheckSpec], with_grain: bool = True) -> list[ModelCheck]:
    """The model's grain check (if it has its own), then its suite checks in suite order."""
    found = []
    if with_grain and model.checks_grain:
        spec = grain_check_spec(model)
        found.append(ModelCheck(spec, lambda c, w, _s, t, spec=spec: grain_check_results(c, spec, model, w, t)))
    for check in suite:
        spec = quality_check_spec(check, model.is_partitioned)
        found.append(ModelCheck(spec, lambda c, w, s, t, spec=spec, check=check: quality_check_results(c, spec, check, model, w, s, t)))
    return found


def build_sql_assets(
    models: Mapping[str, SqlModel], docs: Mapping[str, ModelDoc], suites: Mapping[str, Sequence[CheckSpec]] | None = None
) -> list[dg.AssetsDefinition]:
    """Every model's asset but an ephemeral model's (it is inlined into the assets that ref it), with its
    grain check and the suite checks of `suites` (model name -> checks): one step per stage."""
    suites = suites or {}
    reads = {name: [dep for check in checks for dep in check.additional_deps] for name, checks in suites.items()}
    return [build_model_step(stage.name, stage.models, docs, suites) for stage in plan_stages(models, reads)]


def build_sql_asset(model: SqlModel, doc: ModelDoc, docs: Mapping[str, ModelDoc] | None = None) -> dg.AssetsDefinition:
    """One model as a step of its own, without checks."""
    return build_model_step(model.name, (model,), {**(docs or {}), model.name: doc}, {}, with_grain=False)


def build_model_step(
    name: str,
    models: Sequence[SqlModel],
    docs: Mapping[str, ModelDoc],
    suites: Mapping[str, Sequence[CheckSpec]],
    with_grain: bool = True,
) -> dg.AssetsDefinition:
    """One step (op) materializing `models` (one kind: daily or whole, in dependency order) and checking them."""
    partitioned = {model.is_partitioned for model in models}
    if len(partitioned) != 1:
        raise ValueError(f"{name}: a step holds daily models or whole-table models, not both")
    checks = {model.name: model_checks(model, suites.get(model.name, ()), with_grain) for model in models}

    @dg.multi_asset(
        name=name,
        specs=[model_spec(model, docs[model.name], docs) for model in models],
        check_specs=[check.spec for found in checks.values() for check in found],
        can_subset=True,
        partitions_def=daily_partitions if partitioned == {True} else None,
        backfill_policy=dg.BackfillPolicy.single_run(),
        description=f"Builds {', '.join(model.name for model in models)} (those selected, in this order) and runs their checks.",
    )
    def _step(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: PipelineSettings) -> Iterator:
        yield from run_step(context, models, docs, checks, warehouse, settings)

    return _step


def run_step(
    context: dg.AssetExecutionContext,
    models: Sequence[SqlModel],
    docs: Mapping[str, ModelDoc],
    checks: Mapping[str, Sequence[ModelCheck]],
    warehouse: Warehouse,
    settings: PipelineSettings,
) -> Iterator:
    """Build the selected models and evaluate the selected checks. A failed model or blocking check stops
    the models that read it and the checks that read those, and the others go on; the step then fails
    (with the first error, or Dagster's failed blocking check)."""
    selected, selected_checks = context.selected_asset_keys, context.selected_asset_check_keys
    stopped: dict[str, str] = {}
    errors: list[Exception] = []
    targets = _cached(lambda key, keys: latest_materializations(context.instance, key, keys))
    chunks: list[tuple[date, date]] = []
    if any(dg.AssetKey(model.name) in selected for model in models):
        with warehouse.begin() as conn:  # the tables the models read, once per step (a fresh warehouse has none)
            ensure_tables(conn)
            ensure_catalog_tables(conn)
            start, end = window(context) if models[0].is_partitioned else (None, None)
            if start is not None and (end - start).days > 1:
                chunks = chunk_window(start, end, events_by_day(conn, start, end))
    for model in models:
        key = dg.AssetKey(model.name)
        upstream = next((ref for ref in model.refs if ref in stopped), None)
        if key in selected and upstream is not None:  # nor its checks (they judge what it would have built)
            stopped[model.name] = stopped[upstream]
            context.log.warning(f"{model.name}: not built: {stopped[upstream]}")
            continue
        if key in selected:
            try:
                yield materialize_model(context, model, docs[model.name], docs, warehouse, settings, chunks)
            except Exception as exc:  # the models that do not read it are still built
                context.log.error(f"{model.name}: {exc}")
                errors.append(exc)
                stopped[model.name] = f"{model.name} failed"
                continue
        for check in checks[model.name]:
            if check.spec.key not in selected_checks or any(dep in stopped for dep in check.reads):
                continue
            try:
                events = list(check.evaluate(context, warehouse, settings, targets))
            except Exception as exc:
                context.log.error(f"{model.name}: check {check.spec.name}: {exc}")
                errors.append(exc)
                events = []
            yield from events
            if not any(isinstance(event, dg.AssetCheckResult) for event in events) and events:  # a range run's evaluations
                yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(check.spec.key))
            # As a failed blocking check's own step did: what reads the model waits, checks alone or not.
            if check.spec.blocking and (not events or any(_failed_with_error(event) for event in events)):
                stopped[model.name] = f"{model.name} failed its blocking check {check.spec.name}"
    if errors:
        raise errors[0]


def _failed_with_error(event: object) -> bool:
    failed = isinstance(event, (dg.AssetCheckResult, dg.AssetCheckEvaluation)) and not event.passed
    return failed and event.severity == dg.AssetCheckSeverity.ERROR


def _cached(find: Callable[[dg.AssetKey, list[str]], dict]) -> Callable[[dg.AssetKey, list[str]], dict]:
    """Each asset's latest materializations, read once per step (its checks share them)."""
    found: dict = {}

    def lookup(key: dg.AssetKey, keys: list[str]) -> dict:
        if key not in found:
            found[key] = find(key, keys)
        return found[key]

    return lookup
