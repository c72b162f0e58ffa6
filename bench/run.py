"""The benchmark of issue 5: the toolkit's cost beside the engine it stands on, as ratios.

    python bench/run.py                     # 1,000,000 synthetic detention rows, best of 3
    python bench/run.py --rows 10000000 --repeat 1

In one run it generates synthetic raw data (``toolkit.synth``) under ``.bench/`` and measures,
each step in a fresh process (wall time from spawn to exit; peak memory = the child's
``ru_maxrss`` from ``os.wait4``):

- baseline: DuckDB's own ``CREATE TABLE t AS SELECT * FROM read_csv(...)`` of the same files
  into a database file (all four datasets; and the detentions file(s) alone);
- toolkit: ``validate`` + ``write_warehouse`` of the same folder (what ``toolkit load`` does);
  and of a folder with the same detentions and sources whose repatriations and fatalities
  files hold only their header (the issue's literal wording: 1 million detention rows, against
  the baseline's read of the detentions alone);
- the shipped data: ``python -m toolkit load`` cold (and ``toolkit build`` once it exists).

It prints a table of each figure beside its baseline, the ratio and the target of issue 5, and
writes everything (all samples, the machine) to ``.bench/results-<rows>.json``.

``--against REV`` also times the toolkit of another commit (its ``toolkit/`` and ``schemas/``,
exported under ``.bench/``) on the same data, interleaved with the rest, and prints the median
of each beside the other: on a shared machine, where best-of-3 figures move by a fifth from hour
to hour, that is the like-for-like way to see what a change did.
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
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
STEPS = Path(__file__).resolve().parent / "steps.py"
SHIPPED = ROOT / "data" / "raw"
GIB = 1024**3
MIB = 1024**2

#: Targets of issue 5.
TARGET_TIME_RATIO = 1.3
TARGET_MEMORY_RATIO = 1.5
TARGET_PEAK_10M = 4 * GIB
TARGET_COLD_BUILD_S = 6.0
TARGET_NOOP_BUILD_S = 1.0

# HOOK for `toolkit build`: the arguments of a full build ({raw} and {out} are filled in). The
# benchmark times a cold build into an empty folder, then a second build into the same folder,
# which must change nothing, and checks that it touched no file. Set to None to skip (then only
# `toolkit load` is timed, the part of the build that existed first).
BUILD_ARGS: list[str] | None = ["build", "--raw", "{raw}", "--out", "{out}"]


# --------------------------------------------------------------------------- measuring


def _rss(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def run_measured(argv: list[str], cwd: Path = ROOT, cap: int | None = None,
                 env: dict[str, str] | None = None) -> dict:
    """Run ``argv`` in a fresh process; its wall and CPU time, peak RSS and the JSON it printed.

    With ``cap`` (bytes), a watchdog kills the process once its RSS exceeds the cap, so that
    an over-hungry run cannot push a shared machine into the OOM killer.
    """
    import threading

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd,
                                env=None if env is None else {**os.environ, **env})
        capped = threading.Event()
        finished = threading.Event()

        def watch() -> None:
            while not finished.wait(0.1):
                if cap and _rss(proc.pid) > cap:
                    capped.set()
                    proc.kill()
                    return

        watchdog = threading.Thread(target=watch, daemon=True)
        watchdog.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        finished.set()
        watchdog.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    result = {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
              "peak_bytes": usage.ru_maxrss * 1024, "exit": proc.returncode}
    if capped.is_set():
        result["killed"] = f"RSS above the cap of {cap / GIB:.1f} GiB"
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if lines:
        result.update(json.loads(lines[-1]))
    if proc.returncode != 0:
        result["stderr"] = stderr[-2000:]
        result["stdout"] = stdout[-2000:]
    return result


def step(*args: str) -> list[str]:
    return [sys.executable, str(STEPS), *args]


def best(samples: list[dict]) -> dict:
    """The fastest sample, with the smallest peak memory of all samples beside it."""
    ok = [s for s in samples if s["exit"] == 0] or samples
    fastest = min(ok, key=lambda s: s["wall_s"])
    return {**fastest, "peak_bytes": min(s["peak_bytes"] for s in ok)}


def scratch(name: str) -> Path:
    path = BENCH / "tmp" / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def fail_on_error(what: str, sample: dict) -> None:
    if sample["exit"] != 0 and "killed" not in sample:
        sys.stderr.write(f"{what} failed (exit {sample['exit']}):\n"
                         f"{sample.get('stdout', '')}\n{sample.get('stderr', '')}\n")
        sys.exit(1)


# --------------------------------------------------------------------------- the run


def synthetic_folder(rows: int, seed: int, as_of: dt.date, fresh: bool) -> tuple[Path, dict]:
    """Generate the data (or reuse the folder of an earlier run with the same arguments)."""
    folder = BENCH / f"data-{rows}-{seed}-{as_of.isoformat()}"
    done = folder / ".complete"
    if done.is_file() and not fresh:
        return folder, json.loads(done.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    sample = run_measured(step("synth", str(folder), str(rows), str(seed), as_of.isoformat()))
    fail_on_error("toolkit.synth", sample)
    done.write_text(json.dumps(sample))
    return folder, sample


def detentions_only_folder(raw: Path) -> Path:
    """The same detentions (and sources) as ``raw``, with header-only repatriations and
    fatalities: the issue's literal wording, "validate + load of 1 million detention rows",
    against DuckDB's read of the same detention files. (Hard links where the file system
    allows, so it costs no space.)"""
    folder = raw.with_name(raw.name + "-detentions-only")
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "detentions").mkdir(parents=True)
    for path in [raw / "sources.csv", *sorted((raw / "detentions").glob("*.csv"))]:
        target = folder / path.relative_to(raw)
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    for name in ("repatriations", "fatalities"):
        first = sorted((raw / name).glob("*.csv"))[0]
        (folder / name).mkdir()
        with first.open("rb") as fh:
            (folder / name / first.name).write_bytes(fh.readline())
    return folder


def against_tree(rev: str) -> tuple[str, Path]:
    """The toolkit of commit ``rev`` (its ``toolkit/`` and ``schemas/``) under ``.bench/``."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    path = BENCH / f"against-{sha}"
    if not (path / "toolkit" / "__init__.py").is_file():
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha, "toolkit", "schemas"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(path)], input=archive, check=True)
    return sha, path


