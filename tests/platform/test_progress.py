"""The command line's progress line: counts and elapsed time, in place on a terminal, plain lines
elsewhere, silent unless the command enabled it, never in Dagster's event log."""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from engagement_pipeline.cli.runner import execute_job
from engagement_pipeline.lib.platform import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_one_line_rewritten_in_place(monkeypatch):
    monkeypatch.setattr(progress, "TTY_INTERVAL", 0.0)
    out = Terminal()
    with progress.enabled(out):
        tracker = progress.track("ingesting", total=3, unit="files")
        for n in range(3):
            tracker.update(advance=1, detail=f"{(n + 1) * 1000:,} events")
        tracker.close()
    lines = [f"ingesting: {n}/3 files, {n},000 events [0:00]" for n in (1, 2, 3)]
    assert out.getvalue() == "".join(f"\r{line}\x1b[K" for line in lines) + f"\r{lines[-1]}\x1b[K\n"


def test_a_log_gets_plain_lines_at_most_every_interval_and_the_final_one():
    out = io.StringIO()
    with progress.enabled(out):
        tracker = progress.track("generating", total=48, unit="hours")
        for _ in range(48):
            tracker.update(advance=1)
        tracker.close("9,000 events")
    assert out.getvalue() == "generating: 48/48 hours, 9,000 events [0:00]\n"


def test_nothing_is_shown_unless_the_command_enabled_it(capsys):
    tracker = progress.track("ingesting", total=1, unit="files")
    tracker.update(advance=1)
    tracker.close()
    assert capsys.readouterr() == ("", "")


def test_lines_bypass_a_step_capturing_stderr(capfd, tmp_path: Path):
    """Dagster points fd 2 at a compute-log file while a step runs: the line still reaches the
    command's stderr, and the step's log does not get it."""
    step_log = tmp_path / "compute.err"
    with progress.enabled(), step_log.open("w") as log:
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            progress.track("ingesting", total=1, unit="files").close()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    assert capfd.readouterr().err.startswith("ingesting: 0/1 files [0:00]")
    assert step_log.read_text() == ""


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (59.9, "0:59"), (61, "1:01"), (3725, "62:05")])
def test_elapsed_time_reads_as_minutes_and_seconds(seconds, text):
    assert progress.elapsed_text(seconds) == text


@dg.op
def first() -> int:
    return 1


@dg.op
def second(value: int) -> None:
    dg.get_dagster_logger().warning(f"only {value} row")


@dg.job
def two_steps_job() -> None:
    second(first())


def test_job_steps_are_counted_and_stay_out_of_the_event_log(capfd):
    out = io.StringIO()
    with dg.instance_for_test() as inst, progress.enabled(out):
        result = execute_job(dg.Definitions(jobs=[two_steps_job]), "two_steps_job", inst=inst)
        messages = [entry.user_message for entry in inst.all_logs(result.run_id)]
    assert result.success
    assert re.fullmatch(r"two_steps_job: 2/2 steps \[0:\d\d\]\n", out.getvalue())
    assert not any("steps [" in message for message in messages)
    assert "warning: second: only 1 row" in capfd.readouterr().err


def test_generation_and_ingestion_count_hours_files_and_events(tmp_path: Path, duckdb_url: str):
    from engagement_pipeline.sample_data.generator import generate_landing_zone
    from tests.support import ingest_landing

    out = io.StringIO()
    with progress.enabled(out):
        summary = generate_landing_zone(tmp_path / "landing", date(2026, 11, 1), days=1, events_per_day=300, seed=3)
        metadata = ingest_landing(duckdb_url, tmp_path, tmp_path / "landing")
    generated, ingested = out.getvalue().splitlines()
    assert generated.startswith(f"generating: 24/24 hours, {summary.events:,} events, {summary.files:,} files [")
    pending = metadata["files_read"]
    assert ingested.startswith(f"ingesting: {pending}/{pending} files, ")
    assert f"{metadata['rows_loaded']:,} loaded [" in ingested
