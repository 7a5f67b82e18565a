"""The alert email of a failed run: run id, job, failed steps and their error messages."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

MAX_ERROR_CHARS = 2000


def _error(event: dg.DagsterEvent) -> str:
    data = event.step_failure_data
    if data is None or data.error is None:
        return event.message or "no error message"
    return data.error.message.strip()[:MAX_ERROR_CHARS]


def failure_alert(run: dg.DagsterRun, run_message: str | None, step_failures: Sequence[dg.DagsterEvent]) -> tuple[str, str, dict[str, str]]:
    """(subject, headline, details) describing the failed run."""
    partition = run.tags.get("dagster/partition") or ""
    where = f" ({partition})" if partition else ""
    subject = f"Run failed: {run.job_name}{where}"
    details = {"Run": run.run_id, "Job": run.job_name}
    if partition:
        details["Partition"] = partition
    start, end = run.tags.get("dagster/asset_partition_range_start"), run.tags.get("dagster/asset_partition_range_end")
    if start and end:
        details["Partitions"] = f"{start} .. {end}"
    if step_failures:
        details["Failed step"] = ", ".join(sorted({e.step_key or "?" for e in step_failures}))
        details["Error"] = "\n\n".join(f"{e.step_key}: {_error(e)}" for e in step_failures)
    else:
        details["Error"] = (run_message or "the run failed before any step ran").strip()[:MAX_ERROR_CHARS]
    headline = f"Dagster run {run.run_id[:8]} of {run.job_name} failed."
    return subject, headline, details
