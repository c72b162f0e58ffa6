"""Where validate + load spend time and memory, phase by phase, on one raw folder.

    python bench/run.py --rows 1000000 --repeat 1 --keep-data --no-shipped   # makes the data
    python bench/profile.py .bench/data-1000000-1-2025-12-31
    python bench/profile.py DIR --pyinstrument .bench/profile.html   # plus a call tree
    python bench/profile.py DIR --engine duckdb    # the DuckDB engine, statement by statement

It wraps the stage functions of ``toolkit.read``, ``toolkit.validate`` and ``toolkit.reconcile``
and every SQL statement ``toolkit.warehouse`` sends to DuckDB, and prints, per phase: calls,
seconds (inclusive; wall, and CPU of all threads, which a busy machine disturbs less) and the
peak RSS while it ran (Linux: the high-water mark in ``/proc/self/status``, reset at the start
of each phase through ``/proc/self/clear_refs``). Nothing in the toolkit is changed; the
wrappers are installed at run time. A phase's figures include its sub-phases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import re
import sys
import threading
import time
from pathlib import Path

MIB = 1024**2


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) * 1024


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


class Phases:
    """Nested timers with the peak RSS of each phase."""

    def __init__(self) -> None:
        self.stack: list[dict] = []
        self.stats: dict[tuple[str, ...], dict] = {}
        self.overall = 0

    def enter(self, name: str) -> None:
        peak = _status("VmHWM")
        self.overall = max(self.overall, peak)
        for frame in self.stack:
            frame["peak"] = max(frame["peak"], peak)
        _reset_peak()
        path = (*[f["name"] for f in self.stack], name)
        self.stats.setdefault(path, {"calls": 0, "seconds": 0.0, "cpu": 0.0, "peak": 0})
        self.stack.append({"name": name, "path": path, "start": time.perf_counter(),
                           "cpu": time.process_time(), "peak": _status("VmRSS")})

    def exit(self) -> None:
        frame = self.stack.pop()
        seconds = time.perf_counter() - frame["start"]
        cpu = time.process_time() - frame["cpu"]
        peak = max(frame["peak"], _status("VmHWM"))
        self.overall = max(self.overall, peak)
        for outer in self.stack:
            outer["peak"] = max(outer["peak"], peak)
        stat = self.stats[frame["path"]]
        stat["calls"] += 1
        stat["seconds"] += seconds
        stat["cpu"] += cpu
        stat["peak"] = max(stat["peak"], peak)

    def wrap(self, module, attr: str, label=None) -> None:
        fn = getattr(module, attr)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if threading.current_thread() is not threading.main_thread():
                return fn(*args, **kwargs)  # phases nest in one thread: others are not timed
            self.enter(label(args) if label else attr)
            try:
                return fn(*args, **kwargs)
            finally:
                self.exit()

        setattr(module, attr, wrapper)

    def table(self) -> str:
        lines = [f"{'phase':<52} {'calls':>5} {'wall s':>7} {'CPU s':>7} {'peak RSS':>10}"]
        for path, s in self.stats.items():
            name = "  " * (len(path) - 1) + path[-1]
            lines.append(f"{name[:52]:<52} {s['calls']:>5} {s['seconds']:>7.2f} "
                         f"{s['cpu']:>7.2f} {s['peak'] / MIB:>6,.0f} MiB")
        return "\n".join(lines)


class _Connection:
    """A DuckDB connection that times each statement as a phase."""

    def __init__(self, con, phases: Phases) -> None:
        self._con, self._phases = con, phases

    def __getattr__(self, name):
        return getattr(self._con, name)

    def _timed(self, method: str, sql: str, *args):
        head = " ".join(str(sql).split()[:5])[:60]
        self._phases.enter(f"sql: {head}")
        try:
            return getattr(self._con, method)(sql, *args)
        finally:
            self._phases.exit()

    def execute(self, sql, *args):
        return self._timed("execute", sql, *args)

    def executemany(self, sql, *args):
        return self._timed("executemany", sql, *args)


class _DuckDB:
    def __init__(self, module, phases: Phases) -> None:
        self._module, self._phases = module, phases

    def __getattr__(self, name):
        return getattr(self._module, name)

    def connect(self, *args, **kwargs):
        return _Connection(self._module.connect(*args, **kwargs), self._phases)


#: (module, function) pairs timed as phases when the module has them (the stages change).
PHASES = (
    ("validate", "validate"),
    ("validate", "read_dataset"),
    ("validate", "read_raw_file"),
    ("read", "decode_csv"),
    ("read", "_find_header"),
    ("read", "_read_csv_polars"),
    ("read", "_record_lines"),
    ("read", "_read_csv_python"),
    ("validate", "check_header"),
    ("validate", "read_issues"),
    ("validate", "parse_types"),
    ("validate", "type_failures"),
    ("validate", "run_schema"),
    ("validate", "_duplicate_places"),
    ("validate", "_explain_duplicates"),
    ("validate", "check_source_references"),
    ("validate", "check_detention_references"),
    ("validate", "check_possible_duplicates"),
    ("reconcile", "check_stock_flow"),
    ("validate", "add_line_numbers"),
    ("warehouse", "write_warehouse"),
    ("warehouse", "_write_findings"),
)


def _label(name: str):
    """Name a phase after the dataset or file it works on."""
    if name in ("read_dataset", "run_schema"):
        return lambda a: f"{name} {a[1].name}"
    if name == "read_raw_file":
        return lambda a: f"{name} {Path(a[0]).name}"
    if name == "check_possible_duplicates":
        return lambda a: f"{name} {a[0]}"
    return None


def instrument(phases: Phases) -> None:
    import duckdb

    from toolkit import read, reconcile, validate, warehouse

    modules = {"read": read, "reconcile": reconcile, "validate": validate,
               "warehouse": warehouse}
    for module, name in PHASES:
        if hasattr(modules[module], name):
            phases.wrap(modules[module], name, _label(name))
    warehouse.duckdb = _DuckDB(duckdb, phases)


#: The DuckDB engine's stages in this thread (the file scans and the stock screen,
#: ``any_negative_coded``, run beside them in threads of their own and are not timed).
ENGINE_PHASES = ("plan", "_insert_files", "_number", "_cross_checks", "_settle",
                 "_possible_duplicates", "stock_findings")


def run_duckdb_engine(args, phases: Phases):
    import duckdb

    from toolkit import engine, warehouse

    for name in ENGINE_PHASES:
        phases.wrap(engine, name, None)
    engine.duckdb = warehouse.duckdb = _DuckDB(duckdb, phases)
    outcome = engine.validate_and_load(args.raw, dt.date.fromisoformat(args.as_of),
                                       out_dir=args.out, engine="duckdb")
    if outcome.handed_over:
        print(f"the DuckDB engine handed over to Polars: {outcome.handed_over}")
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw", type=Path, help="raw data folder (e.g. from toolkit.synth)")
    parser.add_argument("--as-of", default="2025-12-31")
    parser.add_argument("--out", type=Path, default=Path(".bench/profile-out"))
    parser.add_argument("--engine", choices=("polars", "duckdb"), default="polars",
                        help="which engine to profile (default: polars, the stages below)")
    parser.add_argument("--pyinstrument", type=Path, metavar="FILE.html",
                        help="also record a pyinstrument call tree (pip install pyinstrument)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    phases = Phases()
    phases.enter("import toolkit")
    if args.engine == "polars":
        from toolkit import validate as validate_module
        from toolkit import warehouse
    phases.exit()
    if args.engine == "polars":
        instrument(phases)
    profiler = None
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    if args.engine == "duckdb":
        result = run_duckdb_engine(args, phases)
    else:
        result = validate_module.validate(args.raw, dt.date.fromisoformat(args.as_of))
        warehouse.write_warehouse(result, args.raw, args.out)
    if profiler:
        profiler.stop()
        args.pyinstrument.parent.mkdir(parents=True, exist_ok=True)
        args.pyinstrument.write_text(profiler.output_html())
        sys.stderr.write(profiler.output_text(color=False, unicode=False))
    print(phases.table())
    print(f"{len(result.report.errors)} errors, {len(result.report.warnings)} warnings; "
          f"{time.perf_counter() - start:.2f} s after start-up; "
          f"peak RSS {max(phases.overall, _status('VmHWM')) / MIB:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
