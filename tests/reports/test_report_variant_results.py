"""The variant results columns of campaigns.csv and canvases.csv, on both engines."""

import dagster as dg
import pytest

from engagement_pipeline.defs.reports.assets import variant_results
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.defs.resources import PipelineSettings, Warehouse
from tests.support.reports import pick, render

FRAME = "name: Spring\ntime_frame: {start: 2026-11-20, end: 2026-11-21}\nmessages: {campaigns: [c_exp, c_solo], canvases: [cv_x]}\n"
COLUMNS = ("variation_id", "channel", "variant_role", "exposed_users", "outcome_users", "outcome_rate", "uplift", "test", "verdict")


def _rows(built, folder: str, extra: str) -> dict[str, list[dict]]:
    url, home = built
    return render(url, home / folder, FRAME + extra)[1]


def test_each_variant_is_compared_with_the_control_group_on_conversions(built):
    files = _rows(built, "conversions", "interval: total\nvariant_results: {min_sample_size: 1}\n")
    campaigns = [r for r in files["campaigns.csv"] if r["campaign_id"] == "c_exp"]
    # va: u1, u2, u3, u9 sent (u1 twice), u1 converted; vb: u4, u5, u3, u4 converted (its copy counted once);
    # control: u6, u7, u8 enrolled (u8 twice: counted once), u6 and u7 converted
    assert pick(campaigns, *COLUMNS) == [
        ("va", "email", "variant", "4", "1", "0.25", "-0.416667", "fisher", "no significant difference"),
        ("vb", "email", "variant", "3", "1", "0.333333", "-0.333333", "fisher", "no significant difference"),
        ("vc", "control", "control", "3", "2", "0.666667", "", "", "baseline"),
    ]
    va = campaigns[0]
    assert float(va["uplift_ci_low"]) < -0.4166 < float(va["uplift_ci_high"])
    assert float(va["p_value_holm"]) >= float(va["p_value"])
    solo = [r for r in files["campaigns.csv"] if r["campaign_id"] == "c_solo"]
    assert [r["verdict"] for r in solo] == [""], "a campaign with one variant and no control is not an experiment"
    # cvA: u10, u11 sent, u10 converted (twice: one user); cvB: u12 sent and converted; baseline: the first by name
    canvases = pick(
        files["canvases.csv"], "canvas_variation_id", "step_id", "variant_role", "exposed_users", "outcome_users", "uplift", "verdict"
    )
    assert canvases == [
        ("cvA", "s1", "baseline", "2", "1", "", "baseline"),
        ("cvA", "s2", "baseline", "2", "1", "", "baseline"),
        ("cvB", "s1", "variant", "1", "1", "0.5", "no significant difference"),
    ]


def test_other_outcomes_compare_with_the_baseline_variant_and_fill_every_step_of_a_canvas_variation(built):
    files = _rows(built, "clicks", "interval: total\nvariant_results: {outcome: unique_clicks, baseline: Subject B}\n")
    campaigns = [r for r in files["campaigns.csv"] if r["campaign_id"] == "c_exp"]
    assert pick(campaigns, *COLUMNS) == [
        ("va", "email", "variant", "4", "1", "0.25", "0.25", "fisher", "not enough data"),
        ("vb", "email", "baseline", "3", "0", "0", "", "", "baseline"),
        ("vc", "control", "", "", "", "", "", "", ""),
    ]
    canvases = pick(files["canvases.csv"], "canvas_variation_id", "step_id", "variant_role", "exposed_users", "outcome_users", "verdict")
    assert canvases == [
        ("cvA", "s1", "baseline", "2", "1", "baseline"),
        ("cvA", "s2", "baseline", "2", "1", "baseline"),
        ("cvB", "s1", "variant", "1", "0", "not enough data"),
    ]


def test_daily_rows_recount_each_day(built):
    files = _rows(built, "daily", "interval: daily\nvariant_results: {}\n")
    rows = [r for r in files["campaigns.csv"] if r["campaign_id"] == "c_exp"]
    got = pick(rows, "period_start", "variation_id", "exposed_users", "outcome_users", "verdict")
    assert got == [
        ("2026-11-20", "va", "3", "1", "not enough data"),
        ("2026-11-20", "vb", "2", "1", "not enough data"),
        ("2026-11-20", "vc", "3", "1", "baseline"),
        ("2026-11-21", "va", "2", "0", "not enough data"),
        ("2026-11-21", "vb", "1", "0", "not enough data"),
        ("2026-11-21", "vc", "0", "1", "baseline"),
    ]


def test_a_report_without_the_block_has_no_variant_columns(built):
    files = _rows(built, "plain", "interval: total\n")
    assert "verdict" not in files["campaigns.csv"][0]


@pytest.mark.parametrize("bad", ["{outcome: opens}", "{min_sample_size: 0}"])
def test_a_bad_variant_results_block_names_the_field(built, bad):
    url, home = built
    with pytest.raises(Exception, match="variant_results"):
        render(url, home / "bad", FRAME + f"variant_results: {bad}\n")


@pytest.mark.parametrize("built", ["duckdb"], indirect=True)
def test_the_variant_results_asset_shows_the_table_in_its_metadata(built):
    url, home = built
    folder = home / "defs"
    folder.mkdir(exist_ok=True)
    (folder / "spring.yaml").write_text(FRAME + "variant_results: {min_sample_size: 1}\nrecipients: [a@example.com]\n")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(report_partitions.name, ["spring"])
    result = dg.materialize(
        [variant_results],
        partition_key="spring",
        instance=instance,
        resources={"warehouse": Warehouse(url=url), "settings": PipelineSettings(home=str(home), report_defs_dir=str(folder))},
    )
    (event,) = result.asset_materializations_for_node("variant_results")
    shown = {key: value.value for key, value in event.metadata.items()}
    assert shown["dagster/row_count"] == 5  # c_exp's three arms, cv_x's two variations
    assert shown["experiments"] == 2
    assert shown["winners"] == "none"
    assert shown["period"] == "2026-11-20 .. 2026-11-21"
    assert "| Spring test | Subject A | variant | 4 | 1 | 0.25 | -0.4167 |" in shown["results"]
