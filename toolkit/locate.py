"""Find and word the problems of a large CSV return without reading it all into Python.

When the DuckDB engine's strict pass stops (a row breaks a rule, a key is used twice, a
reference is unknown), the files are read again into staging tables, every cell as text, with
a flag on each row the strict guard would have stopped at. Only the flagged rows go to the
Polars engine's own stages (whitespace and empty cells as in ``read_raw_file``,
``parse_types``, ``run_schema`` with Pandera), which word their findings. Then the flagged rows,
typed by those stages, replace their text in temporary views named after the datasets, and the
rules across rows run over the views. Their findings are worded by the Polars engine's own
functions, on the few rows involved, and the warnings are worded as in the strict pass.

So the report is the Polars engine's, but only the rows with problems (and the rows they
concern) are ever in Python memory. ``tests/test_engine.py`` holds it to that on every rule case,
the hostile corpus and planted problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import polars as pl

from toolkit.contracts import ALL_DATASETS, EVENT_DATASETS, Contract
from toolkit.engine import (
    FAILING_LINKS_SQL,
    _File,
    _flagging_select,
    _ident,
    _load_files,
    _possible_duplicates,
    duplicated_keys_sql,
    unknown_source_sql,
)
from toolkit.errors import Finding, Report
from toolkit.layout import FILE, ROW
from toolkit.reconcile import check_stock_flow_in
from toolkit.validate import (
    check_detention_references,
    check_source_references,
    parse_types,
    run_schema,
    type_failures,
)


def _stage(name: str) -> str:
    return _ident(f"stage_{name}")


def _typed_view(con: duckdb.DuckDBPyConnection, contract: Contract, fixed: pl.DataFrame
                ) -> None:
    """``<dataset>``: the unflagged rows cast (they are in plain form), and the flagged rows
    as the Polars engine typed them."""
    name = contract.name
    casts = []
    for col in contract.columns:
        cast = {"date": "DATE", "integer": "BIGINT"}.get(col.type)
        c = _ident(col.name)
        casts.append(f"CAST({c} AS {cast}) AS {c}" if cast else c)
    con.register("incoming", fixed.select(FILE, ROW, *contract.column_names).to_arrow())
    con.execute(f"CREATE TEMP TABLE {_ident('fixed_' + name)} AS SELECT * FROM incoming")
    con.unregister("incoming")
    con.execute(f"""
        CREATE TEMP VIEW {_ident(name)} AS
        SELECT {', '.join(casts)}, __file, __row FROM {_stage(name)} WHERE NOT __suspect
        UNION ALL BY NAME SELECT * FROM {_ident('fixed_' + name)}""")


def _flagged(con: duckdb.DuckDBPyConnection, contract: Contract
             ) -> tuple[pl.DataFrame, pl.DataFrame, list[Finding]]:
    """The flagged rows through the Polars engine's reading and typing: typed rows, cells
    that did not parse (to skip later), and the type findings."""
    cols = contract.column_names
    text = con.sql(f"SELECT __file, __row, {', '.join(_ident(c) for c in cols)} "
                   f"FROM {_stage(contract.name)} WHERE __suspect ORDER BY __file, __row").pl()
    text = text.rename({"__file": FILE, "__row": ROW}).with_columns(
        pl.col(ROW).cast(pl.Int64),
        *(pl.col(c).cast(pl.String).str.strip_chars().replace("", None) for c in cols))
    # Rows with no value at all are not records (read_raw_file drops them).
    text = text.filter(~pl.all_horizontal(pl.col(c).is_null() for c in cols))
    typed, findings = parse_types(text, contract)
    return typed, type_failures(text, typed, contract), findings


def locate(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract],
           files: dict[str, list[_File]], as_of: dt.date, load: bool,
           progress: Callable[[str], None]) -> tuple[Report, dict[str, list[tuple[str, int]]]]:
    """The report of a return the strict pass stopped on; with ``load`` and no error, the
    dataset tables are created from the views (the caller finishes the warehouse)."""
    from toolkit import warehouse

    report = Report()
    skips: dict[str, pl.DataFrame] = {}
    typed_flagged: dict[str, pl.DataFrame] = {}
    for name in ALL_DATASETS:
        contract = contracts[name]
        progress(f"finding the rows with problems in {name}")
        columns = ", ".join(f"{_ident(c)} VARCHAR" for c in contract.column_names)
        con.execute(f"CREATE TABLE {_stage(name)} ({columns}, __file VARCHAR, "
                    "__row BIGINT, __suspect BOOLEAN)")
        _load_files(con, contract, files[name], as_of, f"stage_{name}", _flagging_select)
        typed, skip, findings = _flagged(con, contract)
        report.extend(findings)
        skips[name], typed_flagged[name] = skip, typed
        _typed_view(con, contract, typed)
    progress("wording the problems")
    for name in ALL_DATASETS:
        report.extend(_row_rules(con, contracts[name], typed_flagged[name], skips[name], as_of))
    sources = con.sql('SELECT * FROM "sources"').pl()
    for name in EVENT_DATASETS:
        unknown = con.sql(unknown_source_sql(name)).pl()
        report.extend(check_source_references({"sources": sources, name: unknown}))
    report.extend(_detention_references(con))
    report.extend(_possible_duplicates(con))
    report.extend(check_stock_flow_in(con))
    file_rows = {}
    for name in ALL_DATASETS:
        counts = dict(con.execute(f"SELECT __file, count(*) FROM {_ident(name)} GROUP BY 1"
                                  ).fetchall())
        file_rows[name] = [(f.display, counts.get(f.display, 0)) for f in files[name]]
    if load and report.exit_code == 0:
        # The flagged rows were all fine (spaces around values, counts like 3.0): the tables
        # get the values as the Polars engine reads them.
        # Inside DuckDB (no copy in Python): into a table of another name, then renamed
        # once the view of the dataset's name is gone.
        for name in ALL_DATASETS:
            contract = contracts[name]
            cols = ", ".join(_ident(c) for c in [*contract.column_names, "__file", "__row"])
            loading = f"{name}__loading"
            con.execute(warehouse.table_ddl(contract, loading))
            con.execute(f"INSERT INTO main.{_ident(loading)} SELECT {cols} "
                        f"FROM temp.{_ident(name)} ORDER BY __file, __row")
            con.execute(f"DROP VIEW temp.{_ident(name)}")
            con.execute(f"ALTER TABLE main.{_ident(loading)} RENAME TO {_ident(name)}")
        for name in ALL_DATASETS:  # the staging tables are not part of the warehouse
            con.execute(f"DROP TABLE {_stage(name)}")
    return report, file_rows


def _row_rules(con: duckdb.DuckDBPyConnection, contract: Contract, flagged: pl.DataFrame,
               skip: pl.DataFrame, as_of: dt.date) -> list[Finding]:
    """Pandera's findings on the flagged rows, and on every row whose key is used twice (so
    that a duplicated key lists all its places, as the Polars engine does)."""
    key = _ident(contract.primary_key)
    twice = con.sql(f"SELECT * FROM {_ident(contract.name)} "
                    f"WHERE {key} IN ({duplicated_keys_sql(contract)})").pl()
    order = [FILE, ROW, *contract.column_names]
    rows = pl.concat([flagged.select(order), twice.select(order)], how="vertical_relaxed")
    rows = rows.unique([FILE, ROW], keep="first", maintain_order=True).sort(FILE, ROW)
    if rows.is_empty():
        return []
    return run_schema(rows, contract, as_of, skip)


def _detention_references(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """The repatriations with a link that may fail, judged by the Polars engine's function."""
    suspects = con.sql(f"SELECT r.* FROM repatriations r SEMI JOIN ({FAILING_LINKS_SQL}) "
                       "USING (__file, __row) ORDER BY r.__file, r.__row").pl()
    if suspects.is_empty():
        return []
    detentions = con.sql("SELECT record_id, event_date FROM detentions").pl()
    return check_detention_references({"repatriations": suspects, "detentions": detentions})
