"""CSV returns, read by Polars' CSV reader: the one parser of record for CSV.

The dialect (``docs/data-contract.md`` states it for users): comma-separated, RFC 4180
quoting (a value holding a comma, a quote or a line break is quoted whole and its quotes are
doubled), UTF-8 with LF or CRLF line ends (other encodings and line ends are decoded first by
:mod:`toolkit.ingest.decode`), the header on the first non-blank row.

Read leniently: blank lines (they count as rows, as a spreadsheet shows them), rows with fewer
fields than the header (the missing cells are empty), spaces around values. Refused: a row with
more fields than the header (``ragged_row``, at its row; the rest of the file is still
checked), and quoting the reader cannot follow (a quote opened and never closed, text after a
closing quote, a lone quote inside an unquoted value): the file is unreadable, and the message
names the row and line where the problem starts.

Rows are numbered as a person counts them (the header row is row 1 unless blank lines come
before it; a record whose cells span several lines is one row) and each record carries the
text-editor line it starts on, from the line breaks inside its cells.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import polars as pl

from toolkit.ingest.errors import ReadIssue, UnreadableFile
from toolkit.ingest.header import check_header_row, first_filled
from toolkit.ingest.layout import LINE, MAX_COLUMNS, ROW, tidy

#: Rows per batch: every batch is validated and loaded before the next is read.
BATCH_ROWS = 200_000
#: How many records from the top the header is looked for in.
HEAD_ROWS = 100
_CSV_FIELD_LIMIT = 2**31 - 1


def _schema(width: int) -> dict[str, pl.DataType]:
    return dict(_columns(width))


@lru_cache(maxsize=16)
def _columns(width: int) -> tuple[tuple[str, pl.DataType], ...]:
    return tuple((f"c{i}", pl.String()) for i in range(width))


def _record_text(path: Path, first_line: int, last_line: int) -> bytes:
    """The bytes of lines ``first_line`` to ``last_line`` (1-based, inclusive)."""
    with path.open("rb") as fh:
        lines = itertools.islice(fh, first_line - 1, last_line)
        return b"".join(lines)


def _fields(record: bytes) -> list[str]:
    """The fields of one record, as the reader splits it."""
    frame = pl.read_csv(io.BytesIO(record), has_header=False, infer_schema=False,
                        truncate_ragged_lines=False, n_rows=1)
    return ["" if v is None else v for v in frame.row(0)] if frame.height else []


def _spans(frame: pl.DataFrame, cells: list[str]) -> pl.Expr:
    """How many lines each record takes in the file (one, in a batch without a line break
    inside a cell)."""
    if not cells or not frame.select(pl.any_horizontal(
            pl.col(c).str.contains("\n", literal=True).any() for c in cells)).item():
        return pl.lit(1, pl.Int64)
    breaks = [pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in cells]
    return (pl.sum_horizontal(breaks) + 1).cast(pl.Int64)


def _refusal(path: Path, cause: Exception) -> UnreadableFile:
    """Why the reader refused the file, at the row and line where the problem starts.

    The standard library's CSV module walks the file to find that row; it only words the
    refusal, its fields are never used.
    """
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        ordinal, line = 0, 0
        while True:
            start = line + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                if "end of data" in str(exc):
                    return UnreadableFile(
                        f"a quote opened in row {ordinal + 1} (line {start}) is never closed, "
                        "so the rest of the file would be one cell; is the file cut short, or "
                        "a quote missing?")
                return UnreadableFile(
                    f"row {ordinal + 1} (line {start}) cannot be parsed: {exc}; a value with "
                    "quotes must be quoted whole, e.g. \"a \"\"quoted\"\" word\"")
            ordinal += 1
            line = reader.line_num
            quoted = [v for v in record if '"' in v]
            if quoted:
                raw = _record_text(path, start, line).decode("utf-8-sig", "replace")
                stray = next((v for v in quoted if v.replace('"', '""') not in raw), None)
                if stray is not None:
                    return UnreadableFile(
                        f"row {ordinal} (line {start}) has a quote inside a value that is not "
                        f"quoted ({stray[:60]!r}); quote the whole value and double its quotes, "
                        "e.g. \"a 5\"\" gap\"")
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return UnreadableFile(f"the file is not CSV the reader can follow ({first[:120]}); "
                          "save it again as CSV UTF-8")


class CsvReturn:
    """A CSV return: its header, then its rows in batches (read lazily, in file order)."""

    def __init__(self, path: Path, known: set[str], quoted: bool = True):
        self.path = path
        #: Whether the file holds a quote: without one, every record is one line.
        self.quoted = quoted
        self.issues: list[ReadIssue] = []
        try:
            head = pl.read_csv(path, has_header=False, infer_schema=False, n_rows=HEAD_ROWS,
                               schema=_schema(MAX_COLUMNS + 1), missing_columns="insert",
                               extra_columns="ignore", truncate_ragged_lines=True)
        except pl.exceptions.PolarsError as exc:
            raise _refusal(path, exc) from None
        rows = [list(r) for r in head.iter_rows()]
        index = first_filled(rows)
        named = rows[index]
        self.header_row = index + 1
        # Lines before the header: one per blank row, plus the breaks inside the header.
        header_line = 1 + sum(str(v or "").count("\n") for r in rows[:index] for v in r) + index
        span = 1 + sum(str(v or "").count("\n") for v in named)
        fields = _fields(_record_text(path, header_line, header_line + span - 1))
        if len(fields) > MAX_COLUMNS:
            raise UnreadableFile(
                f"the header has {len(fields):,} columns; a return has at most "
                f"{len(known) or 20}: is this the right file?")
        check_header_row(rows, index, known)
        self.header = [f.strip() for f in fields] or [str(v or "").strip() for v in named]
        self.first_line = header_line + span

    def _scan(self, width: int, done: int, lenient: bool) -> pl.LazyFrame:
        return pl.scan_csv(self.path, has_header=False, infer_schema=False,
                           schema=_schema(width), missing_columns="insert",
                           truncate_ragged_lines=lenient,
                           skip_rows=self.header_row + done, row_index_name=ROW,
                           row_index_offset=self.header_row + 1 + done)

    def batches(self) -> Iterator[pl.DataFrame]:
        """Frames of ``c0``.. (text, stripped, empty as null), ``__row`` and ``__line``.

        The reader reads strictly; when it finds a row wider than the header, the ragged rows
        are located (:meth:`_ragged`) and the rest of the file is read with the fields after
        the last column dropped.
        """
        width = len(self.header)
        cells = [f"c{i}" for i in range(width)]
        line, done, lenient = self.first_line, 0, False
        while True:
            try:
                for batch in self._scan(width, done, lenient).collect_batches(
                        chunk_size=BATCH_ROWS):
                    span = (_spans(batch, cells) if self.quoted else pl.lit(1, pl.Int64)
                            ).alias("__span")
                    batch = batch.with_columns(pl.col(ROW).cast(pl.Int64), span)
                    batch = batch.with_columns(
                        (pl.col("__span").cum_sum() - pl.col("__span") + line).alias(LINE))
                    line += int(batch["__span"].sum())
                    done += batch.height
                    yield tidy(batch.select(*cells, ROW, LINE), cells)
                return
            except pl.exceptions.PolarsError as exc:
                if lenient or "more fields" not in str(exc):
                    raise _refusal(self.path, exc) from None
                self.issues.extend(_ragged(self.path, width))
                lenient = True


def _ragged(path: Path, width: int) -> list[ReadIssue]:
    """The rows with more fields than the header, each with its field count and the values
    after the last column. The standard library's CSV module counts the fields; it only words
    what the reader found, its values are never loaded."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    issues = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row, record in enumerate(csv.reader(fh), start=1):
            if len(record) > width:
                extra = ",".join(c.strip() for c in record[width:] if c.strip()) or None
                issues.append(ReadIssue(
                    "ragged_row", row, None, extra,
                    f"the row has {len(record):,} fields but the header has {width:,}; is a "
                    "comma inside a value not quoted? The fields after the last column were "
                    "ignored"))
    return issues
