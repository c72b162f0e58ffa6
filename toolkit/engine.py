"""Validate and load large CSV returns inside DuckDB, without holding their rows in Python.

Two engines check the same contracts:

- **polars** (:mod:`toolkit.validate`): every file read into Polars and checked with the Pandera
  schema built from the contract, then loaded (:func:`toolkit.warehouse.write_warehouse`). It
  reads every format, explains every problem, and keeps every row in memory.
- **duckdb** (this module): for well-formed CSV files in UTF-8 (CP949 and EUC-KR files are read
  through a UTF-8 copy, see :func:`_transcode`). DuckDB's CSV reader streams each
  file straight into its warehouse table. Dates and counts are typed by strict casts that must
  give back the text exactly, and the contract's row rules, compiled to SQL from the same
  :class:`~toolkit.contracts.Contract` objects as the Pandera schema, guard that one pass: the
  first cell that is not in plain form or breaks a rule stops it. The rules across rows and
  datasets (unique keys, references, possible duplicates, the stock) then run as SQL over the
  loaded tables. Memory stays within DuckDB's ``memory_limit`` (it spills to disk) however many
  rows there are.

The strict pass is optimistic: it only accepts data as clean. Its guards are written to be
stricter than the rules (a false alarm costs time, never a missed error). When it stops on a
row, a key used twice or a failing reference, :mod:`toolkit.locate` flags the rows with problems
and has the Polars engine's own stages word them, without reading the rest into Python. Blank
lines, cells over several lines and a UTF-8 byte-order mark are read here (rows and lines are
numbered as the Polars engine numbers them). A file it is not sure to read exactly as the
Polars engine would (a quote inside a cell, a space before a quote, a carriage return that does
not end a line, ...), or that DuckDB's reader refuses (line ends of both kinds in one file, a
cell over several lines that its parallel reader cannot place), hands the whole run over to the
Polars engine. The warnings it reports
itself (possible duplicates, negative stock) are worded by the same functions as the Polars
engine's. ``tests/test_engine.py`` holds the two engines to the same report and warehouse.

``auto`` picks the DuckDB engine when the raw CSV files hold at least :data:`AUTO_MIN_BYTES`
bytes, below which the Polars engine is about as fast.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import hashlib
import operator
import os
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from toolkit import duck
from toolkit.contracts import ALL_DATASETS, EVENT_DATASETS, Contract, load_contracts
from toolkit.errors import Finding, Report
from toolkit.layout import (
    HEADER_PREFIX,
    LINE,
    ROW,
    discover,
    normalise_header,
    utf8_blocks,
)
from toolkit.reconcile import any_negative_coded, stock_findings
from toolkit.rules import (
    CONTROL_PATTERN,
    DUPLICATE_WINDOW_DAYS,
    EARLIEST_DATE,
    FORMULA_PATTERN,
    MARKUP_PATTERN,
    MAX_CELL_CHARS,
    MAX_COUNT,
    duplicate_finding,
    file_refusal,
    no_rows_finding,
)
from toolkit.warehouse import sql_string

if TYPE_CHECKING:
    import numpy as np

ENGINES = ("auto", "duckdb", "polars")
#: ``auto`` uses the DuckDB engine from this many bytes of raw CSV (about 150,000 detentions).
AUTO_MIN_BYTES = 32 * 2**20
#: DuckDB's memory limit in this engine; above it DuckDB spills to a temporary folder.
MEMORY_LIMIT = os.environ.get("TOOLKIT_DUCKDB_MEMORY", "2GB")
#: How the engine tells the DuckDB run that a row needs the Polars engine.
_STOP = "toolkit: this row needs the careful check"
#: Characters that make a path a pattern to DuckDB's file reader.
_GLOB = "*?[]{}"
#: The scan's block: small enough that its several passes over a block find it in the CPU's
#: cache (1 MiB: 0.6 s for the 1M-row detentions file; 8 MiB blocks: 0.8 s).
_CHUNK = 2**20
#: The buffer DuckDB's CSV reader reads a file in. Left to itself it reads 8,000,000 bytes at a
#: time; 32 MiB took the 1M-row detentions INSERT from 2.9 s to 2.05 s (medians of five, see
#: docs/performance.md): with insertion order kept, each buffer's rows are merged into the
#: table's row groups in order, and fewer, larger buffers leave less to merge.
READ_BUFFER = 2**25


class NeedsPolars(Exception):
    """The input is not clean, well-formed CSV: the Polars engine checks (and words) it."""


class _UnreadByDuckDB(NeedsPolars):
    """DuckDB's reader refused a file (a CP949 file among them: see :func:`_transcode`)."""


@dataclass
class Outcome:
    """What a validation (and load) did: the report, and the engine that made it."""

    report: Report
    as_of: dt.date
    engine: str
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    #: Why the DuckDB engine handed over to the Polars engine (None if it did not).
    handed_over: str | None = None
    #: The warehouse written (None when validating only, or when the data is invalid).
    warehouse: Path | None = None


# --------------------------------------------------------------------------- which files


@dataclass
class _File:
    path: Path
    display: str
    header: list[str]
    #: The file's :class:`_Layout`, from :func:`_scan`, which runs beside the load.
    scan: Future | _Split
    #: A UTF-8 copy that DuckDB reads instead of a CP949 file (see :func:`_transcode`).
    copy: Path | None = None

    @property
    def source(self) -> Path:
        """What DuckDB reads: the file, or its UTF-8 copy."""
        return self.copy or self.path


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Layout:
    """What :func:`_scan` found: the file's SHA-256, its records and where they are."""

    digest: str
    #: Records after the header that are not blank lines (the rows DuckDB reads).
    records: int
    #: Each such record's row, as the Polars engine numbers it (blank lines count), when it is
    #: not simply its place + 1 (the header is row 1); else None.
    rows: np.ndarray | None = None
    #: Each such record's first line, when some record starts on another line than its row
    #: (after a cell that spans lines); else None.
    lines: np.ndarray | None = None
    #: Whether no cell of the file can break a text rule (see :func:`_plain_cells`): then the
    #: load need not run the text rules' regular expressions on it.
    plain: bool = False


def _scan(path: Path, width: int) -> _Layout:
    """The layout and SHA-256 of a CSV file that every reader splits alike; else raise.

    DuckDB's reader is lenient where the Polars engine's readers are not (a space after a
    closing quote, a comma at the end of a row), so the file's structure is checked here, in
    blocks (flat memory) with numpy:

    - every run of quotes opens a cell (after a comma or a line end), is escaped quotes inside
      one, or closes one (before a comma or a line end): ``a "b"``, ``"b" c``, ``x"y`` and
      ``"" `` stop here;
    - every record but a blank line has exactly ``width - 1`` commas outside quotes (rows too
      wide or too short, a trailing comma stop here);
    - a carriage return only ends a line.

    Blank lines (which DuckDB skips) and cells that span lines are allowed: the rows and lines
    of the records are then kept, to number them as the Polars engine does.
    """
    stretch, digest = _scan_first(path, width, None)
    return stretch.layout(digest)


def _blocks(fh, end: int | None = None):
    """The file's blocks from where ``fh`` stands, each ending at a line end (or inside a
    quoted cell), up to ``end`` (a line end's next byte) or the end of the file."""
    while block := fh.read(_CHUNK if end is None else min(_CHUNK, end - fh.tell())):
        if end is None or fh.tell() < end:  # (the byte before ``end`` is a line end)
            block += fh.readline()
        yield block


