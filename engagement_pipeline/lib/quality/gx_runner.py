"""Run a check's expectations with Great Expectations 1.x on a small pandas frame.

One ephemeral GX context per process (no files written), progress bars off, a pandas
datasource whose batches are the frames the checks hand over. GX is imported here, lazily,
so loading the code location stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from engagement_pipeline.lib.platform.values import plain
from engagement_pipeline.lib.quality.suite import ExpectationSpec


@dataclass
class GxResult:
    success: bool
    observed: Any = None
    unexpected_count: int | None = None
    element_count: int | None = None
    unexpected_rows: list[dict] = field(default_factory=list)
    error: str | None = None


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("quality_frames").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _row(values: dict) -> dict:
    return {str(k): plain(v) for k, v in values.items()}


def validate_frame(
    frame: pd.DataFrame,
    specs: tuple[ExpectationSpec, ...],
    parameters: dict[str, Any],
    index_columns: list[str],
    suite_name: str,
) -> list[GxResult]:
    """GX's verdict on `frame` for each spec, in the order of `specs`."""
    import great_expectations as gx

    expectations = []
    for position, spec in enumerate(specs):
        expectation = spec.to_gx()
        expectation.meta = {**(expectation.meta or {}), "position": position}
        expectations.append(expectation)
    suite = gx.ExpectationSuite(name=suite_name, expectations=expectations)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    index = [c for c in index_columns if c in frame.columns]
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if index:
        result_format["unexpected_index_column_names"] = index
    validation = batch.validate(suite, expectation_parameters=parameters, result_format=result_format)
    results: list[GxResult] = [GxResult(success=False, error="not evaluated")] * len(specs)
    for outcome in validation.results:
        position = outcome.expectation_config.meta["position"]
        details = outcome.result or {}
        info = outcome.exception_info or {}
        error = info.get("exception_message") if info.get("raised_exception") else None
        unexpected = details.get("unexpected_index_list") or []
        results[position] = GxResult(
            success=bool(outcome.success) and error is None,
            observed=plain(details.get("observed_value")),
            unexpected_count=plain(details.get("unexpected_count")),
            element_count=plain(details.get("element_count")),
            unexpected_rows=[_row(r) for r in unexpected if isinstance(r, dict)],
            error=error,
        )
    return results
