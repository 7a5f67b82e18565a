"""A report id becomes a path in one place (`definition_path`): only plain file stems of the definitions folder."""

from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest
from typer.testing import CliRunner

from engagement_pipeline.cli import app
from engagement_pipeline.cli.report_runs import render_report
from engagement_pipeline.cli.resend import resend
from engagement_pipeline.defs.reports.partitions import report_partitions
from engagement_pipeline.lib.reports.spec import ReportDefinitionError, definition_path

NOT_IDS = ["../../somewhere", "../outside", "sub/report", "/etc/passwd", ".hidden", "weekly.yaml", "", "a b", "..", "x\nBcc"]


@pytest.mark.parametrize("report_id", NOT_IDS)
def test_only_a_plain_file_stem_resolves_to_a_definition(tmp_path: Path, report_id: str):
    with pytest.raises(ReportDefinitionError, match=r"\(report id\): .* is not a report id; expected the file stem"):
        definition_path(tmp_path, report_id)


def test_a_stem_resolves_to_its_yaml_or_yml_file(tmp_path: Path):
    (tmp_path / "weekly-promo_2.yml").write_text("name: x\n")
    assert definition_path(tmp_path, "weekly-promo_2") == tmp_path / "weekly-promo_2.yml"
    assert definition_path(tmp_path, "absent") == tmp_path / "absent.yaml"


@pytest.fixture
def layout(tmp_path: Path, monkeypatch) -> Path:
    """A definitions folder two levels down, and a YAML file outside it that `../../somewhere` would name."""
    defs = tmp_path / "project" / "reports"
    defs.mkdir(parents=True)
    (tmp_path / "somewhere.yaml").write_text("name: [unclosed\n")
    monkeypatch.chdir(defs)
    monkeypatch.setenv("ENGAGEMENT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    monkeypatch.setenv("ENGAGEMENT_REPORT_DEFS", str(defs))
    return tmp_path


@pytest.mark.parametrize(
    "command", [["report", "resend", "../../somewhere", "--due", "2026-11-23T08:00Z"], ["report", "run", "../../somewhere"]]
)
def test_commands_refuse_an_id_that_leaves_the_definitions_folder(layout: Path, command: list[str]):
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "(report id): '../../somewhere' is not a report id" in result.output
    assert "somewhere.yaml" not in result.output  # the outside file was not read
    assert not (layout / "home" / "dagster").exists()  # refused before any instance or run


def test_render_and_resend_refuse_a_bad_id_before_adding_a_partition(tmp_path: Path):
    instance = dg.DagsterInstance.ephemeral()
    with pytest.raises(ReportDefinitionError, match="not a report id"):
        render_report(dg.Definitions(), instance, "../x")
    with pytest.raises(ReportDefinitionError, match="not a report id"):
        resend(dg.Definitions(), instance, None, SimpleNamespace(report_id="a/b"), None)  # type: ignore[arg-type]
    assert instance.get_dynamic_partitions(report_partitions.name) == []
