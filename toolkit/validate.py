"""Validate raw returns against the contracts in ``schemas/``; collect every failure of a run.

The stage reads every file of every dataset, checks headers, parses types, runs the Pandera
schema derived from the contract on the data (depth ``SCHEMA_AND_DATA``: Pandera's Polars
backend checks only the schema of a frame unless told otherwise), then the rules that span
files and datasets, and the stock-flow reconciliation.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandera.errors
import pandera.polars as pa
import polars as pl
import pycountry
from pandera.config import ValidationDepth, config_context

from toolkit.contracts import (
    ALL_DATASETS,
    UNSPECIFIED_NATIONALITY,
    Column,
    Contract,
    load_contracts,
)
from toolkit.errors import Finding, Report, shorten
from toolkit.read import (
    FILE,
    ROW,
    RawFile,
    UnreadableFile,
    discover,
    normalise_header,
    read_raw_file,
    unreadable,
)

EARLIEST_DATE = dt.date(2000, 1, 1)
#: Two rows of the same place, nationality and persons this many days apart or less are
#: reported as a possible duplicate event.
DUPLICATE_WINDOW_DAYS = 3
IDX = "__idx"

#: Header names that suggest a column of personal data; refused with a message that says so.
PERSONAL_DATA = re.compile(
    r"(^|_)(name|names|fullname|surname|forename|passport|passport_no|phone|mobile|tel|email|"
    r"e_mail|address|birth|dob|birthdate|national_id|id_number|id_no|resident|rrn|photo)(_|$)"
)
URL_PATTERN = r"(?i)^https?://[^\s/]+\S*$"


@cache
def iso3_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes from pycountry, plus the contract's ``XXX``."""
    return frozenset(c.alpha_3 for c in pycountry.countries) | {UNSPECIFIED_NATIONALITY}


@dataclass
class Validated:
    """The outcome of validation: typed tables (with ``__file``/``__row``) and the report."""

    tables: dict[str, pl.DataFrame]
    report: Report
    as_of: dt.date
    files: dict[str, list[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- headers


def check_header(raw: RawFile, contract: Contract) -> tuple[pl.DataFrame, list[Finding]]:
    """Match the file's columns to the contract by name; return the frame in contract order."""
    findings: list[Finding] = []
    known = contract.column_names
    seen: dict[str, int] = {}
    renames: dict[str, str] = {}
    for i, original in enumerate(raw.header):
        name = normalise_header(original)
        if not name:
            if raw.frame[f"c{i}"].is_not_null().any():
                findings.append(Finding(
                    "unknown_column", raw.display, 1, f"(column {i + 1})", None,
                    f"column {i + 1} has values but no name in the header", contract.name))
            continue
        if name in seen:
            findings.append(Finding(
                "duplicate_column", raw.display, 1, name, original,
                f"column {name!r} appears twice in the header (columns {seen[name] + 1} "
                f"and {i + 1})", contract.name))
            continue
        seen[name] = i
        if name in known:
            renames[f"c{i}"] = name
        elif PERSONAL_DATA.search(name):
            findings.append(Finding(
                "personal_data_column", raw.display, 1, original, None,
                f"column {original!r} looks like personal data and is refused: the contract "
                f"records counts, not people; remove the column", contract.name))
        else:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            findings.append(Finding(
                "unknown_column", raw.display, 1, original, None,
                f"column {original!r} is not in the {contract.name} contract{hint}",
                contract.name))
    for col in contract.required_columns:
        if col not in renames.values():
            findings.append(Finding(
                "missing_column", raw.display, 1, col, None,
                f"required column {col!r} is missing from the header", contract.name))
    frame = raw.frame.rename(renames).with_columns(pl.lit(raw.display).alias(FILE))
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in known if c not in renames.values()
    )
    return frame.select(FILE, ROW, *known), findings


# --------------------------------------------------------------------------- types


def parse_types(frame: pl.DataFrame, contract: Contract) -> tuple[pl.DataFrame, list[Finding]]:
    """Turn text cells into the contract's types; a cell that does not parse is a finding."""
    findings: list[Finding] = []
    exprs = []
    for col in contract.columns:
        c = pl.col(col.name)
        if col.type == "date":
            ok = c.str.contains(r"^\d{4}-\d{2}-\d{2}$")
            exprs.append(pl.when(ok).then(c.str.to_date("%Y-%m-%d", strict=False)).alias(col.name))
        elif col.type == "integer":
            ok = c.str.contains(r"^[+-]?\d{1,15}$")
            exprs.append(pl.when(ok).then(c.cast(pl.Int64, strict=False)).alias(col.name))
    typed = frame.with_columns(exprs)
    for col in contract.columns:
        if col.type not in ("date", "integer"):
            continue
        bad = frame.filter(pl.col(col.name).is_not_null() & typed[col.name].is_null())
        rule = f"type_{col.type}"
        want = "a date in the form YYYY-MM-DD" if col.type == "date" else "a whole number"
        for file, row, value in bad.select(FILE, ROW, col.name).iter_rows():
            findings.append(Finding(rule, file, row, col.name, shorten(value),
                                    f"{value!r} is not {want}", contract.name))
    return typed, findings


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
        total = pl.sum_horizontal(pl.col(c) for c in rule.columns)
        both = pl.all_horizontal(pl.col(c).is_not_null() for c in rule.columns)
        frame_checks.append(_frame_check(
            "breakdown_exceeds_persons", "+".join(rule.columns),
            ~both | (total <= pl.col("persons"))))
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=True, name=contract.name)


