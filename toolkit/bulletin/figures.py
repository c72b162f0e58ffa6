"""Every number of the quarterly bulletin, as queries over the warehouse.

The bulletin's text, tables and charts only display what :func:`compute_figures` returns: plain
dataclasses and dicts, computed here with DuckDB SQL over the warehouse tables and views
(``detentions``, ``repatriations``, ``fatalities``, ``sources``, ``not_returned``,
``reconciliation_findings``, ``findings``). Nothing in this module formats text for a reader.

:class:`Figures` is sent to the chart process, which imports this module: DuckDB and the
warehouse package are imported only where a query runs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.bulletin.names import RELIABILITY
from toolkit.config import DEFAULT_SCOPE, SCAM_LINKS
from toolkit.periods import (
    Period,
    latest_complete_quarter,
    previous,
    quarters_between,
    year_earlier,
)

if TYPE_CHECKING:
    import duckdb

REASONS: tuple[str, ...] = ("suspected_scam_involvement", "immigration_violation",
                            "rescued_victim", "other")
MODES: tuple[str, ...] = ("charter_flight", "commercial_flight", "military_flight", "land", "sea",
                          "other", "unknown")
CAUSES: tuple[str, ...] = ("violence", "medical", "suicide", "accident", "undetermined")

#: Notes that report another source's figure or date (the rule is stated in the bulletin).
DISAGREEMENT_PATTERN = re.compile(
    r"\b(gives|give|differ|differs|accounts differ|another report|aggregator|dates the|"
    r"or \d{1,2} \w+ \(|reported \d)\b|\bSRC-\d+",
    re.IGNORECASE,
)


# ----------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class Change:
    """Change from ``base`` to ``current``; a percentage only when the base is not zero."""

    current: int
    base: int

    @property
    def absolute(self) -> int:
        return self.current - self.base

    @property
    def comparable(self) -> bool:
        return self.base != 0

    @property
    def percent(self) -> float | None:
        if not self.comparable:
            return None
        return 100.0 * (self.current - self.base) / self.base


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    current: int
    previous: int
    year_earlier: int
    records: int

    @property
    def change_previous(self) -> Change:
        return Change(self.current, self.previous)

    @property
    def change_year(self) -> Change:
        return Change(self.current, self.year_earlier)


@dataclass(frozen=True)
class StockGroup:
    """People recorded as detained minus people recorded as repatriated, for one group."""

    country: str
    nationality: str
    detained_to_date: int
    repatriated_to_date: int
    held: int | None          # None where the records cannot support a stock
    supported: bool
    first_negative: dt.date | None = None
    lowest: int | None = None  # the most negative stock reached, where unsupported


@dataclass(frozen=True)
class Finding:
    """A date on which a group's stock computed from the records is negative."""

    country: str
    nationality: str
    date: dt.date
    held: int
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
    headlines: dict[str, Headline]
    detentions_by_country: list[dict[str, Any]]
    detentions_by_nationality: list[dict[str, Any]]
    detentions_by_reason: list[dict[str, Any]]
    repatriations_by_mode: list[dict[str, Any]]
    repatriations_by_nationality: list[dict[str, Any]]
    arrested: dict[str, int]
    fatalities_by_status: list[dict[str, Any]]
    fatalities_by_cause: list[dict[str, Any]]
    fatalities_excluded: list[dict[str, Any]]
    stock_groups: list[StockGroup]
    stock_series: list[dict[str, Any]]
    reconciliation: list[Finding]
    reliability_mix: list[dict[str, Any]]
    disagreements: list[dict[str, Any]]
    precision_mix: list[dict[str, Any]]
    quarterly_series: list[dict[str, Any]]
    largest_events: list[dict[str, Any]]
    validation_warnings: dict[str, int]
    revisions: list[Revision] | None = None
    records_in_period: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unsupported_groups(self) -> list[StockGroup]:
        return [g for g in self.stock_groups if not g.supported]

    @property
    def supported_groups(self) -> list[StockGroup]:
        return [g for g in self.stock_groups if g.supported]


# ----------------------------------------------------------------------------- SQL

