"""One measured step of the benchmark, run by ``bench/run.py`` in a fresh process.

Each step prints one JSON line on stdout: what it did and how long its work took inside the
process (``inner_s``, after imports). Wall time and peak memory are measured from outside by
the parent, over the whole process.

    python bench/steps.py synth OUT ROWS SEED AS_OF
    python bench/steps.py duckdb DB RAW_DIR [DATASET ...]
    python bench/steps.py toolkit RAW_DIR OUT AS_OF [ENGINE]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

DATASETS = ("sources", "detentions", "repatriations", "fatalities")


def csv_files(raw: Path, dataset: str) -> list[str]:
    if dataset == "sources":
        return [str(raw / "sources.csv")]
    return sorted(str(p) for p in (raw / dataset).glob("*.csv"))


def step_synth(out: str, rows: str, seed: str, as_of: str) -> dict:
    from toolkit.synth import write_synthetic

    t = time.perf_counter()
    write_synthetic(Path(out), int(rows), int(seed), as_of=dt.date.fromisoformat(as_of))
    return {"inner_s": time.perf_counter() - t}


def step_duckdb(db: str, raw: str, *datasets: str) -> dict:
    """The baseline: DuckDB's own ``read_csv`` of the same files into tables, nothing else."""
    import duckdb

    t = time.perf_counter()
    con = duckdb.connect(db)
    counts = {}
    for name in datasets or DATASETS:
        files = csv_files(Path(raw), name)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_csv({files!r})')
        counts[name] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
    con.execute("CHECKPOINT")
    con.close()
    return {"inner_s": time.perf_counter() - t, "rows": counts}


def step_toolkit(raw: str, out: str, as_of: str, engine: str = "auto") -> dict:
    """The toolkit: validate every rule, then write the warehouse (what ``toolkit load`` does)."""
    from toolkit.engine import validate_and_load

    t = time.perf_counter()
    outcome = validate_and_load(Path(raw), dt.date.fromisoformat(as_of), out_dir=Path(out),
                                engine=engine)
    return {
        "inner_s": time.perf_counter() - t,
        "engine": outcome.engine,
        "handed_over": outcome.handed_over,
        "errors": len(outcome.report.errors),
        "warnings": len(outcome.report.warnings),
        "summary": outcome.report.summary(),
        "rows": outcome.rows,
    }


STEPS = {"synth": step_synth, "duckdb": step_duckdb, "toolkit": step_toolkit}

if __name__ == "__main__":
    outcome = STEPS[sys.argv[1]](*sys.argv[2:])
    sys.stdout.write(json.dumps(outcome) + "\n")
    sys.exit(1 if outcome.get("errors") else 0)
