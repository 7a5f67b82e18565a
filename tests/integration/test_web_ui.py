"""The web UI as a user runs it: dagster-webserver + dagster-daemon, GraphQL, and the React app in headless Chromium."""

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import requests

from engagement_pipeline.cli.runner import PipelineOutcome, load_defs, run_job
from engagement_pipeline.instance.embedded import ensure_embedded_home
from engagement_pipeline.lib.models.model_docs import load_model_docs
from tests.support.avro_files import currents_key, write_events
from tests.support.browser import Chromium, chromium_path, wait_for
from tests.support.s3_server import free_port

pytestmark = [pytest.mark.webui, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
BIN = Path(sys.executable).parent
LOCATION = "engagement_pipeline"
NOV20 = 1_795_132_800  # 2026-11-20T00:00:00Z

WORKSPACE = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message }
    ... on RepositoryLocation { repositories { name jobs { name } schedules { name } sensors { name }
      assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name } } } } } } } } } } }"""
LAUNCH = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } ... on InvalidSubsetError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }"""
SENSORS = """{ sensorsOrError(repositorySelector: {repositoryLocationName: "engagement_pipeline", repositoryName: "__repository__"}) {
  ... on Sensors { results { name sensorState { id status } } } } }"""
STOP_SENSOR = """mutation($id: String!) { stopSensor(id: $id) { __typename ... on StopSensorMutationResult { instigationState { status } }
  ... on PythonError { message } } }"""
COLUMNS = """query($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { ... on AssetNode { description
  metadataEntries { label ... on TableSchemaMetadataEntry { schema { columns { name type description } } } } } } }"""
RUN = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""
MATERIALIZATIONS = """query($key: AssetKeyInput!, $partition: String!) { assetOrError(assetKey: $key) { ... on Asset {
  assetMaterializations(partitions: [$partition]) { runId partition metadataEntries { label ... on IntMetadataEntry { intValue } } } } } }"""