#: One row per event of the three datasets, with the country where it happened.
EVENTS_SQL = """
SELECT 'detentions' AS dataset, record_id, event_date, date_precision, country, nationality,
       persons, source_id, notes FROM detentions
UNION ALL
SELECT 'repatriations', record_id, event_date, date_precision, from_country, nationality,
       persons, source_id, notes FROM repatriations
UNION ALL
SELECT 'fatalities', record_id, event_date, date_precision, country, nationality,
       persons, source_id, notes FROM fatalities
"""


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]) -> int:
    rows = con.execute(sql, list(params)).fetchall()  # fetchall: leave no unfinished result
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _sum_persons(con, table: str, period: Period, extra: str = "", params=()) -> int:
    return _scalar(con, f"SELECT sum(persons) FROM {table} WHERE event_date BETWEEN ? AND ? "
                   f"{extra}", [period.start, period.end, *params])


def _count(con, table: str, period: Period, extra: str = "", params=()) -> int:
    return _scalar(con, f"SELECT count(*) FROM {table} WHERE event_date BETWEEN ? AND ? {extra}",
                   [period.start, period.end, *params])


def _in_scope(scope: Sequence[str]) -> tuple[str, list[str]]:
    if not scope:
        return "AND false", []
    return f"AND scam_link IN ({', '.join('?' for _ in scope)})", list(scope)


def headline_values(con: duckdb.DuckDBPyConnection, period: Period,
                    scope: Sequence[str]) -> dict[str, int]:
    """The four headline counts for one period."""
    clause, params = _in_scope(scope)
    return {
        "detained": _sum_persons(con, "detentions", period),
        "repatriated": _sum_persons(con, "repatriations", period),
        "arrested_on_arrival": _scalar(
            con, "SELECT sum(arrested_on_arrival) FROM repatriations "
            "WHERE event_date BETWEEN ? AND ?", [period.start, period.end]),
        "deaths": _sum_persons(con, "fatalities", period, clause, params),
    }


def headline_records(con: duckdb.DuckDBPyConnection, period: Period,
                     scope: Sequence[str]) -> dict[str, int]:
    clause, params = _in_scope(scope)
    return {
        "detained": _count(con, "detentions", period),
        "repatriated": _count(con, "repatriations", period),
        "arrested_on_arrival": _count(con, "repatriations", period,
                                      "AND arrested_on_arrival IS NOT NULL"),
        "deaths": _count(con, "fatalities", period, clause, params),
    }


HEADLINE_LABELS = {
    "detained": "People detained",
    "repatriated": "People repatriated",
    "arrested_on_arrival": "Arrested on arrival",
    "deaths": "Deaths in scope",
}


def _breakdown(con, table: str, column: str, period: Period, prev: Period,
               categories: Sequence[str] = (), where: str = "", params=()) -> list[dict]:
    """Persons and records by ``column`` in the period, with the previous period's persons."""
    rows = _rows(con, f"""
        SELECT {column} AS key,
               sum(persons) FILTER (WHERE event_date BETWEEN ? AND ?) AS persons,
               count(*) FILTER (WHERE event_date BETWEEN ? AND ?) AS records,
               sum(persons) FILTER (WHERE event_date BETWEEN ? AND ?) AS previous
        FROM {table}
        WHERE (event_date BETWEEN ? AND ? OR event_date BETWEEN ? AND ?) {where}
        GROUP BY ALL
    """, [period.start, period.end, period.start, period.end, prev.start, prev.end,
          period.start, period.end, prev.start, prev.end, *params])
    found = {r["key"]: r for r in rows}
    out = []
    for key in list(categories) + sorted(k for k in found if k not in categories):
        r = found.get(key, {})
        out.append({"key": key, "persons": int(r.get("persons") or 0),
                    "records": int(r.get("records") or 0),
                    "previous": int(r.get("previous") or 0)})
    if not categories:
        out.sort(key=lambda r: (-r["persons"], -r["previous"], r["key"]))
    return out


def stock_groups(con: duckdb.DuckDBPyConnection, end: dt.date) -> list[StockGroup]:
    """Each country x nationality group with records up to ``end``; supported if never negative."""
    rows = _rows(con, """
        SELECT country, nationality,
               arg_max(detained_to_date, date) AS detained_to_date,
               arg_max(repatriated_to_date, date) AS repatriated_to_date,
               arg_max(not_returned, date) AS held,
               min(not_returned) AS lowest,
               min(date) FILTER (WHERE not_returned < 0) AS first_negative
        FROM not_returned WHERE date <= ?
        GROUP BY country, nationality
        ORDER BY country, nationality
    """, [end])
    out = []
    for r in rows:
        supported = r["lowest"] >= 0
        out.append(StockGroup(
            country=r["country"], nationality=r["nationality"],
            detained_to_date=int(r["detained_to_date"]),
            repatriated_to_date=int(r["repatriated_to_date"]),
            held=int(r["held"]) if supported else None, supported=supported,
            first_negative=r["first_negative"],
            lowest=None if supported else int(r["lowest"]),
        ))
    return out


