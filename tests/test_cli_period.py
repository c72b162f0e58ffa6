"""A build asked for a period that has not ended refuses before reading or writing anything."""

from __future__ import annotations

import sys

import pytest

from toolkit.cli import main


def test_a_period_after_the_as_of_date_is_refused_before_anything_is_written(
        tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", ["toolkit", "build", "--period", "9999-Q4", "--as-of",
                                      "2026-11-28", "--out", str(out)])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    said = " ".join(capsys.readouterr().err.split())
    assert said == ("error: period 9999-Q4 ends on 9999-12-31, after the as-of date "
                    "2026-11-28: it cannot be published yet")
    assert not out.exists()
