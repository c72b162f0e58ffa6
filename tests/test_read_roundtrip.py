"""Property tests: a frame written as CSV, XLSX or Parquet and read back is unchanged.

The reader keeps every cell as text, strips the whitespace around it, reads an empty cell as
missing and drops rows with no value at all; the generated frames follow those rules, and
the rows kept must carry the row a person counts in the file. Each property runs a few examples
in the quick run and at length in its ``slow`` variant (``*_at_length``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from conftest import at_length, quickly
from hypothesis import HealthCheck, assume, given
from hypothesis import strategies as st

from toolkit.ingest import read_file

CHECKS = {"suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}
#: Examples of each round trip: in the quick run, at length.
QUICK, LENGTH = 10, 60


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch).startswith("Z")


def _trimmed(text: str) -> bool:
    return bool(text) and not _is_space(text[0]) and not _is_space(text[-1])


#: Any text a cell may hold in CSV: quotes, commas, line ends, CJK, emoji, control characters.
csv_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                   min_size=1, max_size=30).filter(_trimmed)
#: XLSX text: control characters are written escaped (``_x000D_``) and must come back.
xlsx_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1,
                    max_size=30).filter(_trimmed)
names = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True), min_size=1,
                 max_size=5, unique=True)


def cells(text):
    return st.one_of(st.none(), text)


@st.composite
def text_frames(draw, text):
    header = draw(names)
    rows = draw(st.lists(st.lists(cells(text), min_size=len(header), max_size=len(header)),
                         max_size=12))
    return header, rows


def expected(rows: list[list], first_row: int = 2) -> list[tuple]:
    """Rows with at least one value, each with the row number a person counts."""
    return [(first_row + i, *r) for i, r in enumerate(rows) if any(v is not None for v in r)]


def read_back(path: Path) -> tuple[list[str], list[tuple]]:
    raw = read_file(path, "detentions", path.name)
    cols = ["__row", *[f"c{i}" for i in range(len(raw.header))]]
    return raw.header, raw.frame.select(cols).rows()


csv_files = {"frame": text_frames(csv_text), "line_end": st.sampled_from(["\n", "\r\n"]),
             "bom": st.booleans()}


@quickly(QUICK, **CHECKS)
@given(**csv_files)
def test_csv_round_trip(tmp_path_factory, frame, line_end, bom):
    csv_round_trip(tmp_path_factory, frame, line_end, bom)


@pytest.mark.slow
@at_length(LENGTH, **CHECKS)
@given(**csv_files)
def test_csv_round_trip_at_length(tmp_path_factory, frame, line_end, bom):
    csv_round_trip(tmp_path_factory, frame, line_end, bom)


def csv_round_trip(tmp_path_factory, frame, line_end, bom):
    header, rows = frame
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in r] for r in rows])
    path = tmp_path_factory.mktemp("csv") / "frame.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    assert read_back(path) == (header, expected(rows))


#: The 2,350 common Hangul syllables of KS X 1001 (EUC-KR), which real Korean text is made
#: of; CP949's other 8,822 are rare, and text made mostly of them is refused as misread.
COMMON_HANGUL = [chr(c) for c in range(0xAC00, 0xD7A4) if chr(c).encode("cp949")[1] >= 0xA1]
#: Korean text as CP949 holds it: common Hangul, ASCII, quotes, commas, line ends.
korean_text = st.text(st.one_of(st.sampled_from(COMMON_HANGUL),
                                st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                                st.sampled_from("\n,\"")),
                      min_size=1, max_size=20).filter(_trimmed)


@quickly(QUICK, **CHECKS)
@given(frame=text_frames(korean_text))
def test_cp949_csv_round_trip(tmp_path_factory, frame):
    cp949_csv_round_trip(tmp_path_factory, frame)


@pytest.mark.slow
@at_length(LENGTH, **CHECKS)
@given(frame=text_frames(korean_text))
def test_cp949_csv_round_trip_at_length(tmp_path_factory, frame):
    cp949_csv_round_trip(tmp_path_factory, frame)


def cp949_csv_round_trip(tmp_path_factory, frame):
    header, rows = frame
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in r] for r in rows])
    data = buf.getvalue().encode("cp949")
    # A few Hangul pairs are also valid UTF-8 byte sequences ('큄' is C5 A1, UTF-8 for 'š');
    # the detector reads such bytes as UTF-8, as documented, and --encoding cp949 settles them.
    # The property is about the files that detection can tell apart.
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        assume(False)
    path = tmp_path_factory.mktemp("cp949") / "frame.csv"
    path.write_bytes(data)
    assert read_back(path) == (header, expected(rows))


@st.composite
def typed_frames(draw):
    n = draw(st.integers(0, 10))
    text = draw(st.lists(cells(xlsx_text), min_size=n, max_size=n))
    ints = draw(st.lists(st.one_of(st.none(), st.integers(-(2**53), 2**53)), min_size=n,
                         max_size=n))
    dates = draw(st.lists(st.one_of(st.none(), st.dates(dt.date(1900, 3, 1),
                                                        dt.date(9999, 12, 31))),
                          min_size=n, max_size=n))
    return list(zip(text, ints, dates, strict=True))


def as_text(rows: list[tuple]) -> list[list]:
    return [[t, None if i is None else str(i), None if d is None else d.isoformat()]
            for t, i, d in rows]


xlsx_files = {"rows": typed_frames(), "start": st.integers(1, 4), "sheet_first": st.booleans()}


@quickly(QUICK, **CHECKS)
@given(**xlsx_files)
def test_xlsx_round_trip(tmp_path_factory, rows, start, sheet_first):
    xlsx_round_trip(tmp_path_factory, rows, start, sheet_first)


@pytest.mark.slow
@at_length(LENGTH, **CHECKS)
@given(**xlsx_files)
def test_xlsx_round_trip_at_length(tmp_path_factory, rows, start, sheet_first):
    xlsx_round_trip(tmp_path_factory, rows, start, sheet_first)


def xlsx_round_trip(tmp_path_factory, rows, start, sheet_first):
    """Text, numbers and real dates, with the header on any row and the sheet anywhere."""
    path = tmp_path_factory.mktemp("xlsx") / "frame.xlsx"
    book = xlsxwriter.Workbook(str(path))
    if not sheet_first:
        book.add_worksheet("Read me")
    ws = book.add_worksheet("detentions")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    header = ["notes", "persons", "event_date"]
    for j, name in enumerate(header):
        ws.write_string(start - 1, j, name)
    for i, (t, n, d) in enumerate(rows):
        r = start + i
        if t is not None:
            ws.write_string(r, 0, t)
        if n is not None:
            ws.write_number(r, 1, n)
        if d is not None:
            ws.write_datetime(r, 2, dt.datetime.combine(d, dt.time()), dates)
    book.close()
    assert read_back(path) == (header, expected(as_text(rows), first_row=start + 1))


@quickly(QUICK, **CHECKS)
@given(rows=typed_frames(), floats=st.booleans())
def test_parquet_round_trip(tmp_path_factory, rows, floats):
    parquet_round_trip(tmp_path_factory, rows, floats)


@pytest.mark.slow
@at_length(LENGTH, **CHECKS)
@given(rows=typed_frames(), floats=st.booleans())
def test_parquet_round_trip_at_length(tmp_path_factory, rows, floats):
    parquet_round_trip(tmp_path_factory, rows, floats)


def parquet_round_trip(tmp_path_factory, rows, floats):
    """Parquet keeps types: dates, and integers (also as whole floats, as pandas writes them)."""
    frame = pl.DataFrame(
        {"notes": [r[0] for r in rows],
         "persons": [None if r[1] is None else (float(r[1]) if floats else r[1]) for r in rows],
         "event_date": [r[2] for r in rows]},
        schema={"notes": pl.String, "persons": pl.Float64 if floats else pl.Int64,
                "event_date": pl.Date},
    )
    path = tmp_path_factory.mktemp("parquet") / "frame.parquet"
    frame.write_parquet(path)
    assert read_back(path) == (["notes", "persons", "event_date"], expected(as_text(rows)))
