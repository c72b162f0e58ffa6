"""The DuckDB engine's INSERT of one file against DuckDB's bare ingest of it, alone.

Each variant runs in a fresh process, the variants interleaved round by round; medians are
printed. It shows what the INSERT costs beyond reading the file, and what the guard costs.

    python bench/inserts.py DATA_DIR [--dataset detentions] [--rounds 5]

DATA_DIR is a folder ``toolkit synth`` wrote (for example ``.bench/data-1000000-1-2025-12-31``,
kept by ``bench/run.py --keep-data``). Variants:

- ``bare``: ``CREATE TABLE AS SELECT * FROM read_csv(file)``, types sniffed (the benchmark's
  baseline);
- ``text``: the same with every column read as text, as the engine reads;
- ``toolkit``: the engine's INSERT (casts, guard, the table's constraints), as ``toolkit load``
  runs it on a file the scan has cleared of the text rules;
- ``unguarded``: the same INSERT with the guard left out (casts and constraints only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future
from pathlib import Path

VARIANTS = ("bare", "text", "toolkit", "unguarded")


def run_one(variant: str, path: Path, dataset: str, db: Path) -> float:
    import duckdb

    from toolkit import engine, warehouse
    from toolkit.contracts import load_contracts
    from toolkit.warehouse import sql_string

    contract = load_contracts()[dataset]
    header = path.open(encoding="utf-8-sig").readline().rstrip("\r\n").split(",")
    con = duckdb.connect(str(db))
    con.execute(warehouse.iso3_type_ddl())
    start = time.perf_counter()
    if variant == "bare":
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv([{sql_string(str(path))}])")
    elif variant == "text":
        con.execute(f"CREATE TABLE t AS SELECT * FROM {engine.reader([path], header)}")
    else:
        f = engine._File(path, path.name, header, Future())
        sql = engine._select(contract, [f], dt.date(2025, 12, 31))
        if variant == "unguarded":
            guard = engine._parts(contract, dt.date(2025, 12, 31)).guard
            assert f"CASE WHEN {guard} THEN" in sql
            sql = sql.replace(f"CASE WHEN {guard} THEN", "CASE WHEN TRUE THEN")
        con.execute(warehouse.table_ddl(contract))
        con.execute(f"INSERT INTO {engine._ident(dataset)} {sql}")
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--dataset", default="detentions")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--one", metavar="VARIANT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = sorted((args.data / args.dataset).glob("*.csv"))[0]
    if args.one:
        with tempfile.TemporaryDirectory() as folder:
            wall = run_one(args.one, path.absolute(), args.dataset, Path(folder) / "t.duckdb")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime}))
        return
    samples: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    for _ in range(args.rounds):
        for variant in VARIANTS:
            out = subprocess.run([sys.executable, __file__, str(args.data), "--dataset",
                                  args.dataset, "--one", variant],
                                 capture_output=True, text=True, check=True)
            samples[variant].append(json.loads(out.stdout))
    print(f"{path.name}: medians of {args.rounds} interleaved runs (wall inside the process)")
    for variant in VARIANTS:
        wall = statistics.median(s["wall"] for s in samples[variant])
        cpu = statistics.median(s["cpu"] for s in samples[variant])
        print(f"  {variant:10s} {wall:6.2f} s wall {cpu:6.2f} s CPU")


if __name__ == "__main__":
    main()
