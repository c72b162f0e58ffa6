"""The rules on cells and rows, as the checks of the Pandera schema built from a contract.

The schema validates the text a return holds (every cell a string, stripped, empty as
missing), at depth ``SCHEMA_AND_DATA``: Pandera's Polars backend checks only the schema of a
frame unless told to check its data. Each :class:`CellRule` gives, for the columns it applies
to, the expression a valid cell satisfies and the words of its finding. Rules on parsed values
(a minimum, a date after the as-of date) read the cell through :func:`parse_date` and
:func:`parse_integer`, the same expressions that type the rows loaded into the warehouse; a
cell that does not parse fails its type rule only.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pandera.polars as pa
import polars as pl
import pycountry

from toolkit.checks.personal import describe as describe_identifiers
from toolkit.checks.personal import holds_identifier, masked
from toolkit.contracts import UNSPECIFIED_NATIONALITY, Column, Contract
from toolkit.ingest import LINE, ROW
from toolkit.textsafety import (
    FORBIDDEN_PATTERN,
    FORMULA_PATTERN,
    MARKUP_PATTERN,
    describe_unsafe,
    shorten,
)

EARLIEST_DATE = dt.date(2000, 1, 1)
#: A text cell longer than this is not a real value.
MAX_CELL_CHARS = 10_000
#: No count of people is larger (more than live on Earth); refusing a larger number keeps
#: every sum of counts far from 64-bit overflow.
MAX_COUNT = 10_000_000_000
#: Contract types held as text, checked for unsafe content and length.
TEXT_TYPES = ("string", "url", "id_list")
#: An identifier (record_id, source_id, each id of an id list): letters and digits first, then
#: those and ``- . _ : /``, at most 64 characters; no space, line break, markup or invisible
#: character can be part of one.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"
URL_PATTERN = r"(?i)^https?://[^\s/]+\S*$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@cache
def iso3_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes from pycountry, plus the contract's ``XXX``."""
    return frozenset(c.alpha_3 for c in pycountry.countries) | {UNSPECIFIED_NATIONALITY}


def parse_date(c: pl.Expr) -> pl.Expr:
    """A ``YYYY-MM-DD`` text as a date of years 1 to 9999; null for anything else."""
    ok = c.str.contains(_DATE) & ~c.str.starts_with("0000")
    return pl.when(ok).then(c.str.to_date("%Y-%m-%d", strict=False))


def parse_integer(c: pl.Expr) -> pl.Expr:
    """A whole number written with the digits 0-9 (``3``, ``+3``, or ``3.0`` as spreadsheets
    export it) up to :data:`MAX_COUNT`; Polars' cast reads exactly ``[+-]?[0-9]+``."""
    number = c.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    return pl.when(number.abs() <= MAX_COUNT).then(number)


def parser(column: Column) -> Callable[[pl.Expr], pl.Expr] | None:
    return {"date": parse_date, "integer": parse_integer}.get(column.type)


def parsed_name(column: Column | str) -> str:
    """The hidden column that holds a date or count column's parsed values during checks."""
    return f"__parsed__{column if isinstance(column, str) else column.name}"


