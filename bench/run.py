"""The benchmark of the validation path: the toolkit's cost beside DuckDB's own CSV read.

    python bench/run.py                       # 1,000,000 detention rows, 3 interleaved rounds
    python bench/run.py --rows 10000000 --rounds 1 --skip-shipped

Every measurement is a fresh process; wall time is from spawn to exit and peak memory is the
child's ``ru_maxrss``. Each round runs the baseline and the toolkit back to back, and the ratio
of the round is the toolkit's time over that round's baseline: on a shared machine only ratios
measured side by side mean anything. It measures:

- ``plain``: the synthetic detentions (``toolkit synth``) with header-only repatriations and
  fatalities: what ``toolkit load`` does (``toolkit.checks.validate`` with an output folder)
  against DuckDB's ``CREATE TABLE AS SELECT * FROM read_csv(...)`` of the same file into a
  database file. The ratio is of the work each process reports (after its imports: the
  toolkit's take about a second, DuckDB's a tenth); the whole processes' ratio is shown too;
- ``warnings``: the same number of rows where every event is recorded from two sources, so
  that about half the rows raise a ``possible_duplicate`` warning;
- the shipped data: a cold ``toolkit build`` into an empty folder, then a rebuild that must
  change nothing.

Results are printed as a table and written to ``.bench/results-<rows>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
AS_OF = "2026-01-01"
MIB = 1024**2
#: Targets (docs/performance.md).
TIME_RATIO, MEMORY_RATIO, PEAK_10M, COLD_BUILD_S, NOOP_BUILD_S = 2.0, 2.0, 4 * 1024**3, 6.0, 1.0


def run(argv: list[str]) -> dict:
    """Run a command in a fresh process: wall seconds, peak RSS bytes, exit status, and the
    seconds of work it reports itself (after its imports) on its last line of stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.stdout.close()
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({code}): {err[-2000:]}")
    lines = out.strip().splitlines()
    work = float(lines[-1]) if lines and lines[-1].replace(".", "", 1).isdigit() else None
    return {"wall_s": time.perf_counter() - start, "work_s": work,
            "peak_bytes": usage.ru_maxrss * 1024, "exit": code}


BASELINE = """
import sys, time
import duckdb
start = time.perf_counter()
con = duckdb.connect(sys.argv[2])
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv({sys.argv[1].split(',')!r})")
con.execute("CHECKPOINT")
con.close()
print(time.perf_counter() - start)
"""

TOOLKIT = """
import datetime as dt, sys, time
from pathlib import Path
from toolkit.checks import validate
from toolkit.checks.run import validate as _loaded  # imports done before the clock starts
start = time.perf_counter()
result = validate(Path(sys.argv[1]), dt.date.fromisoformat(sys.argv[3]), out_dir=Path(sys.argv[2]))
assert result.report.exit_code == 0, result.report.summary()
print(time.perf_counter() - start)
"""


def baseline(files: list[Path], db: Path) -> dict:
    db.unlink(missing_ok=True)
    return run([sys.executable, "-c", BASELINE, ",".join(str(f) for f in files), str(db)])


def toolkit_load(raw: Path, out: Path) -> dict:
    """What ``toolkit load`` does, in a fresh process: validate every rule, load the
    warehouse."""
    shutil.rmtree(out, ignore_errors=True)
    return run([sys.executable, "-c", TOOLKIT, str(raw), str(out), AS_OF])