def _message(rule: str, column: str, value: object, row: dict, contract: Contract) -> str:
    if rule == "required":
        return f"{column} is required but the cell is empty"
    if rule == "enum":
        allowed = contract.column(column).values
        close = [v for v in allowed if str(value).strip().lower() == v.lower()]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{value!r} is not one of {', '.join(allowed)}{hint}"
    if rule == "iso3":
        hint = ""
        if str(value).upper() in iso3_codes():
            hint = f"; did you mean {str(value).upper()!r}?"
        elif len(str(value)) == 2 and pycountry.countries.get(alpha_2=str(value).upper()):
            hint = f"; did you mean {pycountry.countries.get(alpha_2=str(value).upper()).alpha_3!r}?"
        return f"{value!r} is not an ISO 3166-1 alpha-3 code (use XXX for several or unknown){hint}"
    if rule == "min":
        return f"{value} is below the minimum of {contract.column(column).min}"
    if rule == "max":
        return f"{value} is above the maximum of {contract.column(column).max}"
    if rule == "url_scheme":
        return f"{value!r} is not an http:// or https:// address"
    if rule == "unique":
        return f"{contract.primary_key} {value!r} is used more than once in {contract.name}"
    if rule == "date_after_as_of":
        return f"{value} is after the as-of date"
    if rule == "date_before_2000":
        return f"{value} is before 2000-01-01"
    if rule == "breakdown_exceeds_persons":
        parts = column.split("+")
        shown = " + ".join(f"{p} {row.get(p)}" for p in parts)
        return f"{shown} is more than persons {row.get('persons')}"
    return rule


