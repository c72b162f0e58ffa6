"""The spike behind docs/decisions/0001-one-validation-path.md: one return checked with the same
rules on three Pandera set-ups, against DuckDB's own read of it.

    python bench/backends.py [CSV]            # default: the benchmark's 1M-row detentions

Each set-up runs in a fresh process (wall time and peak memory from outside):

- ``duckdb``: DuckDB's ``CREATE TABLE AS SELECT * FROM read_csv`` into a database file (the
  baseline);
- ``polars-whole``: Polars reads the whole file, Pandera's Polars backend checks it at depth
  ``SCHEMA_AND_DATA`` with the toolkit's schema, the typed rows go to DuckDB;
- ``polars-batches``: the same in batches of 250,000 rows (what ``toolkit.checks`` does);
- ``ibis``: DuckDB reads the file, Pandera's Ibis backend checks it where it lies, with the
  built-in checks that express the same rules (needs ``pip install 'pandera[ibis]'``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / ".bench" / "plain-1000000" / "detentions" / "synthetic-detentions-001.csv"

POLARS = """
import datetime as dt, sys
from pathlib import Path
import polars as pl
from toolkit.checks.batch import Schemas, Skip, check_batch
from toolkit.checks.cells import Context, typed, with_parsed
from toolkit.contracts import load_contracts
from toolkit.warehouse import Staging
contract = load_contracts()["detentions"]
schemas, ctx = Schemas.of(contract, dt.date(2026, 1, 1)), Context(dt.date(2026, 1, 1))
store = Staging(Path(sys.argv[2]), load_contracts())
whole = sys.argv[3] == "whole"
frames = (pl.read_csv(sys.argv[1], infer_schema=False).iter_slices(10**9) if whole
          else pl.scan_csv(sys.argv[1], infer_schema=False).collect_batches(chunk_size=250_000))
start = 2
for raw in frames:
    frame = raw.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in raw.columns)
    rows = pl.int_range(start, start + frame.height, dtype=pl.Int64, eager=True)
    start += frame.height
    frame = with_parsed(frame.with_columns(rows.alias("__row"), rows.alias("__line")), contract)
    assert check_batch(frame, contract, schemas, ctx, "d.csv", Skip()).height == 0
    store.insert("detentions", typed(frame, contract).with_columns(
        pl.lit("d.csv").alias("__file")))
store.con.execute("CHECKPOINT")
"""

IBIS = """
import sys
import ibis, pandera.ibis as pi, pycountry
import ibis.expr.datatypes as idt
con = ibis.duckdb.connect(sys.argv[2])
con.raw_sql(f"CREATE TABLE raw AS SELECT * FROM read_csv('{sys.argv[1]}', all_varchar=true)")
iso = sorted({c.alpha_3 for c in pycountry.countries} | {"XXX"})
text = [pi.Check.str_matches(r"^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F<]*$"),
        pi.Check.str_length(max_value=10000)]
num = [pi.Check.str_matches(r"^[+-]?[0-9]+(\\.0+)?$")]
S = idt.String
schema = pi.DataFrameSchema({
    "record_id": pi.Column(S, nullable=False, checks=text),
    "event_date": pi.Column(S, nullable=False,
                            checks=[pi.Check.str_matches(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]),
    "date_precision": pi.Column(S, nullable=False, checks=[pi.Check.isin(
        ["day", "week", "month", "quarter", "year"])]),
    "country": pi.Column(S, nullable=False, checks=[pi.Check.isin(iso)]),
    "admin1": pi.Column(S, nullable=True, checks=text),
    "location": pi.Column(S, nullable=True, checks=text),
    "nationality": pi.Column(S, nullable=False, checks=[pi.Check.isin(iso)]),
    "persons": pi.Column(S, nullable=False, checks=num),
    "females": pi.Column(S, nullable=True, checks=num),
    "males": pi.Column(S, nullable=True, checks=num),
    "minors": pi.Column(S, nullable=True, checks=num),
    "detaining_authority": pi.Column(S, nullable=True, checks=text),
    "reason": pi.Column(S, nullable=False, checks=[pi.Check.isin(
        ["suspected_scam_involvement", "immigration_violation", "rescued_victim", "other"])]),
    "source_id": pi.Column(S, nullable=False, checks=text),
    "notes": pi.Column(S, nullable=True, checks=text),
})
schema.validate(con.table("raw"), lazy=True)
con.raw_sql("CREATE TABLE t AS SELECT * REPLACE (CAST(event_date AS DATE) AS event_date) FROM raw")
con.raw_sql("CHECKPOINT")
"""

DUCKDB = """
import sys, duckdb
con = duckdb.connect(sys.argv[2])
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{sys.argv[1]}')")
con.execute("CHECKPOINT")
"""


def measure(code: str, csv: Path, *extra: str) -> tuple[float, float]:
    db = ROOT / ".bench" / "spike.duckdb"
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, str(csv), str(db), *extra], cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        raise SystemExit(f"failed: {status}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> int:
    csv = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    runs = {"duckdb": (DUCKDB,), "polars-whole": (POLARS, "whole"),
            "polars-batches": (POLARS, "batches"), "ibis": (IBIS,)}
    for name, (code, *extra) in runs.items():
        if name == "ibis":
            try:
                import pandera.ibis  # noqa: F401
            except ImportError:
                print("ibis: skipped (pip install 'pandera[ibis]')")
                continue
        wall, peak = measure(code, csv, *extra)
        print(f"{name:15} {wall:6.2f} s  {peak:6.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
