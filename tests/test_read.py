"""Readers: encodings, XLSX and Parquet, column order, row numbers, unreadable files."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import polars as pl
import pytest
from conftest import AS_OF, base_rows, sampled, to_csv

from toolkit.checks import EXIT_UNUSABLE, validate
from toolkit.contracts import load_contracts
from toolkit.ingest import UnreadableFile, read_file

SOURCES_HEADER = base_rows("sources")[0]
KOREAN_SOURCE = {
    "source_id": "SRC-003", "publisher": "외교부", "title": "캄보디아 내 우리 국민 구금 관련",
    "url": "https://www.mofa.go.kr/", "source_type": "official", "reliability": "5",
}


def sources_with(extra: dict) -> str:
    return to_csv(SOURCES_HEADER, base_rows("sources")[1] + [extra])


def outcome(result) -> list[tuple]:
    return [(f.rule, f.file, f.row, f.column, f.value, f.message)
            for f in result.report.sorted()]


def publisher(result, source_id: str) -> str:
    frame = result.tables["sources"].filter(pl.col("source_id") == source_id)
    return frame["publisher"].item()


def detentions_findings(result) -> list[tuple]:
    return [(f.rule, f.row, f.column, f.value) for f in result.report.sorted()]


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("name, encode", [
    ("sources-utf8", lambda t: t.encode("utf-8")),
    ("sources-utf8-bom", lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
    ("sources-cp949", lambda t: t.encode("cp949")),
    ("sources-euc-kr", lambda t: t.encode("euc_kr")),
])
def test_korean_text_is_read_in_each_supported_encoding(name, encode, make_raw):
    raw = make_raw(name, {"sources.csv": encode(sources_with(KOREAN_SOURCE))})
    result = validate(raw, AS_OF)
    assert outcome(result) == []
    assert publisher(result, "SRC-003") == "외교부"
    assert result.tables["sources"].columns[2] == "source_id"  # no BOM left in a name


def test_rare_hangul_among_common_syllables_is_still_cp949(make_raw):
    """똠, 똬 and 햏 lie in CP949's extension; among common syllables they are real text."""
    source = {**KOREAN_SOURCE, "title": "똠얌꿍 식당 앞 똬리 튼 햏 사건 관련 외교부 발표"}
    raw = make_raw("sources-cp949-rare-syllables", {"sources.csv": sources_with(source).encode(
        "cp949")})
    result = validate(raw, AS_OF)
    assert outcome(result) == []
    assert result.tables["sources"]["title"][2] == source["title"]


def test_windows_1252_text_is_not_misread_as_cp949(make_raw):
    source = {**KOREAN_SOURCE, "publisher": "the Ministry’s spokesman", "title": "Briefing"}
    data = sources_with(source).encode("cp1252")
    assert data.decode("cp949")  # every byte pair is valid CP949: it would decode silently
    raw = make_raw("sources-windows-1252", {"sources.csv": data})
    assert outcome(validate(raw, AS_OF)) == [
        ("unreadable_file", "sources.csv", None, None, None,
         "line 4 is not UTF-8, and read as CP949/EUC-KR it gives unlikely characters: it may "
         "be Windows-1252 or Latin-1; save the file as CSV UTF-8, or name its encoding with "
         "--encoding (e.g. cp1252)")]
    forced = validate(raw, AS_OF, encoding="cp1252")
    assert publisher(forced, "SRC-003") == "the Ministry’s spokesman"


def test_the_detected_encoding_is_reported_by_the_reader(tmp_path):
    path = tmp_path / "sources.csv"
    path.write_bytes(sources_with(KOREAN_SOURCE).encode("cp949"))
    raw = read_file(path, "sources", "sources.csv")
    assert raw.encoding == "cp949"
    assert raw.frame["c1"].to_list() == [
        "Ministry of Foreign Affairs", "Khmer Times", "외교부"]


