"""`toolkit validate`: exit codes, the lines and summary users see, --json and --report.

The command runs in this process (Typer's runner, or ``main`` as ``python -m toolkit`` calls
it); one test runs it as a fresh process. Tests that only read one run's output share it.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHIPPED_RAW, base_rows, raw_copy, to_csv
from typer.testing import CliRunner

from toolkit.checks import FIELDS
from toolkit.cli import app, main

ROOT = Path(__file__).parent.parent
AS_OF = ["--as-of", "2025-12-31"]


def run(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


@pytest.fixture(scope="module")
def negative_persons(tmp_path_factory) -> Path:
    """The valid set with one count below the minimum (read only)."""
    header, rows = base_rows("detentions")
    rows[1]["persons"] = "-20"
    return raw_copy(tmp_path_factory.mktemp("cli") / "detentions-negative-persons",
                    {"detentions/detentions-negative-persons.csv": to_csv(header, rows)},
                    drop=["detentions"])


@pytest.fixture(scope="module")
def invalid(negative_persons):
    return run("--raw", str(negative_persons), *AS_OF)


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory):
    raw = raw_copy(tmp_path_factory.mktemp("cli") / "detentions-binary",
                   {"detentions/detentions-binary.csv": bytes(range(256))})
    return run("--raw", str(raw), *AS_OF)


@pytest.fixture(scope="module")
def shipped_run():
    return run("--raw", str(SHIPPED_RAW), "--as-of", "2026-11-28")


def test_valid_data_exits_0_with_the_summary(make_raw):
    result = run("--raw", str(make_raw()), *AS_OF)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 0
    assert result.stdout == "The data is valid: 0 errors, 0 warnings.\n"


def test_invalid_data_exits_1_with_the_summary(invalid):
    assert invalid.exit_code == 1
    assert invalid.stdout.splitlines()[1:] == [
        "By rule: min 1", "The data is invalid: 1 error, 0 warnings."]


def test_a_finding_is_printed_with_file_row_column_rule_and_value(invalid):
    assert invalid.stdout.splitlines()[0] == (
        "ERROR detentions/detentions-negative-persons.csv, row 3, column persons [min] value "
        "'-20': -20 is below the minimum of 1")


def test_an_unreadable_file_exits_2_with_the_summary(unreadable):
    assert unreadable.exit_code == 2
    assert unreadable.stdout.splitlines()[1:] == [
        "By rule: unreadable_file 1", "Some input could not be read: 1 error, 0 warnings."]


def test_an_unreadable_file_is_printed_with_its_name_and_reason(unreadable):
    assert unreadable.stdout.splitlines()[0] == (
        "ERROR detentions/detentions-binary.csv [unreadable_file]: the file is binary, not CSV "
        "text")


def test_json_gives_the_same_report_for_machines(negative_persons):
    result = run("--raw", str(negative_persons), *AS_OF, "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc == {
        "valid": False, "exit_code": 1, "summary": "The data is invalid: 1 error, 0 warnings.",
        "errors": 1, "warnings": 0,
        "findings": [{
            "severity": "error", "rule": "min", "dataset": "detentions",
            "file": "detentions/detentions-negative-persons.csv", "row": 3,
            "column": "persons", "value": "-20", "message": "-20 is below the minimum of 1",
        }],
    }
    assert list(doc["findings"][0]) == list(FIELDS)


def test_report_writes_every_finding_as_csv(negative_persons, tmp_path):
    out = tmp_path / "reports" / "findings.csv"
    result = run("--raw", str(negative_persons), *AS_OF, "--report", str(out))
    assert result.exit_code == 1
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [{
        "severity": "error", "rule": "min", "dataset": "detentions",
        "file": "detentions/detentions-negative-persons.csv", "row": "3", "column": "persons",
        # A number stays a number; a text that starts like one and goes on is neutralised
        # (a spreadsheet would read "-20 is below ..." as a formula).
        "value": "-20", "message": "'-20 is below the minimum of 1",
    }]


def test_limit_caps_the_printed_findings_but_not_the_report(make_raw, tmp_path):
    header, rows = base_rows("detentions")
    for row in rows:
        row["reason"] = ""
    raw = make_raw("detentions-no-reasons",
                   {"detentions/detentions-no-reasons.csv": to_csv(header, rows)},
                   drop=["detentions"])
    out = tmp_path / "all.csv"
    result = run("--raw", str(raw), *AS_OF, "--limit", "1", "--report", str(out))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[1] == "… and 1 more; --limit 0 shows all, --report FILE.csv writes all"
    assert lines[-1] == "The data is invalid: 2 errors, 0 warnings."
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def module(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


MISUSE = [
    (["validate", "--raw", "no/such/folder"], "raw data folder no/such/folder does not exist"),
    (["validate", "--raw", "tests/fixtures/raw/valid", "--as-of", "14/10/2025"],
     "--as-of '14/10/2025' is not a date in the form YYYY-MM-DD"),
    (["validate", "--raw", "tests/fixtures/raw/valid", "--encoding", "klingon"],
     "unknown encoding 'klingon' (try utf-8 or cp949)"),
    (["validate", "--raw", "tests/fixtures/raw/valid", "--engine", "duckdb"],
     "No such option: --engine"),
]


@pytest.mark.parametrize("args, message", MISUSE)
def test_misuse_exits_2_with_one_line_and_no_traceback(args, message, monkeypatch, capfd):
    """``main`` as ``python -m toolkit`` runs it, in this process."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "argv", ["toolkit", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capfd.readouterr()
    assert done.value.code == 2
    assert message in err
    assert "Traceback" not in err + out


@pytest.mark.slow  # a fresh process each
@pytest.mark.parametrize("args, message", [MISUSE[0], MISUSE[-1]])
def test_misuse_in_a_fresh_process_exits_2_with_one_line_and_no_traceback(args, message):
    done = module(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_load_writes_the_warehouse_and_says_how_many_rows(make_raw, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["load", "--raw", str(make_raw()), "--out", str(out),
                                      *AS_OF])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Loaded sources 2, detentions 2, repatriations 1, "
                                    "fatalities 1, reported_figures 1 rows into ")
    assert (out / "warehouse.duckdb").is_file()


def test_the_shipped_data_validates_from_the_command_line(shipped_run):
    assert shipped_run.exit_code == 0, shipped_run.output
    lines = shipped_run.stdout.splitlines()
    assert lines[-2:] == ["By rule: negative_stock 7, possible_duplicate 1",
                          "The data is valid: 0 errors, 8 warnings."]
    assert sum(line.startswith("WARNING ") for line in lines) == 8


def test_the_shipped_reconciliation_warning_is_printed_in_full(shipped_run):
    assert ("WARNING repatriations/repatriations-2024-2026.csv, row 14, column persons "
            "[negative_stock] value '-46': detained with no return recorded in KHM, nationality "
            "KOR, on 2026-01-23 would be -46 (95 detained minus 141 repatriated): the records "
            "lack detentions; rows involved: DET-2025-0009, DET-2025-0011, DET-2025-0012, "
            "REP-2025-0007, REP-2025-0008, REP-2025-0009, REP-2026-0001"
            ) in shipped_run.stdout.splitlines()
