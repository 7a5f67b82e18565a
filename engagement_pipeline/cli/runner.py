"""Run the pipeline in-process for a date range (the CLI's `materialize` and `demo`).

Each stage is a Dagster job run recorded in the instance (visible in the UI):
ingestion (unpartitioned), then every model and check of the range as ONE run
(single-run backfill), then whatever the caller adds (reports).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Callable

import dagster as dg

from engagement_pipeline.instance.embedded import instance  # noqa: F401  (the CLI's instance)
from engagement_pipeline.instance.run_launcher import run_worker_tags
from engagement_pipeline.lib.platform.progress import track

if TYPE_CHECKING:
    from dagster_shared.error import SerializableErrorInfo

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


STEP_ENDS = frozenset({"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"})


class _StepLines(logging.Handler):
    """One line per warning a step logs. Dagster's own events (a step failure with its stack trace)
    are left out: the command prints the root cause of every failed step (``failure_message``); the
    end of each step advances the command's progress line, and each materialization its count (a
    step of the models materializes many assets)."""

    def __init__(self, level: int, on_step_end: Callable[[], None], on_materialization: Callable[[], None]) -> None:
        super().__init__()
        self.print_level, self.on_step_end, self.on_materialization = level, on_step_end, on_materialization

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is not None:
            if event.event_type_value in STEP_ENDS:
                self.on_step_end()
            elif event.event_type_value == "ASSET_MATERIALIZATION":
                self.on_materialization()
            return
        if record.levelno < self.print_level:
            return
        source = meta.get("step_key") or meta.get("job_name")
        message = meta.get("orig_message") or record.getMessage()
        clear = "\r\x1b[K" if sys.stderr.isatty() else ""  # over a progress line being redrawn
        sys.stderr.write(f"{clear}{record.levelname.lower()}: {source + ': ' if source else ''}{message}\n")


def console_logger(
    on_step_end: Callable[[], None] = lambda: None, on_materialization: Callable[[], None] = lambda: None
) -> dg.LoggerDefinition:
    """The command line's console: one line per warning, no event dumps; ``on_step_end`` is called as
    each step ends, ``on_materialization`` as each asset (or partition) is materialized."""

    @dg.logger(
        {"log_level": dg.Field(str, is_required=False, default_value="WARNING")},
        description="The command line's console: one line per warning, no event dumps.",
    )
    def cli_console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("engagement", level=logging.DEBUG)
        level = logging.getLevelName(init_context.logger_config["log_level"].upper())
        logger.addHandler(_StepLines(level, on_step_end, on_materialization))
        return logger

    return cli_console_logger


@dataclass
class CheckOutcome:
    """One check evaluation. A range run records one evaluation per day (partition) of a partitioned
    check, its metadata narrowed to that day; runs of earlier versions recorded one for all the
    days, whose metadata names the days checked, the days that failed or warned, and per day what
    was expected and found (``failures``); other checks count as one day, their partition."""

    asset: str
    check: str
    partition: str | None
    passed: bool
    severity: str
    partitions_checked: int = 1
    error_partitions: list[str] | None = None
    warn_partitions: list[str] | None = None
    failures: list[dict] = field(default_factory=list)
    description: str | None = None

    @property
    def error_days(self) -> list[str]:
        if self.passed or self.severity != "ERROR":
            return []
        return self.error_partitions or [self.partition or ""]

    @property
    def warn_days(self) -> list[str]:
        if self.passed:
            return []
        if self.warn_partitions is not None:
            return self.warn_partitions
        return [self.partition or ""] if self.severity == "WARN" else []


@dataclass
class PipelineOutcome:
    success: bool
    run_ids: list[str] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    materializations: int = 0
    failure: str | None = None


def load_defs() -> dg.Definitions:
    from engagement_pipeline.definitions import defs

    return defs()


def root_cause(error: SerializableErrorInfo) -> str:
    """The innermost cause of a step error, as "<Class>: <message>" (a ``dg.Failure`` as its description alone).

    Dagster wraps what an op raised ("Error occurred while executing op ...") and SQLAlchemy wraps the
    driver's error; the person at the terminal needs the innermost one, such as the DuckDB lock."""
    while error.cause is not None:
        error = error.cause
    text = error.message.strip()
    first, _, rest = text.partition(": ")
    if rest and first.rsplit(".", 1)[-1] == error.cls_name:  # "module.Class: message"
        text = rest
    return text if error.cls_name == "Failure" or not error.cls_name else f"{error.cls_name}: {text}"


