"""Load validated tables into the DuckDB warehouse that publishing and the bulletins query.

Tables are created from the contracts (types, enum and range CHECKs, primary keys). The file is
written under a temporary name in the same folder and renamed over the old one at the end, so
a failed or killed load leaves the previous warehouse intact.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from toolkit import __version__
from toolkit.warehouse import duck
from toolkit.contracts import ALL_DATASETS, Contract, load_contracts
from toolkit.errors import FIELDS, Report
from toolkit.layout import sha256_file
from toolkit.warehouse.views import FINDINGS_SQL, STOCK_SQL
from toolkit.rules import iso3_codes

if TYPE_CHECKING:
    from toolkit.validate import Validated

WAREHOUSE = "warehouse.duckdb"


def sql_string(value: str) -> str:
    """``value`` as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def iso3_type_ddl() -> str:
    """``CREATE TYPE iso3``: the codes :func:`table_ddl`'s ISO3 checks cast to; run it first."""
    return f"CREATE TYPE iso3 AS ENUM ({', '.join(sql_string(v) for v in sorted(iso3_codes()))})"


def table_ddl(contract: Contract, table: str | None = None) -> str:
    """``CREATE TABLE`` for a dataset, derived from its contract (needs :func:`iso3_type_ddl`).

    The types, NOT NULL and the CHECKs of the contract's rules are declared. The primary key
    is not: validation refuses a duplicated key before anything is loaded, and the warehouse
    is written once and never updated, so an index would only cost time (a fifth of a load).
    """
    lines = []
    for col in contract.columns:
        parts = [f'"{col.name}" {col.duckdb_type}']
        if col.required:
            parts.append("NOT NULL")
        checks = []
        if col.type == "enum":
            checks.append(f'"{col.name}" IN ({", ".join(sql_string(v) for v in col.values)})')
        if col.type == "iso3":
            # A cast to the ENUM type of ISO3_TYPE_DDL is a hash lookup; IN (250 literals) is
            # not. The column stays VARCHAR; a NULL passes, as it did with IN.
            checks.append(f'("{col.name}" IS NULL OR TRY_CAST("{col.name}" AS iso3) IS NOT NULL)')
        if col.min is not None:
            checks.append(f'"{col.name}" >= {int(col.min)}')
        if col.max is not None:
            checks.append(f'"{col.name}" <= {int(col.max)}')
        if col.max_column:
            checks.append(f'"{col.name}" <= "{col.max_column}"')
        if checks:
            parts.append(f"CHECK ({' AND '.join(checks)})")
        lines.append(" ".join(parts))
    lines.append('"__file" VARCHAR NOT NULL')
    lines.append('"__row" BIGINT NOT NULL')
    return f'CREATE TABLE "{table or contract.name}" (\n  ' + ",\n  ".join(lines) + "\n)"


def write_warehouse(validated: Validated, raw_dir: Path, out_dir: Path) -> Path:
    """Create ``<out_dir>/warehouse.duckdb`` from validated tables, atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / WAREHOUSE
    tmp = temp_path(out_dir)
    contracts = load_contracts()
    con = duck.connect(str(tmp))
    try:
        con.execute(iso3_type_ddl())
        for name in ALL_DATASETS:
            contract = contracts[name]
            con.execute(table_ddl(contract))
            frame = validated.tables[name].sort(contract.primary_key)
            con.register("incoming", frame.select(*contract.column_names, "__file", "__row")
                         .to_arrow())
            con.execute(f'INSERT INTO "{name}" SELECT * FROM incoming')
            con.unregister("incoming")
        file_rows = {}
        for name, files in validated.files.items():
            counts = validated.tables[name].group_by("__file").len() \
                if name in validated.tables else None
            rows = dict(counts.iter_rows()) if counts is not None else {}
            file_rows[name] = [(file, rows.get(file, 0)) for file in files]
        finish(con, validated.report, validated.as_of, file_rows, raw_dir)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, target)
    return target


def temp_path(out_dir: Path) -> Path:
    """Where a load writes the warehouse before it is renamed over the old one (cleared)."""
    tmp = out_dir / f".{WAREHOUSE}.{os.getpid()}.tmp"
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return tmp


def finish(con: duckdb.DuckDBPyConnection, report: Report, as_of: dt.date,
           file_rows: dict[str, list[tuple[str, int]]], raw_dir: Path,
           digests: dict[str, str] | None = None) -> None:
    """What every warehouse holds beside the datasets: findings, load info, files, views.

    ``digests``: the files' SHA-256 where the caller has them already.
    """
    _write_findings(con, report)
    con.execute("CREATE TABLE load_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.executemany("INSERT INTO load_info VALUES (?, ?)", [
        ("as_of", as_of.isoformat()),
        ("toolkit_version", __version__),
    ])
    con.execute("CREATE TABLE raw_files (dataset VARCHAR, file VARCHAR PRIMARY KEY, "
                "sha256 VARCHAR, rows BIGINT)")
    for name, files in file_rows.items():
        for file, rows in files:
            con.execute("INSERT INTO raw_files VALUES (?, ?, ?, ?)",
                        [name, file, (digests or {}).get(file) or sha256_file(raw_dir / file),
                         rows])
    con.execute(f"CREATE VIEW stock AS {STOCK_SQL}")
    con.execute(f"CREATE VIEW reconciliation_findings AS {FINDINGS_SQL}")


#: Up to this many findings are written from Python lists (DuckDB binds them as parameters:
#: 8 ms per thousand), more through Arrow (1.5 ms per thousand, but importing pyarrow takes
#: 0.2 s). Most returns have a few warnings; importing Polars for them, as before, cost the
#: DuckDB engine's load 0.35 s.
FINDINGS_AS_LISTS = 10_000


def _write_findings(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    types = {f: "BIGINT" if f == "row" else "VARCHAR" for f in FIELDS}
    cols = ", ".join(f'"{f}" {t}' for f, t in types.items())
    con.execute(f"CREATE TABLE findings ({cols})")
    records = report.to_records()
    columns = [[r[f] for r in records] for f in FIELDS]
    if len(records) > FINDINGS_AS_LISTS:
        import pyarrow as pa

        con.register("incoming", pa.table({f: pa.array(c, type=pa.int64() if t == "BIGINT"
                                                       else pa.string())
                                           for (f, t), c in zip(types.items(), columns,
                                                                strict=True)}))
        con.execute("INSERT INTO findings SELECT * FROM incoming")
        con.unregister("incoming")
    elif records:  # one list per column, unnested side by side into rows
        unnested = ", ".join(f"unnest(${i}::{t}[])" for i, t in enumerate(types.values(), 1))
        con.execute(f"INSERT INTO findings SELECT {unnested}", columns)


def connect(out_dir: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse of ``out_dir``; a clear error if it has not been built."""
    path = out_dir / WAREHOUSE
    if not path.is_file():
        raise FileNotFoundError(f"no warehouse at {path}: run `toolkit load` first")
    return duck.connect(str(path), read_only=read_only)
