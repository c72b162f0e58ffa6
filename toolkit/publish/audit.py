"""An attack on a release: try to recover every suppressed ``[c]`` cell from what it publishes.

:func:`audit_release` takes the published tables (as the release writes them), their specs and
the texts the release publishes beside them (the bulletin's text and the CSV behind its
charts), and returns every suppressed cell it can recover, each as a :class:`Recovery` naming
the table, the row, the column, what was recovered and how. :func:`check_release` raises
:class:`AuditError` listing them all: the publish step calls it before a release is switched in.

What the attacker knows, added in four stages (a cell is reported at the first that gives it
away, with what that stage added):

1. **the table**: each breakdown row's cells add up to its total; published cells are exact;
   counts are whole numbers >= 0. A table that publishes a zero beside a suppressed cell of the
   same row, or a text of the release saying that zeros are published, tells that a
   suppressed cell is never 0: it is then at least 1.
2. **the other tables**: the two fatalities breakdowns share their totals; the quarterly
   summary's deaths and detentions, summed over nationalities, are those totals.
3. **the open event files**: the people of the published records of each quarter and country,
   counted into the breakdown's cells wherever the file carries the field the breakdown counts
   (:func:`toolkit.publish.breakdowns.record_cells`, the rule the tables are built by).
4. **the texts**: each sentence is read for people it counts ("a woman in her 30s", "two men
   aged 40", "a 17-year-old") and where and when ("Cambodia", "Vietnamese", "2025-Q4",
   "October 2025", a record id of an open file), giving "at least n" over the cells it can
   mean; the CSV behind a chart gives its values as sums of cells (at least, where it names
   no quarter or no country). A reading the figures refute is dropped as a misreading. A text
   that gives an explicit number for exactly one suppressed cell, a value the cell can take,
   is reported too.

Each stage's relations bound every suppressed cell by integer linear programming (HiGHS through
:func:`scipy.optimize.milp`): the least and the greatest value the cell can take given all of
them. A cell is **recovered** when the two are equal, and **narrowed** when, with a threshold,
the interval lies within 1..threshold-1: the attacker then knows it to be a small non-zero count,
which is what primary suppression withholds (the protection requirement of
:mod:`toolkit.publish.disclosure`). Tables and event files that contradict each other (no table
fits them all) are reported as well: the attacker's model of the release is then wrong, and the
release is not vouched for. This attacker knows the suppression rule only as far as the tables
show it; the rule itself is attacked, with everything it gives away, by an enumeration in
``tests/test_disclosure.py``.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, milp

from toolkit.periods import parse_period, quarter, quarter_of
from toolkit.publish.breakdowns import (
    AGE_BANDS,
    AGE_UNKNOWN,
    BREAKDOWNS,
    SOURCE_FIELDS,
    breakdown_cells,
    record_cells,
    record_quarter,
)
from toolkit.publish.disclosure import is_suppressed
from toolkit.publish.specs import TableSpec

STAGES = ("table", "tables", "events", "texts")
#: A release that says its zeros are always published tells that no suppressed cell is 0.
_ZEROS_PUBLISHED = re.compile(r"\bzeros? (?:are|is) (?:always )?(?:published|shown|not "
                              r"suppressed)\b", re.I)
Cell = tuple[str, tuple, str]  # (table, row key, column)


@dataclass(frozen=True)
class Recovery:
    """A suppressed cell the attack recovered: exactly (``low == high``) or narrowed."""

    table: str
    key: tuple[tuple[str, str], ...]  # the row: (column, value) of the table's primary key
    column: str
    low: int | None  # None: the figures contradict each other (see ``how``)
    high: int | None
    how: str  # a plain sentence

    @property
    def exact(self) -> bool:
        return self.low is not None and self.low == self.high

    def __str__(self) -> str:
        row = " ".join(v for _, v in self.key)
        if self.low is None:
            found = "cannot be vouched for"
        elif self.exact:
            found = f"recovered exactly: {self.low}"
        else:
            found = f"narrowed to {self.low} to {self.high}"
        return f"{self.table} {row} {self.column} {found}, {self.how}"


class AuditError(Exception):
    """The release gives suppressed cells away; ``recoveries`` lists every one."""

    def __init__(self, recoveries: Sequence[Recovery]):
        self.recoveries = tuple(recoveries)
        shown = "; ".join(str(r) for r in self.recoveries)
        super().__init__(f"{len(self.recoveries)} suppressed cell"
                         f"{'' if len(self.recoveries) == 1 else 's'} can be recovered from "
                         f"the release: {shown}")


def check_release(tables: Mapping[str, pl.DataFrame], specs: Mapping[str, TableSpec],
                  texts: Mapping[str, str] | None = None, threshold: int | None = None
                  ) -> None:
    """Raise :class:`AuditError` naming every cell :func:`audit_release` recovers."""
    recoveries = audit_release(tables, specs, texts or {}, threshold)
    if recoveries:
        raise AuditError(recoveries)


# ------------------------------------------------------------------------------------ relations


@dataclass(eq=False)
class _Relation:
    """``low <= sum(coef * cell) <= high`` over cells, known ones included; from ``stage``."""

    terms: list[tuple[Cell, int]]
    low: float
    high: float
    stage: str
    says: str  # what it is, as the "how" of a recovery quotes it
    about: Cell | None = None  # the one cell it gives directly, if it does


@dataclass
class _Release:
    """The published cells: known values and the suppressed cells (the unknowns)."""

    tables: Mapping[str, pl.DataFrame]
    specs: Mapping[str, TableSpec]
    known: dict[Cell, int] = field(default_factory=dict)
    hidden: list[Cell] = field(default_factory=list)
    unusable: set[Cell] = field(default_factory=set)  # neither: not available, not applicable
    floor: dict[str, int] = field(default_factory=dict)  # a suppressed cell's least value
    floor_reason: str = "the table publishes zeros beside suppressed cells"
    rows: dict[str, list[tuple]] = field(default_factory=dict)  # row keys, in table order


def _key(row: Mapping, spec: TableSpec) -> tuple:
    return tuple(row[k] for k in spec.primary_key)


def _read(tables: Mapping[str, pl.DataFrame], specs: Mapping[str, TableSpec]) -> _Release:
    rel = _Release(tables, specs)
    for name, frame in tables.items():
        spec = specs.get(name)
        if spec is None or not spec.measures:
            continue
        rel.rows[name] = []
        zero_beside_hidden = False
        for row in frame.iter_rows(named=True):
            key = _key(row, spec)
            rel.rows[name].append(key)
            row_hidden, row_zero = False, False
            for m in spec.measures:
                cell = (name, key, m)
                status = row.get(f"{m}_status")
                if is_suppressed(status):
                    rel.hidden.append(cell)
                    row_hidden = True
                elif row[m] is None:
                    rel.unusable.add(cell)
                else:
                    rel.known[cell] = int(row[m])
                    row_zero |= row[m] == 0 and m != "total"
            zero_beside_hidden |= row_hidden and row_zero
        rel.floor[name] = 1 if zero_beside_hidden else 0
    return rel


def _table_relations(rel: _Release) -> list[_Relation]:
    """Stage 1: each breakdown row adds up to its total."""
    out = []
    for name in BREAKDOWNS:
        if name not in rel.rows:
            continue
        cells = breakdown_cells(name)
        for key in rel.rows[name]:
            terms = [((name, key, c), 1) for c in cells] + [((name, key, "total"), -1)]
            out.append(_Relation(terms, 0, 0, "table", "the row total and the other cells of "
                                "the row"))
    return out


def _cross_relations(rel: _Release) -> list[_Relation]:
    """Stage 2: totals that other published tables repeat."""
    out = []
    sex, age = "fatalities_by_sex", "fatalities_by_age"
    if sex in rel.rows and age in rel.rows:
        for key in sorted(set(rel.rows[sex]) | set(rel.rows[age])):
            out.append(_Relation([((sex, key, "total"), 1), ((age, key, "total"), -1)], 0, 0,
                                "tables", f"the totals {sex} and {age} share"))
    summary = "quarterly_summary"
    if summary in rel.tables and summary in rel.specs:
        spec = rel.specs[summary]
        groups: dict[tuple[str, str], list[tuple]] = defaultdict(list)
        for row in rel.tables[summary].iter_rows(named=True):
            groups[(row["period"], row["country"])].append(_key(row, spec))
        for measure, breakdowns in (("died", (sex, age)), ("detained", ("detentions_by_sex",))):
            for name in breakdowns:
                if name not in rel.rows:
                    continue
                for key in sorted(set(rel.rows[name]) | set(groups)):
                    if key[0] not in {k[0] for k in rel.rows[name]}:
                        continue  # a period the breakdown does not cover
                    terms = [((summary, k, measure), 1) for k in groups.get(key, [])]
                    terms.append(((name, key, "total"), -1))
                    out.append(_Relation(terms, 0, 0, "tables",
                                        f"{summary}.{measure} summed over nationalities"))
    return out


def _event_relations(rel: _Release) -> list[_Relation]:
    """Stage 3: the open event files, counted by quarter and country into each breakdown."""
    out = []
    for name in BREAKDOWNS:
        dataset, fields = SOURCE_FIELDS[name]
        if name not in rel.rows or dataset not in rel.tables:
            continue
        keys = set(rel.rows[name])
        totals: dict[tuple, int] = defaultdict(int)
        counts: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        ids: dict[tuple, list[str]] = defaultdict(list)
        countable = True
        for record in rel.tables[dataset].iter_rows(named=True):
            key = (record_quarter(record), record.get("country"))
            if key not in keys:
                continue
            totals[key] += int(record["persons"])
            ids[key].append(str(record.get("record_id")))
            cells = record_cells(name, record)
            if cells is None:
                countable = False
                continue
            for col, persons in cells.items():
                counts[key][col] += persons
        for key in sorted(keys):
            listed = _ids(ids[key])
            out.append(_Relation([((name, key, "total"), 1)], totals[key], totals[key], "events",
                                f"the open {dataset} file, whose records of {key[0]} in "
                                f"{key[1]} ({listed}) add up to {totals[key]}"))
            if not countable:
                continue
            for col in breakdown_cells(name):
                n = counts[key][col]
                out.append(_Relation(
                    [((name, key, col), 1)], n, n, "events",
                    f"counting the records of the open {dataset} file for {key[0]} in {key[1]} "
                    f"({listed}) by {' and '.join(_published(fields, rel.tables[dataset]))}, "
                    f"which gives {n}", about=(name, key, col)))
    return out


def _published(fields: Iterable[str], frame: pl.DataFrame) -> list[str]:
    return [f if f in frame.columns else f"{f}_band" for f in fields]


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "") \
        if ids else "none"


# ---------------------------------------------------------------------------------------- texts

_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve")
_NUMBER = r"\d{1,3}|an?|" + "|".join(_NUMBER_WORDS)  # not 2025: a year is no count
_FEMALE = r"women|woman|girls?|females?|mothers?|wives|wife|daughters?|sisters?"
_MALE = r"men|man|boys?|males?|fathers?|husbands?|sons?|brothers?"
_PERSON = rf"(?P<noun>{_FEMALE}|{_MALE}|people|persons?|teenagers?|minors?|children|child)"
#: "a Korean woman", "two young men": a count, up to two words that are not a count, a person
_COUNT = re.compile(rf"\b(?P<num>{_NUMBER})\s+(?:(?!(?:{_NUMBER}|the)\b)[\w-]+\s+){{0,2}}?"
                    rf"{_PERSON}\b", re.I)
_DECADE = re.compile(r"\bin (?P<pron>his|her|their) (?:(?P<part>early|mid|late)[ -]?)?"
                     r"(?P<decade>[1-9]0)s\b", re.I)
_TEENS = re.compile(r"\bin (?P<pron>his|her|their) teens\b|\bteen(?:age(?:rs?)?|s)?\b", re.I)
_AGED = re.compile(r"\b(?:aged|age) (?P<age>\d{1,3})\b|\b(?P<age2>\d{1,3})[- ]years?[- ]old\b",
                   re.I)
_RECORD_ID = re.compile(r"\b(?:DET|REP|FAT)-\d{4}-\d{3,}\b")
_QUARTER_RE = re.compile(r"\b(?P<y>\d{4})-Q(?P<q>[1-4])\b|\bQ(?P<q2>[1-4]) (?P<y2>\d{4})\b")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MONTH_RE = re.compile(r"\b(?P<m>" + "|".join(_MONTHS) + r")(?: \d{1,2},?)? (?P<y>\d{4})\b"
                       r"|\b(?P<y2>\d{4})-(?P<m2>0[1-9]|1[0-2])\b", re.I)
_FATAL = re.compile(r"\b(?:died|dies|death|deaths|dead|body|bodies|killed|remains|found|"
                    r"fatalit\w*|murder\w*|FAT-\d{4})", re.I)
_DETAIN = re.compile(r"\b(?:detain\w*|detention\w*|arrest\w*|raid\w*|rescued|DET-\d{4})", re.I)
#: How texts name countries beside the ISO names: adjectives and common short names.
_COUNTRY_WORDS = {
    "KHM": ("Cambodian", "Cambodia"), "VNM": ("Vietnamese", "Vietnam", "Viet Nam"),
    "THA": ("Thai", "Thailand"), "LAO": ("Lao", "Laotian", "Laos"),
    "MMR": ("Burmese", "Myanmar", "Burma"), "KOR": ("Korean", "South Korea", "Korea"),
    "CHN": ("Chinese", "China"), "PHL": ("Filipino", "Philippine", "Philippines"),
    "IDN": ("Indonesian", "Indonesia"), "MYS": ("Malaysian", "Malaysia"),
    "JPN": ("Japanese", "Japan"), "IND": ("Indian", "India"),
}


@dataclass(frozen=True)
class _Claim:
    """A text says: at least (or exactly) ``n`` people in ``columns`` of ``table``, within
    ``rows`` (row keys; all rows of the table when it names no place or time)."""

    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    n: int
    exact: bool  # the CSV of a chart: the value itself, not "at least"
    explicit: bool  # a number written out, not "a" or a pronoun
    source: str
    quote: str


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n+", text) if s.strip()]


def _number(word: str) -> int:
    word = word.lower()
    if word in ("a", "an"):
        return 1
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS.index(word) + 1
    return int(word)


def _bands(lo: int, hi: int) -> tuple[str, ...]:
    return tuple(col for col, a, b, _ in AGE_BANDS if a <= hi and lo <= b)


def _country_names(code: str) -> list[str]:
    import pycountry

    names = list(_COUNTRY_WORDS.get(code, ()))
    country = pycountry.countries.get(alpha_3=code)
    if country is not None:
        names += [getattr(country, a) for a in ("name", "common_name", "official_name")
                  if getattr(country, a, None)]
    return names


class _Reader:
    """Reads texts for what they say about the breakdowns' cells."""

    def __init__(self, rel: _Release):
        self.rel = rel
        countries = sorted({k[1] for name in BREAKDOWNS for k in rel.rows.get(name, [])})
        self.country_re = {c: re.compile(r"\b(?:" + "|".join(re.escape(n) for n in
                                                               _country_names(c) + [c]) + r")\b")
                           for c in countries}
        self.records: dict[str, tuple] = {}
        for dataset in ("detentions", "fatalities"):
            if dataset in rel.tables and "record_id" in rel.tables[dataset].columns:
                for r in rel.tables[dataset].iter_rows(named=True):
                    self.records[str(r["record_id"])] = (record_quarter(r), r.get("country"))

    def claims(self, source: str, text: str) -> list[_Claim]:
        if _looks_like_csv(text):
            return self._csv_claims(source, text)
        if "</" in text or text.lstrip().startswith("<"):  # HTML: its text, a block a line
            text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.S | re.I)
            text = re.sub(r"<(?:/?(?:p|li|tr|td|th|h\d|div|br|figcaption)\b)[^>]*>", "\n", text)
            text = html.unescape(re.sub(r"<[^>]*>", "", text))
        out = []
        for sentence in _sentences(text):
            out += self._sentence_claims(source, sentence)
        return out

    def _dataset(self, source: str, sentence: str) -> str | None:
        fatal, detain = bool(_FATAL.search(sentence)), bool(_DETAIN.search(sentence))
        if fatal != detain:
            return "fatalities" if fatal else "detentions"
        lowered = source.lower()
        if ("fatal" in lowered or "death" in lowered) and "detention" not in lowered:
            return "fatalities"
        if "detention" in lowered and "fatal" not in lowered:
            return "detentions"
        return None

    def _scope(self, table: str, sentence: str) -> tuple[tuple[tuple, ...], bool]:
        """The rows of ``table`` a sentence can be about, and whether it names both a place
        and a time (or records)."""
        keys = self.rel.rows.get(table, [])
        ids = [self.records[i] for i in _RECORD_ID.findall(sentence) if i in self.records]
        if ids:
            rows = tuple(k for k in keys if k in set(ids))
            return rows, len(rows) == 1
        countries = {c for c, rx in self.country_re.items() if rx.search(sentence)}
        periods = set()
        for m in _QUARTER_RE.finditer(sentence):
            periods.add(f"{m['y'] or m['y2']}-Q{m['q'] or m['q2']}")
        for m in _MONTH_RE.finditer(sentence):
            month = (_MONTHS.index(m["m"].lower()) + 1) if m["m"] else int(m["m2"])
            periods.add(quarter(int(m["y"] or m["y2"]), (month - 1) // 3 + 1).label)
        rows = tuple(k for k in keys if (not countries or k[1] in countries)
                     and (not periods or k[0] in periods))
        return rows, len(countries) == 1 and len(periods) == 1

    def _sentence_claims(self, source: str, sentence: str) -> list[_Claim]:
        dataset = self._dataset(source, sentence)
        if dataset is None:
            return []
        by_sex = f"{dataset}_by_sex"
        by_age = "fatalities_by_age" if dataset == "fatalities" else None
        quote = sentence if len(sentence) <= 160 else sentence[:157] + "..."
        out: list[_Claim] = []

        def add(table: str | None, columns: tuple[str, ...], n: int, explicit: bool) -> None:
            if table is None or table not in self.rel.rows or not columns or n < 1:
                return
            rows, single = self._scope(table, sentence)
            if rows:
                out.append(_Claim(table, columns, rows, n, False, explicit and single, source,
                                  quote))

        counts = list(_COUNT.finditer(sentence))
        sexed = False
        for m in counts:
            n, noun = _number(m["num"]), m["noun"].lower()
            explicit = m["num"].lower() not in ("a", "an")
            if re.fullmatch(_FEMALE, noun):
                add(by_sex, ("female",), n, explicit)
                sexed = True
            elif re.fullmatch(_MALE, noun):
                add(by_sex, ("male",), n, explicit)
                sexed = True
            elif noun.startswith(("teen", "minor", "child")):
                add(by_age, _bands(13, 19) if noun.startswith("teen") else _bands(0, 17), n,
                    explicit)

        def count_before(pos: int) -> int | None:
            """The count of the people an age phrase at ``pos`` is about; None when the
            sentence counts nobody before it ("people who died aged 30 to 39" counts none)."""
            before = [m for m in counts if m.start() < pos]
            return _number(before[-1]["num"]) if before else None

        for m in _DECADE.finditer(sentence):
            decade = int(m["decade"])
            lo, hi = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}.get(
                (m["part"] or "").lower(), (0, 9))
            single = m["pron"].lower() in ("his", "her")  # "in her 30s": one person
            n = count_before(m.start()) or (1 if single else None)
            if n:
                add(by_age, _bands(decade + lo, decade + hi), n, False)
            if single and not sexed:
                add(by_sex, ("female",) if m["pron"].lower() == "her" else ("male",), 1, False)
        for m in _AGED.finditer(sentence):
            age = int(m["age"] or m["age2"])
            # "a 17-year-old" is one person; "aged 34" needs someone counted before it
            n = count_before(m.start()) or (1 if m["age2"] else None)
            if n:
                add(by_age, _bands(age, age), n, False)
        if not _AGED.search(sentence):
            for m in _TEENS.finditer(sentence):
                n = count_before(m.start()) or (1 if m["pron"] in ("his", "her") else None)
                if n:
                    add(by_age, _bands(13, 19), n, False)
                break
        return out

    def _csv_claims(self, source: str, text: str) -> list[_Claim]:
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        if not rows:
            return []
        header = [h.strip().lower() for h in rows[0]]
        if "record_id" in header:
            return []  # an event table: the attack reads it as a table, not as chart data
        out = []
        for table in BREAKDOWNS:
            if table not in self.rel.rows:
                continue
            cells = set(breakdown_cells(table))
            wide = [h for h in header if h in cells]
            long_col = next((h for h in header if h in ("sex", "age_band", "age group",
                                                        "band", "group")), None)
            value_col = next((h for h in header if h in ("persons", "people", "count",
                                                         "value", "n", "deaths", "died",
                                                         "detained")), None)
            if not wide and not (long_col and value_col):
                continue
            dataset = SOURCE_FIELDS[table][0]
            if table.endswith("_by_sex") and self._dataset(source, " ".join(header)) != dataset:
                continue  # female, male are columns of both sex tables: the name must say
            for raw in rows:
                row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
                scope, exact = self._csv_scope(table, row)
                if not scope:
                    continue
                values = [((c,), row[c]) for c in wide]
                if long_col and value_col:
                    col = _category(table, row[long_col])
                    if col:
                        values.append(((col,), row[value_col]))
                for columns, value in values:
                    if value.isdigit():
                        out.append(_Claim(table, columns, scope, int(value), exact, False,
                                          source, ",".join(raw.get(k) or "" for k in raw)))
        return out

    def _csv_scope(self, table: str, row: Mapping[str, str]) -> tuple[tuple[tuple, ...], bool]:
        """Rows of ``table`` a CSV row is about, and whether its values are those cells' sum:
        only when it gives a quarter and a country; a month, or no period or country, may be
        part of it, so its values are at least that part."""
        keys = self.rel.rows[table]
        period = row.get("period") or row.get("quarter") or row.get("month") or ""
        label, quarterly = None, False
        if period:
            try:
                p = parse_period(period)
            except ValueError:
                return (), False
            label, quarterly = quarter_of(p.start).label, "Q" in p.label
        country = row.get("country", "").upper()
        return (tuple(k for k in keys if (label is None or k[0] == label)
                      and (not country or k[1] == country)), quarterly and bool(country))


def _category(table: str, value: str) -> str | None:
    value = value.strip().lower()
    if table.endswith("_by_sex"):
        return {"female": "female", "male": "male", "unknown": "sex_unknown",
                "sex_unknown": "sex_unknown"}.get(value)
    for col, _, _, label in AGE_BANDS:
        if value in (col, label, col.removeprefix("age_")):
            return col
    return AGE_UNKNOWN if value in ("unknown", AGE_UNKNOWN) else None


def _looks_like_csv(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return first.count(",") >= 1 and " " not in first.strip()


def _text_relations(rel: _Release, texts: Mapping[str, str]) -> tuple[list[_Relation],
                                                                      list[_Claim]]:
    """Stage 4: what the texts say, as relations; and every claim, for the number matching."""
    reader = _Reader(rel)
    out, claims = [], []
    for source, text in texts.items():
        for claim in reader.claims(source, text):
            claims.append(claim)
            terms = [((claim.table, k, c), 1) for k in claim.rows for c in claim.columns]
            says = f'what {claim.source} says: "{claim.quote}"'
            out.append(_Relation(terms, claim.n, claim.n if claim.exact else np.inf, "texts",
                                says))
    return out, claims


# ---------------------------------------------------------------------------------------- solve


def _bounds(rel: _Release, relations: Sequence[_Relation], cells: Iterable[Cell]
            ) -> dict[Cell, tuple[int, int | None] | None]:
    """Least and greatest value of each of ``cells`` under ``relations`` (None: no table fits
    them; a greatest value None: unbounded)."""
    hidden = set(rel.hidden)
    # relations over the unknowns, known cells moved to the bounds; a relation touching a cell
    # that is neither published nor suppressed ([x], [z]) says nothing usable
    usable: list[tuple[dict[Cell, int], float, float, _Relation]] = []
    for r in relations:
        if any(c in rel.unusable for c, _ in r.terms):
            continue
        coefs: dict[Cell, int] = defaultdict(int)
        const = 0
        for c, k in r.terms:  # a cell of a row a table does not have counts as its absent 0
            if c in hidden:
                coefs[c] += k
            elif c in rel.known:
                const += k * rel.known[c]
        coefs = {c: k for c, k in coefs.items() if k}
        if coefs:
            usable.append((coefs, r.low - const, r.high - const, r))
    # connected components of unknowns linked by a relation
    parent: dict[Cell, Cell] = {}

    def find(c: Cell) -> Cell:
        parent.setdefault(c, c)
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for coefs, *_ in usable:
        first, *rest = coefs
        for c in rest:
            parent[find(c)] = find(first)
    groups: dict[Cell, list[tuple]] = defaultdict(list)
    for item in usable:
        groups[find(next(iter(item[0])))].append(item)
    out: dict[Cell, tuple[int, int | None] | None] = {}
    for cell in cells:
        floor = rel.floor.get(cell[0], 0)
        if cell not in parent:
            out[cell] = (floor, None)
            continue
        out[cell] = _solve(cell, groups[find(cell)], rel.floor)
    return out


def _solve(cell: Cell, items: list[tuple], floors: Mapping[str, int]
           ) -> tuple[int, int | None] | None:
    if len(items) == 1 and items[0][1] == items[0][2] and set(items[0][0].values()) == {1}:
        # one row's suppressed cells and their known sum s: the integer program's answer in
        # closed form, each cell from its floor to s less the others' floors
        coefs, total = items[0][0], items[0][1]
        floor = {c: floors.get(c[0], 0) for c in coefs}
        rest = sum(floor.values()) - floor[cell]
        if total < sum(floor.values()):
            return None
        return (floor[cell] if len(coefs) > 1 else int(total)), int(total - rest)
    variables = sorted({c for coefs, *_ in items for c in coefs}, key=repr)
    index = {c: i for i, c in enumerate(variables)}
    a = np.zeros((len(items), len(variables)))
    lo, hi = np.empty(len(items)), np.empty(len(items))
    for i, (coefs, low, high, _) in enumerate(items):
        for c, k in coefs.items():
            a[i, index[c]] = k
        lo[i], hi[i] = low, high
    constraint = LinearConstraint(a, lo, hi)
    bounds = Bounds([floors.get(c[0], 0) for c in variables], np.inf)
    integrality = np.ones(len(variables))
    objective = np.zeros(len(variables))
    objective[index[cell]] = 1
    least = milp(objective, constraints=constraint, integrality=integrality, bounds=bounds)
    if least.status == 2:  # infeasible
        return None
    most = milp(-objective, constraints=constraint, integrality=integrality, bounds=bounds)
    low = round(least.x[index[cell]])
    high = round(most.x[index[cell]]) if most.status == 0 else None
    return low, high


def _consistent(rel: _Release, base: Sequence[_Relation], claims: Sequence[_Relation]
                ) -> list[_Relation]:
    """The claims of the texts, each kept only if the tables and the claims kept before it
    leave some table that fits it: a sentence read in a way the figures refute is misread
    (or is about something else), and tells nothing."""
    hidden = set(rel.hidden)
    kept: list[_Relation] = []
    for claim in claims:
        cells = [c for c, _ in claim.terms if c in hidden]
        if not cells:
            continue
        if _bounds(rel, [*base, *kept, claim], cells[:1])[cells[0]] is not None:
            kept.append(claim)
    return kept


def _disclosed(bound: tuple[int, int | None] | None, threshold: int | None) -> bool:
    if bound is None:
        return True
    low, high = bound
    if high is not None and low == high:
        return True
    return threshold is not None and high is not None and 1 <= low and high <= threshold - 1


def audit_release(tables: Mapping[str, pl.DataFrame], specs: Mapping[str, TableSpec],
                  texts: Mapping[str, str] | None = None, threshold: int | None = None
                  ) -> list[Recovery]:
    """Every suppressed cell of ``tables`` that can be recovered from ``tables`` and
    ``texts`` (name -> text: the bulletin's text, the CSV behind its charts); see the module
    docstring for what the attacker knows. With ``threshold``, a cell narrowed to within
    1..threshold-1 counts as recovered too. In table, row and column order."""
    rel = _read(tables, specs)
    if not rel.hidden:
        return []
    said = next((name for name, t in (texts or {}).items() if _ZEROS_PUBLISHED.search(t)), None)
    if said is not None:  # the release says so: a [c] is never a zero
        rel.floor = dict.fromkeys(rel.floor, 1)
        rel.floor_reason = f"{said} says that zeros are published"
    text_relations, claims = _text_relations(rel, texts or {})
    by_stage = {
        "table": _table_relations(rel),
        "tables": _cross_relations(rel),
        "events": _event_relations(rel),
    }
    by_stage["texts"] = _consistent(rel, [r for s in STAGES[:-1] for r in by_stage[s]],
                                    text_relations)
    everything = [r for s in STAGES for r in by_stage[s]]
    final = _bounds(rel, everything, rel.hidden)
    found: dict[Cell, Recovery] = {}
    exposed = [c for c in rel.hidden if _disclosed(final[c], threshold)]
    so_far: list[_Relation] = []
    for stage in STAGES:
        so_far = so_far + by_stage[stage]
        pending = [c for c in exposed if c not in found]
        if not pending:
            break
        bounds = final if stage == STAGES[-1] else _bounds(rel, so_far, pending)
        for cell in pending:
            if _disclosed(bounds[cell], threshold):
                found[cell] = _recovery(rel, cell, bounds[cell], stage, by_stage[stage], so_far)
    for claim in claims:  # a number a text gives for exactly one suppressed cell
        if not claim.explicit or len(claim.rows) != 1 or len(claim.columns) != 1:
            continue
        cell = (claim.table, claim.rows[0], claim.columns[0])
        bound = final.get(cell)
        if cell in found or bound is None:
            continue
        low, high = bound
        if low <= claim.n and (high is None or claim.n <= high):
            found[cell] = Recovery(
                cell[0], _named_key(rel, cell), cell[2], claim.n, claim.n,
                f'{claim.source} gives {claim.n} for this cell, a value it can take: '
                f'"{claim.quote}"')
    order = {c: i for i, c in enumerate(rel.hidden)}
    return [found[c] for c in sorted(found, key=order.__getitem__)]


def _named_key(rel: _Release, cell: Cell) -> tuple[tuple[str, str], ...]:
    spec = rel.specs[cell[0]]
    return tuple((k, str(v)) for k, v in zip(spec.primary_key, cell[1], strict=True))


def _recovery(rel: _Release, cell: Cell, bound, stage: str, added: Sequence[_Relation],
              used: Sequence[_Relation]) -> Recovery:
    key = _named_key(rel, cell)
    if bound is None:
        return Recovery(cell[0], key, cell[2], None, None,
                        "because the published figures contradict each other there (no table "
                        f"fits them all once {_stage_words(stage)} are added)")
    low, high = bound
    direct = [r for r in added if r.about == cell]
    if direct:
        how = f"by {direct[0].says}"
    else:
        # what the stage added that bears on the cell: relations sharing its component
        linked = _linked(rel, cell, used)
        says = list(dict.fromkeys(r.says for r in added if r in linked))
        base = "from the row total and the other cells of the row"
        if stage == "table":
            how = base
        else:
            how = f"{base}, with {'; '.join(says[:3]) or _stage_words(stage)}"
    if rel.floor.get(cell[0]) and stage == "table":
        how += f"; {rel.floor_reason}, so each suppressed cell is at least 1"
    if low != high:
        how += " (a small non-zero count, which suppression is meant to withhold)"
    return Recovery(cell[0], key, cell[2], low, high, how)


def _linked(rel: _Release, cell: Cell, relations: Sequence[_Relation]) -> list[_Relation]:
    """The relations connected to ``cell`` through suppressed cells."""
    hidden = set(rel.hidden)
    reach, todo, out = {cell}, [cell], []
    members = [(r, {c for c, _ in r.terms if c in hidden}) for r in relations]
    while todo:
        current = todo.pop()
        for r, cells in members:
            if current in cells:
                if r not in out:
                    out.append(r)
                for c in cells - reach:
                    reach.add(c)
                    todo.append(c)
    return out


def _stage_words(stage: str) -> str:
    return {"table": "the table's own cells and totals",
            "tables": "the other published tables",
            "events": "the open event files",
            "texts": "the texts published with the release"}[stage]