def stock_series(con: duckdb.DuckDBPyConnection, groups: Sequence[StockGroup],
                 quarters: Sequence[Period]) -> list[dict[str, Any]]:
    """Held at each quarter end by country of detention, over the supported groups only."""
    supported = [(g.country, g.nationality) for g in groups if g.supported]
    if not supported or not quarters:
        return []
    # parameters only, no temporary tables: the connection may be read-only or shared
    groups_sql = ", ".join("(?, ?)" for _ in supported)
    quarters_sql = ", ".join("(?, ?::DATE)" for _ in quarters)
    params = [v for pair in supported for v in pair]
    params += [v for q in quarters for v in (q.label, q.end)]
    rows = _rows(con, f"""
        WITH g(country, nationality) AS (VALUES {groups_sql}),
             q(period, quarter_end) AS (VALUES {quarters_sql}),
             at_end AS (
            SELECT q.period, q.quarter_end, g.country, g.nationality,
                   coalesce((SELECT arg_max(s.not_returned, s.date) FROM not_returned s
                             WHERE s.country = g.country AND s.nationality = g.nationality
                               AND s.date <= q.quarter_end), 0) AS held
            FROM q CROSS JOIN g
        )
        SELECT period, quarter_end, country, sum(held)::BIGINT AS held
        FROM at_end GROUP BY ALL ORDER BY quarter_end, country
    """, params)
    return [{**r, "held": int(r["held"])} for r in rows]


def reconciliation(con: duckdb.DuckDBPyConnection, end: dt.date) -> list[Finding]:
    rows = _rows(con, """
        SELECT country, nationality, date, not_returned AS held, detained_to_date, repatriated_to_date, record_ids
        FROM reconciliation_findings WHERE date <= ? ORDER BY country, nationality, date
    """, [end])
    return [Finding(r["country"], r["nationality"], r["date"], int(r["held"]),
                    int(r["detained_to_date"]), int(r["repatriated_to_date"]),
                    tuple(r["record_ids"].split(";"))) for r in rows]


