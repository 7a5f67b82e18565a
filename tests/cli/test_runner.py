"""The one in-process way to run a job (`execute_job`, `run_job`) and how a failed run reads (`failure_message`)."""

import io

import dagster as dg
import pytest

from engagement_pipeline.cli.runner import QUIET, PipelineOutcome, execute_job, failure_message, run_job
from engagement_pipeline.lib.platform import progress


@dg.op(config_schema={"word": str})
def echo(context: dg.OpExecutionContext) -> str:
    return context.op_config["word"]


@dg.op
def no_rows() -> None:
    raise ValueError("no rows for 2026-11-01")


@dg.op
def bad_definition() -> None:
    raise dg.Failure("interval 'fortnightly' is not one of daily, weekly, monthly")


@dg.job
def echo_job() -> None:
    echo()


@dg.job
def broken_job() -> None:
    no_rows()
    bad_definition()


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["r_promo", "r_news"]))
def report_id(context: dg.AssetExecutionContext) -> str:
    return context.partition_key


@dg.multi_asset(specs=[dg.AssetSpec(name) for name in ("stg_events", "int_stats", "daily_stats")])
def three_models():
    for name in ("stg_events", "int_stats", "daily_stats"):
        yield dg.MaterializeResult(asset_key=name)


DEFS = dg.Definitions(
    jobs=[echo_job, broken_job, dg.define_asset_job("report_job", [report_id]), dg.define_asset_job("models_job", [three_models])],
    assets=[report_id, three_models],
)


@pytest.fixture
def inst():
    with dg.instance_for_test() as instance:
        yield instance


def test_execute_job_merges_run_config_over_quiet_and_passes_partition_and_tags(inst):
    result = execute_job(DEFS, "echo_job", inst=inst, run_config={"ops": {"echo": {"config": {"word": "hi"}}}}, tags={"k": "v"})
    assert result.success and result.output_for_node("echo") == "hi"
    assert result.dagster_run.run_config["loggers"] == QUIET["loggers"]
    assert result.dagster_run.tags["k"] == "v"
    assert failure_message(result) is None
    partitioned = execute_job(DEFS, "report_job", inst=inst, partition_key="r_news")
    assert partitioned.output_for_node("report_id") == "r_news"


def test_the_progress_line_counts_the_assets_a_step_materializes(inst):
    stream = io.StringIO()
    with progress.enabled(stream):
        execute_job(DEFS, "models_job", inst=inst)
    assert stream.getvalue().splitlines()[-1].startswith("models_job: 1/1 steps, 3 materializations [")


FAILURE = "interval 'fortnightly' is not one of daily, weekly, monthly"
WRAPPED = "ValueError: no rows for 2026-11-01"  # the cause, not Dagster's 'Error occurred while executing op "no_rows"'


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, f"{FAILURE}\n{WRAPPED}"),
        ({"separator": "; ", "step_keys": True}, f"bad_definition: {FAILURE}; no_rows: {WRAPPED}"),
    ],
)
def test_failure_message_lists_every_failed_step(inst, options, expected):
    result = execute_job(DEFS, "broken_job", inst=inst)
    assert not result.success
    assert failure_message(result, **options) == expected


class LockedError(OSError):
    pass


@dg.op
def open_warehouse() -> None:
    try:
        raise LockedError('IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in python (PID 7)')
    except LockedError as exc:
        raise RuntimeError("(duckdb.IOException) wrapped by the SQL layer") from exc


@dg.job
def chained_job() -> None:
    open_warehouse()


def test_failure_message_is_the_innermost_cause_of_a_chain(inst):
    result = execute_job(dg.Definitions(jobs=[chained_job]), "chained_job", inst=inst)
    message = failure_message(result)
    assert message == 'LockedError: IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in python (PID 7)'
    assert "Error occurred while executing op" not in message


def test_run_job_records_the_failed_steps_in_the_outcome(inst):
    outcome = PipelineOutcome(success=True)
    result = run_job(DEFS, "broken_job", outcome, inst=inst)
    assert outcome.run_ids == [result.run_id]
    assert not outcome.success
    assert outcome.failure == f"bad_definition: {FAILURE}; no_rows: {WRAPPED}"
