"""One small named fixture per rule of ``toolkit.errors.RULES``, and the exact finding it gives.

Each case is the valid set (tests/fixtures/raw/valid) with one file broken; the broken file is
named after its case (for the source register, which must be ``sources.csv``, the folder is).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
import pandera.errors
import polars as pl
import pytest
from conftest import AS_OF, base_rows, sampled, to_csv
from pandera.config import ValidationDepth, config_context

from toolkit.checks import EXIT_INVALID, EXIT_OK, EXIT_UNUSABLE, RULES, validate
from toolkit.checks.batch import Schemas, Skip, check_batch
from toolkit.checks.cells import Context, build_schema, with_parsed
from toolkit.contracts import load_contracts


def changed(dataset: str, changes: dict[int, dict[str, str]] | None = None,
            extra: list[dict[str, str]] = (), drop_columns: tuple[str, ...] = (),
            add_columns: dict[str, list[str]] | None = None) -> str:
    """The valid set's CSV of ``dataset`` with cells changed; ``changes`` is keyed by file row
    (the header is row 1, so the first record is row 2)."""
    header, rows = base_rows(dataset)
    for row, cells in (changes or {}).items():
        rows[row - 2].update(cells)
    rows += [dict(r) for r in extra]
    header = [h for h in header if h not in drop_columns]
    body = [[r.get(h, "") for h in header] for r in rows]
    for name, values in (add_columns or {}).items():
        header.append(name)
        for line, value in zip(body, values, strict=True):
            line.append(value)
    return to_csv(header, body)


def as_xlsx(dataset: str, tweak: Callable | None = None, sheet: str = "Sheet1") -> bytes:
    """The valid set's file of ``dataset`` as a workbook with real numbers and dates."""
    header, rows = base_rows(dataset)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        cells = []
        for name in header:
            value = row[name]
            if value and name in ("event_date", "published_date"):
                value = dt.date.fromisoformat(value)
            elif value and value.isdigit():
                value = int(value)
            cells.append(value or None)
        ws.append(cells)
    if tweak:
        tweak(book, ws)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _formula(book, ws) -> None:
    ws["H3"] = "=10+10"


def _merged(book, ws) -> None:
    ws["C3"] = "day"
    ws.merge_cells("C2:C3")


def _second_sheet(book, ws) -> None:
    ws.title = "Q4"
    other = book.create_sheet("Q3")
    other.append(["record_id", "event_date", "persons"])
    other.append(["DET-000", dt.date(2025, 9, 30), 3])


def _parquet_with_bad_text() -> bytes:
    """The valid detentions as Parquet, the second row's location bytes not UTF-8."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    header, rows = base_rows("detentions")
    columns = {c: [r[c] or None for r in rows] for c in header}
    columns["location"] = pa.array([b"Sihanoukville", b"Poi\xffpet"]).view(pa.string())
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


DET = "detentions/"
REP = "repatriations/"


@dataclass
class Case:
    """A raw folder: the valid set with ``files`` added and ``drop`` datasets' files removed."""

    name: str
    files: dict[str, str | bytes]
    expected: list[tuple]  # (rule, file, row, column, value, message)
    exit_code: int = EXIT_INVALID
    drop: tuple[str, ...] = ()
    folder: str = field(default="")


def case(name: str, dataset: str, content: str | bytes, expected: list[tuple],
         exit_code: int = EXIT_INVALID, ext: str = "csv", keep_base: bool = False) -> Case:
    if dataset == "sources":
        return Case(name, {"sources.csv": content}, expected, exit_code, (), name)
    rel = f"{dataset}/{name}.{ext}"
    return Case(name, {rel: content}, expected, exit_code, () if keep_base else (dataset,))


NOTES = "raid on a compound, second wave"
DUP_MSG = "record_id 'DET-001' is used more than once in detentions; also at {} row {}"

