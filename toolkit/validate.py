"""Validate raw returns against the contracts in ``schemas/``; collect every failure of a run.

The stage reads every file of every dataset, checks headers, parses types, runs the Pandera
schema derived from the contract on the data (depth ``SCHEMA_AND_DATA``: Pandera's Polars
backend checks only the schema of a frame unless told otherwise), then the rules that span
files and datasets, and the stock-flow reconciliation.

Every rule is a Polars expression over whole columns; Python only loops over the rows that
fail, to word their findings.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

# pandera imports hypothesis (for data synthesis, which the toolkit does not use); without its
# entry-point plugins that import takes about 0.3 s less. Only a default: a caller may set it.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")

import pandera.errors  # noqa: E402
import pandera.polars as pa
import polars as pl
import pycountry
from pandera.config import ValidationDepth, config_context

from toolkit.contracts import (
    ALL_DATASETS,
    PERSONAL_DATA_COLUMN,
    Contract,
    load_contracts,
)
from toolkit.errors import Finding, Report, shorten
from toolkit.read import (
    FILE,
    LINE,
    ROW,
    SUPPORTED,
    RawFile,
    UnreadableFile,
    check_encoding,
    discover,
    normalise_header,
    read_raw_file,
    unreadable,
)
from toolkit.rules import (  # noqa: F401  (re-exported: the rules' constants live there)
    CONTROL_PATTERN,
    DUPLICATE_WINDOW_DAYS,
    EARLIEST_DATE,
    FORMULA_PATTERN,
    MARKUP_PATTERN,
    MAX_CELL_CHARS,
    MAX_COUNT,
    TEXT_TYPES,
    URL_PATTERN,
    duplicate_finding,
    file_refusal,
    iso3_codes,
    no_rows_finding,
)

IDX = "__idx"
#: How many other places a duplicated identifier's message lists.
MAX_PLACES = 5

_CONTROL_RE = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\u202A-\u202E\u2066-\u2069]")


@dataclass
class Validated:
    """The outcome of validation: typed tables (with ``__file``/``__row``) and the report."""

    tables: dict[str, pl.DataFrame]
    report: Report
    as_of: dt.date
    files: dict[str, list[str]] = field(default_factory=dict)


def _skip_frame(rows: pl.DataFrame | None = None) -> pl.DataFrame:
    """Cells already reported (file, row, column), so that no second finding repeats them."""
    schema = {FILE: pl.String, ROW: pl.Int64, "column": pl.String}
    if rows is None:
        return pl.DataFrame(schema=schema)
    return rows.select(pl.col(FILE).cast(pl.String), pl.col(ROW).cast(pl.Int64),
                       pl.col("column").cast(pl.String))


# --------------------------------------------------------------------------- headers


def _column_name(raw: RawFile, index: int | None, known: list[str]) -> str | None:
    if index is None:
        return None
    if index >= len(raw.header) or not raw.header[index].strip():
        return f"(column {index + 1})"
    name = normalise_header(raw.header[index])
    return name if name in known else raw.header[index]


def check_header(raw: RawFile, contract: Contract) -> tuple[pl.DataFrame, list[Finding]]:
    """Match the file's columns to the contract by name; return the frame in contract order."""
    findings: list[Finding] = []
    known = contract.column_names
    seen: dict[str, int] = {}
    renames: dict[str, str] = {}
    row = raw.header_row
    for i, original in enumerate(raw.header):
        name = normalise_header(original)
        if not name:
            if f"c{i}" in raw.frame.columns and raw.frame[f"c{i}"].is_not_null().any():
                findings.append(Finding(
                    "unknown_column", raw.display, row, f"(column {i + 1})", None,
                    f"column {i + 1} has values but no name in the header", contract.name))
            continue
        if name in seen:
            findings.append(Finding(
                "duplicate_column", raw.display, row, name, shorten(original),
                f"column {name!r} appears twice in the header (columns {seen[name] + 1} "
                f"and {i + 1})", contract.name))
            continue
        seen[name] = i
        if name in known:
            renames[f"c{i}"] = name
        elif PERSONAL_DATA_COLUMN.search(name):
            findings.append(Finding(
                "personal_data_column", raw.display, row, shorten(original), None,
                f"column {shorten(original)!r} looks like personal data and is refused: the "
                "contract records counts, not people; remove the column", contract.name))
        else:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            findings.append(Finding(
                "unknown_column", raw.display, row, shorten(original), None,
                f"column {shorten(original)!r} is not in the {contract.name} contract{hint}",
                contract.name))
    for col in contract.required_columns:
        if col not in renames.values():
            findings.append(Finding(
                "missing_column", raw.display, row, col, None,
                f"required column {col!r} is missing from the header", contract.name))
    frame = raw.frame.rename(renames).with_columns(pl.lit(raw.display).alias(FILE))
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in known if c not in renames.values()
    )
    return frame.select(FILE, ROW, *known), findings


