"""The warehouse as one release sees it: events up to the release's as-of date.

Publishing reads only ``<out>/warehouse.duckdb``, attached read-only to an in-memory DuckDB;
the events of the release are views limited to its as-of date, and the stock views
(:data:`toolkit.warehouse.STOCK_SQL`, :data:`toolkit.warehouse.FINDINGS_SQL`) are recreated over
them, so a release as of an earlier date computes its stock from its own records.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from toolkit.checks.review import publishable
from toolkit.config import Coverage, load_config
from toolkit.contracts import EVENT_DATASETS, REPORTED, load_contracts
from toolkit.periods import Period, latest_complete_quarter
from toolkit.publish.release import PublishError
from toolkit.warehouse import (
    FINDINGS_SQL,
    STOCK_SQL,
    WAREHOUSE,
    first_event_date,
    last_event_date,
    memory,
    sql_string,
)


def open_release_connection(out_dir: Path, as_of: dt.date | None
                            ) -> tuple[duckdb.DuckDBPyConnection, dt.date, dt.date]:
    """An in-memory DuckDB with the warehouse attached read-only and its tables as views,
    events limited to ``as_of``; returns (connection, as_of, the warehouse's as-of date)."""
    path = out_dir / WAREHOUSE
    if not path.is_file():
        raise PublishError(f"no warehouse at {path}: run `toolkit load` first")
    con = memory()
    try:
        con.execute(f"ATTACH {sql_string(str(path))} AS wh (READ_ONLY)")
        rows = con.execute("SELECT value FROM wh.load_info WHERE key = 'as_of'").fetchall()
        row = rows[0] if rows else None
        if row is None:
            raise PublishError(f"{path} has no as_of in load_info: run `toolkit load` again")
        loaded = dt.date.fromisoformat(row[0])
        as_of = as_of or loaded
        if as_of > loaded:
            raise PublishError(
                f"the warehouse was loaded as of {loaded}; a release as of {as_of} needs "
                f"`toolkit load --as-of {as_of}` first")
        day = f"DATE '{as_of.isoformat()}'"
        contracts = load_contracts()
        dated = {**{name: "event_date" for name in EVENT_DATASETS}, REPORTED: "date"}
        for name, date in dated.items():
            # Free text that has not been reviewed for publication is empty in every view.
            reviewed = [publishable(contracts[name], c.name, "t", "wh.text_reviews")
                        + f' AS "{c.name}"' for c in contracts[name].columns if c.review]
            replace = f"REPLACE ({', '.join(reviewed)}) " if reviewed else ""
            con.execute(f'CREATE VIEW "{name}" AS SELECT * {replace}FROM wh."{name}" t '
                        f"WHERE {date} <= {day}")
        # Sources cited only by records after the as-of date are not part of that release.
        citing = [(name, c.name) for name in dated for c in contracts[name].columns
                  if c.references == "sources.source_id"]
        con.execute(
            "CREATE VIEW sources AS SELECT * FROM wh.sources s WHERE s.source_id IN ("
            + " UNION ".join(f'SELECT "{c}" FROM "{n}"' for n, c in citing)
            + ") OR s.source_id NOT IN ("
            + " UNION ".join(f'SELECT "{c}" FROM wh."{n}" WHERE "{c}" IS NOT NULL'
                             for n, c in citing) + ")")
        for name in ("findings", "load_info", "raw_files"):
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM wh."{name}"')
        con.execute(f"CREATE VIEW release_info AS SELECT {day} AS as_of")
        con.execute(f"CREATE VIEW not_returned AS {STOCK_SQL}")
        con.execute(f"CREATE VIEW reconciliation_findings AS {FINDINGS_SQL}")
        if first_event_date(con) is None:
            earliest = " UNION ALL ".join(f'SELECT min(event_date) AS d FROM wh."{n}"'
                                          for n in EVENT_DATASETS)
            [(first,)] = con.execute(f"SELECT min(d) FROM ({earliest})").fetchall()
            raise PublishError(
                f"no event is dated on or before {as_of}, so a release as of that date would "
                "publish nothing" + (f" (the earliest event is dated {first})" if first else
                                     " (the warehouse holds no events)"))
    except BaseException:
        con.close()
        raise
    return con, as_of, loaded


def default_period(as_of: dt.date, con: duckdb.DuckDBPyConnection,
                   coverage: Coverage | None = None) -> Period:
    """The latest quarter that every event dataset covers to its end and that has records: it
    has ended by the as-of date and by the last day each dataset's coverage declares
    (``config/coverage.yaml``; a dataset that declares none is covered to the as-of date),
    and it does not begin after the last record."""
    coverage = coverage if coverage is not None else load_config().coverage
    ends = [c.end for name in EVENT_DATASETS if (c := coverage.of(name)).end]
    return latest_complete_quarter(min([as_of, *ends]), last_event_date(con))
