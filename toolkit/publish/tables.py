"""The published tables, derived from the warehouse of the release.

Every table is read from the connection :func:`toolkit.publish.connection.open_release_connection`
opens (events limited to the as-of date, the stock views over them); revisions and the data
changelog also read the previous release's published Parquet files. :func:`release_tables`
makes them all, in the order they are published.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from toolkit.config import Coverage, load_config
from toolkit.contracts import ALL_DATASETS, load_contracts
from toolkit.periods import Period, month_of, months_between, quarter_of, quarters_between
from toolkit.periods import previous as preceding
from toolkit.publish.breakdowns import BREAKDOWNS, breakdown_spec, breakdown_table
from toolkit.publish.policy import Policy, apply, protects_breakdowns, public_spec
from toolkit.publish.release import PreviousRelease
from toolkit.publish.revisions import changelog_table, flag_revisions, revisions_table
from toolkit.publish.specs import (
    CHANGELOG,
    COMPARISONS,
    RECONCILIATION,
    REVISIONS,
    TableSpec,
    contract_spec,
    summary_spec,
)
from toolkit.publish.summaries import (
    comparisons_table,
    coverage_spans,
    provisional_labels,
    summary_table,
)
from toolkit.warehouse import first_event_date


def release_tables(con: duckdb.DuckDBPyConnection, period: Period,
                   previous_release: PreviousRelease | None, policy: Policy,
                   coverage: Coverage | None = None
                   ) -> tuple[dict[str, TableSpec], dict[str, pl.DataFrame]]:
    """Every published table and its spec, by name in publishing order, as published: the
    event datasets and sources under the publication ``policy``, the summaries and breakdowns
    flagged ``[p]`` and ``[r]``, the reconciliation findings, the reported figures beside the
    records, the revisions and the data changelog. ``coverage`` is the configuration's
    (default: ``config/coverage.yaml``)."""
    if coverage is None:
        coverage = load_config().coverage
    contracts = load_contracts()
    specs: dict[str, TableSpec] = {}
    tables: dict[str, pl.DataFrame] = {}
    for name in ALL_DATASETS:
        raw = contract_spec(contracts[name])
        specs[name] = public_spec(raw, policy)
        tables[name] = apply(event_table(con, raw), name, policy)

    def earlier(name: str) -> pl.DataFrame | None:
        return previous_release.table(name) if previous_release else None

    prev_id = previous_release.release_id if previous_release else None
    quarters, months = summary_periods(first_event_date(con), period)
    provisional = provisional_labels(period, quarters, months)
    spans = coverage_spans(con, coverage, release_as_of(con))
    revisions: list[dict] = []
    for kind, periods, latest in (("quarterly", quarters, provisional[0]),
                                  ("monthly", months, provisional[1])):
        spec = summary_spec(kind)
        frame = summary_table(con, spec, periods, spans)
        frame, revs = flag_revisions(frame, spec, earlier(spec.name), prev_id, latest)
        specs[spec.name], tables[spec.name] = spec, frame
        revisions += revs
    protect = protects_breakdowns(policy)
    for name in BREAKDOWNS:
        spec = breakdown_spec(name, protect=protect)
        frame = breakdown_table(con, spec, quarters, policy.threshold, protect=protect)
        frame, revs = flag_revisions(frame, spec, earlier(name), prev_id, provisional[0])
        specs[name], tables[name] = spec, frame
        revisions += revs
    specs[RECONCILIATION.name] = RECONCILIATION
    tables[RECONCILIATION.name] = reconciliation_table(con)
    specs[COMPARISONS.name] = COMPARISONS
    tables[COMPARISONS.name] = comparisons_table(con, COMPARISONS, spans)
    specs[REVISIONS.name] = REVISIONS
    tables[REVISIONS.name] = revisions_table(revisions)
    prev_tables = {name: frame for name in ALL_DATASETS
                   if (frame := earlier(name)) is not None}
    specs[CHANGELOG.name] = CHANGELOG
    tables[CHANGELOG.name] = changelog_table(tables, prev_tables, specs, prev_id)
    return specs, {name: finalise(tables[name], specs[name]) for name in specs}


def release_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The as-of date of the release the connection shows."""
    return con.execute("SELECT as_of FROM release_info").fetchall()[0][0]


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
