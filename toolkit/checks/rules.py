"""The catalogue of validation rules: one entry per rule, with its severity, its one-line
summary and the paragraph ``docs/validation-rules.md`` prints for it.

Where each rule is checked: reading and header rules in :mod:`toolkit.ingest` and
:mod:`toolkit.checks.columns`, cell and row rules as checks of the Pandera schema
(:mod:`toolkit.checks.cells`), rules across rows and datasets as SQL over the loaded tables
(:mod:`toolkit.checks.across`). Each rule is implemented in one place only.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

#: Exit codes of the command line: valid (warnings allowed), invalid data, unusable input.
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNUSABLE = 2

#: Stages, in the order a return goes through them.
STAGES = {
    "file": "Reading the file",
    "header": "Matching the header to the contract",
    "cell": "Cells (Pandera column checks)",
    "row": "Rows (Pandera dataframe checks)",
    "across": "Across rows and datasets (SQL over the loaded tables)",
}


@dataclass(frozen=True)
class Rule:
    slug: str
    severity: str
    stage: str
    summary: str
    doc: str


_CATALOGUE = (
    Rule("unreadable_file", ERROR, "file", "the file cannot be read",
         "The file is empty, not text (UTF-16, binary, an image, a workbook with a .csv "
         "name), in an encoding that is neither UTF-8 nor CP949/EUC-KR, quoted in a way the "
         "CSV reader cannot follow, damaged, named with control characters or not in UTF-8, "
         "or a link out of the raw folder. The message says which, and where."),
    Rule("missing_input", ERROR, "file", "an expected input file or folder is missing",
         "A dataset's folder (or `sources.csv`) is absent or holds no data files; a folder of "
         "a similar name is pointed out."),
    Rule("unsupported_format", ERROR, "file",
         "the file's extension is not .csv, .xlsx or .parquet",
         "Old Excel `.xls`, `.xlsm`, `.tsv` and other files are refused by name, with how to "
         "save them instead."),
    Rule("ragged_row", ERROR, "file", "a row with more fields than the header",
         "A CSV row with more fields than the header (usually a comma inside a value that is "
         "not quoted). The row's other findings are not reported: its cells are shifted."),
    Rule("invalid_text", ERROR, "file", "a cell whose bytes are not UTF-8 text",
         "A text cell of a Parquet return holds bytes that are not UTF-8; the cell is reported "
         "at its row and treated as empty."),
    Rule("formula_cell", ERROR, "file",
         "a spreadsheet formula or error value instead of a value",
         "An XLSX cell holding a formula (`=300+1`) or an error (`#DIV/0!`): a return holds "
         "values. The cell is reported once and treated as empty."),
    Rule("merged_cells", ERROR, "file", "merged spreadsheet cells",
         "A merged range in the rows of an XLSX return, reported at its first cell."),
    Rule("ignored_sheet", ERROR, "file", "another sheet of the workbook holds rows, not read",
         "Only one sheet is read (the one named after the dataset, else the first visible "
         "one); another sheet whose header names the contract's columns would be left out."),
    Rule("no_rows", WARNING, "file", "a file with a header but no rows",
         "A header and nothing else: a quarter with no fatalities, or a file cut short."),
    Rule("review_register", ERROR, "file", "a row of the review register that cannot be used",
         "A row of `reviews/notes.csv` (the register of reviewed free text) without a dataset, "
         "record_id, column or sha256, or whose decision is not `publish` or `withhold`."),
    Rule("unknown_column", ERROR, "header", "a column that the contract does not list",
         "A header name that is not a column of the contract (with a suggestion for a "
         "misspelling), or values in a column without a name. Names are matched ignoring "
         "case, spaces and hyphens."),
    Rule("personal_data_column", ERROR, "header", "a column that looks like personal data",
         "A column named like personal data (name, passport, phone, e-mail, address, birth "
         "date, identity number, also in Korean) is refused by name: the contracts record "
         "counts of people, never people."),
    Rule("missing_column", ERROR, "header", "a required column is absent from the file",
         "A required column is not in the header; its cells are not reported one by one."),
    Rule("duplicate_column", ERROR, "header", "a column name appears twice in the header",
         "Two header cells name the same column; the second is not read."),
    Rule("required", ERROR, "cell", "a required cell is empty",
         "An empty cell in a required column (Pandera's `nullable=False`)."),
    Rule("type_date", ERROR, "cell", "not a date in the form YYYY-MM-DD",
         "A date column holds something else; the message says how to write it when the "
         "intended date is clear (`22/02/2025`: write 2025-02-22)."),
    Rule("type_integer", ERROR, "cell", "not a whole number",
         "A count is not a whole number written with the digits 0-9 (`3.0`, as spreadsheets "
         "export whole numbers, is read as 3), or is beyond any population "
         "(10,000,000,000)."),
    Rule("enum", ERROR, "cell", "not one of the allowed values",
         "A coded column holds a value outside its list, with the likely intended value for "
         "case and spelling slips."),
    Rule("iso3", ERROR, "cell", "not an ISO 3166-1 alpha-3 code (or XXX)",
         "A country or nationality is not an ISO 3166-1 alpha-3 code (from pycountry) or "
         "`XXX` (several or unknown); the likely code is suggested for a name or alpha-2 "
         "code."),
    Rule("min", ERROR, "cell", "below the minimum", "A number below its column's minimum."),
    Rule("max", ERROR, "cell", "above the maximum", "A number above its column's maximum."),
    Rule("url_scheme", ERROR, "cell", "not an http or https address",
         "A web address that is not `http://` or `https://` (no `javascript:`, `file:`)."),
    Rule("unsafe_text", ERROR, "cell",
         "text that a spreadsheet or browser would run: a formula, markup or a control "
         "character",
         "A text cell that starts like a spreadsheet formula (`=`, `@`, or `+`/`-` not "
         "followed by a number, or a DDE call), holds markup (`<script>`, `<b>`, `<!--`), or "
         "holds an invisible or direction-changing character (controls, bidirectional marks "
         "and overrides, zero-width characters, Unicode line separators). Published files "
         "neutralise such text anyway; refusing it at the door keeps returns clean."),
    Rule("personal_data", ERROR, "cell",
         "a telephone number, e-mail address, passport or resident registration number",
         "A text cell holds what looks like a telephone number (libphonenumber's matcher, "
         "for Korea and the countries of the records, and international numbers), an e-mail "
         "address, a passport number or a Korean resident registration number (python-stdnum), "
         "found after the text is normalised (NFKC, invisible characters removed). The finding "
         "shows the value masked. Names cannot be found by a pattern: notes are also held back "
         "from publication until reviewed."),
    Rule("id_format", ERROR, "cell", "an identifier with characters an identifier cannot have",
         "record_id, source_id and each id of detention_ids are letters and digits, then those "
         "and `- . _ : /`, at most 64 characters: no space, line break, markup or invisible "
         "character can make two ids look alike or change a page they are printed on."),
    Rule("too_long", ERROR, "cell", "a cell longer than any real value",
         "A text cell of more than 10,000 characters (a quote left open swallowed the file, or "
         "something was pasted by mistake)."),
    Rule("date_after_as_of", ERROR, "cell", "a date after the as-of date of the build",
         "An event dated after the as-of date (`--as-of`, default today)."),
    Rule("date_before_2000", ERROR, "cell", "a date before 2000-01-01",
         "A date before 2000-01-01: a typing slip."),
    Rule("breakdown_exceeds_persons", ERROR, "row", "a breakdown is larger than persons",
         "A breakdown of persons (females, males, minors, arrested on arrival; females plus "
         "males) is larger than persons."),
    Rule("unique", ERROR, "across", "an identifier that is used more than once",
         "A record_id (source_id in the register) used twice in a dataset, across all its "
         "files; the message lists where else."),
    Rule("unknown_source", ERROR, "across", "a source_id that is not in sources.csv",
         "Every record cites a source of the register."),
    Rule("unknown_detention", ERROR, "across", "a detention id that is not in the detentions",
         "Each `;`-separated id of a repatriation's detention_ids must be a detention."),
    Rule("detention_after_repatriation", ERROR, "across",
         "a detention dated after the repatriation",
         "A repatriation cannot come from a detention dated after it."),
    Rule("possible_duplicate", WARNING, "across",
         "looks like the same event reported twice",
         "Records of the same place, nationality and number of people, dated within three "
         "days of each other, each from a different source: one event reported by each of "
         "them. Each such group is reported once, at its latest record, naming the others. A "
         "run of records in which a source appears twice is a series of events, not one event "
         "reported twice, and is not reported (so a register of one row per person, or a "
         "busy border crossing, is not flagged)."),
    Rule("negative_stock", WARNING, "across",
         "more people repatriated than recorded as detained",
         "For a country of detention and a nationality, people repatriated up to a day "
         "outnumber those recorded as detained up to that day: the records cannot support a "
         "count there. Reported with the rows involved, never clipped."),
)

#: Every rule, by slug.
RULES: dict[str, Rule] = {r.slug: r for r in _CATALOGUE}
#: Findings of these rules mean that some input could not be read at all (exit code 2).
UNUSABLE_RULES = ("unreadable_file", "missing_input", "unsupported_format")