def measure_synthetic(raw: Path, as_of: dt.date, repeat: int, cap: int, log,
                      polars: bool = False, against: tuple[str, Path] | None = None) -> dict:
    samples: dict[str, list[dict]] = {"duckdb_all": [], "duckdb_detentions": [], "toolkit": [],
                                      "toolkit_detentions": []}
    alone = detentions_only_folder(raw)
    if polars:
        samples["toolkit_polars"] = []
    if against:
        samples["toolkit_against"] = []
        samples["toolkit_detentions_against"] = []
    for i in range(repeat):
        # Interleaved, so that drift of the machine touches every figure alike.
        db = scratch("duckdb") / "baseline.duckdb"
        samples["duckdb_all"].append(s := run_measured(step("duckdb", str(db), str(raw))))
        fail_on_error("DuckDB baseline", s)
        log(f"  run {i + 1}: duckdb (all files) {s['wall_s']:.2f} s, "
            f"{s['peak_bytes'] / MIB:.0f} MiB")
        db = scratch("duckdb") / "baseline.duckdb"
        samples["duckdb_detentions"].append(
            s := run_measured(step("duckdb", str(db), str(raw), "detentions")))
        fail_on_error("DuckDB baseline", s)
        log(f"  run {i + 1}: duckdb (detentions) {s['wall_s']:.2f} s, "
            f"{s['peak_bytes'] / MIB:.0f} MiB")
        out = scratch("toolkit")
        samples["toolkit"].append(
            s := run_measured(step("toolkit", str(raw), str(out), as_of.isoformat()), cap=cap))
        fail_on_error("toolkit validate + load", s)
        if "killed" in s:
            log(f"  run {i + 1}: toolkit killed after {s['wall_s']:.2f} s: {s['killed']}")
            break
        handed = f", handed over: {s['handed_over']}" if s.get("handed_over") else ""
        log(f"  run {i + 1}: toolkit {s['wall_s']:.2f} s, {s['peak_bytes'] / MIB:.0f} MiB "
            f"({s.get('engine')} engine{handed}; {s.get('summary', '')})")
        out = scratch("toolkit")
        samples["toolkit_detentions"].append(
            s := run_measured(step("toolkit", str(alone), str(out), as_of.isoformat()), cap=cap))
        fail_on_error("toolkit validate + load (detentions only)", s)
        handed = f", handed over: {s['handed_over']}" if s.get("handed_over") else ""
        log(f"  run {i + 1}: toolkit (detentions only) {s['wall_s']:.2f} s, "
            f"{s['peak_bytes'] / MIB:.0f} MiB ({s.get('engine')} engine{handed})")
        if against:
            # steps.py runs as a script, so PYTHONPATH comes before the installed toolkit.
            for key, folder, what in (("toolkit_against", raw, ""),
                                      ("toolkit_detentions_against", alone, " (detentions only)")):
                out = scratch("toolkit")
                samples[key].append(s := run_measured(
                    step("toolkit", str(folder), str(out), as_of.isoformat()), cap=cap,
                    env={"PYTHONPATH": str(against[1])}))
                fail_on_error(f"toolkit at {against[0]}{what}", s)
                log(f"  run {i + 1}: toolkit at {against[0]}{what} {s['wall_s']:.2f} s, "
                    f"{s['peak_bytes'] / MIB:.0f} MiB ({s.get('engine')} engine)")
        if polars:
            out = scratch("toolkit")
            samples["toolkit_polars"].append(s := run_measured(
                step("toolkit", str(raw), str(out), as_of.isoformat(), "polars"), cap=cap))
            fail_on_error("toolkit validate + load (polars engine)", s)
            log(f"  run {i + 1}: toolkit, polars engine {s['wall_s']:.2f} s, "
                f"{s['peak_bytes'] / MIB:.0f} MiB")
    shutil.rmtree(BENCH / "tmp", ignore_errors=True)
    shutil.rmtree(alone, ignore_errors=True)
    return {"samples": samples, "best": {k: best(v) for k, v in samples.items() if v},
            "median": {k: median(v) for k, v in samples.items() if v}}


