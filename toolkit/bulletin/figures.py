"""Every number of the bulletin, from the warehouse and the release's published tables.

The bulletin's text, tables and charts only display what :func:`compute_figures` returns: plain
dataclasses and dicts. Nothing in this module formats text for a reader.

Two sources, one rule each:

* **The published summaries.** Counts by period, country and nationality, their qualifiers
  (exact, at least, about) and their status markers (``[p]``, ``[r]``, ``[u]``, ``[x]``, ``[z]``)
  are read from the release's ``quarterly_summary`` or ``monthly_summary`` (the bulletin's
  period decides which), and the authorities' figures from ``reported_vs_recorded``. Outside a
  release (a preview) the same tables are made by the same functions
  (:mod:`toolkit.publish.summaries`), so a cell of the bulletin and the published cell for it
  are one value with one status, by construction.
* **DuckDB SQL over the warehouse** for what the summaries do not hold: breakdowns by reason
  and mode, the scope rule for deaths, arrests on arrival, sources, date precision, other
  sources' figures (the structured ``other_persons`` field), the largest records.

Coverage (``config/coverage.yaml``) decides what is a count and what is not collected (``[x]``,
never 0). A change between two periods is given only when both are wholly covered, and as a
percentage only on a base of at least :data:`MIN_BASE`.

:class:`Figures` is sent to the chart process, which imports this module: DuckDB, Polars, the
warehouse and the publishing package are imported only where a query runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.config import DEFAULT_SCOPE, SCAM_LINKS, Coverage
from toolkit.periods import Period, previous, year_earlier

if TYPE_CHECKING:
    import duckdb

REASONS: tuple[str, ...] = ("suspected_scam_involvement", "immigration_violation",
                            "rescued_victim", "other")
MODES: tuple[str, ...] = ("charter_flight", "commercial_flight", "military_flight", "land", "sea",
                          "other", "unknown")
CAUSES: tuple[str, ...] = ("violence", "medical", "suicide", "accident", "undetermined")

#: The source register's reliability grades, best first (docs/data-contract.md).
RELIABILITY_GRADES: tuple[int, ...] = (5, 4, 3, 2, 1)
#: No percentage change is given on a base smaller than this (stated in the methodology).
MIN_BASE = 20
#: One record "makes up most of" a figure above this share (the main points say so).
MOST = 0.5
#: The code of a total over every country or nationality in the published summaries.
TOTAL = "ALL"
#: Status markers in the order the published tables write them.
STATUS_ORDER = ("[c]", "[x]", "[z]", "[u]", "[r]", "[p]")


# ----------------------------------------------------------------------------- data classes


def add_flag(status: str, flag: str) -> str:
    """``status`` with ``flag`` added, in the published order."""
    flags = set(status.split()) | {flag}
    return " ".join(f for f in STATUS_ORDER if f in flags)


@dataclass(frozen=True)
class Count:
    """One figure as published: its value (None where there is none), how exact it is, its
    status markers and how much of its period its dataset covers (all, part or none)."""

    value: int | None
    qualifier: str = "exact"  # exact | at_least | about
    status: str = ""
    coverage: str = "all"

    @property
    def available(self) -> bool:
        return self.value is not None

    def has(self, flag: str) -> bool:
        return flag in self.status.split()


def combine(counts: Sequence[Count]) -> tuple[int, str]:
    """The sum of the available counts and its qualifier: at least wins over about."""
    values = [c for c in counts if c.available]
    quals = {c.qualifier for c in values}
    qualifier = "at_least" if "at_least" in quals else "about" if "about" in quals else "exact"
    return sum(c.value or 0 for c in values), qualifier


@dataclass(frozen=True)
class Change:
    """Change from ``base`` to ``current``.

    ``kind`` says what may be said: ``comparable`` (number and percentage), ``small_base``
    (number only: the base is under :data:`MIN_BASE`), ``coverage`` (nothing: the two periods
    are not both wholly covered) or ``unavailable`` (nothing: a figure is not available).
    """

    current: Count
    base: Count

    @property
    def kind(self) -> str:
        if not (self.current.available and self.base.available):
            return "unavailable"
        if self.current.coverage != "all" or self.base.coverage != "all":
            return "coverage"
        if (self.base.value or 0) < MIN_BASE:
            return "small_base"
        return "comparable"

    @property
    def comparable(self) -> bool:
        return self.kind == "comparable"

    @property
    def absolute(self) -> int | None:
        if self.kind in ("unavailable", "coverage"):
            return None
        return (self.current.value or 0) - (self.base.value or 0)

    @property
    def percent(self) -> float | None:
        if not self.comparable:
            return None
        base = self.base.value or 0
        return 100.0 * ((self.current.value or 0) - base) / base


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    current: Count
    previous: Count
    year_earlier: Count
    records: int
    #: people in records whose date window begins before the period (imprecise dates)
    imprecise: int = 0

    @property
    def change_previous(self) -> Change:
        return Change(self.current, self.previous)

    @property
    def change_year(self) -> Change:
        return Change(self.current, self.year_earlier)


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a category with its count in the period and the one before."""

    key: str
    current: Count
    previous: Count
    records: int = 0


