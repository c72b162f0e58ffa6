"""The validation stage: :func:`validate` reads each file in batches (:mod:`toolkit.ingest`),
matches its header to the contract, runs the Pandera schema on each batch's text at depth
``SCHEMA_AND_DATA`` and loads the batch, typed, into a staging warehouse; then it runs the
rules across rows as SQL over the loaded tables. With ``out_dir`` and valid data, the staging
warehouse becomes ``<out_dir>/warehouse.duckdb``. The same path serves every format and size:
memory holds two batches at most, and the findings live in a DuckDB table (:class:`Report`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from toolkit.checks.across import check_across
from toolkit.checks.batch import Schemas, Skip, check_batch
from toolkit.checks.cells import Context, typed, with_parsed
from toolkit.checks.columns import Columns, match_columns
from toolkit.checks.report import Finding, Report, findings_frame
from toolkit.checks.review import load_register, pending_texts
from toolkit.checks.rules import EXIT_OK
from toolkit.config import Limits, config_dir, read_limits
from toolkit.contracts import ALL_DATASETS, Contract, load_contracts
from toolkit.ingest import (
    FILE,
    SUPPORTED,
    Return,
    UnreadableFile,
    check_encoding,
    discover,
    display_name,
    missing_message,
    open_return,
    unsupported_message,
)
from toolkit.warehouse import Staging, connect, file_sha256, staging_path
from toolkit.warehouse import cursor as duck_cursor


@dataclass
class Validation:
    """What a validation (and load) did: the report, the files read and, when the data was
    valid and a folder was given, the warehouse written."""

    report: Report
    as_of: dt.date
    files: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    warehouse: Path | None = None
    #: The staging tables of a validation that did not load (closed with this object).
    staging: Staging | None = None

    def table(self, name: str) -> pl.DataFrame:
        """A dataset's rows as loaded (typed; with ``__file``, ``__row`` and ``__line``)."""
        query = (f'SELECT __file, __row, * EXCLUDE (__file, __row) FROM "{name}" '
                 "ORDER BY __file, __row")
        if self.staging is not None:
            cursor = duck_cursor(self.staging.con)
            try:
                return cursor.sql(query).pl()
            finally:
                cursor.close()
        if self.warehouse is None:
            raise FileNotFoundError("this validation kept no tables")
        con = connect(self.warehouse.parent)
        try:
            return con.sql(query).pl()
        finally:
            con.close()

    def pending_review(self) -> pl.DataFrame:
        """The free texts awaiting review, with the register columns to fill in."""
        if self.staging is None:
            raise FileNotFoundError("this validation kept no tables")
        cursor = duck_cursor(self.staging.con)
        try:
            return pending_texts(cursor, load_contracts())
        finally:
            cursor.close()

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """Every dataset that has rows, as :meth:`table` gives it."""
        out = {name: self.table(name) for name in ALL_DATASETS}
        return {name: frame for name, frame in out.items()
                if frame.height or self.files.get(name)}


def _unreadable(display: str, dataset: str, reason: str, rule: str = "unreadable_file"
                ) -> Finding:
    return Finding(rule, display, None, None, None, reason, dataset)


def _read_findings(opened: Return, columns: Columns, report: Report) -> None:
    """Findings for what the reader saw in the rows (ragged rows, formulas, merged cells); the
    ``required`` findings of the cells it emptied are taken back."""
    records, emptied = [], []
    for issue in opened.issues:
        name = columns.column_name(issue.column)
        if issue.report:
            records.append({"rule": issue.rule, "dataset": columns.contract.name,
                            "file": opened.display, "row": issue.row, "column": name,
                            "value": issue.value, "message": issue.message})
        if issue.suppress and name in columns.contract.column_names:
            emptied.append((issue.row, name))
    report.add_frame(findings_frame(records))
    if emptied:
        report.flush()
        report.con.register("emptied", pl.DataFrame(emptied, schema={"row": pl.Int64,
                                                                     "column": pl.String},
                                                    orient="row").to_arrow())
        report.execute('DELETE FROM findings f WHERE rule = \'required\' AND file = ? AND '
                       'EXISTS (SELECT 1 FROM emptied e WHERE e."row" = f."row" '
                       'AND e."column" = f."column")', [opened.display])
        report.con.unregister("emptied")
    for note in opened.notes:  # other sheets with rows of the dataset
        report.add(Finding("ignored_sheet", opened.display, None, None, None, note,
                           columns.contract.name))


def _load_file(opened: Return, contract: Contract, ctx: Context, store: Staging,
               report: Report) -> int:
    """Check and load every batch of one file; the number of rows loaded."""
    schemas = Schemas.of(contract, ctx.as_of)
    columns = match_columns(opened, contract)
    skip = Skip(columns=frozenset(columns.missing))
    loaded = 0
    # A batch is loaded on a second thread while the next is read and checked (both Polars
    # and DuckDB work outside the GIL); one batch at most waits, so memory holds two.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="load") as loader:
        pending: Future | None = None
        for batch in opened.batches():
            frame = with_parsed(columns.arrange(batch), contract)
            report.add_frame(check_batch(frame, contract, schemas, ctx, opened.display, skip))
            rows = typed(frame, contract).with_columns(pl.lit(opened.display).alias(FILE))
            if pending is not None:
                pending.result()
            pending = loader.submit(store.insert, contract.name, rows)
            loaded += frame.height
        if pending is not None:
            pending.result()
    report.extend(columns.findings)
    _read_findings(opened, columns, report)
    return loaded