def _header_only(folder: Path, source: Path) -> None:
    for name in ("repatriations", "fatalities"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        first = next(iter(sorted((source / name).glob("*.csv"))))
        (folder / name / f"{name}.csv").write_text(first.open().readline())


def plain_folder(rows: int) -> Path:
    """Synthetic detentions alone (the issue's wording), the other datasets header-only."""
    synth = BENCH / f"synth-{rows}"
    if not (synth / "sources.csv").is_file():
        subprocess.run([sys.executable, "-m", "toolkit", "synth", "--rows", str(rows),
                        "--seed", "7", "--out", str(synth), "--as-of", "2025-12-31"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    folder = BENCH / f"plain-{rows}"
    if not folder.is_dir():
        (folder / "detentions").mkdir(parents=True)
        for path in sorted((synth / "detentions").glob("*.csv")):
            os.link(path, folder / "detentions" / path.name)
        shutil.copy(synth / "sources.csv", folder / "sources.csv")
        _header_only(folder, synth)
    return folder


def warnings_folder(rows: int, plain: Path) -> Path:
    """``rows`` detentions: each event recorded twice, from two sources, a day or two apart."""
    import numpy as np
    import polars as pl

    folder = BENCH / f"warnings-{rows}"
    if folder.is_dir():
        return folder
    (folder / "detentions").mkdir(parents=True)
    events = pl.read_csv(next(iter(sorted((plain / "detentions").glob("*.csv")))),
                         n_rows=rows // 2, infer_schema=False)
    rng = np.random.default_rng(11)
    later = events.with_columns(
        (pl.col("event_date").str.to_date() + pl.duration(
            days=pl.Series(rng.integers(0, 3, events.height)))).dt.strftime("%Y-%m-%d")
        .alias("event_date"),
        (pl.col("record_id") + "-B").alias("record_id"),
        pl.when(pl.col("source_id") == "SYN-SRC-001").then(pl.lit("SYN-SRC-002"))
        .otherwise(pl.lit("SYN-SRC-001")).alias("source_id"))
    pl.concat([events, later]).sample(fraction=1.0, shuffle=True, seed=5).write_csv(
        folder / "detentions" / "events.csv")
    shutil.copy(plain / "sources.csv", folder / "sources.csv")
    _header_only(folder, plain)
    return folder


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"date": dt.date.today().isoformat(), "cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_version(), "commit": commit}


def measure(name: str, raw: Path, rounds: int) -> dict:
    files = sorted((raw / "detentions").glob("*.csv"))
    samples = []
    for i in range(rounds):
        base = baseline(files, BENCH / "baseline.duckdb")
        tool = toolkit_load(raw, BENCH / f"out-{name}")
        samples.append({"baseline": base, "toolkit": tool,
                        "ratio": tool["work_s"] / base["work_s"],
                        "wall_ratio": tool["wall_s"] / base["wall_s"],
                        "memory_ratio": tool["peak_bytes"] / base["peak_bytes"]})
        print(f"  {name} round {i + 1}: baseline {base['work_s']:.2f} s of work "
              f"({base['wall_s']:.2f} s process, {base['peak_bytes'] / MIB:.0f} MiB), toolkit "
              f"{tool['work_s']:.2f} s ({tool['wall_s']:.2f} s, "
              f"{tool['peak_bytes'] / MIB:.0f} MiB): ratio {samples[-1]['ratio']:.2f} "
              f"(process {samples[-1]['wall_ratio']:.2f}), memory "
              f"{samples[-1]['memory_ratio']:.2f}", flush=True)
    return {"samples": samples,
            "ratio": statistics.median(s["ratio"] for s in samples),
            "wall_ratio": statistics.median(s["wall_ratio"] for s in samples),
            "memory_ratio": statistics.median(s["memory_ratio"] for s in samples),
            "peak_bytes": max(s["toolkit"]["peak_bytes"] for s in samples)}


def shipped(rounds: int) -> dict:
    out = BENCH / "shipped"
    cold, noop = [], []
    for _ in range(rounds):
        shutil.rmtree(out, ignore_errors=True)
        args = [sys.executable, "-m", "toolkit", "build", "--period", "2025-Q4", "--out",
                str(out)]
        cold.append(run(args)["wall_s"])
        noop.append(run(args)["wall_s"])
    return {"cold_s": statistics.median(cold), "noop_s": statistics.median(noop)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-warnings", action="store_true")
    parser.add_argument("--skip-shipped", action="store_true")
    args = parser.parse_args()
    BENCH.mkdir(exist_ok=True)
    results: dict = {"machine": machine(), "rows": args.rows}
    plain = plain_folder(args.rows)
    results["plain"] = measure("plain", plain, args.rounds)
    if not args.skip_warnings:
        results["warnings"] = measure("warnings", warnings_folder(args.rows, plain),
                                      args.rounds)
    if not args.skip_shipped:
        results["shipped"] = shipped(args.rounds)
    rows = [("validate + load, plain", results["plain"]["ratio"], TIME_RATIO),
            ("  whole process, with imports", results["plain"]["wall_ratio"], None),
            ("peak memory, plain", results["plain"]["memory_ratio"], MEMORY_RATIO)]
    if "warnings" in results:
        rows += [("validate + load, many warnings", results["warnings"]["ratio"], TIME_RATIO),
                 ("  whole process, with imports", results["warnings"]["wall_ratio"], None),
                 ("peak memory, many warnings", results["warnings"]["memory_ratio"],
                  MEMORY_RATIO)]
    print(f"\n{args.rows:,} rows, median of {args.rounds} rounds (ratio to DuckDB's read_csv)")
    for label, value, target in rows:
        verdict = "" if target is None else (
            f"  target <= {target:.1f}x  {'met' if value <= target else 'NOT met'}")
        print(f"  {label:34} {value:5.2f}x{verdict}")
    peak = results["plain"]["peak_bytes"]
    print(f"  {'peak memory, plain (absolute)':34} {peak / MIB:7.0f} MiB"
          + (f"  target <= {PEAK_10M / MIB:.0f} MiB" if args.rows >= 10_000_000 else ""))
    if "shipped" in results:
        s = results["shipped"]
        print(f"  {'cold build of the shipped data':34} {s['cold_s']:5.2f} s  "
              f"target <= {COLD_BUILD_S:.0f} s")
        print(f"  {'no-op rebuild':34} {s['noop_s']:5.2f} s  target <= {NOOP_BUILD_S:.0f} s")
    (BENCH / f"results-{args.rows}.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