@dataclass(frozen=True)
class Group:
    """A country of detention and nationality at the period's end: the derived measure, with
    the counts it is derived from (sums of the published periods up to the end)."""

    country: str
    nationality: str
    detained_to_date: Count
    repatriated_to_date: Count
    not_returned: Count


@dataclass(frozen=True)
class Finding:
    """A day on which a group's records show more people repatriated than detained."""

    country: str
    nationality: str
    date: dt.date
    not_returned: int
    detained_to_date: int
    repatriated_to_date: int
    record_ids: tuple[str, ...]


@dataclass(frozen=True)
class Revision:
    """A published figure that changed since the previous release (provided by publishing)."""

    table: str
    period: str
    country: str
    nationality: str
    measure: str
    old: int | None
    new: int | None


@dataclass(frozen=True)
class Collection:
    """What a dataset's collection covers in this release (``config/coverage.yaml``)."""

    dataset: str
    first: dt.date | None
    last: dt.date | None
    nationalities: tuple[str, ...] = ()
    scope: str = ""


@dataclass
class Figures:
    period: Period
    previous: Period
    year_earlier: Period
    as_of: dt.date
    first_event: dt.date
    last_event: dt.date
    provisional: bool
    scope: tuple[str, ...]
    collections: dict[str, Collection]
    headlines: dict[str, Headline]
    series: list[dict[str, Any]]  # per period: label, detained, repatriated (Counts)
    detentions_by_country: list[Row]
    detentions_by_nationality: list[Row]
    detentions_by_reason: list[Row]
    detentions_total: Row
    repatriations_by_mode: list[Row]
    repatriations_by_nationality: list[Row]
    repatriations_total: Row
    arrested: dict[str, int]
    fatalities_by_status: list[Row]
    fatalities_by_cause: list[Row]
    fatalities_excluded: list[dict[str, Any]]
    groups: list[Group]
    not_returned_total: Count
    not_returned_series: list[dict[str, Any]]  # per period and country of detention
    reconciliation: list[Finding]
    comparisons: list[dict[str, Any]]  # reported_vs_recorded rows dated in the period
    reliability_mix: list[dict[str, Any]]
    other_figures: list[dict[str, Any]]  # records with another source's figure
    precision_mix: list[dict[str, Any]]
    largest: dict[str, dict[str, Any]]  # the largest detention and repatriation record
    validation_warnings: dict[str, int]
    revisions: list[Revision] | None = None
    records_in_period: int = 0
    provisional_periods: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unit(self) -> str:
        """``quarter`` or ``month``: the bulletin's period."""
        return "quarter" if "Q" in self.period.label else "month"

    @property
    def latest_findings(self) -> list[tuple[Finding, Count | None]]:
        """Each group's latest reconciliation finding up to the period's end, in order of
        country and nationality, with the group's figure at the period's end (None when the
        group has none)."""
        latest: dict[tuple[str, str], Finding] = {}
        for finding in self.reconciliation:  # ordered by group, then date
            latest[(finding.country, finding.nationality)] = finding
        at_end = {(g.country, g.nationality): g.not_returned for g in self.groups}
        return [(f, at_end.get(key)) for key, f in sorted(latest.items())]

    @property
    def negative_groups(self) -> list[Group]:
        """Groups whose published figure at the period's end is below zero."""
        return [g for g in self.groups
                if g.not_returned.available and (g.not_returned.value or 0) < 0]

    @property
    def groups_with_figure(self) -> list[Group]:
        return [g for g in self.groups if g.not_returned.available]


