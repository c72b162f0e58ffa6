"""XLSX returns, read with openpyxl in read-only mode, sheet rows as they are numbered.

The sheet read is the one named after the dataset, else the first visible one; another sheet
that also holds the dataset's rows is reported (``ignored_sheet``). Formulas and spreadsheet
errors are refused at their cell (``formula_cell``), merged ranges at their first cell
(``merged_cells``); a header may sit below a title row.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from toolkit.config import Limits
from toolkit.ingest.errors import ReadIssue, UnreadableFile
from toolkit.ingest.header import (
    HEADER_SEARCH_ROWS,
    is_blank,
    looks_like_header,
    names_any,
    no_header_message,
    normalise_header,
)
from toolkit.ingest.layout import LINE, MAX_COLUMNS, ROW, tidy

#: Rows per batch (a sheet holds at most 1,048,576).
BATCH_ROWS = 100_000
#: OOXML writes control characters in text as ``_xHHHH_`` (Excel: a carriage return is
#: ``_x000D_``); openpyxl leaves them escaped.
_OOXML_CONTROL = re.compile(r"_x(00[01][0-9A-Fa-f])_")
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def cell_text(value: object) -> str | None:
    """A cell's value as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, str):
        if "_x00" in value:
            value = _OOXML_CONTROL.sub(lambda m: chr(int(m.group(1), 16)), value)
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:100]}" if text else type(exc).__name__


def _merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of every merged range, from the sheet's XML."""
    from openpyxl.utils import column_index_from_string

    source = getattr(sheet, "_get_source", None)
    if source is None:
        return []
    with source() as fh:
        xml = fh.read()
    return [(column_index_from_string(a.decode()), int(r1), column_index_from_string(b.decode()),
             int(r2)) for a, r1, b, r2 in _MERGE.findall(xml)]


