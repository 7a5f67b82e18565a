"""`make demo`, then `make ui`: the sensors `dagster dev` starts without a cursor redo nothing the demo did.

The demo runs for real on the embedded default (a small landing zone, the example reports plus
one daily report the three days of data cover, the outbox); the sensors are then evaluated as
the daemon would on its first tick, against the same Dagster instance and warehouse, and must not
deliver, ingest or rebuild anything again, whether the demo sent a report or held it for data.
"""

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from engagement_pipeline.cli.demo import run_demo
from engagement_pipeline.cli.runner import instance, load_defs
from engagement_pipeline.lib.delivery.planning import load_cursor

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

EXAMPLES = Path(__file__).resolve().parents[2] / "reports"
SENSORS = ("report_definitions_sensor", "report_schedule_sensor", "landing_files_sensor", "late_data_sensor")
COVERED = """name: Yesterday's promos
messages: {tags: {match: any, values: [promo]}}
time_frame: {last_days: 1}
recipients: [crm-team@example.com]
schedule: {every: {days: 1}, at: "00:30", starting: 2026-11-01}
"""


@pytest.fixture
def demo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("ENGAGEMENT_") or name == "DAGSTER_HOME":
            monkeypatch.delenv(name)
    home = tmp_path / "engagement"
    definitions = shutil.copytree(EXAMPLES, tmp_path / "reports")
    (definitions / "yesterdays_promos.yaml").write_text(COVERED)
    monkeypatch.setenv("ENGAGEMENT_HOME", str(home))
    monkeypatch.setenv("ENGAGEMENT_REPORT_DEFS", str(definitions))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    return home


def first_tick(defs: dg.Definitions, inst: dg.DagsterInstance, name: str, cursor: str | None = None) -> dg.SensorResult:
    sensor = defs.resolve_sensor_def(name)
    with (
        dg.build_sensor_context(instance=inst, cursor=cursor, resources=defs.resources, definitions=defs) as context,
        dg.partition_loading_context(dynamic_partitions_store=inst),
    ):
        return sensor.evaluate_tick(context)


def test_the_sensors_started_after_the_demo_request_nothing_it_did_already(demo_home):
    printed: list[str] = []
    assert run_demo(days=3, events_per_day=200, echo=printed.append, print_checks=lambda outcome: None) == 0, printed
    emails = sorted((demo_home / "outbox").glob("*.eml"))
    assert "yesterdays_promos: email sent to crm-team@example.com" in [line.strip() for line in printed], printed
    assert sum("email sent" in line for line in printed) == len(emails)

    defs, inst = load_defs(), instance()
    try:
        first = {name: first_tick(defs, inst, name) for name in SENSORS}
        again = {name: first_tick(defs, inst, name, first[name].cursor) for name in SENSORS if first[name].cursor}
    finally:
        inst.dispose()

    requested = {name: [r.run_key for r in result.run_requests or []] for name, result in first.items()}
    assert requested == {name: [] for name in SENSORS}
    assert all(not result.run_requests for result in again.values())
    assert set(again) == {"report_schedule_sensor", "landing_files_sensor", "late_data_sensor"}
    reports = {path.stem for path in EXAMPLES.glob("*.yaml")} | {"yesterdays_promos"}
    assert set(load_cursor(first["report_schedule_sensor"].cursor)) == reports
    assert sorted((demo_home / "outbox").glob("*.eml")) == emails
