"""DuckDB connections as the toolkit opens them: every one through here.

DuckDB draws a progress bar on standard output for any statement that runs longer than two
seconds (a large return's INSERT, a slow machine). Standard output is where the command line
writes its report and ``--json``, which scripts and CI read (``toolkit validate --json | jq``),
so the toolkit's connections never print it. ``tests/test_duck.py`` holds every module to these
functions.
"""

from __future__ import annotations

import duckdb


def connect(database: str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` that never prints."""
    return quiet(duckdb.connect(database, read_only=read_only))


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of ``con`` (DuckDB's settings are each connection's own) that never prints."""
    return quiet(con.cursor())


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Never print a progress bar on this connection (it still keeps count of progress)."""
    con.execute("SET enable_progress_bar_print = false")
    return con
