"""Errors as data: every problem found in a run is a :class:`Finding` row.

A finding names the file, the row as a person counts it (header = row 1), the column, the rule
(a stable slug from :data:`RULES`) and the offending value. Findings are collected for a whole
run and reported together; the CLI prints them, writes them as JSON or CSV, and picks the exit code.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"

#: Exit codes of the command line.
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNUSABLE = 2


@dataclass(frozen=True)
class Rule:
    slug: str
    severity: str
    summary: str


#: The catalogue of rules; each finding names one of these slugs.
RULES: dict[str, Rule] = {
    r.slug: r
    for r in (
        Rule("unreadable_file", ERROR, "the file cannot be read"),
        Rule("missing_input", ERROR, "an expected input file or folder is missing"),
        Rule("unsupported_format", ERROR, "the file's extension is not .csv, .xlsx or .parquet"),
        Rule("ragged_row", ERROR, "a row with more fields than the header"),
        Rule("formula_cell", ERROR, "a spreadsheet formula or error value instead of a value"),
        Rule("merged_cells", ERROR, "merged spreadsheet cells"),
        Rule("unknown_column", ERROR, "a column that the contract does not list"),
        Rule("personal_data_column", ERROR, "a column that looks like personal data"),
        Rule("missing_column", ERROR, "a required column is absent from the file"),
        Rule("duplicate_column", ERROR, "a column name appears twice in the header"),
        Rule("required", ERROR, "a required cell is empty"),
        Rule("type_date", ERROR, "not a date in the form YYYY-MM-DD"),
        Rule("type_integer", ERROR, "not a whole number"),
        Rule("enum", ERROR, "not one of the allowed values"),
        Rule("iso3", ERROR, "not an ISO 3166-1 alpha-3 code (or XXX)"),
        Rule("min", ERROR, "below the minimum"),
        Rule("max", ERROR, "above the maximum"),
        Rule("breakdown_exceeds_persons", ERROR, "a breakdown is larger than persons"),
        Rule("url_scheme", ERROR, "not an http or https address"),
        Rule("unsafe_text", ERROR,
             "text that a spreadsheet or browser would run: a formula, markup or a control "
             "character"),
        Rule("too_long", ERROR, "a cell longer than any real value"),
        Rule("unique", ERROR, "an identifier that is used more than once"),
        Rule("date_after_as_of", ERROR, "a date after the as-of date of the build"),
        Rule("date_before_2000", ERROR, "a date before 2000-01-01"),
        Rule("unknown_source", ERROR, "a source_id that is not in sources.csv"),
        Rule("unknown_detention", ERROR, "a detention id that is not in the detentions"),
        Rule("detention_after_repatriation", ERROR, "a detention dated after the repatriation"),
        Rule("possible_duplicate", WARNING, "looks like the same event reported twice"),
        Rule("no_rows", WARNING, "a file with a header but no rows"),
        Rule("ignored_sheet", ERROR, "another sheet of the workbook holds rows, not read"),
        Rule("negative_stock", WARNING, "more people repatriated than recorded as detained"),
    )
}


#: Characters that would act on a terminal or reorder text (C0/C1 controls, text-direction
#: overrides): shown escaped in a finding's file, column and message.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: A CSV cell a spreadsheet would run as a formula (OWASP "CSV injection").
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+\-][^0-9\s.,]|[+\-].*\|.*!)", re.S)


def printable(text: str | None) -> str | None:
    """``text`` with control and text-direction characters written as escapes (``\\x1b``)."""
    if text is None or not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def csv_safe(value: object) -> object:
    """A report cell that a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


@dataclass(frozen=True)
class Finding:
    rule: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    dataset: str | None = None
    severity: str = field(default="")

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}")
        if not self.severity:
            object.__setattr__(self, "severity", RULES[self.rule].severity)
        for name in ("file", "column", "message"):
            object.__setattr__(self, name, printable(getattr(self, name)))

    def sort_key(self) -> tuple:
        return (
            0 if self.severity == ERROR else 1,
            self.file,
            self.row if self.row is not None else 0,
            self.column or "",
            self.rule,
            self.value or "",
            self.message,
        )


FIELDS = ("severity", "rule", "dataset", "file", "row", "column", "value", "message")


@dataclass
class Report:
    """All findings of one run, in a stable order."""

    findings: list[Finding] = field(default_factory=list)
    #: The deduplicated, sorted findings, kept until the next add/extend (``errors``,
    #: ``warnings``, ``to_records`` ... each need them; sorting 100,000 findings takes seconds).
    _sorted: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        self._sorted = None

    def extend(self, findings) -> None:
        self.findings.extend(findings)
        self._sorted = None

    def sorted(self) -> list[Finding]:
        # The cache is also keyed on the list itself and its length, in case a caller
        # appended to (or replaced) ``findings`` directly.
        key = (id(self.findings), len(self.findings))
        if self._sorted is None or self._sorted[0] != key:
            self._sorted = (key, sorted(set(self.findings), key=Finding.sort_key))
        return list(self._sorted[1])

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == WARNING]

    def _count(self, severity: str) -> int:
        return sum(1 for f in set(self.findings) if f.severity == severity)

    @property
    def unusable(self) -> bool:
        return any(f.rule in ("unreadable_file", "missing_input", "unsupported_format")
                   for f in self.findings)

    @property
    def exit_code(self) -> int:
        if self.unusable:
            return EXIT_UNUSABLE
        return EXIT_INVALID if self._count(ERROR) else EXIT_OK

    def counts(self) -> Counter:
        return Counter(f.rule for f in set(self.findings))

    def summary(self) -> str:
        errors, warnings = self._count(ERROR), self._count(WARNING)
        if self.unusable:
            head = "Some input could not be read"
        elif errors:
            head = "The data is invalid"
        else:
            head = "The data is valid"
        return f"{head}: {errors} error{'s' * (errors != 1)}, " \
               f"{warnings} warning{'s' * (warnings != 1)}."

    def to_records(self) -> list[dict]:
        return [{k: getattr(f, k) for k in FIELDS} for f in self.sorted()]

    def to_json(self) -> str:
        doc = {
            "valid": self.exit_code == EXIT_OK,
            "exit_code": self.exit_code,
            "summary": self.summary(),
            "errors": self._count(ERROR),
            "warnings": self._count(WARNING),
            "findings": self.to_records(),
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"

    def to_csv(self) -> str:
        """The findings as CSV; a value that would run as a formula is prefixed with ``'``."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: csv_safe(v) for k, v in r.items()} for r in self.to_records())
        return buf.getvalue()


def shorten(value: object, limit: int = 120) -> str | None:
    """A cell value as shown in a report: text, cut to a readable length."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
