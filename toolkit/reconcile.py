"""Stock-flow reconciliation: held = detentions minus repatriations, by place and nationality.

The SQL here is the one definition of the stock: the validator runs it over the typed frames in
an in-memory DuckDB, and the warehouse creates its ``stock`` and ``reconciliation_findings``
views from the same text. A negative stock is reported, never clipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from toolkit.warehouse import duck
from toolkit.errors import Finding

if TYPE_CHECKING:
    import polars as pl

#: Net flows per day for each (country, nationality): detentions in, repatriations out.
#: On one day detentions count before repatriations: the stock is the end-of-day figure.
STOCK_SQL = """
WITH flows AS (
    SELECT country, nationality, event_date, persons AS detained, 0 AS repatriated
    FROM detentions
    WHERE country IS NOT NULL AND nationality IS NOT NULL
      AND event_date IS NOT NULL AND persons >= 1
    UNION ALL
    SELECT from_country, nationality, event_date, 0, persons
    FROM repatriations
    WHERE from_country IS NOT NULL AND nationality IS NOT NULL
      AND event_date IS NOT NULL AND persons >= 1
), daily AS (
    SELECT country, nationality, event_date AS date,
           sum(detained)::BIGINT AS detained, sum(repatriated)::BIGINT AS repatriated
    FROM flows GROUP BY ALL
)
SELECT country, nationality, date, detained, repatriated,
       sum(detained) OVER w::BIGINT AS detained_to_date,
       sum(repatriated) OVER w::BIGINT AS repatriated_to_date,
       (sum(detained) OVER w - sum(repatriated) OVER w)::BIGINT AS held