def _check_parts(path: Path, limits: Limits) -> None:
    """Refuse a workbook whose parts would expand far beyond the file (a decompression bomb)
    before any part is decompressed: the sizes are in the ZIP archive's directory."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("the workbook is damaged or cut short (its ZIP archive is "
                             "incomplete); save it again from Excel") from exc
    total = sum(p.file_size for p in parts)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise UnreadableFile(
            f"the workbook's parts take {total:,} bytes uncompressed, more than the limit of "
            f"{limits.max_xlsx_uncompressed_bytes:,} (config/limits.yaml); save the data as CSV")
    for part in parts:
        if part.file_size > 2**20 and part.file_size > limits.max_xlsx_ratio * max(
                part.compress_size, 1):
            raise UnreadableFile(
                f"the workbook's part {part.filename!r} expands {part.file_size:,} bytes from "
                f"{part.compress_size:,}, more than {limits.max_xlsx_ratio} times "
                "(config/limits.yaml): the file is damaged or built to exhaust memory")


def _holds_rows(sheet, known: set[str]) -> bool:
    seen = 0
    for row in sheet.iter_rows(values_only=True):
        if is_blank(row):
            continue
        if looks_like_header(row, known):
            return True
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return False


class XlsxReturn:
    """An XLSX return: header, then rows in batches; issues complete once batches are read."""

    def __init__(self, path: Path, dataset: str, known: set[str], limits: Limits | None = None):
        import openpyxl

        with path.open("rb") as fh:
            head = fh.read(8)
        if not head.startswith(b"PK"):
            what = "an old Excel .xls workbook" if head.startswith(b"\xd0\xcf\x11\xe0") else \
                "text, perhaps CSV" if head and all(32 <= c < 127 or c in b"\t\r\n" for c in head) \
                else "something else"
            raise UnreadableFile(f"the file is not an XLSX workbook but {what}; save it as .xlsx "
                                 "from Excel, or give it the extension that matches its content")
        _check_parts(path, limits or Limits())
        try:
            self.book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except zipfile.BadZipFile as exc:
            raise UnreadableFile("the workbook is damaged or cut short (its ZIP archive is "
                                 "incomplete); save it again from Excel") from exc
        except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
            raise UnreadableFile(f"not a readable XLSX workbook ({_reason(exc)})") from exc
        self.issues: list[ReadIssue] = []
        self.notes: list[str] = []
        try:
            self._open_sheet(dataset, known)
        except UnreadableFile:
            self.close()
            raise
        except Exception as exc:  # damage found only while reading the cells
            self.close()
            raise UnreadableFile(f"not a readable XLSX workbook ({_reason(exc)})") from exc

    def close(self) -> None:
        self.book.close()

    def _open_sheet(self, dataset: str, known: set[str]) -> None:
        sheets = list(self.book.worksheets)
        if not sheets:
            raise UnreadableFile("the workbook has no worksheet")
        named = [ws for ws in sheets if normalise_header(ws.title) == dataset]
        visible = [ws for ws in sheets if getattr(ws, "sheet_state", "visible") == "visible"]
        sheet = (named or visible or sheets)[0]
        others = [ws.title for ws in sheets if ws is not sheet and known and _holds_rows(ws, known)]
        if others:
            names = ", ".join(repr(o) for o in others)
            self.notes.append(
                f"only sheet {sheet.title!r} is read, but {names} also hold"
                f"{'s' * (len(others) == 1)} {dataset} rows; put every row on one sheet (named "
                f"{dataset!r} if the workbook has others)")
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers record a wrong used range; read every cell
        self.sheet = sheet
        self.rows = sheet.iter_rows()
        header_cells, fallback, seen, pending = None, None, 0, []
        for cells in self.rows:
            values = [getattr(c, "value", None) for c in cells]
            if is_blank(values):
                continue
            seen += 1
            fallback = fallback or cells
            if not known or looks_like_header(values, known):
                header_cells = cells
                break
            pending.append(cells)
            if seen >= HEADER_SEARCH_ROWS:
                break
        if header_cells is None:
            if fallback is None:
                raise UnreadableFile(f"sheet {sheet.title!r} is empty")
            values = [getattr(c, "value", None) for c in fallback]
            if known and not names_any(values, known):
                raise UnreadableFile(no_header_message(sheet.title, values))
            # Only one column name matches: take the first row; the checks say what is off.
            header_cells, self.pending = fallback, pending[1:]
        else:
            self.pending = []
        self.header_row = next(c.row for c in header_cells if hasattr(c, "row"))
        self.header = [cell_text(c.value).strip() if getattr(c, "value", None) is not None
                       else "" for c in header_cells]
        if len(self.header) > MAX_COLUMNS:
            raise UnreadableFile(f"the header has {len(self.header):,} columns: is this the right "
                                 "sheet?")

    def _values(self, cells) -> list[str | None]:
        values = []
        for c in cells:
            kind = getattr(c, "data_type", None)
            value = getattr(c, "value", None)
            if kind == "f" or (kind is None and value is not None and
                               type(value).__name__ in ("ArrayFormula", "DataTableFormula")):
                text = getattr(value, "text", value)
                self.issues.append(ReadIssue(
                    "formula_cell", c.row, c.column - 1, str(text),
                    f"cell {c.coordinate} holds a formula ({text}); copy the column and paste "
                    "it back as values", suppress=True))
                value = None
            elif kind == "e":
                self.issues.append(ReadIssue(
                    "formula_cell", c.row, c.column - 1, str(value),
                    f"cell {c.coordinate} holds the spreadsheet error {value}; fix the cell and "
                    "save the values", suppress=True))
                value = None
            values.append(cell_text(value))
        while values and (values[-1] is None or not values[-1].strip()):
            values.pop()  # formatted but empty cells at the end of the row
        return values

    def batches(self) -> Iterator[pl.DataFrame]:
        """Frames of ``c0``.. (text, stripped, empty as null), ``__row`` and ``__line``; a value
        beyond the header makes an unnamed column (``""`` in :attr:`header`)."""
        try:
            yield from self._batches()
        except UnreadableFile:
            raise
        except Exception as exc:
            raise UnreadableFile(f"not a readable XLSX workbook ({_reason(exc)})") from exc
        finally:
            self.close()

    def _batches(self) -> Iterator[pl.DataFrame]:
        columns: list[list[str | None]] = [[] for _ in self.header]
        numbers: list[int] = []
        last = self.header_row
        for cells in _chain(self.pending, self.rows):
            values = self._values(cells)
            if not values:
                continue
            if len(values) > MAX_COLUMNS:
                raise UnreadableFile(f"row {cells[0].row} has values in {len(values):,} "
                                     "columns: is this the right sheet?")
            while len(values) > len(columns):  # values beyond the header: unnamed columns
                self.header.append("")
                columns.append([None] * len(numbers))
            for i, column in enumerate(columns):
                column.append(values[i] if i < len(values) else None)
            last = next(c.row for c in cells if hasattr(c, "row"))
            numbers.append(last)
            if len(numbers) >= BATCH_ROWS:
                yield self._frame(columns, numbers)
                columns, numbers = [[] for _ in self.header], []
        if numbers or last == self.header_row:
            yield self._frame(columns, numbers)
        self._merged(last)

    def _frame(self, columns, numbers) -> pl.DataFrame:
        data = {f"c{i}": pl.Series(col, dtype=pl.String) for i, col in enumerate(columns)}
        rows = pl.Series(ROW, numbers, dtype=pl.Int64)
        frame = pl.DataFrame(data).with_columns(rows, rows.alias(LINE))
        return tidy(frame, list(data))

    def _merged(self, last: int) -> None:
        from openpyxl.utils import get_column_letter

        for c1, r1, c2, r2 in _merged_ranges(self.sheet):
            if r2 < self.header_row or r1 > last:
                continue  # a title above the header, or a merge below the data
            ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
            self.issues.append(ReadIssue(
                "merged_cells", max(r1, self.header_row), c1 - 1, ref,
                f"cells {ref} are merged; unmerge them and fill in every cell"))
            for r in range(max(r1, self.header_row + 1), min(r2, last) + 1):
                for c in range(c1, min(c2, len(self.header)) + 1):
                    if (r, c) != (r1, c1):
                        self.issues.append(ReadIssue("merged_cells", r, c - 1, None, "",
                                                     suppress=True, report=False))


def _chain(first, rest):
    yield from first
    yield from rest