def read_issues(raw: RawFile, contract: Contract) -> tuple[list[Finding], pl.DataFrame]:
    """Findings for what the reader saw (ragged rows, formulas, merged cells) and cells to skip."""
    findings, skip = [], []
    known = contract.column_names
    for issue in raw.issues:
        column = _column_name(raw, issue.column, known)
        if issue.report:
            findings.append(Finding(issue.rule, raw.display, issue.row, column, issue.value,
                                    issue.message, contract.name))
        if issue.suppress and column in known:
            skip.append((raw.display, issue.row, column))
    frame = pl.DataFrame(skip, schema={FILE: pl.String, ROW: pl.Int64, "column": pl.String},
                         orient="row")
    return findings, frame


# --------------------------------------------------------------------------- types


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def date_problem(value: str) -> str:
    """Why a cell is not a YYYY-MM-DD date, and how to write it, in a user's words."""
    v = str(value)
    shown = shorten(v)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", v)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        if not 1 <= mo <= 12:
            return f"{shown!r} has no month {mo}; write dates as YYYY-MM-DD"
        days = calendar.monthrange(y, mo)[1]
        return (f"{shown!r} is not a real day: {calendar.month_name[mo]} {y} has {days} days")
    m = re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?"
                     r"(Z|[+-]\d{2}:?\d{2})?", v)
    if m:
        y, mo, d = (int(g) for g in m.group(1).split("-"))
        iso = _iso(y, mo, d)
        if iso:
            return f"{shown!r} has a time of day; give the date only: {iso}"
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", v) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", v)
    if m:
        iso = _iso(*(int(g) for g in m.groups()))
        if iso:
            return f"{shown!r} is not in the form YYYY-MM-DD; write {iso}"
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", v)
    if m:
        a, b, y = (int(g) for g in m.groups())
        if a > 12 and _iso(y, b, a):
            return f"{shown!r} is not in the form YYYY-MM-DD; write {_iso(y, b, a)}"
        if b > 12 and _iso(y, a, b):
            return f"{shown!r} is not in the form YYYY-MM-DD; write {_iso(y, a, b)}"
        return (f"{shown!r} is not in the form YYYY-MM-DD, and day and month could be either "
                "way round; write the date as YYYY-MM-DD")
    for fmt in ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y"):
        try:
            day = dt.datetime.strptime(v, fmt).date()
        except ValueError:
            continue
        return f"{shown!r} is not in the form YYYY-MM-DD; write {day.isoformat()}"
    m = re.fullmatch(r"(\d{5})(\.0+)?", v)
    if m and 20000 <= int(m.group(1)) <= 80000:
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(m.group(1)))
        return (f"{shown!r} looks like a spreadsheet's serial number for {day.isoformat()}; "
                "format the column as dates or write YYYY-MM-DD")
    return f"{shown!r} is not a date in the form YYYY-MM-DD"


def integer_problem(value: str) -> str:
    """Why a cell is not a whole number, in a user's words."""
    v = str(value)
    shown = shorten(v)
    if re.fullmatch(r"[+-]?[0-9]+(\.0+)?", v):
        if v.startswith("-"):
            return f"{shown!r} is outside the range of a count (0 to {MAX_COUNT:,})"
        return f"{shown!r} is too large for a count (the limit is {MAX_COUNT:,})"
    if re.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+", v):
        return f"{shown!r} is not a whole number; write it without separators: {v.replace(',', '')}"
    if re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+", v):
        try:
            number = float(v)
        except ValueError:
            number = None
        if number is not None and number.is_integer() and abs(number) > MAX_COUNT:
            return f"{shown!r} is too large for a count (the limit is {MAX_COUNT:,})"
        return f"{shown!r} is in scientific notation; write the whole number"
    if re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", v):
        return f"{shown!r} is not a whole number"
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in v):
        return f"{shown!r} is not a whole number written with the digits 0-9"
    return f"{shown!r} is not a whole number"


