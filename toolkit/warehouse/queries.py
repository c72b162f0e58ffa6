"""Questions every stage asks of the warehouse's events, each answered in one place."""

from __future__ import annotations

import datetime as dt

import duckdb

from toolkit.contracts import EVENT_DATASETS


def _event_date(con: duckdb.DuckDBPyConnection, fn: str) -> dt.date | None:
    parts = " UNION ALL ".join(f'SELECT {fn}(event_date) AS d FROM "{name}"'
                               for name in EVENT_DATASETS)
    return con.execute(f"SELECT {fn}(d) FROM ({parts})").fetchall()[0][0]


def first_event_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The date of the earliest event of any dataset (None without events)."""
    return _event_date(con, "min")


def last_event_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The date of the latest event of any dataset (None without events)."""
    return _event_date(con, "max")