# ----------------------------------------------------------------------------- SQL helpers

#: One row per event of the three datasets, with the country where it happened.
EVENTS_SQL = """
SELECT 'detentions' AS dataset, record_id, event_date, date_precision, country, nationality,
       persons, persons_qualifier, source_id, other_persons, other_source_id FROM detentions
UNION ALL
SELECT 'repatriations', record_id, event_date, date_precision, from_country, nationality,
       persons, persons_qualifier, source_id, other_persons, other_source_id FROM repatriations
UNION ALL
SELECT 'fatalities', record_id, event_date, date_precision, country, nationality,
       persons, persons_qualifier, source_id, other_persons, other_source_id FROM fatalities
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _in(column: str, values: Sequence[str]) -> tuple[str, list[str]]:
    """``AND column IN (?, ...)``; nothing for no values (no restriction)."""
    if not values:
        return "", []
    return f"AND {column} IN ({', '.join('?' for _ in values)})", list(values)


def _in_scope(scope: Sequence[str]) -> tuple[str, list[str]]:
    if not scope:
        return "AND false", []
    return _in("scam_link", scope)


# ----------------------------------------------------------------------------- published tables


class Published:
    """The release's summary of the bulletin's kind, indexed by (period, country, nationality),
    with the coverage spans and the provisional periods."""

    def __init__(self, rows: list[dict[str, Any]], spans: Mapping[str, Any]) -> None:
        self.rows = {(r["period"], r["country"], r["nationality"]): r for r in rows}
        self.spans = spans
        self.provisional = {r["period"] for r in rows
                            if any("[p]" in str(r.get(k) or "").split()
                                   for k in r if k.endswith("_status"))}
        self.periods = sorted({r["period"] for r in rows})

    def period_status(self, label: str) -> str:
        return "[p]" if label in self.provisional else ""

    def coverage(self, dataset: str, period: Period, nationality: str = TOTAL) -> str:
        span = self.spans[dataset]
        if nationality != TOTAL and not span.collects(nationality):
            return "none"
        return span.covers(period)

    def count(self, measure: str, dataset: str, period: Period, country: str = TOTAL,
              nationality: str = TOTAL) -> Count:
        """The published cell, or what the table's absent row means: 0 where the dataset covers
        the period, ``[x]`` where it does not."""
        covered = self.coverage(dataset, period, nationality)
        row = self.rows.get((period.label, country, nationality))
        if row is None:
            if covered == "none":
                return Count(None, "exact", add_flag(self.period_status(period.label), "[x]"),
                             covered)
            return Count(0, "exact", self.period_status(period.label), covered)
        return Count(row[measure], row.get(f"{measure}_qualifier") or "exact",
                     row.get(f"{measure}_status") or "", covered)


def published_tables(con: duckdb.DuckDBPyConnection, period: Period, coverage: Coverage,
                     as_of: dt.date, provisional: bool,
                     tables: Mapping[str, Any] | None = None
                     ) -> tuple[Published, list[dict[str, Any]]]:
    """The summary of the bulletin's kind and the reported-vs-recorded rows, as the release
    publishes them: taken from ``tables`` (a release's published tables) where they are there,
    else made here by the functions publishing uses (no ``[r]`` without a previous release)."""
    from toolkit.publish.revisions import flag_revisions
    from toolkit.publish.specs import COMPARISONS, summary_spec
    from toolkit.publish.summaries import (
        comparisons_table,
        coverage_spans,
        provisional_labels,
        summary_table,
    )
    from toolkit.publish.tables import finalise, summary_periods
    from toolkit.warehouse import first_event_date

    tables = tables or {}
    spans = coverage_spans(con, coverage, as_of)
    kind = "quarterly" if "Q" in period.label else "monthly"
    spec = summary_spec(kind)
    frame = tables.get(spec.name)
    if frame is None:
        quarters, months = summary_periods(first_event_date(con), period)
        latest = provisional_labels(period, quarters, months) if provisional else (set(), set())
        periods, flagged = (quarters, latest[0]) if kind == "quarterly" else (months, latest[1])
        frame = summary_table(con, spec, periods, spans)
        frame, _ = flag_revisions(frame, spec, None, None, flagged)
        frame = finalise(frame, spec)
    comparisons = tables.get(COMPARISONS.name)
    if comparisons is None:
        comparisons = finalise(comparisons_table(con, COMPARISONS, spans), COMPARISONS)
    rows = [r for r in frame.to_dicts() if r["period"] <= period.label]
    return Published(rows, spans), comparisons.to_dicts()


# ----------------------------------------------------------------------------- queries


def _records(con, table: str, period: Period, extra: str = "", params=()) -> int:
    rows = con.execute(f"SELECT count(*) FROM {table} WHERE event_date BETWEEN ? AND ? {extra}",
                       [period.start, period.end, *params]).fetchall()
    return int(rows[0][0])


def imprecise_people(con: duckdb.DuckDBPyConnection, table: str, period: Period,
                     extra: str = "", params: Sequence[Any] = ()) -> int:
    """People in records of ``period`` whose date window begins before it (the summaries' rule
    for "rests partly on imprecise dates")."""
    from toolkit.warehouse import WINDOW_START

    rows = con.execute(
        f"SELECT coalesce(sum(persons), 0) FROM {table} WHERE event_date BETWEEN ? AND ? "
        f"AND {WINDOW_START} < ? {extra}", [period.start, period.end, period.start, *params]
    ).fetchall()
    return int(rows[0][0])


def _sql_breakdown(con, table: str, column: str, periods: tuple[Period, Period],
                   statuses: tuple[str, str], coverages: tuple[str, str],
                   categories: Sequence[str] = (), where: str = "", params=()) -> list[Row]:
    """Persons by ``column`` in the period and the one before, with qualifiers; ``[x]`` (no
    value) where the dataset does not cover a period."""
    now, before = periods
    rows = _rows(con, f"""
        SELECT {column} AS key,
               sum(persons) FILTER (WHERE event_date BETWEEN ? AND ?) AS persons,
               bool_or(persons_qualifier = 'at_least') FILTER (WHERE event_date BETWEEN ? AND ?)
                   AS at_least,
               bool_or(persons_qualifier = 'about') FILTER (WHERE event_date BETWEEN ? AND ?)
                   AS about,
               count(*) FILTER (WHERE event_date BETWEEN ? AND ?) AS records,
               sum(persons) FILTER (WHERE event_date BETWEEN ? AND ?) AS previous,
               bool_or(persons_qualifier = 'at_least') FILTER (WHERE event_date BETWEEN ? AND ?)
                   AS previous_at_least,
               bool_or(persons_qualifier = 'about') FILTER (WHERE event_date BETWEEN ? AND ?)
                   AS previous_about
        FROM {table}
        WHERE (event_date BETWEEN ? AND ? OR event_date BETWEEN ? AND ?) {where}
        GROUP BY ALL
    """, [*([now.start, now.end] * 4), *([before.start, before.end] * 3),
          now.start, now.end, before.start, before.end, *params])
    found = {r["key"]: r for r in rows}

    def count(value, at_least, about, status, covered) -> Count:
        if covered == "none":
            return Count(None, "exact", add_flag(status, "[x]"), covered)
        qualifier = "at_least" if at_least else "about" if about else "exact"
        return Count(int(value or 0), qualifier, status, covered)

    out = []
    for key in list(categories) + sorted(k for k in found if k not in categories):
        r = found.get(key, {})
        out.append(Row(key,
                       count(r.get("persons"), r.get("at_least"), r.get("about"), statuses[0],
                             coverages[0]),
                       count(r.get("previous"), r.get("previous_at_least"),
                             r.get("previous_about"), statuses[1], coverages[1]),
                       int(r.get("records") or 0)))
    return out


def _sort_rows(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-(r.current.value or 0), -(r.previous.value or 0), r.key))


def _published_breakdown(pub: Published, measure: str, dataset: str, now: Period,
                         before: Period, by: str) -> list[Row]:
    """Rows of the published summary by country (``by='country'``, nationality ALL) or by
    nationality (country ALL) with a count in either period."""
    keys = set()
    for (label, country, nat), row in pub.rows.items():
        if label not in (now.label, before.label) or not row.get(measure):
            continue
        if by == "country" and nat == TOTAL and country != TOTAL:
            keys.add(country)
        if by == "nationality" and country == TOTAL and nat != TOTAL:
            keys.add(nat)
    out = []
    for key in keys:
        place, nat = (key, TOTAL) if by == "country" else (TOTAL, key)
        out.append(Row(key, pub.count(measure, dataset, now, place, nat),
                       pub.count(measure, dataset, before, place, nat)))
    return _sort_rows(out)


def _groups(pub: Published, period: Period) -> list[Group]:
    """Every country and nationality group in the summary at the period's end, with a figure or
    not ([x]); groups where the measure does not apply ([z]) are left out."""
    out = []
    for (label, country, nat), _row in sorted(pub.rows.items()):
        if label != period.label or TOTAL in (country, nat):
            continue
        value = pub.count("not_returned_at_end", "detentions", period, country, nat)
        if value.has("[z]"):
            continue
        so_far = [r for (lab, c, n), r in pub.rows.items()
                  if (c, n) == (country, nat) and lab <= period.label]
        to_date = []
        for measure in ("detained", "repatriated"):
            cells = [Count(r[measure], r.get(f"{measure}_qualifier") or "exact") for r in so_far]
            total, qualifier = combine(cells)
            to_date.append(Count(total, qualifier, pub.period_status(period.label)))
        out.append(Group(country, nat, to_date[0], to_date[1], value))
    return out


def _series(pub: Published, periods: Sequence[str]) -> list[dict[str, Any]]:
    """Detained and repatriated over every country and nationality, period by period."""
    from toolkit.periods import parse_period

    out = []
    for label in periods:
        p = parse_period(label)
        out.append({"period": label, "start": p.start, "end": p.end,
                    "detained": pub.count("detained", "detentions", p),
                    "repatriated": pub.count("repatriated", "repatriations", p)})
    return out


def _not_returned_series(pub: Published, periods: Sequence[str]) -> list[dict[str, Any]]:
    """The derived measure at each period's end by country of detention (its all-nationality
    row), and over all countries (``ALL``, last); ``[z]`` with no value before a country's first
    record. A country where the measure never applies (deaths only) is left out."""
    from toolkit.periods import parse_period

    countries = sorted({c for (_, c, n), r in pub.rows.items() if c != TOTAL and n == TOTAL
                        and "[z]" not in str(r.get("not_returned_at_end_status") or "").split()})
    countries.append(TOTAL)
    out = []
    for label in periods:
        p = parse_period(label)
        for country in countries:
            row = pub.rows.get((label, country, TOTAL))
            if row is None:
                cell = Count(None, "exact", add_flag(pub.period_status(label), "[z]"))
            else:
                cell = Count(row["not_returned_at_end"],
                             row.get("not_returned_at_end_qualifier") or "exact",
                             row.get("not_returned_at_end_status") or "")
            out.append({"period": label, "end": p.end, "country": country, "value": cell})
    return out


def reconciliation(con: duckdb.DuckDBPyConnection, end: dt.date) -> list[Finding]:
    rows = _rows(con, """
        SELECT country, nationality, date, not_returned, detained_to_date, repatriated_to_date,
               record_ids
        FROM reconciliation_findings WHERE date <= ? ORDER BY country, nationality, date
    """, [end])
    return [Finding(r["country"], r["nationality"], r["date"], int(r["not_returned"]),
                    int(r["detained_to_date"]), int(r["repatriated_to_date"]),
                    tuple(r["record_ids"].split(";"))) for r in rows]


def _largest(con, table: str, country: str, period: Period, extra: str = "") -> dict | None:
    rows = _rows(con, f"""
        SELECT record_id, event_date, date_precision, {country} AS country, nationality,
               persons, persons_qualifier {extra}
        FROM {table} WHERE event_date BETWEEN ? AND ?
        ORDER BY persons DESC, event_date, record_id LIMIT 1
    """, [period.start, period.end])
    return rows[0] if rows else None


def _collections(spans: Mapping[str, Any], coverage: Coverage) -> dict[str, Collection]:
    return {name: Collection(name, s.first, s.last, tuple(s.nationalities),
                             coverage.of(name).scope) for name, s in spans.items()}


def default_provisional(con: duckdb.DuckDBPyConnection, period: Period, as_of: dt.date,
                        coverage: Coverage) -> bool:
    """Whether ``period`` is the one a release as of ``as_of`` would publish by default (and
    so flag provisional)."""
    from toolkit.publish.connection import default_period

    return period == default_period(as_of, con, coverage)


def compute_figures(con: duckdb.DuckDBPyConnection, period: Period, *, as_of: dt.date | None = None,
                    scope: Sequence[str] = DEFAULT_SCOPE,
                    revisions: list[Revision] | None = None,
                    provisional: bool | None = None,
                    coverage: Coverage | None = None,
                    tables: Mapping[str, Any] | None = None) -> Figures:
    """All the bulletin's numbers for ``period`` from an open warehouse (or release) connection.

    ``coverage`` defaults to the configuration's; ``tables`` are a release's published tables
    (the summaries and ``reported_vs_recorded`` are read from them when there).
    """
    from toolkit.config import load_config
    from toolkit.warehouse import first_event_date, last_event_date

    scope = tuple(scope)
    unknown = [s for s in scope if s not in SCAM_LINKS]
    if unknown:
        raise ValueError(f"unknown scam_link value(s) in the scope rule: {', '.join(unknown)}")
    if coverage is None:
        coverage = load_config().coverage
    prev, year = previous(period), year_earlier(period)
    if as_of is None:
        row = con.execute("SELECT value FROM load_info WHERE key = 'as_of'").fetchall()[0]
        as_of = dt.date.fromisoformat(row[0])
    first, last = first_event_date(con), last_event_date(con)
    if first is None or last is None:
        raise ValueError("the warehouse holds no events")
    if provisional is None:
        provisional = default_provisional(con, period, as_of, coverage)

    pub, comparisons = published_tables(con, period, coverage, as_of, bool(provisional), tables)
    fat = pub.spans["fatalities"]
    collected, collected_params = _in("nationality", tuple(fat.nationalities))
    clause, scope_params = _in_scope(scope)
    deaths_where, deaths_params = f"{clause} {collected}", [*scope_params, *collected_params]

    def deaths(p: Period) -> Count:
        covered = fat.covers(p)
        status = pub.period_status(p.label)
        for nat in (fat.nationalities or (TOTAL,)):
            cell = pub.rows.get((p.label, TOTAL, nat))
            if cell is not None and "[r]" in str(cell.get("died_status") or "").split():
                status = add_flag(status, "[r]")
        if covered == "none":
            return Count(None, "exact", add_flag(status, "[x]"), covered)
        r = _rows(con, f"""
            SELECT coalesce(sum(persons), 0) AS persons,
                   coalesce(bool_or(persons_qualifier = 'at_least'), false) AS at_least,
                   coalesce(bool_or(persons_qualifier = 'about'), false) AS about
            FROM fatalities WHERE event_date BETWEEN ? AND ? {deaths_where}
        """, [p.start, p.end, *deaths_params])[0]
        qualifier = "at_least" if r["at_least"] else "about" if r["about"] else "exact"
        return Count(int(r["persons"]), qualifier, status, covered)

    def arrested_count(p: Period) -> Count:
        status = pub.period_status(p.label)
        covered = pub.coverage("repatriations", p)
        if covered == "none":
            return Count(None, "exact", add_flag(status, "[x]"), covered)
        r = _rows(con, """
            SELECT coalesce(sum(persons), 0) AS persons,
                   coalesce(sum(arrested_on_arrival), 0) AS arrested,
                   count(*) FILTER (WHERE arrested_on_arrival IS NOT NULL) AS reporting,
                   count(*) FILTER (WHERE arrested_on_arrival IS NULL) AS silent
            FROM repatriations WHERE event_date BETWEEN ? AND ?
        """, [p.start, p.end])[0]
        if r["persons"] == 0:
            return Count(0, "exact", status, covered)
        if r["reporting"] == 0:  # unknown is never 0
            return Count(None, "exact", add_flag(status, "[x]"), covered)
        return Count(int(r["arrested"]), "at_least" if r["silent"] else "exact", status, covered)

    headlines = {
        "detained": Headline(
            "detained", "People detained",
            *(pub.count("detained", "detentions", p) for p in (period, prev, year)),
            _records(con, "detentions", period), imprecise_people(con, "detentions", period)),
        "repatriated": Headline(
            "repatriated", "People repatriated",
            *(pub.count("repatriated", "repatriations", p) for p in (period, prev, year)),
            _records(con, "repatriations", period),
            imprecise_people(con, "repatriations", period)),
        "arrested_on_arrival": Headline(
            "arrested_on_arrival", "Arrested on arrival",
            *(arrested_count(p) for p in (period, prev, year)),
            _records(con, "repatriations", period, "AND arrested_on_arrival IS NOT NULL")),
        "deaths": Headline(
            "deaths", "Deaths in scope", *(deaths(p) for p in (period, prev, year)),
            _records(con, "fatalities", period, deaths_where, deaths_params),
            imprecise_people(con, "fatalities", period, deaths_where, deaths_params)),
    }

    arrested = _rows(con, """
        SELECT coalesce(sum(persons) FILTER (WHERE arrested_on_arrival IS NOT NULL), 0)
                   AS persons_reported,
               coalesce(sum(arrested_on_arrival), 0) AS arrested,
               coalesce(sum(persons) FILTER (WHERE arrested_on_arrival IS NULL), 0)
                   AS persons_not_reported,
               count(*) FILTER (WHERE arrested_on_arrival IS NULL) AS records_not_reported,
               count(*) FILTER (WHERE arrested_on_arrival IS NOT NULL) AS records_reported
        FROM repatriations WHERE event_date BETWEEN ? AND ?
    """, [period.start, period.end])[0]

    both = (period, prev)
    statuses = (pub.period_status(period.label), pub.period_status(prev.label))

    def covers(dataset: str) -> tuple[str, str]:
        return (pub.coverage(dataset, period), pub.coverage(dataset, prev))

    status_rows = _sql_breakdown(con, "fatalities", "scam_link", both, statuses,
                                 (fat.covers(period), fat.covers(prev)), SCAM_LINKS, collected,
                                 collected_params)
    by_cause = _sql_breakdown(con, "fatalities", "cause", both, statuses,
                              (fat.covers(period), fat.covers(prev)), CAUSES, deaths_where,
                              deaths_params)
    excl_clause = clause.replace("AND scam_link IN", "AND scam_link NOT IN") if scope else ""
    excluded = _rows(con, f"""
        SELECT record_id, event_date, country, nationality, persons, cause, scam_link
        FROM fatalities WHERE event_date BETWEEN ? AND ? {excl_clause} {collected}
        ORDER BY event_date, record_id
    """, [period.start, period.end, *scope_params, *collected_params])

    period_events = f"SELECT * FROM ({EVENTS_SQL}) WHERE event_date BETWEEN ? AND ?"
    mix = _rows(con, f"""
        SELECT s.reliability, count(DISTINCT e.source_id) AS sources, count(*) AS records
        FROM ({period_events}) e JOIN sources s USING (source_id)
        GROUP BY s.reliability ORDER BY s.reliability DESC
    """, [period.start, period.end])
    found = {r["reliability"]: r for r in mix}
    reliability_mix = [{"reliability": k,
                        "sources": int(found.get(k, {}).get("sources", 0)),
                        "records": int(found.get(k, {}).get("records", 0))}
                       for k in RELIABILITY_GRADES]
    other_figures = _rows(con, f"""
        SELECT e.dataset, e.record_id, e.event_date, e.country, e.nationality, e.persons,
               coalesce(e.persons_qualifier, 'exact') AS persons_qualifier, e.source_id,
               a.publisher AS publisher, e.other_persons, e.other_source_id,
               b.publisher AS other_publisher
        FROM ({period_events}) e
        LEFT JOIN sources a ON a.source_id = e.source_id
        LEFT JOIN sources b ON b.source_id = e.other_source_id
        WHERE e.other_persons IS NOT NULL
        ORDER BY e.dataset, e.event_date, e.record_id
    """, [period.start, period.end])
    precision = _rows(con, f"""
        SELECT date_precision AS key, count(*) AS records FROM ({period_events})
        GROUP BY ALL ORDER BY records DESC, key
    """, [period.start, period.end])
    largest = {}
    det = _largest(con, "detentions", "country", period, ", location, reason")
    if det:
        largest["detained"] = det
    rep = _largest(con, "repatriations", "from_country", period, ", mode")
    if rep:
        largest["repatriated"] = rep
    warnings = dict(con.execute("SELECT rule, count(*) FROM findings WHERE severity = 'warning' "
                                "GROUP BY rule ORDER BY rule").fetchall())

    authorities = dict(con.execute("SELECT record_id, authority FROM reported_figures")
                       .fetchall())
    periods = [p for p in pub.periods if p <= period.label]
    total = pub.rows.get((period.label, TOTAL, TOTAL))
    not_returned_total = Count(
        None if total is None else total["not_returned_at_end"],
        (total or {}).get("not_returned_at_end_qualifier") or "exact",
        (total or {}).get("not_returned_at_end_status") or "[z]")

    def total_row(measure: str, dataset: str) -> Row:
        return Row(TOTAL, pub.count(measure, dataset, period), pub.count(measure, dataset, prev))

    return Figures(
        period=period, previous=prev, year_earlier=year, as_of=as_of,
        first_event=first, last_event=last, provisional=bool(provisional), scope=scope,
        collections=_collections(pub.spans, coverage),
        headlines=headlines,
        series=_series(pub, periods),
        detentions_by_country=_published_breakdown(pub, "detained", "detentions", period, prev,
                                                   "country"),
        detentions_by_nationality=_published_breakdown(pub, "detained", "detentions", period,
                                                       prev, "nationality"),
        detentions_by_reason=_sql_breakdown(con, "detentions", "reason", both, statuses,
                                            covers("detentions"), REASONS),
        detentions_total=total_row("detained", "detentions"),
        repatriations_by_mode=_sort_rows(_sql_breakdown(con, "repatriations", "mode", both,
                                                        statuses, covers("repatriations"),
                                                        MODES)),
        repatriations_by_nationality=_published_breakdown(pub, "repatriated", "repatriations",
                                                          period, prev, "nationality"),
        repatriations_total=total_row("repatriated", "repatriations"),
        arrested={k: int(v) for k, v in arrested.items()},
        fatalities_by_status=status_rows,
        fatalities_by_cause=by_cause,
        fatalities_excluded=excluded,
        groups=_groups(pub, period),
        not_returned_total=not_returned_total,
        not_returned_series=_not_returned_series(pub, periods),
        reconciliation=reconciliation(con, period.end),
        comparisons=[{**r, "authority": authorities.get(r["record_id"], "")}
                     for r in comparisons if period.start <= r["date"] <= period.end],
        reliability_mix=reliability_mix,
        other_figures=other_figures,
        precision_mix=precision,
        largest=largest,
        validation_warnings={k: int(v) for k, v in warnings.items()},
        revisions=revisions,
        records_in_period=sum(r["records"] for r in reliability_mix),
        provisional_periods=tuple(sorted(pub.provisional)),
    )