class _Stretch:
    """The scan's state over a stretch of a file read in blocks (:meth:`feed`): at the start of
    the file (the header first), or from a line end on as if it ended a record outside quoted
    cells (see :class:`_Split`)."""

    def __init__(self, path: Path, width: int, offset: int = 0) -> None:
        self.path, self.width = path, width
        self.last = b""  # the last byte fed
        self.offset = offset  # of the next block in the file
        self.newlines = 0  # before the next block
        self.inside = 0  # whether the next block starts inside a quoted cell
        self.pending = 0  # commas of the record that the last block left open
        self.before_block = 10  # the byte before the next block; before the file, as after \n
        self.start, self.start_line = offset, 1  # where the record open now starts
        self.ordinal = 0  # of that record (the header is 0)
        self.kept = 0  # records so far that are not blank (the header is one)
        # once a record's row or line is not its place + 1: (rows, lines) parts
        self.rows: list = []
        self.plain = True  # no cell so far can break a text rule (see _plain_cells)

    def feed(self, block: bytes) -> None:
        """Scan the next block (see :func:`_scan`); raise at what it refuses."""
        import numpy as np

        path, width = self.path, self.width
        inside, offset, before_block = self.inside, self.offset, self.before_block
        self.last = block[-1:]
        data = np.frombuffer(block, dtype=np.uint8)
        n = data.size
        breaks = np.flatnonzero(data == 10)
        commas = np.flatnonzero(data == 44)
        quotes = np.flatnonzero(data == 34)
        ends = breaks
        if quotes.size:
            _check_quote_runs(path, data, quotes, before_block, inside)
            # A line end is outside quotes when an even number of quotes (or an odd one, if
            # the block starts inside a cell) come before it.
            ends = breaks[(np.searchsorted(quotes, breaks) + inside) % 2 == 0]
        elif inside:
            ends = breaks[:0]
        # A line end inside a quoted cell (or a block that starts inside one) leaves the text
        # rules to the load: the screen below takes every line end for a row's.
        self.plain = self.plain and not inside and ends.size == breaks.size and _plain_cells(
            block, data, breaks, commas, quotes, before_block)
        # The quoted stretches: between an opening quote and the next quote (-1 and n stand
        # for a block that starts or ends inside one). Counting the commas inside them (few)
        # is much cheaper than asking of every comma whether it is quoted.
        toggles = np.concatenate((np.full(inside, -1), quotes,
                                  np.full((inside + quotes.size) % 2, n)))
        self.inside = (inside + quotes.size) % 2
        bounds = np.searchsorted(commas, toggles)
        quoted = np.r_[0, np.cumsum(bounds[1::2] - bounds[0::2])]
        # Commas outside quotes before each record's end, then per record.
        before = np.searchsorted(commas, ends) - quoted[np.searchsorted(toggles[1::2], ends)]
        outside = commas.size - int(quoted[-1])
        if ends.size:
            counts = np.diff(before, prepend=0)
            counts[0] += self.pending
            self.pending = outside - int(before[-1])
            # The records the block closes: where they start (in the block; below 0: in an
            # earlier one), on which line, and whether they are blank ("" or "\r").
            starts = np.r_[self.start - offset, ends[:-1] + 1]
            lines = np.r_[self.start_line,
                          self.newlines + np.searchsorted(breaks, ends[:-1]) + 2]
            length = ends - starts
            first = data[np.clip(starts, 0, n - 1)]
            blank = (length == 0) | ((length == 1) & (starts >= 0) & (first == 13))
            if (counts[~blank] != width - 1).any():
                raise NeedsPolars(f"{path.name}: a row with more or fewer cells than the "
                                  "header")
            ordinals = self.ordinal + np.flatnonzero(~blank)
            lines = lines[~blank]
            if self.rows or (ordinals != self.kept + np.arange(ordinals.size)).any() or (
                    lines != ordinals + 1).any():
                if not self.rows:  # the records before were all in place
                    self.rows.append(_in_place(self.kept))
                self.rows.append((ordinals + 1, lines))
            self.kept += ordinals.size
            self.ordinal += ends.size
            self.start = offset + int(ends[-1]) + 1
            self.start_line = self.newlines + int(np.searchsorted(breaks, ends[-1])) + 2
        else:
            self.pending += outside
        if b"\r" in block:
            returns = np.flatnonzero(data == 13)
            if not ((returns + 1 < n) & (data[np.minimum(returns + 1, n - 1)] == 10)).all():
                raise NeedsPolars(f"{path.name}: a carriage return that does not end a line")
        self.before_block = int(data[-1])
        self.offset += n
        self.newlines += breaks.size

    def in_place(self) -> bool:
        """Whether every record so far is on the row and line of its place + 1 (no blank line
        and no cell over several lines before the next block)."""
        return self.ordinal == self.kept and self.newlines == self.ordinal

    def follow(self, later: _Stretch) -> None:
        """Take on the stretch scanned from where this one ends, which it ends at a record's end
        outside quoted cells (as ``later`` took it to be): as if this one had read on."""
        if self.rows or later.rows or not self.in_place():
            # The rows and lines of the later stretch, counted from its start
            later_rows = later.rows or [_in_place(later.kept)]
            if not self.rows:
                self.rows.append(_in_place(self.kept))
            self.rows += [(r + self.ordinal, li + self.newlines) for r, li in later_rows]
        self.start, self.start_line = later.start, self.newlines + later.start_line
        self.ordinal += later.ordinal
        self.kept += later.kept
        self.newlines += later.newlines
        self.plain = self.plain and later.plain
        self.inside, self.pending, self.last = later.inside, later.pending, later.last
        self.before_block, self.offset = later.before_block, later.offset

    def layout(self, digest: str) -> _Layout:
        """What the scan found, once the whole file has been fed; else raise."""
        import numpy as np

        path, rows = self.path, self.rows
        if self.inside:
            raise NeedsPolars(f"{path.name}: a quote left open")
        if self.last not in (b"\n", b""):  # a last record without a line end
            if self.pending != self.width - 1:
                raise NeedsPolars(f"{path.name}: a last row with more or fewer cells than the "
                                  "header")
            if rows or self.ordinal != self.kept or self.start_line != self.ordinal + 1:
                if not rows:
                    rows.append(_in_place(self.kept))
                rows.append((np.array([self.ordinal + 1]), np.array([self.start_line])))
            self.kept += 1
        layout = _Layout(digest, self.kept - 1, plain=self.plain and self.last != b" ")
        if rows:
            row = np.concatenate([r for r, _ in rows])[1:]  # not the header
            line = np.concatenate([li for _, li in rows])[1:]
            if (row != np.arange(2, row.size + 2)).any():
                layout.rows = row
            if (line != row).any():
                layout.rows, layout.lines = row, line
        return layout


#: A file from this size on is scanned in parts at once, one per core (see :class:`_Split`).
SPLIT_MIN_BYTES = 32 * 2**20


def _start_scan(pool: ThreadPoolExecutor, path: Path, width: int) -> Future | _Split:
    """Start the scan of a file in ``pool``: whole, or a large file in parts."""
    parts = _scanners()
    size = path.stat().st_size
    if parts < 2 or size < SPLIT_MIN_BYTES:
        return pool.submit(_scan, path, width)
    # The first part also hashes the rest of the file (about a tenth of the scan's time): it
    # takes a little less.
    return _Split(pool, path, width, _cuts(path, [size * (k - 0.1) / parts
                                                  for k in range(1, parts)]))


def _cuts(path: Path, near: list[float]) -> list[int]:
    """Where to cut the file into parts: at the first start of a block of a whole scan
    (:func:`_blocks`) from each place ``near``. Each part then reads the blocks one scan reads,
    so a file with several faults is refused for the same one (a block's checks run in an
    order)."""
    size = path.stat().st_size
    places = iter(sorted(near))
    place = next(places, None)
    cuts: list[int] = []
    at = 0  # a block's start
    with path.open("rb") as fh:
        while place is not None:
            fh.seek(at + _CHUNK)  # where the next block starts: after the line end from there
            fh.readline()
            at = fh.tell()
            if at >= size:
                break
            if at >= place:
                cuts.append(at)
                while place is not None and place <= at:
                    place = next(places, None)
    return cuts