CASES = [
    case("detentions-empty", "detentions", b"", [
        ("unreadable_file", DET + "detentions-empty.csv", None, None, None, "the file is empty"),
    ], EXIT_UNUSABLE, keep_base=True),
    Case("sources-missing", {}, [
        ("missing_input", "sources.csv", None, None, None,
         "no sources data: expected a file {raw}/sources.csv"),
    ], EXIT_UNUSABLE, ("sources",), "sources-missing"),
    case("detentions-old-excel", "detentions", b"\xd0\xcf\x11\xe0", [
        ("unsupported_format", DET + "detentions-old-excel.xls", None, None, None,
         "unsupported file type '.xls': a return must be .csv, .xlsx or .parquet; save the "
         "old Excel workbook as .xlsx"),
    ], EXIT_UNUSABLE, ext="xls", keep_base=True),
    case("detentions-ragged-row", "detentions",
         changed("detentions").replace(f'"{NOTES}"', NOTES), [
             ("ragged_row", DET + "detentions-ragged-row.csv", 3, None, "second wave",
              "the row has 19 fields but the header has 18; is a comma inside a value not "
              "quoted? The fields after the last column were ignored"),
         ]),
    case("detentions-formula", "detentions", as_xlsx("detentions", _formula), [
        ("formula_cell", DET + "detentions-formula.xlsx", 3, "persons", "=10+10",
         "cell H3 holds a formula (=10+10); copy the column and paste it back as values"),
    ], ext="xlsx"),
    case("detentions-merged-cells", "detentions", as_xlsx("detentions", _merged), [
        ("merged_cells", DET + "detentions-merged-cells.xlsx", 2, "date_precision", "C2:C3",
         "cells C2:C3 are merged; unmerge them and fill in every cell"),
    ], ext="xlsx"),
    case("detentions-unknown-column", "detentions",
         changed("detentions", add_columns={"province": ["Kampot", ""]}), [
             ("unknown_column", DET + "detentions-unknown-column.csv", 1, "province", None,
              "column 'province' is not in the detentions contract"),
         ]),
    case("detentions-full-name-column", "detentions",
         changed("detentions", add_columns={"full_name": ["Kim Min-jun", ""]}), [
             ("personal_data_column", DET + "detentions-full-name-column.csv", 1, "full_name",
              None, "column 'full_name' looks like personal data and is refused: the contract "
              "records counts, not people; remove the column"),
         ]),
    case("detentions-missing-reason-column", "detentions",
         changed("detentions", drop_columns=("reason",)), [
             ("missing_column", DET + "detentions-missing-reason-column.csv", 1, "reason", None,
              "required column 'reason' is missing from the header"),
         ]),
    case("detentions-duplicate-column", "detentions",
         changed("detentions", add_columns={"notes": ["", ""]}), [
             ("duplicate_column", DET + "detentions-duplicate-column.csv", 1, "notes", "notes",
              "column 'notes' appears twice in the header (columns 18 and 19)"),
         ]),
    case("detentions-empty-reason", "detentions", changed("detentions", {3: {"reason": ""}}), [
        ("required", DET + "detentions-empty-reason.csv", 3, "reason", None,
         "reason is required but the cell is empty"),
    ]),
    case("detentions-date-dd-mm-yyyy", "detentions",
         changed("detentions", {3: {"event_date": "05/10/2025"}}), [
             ("type_date", DET + "detentions-date-dd-mm-yyyy.csv", 3, "event_date", "05/10/2025",
              "'05/10/2025' is not in the form YYYY-MM-DD, and day and month could be either "
              "way round; write the date as YYYY-MM-DD"),
         ]),
    case("detentions-persons-not-whole", "detentions",
         changed("detentions", {3: {"persons": "3.5"}}), [
             ("type_integer", DET + "detentions-persons-not-whole.csv", 3, "persons", "3.5",
              "'3.5' is not a whole number"),
         ]),
    case("fatalities-sex-capitalised", "fatalities",
         changed("fatalities", {2: {"sex": "Male"}}), [
             ("enum", "fatalities/fatalities-sex-capitalised.csv", 2, "sex", "Male",
              "'Male' is not one of female, male, unknown; did you mean 'male'?"),
         ]),
    case("detentions-country-name", "detentions",
         changed("detentions", {3: {"country": "Myanmar"}}), [
             ("iso3", DET + "detentions-country-name.csv", 3, "country", "Myanmar",
              "'Myanmar' is not an ISO 3166-1 alpha-3 code (use XXX for several or unknown); "
              "did you mean 'MMR'?"),
         ]),
    case("detentions-negative-persons", "detentions",
         changed("detentions", {3: {"persons": "-20"}}), [
             ("min", DET + "detentions-negative-persons.csv", 3, "persons", "-20",
              "-20 is below the minimum of 1"),
         ]),
    case("sources-reliability-six", "sources", changed("sources", {2: {"reliability": "6"}}), [
        ("max", "sources.csv", 2, "reliability", "6", "6 is above the maximum of 5"),
    ]),
    case("detentions-females-plus-males-above-persons", "detentions",
         changed("detentions", {2: {"females": "5"}}), [
             ("breakdown_exceeds_persons",
              DET + "detentions-females-plus-males-above-persons.csv", 2, "females+males",
              "females=5, males=8, persons=10", "females 5 + males 8 is more than persons 10"),
         ]),
    case("sources-javascript-url", "sources",
         changed("sources", {3: {"url": "javascript:alert(1)"}}), [
             ("url_scheme", "sources.csv", 3, "url", "javascript:alert(1)",
              "'javascript:alert(1)' is not an http:// or https:// address"),
         ]),
    case("detentions-formula-in-notes", "detentions",
         changed("detentions", {3: {"notes": '=HYPERLINK("https://example.org","more")'}}), [
             ("unsafe_text", DET + "detentions-formula-in-notes.csv", 3, "notes",
              '=HYPERLINK("https://example.org","more")',
              '\'=HYPERLINK("https://example.org","more")\' starts with \'=\', so a spreadsheet '
              "would run it as a formula; reword it so that it does not start with '='"),
         ]),
    case("detentions-phone-in-notes", "detentions",
         changed("detentions", {3: {"notes": "family reached on ０１０\u200b1234\u200b5678"}}), [
             ("personal_data", DET + "detentions-phone-in-notes.csv", 3, "notes",
              "family reached on 01*********",
              "'family reached on 01*********' holds what looks like a telephone number of a "
              "person; the records hold counts of people, never how to reach or identify one: "
              "remove it"),
             ("unsafe_text", DET + "detentions-phone-in-notes.csv", 3, "notes",
              "family reached on ０１０\u200b1234\u200b5678",
              "'family reached on ０１０\\u200b1234\\u200b5678' contains the invisible zero-width "
              "character U+200B, which makes two different values look the same; delete it"),
         ]),
    case("detentions-id-with-a-line-break", "detentions",
         changed("detentions", {3: {"record_id": "DET-002\n# This release is withdrawn"}}), [
             ("id_format", DET + "detentions-id-with-a-line-break.csv", 3, "record_id",
              "DET-002\n# This release is withdrawn",
              "'DET-002\\n# This release is withdrawn' is not an identifier: use letters, "
              "digits and - . _ : / only, at most 64 characters, starting with a letter or "
              "digit"),
         ]),
    case("detentions-huge-notes", "detentions",
         changed("detentions", {3: {"notes": "x" * 10_001}}), [
             ("too_long", DET + "detentions-huge-notes.csv", 3, "notes", "x" * 119 + "…",
              "the cell holds 10,001 characters, more than the limit of 10,000; is a quote "
              "left open?"),
         ]),
    case("detentions-duplicate-record-id", "detentions",
         changed("detentions", {3: {"record_id": "DET-001"}}), [
             ("unique", DET + "detentions-duplicate-record-id.csv", 2, "record_id", "DET-001",
              DUP_MSG.format(DET + "detentions-duplicate-record-id.csv", 3)),
             ("unique", DET + "detentions-duplicate-record-id.csv", 3, "record_id", "DET-001",
              DUP_MSG.format(DET + "detentions-duplicate-record-id.csv", 2)),
         ]),
    case("repatriations-after-as-of", "repatriations",
         changed("repatriations", {2: {"event_date": "2026-01-05"}}), [
             ("date_after_as_of", REP + "repatriations-after-as-of.csv", 2, "event_date",
              "2026-01-05", "2026-01-05 is after the as-of date 2025-12-31"),
         ]),
    case("detentions-before-2000", "detentions",
         changed("detentions", {3: {"event_date": "1999-12-31"}}), [
             ("date_before_2000", DET + "detentions-before-2000.csv", 3, "event_date",
              "1999-12-31", "1999-12-31 is before 2000-01-01"),
         ]),
    case("detentions-unknown-source", "detentions",
         changed("detentions", {3: {"source_id": "SRC-999"}}), [
             ("unknown_source", DET + "detentions-unknown-source.csv", 3, "source_id", "SRC-999",
              "source_id 'SRC-999' is not in sources.csv"),
         ]),
    case("repatriations-unknown-detention", "repatriations",
         changed("repatriations", {2: {"detention_ids": "DET-009"}}), [
             ("unknown_detention", REP + "repatriations-unknown-detention.csv", 2,
              "detention_ids", "DET-009", "detention 'DET-009' is not in the detentions"),
         ]),
    case("repatriations-detention-after-repatriation", "repatriations",
         changed("repatriations", extra=[{
             "record_id": "REP-002", "event_date": "2025-10-03", "date_precision": "day",
             "from_country": "KHM", "nationality": "KOR", "persons": "2", "mode": "land",
             "detention_ids": "DET-002", "source_id": "SRC-002"}]), [
             ("detention_after_repatriation",
              REP + "repatriations-detention-after-repatriation.csv", 3, "detention_ids",
              "DET-002", "detention DET-002 is dated 2025-10-05, after this repatriation on "
              "2025-10-03"),
         ]),
    case("detentions-possible-duplicate", "detentions",
         changed("detentions", extra=[{
             "record_id": "DET-003", "event_date": "2025-10-03", "date_precision": "day",
             "country": "KHM", "nationality": "KOR", "persons": "10", "reason": "other",
             "source_id": "SRC-002"}]), [
             ("possible_duplicate", DET + "detentions-possible-duplicate.csv", 4, "record_id",
              "DET-003", "DET-003 (2025-10-03, KHM, KOR, 10 persons) may be the same event as "
              "DET-001 (2025-10-01, detentions/detentions-possible-duplicate.csv row 2)"),
         ], EXIT_OK),
    Case("reviews-bad-decision", {"reviews/notes.csv": "dataset,record_id,column,sha256,decision,"
                                  "reviewed_on\ndetentions,DET-002,notes,abc,maybe,2026-12-07\n"},
         [("review_register", "reviews/notes.csv", 2, "decision", "maybe",
           "every row names dataset, record_id, column and sha256, and a decision publish or "
           "withhold")]),
    case("detentions-not-utf8", "detentions", _parquet_with_bad_text(), [
        ("invalid_text", DET + "detentions-not-utf8.parquet", 3, "location", "Poi\ufffdpet",
         "the cell's bytes are not UTF-8 text (byte 4 is 0xff); write the file again from its "
         "source"),
    ], ext="parquet"),
    case("fatalities-header-only", "fatalities", to_csv(base_rows("fatalities")[0], []), [
        ("no_rows", "fatalities/fatalities-header-only.csv", None, None, None,
         "the file has a header but no rows"),
    ], EXIT_OK),
    case("detentions-two-sheets", "detentions", as_xlsx("detentions", _second_sheet), [
        ("ignored_sheet", DET + "detentions-two-sheets.xlsx", None, None, None,
         "only sheet 'Q4' is read, but 'Q3' also holds detentions rows; put every row on one "
         "sheet (named 'detentions' if the workbook has others)"),
    ], ext="xlsx"),
    case("repatriations-more-than-detained", "repatriations",
         changed("repatriations", {2: {"persons": "15"}}), [
             ("negative_stock", REP + "repatriations-more-than-detained.csv", 2, "persons", "-5",
              "detained with no return recorded in KHM, nationality KOR, on 2025-10-10 would be "
              "-5 (10 detained minus 15 repatriated): the records lack detentions; rows "
              "involved: DET-001, REP-001"),
         ], EXIT_OK),
]


