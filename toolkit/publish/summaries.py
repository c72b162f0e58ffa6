"""The quarterly and monthly summaries: people detained, repatriated and dead in each period,
and detained with no return recorded at its end, by country and nationality, with totals.

What a cell holds, and the rules every cell keeps:

- **Allocation.** A record counts in the period that holds its ``event_date``, the day by which
  the source says it had happened, whatever its ``date_precision``. A cell that holds people
  from records whose date window (:data:`toolkit.warehouse.WINDOW_START`) begins in an earlier
  period says so in its note: it rests on imprecise dates.
- **Coverage.** Each dataset covers the days ``config/coverage.yaml`` declares (from its first
  record to the as-of date by default) and, where it says so, some nationalities only. A count
  for a period wholly outside them is empty with ``[x]`` (not collected), never 0; a period
  partly inside them keeps its count and its note says which days were collected.
- **Qualifiers.** A count is ``exact`` unless a record in it is ``at_least`` (then the sum is
  a minimum, ``at_least``) or ``about`` (then ``about``); ``at_least`` wins over ``about``.
- **Totals.** ``ALL`` in country or nationality is the total over them: every total is the sum
  of its parts, cell by cell, the derived measure included.
- **The derived measure.** ``not_returned_at_end`` is people recorded as detained up to the end
  of the period minus people recorded as repatriated from the country up to then (by the
  allocation above). The records hold no other exit from custody and no count of who was held
  before they begin, so it is not a count of people held: it is always marked low reliability
  ``[u]``. A negative value is published as it is, with a note (the records lack detentions),
  and only that period's cell carries it: a later period whose value is not negative has no
  such note. It is ``[z]`` for a group with no detention or repatriation, and ``[x]`` at the
  end of a period that detentions or repatriations do not cover.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import polars as pl

from toolkit.config import Coverage
from toolkit.periods import Period
from toolkit.publish.specs import TableSpec
from toolkit.warehouse import WINDOW_START

#: The code of a total over every country or every nationality.
TOTAL = "ALL"
#: The flow measures: (column, dataset, the dataset's country column).
FLOWS = (
    ("detained", "detentions", "country"),
    ("repatriated", "repatriations", "from_country"),
    ("died", "fatalities", "country"),
)
QUALIFIERS = ("exact", "at_least", "about")
DERIVED = "not_returned_at_end"
DERIVED_LABEL = "detained with no return recorded"


@dataclass
class Cell:
    """The records of one dataset in one period and group."""

    persons: int = 0
    at_least: bool = False
    about: bool = False
    imprecise: int = 0  # people from records whose date window begins in an earlier period

    def add(self, other: Cell) -> None:
        self.persons += other.persons
        self.at_least |= other.at_least
        self.about |= other.about
        self.imprecise += other.imprecise

    @property
    def qualifier(self) -> str:
        return "at_least" if self.at_least else "about" if self.about else "exact"


@dataclass
class Span:
    """The days and nationalities a dataset covers in this release."""

    dataset: str
    first: dt.date | None
    last: dt.date | None
    nationalities: tuple[str, ...] = ()
    #: False when ``first`` is the first record's date, not a declared start: the period of
    #: the first record then counts as covered whole (nothing is known to be missing in it).
    declared_start: bool = True

    def collects(self, nationality: str) -> bool:
        if not self.nationalities:
            return True
        return nationality in self.nationalities

    def covers(self, period: Period) -> str:
        """``all``, ``part`` or ``none`` of ``period``."""
        if self.first is None or self.last is None or self.first > self.last:
            return "none"
        if period.end < self.first or period.start > self.last:
            return "none"
        first = self.first if self.declared_start else min(self.first, period.start)
        if period.start >= first and period.end <= self.last:
            return "all"
        return "part"

    def covers_day(self, day: dt.date) -> bool:
        return self.first is not None and self.last is not None and self.first <= day <= self.last

    def days(self) -> str:
        if self.first is None or self.last is None:
            return "no days"
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def coverage_spans(con: duckdb.DuckDBPyConnection, coverage: Coverage, as_of: dt.date
                   ) -> dict[str, Span]:
    """Each event dataset's covered days in a release as of ``as_of``."""
    spans = {}
    for _, dataset, _ in FLOWS:
        [(first,)] = con.execute(f'SELECT min(event_date) FROM "{dataset}"').fetchall()
        declared = coverage.of(dataset)
        bounds = declared.span(first, as_of)
        spans[dataset] = Span(dataset, *(bounds or (None, None)), declared.nationalities,
                              declared_start=declared.start is not None)
    return spans