def parse_types(frame: pl.DataFrame, contract: Contract) -> tuple[pl.DataFrame, list[Finding]]:
    """Turn text cells into the contract's types; a cell that does not parse is a finding.

    Integers may carry a zero fraction (``3.0``, as spreadsheets export them); a number
    beyond :data:`MAX_COUNT` does not parse and is reported as too large.
    """
    findings: list[Finding] = []
    exprs = []
    for col in contract.columns:
        c = pl.col(col.name)
        if col.type == "date":
            ok = c.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
            exprs.append(pl.when(ok).then(c.str.to_date("%Y-%m-%d", strict=False))
                         .alias(col.name))
        elif col.type == "integer":
            ok = c.str.contains(r"^[+-]?[0-9]+(\.0+)?$")
            number = c.str.replace(r"\.0+$", "").str.replace(r"^\+", "").cast(
                pl.Int64, strict=False)
            exprs.append(pl.when(ok & (number.abs() <= MAX_COUNT)).then(number)
                         .alias(col.name))
    typed = frame.with_columns(exprs)
    for col in contract.columns:
        if col.type not in ("date", "integer"):
            continue
        bad = frame.filter(pl.col(col.name).is_not_null() & typed[col.name].is_null())
        rule = f"type_{col.type}"
        explain = date_problem if col.type == "date" else integer_problem
        for file, row, value in bad.select(FILE, ROW, col.name).iter_rows():
            findings.append(Finding(rule, file, row, col.name, shorten(value), explain(value),
                                    contract.name))
    return typed, findings


