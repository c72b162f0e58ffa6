"""Reading raw returns: CSV, XLSX and Parquet into text frames, one parser per format.

:func:`open_return` gives a :class:`Return`: its header (the names as the file writes them),
the header's row, then its rows in batches of text cells ``c0``.. with ``__row`` (the row as a
person counts it) and ``__line`` (the text-editor line it starts on). Cells are stripped and
an empty cell is missing. Problems seen while reading a row (a ragged row, a formula, merged
cells) are :class:`ReadIssue` objects in :attr:`Return.issues`, complete once every batch has
been read. A file that cannot be read at all raises :class:`UnreadableFile`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from toolkit.config import Limits
from toolkit.ingest.csvread import CsvReturn
from toolkit.ingest.decode import check_encoding, utf8_file
from toolkit.ingest.errors import ReadIssue, UnreadableFile
from toolkit.ingest.files import (
    SUPPORTED,
    discover,
    display_name,
    missing_message,
    unsupported_message,
)
from toolkit.ingest.header import normalise_header
from toolkit.ingest.layout import FILE, LINE, MAX_COLUMNS, ROW
from toolkit.ingest.parquet import ParquetReturn
from toolkit.ingest.xlsx import XlsxReturn


class _Reader(Protocol):
    header: list[str]
    header_row: int
    issues: list[ReadIssue]

    def batches(self) -> Iterator[pl.DataFrame]: ...


@dataclass
class Return:
    """One raw file, open for reading."""

    dataset: str
    display: str
    reader: _Reader
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    _closers: list = field(default_factory=list, repr=False)

    @property
    def header(self) -> list[str]:
        return self.reader.header

    @property
    def header_row(self) -> int:
        return self.reader.header_row

    @property
    def issues(self) -> list[ReadIssue]:
        return self.reader.issues

    def batches(self) -> Iterator[pl.DataFrame]:
        return self.reader.batches()

    def close(self) -> None:
        for close in self._closers:
            close()
        self._closers.clear()


def open_return(path: Path, dataset: str, display: str, encoding: str | None = None,
                known: Iterable[str] = (), limits: Limits | None = None) -> Return:
    """Open one raw file; raise :class:`UnreadableFile` with the reason if it cannot be read.

    ``known`` (the contract's column names) lets the reader find a header that is not on the
    first row of a sheet, and say so when a CSV file's header is not on its first row.
    """
    suffix = path.suffix.lower()
    names = set(known)
    if suffix == ".csv":
        text = utf8_file(path, encoding)
        try:
            reader = CsvReturn(text.path, names, text.quoted)
        except BaseException:
            text.close()
            raise
        opened = Return(dataset, display, reader, text.encoding, [], [text.close])
    elif suffix == ".xlsx":
        reader = XlsxReturn(path, dataset, names, limits)
        opened = Return(dataset, display, reader, None, list(reader.notes), [reader.close])
    elif suffix == ".parquet":
        opened = Return(dataset, display, ParquetReturn(path, limits))
    else:
        raise UnreadableFile(f"unsupported file type {suffix or '(none)'!r}")
    if not any(h.strip() for h in opened.header):
        opened.close()
        raise UnreadableFile("the header row is empty")
    return opened


@dataclass
class WholeFile:
    """A raw file read whole: for tools and tests that want every row at once."""

    header: list[str]
    header_row: int
    frame: pl.DataFrame
    encoding: str | None
    issues: list[ReadIssue]
    notes: list[str]


def read_file(path: Path, dataset: str, display: str | None = None,
              encoding: str | None = None, known: Iterable[str] = ()) -> WholeFile:
    """Every batch of one file in one frame, with the header and what the reader saw."""
    opened = open_return(path, dataset, display or path.name, encoding, known)
    try:
        empty = pl.DataFrame(schema={**{f"c{i}": pl.String for i in range(len(opened.header))},
                                     ROW: pl.Int64, LINE: pl.Int64})
        frame = pl.concat([empty, *opened.batches()], how="diagonal")
        return WholeFile(opened.header, opened.header_row, frame, opened.encoding,
                         list(opened.issues), list(opened.notes))
    finally:
        opened.close()


__all__ = ["FILE", "LINE", "MAX_COLUMNS", "ROW", "SUPPORTED", "ReadIssue", "Return",
           "UnreadableFile", "check_encoding", "discover", "display_name", "missing_message",
           "normalise_header", "open_return", "read_file", "unsupported_message", "WholeFile"]