def _label(kind: str, day: str) -> str:
    if kind == "quarterly":
        return f"(year({day}) || '-Q' || quarter({day}))"
    return f"strftime({day}, '%Y-%m')"


def _cells(con: duckdb.DuckDBPyConnection, dataset: str, country: str, kind: str,
           labels: set[str]) -> dict[tuple[str, str, str], Cell]:
    """The records of ``dataset`` by (period label, country, nationality), with the totals
    over countries and nationalities (``ALL``) added."""
    sql = f"""
        SELECT {_label(kind, 'event_date')} AS period, "{country}", nationality,
               sum(persons)::BIGINT,
               bool_or(persons_qualifier = 'at_least'), bool_or(persons_qualifier = 'about'),
               sum(CASE WHEN {_label(kind, WINDOW_START)} <> {_label(kind, 'event_date')}
                        THEN persons ELSE 0 END)::BIGINT
        FROM "{dataset}"
        WHERE persons >= 1 AND "{country}" IS NOT NULL AND nationality IS NOT NULL
          AND event_date IS NOT NULL
        GROUP BY ALL"""
    out: dict[tuple[str, str, str], Cell] = defaultdict(Cell)
    for label, place, nat, persons, at_least, about, imprecise in con.execute(sql).fetchall():
        if label not in labels:
            continue
        cell = Cell(int(persons), bool(at_least), bool(about), int(imprecise))
        for key in ((label, place, nat), (label, place, TOTAL), (label, TOTAL, nat),
                    (label, TOTAL, TOTAL)):
            out[key].add(cell)
    return out


def _first_periods(cells: Iterable[dict[tuple[str, str, str], Cell]],
                   order: dict[str, int]) -> dict[tuple[str, str], int]:
    """The index of the first period each (country, nationality) group has a record in."""
    first: dict[tuple[str, str], int] = {}
    for by_key in cells:
        for (label, place, nat) in by_key:
            i = order[label]
            if first.get((place, nat), i) >= i:
                first[(place, nat)] = i
    return first


def summary_table(con: duckdb.DuckDBPyConnection, spec: TableSpec, periods: Sequence[Period],
                  spans: dict[str, Span]) -> pl.DataFrame:
    """The summary of ``periods`` (all quarters or all months, in order)."""
    kind = "quarterly" if spec.name.startswith("quarterly") else "monthly"
    order = {p.label: i for i, p in enumerate(periods)}
    cells = {dataset: _cells(con, dataset, country, kind, set(order))
             for _, dataset, country in FLOWS}
    first = _first_periods(cells.values(), order)
    flows_ever = {(place, nat) for d in ("detentions", "repatriations")
                  for (_, place, nat) in cells[d]}
    running: dict[tuple[str, str], list[Cell]] = defaultdict(lambda: [Cell(), Cell()])
    rows = []
    for i, period in enumerate(periods):
        for group in sorted(first, key=_group_order):
            if first[group] > i:
                continue
            place, nat = group
            row: dict = {"period": period.label, "country": place, "nationality": nat}
            notes: list[str] = []
            for column, dataset, _ in FLOWS:
                cell = cells[dataset].get((period.label, place, nat), Cell())
                _flow(row, notes, column, cell, spans[dataset], period, nat)
            total = running[group]
            total[0].add(cells["detentions"].get((period.label, place, nat), Cell()))
            total[1].add(cells["repatriations"].get((period.label, place, nat), Cell()))
            _derived(row, notes, total, group in flows_ever, spans, period)
            row["note"] = "; ".join(notes)
            rows.append(row)
    return pl.DataFrame(rows, schema=spec.schema) if rows else spec.empty()