def findings(result) -> list[tuple]:
    return [(f.rule, f.file, f.row, f.column, f.value, f.message)
            for f in result.report.sorted()]


def test_the_valid_set_is_valid_with_nothing_to_report(valid_reference):
    result = valid_reference
    assert findings(result) == []
    assert result.report.exit_code == EXIT_OK
    assert {n: len(t) for n, t in result.tables.items()} == {
        "sources": 2, "detentions": 2, "repatriations": 1, "fatalities": 1,
        "reported_figures": 1}


def test_every_rule_has_a_case():
    covered = {rule for c in CASES for rule, *_ in c.expected}
    assert covered == set(RULES)


@pytest.mark.parametrize("c", sampled(CASES, ids=[c.name for c in CASES]))
def test_rule_case_gives_its_exact_finding(c: Case, make_raw):
    raw = make_raw(c.folder or c.name, c.files, drop=c.drop)
    result = validate(raw, AS_OF)
    expected = [(rule, file, row, col, value, message.replace("{raw}", raw.as_posix()))
                for rule, file, row, col, value, message in c.expected]
    assert findings(result) == expected
    assert result.report.exit_code == c.exit_code


def _detentions(persons: str) -> pl.DataFrame:
    """The valid set's detentions as a validation batch: text, with dates and counts parsed."""
    contract = load_contracts()["detentions"]
    header, rows = base_rows("detentions")
    rows[1]["persons"] = persons
    frame = pl.DataFrame([{c: (r[c] or None) for c in header} for r in rows],
                         schema={c: pl.String for c in header})
    frame = frame.with_columns(pl.Series("__row", [2, 3], dtype=pl.Int64),
                               pl.Series("__line", [2, 3], dtype=pl.Int64),
                               *[pl.lit(None, pl.String).alias(c) for c in contract.column_names
                                 if c not in header])
    return with_parsed(frame.select(*contract.column_names, "__row", "__line"), contract)


