"""Writing the warehouse: tables derived from the contracts, filled batch by batch, then
switched in whole.

Validation loads every batch it checks into a staging database: ``<out>/.warehouse.duckdb.<pid>
.tmp`` when it loads, a temporary folder when it only validates. The rules across rows run over
those tables. When the data is valid the staging database gets its findings, load information
and views, and is renamed over ``warehouse.duckdb`` in one step, so a failed or killed load
leaves the previous warehouse as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl

from toolkit import __version__
from toolkit.contracts import ALL_DATASETS, Contract
from toolkit.warehouse.duck import connect as open_duckdb
from toolkit.warehouse.views import FINDINGS_SQL, STOCK_SQL

WAREHOUSE = "warehouse.duckdb"
#: DuckDB's memory limit while loading; beyond it DuckDB spills to disk.
MEMORY_LIMIT = os.environ.get("TOOLKIT_DUCKDB_MEMORY", "1GB")
#: Where each row came from: the file (as the report names it), its row and its first line.
ORIGIN = {"__file": "VARCHAR", "__row": "BIGINT", "__line": "BIGINT"}


def sql_string(value: str) -> str:
    """``value`` as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def table_ddl(contract: Contract, table: str | None = None) -> str:
    """``CREATE TABLE`` for a dataset: the contract's columns with their types, then where each
    row came from. The contract's rules are checked by validation, not by constraints."""
    lines = [f'"{c.name}" {c.duckdb_type}' for c in contract.columns]
    lines += [f'"{name}" {kind}' for name, kind in ORIGIN.items()]
    return f'CREATE TABLE "{table or contract.name}" (\n  ' + ",\n  ".join(lines) + "\n)"


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def staging_path(out_dir: Path) -> Path:
    """Where a load writes the warehouse before it is renamed over the old one (cleared)."""
    tmp = out_dir / f".{WAREHOUSE}.{os.getpid()}.tmp"
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return tmp


class Staging:
    """A warehouse being written: one table per dataset, filled batch by batch."""

    def __init__(self, path: Path | None, contracts: dict[str, Contract],
                 spill: Path | None = None):
        """``path`` None: in memory (a validation that does not load), spilling to ``spill``."""
        self.path = Path(path) if path is not None else None
        self.contracts = contracts
        self.con = open_duckdb(str(self.path) if self.path else ":memory:")
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        # Rows are read back in the order of their keys or origin, never by position: loading
        # them in any order lets DuckDB write on every core.
        self.con.execute("SET preserve_insertion_order = false")
        if spill is not None:
            self.con.execute(f"SET temp_directory = {sql_string(spill.as_posix())}")
        for name in ALL_DATASETS:
            self.con.execute(table_ddl(contracts[name]))

    def insert(self, name: str, frame: pl.DataFrame) -> None:
        """Append typed rows (the contract's columns, ``__file``, ``__row``, ``__line``)."""
        if frame.height:
            self.con.register("incoming", frame.to_arrow())
            self.con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')
            self.con.unregister("incoming")

    def forget(self, name: str, file: str) -> None:
        """Remove the rows of a file found unreadable after some were loaded."""
        self.con.execute(f'DELETE FROM "{name}" WHERE __file = ?', [file])

    def rows(self, name: str) -> int:
        return self.con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]

    def finish(self, as_of: dt.date, files: Iterable[tuple[str, str, str, int]],
               copy_findings) -> None:
        """What a warehouse holds beside the datasets: findings, load info, files, views.

        ``files``: (dataset, file, sha256, rows); ``copy_findings(con)`` writes the report's
        ``findings`` table.
        """
        copy_findings(self.con)
        self.con.execute("CREATE TABLE load_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
        self.con.executemany("INSERT INTO load_info VALUES (?, ?)", [
            ("as_of", as_of.isoformat()), ("toolkit_version", __version__)])
        self.con.execute("CREATE TABLE raw_files (dataset VARCHAR, file VARCHAR PRIMARY KEY, "
                         "sha256 VARCHAR, rows BIGINT)")
        self.con.executemany("INSERT INTO raw_files VALUES (?, ?, ?, ?)", list(files))
        self.con.execute(f"CREATE VIEW not_returned AS {STOCK_SQL}")
        self.con.execute(f"CREATE VIEW reconciliation_findings AS {FINDINGS_SQL}")
        self.con.execute("CHECKPOINT")

    def close(self) -> None:
        self.con.close()

    def commit(self, out_dir: Path) -> Path:
        """Close, and rename the staging database over ``<out_dir>/warehouse.duckdb``."""
        self.close()
        target = Path(out_dir) / WAREHOUSE
        with self.path.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.path, target)
        return target

    def discard(self) -> None:
        self.close()
        if self.path is not None:
            for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
                leftover.unlink(missing_ok=True)


def connect(out_dir: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse of ``out_dir``; a clear error if it has not been built."""
    path = Path(out_dir) / WAREHOUSE
    if not path.is_file():
        raise FileNotFoundError(f"no warehouse at {path}: run `toolkit load` first")
    return open_duckdb(str(path), read_only=read_only)