def type_failures(frame: pl.DataFrame, typed: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """The (file, row, column) cells that did not parse, to skip in the later checks."""
    parts = [
        frame.filter(pl.col(col.name).is_not_null() & typed[col.name].is_null())
        .select(FILE, ROW, pl.lit(col.name).alias("column"))
        for col in contract.columns if col.type in ("date", "integer")
    ]
    return _skip_frame(pl.concat(parts) if parts else None)


# --------------------------------------------------------------------------- pandera


def _column_check(rule: str, column: str, expr: Callable[[pl.Expr], pl.Expr]) -> pa.Check:
    """An element-wise check on one column; empty cells pass (``required`` handles them)."""

    def check(data) -> pl.LazyFrame:
        c = pl.col(data.key)
        return data.lazyframe.select((c.is_null() | expr(c)).alias(data.key))

    return pa.Check(check, error=f"{rule}|{column}", name=rule)


def _frame_check(rule: str, column: str, expr: pl.Expr) -> pa.Check:
    def check(data) -> pl.LazyFrame:
        return data.lazyframe.select(expr.fill_null(True).alias(column))

    return pa.Check(check, error=f"{rule}|{column}", name=rule)


def _safe_text(c: pl.Expr, formulas: bool = True) -> pl.Expr:
    # One regex (an alternation) per column instead of a pass per pattern. ``(?s)`` is
    # FORMULA_PATTERN's flag; the other two patterns have no ``.``, so it changes nothing there.
    pattern = f"(?s){CONTROL_PATTERN}|{MARKUP_PATTERN}"
    if formulas:
        pattern += "|" + FORMULA_PATTERN.removeprefix("(?s)")
    return ~c.str.contains(pattern)


def build_schema(contract: Contract, as_of: dt.date) -> pa.DataFrameSchema:
    """The Pandera (Polars backend) schema of a contract, for typed frames."""
    columns = {
        FILE: pa.Column(pl.String, nullable=False),
        ROW: pa.Column(pl.Int64, nullable=False),
    }
    frame_checks = []
    for col in contract.columns:
        checks = []
        dtype = {"date": pl.Date, "integer": pl.Int64}.get(col.type, pl.String)
        if col.type == "enum":
            values = list(col.values)
            checks.append(_column_check("enum", col.name, lambda c, v=values: c.is_in(v)))
        elif col.type == "iso3":
            codes = sorted(iso3_codes())
            checks.append(_column_check("iso3", col.name, lambda c, v=codes: c.is_in(v)))
        elif col.type == "url":
            checks.append(_column_check(
                "url_scheme", col.name, lambda c: c.str.contains(URL_PATTERN)))
        elif col.type == "date":
            checks.append(_column_check("date_after_as_of", col.name, lambda c: c <= as_of))
            checks.append(_column_check(
                "date_before_2000", col.name, lambda c: c >= EARLIEST_DATE))
        if col.type in TEXT_TYPES:
            checks.append(_column_check(
                "unsafe_text", col.name,
                lambda c, f=col.type != "url": _safe_text(c, formulas=f)))
            checks.append(_column_check(
                "too_long", col.name, lambda c: c.str.len_chars() <= MAX_CELL_CHARS))
        if col.min is not None:
            checks.append(_column_check("min", col.name, lambda c, m=col.min: c >= m))
        if col.max is not None:
            checks.append(_column_check("max", col.name, lambda c, m=col.max: c <= m))
        if col.max_column:
            frame_checks.append(_frame_check(
                "breakdown_exceeds_persons", col.name,
                pl.col(col.name) <= pl.col(col.max_column)))
        columns[col.name] = pa.Column(
            dtype, checks=checks, nullable=not col.required,
            unique=col.name == contract.primary_key,
        )
    for rule in contract.row_rules:
        # In floating point: a sum of two huge counts must not wrap round to a small one.
        total = pl.sum_horizontal(pl.col(c).cast(pl.Float64) for c in rule.columns)
        both = pl.all_horizontal(pl.col(c).is_not_null() for c in rule.columns)
        frame_checks.append(_frame_check(
            "breakdown_exceeds_persons", "+".join(rule.columns),
            ~both | (total <= pl.col("persons").cast(pl.Float64))))
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=True, name=contract.name)


def _hint(value: str, allowed: list[str]) -> str:
    """``; did you mean 'male'?`` for a case, spacing, prefix or spelling slip, else ''."""
    text = str(value).strip()
    key = re.sub(r"[\s\-]+", "_", text.lower())
    for candidate in (
        [v for v in allowed if v.lower() == key],
        [v for v in allowed if v.lower().startswith(key)] if len(key) >= 1 else [],
        difflib.get_close_matches(key, allowed, n=1, cutoff=0.8),
    ):
        if len(candidate) == 1:
            return f"; did you mean {candidate[0]!r}?"
    return ""


@cache
def _iso3_hint(value: str) -> str:
    text = str(value).strip()
    if text.upper() in iso3_codes():
        return f"; did you mean {text.upper()!r}?"
    try:
        if len(text) == 2:
            country = pycountry.countries.get(alpha_2=text.upper())
        else:
            country = pycountry.countries.lookup(text) if len(text) <= 60 else None
    except LookupError:
        country = None
    return f"; did you mean {country.alpha_3!r}?" if country else ""


def unsafe_problem(value: str) -> str:
    shown = shorten(value)
    control = _CONTROL_RE.search(value)
    if control:
        code = ord(control.group())
        if code >= 0x202A:
            return (f"{shown!r} contains the text-direction character U+{code:04X}, which "
                    "makes text display differently from what it is; delete it")
        return f"{shown!r} contains the invisible control character U+{code:04X}; delete it"
    markup = re.search(r"<[A-Za-z!/?][^\s>]*", value)
    if markup:
        return (f"{shown!r} contains markup ({shorten(markup.group(), 30)!r}); write plain text "
                "without < and >")
    return (f"{shown!r} starts with {value[0]!r}, so a spreadsheet would run it as a formula; "
            f"reword it so that it does not start with {value[0]!r}")