def test_pandera_checks_the_data_only_at_depth_schema_and_data():
    """Pandera's Polars backend checks only a frame's schema unless told to check its data."""
    contract = load_contracts()["detentions"]
    schema = build_schema(contract, AS_OF)
    batch = _detentions("-20")
    with config_context(validation_depth=ValidationDepth.SCHEMA_ONLY):
        schema.validate(batch, lazy=True)  # passes: the bad value is not looked at
    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        with pytest.raises(pandera.errors.SchemaErrors) as info:
            schema.validate(batch, lazy=True)
    assert "min|persons" in info.value.failure_cases["check"].to_list()
    schemas = Schemas.of(contract, AS_OF)
    found = check_batch(batch, contract, schemas, Context(AS_OF), "detentions/x.csv", Skip())
    assert found.select("rule", "file", "row", "column", "value").rows() == [
        ("min", "detentions/x.csv", 3, "persons", "-20")]
    assert check_batch(_detentions("20"), contract, schemas, Context(AS_OF), "detentions/x.csv",
                       Skip()).height == 0


def _same_key_rows(dates_and_sources: list[tuple[str, str]]) -> list[dict]:
    return [{"record_id": f"DET-{i:03d}", "event_date": d, "date_precision": "day",
             "country": "THA", "nationality": "MMR", "persons": "1", "reason": "other",
             "source_id": s} for i, (d, s) in enumerate(dates_and_sources, start=100)]