class _Split:
    """The scan of a large file in parts that run at once, each from a block start of a whole
    scan on (:func:`_cuts`): scanned whole, the file leaves one core idle while the load waits
    for the end of its scan.

    Each part but the first is scanned as if its first byte began a record outside quoted
    cells, which holds when the part before ends outside them (a line end inside a quoted cell
    is the rare exception: then that part is scanned again, from where the one before ended).
    The first part hashes the whole file. :meth:`result` joins the parts, as the future of a
    whole scan would give it (:class:`_Layout`, or the exception of the first part that
    refuses the file), once: later calls, from any thread, get the same.
    """

    def __init__(self, pool: ThreadPoolExecutor, path: Path, width: int,
                 cuts: list[int]) -> None:
        self.path, self.width = path, width
        self.stretches = list(zip(cuts, [*cuts[1:], None], strict=False))  # none if no cuts
        self.first = pool.submit(_scan_first, path, width, cuts[0] if cuts else None)
        self.rest = [pool.submit(_scan_stretch, path, width, begin, end)
                     for begin, end in self.stretches]
        self.joined: _Layout | Exception | None = None
        self.lock = threading.Lock()

    def result(self) -> _Layout:
        with self.lock:  # the join reads on from the first part's state: once, on one thread
            if self.joined is None:
                try:
                    self.joined = self._join()
                except Exception as exc:  # noqa: BLE001 - kept and raised again, as a Future does
                    self.joined = exc
        if isinstance(self.joined, Exception):
            raise self.joined
        return self.joined

    def _join(self) -> _Layout:
        stretch, digest = self.first.result()
        for (begin, end), later in zip(self.stretches, self.rest, strict=True):
            if stretch.inside:  # the cut is inside a quoted cell: read on from there
                later.cancel()
                with self.path.open("rb") as fh:
                    fh.seek(begin)
                    for block in _blocks(fh, end):
                        stretch.feed(block)
            else:
                stretch.follow(later.result())
        return stretch.layout(digest)


def _scan_first(path: Path, width: int, end: int | None) -> tuple[_Stretch, str]:
    """The first part of a :class:`_Split` scan (up to ``end``; None: the whole file, as
    :func:`_scan` reads it), and the SHA-256 of the whole file."""
    _yield_cpu()
    digest = hashlib.sha256()
    stretch = _Stretch(path, width)
    with path.open("rb") as fh:
        for block in _blocks(fh, end):
            digest.update(block)
            stretch.feed(block)
        while block := fh.read(_CHUNK):
            digest.update(block)
    return stretch, digest.hexdigest()


def _scan_stretch(path: Path, width: int, begin: int, end: int | None) -> _Stretch:
    """A later part of a :class:`_Split` scan: from ``begin`` (after a line end) to ``end``."""
    _yield_cpu()
    stretch = _Stretch(path, width, begin)
    with path.open("rb") as fh:
        fh.seek(begin)
        for block in _blocks(fh, end):
            stretch.feed(block)
    return stretch