FROM daily
WINDOW w AS (PARTITION BY country, nationality ORDER BY date
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
"""

#: Each date on which a stock is negative, with the records of that country and nationality
#: up to that date (the rows involved).
FINDINGS_SQL = """
WITH stock AS ({stock}), records AS (
    SELECT country, nationality, event_date, record_id, __file, __row, 'detention' AS kind
    FROM detentions WHERE persons >= 1
    UNION ALL
    SELECT from_country, nationality, event_date, record_id, __file, __row, 'repatriation'
    FROM repatriations WHERE persons >= 1
)
SELECT s.country, s.nationality, s.date, s.held, s.detained_to_date, s.repatriated_to_date,
       string_agg(r.record_id, ';' ORDER BY r.event_date, r.record_id) AS record_ids,
       arg_min(r.__file, (r.kind <> 'repatriation' OR r.event_date <> s.date, r.__row))
           AS __file,
       arg_min(r.__row, (r.kind <> 'repatriation' OR r.event_date <> s.date, r.__row))
           AS __row
FROM stock s
JOIN records r ON r.country = s.country AND r.nationality = s.nationality
              AND r.event_date <= s.date
WHERE s.held < 0
GROUP BY ALL
ORDER BY s.country, s.nationality, s.date
""".replace("{stock}", STOCK_SQL)


def stock_findings_frame(detentions: pl.DataFrame, repatriations: pl.DataFrame) -> pl.DataFrame:
    """The negative-stock dates as a frame, computed with the warehouse's SQL."""
    con = duck.connect()
    try:
        con.register("detentions", detentions.to_arrow())
        con.register("repatriations", repatriations.to_arrow())
        return con.sql(FINDINGS_SQL).pl()
    finally:
        con.close()


#: How many (country, nationality, date) stocks are negative: the stock alone, without the join
#: with the records that FINDINGS_SQL does (the same STOCK_SQL, so one definition).
NEGATIVE_COUNT_SQL = f"SELECT count(*) FROM ({STOCK_SQL}) WHERE held < 0"


#: The repatriations that move a stock: the outflows, the only flows that can take one below 0.
_OUTFLOWS = """    FROM repatriations
    WHERE from_country IS NOT NULL AND nationality IS NOT NULL
      AND event_date IS NOT NULL AND persons >= 1
"""

#: One row per record that moves a stock, for tables whose places and nationalities are all codes
#: of the ``iso3`` ENUM type (as in the DuckDB engine's clean pass): the (country, nationality)
#: pair as one number (the ENUM codes of both; there are about 250 codes, fewer than 1024), the
#: day (days after 1000-01-01) and the persons in (detentions) or out (repatriations, negative).
#: The same rows as the ``flows`` of STOCK_SQL.
CODED_FLOWS_SQL = """
    SELECT (enum_code(country::iso3)::INTEGER * 1024 + enum_code(nationality::iso3))
               AS pair,
           (event_date - DATE '1000-01-01')::INTEGER AS day, persons AS net
    FROM detentions
    WHERE country IS NOT NULL AND nationality IS NOT NULL
      AND event_date IS NOT NULL AND persons >= 1
    UNION ALL
    SELECT enum_code(from_country::iso3)::INTEGER * 1024 + enum_code(nationality::iso3),
           (event_date - DATE '1000-01-01')::INTEGER, -persons
""" + _OUTFLOWS

#: Whether any stock of CODED_FLOWS_SQL is negative (0 or more). The stock of STOCK_SQL,
#: computed another way: each day's net flow of a pair gets one number, the pair in the high
#: bits and the day in the low 23, and one running sum in that order, less the flows of the
#: pairs before, gives each pair's stock at the end of each day. A stock can only go negative on
#: a day of net outflow, so only those are looked at. Sorting one integer costs about half of
#: the window partitioned by two text columns (at 10M rows, 3.4 s instead of 4.6 s in the same
#: memory). :func:`any_negative_coded` uses it when its grid would be too large.
#: ``tests/test_reconcile.py`` holds both to the stock of STOCK_SQL.
ANY_NEGATIVE_CODED_SQL = f"""
WITH flows AS ({CODED_FLOWS_SQL}), daily AS (
    SELECT pair, pair::BIGINT * 8388608 + day AS pair_day, sum(net) AS net
    FROM flows GROUP BY ALL
), ordered AS (
    SELECT pair, net, sum(net) OVER (ORDER BY pair_day ROWS UNBOUNDED PRECEDING) AS running
    FROM daily
), pairs AS (
    SELECT pair, sum(total) OVER (ORDER BY pair ROWS UNBOUNDED PRECEDING) - total AS before
    FROM (SELECT pair, sum(net) AS total FROM daily GROUP BY pair)
)
SELECT count(*) FROM ordered JOIN pairs USING (pair) WHERE net < 0 AND running - before < 0
"""

#: The most cells (pairs x days) that :func:`any_negative_coded` adds flows into, and the most
#: flows it reads at once (each about 64 bytes with numpy's temporaries: 250 MiB at both
#: limits); a larger grid goes to ANY_NEGATIVE_CODED_SQL, more flows are read in batches.
#: The benchmark's 1M-row synthetic data has 3,000 pairs over 2,180 days (6.5 million cells)
#: and 1.5 million flows (15 million at 10M rows); the shipped data has 9 pairs.
GRID_CELLS = 2**23
GRID_FLOWS = 2**22
#: Below this, sums in float64 (what numpy's bincount adds in) are exact.
_EXACT = 2**53


def any_negative_coded(con: duckdb.DuckDBPyConnection, max_cells: int = GRID_CELLS,
                       max_flows: int = GRID_FLOWS) -> bool:
    """Whether some stock of CODED_FLOWS_SQL goes negative, without sorting anything.

    Each flow is added into a grid of one row per pair and one column per day (from the first
    day with a flow to the last); a running sum along each row is then that pair's stock at the
    end of each day (detentions and repatriations of one day share a cell: the end-of-day
    figure of STOCK_SQL). At 1M rows this takes 0.2 s where the sort and windows of
    ANY_NEGATIVE_CODED_SQL take 0.5 s. More than ``max_flows`` flows are read in batches of
    that many, so memory stays flat however many there are; a pair gets its row when its first
    flow comes. When the grid would have more than ``max_cells`` cells, or the counts are too
    large to add exactly in float64, the SQL answers instead.
    """
    import numpy as np

    # Every stock starts at 0 and only an outflow lowers it: without one (a return of
    # detentions alone), none goes negative, and the detentions need not be read at all.
    if not con.execute(f"SELECT count(*) FROM (SELECT 1 {_OUTFLOWS} LIMIT 1)").fetchall()[0][0]:
        return False
    # (fetchall: a result read to its end leaves the connection free for con.sql below)
    [(low, high, flows, biggest)] = con.execute(
        f"SELECT min(day), max(day), count(*), max(abs(net)) FROM ({CODED_FLOWS_SQL})"
    ).fetchall()
    if not flows:
        return False
    span = high - low + 1
    # (in Python integers: a sum in int64 could wrap around)
    if span > max_cells or biggest * flows >= _EXACT:
        return bool(con.execute(ANY_NEGATIVE_CODED_SQL).fetchone()[0])
    reader = None if flows <= max_flows else con.sql(CODED_FLOWS_SQL).to_arrow_reader(max_flows)
    batches = [con.sql(CODED_FLOWS_SQL).fetchnumpy()] if reader is None else (  # in batches,
        {name: batch.column(name).to_numpy() for name in ("pair", "day", "net")}  # flat
        for batch in reader)
    row = np.full(1024 * 1024, -1, dtype=np.int64)  # pair code -> its row in the grid
    grid = np.zeros((0, span))
    for batch in batches:
        seen = np.zeros(row.size, dtype=bool)
        seen[batch["pair"]] = True
        new = np.flatnonzero(seen & (row < 0))  # pairs not met in earlier batches
        if (len(grid) + new.size) * span > max_cells:
            if reader is not None:
                reader.close()  # (frees the connection for the query below)
            return bool(con.execute(ANY_NEGATIVE_CODED_SQL).fetchone()[0])
        if new.size:
            row[new] = np.arange(len(grid), len(grid) + new.size)
            grid = np.concatenate((grid, np.zeros((new.size, span))))
        grid += np.bincount(row[batch["pair"]] * span + (batch["day"] - low),
                            weights=batch["net"], minlength=grid.size).reshape(grid.shape)
    np.cumsum(grid, axis=1, out=grid)  # exact: every partial sum is below _EXACT
    return bool((grid < 0).any())


def negative_stock_count(detentions: pl.DataFrame, repatriations: pl.DataFrame) -> int:
    """The number of negative stocks; DuckDB is given only the 4 columns the stock reads."""
    con = duck.connect()
    try:
        common = ["nationality", "event_date", "persons"]
        con.register("detentions", detentions.select("country", *common).to_arrow())
        con.register("repatriations",
                     repatriations.select("from_country", *common).to_arrow())
        return con.execute(NEGATIVE_COUNT_SQL).fetchone()[0]
    finally:
        con.close()


def stock_finding(r: dict) -> Finding:
    """The warning for one row of :data:`FINDINGS_SQL`."""
    return Finding(
        "negative_stock", r["__file"], r["__row"], "persons", str(r["held"]),
        f"held in {r['country']} of nationality {r['nationality']} on {r['date']} would be "
        f"{r['held']} ({r['detained_to_date']} detained minus {r['repatriated_to_date']} "
        f"repatriated); rows involved: {r['record_ids'].replace(';', ', ')}",
        "repatriations",
    )


def check_stock_flow(detentions: pl.DataFrame, repatriations: pl.DataFrame) -> list[Finding]:
    """A warning for every date where more people were repatriated than recorded as detained."""
    if not negative_stock_count(detentions, repatriations):
        return []  # the usual case: skip the join with the records
    rows = stock_findings_frame(detentions, repatriations).iter_rows(named=True)
    return [stock_finding(r) for r in rows]


def check_stock_flow_in(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """The same warnings, over ``detentions`` and ``repatriations`` tables already in ``con``.

    (The DuckDB engine's strict pass, whose places and nationalities are ISO3 codes, asks the
    cheaper :func:`any_negative_coded` instead, then :func:`stock_findings`.)
    """
    if not con.execute(NEGATIVE_COUNT_SQL).fetchone()[0]:
        return []
    return stock_findings(con)


def stock_findings(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """The warnings of :func:`check_stock_flow_in`, once a screen has said there are some."""
    cursor = con.execute(FINDINGS_SQL)
    names = [d[0] for d in cursor.description]
    return [stock_finding(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
