"""Turn suite checks into Dagster asset checks and their results; used by defs/quality."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from engagement_pipeline.defs.check_partitions import failing_days, per_partition, window
from engagement_pipeline.defs.partitions import daily_partitions
from engagement_pipeline.defs.previews import markdown_table
from engagement_pipeline.defs.resources import PipelineSettings, Warehouse
from engagement_pipeline.lib.models.sql_models import SqlModel
from engagement_pipeline.lib.platform.values import plain
from engagement_pipeline.lib.quality.evaluate import evaluate_check
from engagement_pipeline.lib.quality.outcome import CheckOutcome
from engagement_pipeline.lib.quality.profiles import PROFILES
from engagement_pipeline.lib.quality.suite import CheckSpec, Suite, SuiteError

UNPARTITIONED_ASSETS = ("raw_currents_events",)
SEVERITY = {"error": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN}


def _cell(row: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in row.items())


def result_metadata(outcome: CheckOutcome) -> dict:
    check = outcome.check
    table = pd.DataFrame(
        [
            {
                "expectation": e.spec.label,
                "severity": e.spec.severity,
                "result": "passed" if e.success else "FAILED",
                "observed": e.observed,
                "why": e.spec.why,
            }
            for e in sorted(outcome.expectations, key=lambda e: e.success)
        ]
    )
    metadata = {
        "suite": f"{check.suite_file} (version {check.suite_version})",
        "window": outcome.window,
        "rows_checked": int(outcome.rows_checked),
        "failed_expectations": dg.MetadataValue.json([e.spec.label for e in outcome.failed]),
        "observed": dg.MetadataValue.json({e.spec.label: e.observed for e in outcome.failed}),
        "expectations": markdown_table(table, max_rows=len(table)),
        "error_partitions": dg.MetadataValue.json(outcome.days_failing("error")),
        "warn_partitions": dg.MetadataValue.json(outcome.days_failing("warn")),
        "partitions_checked": outcome.partitions_checked,
        "failures": dg.MetadataValue.json(outcome.failures()),
    }
    offending = [{"expectation": e.spec.label, "row": _cell(row)} for e in outcome.failed for row in e.offending]
    if offending:
        metadata["offending_keys"] = markdown_table(pd.DataFrame(offending), max_rows=len(offending))
    if outcome.notes:
        metadata["notes"] = dg.MetadataValue.json(outcome.notes)
    metadata.update({k: plain(v) for k, v in outcome.metadata.items()})
    return metadata


def to_result(outcome: CheckOutcome, key: dg.AssetCheckKey) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=outcome.passed,
        severity=SEVERITY[outcome.severity],
        description=outcome.summary,
        metadata=result_metadata(outcome),
    )


def quality_check_spec(check: CheckSpec, partitioned: bool) -> dg.AssetCheckSpec:
    """The suite check as Dagster declares it, on its own or in the step that builds its asset."""
    return dg.AssetCheckSpec(
        name=check.name,
        asset=dg.AssetKey(check.asset),
        description=check.description,
        blocking=check.blocking,
        additional_deps=[dg.AssetKey(dep) for dep in check.additional_deps],
        metadata={"suite": check.suite_file, "suite_version": check.suite_version, "gates_reports": check.gates_reports},
        partitions_def=daily_partitions if partitioned else None,
    )


def quality_check_results(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
    spec: dg.AssetCheckSpec,
    check: CheckSpec,
    model: SqlModel | None,
    warehouse: Warehouse,
    settings: PipelineSettings,
    targets=None,
) -> Iterator:
    """Evaluate the suite check on its window: one result, or one evaluation per day of a range run."""
    partitioned = spec.partitions_def is not None
    start, end = window(context) if partitioned else (None, None)
    outcome = evaluate_check(check, warehouse.engine, model, settings, start, end)
    for note in outcome.notes:
        context.log.warning(note)
    context.log.info(f"{check.asset}.{check.name}: {outcome.summary}")
    failing = failing_days(((e.spec.severity, e.failed_days) for e in outcome.failed), context.partition_keys) if partitioned else {}
    yield from per_partition(context, spec, to_result(outcome, spec.key), failing, targets)


def build_quality_check(check: CheckSpec, model: SqlModel | None) -> dg.AssetChecksDefinition:
    """The suite check as a step of its own (the checks of assets that are not SQL models)."""
    partitioned = model is not None and model.is_partitioned
    spec = quality_check_spec(check, partitioned)

    @dg.asset_check(
        asset=spec.asset_key,
        name=spec.name,
        blocking=spec.blocking,
        partitions_def=spec.partitions_def,
        description=spec.description,
        additional_deps=[dep.asset_key for dep in spec.additional_deps],
        metadata=spec.metadata,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse, settings: PipelineSettings) -> Iterator:
        events = list(quality_check_results(context, spec, check, model, warehouse, settings))
        yield from events
        if not any(isinstance(event, dg.AssetCheckResult) for event in events):  # a range run's evaluations
            yield dg.Output(None)

    return _check


def _validate(suite: Suite, models: dict[str, SqlModel]) -> None:
    """Refuse at load time what would only fail when the check runs."""
    if suite.asset not in models and suite.asset not in UNPARTITIONED_ASSETS:
        raise SuiteError(f"{suite.path}: asset {suite.asset!r} is not a SQL model nor one of {UNPARTITIONED_ASSETS}")
    model = models.get(suite.asset)
    if model and model.is_ephemeral:
        raise SuiteError(f"{suite.path}: {suite.asset!r} is an ephemeral model (never written); check the models that ref it")
    for check in suite.checks:
        where = f"{suite.path}: check {check.name}"
        if check.target == "rows" and not (model and model.is_partitioned):
            raise SuiteError(f"{where}: target `rows` needs a partitioned SQL model")
        if check.target != "rows" and check.target not in PROFILES:
            raise SuiteError(f"{where}: unknown target {check.target!r}; known: rows, {', '.join(sorted(PROFILES))}")
        unknown = [dep for dep in check.additional_deps if dep not in models or models[dep].is_ephemeral]
        if unknown:
            raise SuiteError(f"{where}: additional_deps {unknown} are not SQL models written to the warehouse")


def build_quality_checks(suites: tuple[Suite, ...], models: dict[str, SqlModel]) -> list[dg.AssetChecksDefinition]:
    """The checks of every suite whose asset is not a SQL model (those run in the step that builds
    their model: defs/models); every suite is validated."""
    checks = []
    for suite in suites:
        _validate(suite, models)
        if suite.asset not in models:
            checks.extend(build_quality_check(check, None) for check in suite.checks)
    return checks


def model_suite_checks(suites: tuple[Suite, ...], models: dict[str, SqlModel]) -> dict[str, tuple[CheckSpec, ...]]:
    """Model name -> its suite checks (validated), for the steps that build the models."""
    found: dict[str, tuple[CheckSpec, ...]] = {}
    for suite in suites:
        _validate(suite, models)
        if suite.asset in models:
            found[suite.asset] = found.get(suite.asset, ()) + tuple(suite.checks)
    return found
