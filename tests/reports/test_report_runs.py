"""`report_files` as a Dagster asset: runs, metadata, refusals, the definitions sensor, the code location, the CLI."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from engagement_pipeline.cli import app as cli
from engagement_pipeline.cli.report_runs import render_all_reports, render_report
from engagement_pipeline.cli.runner import load_defs
from engagement_pipeline.defs.reports import assets, jobs, sensors
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.outputs import read_outputs
from tests.support import resources
from tests.support.reports import build_workspace

FRAME = "time_frame: {start: 2026-09-30, end: 2026-11-02}\n"
GOOD = "name: Promo by month\nmessages: {tags: {values: [promo]}}\ninterval: monthly\n" + FRAME + "recipients: [a@example.com]\n"
UNKNOWN_ID = "name: Typo\nmessages: {campaigns: [c_prommo]}\n" + FRAME + "recipients: [a@example.com]\n"
BAD_YAML = "name: Bad\nmessages: {campaigns: [c_promo]}\ninterval: fortnightly\nrecipients: [a@example.com]\n"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> tuple[str, Path]:
    home = tmp_path_factory.mktemp("report_runs")
    url = f"duckdb:///{home / 'warehouse.duckdb'}"
    build_workspace(url, home)
    return url, home


def definitions_folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "definitions"
    folder.mkdir(exist_ok=True)
    for report_id, text in files.items():
        (folder / f"{report_id}.yaml").write_text(text)
    return folder


def report_defs(url: str, home: Path, folder: Path) -> dg.Definitions:
    return dg.Definitions(
        assets=[assets.report_files],
        jobs=[jobs.render_report_job],
        sensors=[sensors.report_definitions_sensor],
        resources=resources(url, home, report_defs_dir=str(folder)),
    )


def test_a_run_stores_the_files_and_shows_links_rows_and_preview(workspace, tmp_path):
    url, _ = workspace
    defs = report_defs(url, tmp_path, definitions_folder(tmp_path, promo=GOOD))
    instance = dg.DagsterInstance.ephemeral()
    due = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    ok, metadata = render_report(defs, instance, "promo", due_at=due)

    assert ok, metadata
    zip_path = tmp_path / "reports" / "promo" / "20261123T080000Z" / "promo.zip"
    assert metadata["link: promo.zip"] == str(zip_path.resolve()) and zip_path.is_file()
    assert metadata["rows: campaigns.csv"] == 3 * 4 and metadata["dagster/row_count"] == 12
    assert metadata["period"] == "2026-09-30 .. 2026-11-02"
    assert "| 2026-09-30 | 2026-09-30 | c_app | App promo |" in metadata["preview"]
    run = instance.get_run_by_id(metadata["run_id"])
    assert run.tags["report_id"] == "promo" and run.tags["dagster/partition"] == "promo"
    with make_engine(url).connect() as conn:
        [output] = read_outputs(conn, "promo", run_id=metadata["run_id"])
    assert output.due_at == datetime(2026, 11, 23, 8, 0) and output.files[0].url == str(zip_path.resolve())


def test_a_time_frame_override_replaces_the_definitions(workspace, tmp_path):
    url, _ = workspace
    defs = report_defs(url, tmp_path, definitions_folder(tmp_path, promo=GOOD))
    ok, metadata = render_report(
        defs, dg.DagsterInstance.ephemeral(), "promo", start=datetime(2026, 10, 1).date(), end=datetime(2026, 10, 31).date()
    )
    assert ok and metadata["period"] == "2026-10-01 .. 2026-10-31" and metadata["periods"] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (UNKNOWN_ID, "broken.yaml: messages.campaigns[0]: no campaign with id 'c_prommo' in the message catalog"),
        (BAD_YAML, "broken.yaml: interval: got 'fortnightly'; expected"),
        (None, "broken.yaml: (file): does not exist; expected a report definition file"),
    ],
)
def test_an_invalid_definition_fails_the_run_with_its_errors(workspace, tmp_path, text, expected):
    url, _ = workspace
    folder = definitions_folder(tmp_path, **({"broken": text} if text else {}))
    ok, metadata = render_report(report_defs(url, tmp_path, folder), dg.DagsterInstance.ephemeral(), "broken")
    assert not ok
    assert expected in metadata["error"] and "Traceback" not in metadata["error"]
    assert metadata["error"].startswith(str(folder))


def test_render_all_reports_lists_links_and_goes_on_after_errors(workspace, tmp_path):
    url, _ = workspace
    folder = definitions_folder(tmp_path, promo=GOOD, typo=UNKNOWN_ID, bad=BAD_YAML)
    said: list[str] = []
    lines = render_all_reports(report_defs(url, tmp_path, folder), dg.DagsterInstance.ephemeral(), said.append)
    link = tmp_path / "reports"
    assert lines[0] == "bad: not rendered (invalid definition, see above)"
    assert lines[1].startswith("promo: ") and lines[1].endswith("promo.zip") and str(link) in lines[1]
    assert lines[2].startswith("typo: not rendered (") and "c_prommo" in lines[2]
    assert any("typo.yaml: messages.campaigns[0]" in line for line in said)


def test_sensor_keeps_partitions_in_step_with_the_folder(tmp_path):
    folder = definitions_folder(tmp_path, promo=GOOD, typo=UNKNOWN_ID)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(report_partitions.name, ["retired"])
    settings = resources("duckdb:///unused", tmp_path, report_defs_dir=str(folder))["settings"]

    result = sensors.report_definitions_sensor(dg.build_sensor_context(instance=instance, resources={"settings": settings}))
    add, delete = result.dynamic_partitions_requests
    assert (add.partition_keys, delete.partition_keys) == (["promo", "typo"], ["retired"])

    instance.add_dynamic_partitions(report_partitions.name, ["promo", "typo"])
    instance.delete_dynamic_partition(report_partitions.name, "retired")
    (folder / "typo.yaml").write_text(BAD_YAML)
    (folder / "promo.yaml").unlink()
    result = sensors.report_definitions_sensor(dg.build_sensor_context(instance=instance, resources={"settings": settings}))
    [delete] = result.dynamic_partitions_requests
    assert delete.partition_keys == ["promo"]
    assert "typo.yaml: interval: got 'fortnightly'" in str(result.skip_reason)


def test_code_location_has_the_report_asset_job_and_sensor():
    defs = load_defs()
    asset = defs.resolve_assets_def("report_files")
    assert asset.partitions_def == report_partitions
    assert asset.group_names_by_key[dg.AssetKey("report_files")] == "reports"
    upstream = {key.to_user_string() for key in asset.dependency_keys}
    assert set(assets.DAILY_SOURCES) | {"message_catalog", "message_components"} <= upstream
    assert defs.resolve_job_def("render_report_job").partitions_def == report_partitions
    sensor = defs.resolve_sensor_def("report_definitions_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_cli_validates_lists_and_runs_reports(workspace, tmp_path, monkeypatch):
    url, _ = workspace
    folder = definitions_folder(tmp_path, promo=GOOD, typo=UNKNOWN_ID)
    for name, value in {
        "ENGAGEMENT_HOME": tmp_path / "home",
        "ENGAGEMENT_WAREHOUSE_URL": url,
        "ENGAGEMENT_REPORT_DEFS": folder,
        "DAGSTER_HOME": tmp_path / "dagster",
    }.items():
        monkeypatch.setenv(name, str(value))
    runner = CliRunner()

    checked = runner.invoke(cli, ["report", "validate", str(folder / "promo.yaml"), str(folder / "typo.yaml")])
    assert checked.exit_code == 1
    assert "ok  " in checked.output and "typo.yaml: messages.campaigns[0]: no campaign with id 'c_prommo'" in checked.output

    listed = runner.invoke(cli, ["report", "list"])
    assert listed.exit_code == 0 and "promo" in listed.output and "immediately (UTC)" in listed.output

    outside = tmp_path / "elsewhere" / "october.yaml"
    outside.parent.mkdir()
    shutil.copy(folder / "promo.yaml", outside)
    ran = runner.invoke(cli, ["report", "run", str(outside), "--from", "2026-10-01", "--to", "2026-10-31"])
    assert ran.exit_code == 0, ran.output
    assert "october: 2026-10-01 .. 2026-10-31" in ran.output
    assert f"october.zip: {tmp_path / 'home' / 'reports' / 'october'}" in ran.output

    failed = runner.invoke(cli, ["report", "run", "typo"])
    assert failed.exit_code == 1 and "typo.yaml: messages.campaigns[0]" in failed.output