@contextmanager
def process_group(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Start a server in its own process group and end the whole group (code servers, run workers) afterwards."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield proc
        finally:
            for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    continue


def server_env(home: Path, dagster_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENGAGEMENT_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(dagster_home),
        ENGAGEMENT_HOME=str(home),
        # An empty definitions folder: no scheduled report runs compete for the single run slot.
        ENGAGEMENT_REPORT_DEFS=str(home / "report_defs"),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def skip_newsletter_and_screenshot(browser: Chromium, path: Path) -> Path:
    """The first visit shows Dagster's newsletter dialog; close it as a user would, then take the screenshot."""
    browser.evaluate("[...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Skip')?.click()")
    wait_for("the newsletter dialog closing", lambda: "Join the Dagster community" not in browser.text(), 15)
    return browser.screenshot(path)


@pytest.fixture
def chromium_binary() -> str:
    return chromium_path()


@pytest.fixture
def ui_home(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """ENGAGEMENT_HOME with a small landing zone and an embedded DAGSTER_HOME, also set for this process."""
    home, dagster_home = tmp_path / "home", tmp_path / "dagster"
    write_events(
        home / "landing" / currents_key("users.messages.email.Send", "2026-11-20-10", "a"),
        [
            {"id": "s1", "user_id": "u1", "time": NOV20 + 36_000},
            {"id": "s2", "user_id": "u2", "time": NOV20 + 36_060},
            {"id": "s3", "user_id": "u3", "time": NOV20 + 36_120},
        ],
    )
    (home / "report_defs").mkdir()
    ensure_embedded_home(dagster_home)
    for name, value in server_env(home, dagster_home).items():
        if name.startswith(("ENGAGEMENT_", "DAGSTER_")):
            monkeypatch.setenv(name, value)
    return home, dagster_home


def ingest_in_process(defs: dg.Definitions, dagster_home: Path) -> None:
    """What `engagement materialize` does first: an ingestion run recorded in the same instance."""
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        outcome = PipelineOutcome(success=True)
        run_job(defs, "ingest_currents_job", outcome, inst=instance)
        assert outcome.success, outcome.failure
    finally:
        instance.dispose()


def graphql(base: str, query: str, **variables: Any) -> dict:
    response = requests.post(f"{base}/graphql", json={"query": query, "variables": variables}, timeout=60)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def test_web_ui_lists_the_code_location_and_materializes_a_partition(ui_home, chromium_binary, tmp_path, capsys):
    home, dagster_home = ui_home
    env = server_env(home, dagster_home)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = [tmp_path / "webserver.log", tmp_path / "daemon.log"]
    web = [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    daemon = [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"]
    with process_group(web, env, logs[0]):
        defs = load_defs()
        ingest_in_process(defs, dagster_home)
        wait_for("GET /server_info answering 200", lambda: _ok(f"{base}/server_info"), 150, logs)

        (entry,) = graphql(base, WORKSPACE)["workspaceOrError"]["locationEntries"]
        assert (entry["name"], entry["loadStatus"]) == (LOCATION, "LOADED"), entry
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry["locationOrLoadError"].get("message")
        (repo,) = entry["locationOrLoadError"]["repositories"]
        assert_lists_the_definitions(repo, defs)
        assert_shows_the_model_docs(base, "campaign_daily_stats")
        stop_sensors(base)

        with process_group(daemon, env, logs[1]):
            run_id = launch_partition(base, "2026-11-20")
            status = wait_for(f"run {run_id} finishing", lambda: _finished(base, run_id), 150, logs)
        assert status == "SUCCESS", f"run {run_id} ended {status}; see {logs[1]}"
        data = graphql(base, MATERIALIZATIONS, key={"path": ["stg_currents__events"]}, partition="2026-11-20")
        mine = [m for m in data["assetOrError"]["assetMaterializations"] if m["runId"] == run_id]
        assert [m["partition"] for m in mine] == ["2026-11-20"]
        assert {e["label"]: e.get("intValue") for e in mine[0]["metadataEntries"]}["dagster/row_count"] == 3

        browser = Chromium(chromium_binary, tmp_path / "chromium")
        try:
            browser.open(
                f"{base}/locations/{LOCATION}/asset-groups/ingest",
                lambda t: "raw_currents_events" in t and "braze_catalog" in t and "Materialized" in t,
            )
            lineage = skip_newsletter_and_screenshot(browser, ARTIFACTS / "web_ui_ingest_lineage.png")
            counts = browser.open(f"{base}/assets/stg_currents__events?view=partitions", lambda t: re.search(r"Materialized \((\d+)\)", t))
            assert int(counts.group(1)) == 1 and "stg_currents__events" in browser.text()
            partitions = browser.screenshot(ARTIFACTS / "web_ui_stg_partitions.png")
        finally:
            browser.close()
    with capsys.disabled():
        print(f"\nweb UI screenshots: {lineage} {partitions}")


def stop_sensors(base: str) -> None:
    """Turn every sensor off in the UI before the daemon starts, so the only run is the one this test launches."""
    for sensor in graphql(base, SENSORS)["sensorsOrError"]["results"]:
        if sensor["sensorState"]["status"] == "RUNNING":
            result = graphql(base, STOP_SENSOR, id=sensor["sensorState"]["id"])["stopSensor"]
            assert result.get("instigationState", {}).get("status") == "STOPPED", (sensor["name"], result)


def assert_lists_the_definitions(repo: dict, defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    repository = defs.get_repository_def()
    assets = {"/".join(n["assetKey"]["path"]) for n in repo["assetNodes"]}
    checks = {
        ("/".join(n["assetKey"]["path"]), c["name"]) for n in repo["assetNodes"] for c in (n["assetChecksOrError"].get("checks") or [])
    }
    assert {"raw_currents_events", "stg_currents__events"} <= assets
    assert assets == {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert ("stg_currents__events", "stg_currents__events_grain_is_unique") in checks
    assert checks == {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert {"ingest_currents_job", "build_models_job"} <= {j["name"] for j in repo["jobs"]}
    assert {s["name"] for s in repo["schedules"]} == {s.name for s in repository.schedule_defs}
    assert {s["name"] for s in repo["sensors"]} == {s.name for s in repository.sensor_defs}


def assert_shows_the_model_docs(base: str, model: str) -> None:
    """The asset page's Columns come from the model's YAML docs: names, types and descriptions."""
    doc = load_model_docs()[model]
    node = graphql(base, COLUMNS, key={"path": [model]})["assetNodeOrError"]
    (schema,) = [e["schema"] for e in node["metadataEntries"] if e["label"] == "dagster/column_schema"]
    assert [(c["name"], c["type"], c["description"]) for c in schema["columns"]] == [
        (c.name, c.data_type, c.description) for c in doc.columns
    ]
    assert node["description"] == doc.description


def launch_partition(base: str, partition: str) -> str:
    """What "Materialize" on one partition of stg_currents__events does in the UI: a queued run of that partition."""
    selector = {
        "repositoryLocationName": LOCATION,
        "repositoryName": "__repository__",
        "jobName": "build_models_job",
        "assetSelection": [{"path": ["stg_currents__events"]}],
        "assetCheckSelection": [{"assetKey": {"path": ["stg_currents__events"]}, "name": "stg_currents__events_grain_is_unique"}],
    }
    params = {"selector": selector, "mode": "default", "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]}}
    result = graphql(base, LAUNCH, params=params)["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def _ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def _finished(base: str, run_id: str) -> str | None:
    status = graphql(base, RUN, id=run_id)["runOrError"]["status"]
    return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None