def test_encoding_option_reads_a_file_in_another_encoding(make_raw):
    latin = sources_with({**KOREAN_SOURCE, "publisher": "Ministère des Affaires étrangères",
                          "title": "Communiqué"}).encode("latin-1")
    raw = make_raw("sources-latin-1", {"sources.csv": latin})
    detected = validate(raw, AS_OF)
    assert outcome(detected) == [
        ("unreadable_file", "sources.csv", None, None, None,
         "line 4 is neither UTF-8 nor CP949/EUC-KR text; save the file as CSV UTF-8, or name "
         "its encoding with --encoding")]
    assert detected.report.exit_code == EXIT_UNUSABLE
    forced = validate(raw, AS_OF, encoding="latin-1")
    assert outcome(forced) == []
    assert publisher(forced, "SRC-003") == "Ministère des Affaires étrangères"


def test_a_wrong_encoding_option_names_the_line(make_raw):
    raw = make_raw("sources-wrong-encoding", {"sources.csv": sources_with(KOREAN_SOURCE)})
    result = validate(raw, AS_OF, encoding="ascii")
    assert outcome(result) == [("unreadable_file", "sources.csv", None, None, None,
                                "line 4 is not valid ascii text; check the --encoding option")]
    assert result.report.exit_code == EXIT_UNUSABLE


@pytest.mark.parametrize("encoding, message", [
    ("klingon", "unknown encoding 'klingon' (try utf-8 or cp949)"),
    ("hex", "'hex' is not a text encoding (try utf-8 or cp949)"),
])
def test_an_encoding_option_that_is_no_encoding_is_a_usage_error(encoding, message, make_raw):
    with pytest.raises(ValueError) as info:
        validate(make_raw(), AS_OF, encoding=encoding)
    assert str(info.value) == message


def test_a_file_mixing_utf8_and_cp949_lines_is_refused(make_raw):
    lines = sources_with(KOREAN_SOURCE).encode("utf-8") + to_csv(SOURCES_HEADER, [
        {**KOREAN_SOURCE, "source_id": "SRC-004", "publisher": "경찰청"}]).split("\n", 1)[1] \
        .encode("cp949")
    raw = make_raw("sources-mixed-encodings", {"sources.csv": lines})
    result = validate(raw, AS_OF)
    assert outcome(result) == [
        ("unreadable_file", "sources.csv", None, None, None,
         "the file mixes encodings: line 4 is UTF-8 but line 5 is CP949/EUC-KR; save the whole "
         "file as CSV UTF-8")]


# --------------------------------------------------------------------------- XLSX


