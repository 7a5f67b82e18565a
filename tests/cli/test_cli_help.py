"""`engagement --version` and the help of every command: flags read as flags (no `<bool>` after them)."""

from importlib.metadata import version

import click
import pytest
import typer
from typer.testing import CliRunner

from engagement_pipeline.cli import app

COMMAND = typer.main.get_command(app)


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            paths.extend(command_paths(sub, (*path, name)))
    return paths


def test_version_prints_the_installed_package_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"engagement {version('engagement-pipeline')}\n"


@pytest.mark.parametrize("path", command_paths(COMMAND), ids=lambda p: " ".join(p) or "engagement")
def test_help_shows_no_value_after_a_flag(path):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "--help  " in result.output or "--help\n" in result.output


def test_a_boolean_option_reads_as_its_two_flags():
    result = CliRunner().invoke(app, ["report", "validate", "--help"])
    assert "--catalog / --no-catalog" in result.output