def quarterly_series(con: duckdb.DuckDBPyConnection, quarters: Sequence[Period],
                     scope: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for q in quarters:
        values = headline_values(con, q, scope)
        out.append({"period": q.label, "start": q.start, "end": q.end,
                    "detained": values["detained"], "repatriated": values["repatriated"],
                    "deaths": values["deaths"]})
    return out


def compute_figures(con: duckdb.DuckDBPyConnection, period: Period, *, as_of: dt.date | None = None,
                    scope: Sequence[str] = DEFAULT_SCOPE,
                    revisions: list[Revision] | None = None,
                    provisional: bool | None = None) -> Figures:
    """All the bulletin's numbers for ``period`` from an open warehouse connection."""
    from toolkit.warehouse import first_event_date, last_event_date  # (see the module docstring)

    scope = tuple(scope)
    unknown = [s for s in scope if s not in SCAM_LINKS]
    if unknown:
        raise ValueError(f"unknown scam_link value(s) in the scope rule: {', '.join(unknown)}")
    prev, year = previous(period), year_earlier(period)
    if as_of is None:
        row = con.execute("SELECT value FROM load_info WHERE key = 'as_of'").fetchall()[0]
        as_of = dt.date.fromisoformat(row[0])
    first, last = first_event_date(con), last_event_date(con)
    if first is None:
        raise ValueError("the warehouse holds no events")
    if provisional is None:
        # as publishing flags it: the release's period (the latest complete quarter with data)
        provisional = period == latest_complete_quarter(as_of, last)

    values = {p: headline_values(con, p, scope) for p in (period, prev, year)}
    records = headline_records(con, period, scope)
    headlines = {key: Headline(key, HEADLINE_LABELS[key], values[period][key], values[prev][key],
                               values[year][key], records[key]) for key in HEADLINE_LABELS}

    clause, scope_params = _in_scope(scope)
    arrested = _rows(con, """
        SELECT coalesce(sum(persons) FILTER (WHERE arrested_on_arrival IS NOT NULL), 0)
                   AS persons_reported,
               coalesce(sum(arrested_on_arrival), 0) AS arrested,
               coalesce(sum(persons) FILTER (WHERE arrested_on_arrival IS NULL), 0)
                   AS persons_not_reported,
               count(*) FILTER (WHERE arrested_on_arrival IS NULL) AS records_not_reported
        FROM repatriations WHERE event_date BETWEEN ? AND ?
    """, [period.start, period.end])[0]

    status_rows = _breakdown(con, "fatalities", "scam_link", period, prev, SCAM_LINKS)
    for r in status_rows:
        r["counted"] = r["key"] in scope
    by_cause = _breakdown(con, "fatalities", "cause", period, prev, CAUSES, clause, scope_params)
    excl_clause = clause.replace("AND scam_link IN", "AND scam_link NOT IN") if scope else ""
    excluded = _rows(con, f"""
        SELECT record_id, event_date, country, nationality, persons, cause, scam_link
        FROM fatalities WHERE event_date BETWEEN ? AND ? {excl_clause}
        ORDER BY event_date, record_id
    """, [period.start, period.end, *scope_params])

    groups = stock_groups(con, period.end)
    quarters = quarters_between(first, period.end)

    period_events = f"SELECT * FROM ({EVENTS_SQL}) WHERE event_date BETWEEN ? AND ?"
    mix = _rows(con, f"""
        SELECT s.reliability, count(DISTINCT e.source_id) AS sources, count(*) AS records
        FROM ({period_events}) e JOIN sources s USING (source_id)
        GROUP BY s.reliability ORDER BY s.reliability DESC
    """, [period.start, period.end])
    found = {r["reliability"]: r for r in mix}
    reliability_mix = [{"reliability": k, "description": RELIABILITY[k],
                        "sources": int(found.get(k, {}).get("sources", 0)),
                        "records": int(found.get(k, {}).get("records", 0))}
                       for k in sorted(RELIABILITY, reverse=True)]
    noted = _rows(con, f"""
        SELECT dataset, record_id, event_date, notes FROM ({period_events})
        WHERE notes IS NOT NULL AND trim(notes) <> '' ORDER BY dataset, event_date, record_id
    """, [period.start, period.end])
    disagreements = [r for r in noted if DISAGREEMENT_PATTERN.search(r["notes"])]
    precision = _rows(con, f"""
        SELECT date_precision AS key, count(*) AS records FROM ({period_events})
        GROUP BY ALL ORDER BY records DESC, key
    """, [period.start, period.end])
    largest = _rows(con, """
        SELECT record_id, event_date, date_precision, country, location, nationality, persons,
               reason
        FROM detentions WHERE event_date BETWEEN ? AND ?
        ORDER BY persons DESC, event_date, record_id LIMIT 3
    """, [period.start, period.end])
    warnings = dict(con.execute("SELECT rule, count(*) FROM findings WHERE severity = 'warning' "
                                "GROUP BY rule ORDER BY rule").fetchall())

    return Figures(
        period=period, previous=prev, year_earlier=year, as_of=as_of,
        first_event=first, last_event=last, provisional=bool(provisional), scope=scope,
        headlines=headlines,
        detentions_by_country=_breakdown(con, "detentions", "country", period, prev),
        detentions_by_nationality=_breakdown(con, "detentions", "nationality", period, prev),
        detentions_by_reason=_breakdown(con, "detentions", "reason", period, prev, REASONS),
        repatriations_by_mode=_breakdown(con, "repatriations", "mode", period, prev, MODES),
        repatriations_by_nationality=_breakdown(con, "repatriations", "nationality", period,
                                                prev),
        arrested={k: int(v) for k, v in arrested.items()},
        fatalities_by_status=status_rows,
        fatalities_by_cause=by_cause,
        fatalities_excluded=excluded,
        stock_groups=groups,
        stock_series=stock_series(con, groups, quarters),
        reconciliation=reconciliation(con, period.end),
        reliability_mix=reliability_mix,
        disagreements=disagreements,
        precision_mix=precision,
        quarterly_series=quarterly_series(con, quarters, scope),
        largest_events=largest,
        validation_warnings={k: int(v) for k, v in warnings.items()},
        revisions=revisions,
        records_in_period=sum(r["records"] for r in reliability_mix),
    )
