"""Options every command takes (issue 19 item 7): ``toolkit --version``, and ``--debug`` before
or after the command name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from toolkit import __version__

ROOT = Path(__file__).resolve().parent.parent


def toolkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_version_prints_the_version_and_exits_0():
    run = toolkit("--version")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == __version__


@pytest.mark.slow  # a fresh process each
@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_the_command_shows_the_traceback(tmp_path, where):
    missing = str(tmp_path / "no-such-folder")
    args = (["--debug", "validate", "--raw", missing] if where == "before"
            else ["validate", "--raw", missing, "--debug"])
    run = toolkit(*args)
    assert run.returncode != 0
    assert "Traceback (most recent call last)" in run.stderr
    assert "CliError: raw data folder" in run.stderr


@pytest.mark.slow  # a fresh process
def test_without_debug_an_error_is_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "no-such-folder"
    run = toolkit("validate", "--raw", str(missing))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip() == f"error: raw data folder {missing} does not exist"


def test_every_command_lists_debug_in_its_help():
    from typer.testing import CliRunner

    from toolkit.cli import app

    runner = CliRunner()
    for command in ("validate", "load", "publish", "bulletin", "build", "review", "synth"):
        result = runner.invoke(app, [command, "--help"], terminal_width=200)
        assert result.exit_code == 0, (command, result.output)
        assert "--debug" in result.output, command
    result = runner.invoke(app, ["build", "--debug", "--help"])
    assert result.exit_code == 0


@pytest.mark.slow  # fresh processes
def test_bulletin_lang_picks_an_edition_of_a_preview_only(tmp_path):
    def run(*args: str) -> tuple[int, str]:
        done = subprocess.run([sys.executable, "-c", "from toolkit.cli import main; main()",
                               "bulletin", "--out", str(tmp_path / "none"), *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        return done.returncode, done.stderr

    code, error = run("--lang", "ko")
    assert code == 2 and "--lang goes with --preview" in error
    code, error = run("--lang", "fr", "--preview", str(tmp_path / "preview"))
    assert code == 2 and "language 'fr' is not one of en, ko" in error
    assert not (tmp_path / "preview").exists()