def median(samples: list[dict]) -> dict:
    """The median wall time, CPU time and peak memory of the samples that ran to the end."""

    ok = [s for s in samples if s["exit"] == 0] or samples
    return {k: statistics.median(s[k] for s in ok) for k in ("wall_s", "cpu_s", "peak_bytes")}


def per_round_ratios(samples: dict[str, list[dict]], toolkit: str = "toolkit",
                     baseline: str = "duckdb_all") -> list[float]:
    """Each round's toolkit wall time over the same round's baseline, for the rounds where
    both ran to the end. On a shared machine the baseline moves by a fifth within a run; a
    round's two figures share the machine's state of the moment."""
    return [t["wall_s"] / b["wall_s"]
            for t, b in zip(samples.get(toolkit, []), samples[baseline], strict=False)
            if t["exit"] == 0 and b["exit"] == 0]


def rounds_row(label: str, rounds: list[float]) -> list[str]:
    mid = statistics.median(rounds)
    return [f"{label} ({len(rounds)} rounds)", "", "",
            f"{min(rounds):.2f}x-{max(rounds):.2f}x, median {mid:.2f}x",
            f"<= {TARGET_TIME_RATIO}x", "yes" if mid <= TARGET_TIME_RATIO else "NO"]


def build_available() -> bool:
    if BUILD_ARGS is None:
        return False
    probe = subprocess.run([sys.executable, "-m", "toolkit", BUILD_ARGS[0], "--help"],
                           cwd=ROOT, capture_output=True)
    return probe.returncode == 0


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time (ns)."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def measure_shipped(repeat: int, log) -> dict:
    """The shipped data: `toolkit build` cold and no-op when it exists, and `toolkit load`."""
    samples: dict[str, list[dict]] = {}
    if build_available():
        for i in range(repeat):
            out = scratch("build")
            args = [a.format(raw=SHIPPED, out=out) for a in BUILD_ARGS]
            cold = run_measured([sys.executable, "-m", "toolkit", *args])
            fail_on_error("toolkit build", cold)
            before = snapshot(out)
            noop = run_measured([sys.executable, "-m", "toolkit", *args])
            fail_on_error("toolkit build (no-op)", noop)
            after = snapshot(out)
            touched = sorted(k for k in before.keys() | after.keys()
                             if before.get(k) != after.get(k))
            # Hidden files (the build lock) are the build's own, not published.
            noop["files_touched"] = [k for k in touched
                                     if not any(p.startswith(".") for p in k.split("/"))]
            noop["hidden_files_touched"] = [k for k in touched if k not in noop["files_touched"]]
            samples.setdefault("build_cold", []).append(cold)
            samples.setdefault("build_noop", []).append(noop)
            log(f"  run {i + 1}: toolkit build cold {cold['wall_s']:.2f} s, "
                f"no-op {noop['wall_s']:.2f} s ({len(noop['files_touched'])} published files "
                f"touched)")
    for i in range(repeat):
        out = scratch("load")
        s = run_measured([sys.executable, "-m", "toolkit", "load", "--raw", str(SHIPPED),
                          "--out", str(out)])
        samples.setdefault("load_cold", []).append(s)
        log(f"  run {i + 1}: toolkit load (shipped) {s['wall_s']:.2f} s, exit {s['exit']}")
    shutil.rmtree(BENCH / "tmp", ignore_errors=True)
    return {"samples": samples, "best": {k: best(v) for k, v in samples.items()}}