def run_schema(typed: pl.DataFrame, contract: Contract, as_of: dt.date,
               skip: set[tuple[int, str]]) -> list[Finding]:
    """Validate a typed frame with Pandera on the data; turn its failure cases into findings.

    ``skip`` holds (index, column) cells already reported (a value that did not parse, a
    column missing from the file) so they are not reported again as empty.
    """
    schema = build_schema(contract, as_of)
    frame = typed.with_row_index(IDX)
    try:
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            schema.validate(frame.drop(IDX), lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    findings = []
    lookup = frame.select(IDX, FILE, ROW, *contract.column_names)
    rows = cases.filter(pl.col("index").is_not_null()).join(
        lookup, left_on=pl.col("index").cast(pl.UInt32), right_on=IDX, how="left")
    others = cases.filter(pl.col("index").is_null())
    for case in others.iter_rows(named=True):  # schema-level failures (should not happen)
        findings.append(Finding("unknown_column", "(all files)", None, case["column"],
                                shorten(case["failure_case"]), str(case["check"]), contract.name))
    for case in rows.iter_rows(named=True):
        check = case["check"]
        if check == "not_nullable":
            rule, column = "required", case["column"]
        elif check == "field_uniqueness":
            rule, column = "unique", case["column"]
        elif "|" in str(check):
            rule, column = check.split("|", 1)
        else:
            rule, column = "unknown_column", case["column"]
        if (case["index"], column) in skip:
            continue
        value = case.get(column) if column in case else case["failure_case"]
        if rule == "breakdown_exceeds_persons":
            value = ", ".join(f"{p}={case.get(p)}" for p in column.split("+") + ["persons"])
        findings.append(Finding(
            rule, case[FILE], case[ROW], column, shorten(value),
            _message(rule, column, value, case, contract), contract.name))
    return _explain_duplicates(findings, lookup, contract)


def _explain_duplicates(findings: list[Finding], lookup: pl.DataFrame,
                        contract: Contract) -> list[Finding]:
    """Say where else a duplicated identifier is, so the user can find both copies."""
    out = []
    for f in findings:
        if f.rule != "unique":
            out.append(f)
            continue
        places = lookup.filter(pl.col(contract.primary_key) == f.value).select(FILE, ROW)
        elsewhere = [f"{file} row {row}" for file, row in places.iter_rows()
                     if (file, row) != (f.file, f.row)]
        msg = f"{f.message}; also at {', '.join(elsewhere)}" if elsewhere else f.message
        out.append(Finding(f.rule, f.file, f.row, f.column, f.value, msg, f.dataset))
    return out


# --------------------------------------------------------------------------- datasets


@dataclass
class _Read:
    typed: pl.DataFrame | None
    skip: set[tuple[int, str]]
    files: list[str]


def read_dataset(raw_dir: Path, contract: Contract, encoding: str | None,
                 report: Report) -> _Read:
    """Read, header-check and type-check every file of a dataset; findings go to ``report``."""
    paths = discover(raw_dir, contract)
    displays = [p.relative_to(raw_dir).as_posix() for p in paths]
    if not paths:
        where = (raw_dir / contract.raw_path).as_posix()
        report.add(unreadable(where, contract.name,
                              f"no {contract.name} data: expected {where}", "missing_input"))
        return _Read(None, set(), [])
    frames, missing_by_file = [], {}
    for path, display in zip(paths, displays, strict=True):
        if path.suffix.lower() not in (".csv", ".xlsx", ".parquet"):
            report.add(unreadable(display, contract.name,
                                  f"unsupported file type {path.suffix or '(none)'!r}: "
                                  "use .csv, .xlsx or .parquet", "unsupported_format"))
            continue
        try:
            raw = read_raw_file(path, contract.name, display, encoding)
        except UnreadableFile as exc:
            report.add(unreadable(display, contract.name, str(exc)))
            continue
        except OSError as exc:
            report.add(unreadable(display, contract.name,
                                  f"cannot open the file ({exc.strerror})"))
            continue
        frame, findings = check_header(raw, contract)
        report.extend(findings)
        frames.append(frame)
        missing_by_file[display] = {f.column for f in findings if f.rule == "missing_column"}
    if not frames:
        return _Read(None, set(), displays)
    combined = pl.concat(frames, how="vertical").with_row_index(IDX)
    typed, findings = parse_types(combined, contract)
    report.extend(findings)
    skip: set[tuple[int, str]] = set()
    for col in contract.columns:
        if col.type in ("date", "integer"):
            bad = combined.filter(pl.col(col.name).is_not_null() & typed[col.name].is_null())
            skip.update((i, col.name) for i in bad[IDX].to_list())
    for display, missing in missing_by_file.items():
        if missing:
            idx = combined.filter(pl.col(FILE) == display)[IDX].to_list()
            skip.update((i, m) for i in idx for m in missing)
    return _Read(typed.drop(IDX), skip, displays)


# --------------------------------------------------------------------------- across datasets


def check_source_references(tables: dict[str, pl.DataFrame]) -> list[Finding]:
    sources = tables.get("sources")
    if sources is None:
        return []
    known = sources["source_id"].drop_nulls().unique()
    findings = []
    for name, frame in tables.items():
        if name == "sources":
            continue
        bad = frame.filter(pl.col("source_id").is_not_null() & ~pl.col("source_id").is_in(known))
        for file, row, value in bad.select(FILE, ROW, "source_id").iter_rows():
            findings.append(Finding("unknown_source", file, row, "source_id", value,
                                    f"source_id {value!r} is not in sources.csv", name))
    return findings


def check_detention_references(tables: dict[str, pl.DataFrame]) -> list[Finding]:
    reps, dets = tables.get("repatriations"), tables.get("detentions")
    if reps is None or dets is None:
        return []
    links = (
        reps.filter(pl.col("detention_ids").is_not_null())
        .select(FILE, ROW, "event_date", pl.col("detention_ids").str.split(";").alias("det"))
        .explode("det")
        .with_columns(pl.col("det").str.strip_chars())
        .filter(pl.col("det") != "")
        .join(dets.select(pl.col("record_id").alias("det"),
                          pl.col("event_date").alias("det_date")),
              on="det", how="left")
    )
    known = set(dets["record_id"].drop_nulls().to_list())
    findings = []
    for file, row, date, det, det_date in links.iter_rows():
        if det not in known:
            findings.append(Finding("unknown_detention", file, row, "detention_ids", det,
                                    f"detention {det!r} is not in the detentions",
                                    "repatriations"))
        elif date is not None and det_date is not None and det_date > date:
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
    keys = [place, "nationality", "persons"]
    ordered = frame.drop_nulls(keys + ["event_date"]).sort([*keys, "event_date", FILE, ROW])
    prev = [pl.col(c).shift(1).over(keys) for c in ("event_date", "record_id", FILE, ROW)]
    pairs = ordered.with_columns(
        prev[0].alias("p_date"), prev[1].alias("p_id"), prev[2].alias("p_file"),
        prev[3].alias("p_row"),
    ).filter(
        pl.col("p_date").is_not_null()
        & ((pl.col("event_date") - pl.col("p_date")).dt.total_days() <= DUPLICATE_WINDOW_DAYS)
    )
    findings = []
    for r in pairs.iter_rows(named=True):
        findings.append(Finding(
            "possible_duplicate", r[FILE], r[ROW], "record_id", r["record_id"],
            f"{r['record_id']} ({r['event_date']}, {r[place]}, {r['nationality']}, "
            f"{r['persons']} persons) may be the same event as {r['p_id']} "
            f"({r['p_date']}, {r['p_file']} row {r['p_row']})", name))
    return findings


# --------------------------------------------------------------------------- the stage


def validate(raw_dir: Path, as_of: dt.date | None = None, encoding: str | None = None,
             progress: Callable[[str], None] | None = None) -> Validated:
    """Validate every raw file under ``raw_dir``; return typed tables and the full report."""
    from toolkit.reconcile import check_stock_flow

    as_of = as_of or dt.date.today()
    contracts = load_contracts()
    report = Report()
    tables: dict[str, pl.DataFrame] = {}
    files: dict[str, list[str]] = {}
    for name in ALL_DATASETS:
        if progress:
            progress(f"reading {name}")
        contract = contracts[name]
        read = read_dataset(raw_dir, contract, encoding, report)
        files[name] = read.files
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
    return Validated(tables, report, as_of, files)
