"""Every command has help text and is documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from toolkit.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(typer.main.get_command(app).commands)


def test_the_cli_has_the_commands_the_issues_ask_for():
    assert {"validate", "load", "publish", "bulletin", "build", "synth"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name):
    command = typer.main.get_command(app).commands[name]
    assert command.help and len(command.help.strip()) > 20


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name):
    assert f"`toolkit {name}" in README


def test_the_readme_opens_with_the_two_commands():
    block = README.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert block == [
        "python -m pip install -e '.[dev]' && python -m toolkit build --period 2025-Q4",
        "python -m pytest",
    ]


def test_every_validation_rule_is_documented():
    from toolkit.checks import RULES

    page = (Path(__file__).resolve().parent.parent / "docs" / "validation-rules.md").read_text(
        encoding="utf-8")
    missing = [slug for slug in RULES if f"| `{slug}` |" not in page]
    assert not missing