def _in_place(records: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows and lines of the first records of a stretch, each on those of its place + 1."""
    import numpy as np

    place = np.arange(1, records + 1)
    return place, place


#: Bytes that put a cell in reach of a text rule when it starts with one: a space, or the
#: first character of a formula (``= @ + -``).
_STARTS = (32, 61, 64, 43, 45)


def _plain_cells(block: bytes, data, breaks, commas, quotes, before_block: int) -> bool:
    """Whether no cell in this block of a CSV file can break a text rule, seen from its bytes.

    The text rules (:func:`_text_guard`) are regular expressions that DuckDB would run on every
    text cell of every row, which costs about a tenth of a 1M-row load. This screen is stricter
    than they are: True means that none of them can match any cell, so the load skips them; on
    False they run after the load (see :func:`_load_files`). The rules and what rules them out:

    - control characters (``CONTROL_PATTERN``): no byte below 32 but line ends, no DEL, and
      none of the characters of :func:`_unsafe_characters`;
    - markup (``MARKUP_PATTERN``): no ``<`` at all;
    - white space or a control character at either end of a cell (``_SPACE_AT_ENDS``): no
      such character at all but the ASCII space (tab is a control byte here), and no space
      after a comma, a line end or a quote that opens a cell, nor before a comma, a line end
      or a quote that closes one, outside quoted cells;
    - a formula (``FORMULA_PATTERN``): no ``=``, ``@``, ``+`` or ``-`` right after a comma, a
      line end or a quote that opens a cell, outside quoted cells.

    The caller leaves blocks with line ends inside quoted cells to the load (a line end is then
    not always a row's). Cell text is a part of the file's bytes (only escaped quotes lose one
    of their two quotes), so what is not in the bytes is in no cell.
    """
    import numpy as np

    n = data.size
    returns = block.count(b"\r") if b"\r" in block else 0
    if b"<" in block or b"\x7f" in block or np.count_nonzero(data < 32) != breaks.size + returns:
        return False
    if not block.isascii():
        leads, unsafe = _unsafe_characters()
        at = np.flatnonzero(np.isin(data, leads))
        if at.size:  # decode the characters that start with these bytes (2 or 3 bytes long)
            lead, follow = data[at].astype(np.int32), [
                data[np.minimum(at + k, n - 1)].astype(np.int32) & 0x3F for k in (1, 2)]
            code = np.where(lead < 0xE0, (lead & 0x1F) << 6 | follow[0],
                            (lead & 0x0F) << 12 | follow[0] << 6 | follow[1])
            if np.isin(code, unsafe).any():
                return False
    if before_block == 10 and _starts(data[:1]).any():  # the first cell of the block
        return False
    # A quoted cell that starts badly, or ends in a space. Counted from the block's start
    # (outside quotes), a quote that opens a cell comes after an even number of quotes and not
    # right after one (the second of an escaped pair); one that closes a cell comes after an
    # odd number and is not right before one (the first of an escaped pair).
    if quotes.size:
        opening, closing = quotes[0::2], quotes[1::2]
        opening = opening[np.where(opening > 0, data[opening - 1], before_block) != 34]
        after = np.where(closing + 1 < n, data[np.minimum(closing + 1, n - 1)], 10)
        closing = closing[after != 34]
        if (_starts(data[np.minimum(opening + 1, n - 1)]).any()
                or (data[closing - 1] == 32).any()):
            return False
    # A space before a line end (LF or CRLF), or a line's first cell starting badly (the
    # line ends are all rows' here: none is inside a quoted cell).
    before, after = data[breaks - 1], data[np.minimum(breaks + 1, n - 1)]
    if ((before == 32) | ((before == 13) & (data[np.maximum(breaks - 2, 0)] == 32))).any() or (
            _starts(after[breaks + 1 < n])).any():
        return False
    # A space or formula after a comma, or a space before one, outside quoted cells (there
    # an odd number of quotes comes before it). Commas are 1 in 10 bytes: looking at their
    # neighbours is much cheaper than at every byte's.
    # (After a comma that ends the file comes an empty cell.)
    inner = commas[:-1] if commas.size and commas[-1] == n - 1 else commas
    odd = np.concatenate((inner[_starts(data[inner + 1])], commas[data[commas - 1] == 32]))
    return not (np.searchsorted(quotes, odd) % 2 == 0).any()


def _starts(values):
    """Which of these bytes are :data:`_STARTS` (a comparison each: cheaper than ``np.isin``)."""
    return functools.reduce(operator.or_, (values == byte for byte in _STARTS))


@functools.cache
def _unsafe_characters() -> tuple[list[int], list[int]]:
    """The characters besides ASCII that a text rule finds wherever they are (bidirectional
    overrides) or at either end of a cell (Unicode's separators Z and controls Cc): the first
    bytes of their UTF-8 forms, and their code points (all below U+0800 or U+10000, two or
    three bytes). ``tests/test_engine_screen.py`` checks them against DuckDB's own regular
    expressions for every code point. (DuckDB refuses a file that is not UTF-8, so a first
    byte tells where a character starts and how long it is.)"""
    found = [c for c in range(0x80, 0x10000)
             if unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp", "Cc")
             or 0x202A <= c <= 0x202E or 0x2066 <= c <= 0x2069
             or c == 0x180E]  # a space before Unicode 6.3, in case a library is older
    return sorted({chr(c).encode("utf-8")[0] for c in found}), found


def _scanners() -> int:
    """How many files are scanned at once: one per core this process may use.

    Scans run at the lowest priority (:func:`_yield_cpu`), so while DuckDB loads they share
    what it leaves idle; once it waits for the scans of the files it has read (many files:
    DuckDB reads them faster than one thread scans them), every core scans.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _yield_cpu() -> None:
    """Run this thread at the lowest priority: the scan uses only what DuckDB leaves idle.

    (Competing for the cores slowed DuckDB's load by more than the scan's own cost.)

    numpy is imported first, at the thread's own priority: at the lowest, its import (0.1 s of
    CPU) waited for DuckDB's load, and held up the other scans, which wait for it too.
    """
    import numpy  # noqa: F401

    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):  # not Linux, or not allowed: run as it is
        pass


def _check_quote_runs(path: Path, data, quotes, before_block: int, inside: int) -> None:
    """Raise unless every run of quotes opens, escapes or closes a cell (see :func:`_scan`).

    Whether a run is inside a quoted cell follows from the number of quotes before it. Outside
    one, a run must open a cell (right after a comma or a line end); the quotes after the
    opening one, or all of a run inside a cell, are escaped pairs, and an odd one out closes
    the cell, which must then end (a comma or a line end follows).
    """
    import numpy as np

    n = data.size
    first = np.r_[True, np.diff(quotes) != 1]
    start, end = quotes[first], quotes[np.r_[first[1:], True]]
    length = end - start + 1
    within = (np.flatnonzero(first) + inside) % 2 == 1
    before = np.where(start > 0, data[np.maximum(start - 1, 0)], before_block)
    after = np.where(end + 1 < n, data[np.minimum(end + 1, n - 1)], 10)
    opens = ~within & ((before == 44) | (before == 10))
    closes = (length - opens) % 2 == 1
    stray = ~within & ~opens  # a quote in an unquoted cell, or after a space: readers differ
    if (stray | (closes & ~((after == 44) | (after == 13) | (after == 10)))).any():
        raise NeedsPolars(f"{path.name}: a quote inside a cell")


def _header(path: Path, contract: Contract) -> list[str]:
    """The header on line 1, when it names each column of the contract exactly once."""
    with path.open("rb") as fh:
        prefix = fh.read(HEADER_PREFIX)
    if prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NeedsPolars(f"{path.name}: UTF-16")
    # A UTF-8 byte-order mark (spreadsheets write one) is not part of the header; DuckDB's
    # reader skips it too.
    prefix = prefix.removeprefix(codecs.BOM_UTF8)
    end = prefix.find(b"\n")
    if end < 0:
        raise NeedsPolars(f"{path.name}: no complete header line")
    try:
        line = prefix[:end].rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError:
        raise NeedsPolars(f"{path.name}: a header that is not UTF-8") from None
    header = next(csv.reader([line]), [])
    if sorted(header) != sorted(contract.column_names) or any(
            normalise_header(h) != h for h in header):
        raise NeedsPolars(f"{path.name}: the header is not exactly the contract's columns")
    return header


def plan(raw_dir: Path, pool: ThreadPoolExecutor, encoding: str | None = None
         ) -> dict[str, list[_File]]:
    """Each dataset's files, if all are plain CSV with the contract's header; else raise.

    The scan of each file (:func:`_scan`) is started in ``pool``; its outcome is awaited when
    the file has been loaded, so reading the bytes overlaps DuckDB's work.
    """
    if encoding is not None and codecs.lookup(encoding).name not in ("utf-8",
                                                                      *_COPIED_ENCODINGS):
        raise NeedsPolars(f"the encoding {encoding!r} was given")
    contracts = load_contracts()
    files: dict[str, list[_File]] = {}
    for name in ALL_DATASETS:
        contract = contracts[name]
        paths = discover(raw_dir, contract)
        if not paths:
            raise NeedsPolars(f"no {name} files")
        files[name] = []
        for path in paths:
            display, refused = file_refusal(path, raw_dir)
            if refused or path.suffix.lower() != ".csv":
                raise NeedsPolars(f"{display}: not a plain CSV file")
            if set(_duckdb_path(path)) & set(_GLOB):  # DuckDB would read it as a pattern
                raise NeedsPolars(f"{display}: a path with one of {_GLOB}")
            header = _header(path, contract)
            files[name].append(_File(path, display, header,
                                      _start_scan(pool, path, len(header))))
    return files


#: Encodings besides UTF-8 that the DuckDB engine reads through a UTF-8 copy of the file: CP949
#: (what Korean government systems and Excel in Korea save) and EUC-KR, its subset. Their
#: two-byte characters never hold a comma, a quote or a line end, so :func:`_scan` of the
#: original bytes (its structure, rows, lines and SHA-256) holds for the copy.
_COPIED_ENCODINGS = ("cp949", "euc_kr")
#: The largest file copied: it is decoded whole, by the Polars engine's own
#: :func:`toolkit.read.decode_csv` (so both engines accept and refuse alike), which takes about
#: four times the file in memory. A larger file that is not UTF-8 goes to the Polars engine.
COPY_MAX_BYTES = 256 * 2**20


def _utf8_prefix(path: Path) -> bool:
    """Whether the start of the file is UTF-8 (a character cut at the end of it allowed)."""
    with path.open("rb") as fh:
        return utf8_blocks([fh.read(HEADER_PREFIX)], whole=False)


def _utf8_file(path: Path, ascii_only: bool = False) -> bool:
    """Whether the whole file is UTF-8 (or, with ``ascii_only``, ASCII), read in blocks."""
    with path.open("rb") as fh:
        blocks = iter(lambda: fh.read(_CHUNK), b"")
        return all(b.isascii() for b in blocks) if ascii_only else utf8_blocks(blocks)


def _transcode(files: dict[str, list[_File]], folder: Callable[[], Path],
               encoding: str | None) -> bool:
    """Give DuckDB a UTF-8 copy of each file in CP949 (detected, or ``encoding`` named: CP949
    or EUC-KR); whether any was made. ``folder()`` gives the folder for the copies.

    A file is decoded as the Polars engine decodes it (:func:`toolkit.read.decode_csv`): a file
    that engine would refuse (two encodings mixed, a byte neither UTF-8 nor CP949, text that
    looks like Windows-1252 read wrongly) goes to it, which words the refusal. So does a copy
    whose header is not the one DuckDB would skip unread (a UTF-8 byte-order mark read as CP949
    becomes two Hangul letters in front of it).
    """
    contracts = load_contracts()
    made = False
    for place, (name, f) in enumerate((n, f) for n, fs in files.items() for f in fs):
        # ASCII reads alike in all three; without a name, UTF-8 needs no copy.
        if f.copy is not None or _utf8_file(f.path, ascii_only=encoding is not None):
            continue
        if f.path.stat().st_size > COPY_MAX_BYTES:
            raise NeedsPolars(f"{f.display}: not UTF-8 or ASCII, and over "
                              f"{COPY_MAX_BYTES:,} bytes to copy as UTF-8")
        from toolkit.read import UnreadableFile, decode_csv

        try:
            text, used = decode_csv(f.path.read_bytes(), encoding)
        except UnreadableFile as exc:
            raise NeedsPolars(f"{f.display}: {exc}") from None
        if codecs.lookup(used).name not in _COPIED_ENCODINGS:
            continue
        copy = folder() / f"{place}.csv"  # short and plain, one per file
        copy.write_bytes(text.encode("utf-8"))
        try:
            same = _header(copy, contracts[name]) == f.header
        except NeedsPolars:
            same = False
        if not same:
            raise NeedsPolars(f"{f.display}: another header once decoded as {used}")
        f.copy = copy
        made = True
    return made


def raw_csv_bytes(raw_dir: Path) -> int:
    """The size of the raw CSV files (what ``auto`` decides on)."""
    contracts = load_contracts()
    return sum(p.stat().st_size for c in contracts.values() for p in discover(raw_dir, c)
               if p.suffix.lower() == ".csv")


# --------------------------------------------------------------------------- the rules in SQL


#: Text that starts or ends with whitespace (Unicode's White_Space is within Cc and Z): the
#: Polars engine strips it; here such a cell stops the run.
_SPACE_AT_ENDS = r"^[\s\p{Z}\p{Cc}]|[\s\p{Z}\p{Cc}]$"
#: An http(s) address of printable ASCII, no slash right after ``//``: a stricter form of
#: :data:`toolkit.rules.URL_PATTERN` (whose ``\s`` is Unicode in Polars, ASCII in DuckDB).
_PLAIN_URL = r"^(?i:https?)://[!-.0-~][!-~]*$"


def _text_guard(col, text: str) -> tuple[str, list[str]]:
    """Conditions (TRUE = fine) on a cell read as text; NULL is an empty cell: the text rules'
    regular expression (which :func:`_plain_cells` can rule out for a whole file), and the
    rest."""
    unsafe = f"{CONTROL_PATTERN}|{MARKUP_PATTERN}|{_SPACE_AT_ENDS}"
    if col.type != "url":
        unsafe += "|" + FORMULA_PATTERN.removeprefix("(?s)")
    # strlen counts bytes, at least the characters the Polars engine counts.
    rest = [f"strlen({text}) <= {MAX_CELL_CHARS}"]
    if col.type == "url":
        rest.append(f"regexp_matches({text}, {sql_string(_PLAIN_URL)})")
    return f"NOT regexp_matches({text}, {sql_string('(?s)' + unsafe)})", rest


@dataclass
class _Parts:
    """What :func:`_parts` derives from a contract for one pass over its files."""

    #: The reader's columns: dates and counts both as text (``"t:name"``) and typed.
    inner: list[str]
    #: The typed columns, in the table's order.
    outer: list[str]
    #: SQL that is TRUE when a row breaks no row rule.
    ok: str
    #: The part of ``ok`` that the table of :func:`toolkit.warehouse.table_ddl` does not
    #: enforce itself (what the strict pass must check in its guard), but ``text``.
    guard: str
    #: The text rules' regular expressions: checked after the load, on the files whose bytes
    #: do not rule them out (:func:`_plain_cells`).
    text: str


def _parts(contract: Contract, as_of: dt.date) -> _Parts:
    """The reader's columns, the typed columns and the row rules in SQL, from the contract.

    The table that :func:`toolkit.warehouse.table_ddl` makes already refuses, with its NOT NULL
    and CHECK constraints, an empty required cell, a value outside an enum or the ISO3 codes,
    and a count below its minimum, above its maximum or above its ``max_column``. Checking
    those in the guard too cost the 1M-row load about 0.6 s of CPU, so they are left out of
    ``guard`` (a constraint that fails stops the INSERT as the guard does, see
    :func:`_load_files`); the staging pass of :mod:`toolkit.locate`, whose tables are text,
    flags rows with all of ``ok``.
    """
    inner, outer, ok, guard, text_rules = [], [], [], [], []

    def rule(condition: str, table_enforces: bool = False, screened: bool = False) -> None:
        ok.append(condition)
        if screened:
            text_rules.append(condition)
        elif not table_enforces:
            guard.append(condition)

    for col in contract.columns:
        text, value = _ident("t:" + col.name), _ident(col.name)
        source = _ident(col.name)
        if col.type == "date":
            inner += [f"{source} AS {text}", f"TRY_CAST({source} AS DATE) AS {value}"]
            rule(f"({text} IS NULL OR ({value} IS NOT NULL AND CAST({value} AS VARCHAR) = "
                 f"{text} AND {value} BETWEEN DATE {sql_string(EARLIEST_DATE.isoformat())} "
                 f"AND DATE {sql_string(as_of.isoformat())}))")
        elif col.type == "integer":
            inner += [f"{source} AS {text}", f"TRY_CAST({source} AS BIGINT) AS {value}"]
            # (Not abs(): it overflows on the smallest BIGINT, and DuckDB raises.)
            rule(f"({text} IS NULL OR ({value} IS NOT NULL AND CAST({value} AS VARCHAR) = "
                 f"{text} AND {value} BETWEEN -{MAX_COUNT} AND {MAX_COUNT}))")
            if col.min is not None:
                rule(f"coalesce({value} >= {int(col.min)}, TRUE)", table_enforces=True)
            if col.max is not None:
                rule(f"coalesce({value} <= {int(col.max)}, TRUE)", table_enforces=True)
            if col.max_column:
                rule(f"coalesce({value} <= {_ident(col.max_column)}, TRUE)",
                     table_enforces=True)
        else:
            inner.append(f"{source} AS {value}")
            if col.type == "enum":
                values = ", ".join(sql_string(v) for v in col.values)
                rule(f"({value} IS NULL OR {value} IN ({values}))", table_enforces=True)
            elif col.type == "iso3":
                rule(f"({value} IS NULL OR TRY_CAST({value} AS iso3) IS NOT NULL)",
                     table_enforces=True)
            else:
                unsafe, rest = _text_guard(col, value)
                rule(f"({value} IS NULL OR {unsafe})", screened=True)
                rule(f"({value} IS NULL OR ({' AND '.join(rest)}))")
        if col.required:
            rule(f"{value} IS NOT NULL", table_enforces=True)
        outer.append(value)
    for row_rule in contract.row_rules:
        cols = [_ident(c) for c in row_rule.columns]
        total = " + ".join(f"CAST({c} AS DOUBLE)" for c in cols)
        rule(f"coalesce({total} <= CAST(persons AS DOUBLE), TRUE)")
    return _Parts(inner, outer, " AND ".join(ok), " AND ".join(guard) or "TRUE",
                  " AND ".join(text_rules) or "TRUE")


def _file_column(files: list[_File]) -> str:
    """``__file`` (the name reports use) from the reader's ``__path`` column."""
    if len(files) == 1:
        return sql_string(files[0].display)
    cases = " ".join(f"WHEN {sql_string(_duckdb_path(f.source))} THEN {sql_string(f.display)}"
                     for f in files)
    return f"CASE __path {cases} END"


def _select(contract: Contract, files: list[_File], as_of: dt.date) -> str:
    """The one pass over files of one header: typed columns, ``__file``, and ``__row`` that
    guards the rules.

    ``__row`` is 0 here when every condition holds (the real row numbers are set after the
    insert) and stops the statement otherwise.
    """
    parts = _parts(contract, as_of)
    source = reader([f.source for f in files], files[0].header)
    return (
        f"SELECT {', '.join(parts.outer)}, {_file_column(files)}, "
        f"CASE WHEN {parts.guard} THEN 0 ELSE error({sql_string(_STOP)}) END "
        f"FROM (SELECT {', '.join(parts.inner)}, __path FROM {source})"
    )


def _flagging_select(contract: Contract, files: list[_File], as_of: dt.date) -> str:
    """The same pass for :mod:`toolkit.locate`: every cell as read, and ``__suspect`` where
    the guard of :func:`_select` would stop."""
    parts = _parts(contract, as_of)
    text = [_ident(("t:" if c.type in ("date", "integer") else "") + c.name)
            for c in contract.columns]
    source = reader([f.source for f in files], files[0].header)
    return (
        f"SELECT {', '.join(text)}, {_file_column(files)}, 0, NOT coalesce({parts.ok}, FALSE) "
        f"FROM (SELECT {', '.join(parts.inner)}, __path FROM {source})"
    )


def reader(paths: list[Path], header: list[str]) -> str:
    """DuckDB's ``read_csv`` of files with this header as the engine reads them: every cell as
    text or NULL, and each row's file in ``__path``."""
    columns = ", ".join(f"{sql_string(h)}: 'VARCHAR'" for h in header)
    # Absolute paths without glob characters (see plan): DuckDB reads exactly these files. No
    # hive partitioning: a folder named like "nationality=AFG" must not become a column.
    return (f"read_csv([{', '.join(sql_string(_duckdb_path(p)) for p in paths)}], "
            f"columns = {{{columns}}}, header = true, auto_detect = false, delim = ',', "
            "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
            "encoding = 'utf-8', hive_partitioning = false, filename = '__path', "
            f"buffer_size = {READ_BUFFER})")


def _duckdb_path(path: Path) -> str:
    """The path DuckDB is given (and gives back in ``__path``) for a file."""
    return str(path.absolute())


class _RowsToWord(Exception):
    """Some row breaks a rule: :mod:`toolkit.locate` finds which, and the Polars engine's
    stages word them."""


@dataclass
class _Inserted:
    """Rows :func:`_insert_files` inserted, not yet held against the files' scans."""

    table: str
    contract: Contract
    as_of: dt.date
    #: Each run of files read in one statement, with the rowid of its first row and the rows
    #: DuckDB inserted.
    groups: list[tuple[list[_File], int, int]]
    #: Whether the text rules may still have to run on some rows (see :func:`_settle`).
    strict: bool
    #: For each group, where :func:`_number` found each file's rows: (first rowid, last
    #: rowid, rows).
    found: list[dict[str, tuple[int, int, int]]] = field(default_factory=list)


def _load_files(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[_File],
                as_of: dt.date, table: str | None = None, select=None) -> dict[str, int]:
    """Insert the files into the table and number their rows (see the three steps)."""
    inserted = _insert_files(con, contract, files, as_of, table, select)
    _number(con, inserted)
    return _settle(con, inserted)


def _insert_files(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[_File],
                  as_of: dt.date, table: str | None = None, select=None) -> _Inserted:
    """Insert the files into the table, one statement for each run of files with the same
    header (DuckDB reads several files faster at once). The files' scans may still run:
    :func:`_settle` waits for them, so that DuckDB reads the next dataset meanwhile."""
    name = _ident(table or contract.name)
    runs: list[list[_File]] = []
    for f in files:
        if runs and runs[-1][0].header == f.header:
            runs[-1].append(f)
        else:
            runs.append([f])
    groups = []
    start = 0
    for group in runs:
        sql = (select or _select)(contract, group, as_of)
        where = group[0].display if len(group) == 1 else f"{contract.name} files"
        try:
            inserted = con.execute(f"INSERT INTO {name} {sql}").fetchone()[0]
        except (duckdb.InvalidInputException, duckdb.ConversionException,
                duckdb.ConstraintException,
                # DuckDB's parallel reader gives up on some cells over several lines that
                # cross its buffers (a blank line inside, then a line as wide as a row)
                duckdb.NotImplementedException) as exc:  # I/O and memory errors go up
            # The guard stopped, or one of the table's constraints that the guard leaves to
            # it (see _parts) failed: some row breaks a rule.
            if _STOP in str(exc) or (select is None
                                     and isinstance(exc, duckdb.ConstraintException)):
                raise _RowsToWord(f"{where}: a row breaks a rule") from None
            raise _UnreadByDuckDB(f"{_failed_file(exc, group, where)}: "
                                  f"{str(exc).splitlines()[0][:200]}") from None
        groups.append((group, start, inserted))
        start += inserted
    return _Inserted(name, contract, as_of, groups, select is None)


def _number(con: duckdb.DuckDBPyConnection, inserted: _Inserted) -> None:
    """Number the inserted rows by where DuckDB put them, each file's from 2 (the header is
    row 1), before the files' scans are in: the numbers are right once :func:`_settle` has
    found each file's rows where its scan says, and has numbered again the files with blank
    lines. (The scans of large files are still running when DuckDB has read them.)"""
    for group, start, count_in in inserted.groups:
        # Each file's rows together, one file after the other: else DuckDB read it otherwise.
        # (Within a file, the rows keep the file's order: DuckDB keeps insertion order.) The
        # rows of a file read alone are all its own.
        if len(group) > 1:
            found = {file: (low, high, count) for file, low, high, count in con.execute(
                f"SELECT __file, min(rowid), max(rowid), count(*) FROM {inserted.table} "
                f"WHERE rowid BETWEEN {start} AND {start + count_in - 1} GROUP BY __file"
            ).fetchall()}
        elif count_in:
            found = {group[0].display: (start, start + count_in - 1, count_in)}
        else:
            found = {}
        inserted.found.append(found)
        for low, high, _ in found.values():
            con.execute(f"UPDATE {inserted.table} SET __row = rowid - {low} + 2 "
                        f"WHERE rowid BETWEEN {low} AND {high}")


def _settle(con: duckdb.DuckDBPyConnection, inserted: _Inserted) -> dict[str, int]:
    """Hold the numbered rows (:func:`_number`) against the files' scans, number again the
    files whose rows are not their place + 1, and run the text rules where the scans could
    not rule them out; the rows of each file."""
    name = inserted.table
    rows: dict[str, int] = {}
    unscreened: list[str] = []  # the rows of files that the text rules must still see
    for (group, start, count_in), found in zip(inserted.groups, inserted.found, strict=True):
        where = group[0].display if len(group) == 1 else f"{inserted.contract.name} files"
        at = start
        for f in group:
            layout = f.scan.result()
            low, high, count = found.get(f.display, (at, at - 1, 0))
            # As many rows as the scan counted (none for a file with only a header), where
            # _number took them to be.
            if count != layout.records or (low, high) != (at, at + count - 1):
                raise NeedsPolars(f"{f.display}: rows DuckDB read otherwise")
            if layout.rows is not None:  # blank lines count as rows: the scan numbered them
                _number_rows(con, name, at, layout.rows)
            rows[f.display] = count
            if inserted.strict and not (layout.plain and f.copy is None):
                unscreened.append(f"rowid BETWEEN {at} AND {high}")
            at += count
        if count_in != at - start or len(found) != sum(rows[f.display] > 0 for f in group):
            raise NeedsPolars(f"{where}: rows DuckDB read otherwise")
    # The text rules, on the files whose bytes do not rule them out (a UTF-8 copy's bytes are
    # not the scanned file's). Clean files seldom get here: it costs what the rules would
    # have cost in the pass.
    text = _parts(inserted.contract, inserted.as_of).text
    if unscreened and text != "TRUE" and con.execute(
            f"SELECT count(*) FROM {name} WHERE ({' OR '.join(unscreened)}) "
            f"AND NOT coalesce({text}, FALSE)").fetchone()[0]:
        raise _RowsToWord(f"{inserted.contract.name}: a cell that breaks a text rule")
    return rows


def _scans_first(inserted: list[_Inserted]) -> None:
    """Raise what the scans of these files refused, if anything: called when a later step
    fails, so that a file the Polars engine must read goes to it straight away (as when each
    dataset was held against its scans right after its INSERT), rather than after the staging
    pass has read every file again, or with another reason."""
    for i in inserted:
        for group, _, _ in i.groups:
            for f in group:
                f.scan.result()


def _failed_file(exc: Exception, group: list[_File], default: str) -> str:
    """The file a DuckDB reading error names (its ``file = ...`` line), as reports name it."""
    for line in str(exc).splitlines():
        if line.strip().startswith("file = "):
            named = line.strip().removeprefix("file = ")
            for f in group:
                if _duckdb_path(f.source) == named:
                    return f.display
    return default


def _number_rows(con: duckdb.DuckDBPyConnection, table: str, start: int, rows) -> None:
    """Set ``__row`` of the rows from ``start`` on (in the order of the file) to ``rows``."""
    import numpy as np
    import pyarrow as pa

    # On a cursor of its own: DuckDB refuses to register a table on a connection that holds a
    # result not fetched to the end (a count's fetchone()).
    cursor = duck.cursor(con)
    try:
        cursor.register("__numbers", pa.table({"at": np.arange(start, start + len(rows)),
                                               "row": np.asarray(rows, dtype=np.int64)}))
        cursor.execute(f"UPDATE {table} SET __row = n.row FROM __numbers n "
                       f"WHERE {table}.rowid = n.at")
    finally:
        cursor.close()


def duplicated_keys_sql(contract: Contract) -> str:
    """The keys of a dataset that more than one row holds."""
    key = _ident(contract.primary_key)
    return (f"SELECT {key} FROM {_ident(contract.name)} WHERE {key} IS NOT NULL "
            "GROUP BY ALL HAVING count(*) > 1")


def unknown_source_sql(name: str) -> str:
    """The rows of an event dataset whose source_id is not in the source register."""
    return (f"SELECT * FROM {_ident(name)} WHERE source_id IS NOT NULL AND source_id NOT IN "
            "(SELECT source_id FROM sources WHERE source_id IS NOT NULL)")


#: Each entry of the repatriations' detention_ids, with its repatriation's file, row and date.
_LINKS_SQL = """
    SELECT __file, __row, event_date, trim(unnest(string_split(detention_ids, ';'))) AS det
    FROM repatriations WHERE detention_ids IS NOT NULL
"""

#: The repatriations (file, row) with a detention id that is unknown, or that some detention of
#: that id is dated after. A superset of what the Polars engine reports (it judges a
#: duplicated id by its earliest copy, and strips more kinds of space from an id).
FAILING_LINKS_SQL = f"""
    WITH links AS ({_LINKS_SQL})
    SELECT DISTINCT l.__file, l.__row FROM links l
    LEFT JOIN detentions d ON d.record_id = l.det
    WHERE l.det <> '' AND (d.record_id IS NULL OR d.event_date > l.event_date)
"""

#: Whether every entry finds a detention of its id dated on or before its repatriation, which
#: is FAILING_LINKS_SQL finding nothing once detention ids are known to be unique: then an
#: entry matches one detention at most, and all match when as many matches as entries are
#: found. An inner join costs less than the left join (0.23 s against 0.31 s at 1M rows).
_LINKS_HOLD_SQL = f"""
    WITH links AS ({_LINKS_SQL})
    SELECT (SELECT count(*) FROM links WHERE det <> '')
         = (SELECT count(*) FROM links l JOIN detentions d
            ON d.record_id = l.det AND l.det <> '' AND d.event_date <= l.event_date)
"""


def _cross_checks(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract]) -> None:
    """The error rules across rows and datasets; a failure goes to :mod:`toolkit.locate`."""
    for name in ALL_DATASETS:
        key = _ident(contracts[name].primary_key)  # fewer distinct keys than keys: a repeat
        if con.execute(f"SELECT count({key}) - (SELECT count(*) FROM (SELECT DISTINCT {key} "
                       f"FROM {_ident(name)} WHERE {key} IS NOT NULL)) FROM {_ident(name)}"
                       ).fetchall()[0][0]:
            raise _RowsToWord(f"a {name} identifier used more than once")
    for name in EVENT_DATASETS:
        if con.execute(f"SELECT count(*) FROM ({unknown_source_sql(name)})").fetchall()[0][0]:
            raise _RowsToWord(f"a {name} source_id not in the sources")
    # Detention ids are unique here (above), as _LINKS_HOLD_SQL needs.
    if not con.execute(_LINKS_HOLD_SQL).fetchall()[0][0]:
        raise _RowsToWord("a detention_ids entry that is unknown or dated later")


#: The low bits of the duplicate screen's number that hold the day (2**23 days: 22,000 years
#: after EARLIEST_DATE; a day outside is clamped, so it never reaches the hash bits).
_DAY_BITS_MASK = 2**23 - 1


def _possible_duplicates(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """The same pairs as :func:`toolkit.validate.check_possible_duplicates`: neighbours in
    (persons, place, nationality, event_date, file, row) order, a few days apart."""
    findings = []
    earliest = sql_string(EARLIEST_DATE.isoformat())
    for name in EVENT_DATASETS:
        place = "from_country" if name == "repatriations" else "country"
        keys = f"persons, {place}, nationality"
        present = f"persons IS NOT NULL AND {place} IS NOT NULL AND nationality IS NOT NULL " \
                  "AND event_date IS NOT NULL"
        # First whether there may be such a pair at all (usually not). Each row becomes one
        # number: the hash of its keys in the high bits, its day in the low 23 bits. Two rows
        # of the same keys a few days apart are then a few apart, so in order some neighbours
        # are too. (Neighbours close by a hash collision, or days clamped to the range, only
        # cost the exact query below.)
        # One integer sorted whole is several times cheaper than a window partitioned by keys.
        if not con.execute(f"""
            SELECT count(*) FROM (
                SELECT k - lag(k) OVER (ORDER BY k) AS gap FROM (
                    SELECT (hash({keys}) & ~{_DAY_BITS_MASK}::UBIGINT)
                           | least(greatest(event_date - DATE {earliest}, 0),
                                   {_DAY_BITS_MASK})::UBIGINT AS k
                    FROM {_ident(name)} WHERE {present}))
            WHERE gap <= {DUPLICATE_WINDOW_DAYS}
        """).fetchone()[0]:
            continue
        cursor = con.execute(f"""
            SELECT * FROM (
                SELECT record_id, event_date, {place}, nationality, persons, __file, __row,
                       lag(event_date) OVER w AS p_date, lag(record_id) OVER w AS p_id,
                       lag(__file) OVER w AS p_file, lag(__row) OVER w AS p_row
                FROM {_ident(name)} WHERE {present}
                WINDOW w AS (PARTITION BY {keys} ORDER BY event_date, __file, __row))
            WHERE event_date - p_date <= {DUPLICATE_WINDOW_DAYS}
        """)
        names = [d[0] for d in cursor.description]
        findings += [duplicate_finding(name, place, dict(zip(names, r, strict=True)))
                     for r in cursor.fetchall()]
    return findings


# --------------------------------------------------------------------------- the run


def _run_duckdb(raw_dir: Path, as_of: dt.date, files: dict[str, list[_File]], db: Path,
                out_dir: Path | None, progress: Callable[[str], None]) -> Outcome:
    from toolkit import warehouse

    contracts = load_contracts()
    spill = Path(tempfile.mkdtemp(prefix=".duckdb-spill-", dir=db.parent))
    con = duck.connect(str(db))
    try:
        con.execute(f"SET memory_limit = {sql_string(MEMORY_LIMIT)}")
        con.execute(f"SET temp_directory = {sql_string(str(spill))}")
        con.execute(warehouse.iso3_type_ddl())
        try:
            report, file_rows = _strict(con, contracts, files, as_of, progress)
        except _RowsToWord as exc:
            from toolkit.locate import locate

            progress(f"finding the rows with problems ({exc})")
            for name in ALL_DATASETS:
                con.execute(f"DROP TABLE IF EXISTS {_ident(name)}")
            report, file_rows = locate(con, contracts, files, as_of, out_dir is not None,
                                       progress)
        # A file with only a header is read (no rows); both engines warn of it.
        report.extend(no_rows_finding(file, name)
                      for name, fs in file_rows.items() for file, rows in fs if not rows)
        _add_line_numbers(report, files)
        outcome = Outcome(report, as_of, "duckdb",
                          {n: sum(r for _, r in fs) for n, fs in file_rows.items()},
                          {n: [d for d, _ in fs] for n, fs in file_rows.items()})
        if out_dir is not None and report.exit_code == 0:
            progress("writing the warehouse")
            digests = {f.display: f.scan.result().digest for fs in files.values() for f in fs}
            warehouse.finish(con, report, as_of, file_rows, raw_dir, digests)
            con.execute("CHECKPOINT")
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    return outcome


def _add_line_numbers(report: Report, files: dict[str, list[_File]]) -> None:
    """As the Polars engine does: name the line of findings in rows after a multi-line cell."""
    layouts = {f.display: f.scan.result() for fs in files.values() for f in fs}
    moved = {display: layout for display, layout in layouts.items() if layout.lines is not None}
    if not moved or not report.findings:
        return
    import polars as pl

    from toolkit.validate import add_line_numbers

    lines = {display: pl.DataFrame({ROW: layout.rows, LINE: layout.lines}).filter(
        pl.col(ROW) != pl.col(LINE)) for display, layout in moved.items()}
    report.findings = add_line_numbers(report.findings, lines)


def _strict(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract],
            files: dict[str, list[_File]], as_of: dt.date, progress: Callable[[str], None]
            ) -> tuple[Report, dict[str, list[tuple[str, int]]]]:
    """The clean-data pass: load every file guarded, then the rules across rows in SQL."""
    from toolkit import warehouse

    # The files' scans may still run (large files): what needs no scan runs meanwhile, the
    # rules across rows included. Whether any stock is negative (mostly numpy, one core) is
    # asked beside the others (DuckDB's threads), on a cursor of its own; it is awaited
    # before anything else happens, even an error. Its warnings, which name rows, are worded
    # once the rows' numbers are final.
    inserted: list[_Inserted] = []
    try:
        for name in ALL_DATASETS:
            progress(f"reading and checking {name}")
            con.execute(warehouse.table_ddl(contracts[name]))
            inserted.append(_insert_files(con, contracts[name], files[name], as_of))
        progress("checking references and reconciling stock and flow")
        for i in inserted:
            _number(con, i)
    except Exception:
        _scans_first(inserted)
        raise
    with ThreadPoolExecutor(1) as beside:
        cursor = duck.cursor(con)
        try:
            negative = beside.submit(any_negative_coded, cursor)  # the guard held the codes
            try:
                try:
                    _cross_checks(con, contracts)
                except Exception:
                    _scans_first(inserted)
                    raise
                progress("holding the rows against the files")
                file_rows = {i.contract.name: list(_settle(con, i).items()) for i in inserted}
                report = Report()
                report.extend(_possible_duplicates(con))
            finally:
                wait([negative])
            if negative.result():
                report.extend(stock_findings(con))
        finally:
            cursor.close()
    return report, file_rows


def _run_polars(raw_dir: Path, as_of: dt.date, encoding: str | None, out_dir: Path | None,
                progress: Callable[[str], None], handed_over: str | None) -> Outcome:
    from toolkit.validate import validate
    from toolkit.warehouse import write_warehouse

    result = validate(raw_dir, as_of, encoding, progress)
    outcome = Outcome(result.report, as_of, "polars",
                      {n: t.height for n, t in result.tables.items()}, result.files,
                      handed_over)
    if out_dir is not None and result.report.exit_code == 0:
        progress("writing the warehouse")
        outcome.warehouse = write_warehouse(result, raw_dir, out_dir)
    return outcome


def validate_and_load(raw_dir: Path, as_of: dt.date, encoding: str | None = None, *,
                      out_dir: Path | None = None, engine: str = "auto",
                      progress: Callable[[str], None] | None = None) -> Outcome:
    """Validate the raw returns; with ``out_dir``, load ``<out_dir>/warehouse.duckdb`` if valid.

    The warehouse is written under a temporary name and renamed over the old one only when the
    data is valid, so an invalid return or a crash leaves the previous warehouse as it was.
    Raises ValueError for an unknown ``engine`` or an ``encoding`` that names no text encoding.
    """
    from toolkit.layout import check_encoding

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    check_encoding(encoding)
    step = progress or (lambda _: None)
    raw_dir = Path(raw_dir)
    use_duckdb = engine == "duckdb" or (
        engine == "auto" and raw_csv_bytes(raw_dir) >= AUTO_MIN_BYTES)
    handed_over = None
    if use_duckdb:
        try:
            return _try_duckdb(raw_dir, as_of, encoding, out_dir, step)
        except NeedsPolars as exc:
            handed_over = str(exc)
            step(f"checking closely ({handed_over})")
    return _run_polars(raw_dir, as_of, encoding, out_dir, step, handed_over)


def _try_duckdb(raw_dir: Path, as_of: dt.date, encoding: str | None, out_dir: Path | None,
                step: Callable[[str], None]) -> Outcome:
    """The DuckDB engine, into a temporary database renamed over the warehouse when valid."""
    from toolkit.warehouse import WAREHOUSE, temp_path

    step("looking at the files")
    scratch = None
    copies: list[Path] = []
    # An encoding named other than UTF-8 (CP949 or EUC-KR, see plan): every file but ASCII is
    # copied. UTF-8 named: none is (the Polars engine would not look for CP949 either).
    named = encoding if encoding and codecs.lookup(encoding).name != "utf-8" else None
    copying = encoding is None or named is not None
    with ThreadPoolExecutor(_scanners()) as pool:
        try:
            files = plan(raw_dir, pool, encoding)
            if out_dir is not None:
                out_dir.mkdir(parents=True, exist_ok=True)
                db = temp_path(out_dir)
            else:
                scratch = Path(tempfile.mkdtemp(prefix="toolkit-validate-"))
                db = scratch / "check.duckdb"

            def folder() -> Path:  # for UTF-8 copies, made when needed: beside the database,
                if not copies:    # else in the system's temporary folder
                    copies.append(Path(tempfile.mkdtemp(prefix=".utf8-copies-", dir=db.parent)))
                    if set(_duckdb_path(copies[0])) & set(_GLOB):  # DuckDB: a pattern
                        copies.append(Path(tempfile.mkdtemp(prefix="toolkit-utf8-copies-")))
                if set(_duckdb_path(copies[-1])) & set(_GLOB):
                    raise NeedsPolars(f"a folder for UTF-8 copies with one of {_GLOB}")
                return copies[-1]

            try:
                if copying and (named or not all(_utf8_prefix(f.path)
                                                 for fs in files.values() for f in fs)):
                    step("copying files that are not UTF-8")
                    _transcode(files, folder, named)
                try:
                    outcome = _run_duckdb(raw_dir, as_of, files, db, out_dir, step)
                except _UnreadByDuckDB:
                    # CP949 further down a file than its start: copy it and read again.
                    if not copying or not _transcode(files, folder, named):
                        raise
                    step("copied files that are not UTF-8; reading again")
                    _remove(db)
                    outcome = _run_duckdb(raw_dir, as_of, files, db, out_dir, step)
                if out_dir is not None and outcome.report.exit_code == 0:
                    os.replace(db, out_dir / WAREHOUSE)
                    outcome.warehouse = out_dir / WAREHOUSE
                return outcome
            finally:
                _remove(db)
                for path in copies:
                    shutil.rmtree(path, ignore_errors=True)
                if scratch is not None:
                    shutil.rmtree(scratch, ignore_errors=True)
        finally:
            pool.shutdown(cancel_futures=True)


def _remove(db: Path) -> None:
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