def failure_message(
    result: dg.ExecuteInProcessResult, *, separator: str = "\n", step_keys: bool = False, fallback: str = "the run failed"
) -> str | None:
    """None for a successful run; else the root cause of each failed step's error joined by ``separator``.

    With ``step_keys`` each error reads "<step>[, <step>...]: <error>". ``fallback`` is the message of a run
    that failed without a step error (a run fails whenever one of its steps does).
    """
    if result.success:
        return None
    failures = [e for e in result.all_events if e.is_step_failure and e.step_failure_data and e.step_failure_data.error]
    by_cause: dict[str, list[str]] = {}
    for event in failures:
        by_cause.setdefault(root_cause(event.step_failure_data.error), []).append(event.step_key or "")
    if step_keys:  # steps that failed for one cause share a line: "a, b: <cause>"
        return separator.join(f"{', '.join(steps)}: {cause}" for cause, steps in by_cause.items()) or fallback
    return separator.join(by_cause) or fallback


def _collect(result: dg.ExecuteInProcessResult, outcome: PipelineOutcome) -> None:
    outcome.run_ids.append(result.run_id)
    outcome.materializations += len(result.get_asset_materialization_events())
    for evaluation in result.get_asset_check_evaluations():
        meta = {name: value.value for name, value in evaluation.metadata.items()}
        outcome.checks.append(
            CheckOutcome(
                asset=evaluation.asset_key.to_user_string(),
                check=evaluation.check_name,
                partition=evaluation.partition,
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                partitions_checked=int(meta.get("partitions_checked", 1)),
                error_partitions=meta.get("error_partitions"),
                warn_partitions=meta.get("warn_partitions"),
                failures=list(meta.get("failures") or []),
                description=evaluation.description,
            )
        )
    if not result.success:
        outcome.success = False
        outcome.failure = failure_message(result, separator="; ", step_keys=True, fallback="run failed")


def execute_job(
    defs: dg.Definitions,
    job_name: str,
    *,
    inst: dg.DagsterInstance | None = None,
    partition_key: str | None = None,
    run_config: dict | None = None,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run ``job_name`` in this process, recorded in ``inst`` and tagged with this host (run monitoring
    checks the process); ``run_config`` is merged over QUIET.

    The console shows the warnings steps log, one line each. A failed run does not raise: read
    ``result.success`` and ``failure_message(result)``.
    """
    job = defs.resolve_job_def(job_name)
    steps = track(f"{job_name}", total=len(job.graph.nodes), unit="steps")
    materialized = 0

    def count_materialization() -> None:
        nonlocal materialized
        materialized += 1
        steps.update(detail=f"{materialized:,} materialization{'' if materialized == 1 else 's'}")

    job = job.with_logger_defs({"console": console_logger(lambda: steps.update(advance=1), count_materialization)})
    result = job.execute_in_process(
        instance=inst or instance(),
        partition_key=partition_key,
        run_config={**QUIET, **(run_config or {})},
        tags={**run_worker_tags(), **(tags or {})},
        raise_on_error=False,
    )
    steps.close()
    return result


def run_job(
    defs: dg.Definitions,
    job_name: str,
    outcome: PipelineOutcome,
    *,
    start: date | None = None,
    end: date | None = None,
    tags: dict[str, str] | None = None,
    inst: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    run_tags = dict(tags or {})
    if start is not None and end is not None:
        run_tags.update({"dagster/asset_partition_range_start": start.isoformat(), "dagster/asset_partition_range_end": end.isoformat()})
    result = execute_job(defs, job_name, inst=inst, tags=run_tags)
    _collect(result, outcome)
    return result


def run_pipeline(
    start: date,
    end: date,
    *,
    log: Callable[[str], None] = print,
    defs: dg.Definitions | None = None,
    inst: dg.DagsterInstance | None = None,
) -> PipelineOutcome:
    """Ingest new files, then build every model and check for start..end (inclusive) in one run."""
    defs = defs or load_defs()
    inst = inst or instance()
    outcome = PipelineOutcome(success=True)
    log("[1/2] ingesting new Currents files and the message catalog")
    run_job(defs, "ingest_currents_job", outcome, inst=inst)
    if not outcome.success:
        return outcome
    log(f"[2/2] building models and running checks for {start} .. {end} (one run)")
    run_job(defs, "build_models_job", outcome, start=start, end=end, inst=inst)
    return outcome
