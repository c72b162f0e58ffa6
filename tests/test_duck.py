"""DuckDB never draws its progress bar into what the command line prints
(``toolkit.warehouse.duck``).

DuckDB prints a progress bar on standard output for a statement that runs over two seconds: a
large return's INSERT, or any statement on a slow machine. Standard output holds the report and
``--json``. Here every statement "runs long" (the bar's delay set to 0 on each connection the
toolkit opens), and what the command line printed must still be only its own output.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

from toolkit import cli
from toolkit.warehouse import duck

TOOLKIT = Path(cli.__file__).parent
AS_OF = ["--as-of", "2025-12-31"]
BAR = "elapsed)"  # the end of DuckDB's progress bar: "\r100% ▕███▏ (00:00:00.01 elapsed)"


def _cli(monkeypatch, capfd, *args: str) -> str:
    """Run the command line in this process; what reached file descriptor 1."""
    monkeypatch.setattr(sys, "argv", ["toolkit", *args])
    capfd.readouterr()
    with pytest.raises(SystemExit) as done:
        cli.main()
    out = capfd.readouterr().out
    assert done.value.code == 0, out
    return out


@pytest.fixture
def bar_at_once(monkeypatch):
    """Every connection the toolkit opens shows DuckDB's bar at once, unless told not to."""
    quiet = duck.quiet

    def eager(con):
        quiet(con).execute("SET progress_bar_time = 0")
        return con

    monkeypatch.setattr(duck, "quiet", eager)


def test_validate_json_is_only_json_even_when_every_statement_runs_long(
        make_raw, tmp_path, monkeypatch, capfd, bar_at_once):
    out = _cli(monkeypatch, capfd, "validate", "--raw", str(make_raw()), *AS_OF, "--json")
    assert BAR not in out and "\r" not in out
    assert json.loads(out)["valid"] is True


def test_load_prints_only_its_summary_even_when_every_statement_runs_long(
        make_raw, tmp_path, monkeypatch, capfd, bar_at_once):
    out = _cli(monkeypatch, capfd, "load", "--raw", str(make_raw()), "--out",
               str(tmp_path / "out"), *AS_OF)
    assert BAR not in out and "\r" not in out
    assert out.startswith("Loaded ")


def test_without_the_setting_the_bar_does_reach_standard_output(make_raw, monkeypatch, capfd):
    """The check above can fail: the same run, the bar shown at once and not silenced."""
    monkeypatch.setattr(duck, "quiet",
                        lambda con: con.execute("SET progress_bar_time = 0") and con)
    out = _cli(monkeypatch, capfd, "validate", "--raw", str(make_raw()), *AS_OF, "--json")
    assert BAR in out


def test_every_module_opens_duckdb_through_the_warehouse_duck_module():
    """A connection made elsewhere (``duckdb.connect``, ``duckdb.sql`` and the module's other
    functions, which use a default connection; ``.cursor()`` or ``.duplicate()``, which make
    a connection with DuckDB's default settings) would print the bar again."""
    def harmless(name: str) -> bool:  # exceptions and types, not connections
        return name.endswith(("Exception", "Error")) or name[:1].isupper()

    found = []
    for path in sorted(TOOLKIT.rglob("*.py")):
        if path.name == "duck.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "duckdb":
                found += [f"{path.name}:{node.lineno} from duckdb import {a.name}"
                          for a in node.names if not harmless(a.name)]
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            on = node.func.value.id if isinstance(node.func.value, ast.Name) else None
            if (node.func.attr in ("cursor", "duplicate") and on != "duck") or (
                    on == "duckdb" and not harmless(node.func.attr)):
                found.append(f"{path.name}:{node.lineno} {node.func.attr}()")
    assert found == []
