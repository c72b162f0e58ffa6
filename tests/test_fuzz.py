"""Fuzzing the readers and the validator: only clean outcomes, never a crash.

A clean outcome is a :class:`WholeFile`, an :class:`UnreadableFile` with a reason, or a report
of findings with an exit code. Each property runs a few examples in the quick run and at length
in its ``slow`` variant (``*_at_length``), bounded so that CI runs them in well under a minute.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import AS_OF, VALID_RAW, at_length, base_rows, quickly, to_csv
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from toolkit.checks import EXIT_INVALID, EXIT_OK, EXIT_UNUSABLE, RULES, validate
from toolkit.ingest import UnreadableFile, WholeFile, read_file

CHECKS = {"suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large]}
#: Examples of a property that only reads (quick run, at length); of one that validates a folder.
#: HYPOTHESIS_PROFILE=thorough runs 1,000 of each.
READS = (20, 200)
VALIDATES = (3, 15)

DET_HEADER = base_rows("detentions")[0]


def read_cleanly(path: Path, encoding: str | None = None) -> WholeFile | None:
    try:
        raw = read_file(path, "detentions", path.name, encoding, known=DET_HEADER)
    except UnreadableFile as exc:
        assert str(exc), "an unreadable file must say why"
        return None
    assert raw.frame.columns[-1] == "__row" or "__row" in raw.frame.columns
    assert raw.frame["__row"].null_count() == 0
    assert raw.frame["__row"].is_sorted() and (raw.frame["__row"] > raw.header_row).all()
    return raw


def _valid_bytes(ext: str) -> bytes:
    header, rows = base_rows("detentions")
    if ext == "csv":
        return to_csv(header, rows).encode()
    if ext == "xlsx":
        book = openpyxl.Workbook()
        book.active.append(header)
        for r in rows:
            book.active.append([r[h] or None for h in header])
        buf = io.BytesIO()
        book.save(buf)
        return buf.getvalue()
    buf = io.BytesIO()
    pl.DataFrame(rows, schema={h: pl.String for h in header}).write_parquet(buf)
    return buf.getvalue()


VALID = {ext: _valid_bytes(ext) for ext in ("csv", "xlsx", "parquet")}


random_bytes = {"data": st.binary(max_size=4096),
                "ext": st.sampled_from(["csv", "xlsx", "parquet"])}


def random_bytes_are_read_cleanly(tmp_path_factory, data, ext):
    path = tmp_path_factory.mktemp("bytes") / f"fuzz.{ext}"
    path.write_bytes(data)
    read_cleanly(path)


@quickly(READS[0], **CHECKS)
@given(**random_bytes)
def test_random_bytes_are_read_cleanly(tmp_path_factory, data, ext):
    random_bytes_are_read_cleanly(tmp_path_factory, data, ext)


@pytest.mark.slow
@at_length(READS[1], **CHECKS)
@given(**random_bytes)
def test_random_bytes_are_read_cleanly_at_length(tmp_path_factory, data, ext):
    random_bytes_are_read_cleanly(tmp_path_factory, data, ext)


damage = {"ext": st.sampled_from(["csv", "xlsx", "parquet"]), "data": st.data()}


def damaged_valid_files_are_read_cleanly(tmp_path_factory, ext, data):
    """Truncated or with bytes overwritten: the damage a real file suffers."""
    content = bytearray(VALID[ext])
    cut = data.draw(st.integers(0, len(content)))
    edits = data.draw(st.lists(st.tuples(st.integers(0, max(len(content) - 1, 0)),
                                         st.integers(0, 255)), max_size=8))
    for at, byte in edits:
        content[at] = byte
    if data.draw(st.booleans()):
        content = content[:cut]
    path = tmp_path_factory.mktemp("damaged") / f"fuzz.{ext}"
    path.write_bytes(bytes(content))
    read_cleanly(path)


@quickly(READS[0], **CHECKS)
@given(**damage)
def test_damaged_valid_files_are_read_cleanly(tmp_path_factory, ext, data):
    damaged_valid_files_are_read_cleanly(tmp_path_factory, ext, data)


@pytest.mark.slow
@at_length(READS[1], **CHECKS)
@given(**damage)
def test_damaged_valid_files_are_read_cleanly_at_length(tmp_path_factory, ext, data):
    damaged_valid_files_are_read_cleanly(tmp_path_factory, ext, data)


#: Pieces of CSV: contract values, near misses, quotes, separators, line ends, odd text.
pieces = st.sampled_from([
    "DET-001", "2025-10-01", "2025-02-30", "14/10/2025", "day", "Day", "KHM", "kor", "XXX",
    "10", "-3", "3.0", "1e400", "99999999999999999999999", "SRC-001", "other", "=1+1",
    "<b>", "\x07", "\u202e", '"', '""', ",", ";", "\n", "\r\n", "\r", " ", "\t", "\ufeff",
    "é", "한국", "\x00", "…",
])
csv_text = st.lists(st.one_of(pieces, st.text(max_size=8)), max_size=80).map("".join)


random_text = {"body": csv_text, "header": st.permutations(DET_HEADER), "cut": st.integers(0, 15),
               "encoding": st.sampled_from(["utf-8", "utf-8-sig", "cp949", "utf-16"])}


def random_csv_text_is_read_cleanly(tmp_path_factory, body, header, cut, encoding):
    text = ",".join(header[cut:]) + "\n" + body
    path = tmp_path_factory.mktemp("text") / "fuzz.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    read_cleanly(path)


@quickly(READS[0], **CHECKS)
@given(**random_text)
def test_random_csv_text_is_read_cleanly(tmp_path_factory, body, header, cut, encoding):
    random_csv_text_is_read_cleanly(tmp_path_factory, body, header, cut, encoding)


@pytest.mark.slow
@at_length(READS[1], **CHECKS)
@given(**random_text)
def test_random_csv_text_is_read_cleanly_at_length(tmp_path_factory, body, header, cut,
                                                   encoding):
    random_csv_text_is_read_cleanly(tmp_path_factory, body, header, cut, encoding)


random_return = {"body": csv_text, "header": st.permutations(DET_HEADER),
                 "cut": st.integers(0, 3), "sources": st.one_of(st.none(), csv_text)}


def validate_on_random_csv_gives_findings_only(tmp_path_factory, body, header, cut, sources):
    raw = tmp_path_factory.mktemp("raw") / "raw"
    shutil.copytree(VALID_RAW, raw)
    (raw / "detentions" / "fuzz.csv").write_text(",".join(header[cut:]) + "\n" + body,
                                                 encoding="utf-8", errors="replace")
    if sources is not None:
        (raw / "sources.csv").write_text(
            "source_id,publisher,title,url,published_date,source_type,reliability\n" + sources,
            encoding="utf-8", errors="replace")
    result = validate(raw, AS_OF)
    assert result.report.exit_code in (EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE)
    for f in result.report.findings:
        assert f.rule in RULES and f.message
    result.report.to_json()
    result.report.to_csv()


@quickly(VALIDATES[0], **CHECKS)
@given(**random_return)
def test_validate_on_random_csv_gives_findings_only(tmp_path_factory, body, header, cut,
                                                    sources):
    validate_on_random_csv_gives_findings_only(tmp_path_factory, body, header, cut, sources)


@pytest.mark.slow
@at_length(VALIDATES[1], **CHECKS)
@given(**random_return)
def test_validate_on_random_csv_gives_findings_only_at_length(tmp_path_factory, body, header,
                                                              cut, sources):
    validate_on_random_csv_gives_findings_only(tmp_path_factory, body, header, cut, sources)


random_cells = st.lists(st.lists(st.one_of(st.none(), pieces, st.integers(-10**20, 10**20),
                                           st.floats(allow_nan=True),
                                           st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))),
                                 min_size=1, max_size=16), max_size=6)


def validate_on_random_workbooks_gives_findings_only(tmp_path_factory, cells):
    raw = tmp_path_factory.mktemp("raw") / "raw"
    shutil.copytree(VALID_RAW, raw)
    book = openpyxl.Workbook()
    book.active.append(DET_HEADER)
    for row in cells:
        try:
            book.active.append(row)
        except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses to store it
            continue
    book.save(raw / "detentions" / "fuzz.xlsx")
    result = validate(raw, AS_OF)
    assert result.report.exit_code in (EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE)
    for f in result.report.findings:
        assert f.rule in RULES and f.message


@quickly(VALIDATES[0], **CHECKS)
@given(cells=random_cells)
def test_validate_on_random_workbooks_gives_findings_only(tmp_path_factory, cells):
    validate_on_random_workbooks_gives_findings_only(tmp_path_factory, cells)


@pytest.mark.slow
@at_length(VALIDATES[1], **CHECKS)
@given(cells=random_cells)
def test_validate_on_random_workbooks_gives_findings_only_at_length(tmp_path_factory, cells):
    validate_on_random_workbooks_gives_findings_only(tmp_path_factory, cells)


random_counts = st.lists(st.tuples(st.sampled_from(["detentions", "repatriations"]),
                                   st.one_of(st.integers(-10, 10**6),
                                             st.integers(2**62, 2**63 - 1),
                                             st.integers(-(2**70), 2**70)),
                                   st.integers(1, 28)),
                         min_size=1, max_size=8)


def validate_on_random_counts_gives_findings_only(tmp_path_factory, counts):
    """Well-formed rows whose counts run to any size: checks and the stock sum stay clean."""
    raw = tmp_path_factory.mktemp("raw") / "raw"
    shutil.copytree(VALID_RAW, raw)
    rows: dict[str, list[dict]] = {"detentions": [], "repatriations": []}
    for i, (dataset, persons, day) in enumerate(counts):
        place = "country" if dataset == "detentions" else "from_country"
        rows[dataset].append({
            "record_id": f"X-{i}", "event_date": f"2025-11-{day:02d}", "date_precision": "day",
            place: "KHM", "nationality": "KOR", "persons": str(persons), "females": str(persons),
            "reason": "other", "mode": "land", "source_id": "SRC-001"})
    for dataset, records in rows.items():
        (raw / dataset / "fuzz.csv").write_text(to_csv(base_rows(dataset)[0], records))
    result = validate(raw, AS_OF)
    assert result.report.exit_code in (EXIT_OK, EXIT_INVALID)
    assert {f.rule for f in result.report.findings} <= {
        "type_integer", "min", "possible_duplicate", "negative_stock", "no_rows"}


@quickly(VALIDATES[0], **CHECKS)
@given(counts=random_counts)
def test_validate_on_random_counts_gives_findings_only(tmp_path_factory, counts):
    validate_on_random_counts_gives_findings_only(tmp_path_factory, counts)


@pytest.mark.slow
@at_length(VALIDATES[1], **CHECKS)
@given(counts=random_counts)
def test_validate_on_random_counts_gives_findings_only_at_length(tmp_path_factory, counts):
    validate_on_random_counts_gives_findings_only(tmp_path_factory, counts)