def _duplicates(make_raw, rows: list[dict], name: str) -> list[tuple]:
    header, _ = base_rows("detentions")
    raw = make_raw(name, {"detentions/detentions.csv": to_csv(header, rows)})
    return [(f.row, f.value, f.message) for f in validate(raw, AS_OF).report.findings
            if f.rule == "possible_duplicate"]


def test_one_event_from_three_sources_is_one_group_at_its_latest_record(make_raw):
    rows = _same_key_rows([("2025-10-01", "SRC-001"), ("2025-10-02", "SRC-002"),
                           ("2025-10-03", "SRC-003")])
    sources = to_csv(*base_rows("sources")) + \
        "SRC-003,Khmer Times,Third report,,,media,2\n"
    header, _ = base_rows("detentions")
    raw = make_raw("three-sources", {"detentions/detentions.csv": to_csv(header, rows),
                                     "sources.csv": sources})
    found = [(f.row, f.value, f.message) for f in validate(raw, AS_OF).report.findings
             if f.rule == "possible_duplicate"]
    assert found == [(4, "DET-102", "DET-102 (2025-10-03, THA, MMR, 1 persons) may be the same "
                      "event as DET-100 (2025-10-01, detentions/detentions.csv row 2), DET-101 "
                      "(2025-10-02, detentions/detentions.csv row 3)")]


def test_a_register_of_one_row_per_person_is_not_flagged(make_raw):
    """Ten people detained on the same day at the same place, as one source lists them."""
    rows = _same_key_rows([("2025-10-01", "SRC-001")] * 10)
    assert _duplicates(make_raw, rows, "register") == []


def test_a_series_of_events_from_two_sources_is_not_flagged(make_raw):
    """Daily arrests reported alternately by two sources: a source appears twice in the run,
    so it is a series of events, not one event reported twice."""
    rows = _same_key_rows([(f"2025-10-{d:02d}", "SRC-001" if d % 2 else "SRC-002")
                           for d in range(1, 21)])
    assert _duplicates(make_raw, rows, "series") == []