def with_parsed(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """The text rows with each date and count column parsed once, beside its text."""
    return frame.with_columns(parser(c)(pl.col(c.name)).alias(parsed_name(c))
                              for c in contract.columns if parser(c))


def typed(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """The rows as loaded, from :func:`with_parsed`'s: dates and counts parsed (null where a
    cell does not parse)."""
    parsed = [c for c in contract.columns if parser(c)]
    return frame.with_columns(pl.col(parsed_name(c)).alias(c.name) for c in parsed).drop(
        [parsed_name(c) for c in parsed])


# --------------------------------------------------------------------------- the words


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
        if y < 1:
            return f"{shown!r} has no year 0; write dates as YYYY-MM-DD"
        days = calendar.monthrange(y, mo)[1]
        return f"{shown!r} is not a real day: {calendar.month_name[mo]} {y} has {days} days"
    m = re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?"
                     r"(Z|[+-]\d{2}:?\d{2})?", v)
    if m:
        iso = _iso(*(int(g) for g in m.group(1).split("-")))
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


def _hint(value: str, allowed: tuple[str, ...]) -> str:
    """``; did you mean 'male'?`` for a case, spacing, prefix or spelling slip, else ''."""
    key = re.sub(r"[\s\-]+", "_", str(value).strip().lower())
    for candidate in (
        [v for v in allowed if v.lower() == key],
        [v for v in allowed if v.lower().startswith(key)] if key else [],
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


# --------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Context:
    as_of: dt.date


@dataclass(frozen=True)
class CellRule:
    """A rule on single cells: which columns, what a valid cell is, what the finding says.

    ``passes`` gets the column's text and, for dates and counts, its parsed value (empty cells
    pass every rule but ``required``); ``parsed_value`` says whether the finding shows the
    cell's text or its parsed value.
    """

    slug: str
    applies: Callable[[Column], bool]
    passes: Callable[[pl.Expr, pl.Expr | None, Column, Context], pl.Expr]
    message: Callable[[object, Column, Context], str]
    parsed_value: bool = False
    #: How the finding shows the value (as it is, unless this says otherwise).
    shown: Callable[[str], str] | None = None


def _within(bound: Callable[[pl.Expr, Column, Context], pl.Expr]):
    def passes(c: pl.Expr, value: pl.Expr | None, col: Column, ctx: Context) -> pl.Expr:
        return value.is_null() | bound(value, col, ctx)
    return passes


def _ids_ok(c: pl.Expr, value: pl.Expr | None, col: Column, ctx: Context) -> pl.Expr:
    if col.type == "id":
        return c.str.contains(ID_PATTERN)
    tokens = c.str.split(";").list.eval(pl.element().str.strip_chars())
    return tokens.list.eval((pl.element() == "") | pl.element().str.contains(ID_PATTERN)
                            ).list.all()


def _no_identifier(c: pl.Expr, value: pl.Expr | None, col: Column, ctx: Context) -> pl.Expr:
    return ~c.map_batches(holds_identifier, return_dtype=pl.Boolean)


def _unsafe(c: pl.Expr, value: pl.Expr | None, col: Column, ctx: Context) -> pl.Expr:
    pattern = f"(?s){FORBIDDEN_PATTERN}|{MARKUP_PATTERN}"
    if col.type != "url":
        pattern += "|" + FORMULA_PATTERN.removeprefix("(?s)")
    return ~c.str.contains(pattern)


CELL_RULES: tuple[CellRule, ...] = (
    CellRule("type_date", lambda col: col.type == "date",
             lambda c, v, col, ctx: v.is_not_null(),
             lambda v, col, ctx: date_problem(str(v))),
    CellRule("type_integer", lambda col: col.type == "integer",
             lambda c, v, col, ctx: v.is_not_null(),
             lambda v, col, ctx: integer_problem(str(v))),
    CellRule("enum", lambda col: col.type == "enum",
             lambda c, v, col, ctx: c.is_in(list(col.values)),
             lambda v, col, ctx: f"{shorten(v)!r} is not one of {', '.join(col.values)}"
                                 f"{_hint(str(v), col.values)}"),
    CellRule("iso3", lambda col: col.type == "iso3",
             lambda c, v, col, ctx: c.is_in(sorted(iso3_codes())),
             lambda v, col, ctx: f"{shorten(v)!r} is not an ISO 3166-1 alpha-3 code (use XXX "
                                 f"for several or unknown){_iso3_hint(str(v))}"),
    CellRule("id_format", lambda col: col.type in ("id", "id_list"), _ids_ok,
             lambda v, col, ctx: f"{shorten(v)!r} is not an identifier: use letters, digits and "
                                 "- . _ : / only, at most 64 characters, starting with a letter "
                                 "or digit" + ("; separate several ids with ';'"
                                               if col.type == "id_list" else "")),
    CellRule("personal_data", lambda col: col.type == "string", _no_identifier,
             lambda v, col, ctx: describe_identifiers(str(v)), shown=masked),
    CellRule("url_scheme", lambda col: col.type == "url",
             lambda c, v, col, ctx: c.str.contains(URL_PATTERN),
             lambda v, col, ctx: f"{shorten(v)!r} is not an http:// or https:// address"),
    CellRule("unsafe_text", lambda col: col.type in TEXT_TYPES, _unsafe,
             lambda v, col, ctx: describe_unsafe(str(v)) or "unsafe text"),
    CellRule("too_long", lambda col: col.type in TEXT_TYPES,
             lambda c, v, col, ctx: c.str.len_chars() <= MAX_CELL_CHARS,
             lambda v, col, ctx: f"the cell holds {len(str(v)):,} characters, more than the "
                                 f"limit of {MAX_CELL_CHARS:,}; is a quote left open?"),
    CellRule("min", lambda col: col.min is not None, _within(lambda v, col, ctx: v >= col.min),
             lambda v, col, ctx: f"{v} is below the minimum of {col.min}", parsed_value=True),
    CellRule("max", lambda col: col.max is not None, _within(lambda v, col, ctx: v <= col.max),
             lambda v, col, ctx: f"{v} is above the maximum of {col.max}", parsed_value=True),
    CellRule("date_after_as_of", lambda col: col.type == "date",
             _within(lambda v, col, ctx: v <= ctx.as_of),
             lambda v, col, ctx: f"{v} is after the as-of date {ctx.as_of}", parsed_value=True),
    CellRule("date_before_2000", lambda col: col.type == "date",
             _within(lambda v, col, ctx: v >= EARLIEST_DATE),
             lambda v, col, ctx: f"{v} is before 2000-01-01", parsed_value=True),
)
BY_SLUG = {r.slug: r for r in CELL_RULES}


@dataclass(frozen=True)
class Breakdown:
    """A row rule: the sum of ``parts`` must not exceed ``persons``."""

    parts: tuple[str, ...]

    @property
    def label(self) -> str:
        return "+".join(self.parts)

    def passes(self) -> pl.Expr:
        # In floating point: a sum of two huge counts must not wrap round to a small one.
        values = [pl.col(parsed_name(p)) for p in self.parts]
        total = pl.sum_horizontal(v.cast(pl.Float64) for v in values)
        persons = pl.col(parsed_name("persons")).cast(pl.Float64)
        known = pl.all_horizontal(v.is_not_null() for v in values) & persons.is_not_null()
        return ~known | (total <= persons)

    def value(self, row: dict) -> str:
        return ", ".join(f"{p}={row.get(p)}" for p in (*self.parts, "persons"))

    def message(self, row: dict) -> str:
        shown = " + ".join(f"{p} {row.get(p)}" for p in self.parts)
        return f"{shown} is more than persons {row.get('persons')}"


def breakdowns(contract: Contract) -> list[Breakdown]:
    out = [Breakdown((c.name,)) for c in contract.columns if c.max_column == "persons"]
    out += [Breakdown(tuple(r.columns)) for r in contract.row_rules]
    return out


def _check(rule: CellRule, col: Column, ctx: Context) -> pa.Check:
    value = pl.col(parsed_name(col)) if parser(col) else None

    def check(data) -> pl.LazyFrame:
        c = pl.col(data.key)
        return data.lazyframe.select((c.is_null() | rule.passes(c, value, col, ctx))
                                     .alias(data.key))

    return pa.Check(check, error=f"{rule.slug}|{col.name}", name=rule.slug)


def _frame_check(slug: str, label: str, expr: pl.Expr) -> pa.Check:
    def check(data) -> pl.LazyFrame:
        return data.lazyframe.select(expr.fill_null(True).alias(label))

    return pa.Check(check, error=f"{slug}|{label}", name=slug)


def _columns(contract: Contract, ctx: Context, detailed: bool) -> dict[str, pa.Column]:
    columns = {ROW: pa.Column(pl.Int64, nullable=False), LINE: pa.Column(pl.Int64)}
    for col in contract.columns:
        checks = [_check(r, col, ctx) for r in CELL_RULES if r.applies(col)] if detailed else []
        columns[col.name] = pa.Column(pl.String, checks=checks,
                                      nullable=not (detailed and col.required))
        if parser(col):
            kind = pl.Date if col.type == "date" else pl.Int64
            columns[parsed_name(col)] = pa.Column(kind, nullable=True)
    return columns


def build_schema(contract: Contract, as_of: dt.date) -> pa.DataFrameSchema:
    """The Pandera (Polars backend) schema of a contract, for the text of a return with its
    dates and counts parsed beside it (:func:`with_parsed`): one check per rule and column."""
    ctx = Context(as_of)
    frame_checks = [_frame_check("breakdown_exceeds_persons", b.label, b.passes())
                    for b in breakdowns(contract)]
    return pa.DataFrameSchema(_columns(contract, ctx, True), checks=frame_checks, strict=True,
                              name=contract.name)


#: The name of the screening schema's one check.
EVERY_RULE = "every_rule"


def every_rule(contract: Contract, ctx: Context) -> pl.Expr:
    """True for a row that passes every rule of :func:`build_schema` (the same expressions)."""
    parts = []
    for col in contract.columns:
        c = pl.col(col.name)
        value = pl.col(parsed_name(col)) if parser(col) else None
        if col.required:
            parts.append(c.is_not_null())
        parts += [c.is_null() | r.passes(c, value, col, ctx) for r in CELL_RULES
                  if r.applies(col)]
    parts += [b.passes() for b in breakdowns(contract)]
    return pl.all_horizontal(p.fill_null(True) for p in parts)


def build_screen(contract: Contract, as_of: dt.date) -> pa.DataFrameSchema:
    """The screening schema: the same columns, and every rule of every column as one check,
    so that a valid batch is checked in one pass; the rows it flags are then checked by
    :func:`build_schema` to say which rule each breaks."""
    ctx = Context(as_of)
    check = _frame_check(EVERY_RULE, EVERY_RULE, every_rule(contract, ctx))
    return pa.DataFrameSchema(_columns(contract, ctx, False), checks=[check], strict=True,
                              name=contract.name)
