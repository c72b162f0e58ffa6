"""The rules across rows and datasets, each one SQL query over the loaded tables.

They run once every file is loaded (into the staging warehouse), so they see all files of a
dataset together however large the return. Their findings stream into the report in batches;
the rules that can fire on most rows of a large return (possible duplicates, negative stock)
word their findings with Polars expressions, the others row by row.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import polars as pl

from toolkit.checks.cells import ID_PATTERN
from toolkit.checks.report import Report, findings_frame
from toolkit.contracts import EVENT_DATASETS, Contract
from toolkit.textsafety import shorten
from toolkit.warehouse import FINDINGS_SQL
from toolkit.warehouse import cursor as duck_cursor

#: Records of the same place, nationality and persons this many days apart or less, from
#: different sources, may be one event.
DUPLICATE_WINDOW_DAYS = 3
#: How many other places, records or ids a message lists before "and N more".
MAX_LISTED = 5
_BATCH = 100_000


def _batches(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
             ) -> Iterator[pl.DataFrame]:
    cursor = duck_cursor(con)
    reader = cursor.sql(sql, params=params or None).to_arrow_reader(_BATCH)
    for batch in reader:
        yield pl.from_arrow(batch)
    cursor.close()


def check_unique(con: duckdb.DuckDBPyConnection, contract: Contract, report: Report) -> None:
    """``unique``: a primary key used more than once, with where else it is."""
    key = contract.primary_key
    sql = f"""
        WITH d AS (SELECT "{key}" AS key, __file, __row, __line FROM "{contract.name}"
                   WHERE "{key}" IS NOT NULL),
        dup AS (SELECT key, count(*) AS n FROM d GROUP BY key HAVING count(*) > 1)
        SELECT key, n, list({{'file': __file, 'row': __row, 'line': __line}}
                            ORDER BY __file, __row) AS places
        FROM d JOIN dup USING (key) GROUP BY key, n ORDER BY key"""
    for frame in _batches(con, sql):
        records = []
        for value, n, places in frame.iter_rows():
            head = places[:MAX_LISTED + 1]
            for place in places:
                elsewhere = [p for p in head if (p["file"], p["row"]) != (place["file"],
                                                                           place["row"])]
                shown = [f"{p['file']} row {p['row']}" for p in elsewhere[:MAX_LISTED]]
                more = n - 1 - len(shown)
                message = (f"{key} {shorten(value)!r} is used more than once in {contract.name}"
                           + ("; also at " + ", ".join(shown) if shown else "")
                           + (f" and {more} more" if more > 0 else ""))
                records.append({"rule": "unique", "dataset": contract.name,
                                "file": place["file"], "row": place["row"], "column": key,
                                "line": place["line"],
                                "value": shorten(value), "message": message})
        report.add_frame(findings_frame(records))


def check_sources(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract],
                  report: Report) -> None:
    """``unknown_source``: a record citing a source (in any column that references the
    register) that is not in the register."""
    for name, contract in contracts.items():
        for col in contract.columns:
            if col.references != "sources.source_id" or col.type == "id_list":
                continue
            sql = f"""SELECT __file, __row, __line, "{col.name}" FROM "{name}"
                      WHERE "{col.name}" IS NOT NULL
                        AND "{col.name}" NOT IN (SELECT source_id FROM sources
                                                 WHERE source_id IS NOT NULL)"""
            for frame in _batches(con, sql):
                report.add_frame(findings_frame(
                    {"rule": "unknown_source", "dataset": name, "file": f, "row": r,
                     "line": n, "column": col.name, "value": shorten(v),
                     "message": f"{col.name} {shorten(v)!r} is not in sources.csv"}
                    for f, r, n, v in frame.iter_rows()))


def check_detention_links(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    """``unknown_detention`` and ``detention_after_repatriation``: each id of detention_ids
    (``;``-separated; spaces around ids and a trailing ``;`` do not matter) must be a
    detention dated no later than the repatriation (its earliest copy, if the id is used
    twice)."""
    sql = r"""
        WITH links AS (
            SELECT __file, __row, __line, event_date,
                   regexp_replace(unnest(string_split(detention_ids, ';')),
                                  '^\s+|\s+$', '', 'g') AS det
            FROM repatriations WHERE detention_ids IS NOT NULL
        ), known AS (
            SELECT record_id AS det, min(event_date) AS det_date FROM detentions
            WHERE record_id IS NOT NULL GROUP BY record_id
        )
        SELECT l.__file, l.__row, l.__line, l.event_date, l.det, k.det_date
        FROM links l LEFT JOIN known k USING (det)
        WHERE l.det <> '' AND regexp_matches(l.det, ?)
          AND (k.det IS NULL OR k.det_date > l.event_date)"""
    for frame in _batches(con, sql, [ID_PATTERN]):
        records = []
        for file, row, line, date, det, det_date in frame.iter_rows():
            if det_date is None:
                records.append({"rule": "unknown_detention", "value": shorten(det),
                                "message": f"detention {shorten(det)!r} is not in the "
                                           "detentions", "file": file,
                                "row": row, "line": line})
            else:
                records.append({"rule": "detention_after_repatriation", "value": det,
                                "message": f"detention {det} is dated {det_date}, after this "
                                           f"repatriation on {date}", "file": file, "row": row,
                                "line": line})
        report.add_frame(findings_frame(
            r | {"dataset": "repatriations", "column": "detention_ids"} for r in records))


def _listed(items: str, total: str) -> str:
    """SQL for ``a, b, c`` from the list ``items`` of at most :data:`MAX_LISTED` of ``total``
    things, with `` and N more`` for the rest."""
    return (f"(array_to_string({items}, ', ') || CASE WHEN {total} > len({items}) "
            f"THEN ' and ' || ({total} - len({items})) || ' more' ELSE '' END)")


def check_possible_duplicates(con: duckdb.DuckDBPyConnection, name: str,
                              report: Report) -> None:
    """``possible_duplicate``: groups of records of one place, nationality and persons whose
    dates follow each other within the window, each from a different source (one event
    reported by each); one finding per group, at its latest record, naming the others. A run
    in which a source appears twice is a series of events, not one, and is not reported."""
    place = "from_country" if name == "repatriations" else "country"
    # Islands are found on a narrow projection (row id, hashed key, date): a record starts a
    # new island unless the record before it, of the same key, is within the window; records
    # with no neighbour within the window are dropped before the islands are numbered. Only
    # the members of islands are then joined back to their columns. Groups are formed by the
    # key itself, so two keys that hash alike are never mixed in a finding.
    present = (f'"{place}" IS NOT NULL AND nationality IS NOT NULL AND persons IS NOT NULL '
               "AND event_date IS NOT NULL AND record_id IS NOT NULL")
    sql = f"""
        WITH keyed AS (
            SELECT rowid AS rid, hash("{place}", nationality, persons) AS k, event_date AS d
            FROM "{name}" WHERE {present}
        ), gaps AS (
            SELECT rid, k, d, d - lag(d) OVER w AS before, lead(d) OVER w - d AS after
            FROM keyed WINDOW w AS (PARTITION BY k ORDER BY d, rid)
        ), islands AS (
            SELECT rid, sum(CASE WHEN before <= {DUPLICATE_WINDOW_DAYS} THEN 0 ELSE 1 END)
                            OVER (PARTITION BY k ORDER BY d, rid ROWS UNBOUNDED PRECEDING)
                       AS island
            FROM gaps
            WHERE before <= {DUPLICATE_WINDOW_DAYS} OR after <= {DUPLICATE_WINDOW_DAYS}
        ), members AS (
            SELECT t.record_id, t.event_date, t."{place}" AS place, t.nationality, t.persons,
                   t.source_id, t.__file, t.__row, t.__line, i.island
            FROM "{name}" t JOIN islands i ON t.rowid = i.rid
        ), groups AS (
            SELECT arg_max(record_id, (event_date, __file, __row)) AS value,
                   max(event_date) AS event_date, place, nationality, persons,
                   arg_max(__file, (event_date, __file, __row)) AS file,
                   arg_max(__row, (event_date, __file, __row)) AS "row",
                   arg_max(__line, (event_date, __file, __row)) AS line,
                   count(*) - 1 AS others,
                   list(record_id || ' (' || event_date || ', ' || __file || ' row ' || __row
                        || ')' ORDER BY event_date, __file, __row)[1:-2][1:{MAX_LISTED}] AS listed
            FROM members GROUP BY place, nationality, persons, island
            HAVING count(*) > 1 AND count(DISTINCT source_id) = count(*)
        )
        SELECT 'possible_duplicate' AS rule, '{name}' AS dataset, file, "row",
               'record_id' AS "column", value,
               value || ' (' || event_date || ', ' || place || ', ' || nationality || ', '
               || persons || ' persons) may be the same event as ' || {_listed("listed",
                                                                               "others")}
               AS message, line
        FROM groups"""
    for frame in _batches(con, sql):
        report.add_frame(frame)


def check_stock(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    """``negative_stock``: each day the count of people detained with no return recorded goes
    below zero, at the repatriation that took it there, with the rows involved."""
    # Every stock starts at zero and only a repatriation lowers it: without one, none can.
    if not con.execute("SELECT count(*) FROM (SELECT 1 FROM repatriations WHERE persons >= 1 "
                       "LIMIT 1)").fetchall()[0][0]:
        return
    sql = f"""
        WITH negative AS (
            SELECT *, string_split(record_ids, ';') AS ids FROM ({FINDINGS_SQL})
        )
        SELECT 'negative_stock' AS rule, 'repatriations' AS dataset, __file AS file,
               __row AS "row", 'persons' AS "column", CAST(not_returned AS VARCHAR) AS value,
               'detained with no return recorded in ' || country || ', nationality '
               || nationality || ', on ' || date || ' would be ' || not_returned || ' ('
               || detained_to_date || ' detained minus ' || repatriated_to_date
               || ' repatriated): the records lack detentions; rows involved: '
               || {_listed(f"ids[1:{3 * MAX_LISTED}]", "len(ids)")} AS message,
               __line AS line
        FROM negative"""
    for frame in _batches(con, sql):
        report.add_frame(frame)


def check_across(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract],
                 loaded: set[str], report: Report) -> None:
    """Every rule across rows and datasets, over the datasets that were loaded."""
    for name in contracts:
        if name in loaded:
            check_unique(con, contracts[name], report)
    if "sources" in loaded:
        check_sources(con, contracts, report)
    if {"detentions", "repatriations"} <= loaded:
        check_detention_links(con, report)
    for name in EVENT_DATASETS:
        if name in loaded:
            check_possible_duplicates(con, name, report)
    if {"detentions", "repatriations"} <= loaded:
        check_stock(con, report)
