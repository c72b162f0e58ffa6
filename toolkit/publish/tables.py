"""The published tables, derived from the warehouse of the release.

Every table is read from the connection :func:`toolkit.publish.connection.open_release_connection`
opens (events limited to the as-of date, the stock views over them); revisions and the data
changelog also read the previous release's published Parquet files. :func:`release_tables`
makes them all, in the order they are published.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence

import duckdb
import polars as pl

from toolkit.contracts import ALL_DATASETS, load_contracts
from toolkit.periods import Period, month_of, months_between, quarter_of, quarters_between
from toolkit.periods import previous as preceding
from toolkit.publish.breakdowns import BREAKDOWNS, breakdown_spec, breakdown_table
from toolkit.publish.release import PreviousRelease
from toolkit.publish.revisions import changelog_table, flag_revisions, revisions_table
from toolkit.publish.specs import (
    CHANGELOG,
    RECONCILIATION,
    REVISIONS,
    TableSpec,
    contract_spec,
    summary_spec,
)
from toolkit.warehouse import first_event_date


def release_tables(con: duckdb.DuckDBPyConnection, period: Period,
                   previous_release: PreviousRelease | None, threshold: int
                   ) -> tuple[dict[str, TableSpec], dict[str, pl.DataFrame]]:
    """Every published table and its spec, by name in publishing order, as published: the
    event datasets and sources, the summaries and breakdowns flagged ``[p]`` and ``[r]``, the
    reconciliation findings, the revisions and the data changelog."""
    contracts = load_contracts()
    specs: dict[str, TableSpec] = {n: contract_spec(contracts[n]) for n in ALL_DATASETS}
    tables: dict[str, pl.DataFrame] = {n: event_table(con, specs[n]) for n in ALL_DATASETS}

    def earlier(name: str) -> pl.DataFrame | None:
        return previous_release.table(name) if previous_release else None

    prev_id = previous_release.release_id if previous_release else None
    quarters, months = summary_periods(first_event_date(con), period)
    revisions: list[dict] = []
    for kind, periods in (("quarterly", quarters), ("monthly", months)):
        spec = summary_spec(kind)
        frame = summary_table(con, spec, periods)
        frame, revs = flag_revisions(frame, spec, earlier(spec.name), prev_id,
                                     periods[-1].label if periods else None)
        specs[spec.name], tables[spec.name] = spec, frame
        revisions += revs
    for name in BREAKDOWNS:
        spec = breakdown_spec(name)
        frame = breakdown_table(con, spec, quarters, threshold)
        frame, revs = flag_revisions(frame, spec, earlier(name), prev_id,
                                     quarters[-1].label if quarters else None)
        specs[name], tables[name] = spec, frame
        revisions += revs
    specs[RECONCILIATION.name] = RECONCILIATION
    tables[RECONCILIATION.name] = reconciliation_table(con)
    specs[REVISIONS.name] = REVISIONS
    tables[REVISIONS.name] = revisions_table(revisions)
    prev_tables = {name: frame for name in ALL_DATASETS
                   if (frame := earlier(name)) is not None}
    specs[CHANGELOG.name] = CHANGELOG
    tables[CHANGELOG.name] = changelog_table(tables, prev_tables, specs, prev_id)
    return specs, {name: finalise(tables[name], specs[name]) for name in specs}


def finalise(frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Columns in spec order and types; empty text is missing (null)."""
    frame = frame.select(spec.columns).cast(spec.schema)
    text = [f.name for f in spec.fields if f.is_text]
    return frame.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in text)


def event_table(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> pl.DataFrame:
    """An event dataset or the source register, public columns only, by primary key."""
    cols = ", ".join(f'"{c}"' for c in spec.columns)
    order = ", ".join(f'"{c}"' for c in spec.primary_key)
    frame = con.sql(f'SELECT {cols} FROM "{spec.name}" ORDER BY {order}').pl()
    return frame.cast(spec.schema)


def summary_table(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                  periods: Sequence[Period]) -> pl.DataFrame:
    """Flows in each period and the stock at its end, per country and nationality.

    A country and nationality has rows from the period of its first record on. held_at_end is
    ``[x]`` once the stock has been negative on any day up to the end of the period, ``[z]``
    when the pair has no detention or repatriation at all.
    """
    stock: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in con.sql("SELECT country, nationality, date, detained, repatriated, held "
                       "FROM stock ORDER BY country, nationality, date").fetchall():
        stock[(row[0], row[1])].append(row[2:])
    deaths: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in con.sql("SELECT country, nationality, event_date, sum(persons)::BIGINT "
                       "FROM fatalities GROUP BY ALL ORDER BY ALL").fetchall():
        deaths[(row[0], row[1])].append(row[2:])
    first = {}
    for pair in set(stock) | set(deaths):
        dates = [r[0] for r in stock.get(pair, [])] + [r[0] for r in deaths.get(pair, [])]
        first[pair] = min(dates)
    rows = []
    for period in periods:
        for pair in sorted(first):
            if first[pair] > period.end:
                continue
            flows = stock.get(pair, [])
            in_period = [r for r in flows if period.contains(r[0])]
            died = sum(r[1] for r in deaths.get(pair, []) if period.contains(r[0]))
            row = {
                "period": period.label, "country": pair[0], "nationality": pair[1],
                "detained": sum(r[1] for r in in_period), "detained_status": "",
                "repatriated": sum(r[2] for r in in_period), "repatriated_status": "",
                "died": died, "died_status": "",
                "held_at_end": None, "held_at_end_status": "", "note": "",
            }
            upto = flows[:bisect_right([r[0] for r in flows], period.end)]
            negative = next((r for r in upto if r[3] < 0), None)
            if not flows:
                row["held_at_end_status"] = "[z]"
                row["note"] = ("held_at_end not applicable: no detention or repatriation is "
                               "recorded for this country and nationality")
            elif negative is not None:
                row["held_at_end_status"] = "[x]"
                row["note"] = (f"held_at_end not available: the records give {negative[3]} "
                               f"held on {negative[0].isoformat()} (more people repatriated "
                               "than recorded as detained); see reconciliation_findings")
            else:
                row["held_at_end"] = upto[-1][3] if upto else 0
            rows.append(row)
    return pl.DataFrame(rows, schema=spec.schema) if rows else spec.empty()


def reconciliation_table(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    spec = RECONCILIATION
    cols = ", ".join(f'"{c}"' for c in spec.columns)
    return con.sql(f"SELECT {cols} FROM reconciliation_findings "
                   "ORDER BY country, nationality, date").pl().cast(spec.schema)


def summary_periods(first: dt.date | None, period: Period) -> tuple[list[Period], list[Period]]:
    """Quarters and months from the first record to the release's period.

    A quarterly period ends both lists with itself and its last month; a monthly one ends the
    months with itself and the quarters with the last quarter that has ended by then.
    """
    last_month = month_of(period.end)
    last_quarter = quarter_of(period.end)
    if last_quarter.end != period.end:
        last_quarter = preceding(last_quarter)
    if first is None:
        return [], []
    quarters = quarters_between(first, last_quarter.end) if first <= last_quarter.end else []
    months = months_between(first, last_month.end) if first <= last_month.end else []
    return quarters, months
