"""The DuckDB engine's screen of a file's bytes for the text rules (issue 5).

The text rules (control characters, markup, space at either end, formulas) are regular
expressions that would cost every text cell of every row. The file scan looks at the bytes
instead (``engine._plain_cells``); only when it cannot rule them out do they run, after the load.
The screen may raise false alarms (they cost time) but must never miss a cell the rules find:
these tests hold it to DuckDB's own regular expressions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_engine import both

from toolkit import engine
from toolkit.contracts import load_contracts
from toolkit.synth import write_synthetic


def _unsafe_sql(value: str) -> str:
    """SQL that is TRUE when the text rules find something in ``value`` (a note's rules)."""
    notes = next(c for c in load_contracts()["detentions"].columns if c.name == "notes")
    condition, _ = engine._text_guard(notes, value)
    return f"NOT ({condition})"


def _unsafe_cells(cells: list[str]) -> list[str]:
    con = duckdb.connect()
    try:
        return [v for (v,) in con.execute(
            f"SELECT v FROM (SELECT unnest($1::VARCHAR[]) AS v) WHERE {_unsafe_sql('v')}",
            [cells]).fetchall()]
    finally:
        con.close()


def _plain(data: bytes, chunk: int | None = None) -> bool | None:
    """The scan's verdict on a file of these bytes (2 columns); None if it hands over."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_bytes(data)
        with pytest.MonkeyPatch.context() as mp:
            if chunk:
                mp.setattr(engine, "_CHUNK", chunk)
            try:
                return engine._scan(path, 2).plain
            except engine.NeedsPolars:
                return None


def test_every_character_a_text_rule_finds_is_one_the_screen_looks_for():
    """All of Unicode, each character at the start, at the end and in the middle of a cell:
    wherever DuckDB's regular expressions find something, the character is ASCII (looked at
    byte by byte) or one of those the screen decodes and refuses."""
    con = duckdb.connect()
    try:
        found = {cp for (cp,) in con.execute(f"""
            SELECT DISTINCT cp FROM (
                SELECT cp, unnest([chr(cp) || 'a', 'a' || chr(cp), 'a' || chr(cp) || 'b']) AS v
                FROM (SELECT range::INTEGER AS cp FROM range(128, 1114112))
                WHERE cp NOT BETWEEN 55296 AND 57343)
            WHERE {_unsafe_sql('v')}""").fetchall()}
    finally:
        con.close()
    leads, screened = engine._unsafe_characters()
    assert {0xA0, 0x85, 0x2028, 0x202E, 0x2066, 0x3000} <= found  # the regexes do work
    assert found <= set(screened)
    assert leads == sorted({chr(c).encode()[0] for c in screened})


_PLAIN_CELLS = ["synthetic record, seed 1", "Phnom Penh", "SYN-DET-0000000001", "2025-01-05",
                "a - b", "12", "프놈펜 · 시내", "say \"hi\" now", "https://example.org/a?b=1"]
_UNSAFE = ["=1+2", "@SUM(A1)", "-cmd|' /C calc'!A0", "+x", " leading", "trailing ",
           "a<b>c</b>", "tab\tend\t", "a\u202eb", "nbsp\u00a0", "\u3000ideographic", "a\x0bb",
           "line\u2028", "\u0085next"]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_clean_text_passes_the_screen_and_each_unsafe_cell_is_caught(eol):
    """Each unsafe cell in either column, in the first row, after the others or last in a file
    without a final line end."""
    def file(rows: list[list[str]], last_eol: bool = True) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator=eol).writerows([["x", "y"], *rows])
        return (out.getvalue() if last_eol else out.getvalue().removesuffix(eol)).encode()

    assert _unsafe_cells(_PLAIN_CELLS) == []
    clean = [[c, c] for c in _PLAIN_CELLS]
    assert _plain(file(clean)) is True
    assert _plain(file(clean, last_eol=False)) is True
    assert _unsafe_cells(_UNSAFE) == _UNSAFE
    for cell in _UNSAFE:
        for column in (0, 1):
            row = [cell, "b"] if column == 0 else ["b", cell]
            for place in (0, len(clean)):  # the first row, or after the others
                for last_eol in (True, False):
                    data = file([*clean[:place], row, *clean[place:]], last_eol)
                    assert _plain(data) in (False, None), (cell, column, place, last_eol)


def test_synthetic_data_passes_the_screen(tmp_path):
    """What the benchmark measures takes the fast path."""
    write_synthetic(tmp_path, 2000, seed=3)
    for name, width in (("detentions", 15), ("repatriations", 11), ("fatalities", None)):
        for path in (tmp_path / name).glob("*.csv"):
            header = path.read_text().split("\n", 1)[0]
            assert engine._scan(path, width or header.count(",") + 1).plain, path


_CHARS = st.sampled_from([*"ab1 ,\"\n\t=@+-<!|.", "\u00a0", "\u202e", "\u3000", "한", "·",
                          "\u2028", "\x0b", "\r\n"])
#: Mostly cells of letters, spaces, dashes, commas and quotes (which the screen must place),
#: sometimes with anything in them.
_TEXT = st.one_of(*[st.text("ab1 -.,\"", max_size=6)] * 3,
                  st.lists(_CHARS, max_size=6).map("".join))


@settings(max_examples=500, deadline=None)
# Blocks that start with a quote, or inside a quoted cell, or that are a last blank line
# alone (found by earlier runs and a review):
@example([("-a", "")], csv.QUOTE_ALL, "\n", False, False, 1)
@example([("a\nb", "=c")], csv.QUOTE_MINIMAL, "\n", True, False, 1)
@example([("a", "b")], csv.QUOTE_MINIMAL, "\n", 2, False, 1)
@given(st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=6),
       st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]), st.sampled_from(["\n", "\r\n"]),
       st.integers(0, 3), st.booleans(), st.integers(1, 30))
def test_a_file_the_screen_passes_has_no_cell_the_text_rules_find(rows, quoting, eol,
                                                                  last_eols, bom, chunk):
    """Random cells of spaces, formulas, markup, controls, quotes, commas and line ends, in any
    quoting and blocks, with 0 to 3 line ends at the end (blank lines after the last row): the
    scan never fails on its own, and when the screen passes a file that DuckDB reads, none of
    the cells DuckDB reads breaks a text rule."""
    out = io.StringIO()
    csv.writer(out, quoting=quoting, lineterminator=eol).writerows([["x", "y"], *rows])
    text = out.getvalue().removesuffix(eol) + eol * last_eols
    data = (("\ufeff" if bom else "") + text).encode()
    if not _plain(data, chunk):
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_bytes(data)
        con = duckdb.connect()
        try:
            cells = [c for row in con.execute(
                f"SELECT x, y FROM {engine.reader([path], ['x', 'y'])}").fetchall()
                for c in row if c is not None]
        except duckdb.Error:
            return
        finally:
            con.close()
    assert _unsafe_cells(cells) == []


@pytest.mark.parametrize("cell,valid", [
    ("=HYPERLINK(x)", False),           # a formula: an error
    ("note ending in a space ", True),  # the engines strip the space: valid
    ("-5 people, as counted", True),    # a false alarm of the screen: the rules find nothing
])
def test_a_cell_the_screen_stops_at_is_judged_by_the_rules_after_the_load(cell, valid,
                                                                          tmp_path):
    """Two files of one dataset, read in one statement; row 1,500 of the second holds the
    cell as its note. The rules run on that file's rows after the load: the report and the
    warehouse are the Polars engine's, and a false alarm still loads in the DuckDB engine."""
    raw = tmp_path / "raw"
    write_synthetic(raw, 3000, seed=5)
    path = sorted((raw / "detentions").glob("*.csv"))[0]
    header, *rows = path.read_text().removesuffix("\n").split("\n")
    note = '"synthetic record, seed 5"'
    assert rows[2498].endswith(note)
    rows[2498] = rows[2498].removesuffix(note) + '"' + cell.replace('"', '""') + '"'
    path.write_text("\n".join([header, *rows[:1000]]) + "\n")
    second = raw / "detentions" / "synthetic-detentions-999.csv"
    second.write_text("\n".join([header, *rows[1000:]]) + "\n")
    assert engine._scan(path, 15).plain and not engine._scan(second, 15).plain
    polars, duck = both(raw, tmp_path / "out", dt.date(2025, 12, 31))
    assert (polars.report.exit_code == 0) == valid
    assert bool(polars.report.errors) != valid
    if cell.startswith("-5"):
        assert duck.engine == "duckdb" and duck.handed_over is None