def _group_order(group: tuple[str, str]) -> tuple:
    """Countries in code order with the all-country total last; in each, nationalities in
    code order with the all-nationality total last."""
    place, nat = group
    return (place == TOTAL, place, nat == TOTAL, nat)


def _flow(row: dict, notes: list[str], column: str, cell: Cell, span: Span,
          period: Period, nationality: str) -> None:
    covered = span.covers(period)
    row[f"{column}_status"] = ""
    if not span.collects(nationality) or covered == "none":
        row[column] = None
        row[f"{column}_qualifier"] = None
        row[f"{column}_status"] = "[x]"
        if not span.collects(nationality):
            notes.append(f"{column} not collected: {span.dataset} cover "
                         f"{', '.join(span.nationalities)} nationals only")
        else:
            notes.append(f"{column} not collected: {span.dataset} cover {span.days()}")
        return
    row[column] = cell.persons
    row[f"{column}_qualifier"] = cell.qualifier
    if covered == "part":
        notes.append(f"{column} partly collected: {span.dataset} cover {span.days()}")
    if cell.imprecise:
        notes.append(f"{column} rests partly on imprecise dates: {cell.imprecise} of the people "
                     "are in records dated only to a week, month, quarter or year that may "
                     "have begun before the period")


def _derived(row: dict, notes: list[str], running: list[Cell], has_flows: bool,
             spans: dict[str, Span], period: Period) -> None:
    detained, repatriated = running
    row[f"{DERIVED}_status"] = "[u]"
    row[DERIVED] = None
    row[f"{DERIVED}_qualifier"] = None
    if not has_flows:
        row[f"{DERIVED}_status"] = "[z]"
        notes.append(f"{DERIVED} not applicable: no detention or repatriation is recorded")
        return
    uncovered = [s.dataset for name, s in spans.items()
                 if name in ("detentions", "repatriations") and not s.covers_day(period.end)]
    if uncovered:
        row[f"{DERIVED}_status"] = "[x]"
        notes.append(f"{DERIVED} not available: {' and '.join(uncovered)} do not cover "
                     f"{period.end.isoformat()}")
        return
    value = detained.persons - repatriated.persons
    row[DERIVED] = value
    if detained.about or repatriated.about or repatriated.at_least:
        row[f"{DERIVED}_qualifier"] = "about"
    else:
        row[f"{DERIVED}_qualifier"] = "at_least" if detained.at_least else "exact"
    if value < 0:
        notes.append(f"{DERIVED} negative: {-value} more people recorded as repatriated than "
                     "as detained by the end of the period, so the records lack detentions "
                     "(see reconciliation_findings)")


def provisional_labels(period: Period, quarters: Sequence[Period], months: Sequence[Period]
                       ) -> tuple[set[str], set[str]]:
    """The periods marked provisional ``[p]``: the latest quarter, and in the monthly table
    every month of the release's period (so a cell is provisional in both tables or neither)."""
    q = {quarters[-1].label} if quarters else set()
    m = {p.label for p in months if period.start <= p.start and p.end <= period.end}
    if quarters:
        last = quarters[-1]
        m |= {p.label for p in months if last.start <= p.start and p.end <= last.end}
    return q, m


#: Reported indicators the records can be set against, and the measure beside each.
COMPARABLE = {"held_on_date": "not_returned", "arrests": "detained",
              "deportations": "repatriated"}
_WORDS = {"held_on_date": "people held", "arrests": "people arrested",
          "deportations": "people deported"}
_MEASURE_WORDS = {"not_returned": "detained with no return recorded by that day (not a count "
                                  "of people held)",
                  "detained": "recorded as detained in the period",
                  "repatriated": "recorded as repatriated in the period"}
_QUALIFIER_WORDS = {"exact": "", "at_least": "at least ", "about": "about ",
                    "at_most": "at most ", "estimate": "an estimated "}