def workbook(sheets: dict[str, list[list]], start_rows: dict[str, int] | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is not None:
                    ws.cell(row=(start_rows or {}).get(title, 1) + i, column=j + 1, value=value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


DET_HEADER = base_rows("detentions")[0]


def det_row(record_id: str, persons, event_date=dt.date(2025, 10, 3), **cells) -> list:
    row = {"record_id": record_id, "event_date": event_date, "date_precision": "day",
           "country": "THA", "nationality": "VNM", "persons": persons, "reason": "other",
           "source_id": "SRC-001", **cells}
    return [row.get(h) for h in DET_HEADER]


def test_xlsx_reads_the_sheet_named_after_the_dataset(make_raw):
    data = workbook({"Notes": [["read me first"]],
                     "Detentions": [DET_HEADER, det_row("DET-101", 4)]})
    result = validate(make_raw("detentions-named-sheet",
                               {"detentions/detentions-named-sheet.xlsx": data}), AS_OF)
    assert outcome(result) == []
    assert result.tables["detentions"].filter(pl.col("record_id") == "DET-101")[
        "persons"].item() == 4


def test_xlsx_rows_are_the_sheet_rows_with_a_header_below_a_title(make_raw):
    data = workbook({"Sheet1": [["Detentions, fourth quarter of 2025"], [], DET_HEADER,
                                det_row("DET-101", 4), [], det_row("DET-102", 0)]})
    result = validate(make_raw("detentions-header-on-row-3",
                               {"detentions/detentions-header-on-row-3.xlsx": data}), AS_OF)
    assert detentions_findings(result) == [("min", 6, "persons", "0")]


def test_xlsx_real_dates_whole_floats_and_times(make_raw):
    data = workbook({"Sheet1": [
        DET_HEADER,
        det_row("DET-101", 4.0, dt.datetime(2025, 10, 3)),
        det_row("DET-102", 5, dt.datetime(2025, 10, 3, 14, 30)),
        det_row("DET-103", 6, dt.date(2025, 10, 4)),
    ]})
    result = validate(make_raw("detentions-excel-dates",
                               {"detentions/detentions-excel-dates.xlsx": data}), AS_OF)
    assert outcome(result) == [
        ("type_date", "detentions/detentions-excel-dates.xlsx", 3, "event_date",
         "2025-10-03T14:30:00",
         "'2025-10-03T14:30:00' has a time of day; give the date only: 2025-10-03"),
    ]
    table = result.tables["detentions"].filter(pl.col("__file").str.ends_with(".xlsx"))
    assert table.select("record_id", "event_date", "persons").rows() == [
        ("DET-101", dt.date(2025, 10, 3), 4), ("DET-102", None, 5),
        ("DET-103", dt.date(2025, 10, 4), 6)]


def test_xlsx_values_beyond_the_header_are_an_unnamed_column(make_raw):
    row = det_row("DET-101", 4) + [None, "stray"]
    data = workbook({"Sheet1": [DET_HEADER, row]})
    result = validate(make_raw("detentions-stray-cell",
                               {"detentions/detentions-stray-cell.xlsx": data}), AS_OF)
    # two past the last header cell: the header's width plus the empty cell, plus one
    stray = f"(column {len(DET_HEADER) + 2})"
    assert detentions_findings(result) == [("unknown_column", 1, stray, None)]


# --------------------------------------------------------------------------- Parquet


def test_parquet_typed_columns_are_read_as_their_text(make_raw, tmp_path):
    frame = pl.DataFrame({
        "record_id": ["DET-101", "DET-102"],
        "event_date": [dt.date(2025, 10, 3), dt.date(2025, 10, 4)],
        "date_precision": ["day", "day"], "country": ["THA", "THA"],
        "nationality": ["VNM", "VNM"],
        "persons": [4.0, 7.0],  # as pandas writes an integer column with gaps
        "females": [1.0, float("nan")],
        "reason": ["other", "other"], "source_id": ["SRC-001", "SRC-001"],
    })
    buf = io.BytesIO()
    frame.write_parquet(buf)
    result = validate(make_raw("detentions-parquet",
                               {"detentions/detentions-parquet.parquet": buf.getvalue()}), AS_OF)
    assert outcome(result) == []
    table = result.tables["detentions"].filter(pl.col("__file").str.ends_with(".parquet"))
    assert table.select("__row", "event_date", "persons", "females").rows() == [
        (2, dt.date(2025, 10, 3), 4, 1), (3, dt.date(2025, 10, 4), 7, None)]


# --------------------------------------------------------------------------- columns, rows


def test_columns_in_any_order_give_the_same_tables(make_raw, valid_reference):
    reference = valid_reference
    header, rows = base_rows("detentions")
    shuffled = to_csv(list(reversed(header)), rows)
    result = validate(make_raw("detentions-columns-reversed",
                               {"detentions/detentions-columns-reversed.csv": shuffled},
                               drop=["detentions"]), AS_OF)
    assert outcome(result) == []
    assert result.tables["detentions"].drop("__file").equals(
        reference.tables["detentions"].drop("__file"))


def test_header_names_ignore_case_spaces_and_hyphens(make_raw):
    header, rows = base_rows("detentions")
    loose = [h.replace("_", " ").title() if i % 2 else h.upper().replace("_", "-")
             for i, h in enumerate(header)]
    text = to_csv(loose, [[r[h] for h in header] for r in rows])
    result = validate(make_raw("detentions-loose-header",
                               {"detentions/detentions-loose-header.csv": text},
                               drop=["detentions"]), AS_OF)
    assert outcome(result) == []


def _bad_persons_csv(line_end: str = "\n") -> str:
    header, rows = base_rows("detentions")
    rows[1]["persons"] = "0"
    return to_csv(header, rows, line_end)


@pytest.mark.parametrize("name, text, row, extra", sampled([
    ("detentions-lf", _bad_persons_csv(), 3, ""),
    ("detentions-crlf", _bad_persons_csv("\r\n"), 3, ""),
    ("detentions-classic-mac-cr", _bad_persons_csv("\r"), 3, ""),
    ("detentions-blank-lines-between-rows",
     _bad_persons_csv().replace("\nDET-002", "\n\n\n\nDET-002"), 6, ""),
    ("detentions-crlf-blank-lines", _bad_persons_csv("\r\n").replace(
        "\r\nDET-002", "\r\n\r\n\r\nDET-002"), 5, ""),
    ("detentions-trailing-blank-lines", _bad_persons_csv() + "\n\n\n", 3, ""),
    ("detentions-blank-line-before-header", "\n" + _bad_persons_csv(), 4, ""),
    ("detentions-multiline-cell", _bad_persons_csv().replace(
        "DET-001,", "DET-001,").replace(",National Police,", ',"National\nPolice\nunit",'), 3,
     " (row 3 starts on line 5 of the file)"),
    ("detentions-no-final-newline", _bad_persons_csv().rstrip("\n"), 3, ""),
], every=3))
def test_odd_but_valid_csv_layouts_keep_the_row_a_person_counts(name, text, row, extra,
                                                                make_raw):
    result = validate(make_raw(name, {f"detentions/{name}.csv": text}, drop=["detentions"]),
                      AS_OF)
    assert outcome(result) == [
        ("min", f"detentions/{name}.csv", row, "persons", "0",
         "0 is below the minimum of 1" + extra)]


def test_a_stray_quote_inside_an_unquoted_value_is_refused_at_its_row(make_raw):
    """The CSV reader follows RFC 4180: a value holding a quote is quoted whole. A lone quote
    inside an unquoted value is ambiguous (a value cut short?), so the file is refused, naming
    the row, the line and how to write the value."""
    text = to_csv(*base_rows("detentions")).replace("Sihanoukville", 'a 5" gap')
    result = validate(make_raw("detentions-stray-quote",
                               {"detentions/detentions-stray-quote.csv": text},
                               drop=["detentions"]), AS_OF)
    assert outcome(result) == [(
        "unreadable_file", "detentions/detentions-stray-quote.csv", None, None, None,
        "row 2 (line 2) has a quote inside a value that is not quoted ('a 5\" gap'); quote the "
        'whole value and double its quotes, e.g. "a 5"" gap"')]
    assert result.report.exit_code == EXIT_UNUSABLE


def test_a_quote_inside_a_quoted_value_is_kept_as_text(make_raw):
    text = to_csv(*base_rows("detentions")).replace("Sihanoukville", '"a 5"" gap"')
    result = validate(make_raw("detentions-quoted-quote",
                               {"detentions/detentions-quoted-quote.csv": text},
                               drop=["detentions"]), AS_OF)
    assert outcome(result) == []
    assert result.tables["detentions"]["location"].to_list()[0] == 'a 5" gap'


def test_a_short_row_has_empty_trailing_cells(make_raw):
    text = to_csv(*base_rows("detentions")).replace(",SRC-001,\n", ",SRC-001\n")
    assert text.count("\n") == 3
    result = validate(make_raw("detentions-short-row",
                               {"detentions/detentions-short-row.csv": text},
                               drop=["detentions"]), AS_OF)
    assert outcome(result) == []


# --------------------------------------------------------------------------- unreadable


XLSX = workbook({"Sheet1": [DET_HEADER, det_row("DET-101", 4)]})


UNREADABLE = [
    ("detentions-empty.csv", b"", "the file is empty"),
    ("detentions-blank.csv", b" \r\n\r\n  \n", "the file is empty"),
    ("detentions-only-commas.csv", b",,,\n,,\n", "the file has no header row: every row is blank"),
    ("detentions-binary.csv", bytes(range(256)) * 8, "the file is binary, not CSV text"),
    ("detentions-utf16.csv", to_csv(DET_HEADER, []).encode("utf-16"),
     "the file is UTF-16 text; save it as CSV UTF-8"),
    ("detentions-workbook-named-csv.csv", XLSX,
     "the file is a ZIP archive or an XLSX workbook; an XLSX file must end in .xlsx"),
    ("detentions-truncated-in-a-quote.csv",
     to_csv(*base_rows("detentions")).rsplit(",", 3)[0] + ',"raid on a comp',
     "a quote opened in row 3 (line 3) is never closed, so the rest of the file would be one "
     "cell; is the file cut short, or a quote missing?"),
    ("detentions-semicolons.csv", to_csv(*base_rows("detentions")).replace(",", ";").encode(),
     "the columns are separated by semicolons, not commas; save the file as CSV (comma "
     "delimited) UTF-8"),
    ("detentions-title-above-header.csv", "Detentions Q4 2025\n" + to_csv(*base_rows(
        "detentions")), "the header must be the first row, but row 2 looks like the header; "
     "delete the 1 row(s) above it"),
    ("detentions-truncated.xlsx", XLSX[: len(XLSX) // 2],
     "the workbook is damaged or cut short (its ZIP archive is incomplete); save it again "
     "from Excel"),
    ("detentions-csv-named-xlsx.xlsx", to_csv(*base_rows("detentions")),
     "the file is not an XLSX workbook but text, perhaps CSV; save it as .xlsx from Excel, or "
     "give it the extension that matches its content"),
    ("detentions-truncated.parquet", b"PAR1\x15\x04\x15",
     "the Parquet file is damaged or cut short (it does not end with PAR1); write it again"),
    ("detentions-csv-named-parquet.parquet", to_csv(*base_rows("detentions")),
     "the file is not a Parquet file (it does not start with PAR1); give it the extension "
     "that matches its content"),
]


# Named by file: a workbook's bytes hold the time it was made, and every test process
# (pytest-xdist's workers) must collect the same test ids.
@pytest.mark.parametrize("name, content, reason",
                         sampled(UNREADABLE, every=2, ids=[c[0] for c in UNREADABLE]))
def test_an_unreadable_file_is_named_with_its_reason(name, content, reason, make_raw):
    result = validate(make_raw(name.rsplit(".", 1)[0], {f"detentions/{name}": content}), AS_OF)
    assert outcome(result) == [
        ("unreadable_file", f"detentions/{name}", None, None, None, reason)]
    assert result.report.exit_code == EXIT_UNUSABLE


def test_read_raw_file_raises_unreadable_for_an_unknown_extension(tmp_path):
    path = tmp_path / "detentions.json"
    path.write_text("{}")
    with pytest.raises(UnreadableFile, match="unsupported file type '.json'"):
        read_file(path, "detentions", "detentions.json")


def test_hidden_and_lock_files_are_skipped(make_raw):
    raw = make_raw("detentions-with-lock-files", {
        "detentions/~$detentions.xlsx": b"lock", "detentions/.DS_Store": b"\x00\x01",
        "detentions/._detentions.csv": b"\x00\x05\x16\x07", "detentions/Thumbs.db": b"\x00",
        "detentions/.~lock.detentions.csv#": b"x"})
    result = validate(raw, AS_OF)
    assert outcome(result) == []
    assert result.files["detentions"] == ["detentions/detentions.csv"]


def test_the_valid_set_has_every_contract_column_in_contract_order():
    for name, contract in load_contracts().items():
        assert base_rows(name)[0] == contract.column_names


LATER_COLUMNS = ("persons_qualifier", "other_persons", "other_source_id")


def test_a_return_written_to_the_earlier_contract_is_still_valid(make_raw):
    """Columns added to the contracts later are optional: a return without them (and without
    the reported figures) is valid, and its counts are exact."""
    files = {}
    for name in ("detentions", "repatriations", "fatalities"):
        header, rows = base_rows(name)
        header = [c for c in header if c not in LATER_COLUMNS]
        files[f"{name}/{name}.csv"] = to_csv(header, rows)
    header, rows = base_rows("sources")
    files["sources.csv"] = to_csv(header, rows)
    result = validate(make_raw("earlier-contract", files), AS_OF)
    assert outcome(result) == []
    assert result.table("detentions")["persons_qualifier"].to_list() == [None, None]


def test_cp949_bytes_that_are_also_utf8_are_settled_by_the_encoding_option(tmp_path):
    from toolkit.ingest import read_file

    path = tmp_path / "ambiguous.csv"
    path.write_bytes("a,b\n큄,1\n".encode("cp949"))  # C5 A1 is also UTF-8 for 'š'
    assert read_file(path, "detentions", "ambiguous.csv").frame["c0"][0] == "š"
    forced = read_file(path, "detentions", "ambiguous.csv", "cp949")
    assert forced.frame["c0"][0] == "큄"