def _message(rule: str, column: str, value: object, row: dict, contract: Contract,
             as_of: dt.date | None = None) -> str:
    shown = shorten(value)
    if rule == "required":
        return f"{column} is required but the cell is empty"
    if rule == "enum":
        allowed = contract.column(column).values
        return f"{shown!r} is not one of {', '.join(allowed)}{_hint(str(value), list(allowed))}"
    if rule == "iso3":
        return (f"{shown!r} is not an ISO 3166-1 alpha-3 code (use XXX for several or unknown)"
                f"{_iso3_hint(str(value))}")
    if rule == "min":
        return f"{value} is below the minimum of {contract.column(column).min}"
    if rule == "max":
        return f"{value} is above the maximum of {contract.column(column).max}"
    if rule == "url_scheme":
        return f"{shown!r} is not an http:// or https:// address"
    if rule == "unique":
        return f"{contract.primary_key} {shown!r} is used more than once in {contract.name}"
    if rule == "date_after_as_of":
        return f"{value} is after the as-of date {as_of}"
    if rule == "date_before_2000":
        return f"{value} is before 2000-01-01"
    if rule == "unsafe_text":
        return unsafe_problem(str(value))
    if rule == "too_long":
        return (f"the cell holds {len(str(value)):,} characters, more than the limit of "
                f"{MAX_CELL_CHARS:,}; is a quote left open?")
    if rule == "breakdown_exceeds_persons":
        parts = column.split("+")
        shown_parts = " + ".join(f"{p} {row.get(p)}" for p in parts)
        return f"{shown_parts} is more than persons {row.get('persons')}"
    return rule


