"""The whole code location as a reviewer reads it: assets (group, kinds, partitions, deps), checks,
jobs, schedules and sensors, compared with `tests/snapshots/asset_graph.txt`. A change to the
graph shows as a diff of that file in review.

Update after an intended change: `UPDATE_SNAPSHOTS=1 make test`, or for this file alone
`UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_asset_graph_snapshot.py`."""

import difflib
import os
from pathlib import Path

import dagster as dg
import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"
UPDATE = "UPDATE_SNAPSHOTS=1 make test  (or UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_asset_graph_snapshot.py)"


def _names(keys) -> str:
    return ", ".join(sorted(key.to_user_string() for key in keys)) or "-"


def _selection(job, graph) -> list[str]:
    """The job's selection as written (`group:"models"`), else what it resolves to, one key a line."""
    try:
        return [f"{job.name}: {job.selection.to_selection_str()}"]
    except NotImplementedError:  # a selection built from keys has no string form
        assets = sorted(key.to_user_string() for key in job.selection.resolve(graph))
        checked = sorted({check.asset_key.to_user_string() for check in job.selection.resolve_checks(graph)})
        lines = [f"{job.name}:"]
        lines += [f"  asset {key}" for key in assets]
        lines += [f"  checks of {key}" for key in checked]
        return lines


def render(defs: dg.Definitions) -> str:
    """A stable text of the graph: sorted, one fact per line, no Python module paths."""
    graph = defs.resolve_asset_graph()
    lines = [f"# {SNAPSHOT.relative_to(SNAPSHOT.parents[2])}: written by tests/test_asset_graph_snapshot.py", f"# update: {UPDATE}", ""]

    lines.append("## assets")
    for spec in sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string()):
        lines += [
            f"{spec.key.to_user_string()}",
            f"  group: {spec.group_name}",
            f"  kinds: {', '.join(sorted(spec.kinds)) or '-'}",
            f"  partitions: {spec.partitions_def or 'none'}",
            f"  deps: {_names(dep.asset_key for dep in spec.deps)}",
        ]

    lines += ["", "## asset checks"]
    for key in sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        blocking = "blocking" if graph.get_check_spec(key).blocking else "non-blocking"
        lines.append(f"{key.asset_key.to_user_string()}: {key.name} ({blocking})")

    lines += ["", "## jobs"]
    for job in sorted({job.name: job for job in defs.jobs or []}.values(), key=lambda j: j.name):
        lines += _selection(job, graph)

    lines += ["", "## schedules"]
    for name in sorted(schedule.name for schedule in defs.schedules or []):
        schedule = defs.resolve_schedule_def(name)
        lines.append(
            f"{name}: cron '{schedule.cron_schedule}' {schedule.execution_timezone or 'UTC'}, job {schedule.job_name},"
            f" {schedule.default_status.value.lower()} by default"
        )

    lines += ["", "## sensors"]
    for name in sorted(sensor.name for sensor in defs.sensors or []):
        sensor = defs.resolve_sensor_def(name)
        jobs = sorted(target.job_name for target in sensor.targets) or ["-"]
        lines.append(
            f"{name}: {sensor.sensor_type.value.lower()}, jobs {', '.join(jobs)},"
            f" every {sensor.minimum_interval_seconds} s, {sensor.default_status.value.lower()} by default"
        )
    return "\n".join(lines) + "\n"


def test_the_asset_graph_matches_its_snapshot():
    from engagement_pipeline.definitions import defs

    actual = render(defs())
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(actual)
        return
    expected = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "snapshot (committed)", "definitions (now)")
        )
        pytest.fail(f"the asset graph differs from {SNAPSHOT.name}; if the change is intended, run\n  {UPDATE}\n\n{diff}", pytrace=False)