def machine() -> dict:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    import duckdb
    import pandera
    import polars

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "toolkit"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory_gib": round(int(first("/proc/meminfo", "MemTotal").split()[0]) / 1024**2, 1),
        "python": platform.python_version(),
        "polars": polars.__version__,
        "duckdb": duckdb.__version__,
        "pandera": pandera.__version__,
        "commit": commit + ("+changes" if dirty else ""),
    }


# --------------------------------------------------------------------------- the table


def ratio_row(label: str, value: float, base: float, target: float, unit: str) -> list[str]:
    ratio = value / base

    def shown(x: float) -> str:
        return f"{x:,.2f} s" if unit == "s" else f"{x / MIB:,.0f} MiB"

    return [label, shown(value), shown(base), f"{ratio:.2f}x", f"<= {target}x",
            "yes" if ratio <= target else "NO"]


def absolute_row(label: str, value: float, target: float, unit: str) -> list[str]:
    if unit == "MiB":
        shown, limit = f"{value / MIB:,.0f} MiB", f"<= {target / GIB:.0f} GiB"
    else:
        shown, limit = f"{value:,.2f} s", f"<= {target:g} s"
    return [label, shown, "", "", limit, "yes" if value <= target else "NO"]


def table(rows: list[list[str]]) -> str:
    head = ["figure", "toolkit", "baseline", "ratio", "target", "met"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(r: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                         enumerate(zip(r, widths, strict=True)))
    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def summarise(rows_n: int, synthetic: dict | None, shipped: dict | None) -> list[list[str]]:
    out = []
    label = f"{rows_n:,} rows"
    killed = synthetic and synthetic["best"]["toolkit"].get("killed")
    if killed:
        out.append([f"{label}: validate+load", f"killed: {killed}", "", "", "", "NO"])
    elif synthetic:
        b = synthetic["best"]
        tk, base, det = b["toolkit"], b["duckdb_all"], b["duckdb_detentions"]
        out.append(ratio_row(f"{label}: validate+load wall", tk["wall_s"], base["wall_s"],
                             TARGET_TIME_RATIO, "s"))
        out.append(ratio_row(f"{label}: validate+load peak RSS", tk["peak_bytes"],
                             base["peak_bytes"], TARGET_MEMORY_RATIO, "MiB"))
        rounds = per_round_ratios(synthetic["samples"])
        if len(rounds) > 1:
            out.append(rounds_row(f"{label}: wall, each round over its baseline", rounds))
        if b.get("toolkit_detentions"):
            alone = b["toolkit_detentions"]
            out.append(ratio_row(f"{label}, detentions only: validate+load wall",
                                 alone["wall_s"], det["wall_s"], TARGET_TIME_RATIO, "s"))
            out.append(ratio_row(f"{label}, detentions only: validate+load peak RSS",
                                 alone["peak_bytes"], det["peak_bytes"], TARGET_MEMORY_RATIO,
                                 "MiB"))
            rounds = per_round_ratios(synthetic["samples"], "toolkit_detentions",
                                      "duckdb_detentions")
            if len(rounds) > 1:
                out.append(rounds_row(f"{label}, detentions only: wall, each round", rounds))
        m = synthetic["median"]
        this, base_m = m["toolkit"], m["duckdb_all"]
        out.append([f"{label}: CPU time, median (in brackets: CPU over wall, the cores kept busy)",
                    f"{this['cpu_s']:.2f} s ({this['cpu_s'] / this['wall_s']:.1f})",
                    f"{base_m['cpu_s']:.2f} s ({base_m['cpu_s'] / base_m['wall_s']:.1f})",
                    f"{this['cpu_s'] / base_m['cpu_s']:.2f}x", "", ""])
        if rows_n >= 10_000_000:
            out.append(absolute_row(f"{label}: validate+load peak RSS", tk["peak_bytes"],
                                    TARGET_PEAK_10M, "MiB"))
        if "toolkit_against" in b:
            m, rev = synthetic["median"], synthetic["against"]
            med = f"median of {len(synthetic['samples']['toolkit'])}"
            out.append(ratio_row(f"{label}: wall, {med}", m["toolkit"]["wall_s"],
                                 m["duckdb_all"]["wall_s"], TARGET_TIME_RATIO, "s"))
            out.append(ratio_row(f"{label}: wall at {rev}, {med}",
                                 m["toolkit_against"]["wall_s"], m["duckdb_all"]["wall_s"],
                                 TARGET_TIME_RATIO, "s"))
            for which, what in (("", ""), ("_detentions", ", detentions only")):
                this, then = m[f"toolkit{which}"], m.get(f"toolkit{which}_against")
                if then is None:
                    continue
                out.append([f"{label}{what}: this tree against {rev}, wall / CPU / peak ({med})",
                            f"{this['wall_s']:.2f} / {this['cpu_s']:.2f} s",
                            f"{then['wall_s']:.2f} / {then['cpu_s']:.2f} s",
                            f"{this['wall_s'] / then['wall_s']:.2f}x / "
                            f"{this['cpu_s'] / then['cpu_s']:.2f}x / "
                            f"{this['peak_bytes'] / then['peak_bytes']:.2f}x", "", ""])
            rounds = per_round_ratios(synthetic["samples"], "toolkit_detentions_against",
                                      "duckdb_detentions")
            if len(rounds) > 1:
                out.append(rounds_row(f"{label}, detentions only at {rev}: wall, each round",
                                      rounds))
        if "toolkit_polars" in b:
            pl = b["toolkit_polars"]
            out.append(ratio_row(f"{label}, Polars engine only: wall", pl["wall_s"],
                                 base["wall_s"], TARGET_TIME_RATIO, "s"))
            out.append(ratio_row(f"{label}, Polars engine only: peak RSS", pl["peak_bytes"],
                                 base["peak_bytes"], TARGET_MEMORY_RATIO, "MiB"))
    if shipped:
        b = shipped["best"]
        if "build_cold" in b:
            out.append(absolute_row("shipped data: cold build", b["build_cold"]["wall_s"],
                                    TARGET_COLD_BUILD_S, "s"))
            out.append(absolute_row("shipped data: no-op rebuild", b["build_noop"]["wall_s"],
                                    TARGET_NOOP_BUILD_S, "s"))
            touched = max(len(s["files_touched"]) for s in shipped["samples"]["build_noop"])
            out.append(["shipped data: published files the no-op touched", str(touched), "", "",
                        "0", "yes" if touched == 0 else "NO"])
            out.append(absolute_row("shipped data: `toolkit load` cold (part of the build)",
                                    b["load_cold"]["wall_s"], TARGET_COLD_BUILD_S, "s"))
        else:
            out.append(absolute_row("shipped data: `toolkit load` cold (build n/a)",
                                    b["load_cold"]["wall_s"], TARGET_COLD_BUILD_S, "s"))
            out.append(["shipped data: no-op rebuild", "n/a", "", "", "<= 1 s",
                        "(no `toolkit build` yet)"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="synthetic detention rows (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; best is kept")
    parser.add_argument("--as-of", default="2025-12-31", help="as-of date of the synthetic data")
    parser.add_argument("--fresh", action="store_true",
                        help="regenerate the synthetic data even if .bench/ holds it")
    parser.add_argument("--no-synthetic", action="store_true", help="skip the synthetic figures")
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped-data figures")
    parser.add_argument("--polars", action="store_true",
                        help="also time the Polars engine alone (--engine polars), for comparison")
    parser.add_argument("--memory-cap", type=float, default=16.0, metavar="GIB",
                        help="kill the toolkit's run above this RSS (default 16 GiB)")
    parser.add_argument("--against", metavar="REV",
                        help="also time the toolkit of this commit, interleaved, and compare "
                             "medians")
    parser.add_argument("--keep-data", action="store_true",
                        help="keep the synthetic folder in .bench/ (default: delete at the end)")
    args = parser.parse_args(argv)
    as_of = dt.date.fromisoformat(args.as_of)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    BENCH.mkdir(exist_ok=True)
    results: dict = {"rows": args.rows, "seed": args.seed, "repeat": args.repeat,
                     "as_of": as_of.isoformat(), "machine": machine(),
                     "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    synthetic = shipped = None
    if not args.no_synthetic:
        log(f"generating {args.rows:,} synthetic detention rows (seed {args.seed})")
        raw, gen = synthetic_folder(args.rows, args.seed, as_of, args.fresh)
        results["synth"] = gen
        log(f"  {raw}: {gen['wall_s']:.1f} s, {gen['peak_bytes'] / MIB:.0f} MiB peak")
        log("measuring validate + load against DuckDB read_csv")
        against = against_tree(args.against) if args.against else None
        synthetic = measure_synthetic(raw, as_of, args.repeat, int(args.memory_cap * GIB), log,
                                      polars=args.polars, against=against)
        if against:
            synthetic["against"] = against[0]
        results["synthetic"] = synthetic
        if not args.keep_data:
            shutil.rmtree(raw, ignore_errors=True)
    if not args.no_shipped:
        log("measuring the shipped data")
        shipped = measure_shipped(args.repeat, log)
        results["shipped"] = shipped

    rows = summarise(args.rows, synthetic, shipped)
    results["table"] = rows
    path = BENCH / f"results-{args.rows}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    m = results["machine"]
    print(f"\n{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, "
          f"polars {m['polars']}, DuckDB {m['duckdb']}, pandera {m['pandera']}; "
          f"commit {m['commit']}; best of {args.repeat}")
    if "synth" in results:
        g = results["synth"]
        print(f"synthetic data: {args.rows:,} detention rows generated in {g['wall_s']:.1f} s, "
              f"{g['peak_bytes'] / MIB:,.0f} MiB peak")
    print("baseline = DuckDB CREATE TABLE AS SELECT * FROM read_csv(...) of the same CSV files "
          "into a database file\n")
    print(table(rows))
    print(f"\nAll samples: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