def comparisons_table(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                      spans: dict[str, Span]) -> pl.DataFrame:
    """Every comparable reported figure beside the records' figure for the same country,
    nationality (XXX: every nationality) and days, by the allocation of the summaries."""
    reported = con.execute(
        f"SELECT record_id, indicator, country, nationality, period_start, date, value, "
        f"qualifier, authority, source_id FROM reported_figures "
        f"WHERE indicator IN ({', '.join(repr(k) for k in COMPARABLE)}) "
        "ORDER BY record_id").fetchall()
    rows = []
    for rid, indicator, place, nat, start, day, value, qualifier, authority, source in reported:
        measure = COMPARABLE[indicator]
        row = {"record_id": rid, "indicator": indicator, "country": place,
               "nationality": nat, "period_start": start, "date": day, "reported": value,
               "reported_qualifier": qualifier, "recorded_measure": measure,
               "recorded": None, "recorded_qualifier": None, "difference": None,
               "source_id": source}
        said = (f"{authority} reported {_QUALIFIER_WORDS.get(qualifier, '')}{value:,} "
                f"{_WORDS[indicator]}")
        needed = ["detentions", "repatriations"] if measure == "not_returned" else \
            ["detentions" if measure == "detained" else "repatriations"]
        gap = _coverage_gap(spans, needed, start, day, measure)
        if gap:
            row |= {"finding": "not_covered", "explanation": f"{said}; {gap}."}
            rows.append(row)
            continue
        recorded, qual = _recorded(con, measure, place, nat, start, day)
        diff = recorded - value
        finding = "agree" if diff == 0 else "records_lower" if diff < 0 else "records_higher"
        row |= {"recorded": recorded, "recorded_qualifier": qual, "difference": diff,
                "finding": finding}
        compare = ("the same" if diff == 0 else
                   f"{abs(diff):,} {'fewer' if diff < 0 else 'more'}")
        row["explanation"] = (f"{said}; the records give {_QUALIFIER_WORDS[qual]}"
                              f"{recorded:,} {_MEASURE_WORDS[measure]}, {compare}.")
        rows.append(row)
    return pl.DataFrame(rows, schema=spec.schema) if rows else spec.empty()


def _coverage_gap(spans: dict[str, Span], datasets: list[str], start: dt.date | None,
                  day: dt.date, measure: str) -> str:
    if measure != "not_returned" and start is None:
        return "the period it covers is not given, so the records cannot be set against it"
    for dataset in datasets:
        span = spans[dataset]
        if not span.covers_day(day) or (start is not None and not span.covers_day(start)):
            return (f"the records do not cover every day it needs ({dataset} cover "
                    f"{span.days()})")
    return ""


def _recorded(con: duckdb.DuckDBPyConnection, measure: str, place: str, nat: str,
              start: dt.date | None, day: dt.date) -> tuple[int, str]:
    """The records' figure and its qualifier, by event_date, for ``place`` and ``nat`` (XXX in
    either: every country or nationality)."""
    parts = []
    for dataset, country, sign in (("detentions", "country", 1),
                                   ("repatriations", "from_country", -1)):
        if measure == "detained" and dataset != "detentions" or \
                measure == "repatriated" and dataset != "repatriations":
            continue
        where = ["persons >= 1", "event_date <= ?"]
        args: list = [day]
        if start is not None and measure != "not_returned":
            where.append("event_date >= ?")
            args.append(start)
        if place != "XXX":
            where.append(f'"{country}" = ?')
            args.append(place)
        if nat != "XXX":
            where.append("nationality = ?")
            args.append(nat)
        [(persons, at_least, about)] = con.execute(
            f"SELECT coalesce(sum(persons), 0)::BIGINT, coalesce(bool_or(persons_qualifier = "
            f"'at_least'), false), coalesce(bool_or(persons_qualifier = 'about'), false) "
            f'FROM "{dataset}" WHERE {" AND ".join(where)}', args).fetchall()
        parts.append((sign, int(persons), bool(at_least), bool(about)))
    if measure != "not_returned":
        parts = [(1, *rest) for _, *rest in parts]
    total = sum(sign * persons for sign, persons, _, _ in parts)
    if any(about for *_, about in parts) or any(a for s, _, a, _ in parts if s < 0):
        return total, "about"
    return total, "at_least" if any(a for *_, a, _ in parts) else "exact"