def run_schema(typed: pl.DataFrame, contract: Contract, as_of: dt.date,
               skip: pl.DataFrame | None = None) -> list[Finding]:
    """Validate a typed frame with Pandera on the data; turn its failure cases into findings.

    ``skip`` holds (``__file``, ``__row``, ``column``) cells already reported (a value that did
    not parse, a column missing from the file) so they are not reported again as empty.
    """
    schema = build_schema(contract, as_of)
    frame = typed.with_row_index(IDX)
    try:
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            schema.validate(typed, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    findings = []
    check = pl.col("check").cast(pl.String)
    cases = cases.with_columns(
        pl.when(check == "not_nullable").then(pl.lit("required"))
        .when(check == "field_uniqueness").then(pl.lit("unique"))
        .when(check.str.contains("|", literal=True)).then(check.str.split("|").list.get(0))
        .otherwise(pl.lit(None)).alias("rule"),
        pl.when(check.str.contains("|", literal=True))
        .then(check.str.splitn("|", 2).struct.field("field_1"))
        .otherwise(pl.col("column").cast(pl.String)).alias("column"),
    )
    for case in cases.filter(pl.col("index").is_null() | pl.col("rule").is_null()).iter_rows(
            named=True):  # schema-level failures: a bug in the toolkit, not in the data
        raise RuntimeError(f"the {contract.name} schema failed unexpectedly: {case}")
    lookup = frame.select(IDX, FILE, ROW, *contract.column_names)
    rows = (cases.select(pl.col("index").cast(frame.schema[IDX]).alias(IDX), "rule", "column")
            .unique().join(lookup, on=IDX, how="left"))
    if skip is not None and skip.height:
        rows = rows.join(skip, on=[FILE, ROW, "column"], how="anti")
    places = _duplicate_places(lookup, contract) if (rows["rule"] == "unique").any() else {}
    for case in rows.sort(IDX, "column", "rule").iter_rows(named=True):
        rule, column = case["rule"], case["column"]
        value = case.get(column)
        if rule == "breakdown_exceeds_persons":
            value = ", ".join(f"{p}={case.get(p)}" for p in column.split("+") + ["persons"])
        message = _message(rule, column, case.get(column), case, contract, as_of)
        if rule == "unique":
            elsewhere = [p for p in places.get(value, []) if p != (case[FILE], case[ROW])]
            if elsewhere:
                shown = [f"{f} row {r}" for f, r in elsewhere[:MAX_PLACES]]
                more = len(elsewhere) - len(shown)
                message += "; also at " + ", ".join(shown) + (f" and {more} more" if more else "")
        findings.append(Finding(rule, case[FILE], case[ROW], column, shorten(value), message,
                                contract.name))
    return findings


def _duplicate_places(lookup: pl.DataFrame, contract: Contract) -> dict[str, list[tuple]]:
    """Where each duplicated identifier is, so the user can find every copy."""
    key = contract.primary_key
    dups = (
        lookup.filter(pl.col(key).is_not_null() & pl.col(key).is_duplicated())
        .sort(FILE, ROW)
        .group_by(key, maintain_order=True)
        .agg(pl.struct(FILE, ROW).head(MAX_PLACES + 1).alias("places"))
    )
    return {k: [(p[FILE], p[ROW]) for p in places] for k, places in dups.iter_rows()}


# --------------------------------------------------------------------------- datasets


@dataclass
class _Read:
    typed: pl.DataFrame | None
    skip: pl.DataFrame
    files: list[str]
    lines: dict[str, pl.DataFrame] = field(default_factory=dict)


_display = file_refusal


def _unsupported_message(path: Path) -> str:
    suffix = path.suffix.lower()
    advice = {
        ".xls": "; save the old Excel workbook as .xlsx",
        ".xlsm": "; save the workbook without macros as .xlsx",
        ".txt": "; save it as CSV UTF-8 with the extension .csv",
        ".tsv": "; save it as CSV (comma delimited) UTF-8",
    }.get(suffix, "")
    return (f"unsupported file type {path.suffix or '(none)'!r}: a return must be .csv, .xlsx "
            f"or .parquet{advice}")


def _missing_message(raw_dir: Path, contract: Contract) -> str:
    name = contract.raw_path.rstrip("/")
    target = raw_dir / name
    kind = "a folder" if contract.is_folder else "a file"
    if contract.is_folder and target.is_dir():
        problem = f"the folder {target.as_posix()} holds no data files"
    else:
        problem = f"expected {kind} {target.as_posix()}"
    try:
        present = [p.name for p in raw_dir.iterdir()] if raw_dir.is_dir() else []
    except OSError:
        present = []
    close = difflib.get_close_matches(name, present, n=1, cutoff=0.6)
    hint = f"; found {close[0]!r}: is it misnamed?" if close and close[0] != name else ""
    return f"no {contract.name} data: {problem}{hint}"


def read_dataset(raw_dir: Path, contract: Contract, encoding: str | None,
                 report: Report) -> _Read:
    """Read, header-check and type-check every file of a dataset; findings go to ``report``."""
    paths = discover(raw_dir, contract)
    if not paths:
        report.add(unreadable(contract.raw_path, contract.name, _missing_message(raw_dir, contract),
                              "missing_input"))
        return _Read(None, _skip_frame(), [])
    frames, displays, skips, missing = [], [], [], []
    lines: dict[str, pl.DataFrame] = {}
    for path in paths:
        display, refused = _display(path, raw_dir)
        displays.append(display)
        if refused:
            report.add(unreadable(display, contract.name, refused))
            continue
        if path.suffix.lower() not in SUPPORTED:
            report.add(unreadable(display, contract.name, _unsupported_message(path),
                                  "unsupported_format"))
            continue
        try:
            raw = read_raw_file(path, contract.name, display, encoding,
                                known=contract.column_names)
        except UnreadableFile as exc:
            report.add(unreadable(display, contract.name, str(exc)))
            continue
        except OSError as exc:
            report.add(unreadable(display, contract.name,
                                  f"cannot open the file ({exc.strerror or exc})"))
            continue
        frame, findings = check_header(raw, contract)
        report.extend(findings)
        issue_findings, issue_skip = read_issues(raw, contract)
        report.extend(issue_findings)
        skips.append(issue_skip)
        for note in raw.notes:  # other sheets with rows of the dataset
            report.add(Finding("ignored_sheet", display, None, None, None, note, contract.name))
        if frame.is_empty():
            report.add(no_rows_finding(display, contract.name))
        for f in findings:
            if f.rule == "missing_column":
                missing.append((display, f.column))
        if raw.lines is not None:
            lines[display] = raw.lines
        frames.append(frame)
    if not frames:
        return _Read(None, _skip_frame(), displays, lines)
    combined = pl.concat(frames, how="vertical")
    typed, findings = parse_types(combined, contract)
    report.extend(findings)
    skips.append(type_failures(combined, typed, contract))
    if missing:
        gone = pl.DataFrame(missing, schema={FILE: pl.String, "column": pl.String},
                            orient="row")
        skips.append(_skip_frame(combined.select(FILE, ROW).join(gone, on=FILE)))
    skip = pl.concat([_skip_frame(s) for s in skips]).unique()
    return _Read(typed, skip, displays, lines)


# --------------------------------------------------------------------------- across datasets


def check_source_references(tables: dict[str, pl.DataFrame]) -> list[Finding]:
    sources = tables.get("sources")
    if sources is None:
        return []
    known = sources.select("source_id").drop_nulls().unique()
    findings = []
    for name, frame in tables.items():
        if name == "sources":
            continue
        bad = frame.filter(pl.col("source_id").is_not_null()).join(
            known, on="source_id", how="anti").sort(FILE, ROW)
        for file, row, value in bad.select(FILE, ROW, "source_id").iter_rows():
            findings.append(Finding("unknown_source", file, row, "source_id", shorten(value),
                                    f"source_id {shorten(value)!r} is not in sources.csv", name))
    return findings


def _id_hint(token: str) -> str:
    if re.search(r"[\s,]", token):
        return "; separate several detention ids with ';'"
    return ""


def check_detention_references(tables: dict[str, pl.DataFrame]) -> list[Finding]:
    """Each id of ``detention_ids`` must be a detention dated no later than the repatriation.

    Ids are separated by ``;``; spaces around them and a trailing ``;`` do not matter.
    """
    reps, dets = tables.get("repatriations"), tables.get("detentions")
    if reps is None or dets is None:
        return []
    links = (
        reps.lazy().filter(pl.col("detention_ids").is_not_null())
        .select(FILE, ROW, "event_date", pl.col("detention_ids").str.split(";").alias("det"))
        .explode("det")
        .with_columns(pl.col("det").str.strip_chars())
        .filter(pl.col("det") != "")
        .with_row_index("__link")
    )
    # One join with every detention (no group_by over all of them) keeps only the links that
    # may fail: unknown, or with some copy of the id dated after the repatriation. That is a
    # superset of the failing links; they are then judged exactly as before, against the
    # earliest copy of each id, which is looked up only for those few ids.
    copies = (dets.lazy().filter(pl.col("record_id").is_not_null())
              .select(pl.col("record_id").alias("det"), pl.col("event_date").alias("det_date"),
                      pl.lit(True).alias("exists")))
    suspects = (links.join(copies, on="det", how="left")
                .filter(pl.col("exists").is_null() | (pl.col("det_date") > pl.col("event_date")))
                .select("__link").unique())
    links = links.join(suspects, on="__link", how="semi").collect()
    if links.is_empty():
        return []
    known = (dets.filter(pl.col("record_id").is_in(links["det"].unique().implode()))
             .group_by("record_id").agg(pl.col("event_date").min().alias("det_date"))
             .rename({"record_id": "det"}))
    links = (links.join(known.with_columns(pl.lit(True).alias("exists")), on="det", how="left")
             .sort("__link")
             .with_columns(pl.col("exists").fill_null(False)))
    findings = []
    for file, row, det in links.filter(~pl.col("exists")).select(FILE, ROW, "det").iter_rows():
        findings.append(Finding("unknown_detention", file, row, "detention_ids", shorten(det),
                                f"detention {shorten(det)!r} is not in the detentions"
                                f"{_id_hint(det)}", "repatriations"))
    late = links.filter(pl.col("exists") & (pl.col("det_date") > pl.col("event_date")))
    for file, row, date, det, det_date in late.select(
            FILE, ROW, "event_date", "det", "det_date").iter_rows():
        findings.append(Finding(
            "detention_after_repatriation", file, row, "detention_ids", det,
            f"detention {det} is dated {det_date}, after this repatriation on {date}",
            "repatriations"))
    return findings


def check_possible_duplicates(name: str, frame: pl.DataFrame) -> list[Finding]:
    """Rows of the same place, nationality and persons a few days apart (a warning).

    Sorted neighbours are compared, so the check stays linear in the number of rows.
    """
    place = "from_country" if name == "repatriations" else "country"
    keys = ["persons", place, "nationality"]  # the number first: Polars sorts it fastest
    # Only the 7 columns the check reads are sorted, not the whole frame.
    ordered = (frame.select(*keys, "event_date", "record_id", FILE, ROW)
               .drop_nulls(keys + ["event_date"]).sort([*keys, "event_date", FILE, ROW]))
    same_keys = pl.all_horizontal(pl.col(k) == pl.col(k).shift(1) for k in keys)
    pairs = ordered.with_columns(
        pl.col("event_date").shift(1).alias("p_date"),
        pl.col("record_id").shift(1).alias("p_id"),
        pl.col(FILE).shift(1).alias("p_file"),
        pl.col(ROW).shift(1).alias("p_row"),
    ).filter(
        same_keys.fill_null(False)
        & ((pl.col("event_date") - pl.col("p_date")).dt.total_days() <= DUPLICATE_WINDOW_DAYS)
    )
    return [duplicate_finding(name, place, r) for r in pairs.iter_rows(named=True)]


def add_line_numbers(findings: list[Finding], lines: dict[str, pl.DataFrame]) -> list[Finding]:
    """Name the text-editor line of findings in CSV rows that start after a multi-line cell."""
    if not lines:
        return findings
    wanted: dict[str, set[int]] = {}
    for f in findings:
        if f.file in lines and f.row is not None:
            wanted.setdefault(f.file, set()).add(f.row)
    where: dict[tuple[str, int], int] = {}
    for file, rows in wanted.items():
        found = lines[file].filter(pl.col(ROW).is_in(list(rows)))
        where.update(((file, r), n) for r, n in found.select(ROW, LINE).iter_rows())
    out = []
    for f in findings:
        line = where.get((f.file, f.row))
        if line is None:
            out.append(f)
        else:
            out.append(Finding(f.rule, f.file, f.row, f.column, f.value,
                               f"{f.message} (row {f.row} starts on line {line} of the file)",
                               f.dataset, f.severity))
    return out


# --------------------------------------------------------------------------- the stage


def validate(raw_dir: Path, as_of: dt.date | None = None, encoding: str | None = None,
             progress: Callable[[str], None] | None = None) -> Validated:
    """Validate every raw file under ``raw_dir``; return typed tables and the full report.

    Raises ValueError for an ``encoding`` that names no text encoding (a misused option).
    """
    from toolkit.reconcile import check_stock_flow

    check_encoding(encoding)  # a misused option: ValueError, before any file is read
    as_of = as_of or dt.date.today()
    contracts = load_contracts()
    report = Report()
    tables: dict[str, pl.DataFrame] = {}
    files: dict[str, list[str]] = {}
    lines: dict[str, pl.DataFrame] = {}
    for name in ALL_DATASETS:
        if progress:
            progress(f"reading {name}")
        contract = contracts[name]
        read = read_dataset(raw_dir, contract, encoding, report)
        files[name] = read.files
        lines.update(read.lines)
        if read.typed is None:
            continue
        if progress:
            progress(f"checking {name}")
        report.extend(run_schema(read.typed, contract, as_of, read.skip))
        tables[name] = read.typed
    if progress:
        progress("checking references")
    report.extend(check_source_references(tables))
    report.extend(check_detention_references(tables))
    for name in ("detentions", "repatriations", "fatalities"):
        if name in tables:
            report.extend(check_possible_duplicates(name, tables[name]))
    if "detentions" in tables and "repatriations" in tables:
        if progress:
            progress("reconciling stock and flow")
        report.extend(check_stock_flow(tables["detentions"], tables["repatriations"]))
    report.findings = add_line_numbers(_without_ragged_noise(report.findings), lines)
    return Validated(tables, report, as_of, files)


def _without_ragged_noise(findings: list[Finding]) -> list[Finding]:
    """In a row with too many fields the cells are shifted: report the row, not each cell."""
    ragged = {(f.file, f.row) for f in findings if f.rule == "ragged_row"}
    if not ragged:
        return findings
    return [f for f in findings if f.rule == "ragged_row" or (f.file, f.row) not in ragged]