def _without_ragged_noise(report: Report) -> None:
    """In a row with too many fields the cells are shifted: report the row, not each cell."""
    report.execute("DELETE FROM findings f WHERE rule <> 'ragged_row' AND EXISTS ("
                   "SELECT 1 FROM findings g WHERE g.rule = 'ragged_row' AND g.file = f.file "
                   'AND g."row" = f."row")')


def _discover_all(raw_dir: Path, contracts: dict[str, Contract], limits: Limits,
                  report: Report) -> dict[str, list[Path]] | None:
    """Every dataset's files; None (and a finding) when a folder cannot be read or the raw
    folder holds more files than the limit."""
    found: dict[str, list[Path]] = {}
    for name, contract in contracts.items():
        try:
            found[name] = discover(raw_dir, contract)
        except OSError as exc:
            report.add(_unreadable(contract.raw_path, name, f"cannot read the folder "
                                   f"{(raw_dir / contract.raw_path).as_posix()} "
                                   f"({exc.strerror or exc})"))
            return None
    total = sum(len(paths) for paths in found.values())
    if total > limits.max_files:
        report.add(_unreadable(".", None, f"the raw data folder holds {total:,} files, more "
                               f"than the limit of {limits.max_files:,} (config/limits.yaml); "
                               "merge the returns of a dataset into fewer files"))
        return None
    return found


def validate(raw_dir: Path, as_of: dt.date | None = None, encoding: str | None = None, *,
             out_dir: Path | None = None, limits: Limits | None = None,
             progress: Callable[[str], None] | None = None) -> Validation:
    """Validate every raw file under ``raw_dir``; with ``out_dir``, load the warehouse there
    when the data is valid. ``limits`` defaults to the configuration's ``limits.yaml``.
    Raises ValueError for an ``encoding`` that names no text encoding.
    """
    check_encoding(encoding)
    limits = limits or read_limits(config_dir() / "limits.yaml")
    raw_dir = Path(raw_dir)
    as_of = as_of or dt.date.today()
    say = progress or (lambda _: None)
    contracts = load_contracts()
    report = Report()
    folder = tempfile.TemporaryDirectory(prefix="toolkit-staging-")
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        store = Staging(staging_path(Path(out_dir)), contracts, Path(folder.name))
    else:
        store = Staging(None, contracts, Path(folder.name))
    ctx = Context(as_of)
    files: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    inputs: list[tuple[str, str, str, int]] = []
    loaded: set[str] = set()
    try:
        found = _discover_all(raw_dir, contracts, limits, report) or {}
        for name in ALL_DATASETS if found else ():
            contract = contracts[name]
            say(f"reading {name}")
            files[name] = []
            paths = found[name]
            if paths:
                rows[name] = 0
            if not paths:
                if not contract.optional:
                    report.add(_unreadable(contract.raw_path, name,
                                           missing_message(raw_dir, contract),
                                           "missing_input"))
                continue
            readable = False
            for path_ in paths:
                display, refused = display_name(path_, raw_dir)
                files[name].append(display)
                if refused:
                    report.add(_unreadable(display, name, refused))
                    continue
                if path_.suffix.lower() not in SUPPORTED:
                    report.add(_unreadable(display, name, unsupported_message(path_),
                                           "unsupported_format"))
                    continue
                try:
                    digest = file_sha256(path_)
                    opened = open_return(path_, name, display, encoding, contract.column_names,
                                         limits)
                except UnreadableFile as exc:
                    report.add(_unreadable(display, name, str(exc)))
                    continue
                except OSError as exc:
                    report.add(_unreadable(display, name,
                                           f"cannot open the file ({exc.strerror or exc})"))
                    continue
                try:
                    count = _load_file(opened, contract, ctx, store, report)
                except UnreadableFile as exc:
                    store.forget(name, display)
                    report.execute("DELETE FROM findings WHERE file = ?", [display])
                    report.add(_unreadable(display, name, str(exc)))
                    continue
                finally:
                    opened.close()
                readable = True
                if count == 0:
                    report.add(Finding("no_rows", display, None, None, None,
                                       "the file has a header but no rows", name))
                rows[name] += count
                inputs.append((name, display, digest, count))
            if readable:
                loaded.add(name)
        say("checking across rows and datasets")
        load_register(raw_dir, store.con, report)
        check_across(store.con, contracts, loaded, report)
        _without_ragged_noise(report)
        if out_dir is not None and report.exit_code == EXIT_OK:
            say("writing the warehouse")
            store.finish(as_of, inputs, report.copy_into)
            warehouse = store.commit(Path(out_dir))
            folder.cleanup()
            return Validation(report, as_of, files, rows, warehouse=warehouse)
    except BaseException:
        store.discard()
        folder.cleanup()
        raise
    if out_dir is not None:
        store.discard()
        folder.cleanup()
        return Validation(report, as_of, files, rows)
    result = Validation(report, as_of, files, rows, staging=store)
    weakref.finalize(result, _close, store, folder)
    return result


def _close(store: Staging, folder: tempfile.TemporaryDirectory) -> None:
    store.close()
    folder.cleanup()
