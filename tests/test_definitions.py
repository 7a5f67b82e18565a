"""The code location loads, and its graph has the assets, checks and jobs a user relies on."""

import subprocess
import sys
from pathlib import Path

import dagster as dg

from engagement_pipeline.lib.models.sql_models import discover_models

ROOT = Path(__file__).resolve().parents[1]


def load() -> dg.Definitions:
    from engagement_pipeline.definitions import defs

    return defs()


def test_every_sql_model_but_an_ephemeral_is_an_asset_with_its_refs_as_dependencies():
    graph = load().resolve_asset_graph()
    for model in discover_models().values():
        key = dg.AssetKey(model.name)
        if model.is_ephemeral:  # inlined into the models that ref it; its refs are theirs
            assert key not in graph.get_all_asset_keys(), model.name
            continue
        assert key in graph.get_all_asset_keys(), model.name
        parents = {k.to_user_string() for k in graph.get(key).parent_keys}
        assert parents == set(model.refs), model.name


def test_assets_are_grouped_by_stage_and_described():
    graph = load().resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {"ingest", "models", "live"} <= groups
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, f"{key.to_user_string()} has no description"
        assert node.owners, f"{key.to_user_string()} has no owner"


def test_partitioned_models_backfill_in_one_run():
    graph = load().resolve_asset_graph()
    for model in discover_models().values():
        if model.is_partitioned:
            node = graph.get(dg.AssetKey(model.name))
            assert node.backfill_policy == dg.BackfillPolicy.single_run(), model.name


def test_each_grain_has_a_blocking_uniqueness_check():
    defs = load()
    names = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    models = discover_models()

    def guarded(name: str) -> bool:
        # its own check, or every model its grain follows from is guarded (a view over checked models)
        model = models[name]
        if model.checks_grain:
            return f"{name}_grain_is_unique" in names
        follows = model.settings["grain_follows_from"]
        return set(follows) <= set(model.refs) and all(guarded(upstream) for upstream in follows)

    for model in models.values():
        if model.unique_key:
            assert guarded(model.name), model.name


def test_the_variant_results_asset_is_partitioned_per_report():
    node = load().resolve_asset_graph().get(dg.AssetKey("variant_results"))
    assert node.group_name == "reports"
    assert node.partitions_def.name == "report_id"
    assert dg.AssetKey("int_user_touches__daily") in node.parent_keys


def test_jobs_exist():
    defs = load()
    for name in ("ingest_currents_job", "build_models_job"):
        assert defs.resolve_job_def(name).name == name


def test_the_ingest_job_keeps_the_live_view_current_and_checks_it_against_the_rollups():
    defs = load()
    graph = defs.resolve_asset_graph()
    live = dg.AssetKey("live_report")
    assert graph.get(live).group_name == "live" and dg.AssetKey("raw_currents_events") in graph.get(live).parent_keys
    checks = {key.name for key in graph.asset_check_keys if key.asset_key == live}
    assert checks == {"live_report_matches_daily_rollups"}
    job = defs.resolve_job_def("ingest_currents_job")
    assert {"raw_currents_events", "live_report"} <= set(job.graph.node_names())
    assert defs.resolve_sensor_def("landing_files_sensor").minimum_interval_seconds <= 30


def test_dagster_definitions_validate_passes(tmp_path):
    env = {
        "DAGSTER_HOME": str(tmp_path),
        "ENGAGEMENT_HOME": str(tmp_path / "home"),
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
    }
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
