"""Read raw returns (CSV, XLSX, Parquet) into all-text Polars frames with file row numbers.

Every cell is kept as text so that validation can report the value exactly as the file holds
it. Each frame carries ``__row``: the row as a person counts it in the file, the way a
spreadsheet shows it (the header is row 1; blank lines count; a CSV cell that spans several
lines is still one row; in XLSX, the sheet's own row number). Where a CSV record starts on a
different line in a text editor (after a multi-line cell), :attr:`RawFile.lines` says so.

Well-formed CSV is parsed by Polars; a file Polars refuses (a row with more fields than the
header, a stray quote inside a value) is parsed again by Python's ``csv`` module so that the
problem is reported at its row instead of making the whole file unreadable.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from toolkit.errors import Finding
from toolkit.layout import (  # noqa: F401  (part of this module's interface)
    FILE,
    HEADER_PREFIX,
    LINE,
    ROW,
    SYSTEM_FILES,
    check_encoding,
    discover,
    normalise_header,
    utf8_blocks,
)

SUPPORTED = (".csv", ".xlsx", ".parquet")
#: A header wider than this is not a return (a binary file read as text, a transposed sheet).
MAX_COLUMNS = 1000
#: How far down a sheet (or a CSV file) the header is looked for.
HEADER_SEARCH_ROWS = 20
_CSV_FIELD_LIMIT = 2**31 - 1

#: Signatures of files that are often saved with a wrong extension, and what they are.
_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive or an XLSX workbook; an XLSX file must end in .xlsx"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook; save it as .xlsx or CSV UTF-8"),
    (b"PAR1", "a Parquet file; a Parquet file must end in .parquet"),
    (b"%PDF", "a PDF document, not data"),
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"\x89PNG", "a PNG image, not data"),
    (b"\xff\xd8\xff", "a JPEG image, not data"),
    (b"GIF8", "a GIF image, not data"),
)


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why in words a user can act on."""


@dataclass(frozen=True)
class Issue:
    """A problem found while reading one cell or row, reported by validation as a finding.

    ``column`` is the 0-based position in the header (None for a whole row). ``suppress``
    says the reader emptied the cell, so an empty-cell finding would be redundant; an issue
    with ``report`` False only does that (the cells of a merged range after its first).
    """

    rule: str
    row: int
    column: int | None
    value: str | None
    message: str
    suppress: bool = False
    report: bool = True


@dataclass
class RawFile:
    dataset: str
    display: str
    header: list[str]
    frame: pl.DataFrame
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    #: ``__row`` -> ``__line`` for CSV records that start on another line than their row.
    lines: pl.DataFrame | None = None
    header_row: int = 1


def _looks_like_header(cells: Iterable[object], known: set[str]) -> bool:
    names = {normalise_header(c) for c in cells if c is not None and str(c).strip()}
    return len(names & known) >= min(2, len(known))


def _names_any(cells: Iterable[object], known: set[str]) -> bool:
    return any(c is not None and normalise_header(c) in known for c in cells)


def _no_header_message(where: str | None, cells: list, known: set[str]) -> str:
    first = next((str(c).strip() for c in cells if c is not None and str(c).strip()), "")
    shown = first if len(first) <= 40 else first[:39] + "…"
    place = f"sheet {where!r}" if where else "the file"
    return (f"{place} has no header row: the first row ({shown!r}, …) names none of the "
            f"contract's columns; the first row must hold the column names")


# --------------------------------------------------------------------------- CSV


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _what_binary(data: bytes) -> str:
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            return f"the file is {what}"
    nul = data.find(b"\x00")
    if nul > 0 and b"\n" in data[:nul] and data[:nul].isascii():
        return (f"line {_line_of(data, nul)} holds a NUL character (byte 0): the file is "
                "damaged, or is not CSV text")
    return "the file is binary, not CSV text"


def _classify_lines(data: bytes) -> tuple[int | None, int | None, int | None]:
    """First line that is UTF-8 (with a non-Latin letter), first CP949-only, first neither.

    Only for a file that is not UTF-8 (a rare path); lines of plain ASCII say nothing.
    """
    utf8, cp949, neither = None, None, None
    for line, raw in enumerate(data.split(b"\n"), start=1):
        if raw.isascii():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                raw.decode("cp949")
            except UnicodeDecodeError:
                neither = neither or line
            else:
                cp949 = cp949 or line
            continue
        if any(ord(ch) >= 0x800 for ch in text):
            utf8 = utf8 or line
        if utf8 and cp949 and neither:
            break
    return utf8, cp949, neither


def _unlikely_cp949(text: str, sample: int = 2000) -> bool:
    """Whether CP949-decoded text is more likely Windows-1252/Latin-1 read wrongly.

    Such bytes decode mostly to the rare Hangul of CP949's extension (a lead byte, then an
    ASCII letter: ``’s`` in Windows-1252); real Korean text is mostly the common syllables
    of KS X 1001, whose bytes are all above 0xA0.
    """
    rare = common = 0
    for ch in text:
        if ch < "\x80":
            continue
        encoded = ch.encode("cp949")
        if len(encoded) == 2 and encoded[1] < 0x80:
            rare += 1
        else:
            common += 1
        if rare + common >= sample:
            break
    return rare > common


def decode_csv(data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode CSV bytes; return the text and the encoding used.

    Without ``encoding``: UTF-8 (with or without BOM), else CP949 (the Korean government
    systems' encoding, a superset of EUC-KR); a file mixing the two is refused.
    """
    if not data.strip():
        raise UnreadableFile("the file is empty")
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError as exc:
            raise UnreadableFile(f"unknown encoding {encoding!r} (try utf-8 or cp949)") from exc
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        try:
            text = data.decode(encoding)
        except (LookupError, TypeError) as exc:  # e.g. 'hex', not a text encoding
            raise UnreadableFile(f"{encoding!r} is not a text encoding (try utf-8 or cp949)") \
                from exc
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"line {_line_of(data, exc.start)} is not valid {encoding} text; check the "
                "--encoding option"
            ) from exc
        if "\x00" in text:
            raise UnreadableFile(_what_binary(data))
        return text, encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile("the file is UTF-16 text; save it as CSV UTF-8")
    if b"\x00" in data[:8192] or data.startswith(tuple(m for m, _ in _SIGNATURES)):
        raise UnreadableFile(_what_binary(data))
    if data.startswith(codecs.BOM_UTF8):
        try:
            text, used = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"line {_line_of(data, exc.start + 3)} is not valid UTF-8, although the file "
                "starts with a UTF-8 byte-order mark; save the whole file as CSV UTF-8"
            ) from exc
    else:
        try:
            text, used = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            utf8, cp949, neither = _classify_lines(data)
            if neither:
                raise UnreadableFile(
                    f"line {neither} is neither UTF-8 nor CP949/EUC-KR text; save the file as "
                    "CSV UTF-8, or name its encoding with --encoding"
                ) from None
            if utf8 and cp949:
                raise UnreadableFile(
                    f"the file mixes encodings: line {utf8} is UTF-8 but line {cp949} is "
                    "CP949/EUC-KR; save the whole file as CSV UTF-8"
                ) from None
            try:
                text, used = data.decode("cp949"), "cp949"
            except UnicodeDecodeError as exc:  # a character split across lines
                raise UnreadableFile(
                    f"line {_line_of(data, exc.start)} is neither UTF-8 nor CP949/EUC-KR "
                    "text; save the file as CSV UTF-8, or name its encoding with --encoding"
                ) from None
            if _unlikely_cp949(text):
                raise UnreadableFile(
                    f"line {cp949} is not UTF-8, and read as CP949/EUC-KR it gives unlikely "
                    "characters: it may be Windows-1252 or Latin-1; save the file as CSV "
                    "UTF-8, or name its encoding with --encoding (e.g. cp1252)"
                ) from None
    if "\x00" in text:
        raise UnreadableFile(_what_binary(data))
    return text, used


def _find_header(text: str, known: set[str]) -> tuple[list[str], int]:
    """The header (first non-blank record) and its row; refuse a header that is not on top."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    header, row = None, 0
    try:
        for row, record in enumerate(reader, start=1):
            if any(c.strip() for c in record):
                header = record
                break
            if row > 10_000:
                break
    except csv.Error as exc:
        raise UnreadableFile(f"the header (row {row + 1}) cannot be parsed ({exc})") from None
    if header is None:
        raise UnreadableFile("the file has no header row: every row is blank")
    if len(header) == 1 and known and (";" in header[0] or "\t" in header[0]):
        sep = "semicolons" if ";" in header[0] else "tabs"
        raise UnreadableFile(
            f"the columns are separated by {sep}, not commas; save the file as CSV (comma "
            "delimited) UTF-8"
        )
    if len(header) > MAX_COLUMNS:
        raise UnreadableFile(
            f"the header has {len(header):,} columns; a return has at most {len(known) or 20}: "
            "is this the right file?"
        )
    if known and not _looks_like_header(header, known):
        try:
            for later, record in enumerate(reader, start=row + 1):
                if later > row + HEADER_SEARCH_ROWS:
                    break
                if _looks_like_header(record, known):
                    raise UnreadableFile(
                        f"the header must be the first row, but row {later} looks like the "
                        f"header; delete the {later - 1} row(s) above it"
                    )
        except csv.Error:
            pass  # the rows are parsed properly later; here we only look for a header
        if not _names_any(header, known):
            raise UnreadableFile(_no_header_message(None, header, known))
    return header, row


def _record_lines(text: str) -> pl.DataFrame:
    """One row per CSV record: its row (ordinal), the lines it spans, whether it is blank and
    how many fields it has.

    A line starts a record when the quotes before it are balanced (RFC 4180 quoting); fields
    are the commas outside quoted values, plus one.
    """
    whole = pl.Series("text", [text])
    lines = whole.str.split("\n").explode()
    unquoted = whole.str.replace_all(r'"[^"]*"', "").str.split("\n").explode()
    if text.endswith("\n"):
        lines = lines.head(len(lines) - 1)
        unquoted = unquoted.head(len(unquoted) - 1)
    quotes = lines.str.count_matches('"', literal=True)
    records = (
        pl.DataFrame({
            LINE: pl.int_range(1, len(lines) + 1, eager=True, dtype=pl.Int64),
            "starts": (quotes.cum_sum() - quotes) % 2 == 0,
            "blank": lines.str.strip_chars("\r") == "",
        })
        .filter("starts")
        .with_row_index(ROW, offset=1)
        .with_columns(pl.col(ROW).cast(pl.Int64),
                      (pl.col(LINE).shift(-1) - 1).fill_null(len(lines)).alias("end"))
        .drop("starts")
    )
    if len(unquoted) != records.height:  # quotes the two counts read differently
        return records.with_columns(pl.lit(None, dtype=pl.Int64).alias("fields"))
    return records.with_columns(
        (unquoted.str.count_matches(",", literal=True) + 1).cast(pl.Int64).alias("fields"))


def _ragged_message(fields: int, width: int) -> str:
    return (f"the row has {fields:,} fields but the header has {width:,}; is a comma inside a "
            "value not quoted? The fields after the last column were ignored")


def _read_csv_polars(text: str, header: list[str], header_row: int, data: bytes | None = None
                     ) -> tuple[pl.DataFrame, list[Issue]] | None:
    """The fast path: Polars parses the file; None when it cannot or its rows cannot be placed.

    ``data`` is the file's bytes when they are the UTF-8 of ``text`` (no copy needed).
    """
    if text.count('"') % 2:  # a quote left open: let the careful parser say where
        return None
    try:
        frame = pl.read_csv(io.BytesIO(data if data is not None else text.encode("utf-8")),
                            infer_schema=False, has_header=True)
    except BaseException as exc:  # incl. a Rust panic; the careful parser will explain
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return None
    width = len(header)
    if frame.width != width:
        return None
    records = _record_lines(text)
    if records["fields"].null_count():
        return None
    records = records.filter(pl.col(ROW) > header_row)
    if frame.height != records.height:
        records = records.filter(~pl.col("blank"))  # a Polars that skips blank lines
        if frame.height != records.height:
            return None
    issues = []
    wide = records.filter(pl.col("fields") > width)
    if wide.height:
        lines = text.split("\n")
        for row, line, end, count in wide.select(ROW, LINE, "end", "fields").iter_rows():
            source = "\n".join(lines[line - 1:max(end, line)])
            record = next(csv.reader(io.StringIO(source, newline="")), [])
            extra = ",".join(c.strip() for c in record[width:] if c.strip()) or None
            issues.append(Issue("ragged_row", row, None, extra, _ragged_message(count, width)))
    frame.columns = [f"c{i}" for i in range(width)]
    return frame.with_columns(records[ROW], records[LINE]), issues


def _read_csv_python(text: str, header: list[str], header_row: int
                     ) -> tuple[pl.DataFrame, list[Issue]]:
    """The careful path: Python's csv module, row by row, reporting ragged rows and open quotes."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    width = len(header)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    rows: list[int] = []
    lines: list[int] = []
    issues: list[Issue] = []
    ordinal, line = 0, 0
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "end of data" in str(exc):
                raise UnreadableFile(
                    f"a quote opened in row {ordinal + 1} (line {start}) is never closed, so "
                    "the rest of the file would be one cell; is the file cut short, or a quote "
                    "missing?"
                ) from None
            raise UnreadableFile(
                f"row {ordinal + 1} (line {start}) cannot be parsed: {exc}; a value with "
                "quotes must be quoted whole, e.g. \"a \"\"quoted\"\" word\""
            ) from None
        ordinal += 1
        line = reader.line_num
        if ordinal <= header_row or not record:
            continue
        if len(record) > width:
            extra = ",".join(c.strip() for c in record[width:] if c.strip()) or None
            issues.append(Issue("ragged_row", ordinal, None, extra,
                                _ragged_message(len(record), width)))
        for i in range(width):
            columns[i].append(record[i] if i < len(record) else None)
        rows.append(ordinal)
        lines.append(start)
    data = {f"c{i}": pl.Series(columns[i], dtype=pl.String) for i in range(width)}
    frame = pl.DataFrame(data).with_columns(
        pl.Series(ROW, rows, dtype=pl.Int64), pl.Series(LINE, lines, dtype=pl.Int64))
    return frame, issues


def _is_utf8(data: bytes, block: int = 1 << 20) -> bool:
    """Whether ``data`` is valid UTF-8, decoded block by block (no copy of the whole text)."""
    view = memoryview(data)
    return data.isascii() or utf8_blocks(view[start:start + block]
                                         for start in range(0, len(data), block))


def _read_csv_direct(data: bytes, encoding: str | None, known: set[str]
                     ) -> tuple[list[str], pl.DataFrame, str, list[Issue], int] | None:
    """The common case without a Python copy of the text: well-formed UTF-8, one record a line.

    The bytes go to Polars as they are and rows are numbered by position, which is right when
    the file has exactly one line per record (checked by counting line ends). Anything unusual
    returns None, and :func:`read_csv` takes the careful path, which words every problem.
    """
    if encoding is not None or not data.strip():
        return None
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
            or data.startswith(tuple(m for m, _ in _SIGNATURES)) or b"\x00" in data:
        return None
    newlines = data.count(b"\n")
    if not newlines or data.count(b"\r") != data.count(b"\r\n") or data.count(b'"') % 2:
        return None  # classic Mac line ends, a stray carriage return, a quote left open
    if not _is_utf8(data):
        return None
    prefix = data[:HEADER_PREFIX]  # where the direct path looks for the header
    if len(data) > len(prefix):
        prefix = prefix[:prefix.rfind(b"\n") + 1]
    try:
        header, header_row = _find_header(prefix.decode("utf-8"), known)
    except (UnreadableFile, UnicodeDecodeError):
        return None
    if header_row != 1 or (known and not _looks_like_header(header, known)):
        return None
    try:
        frame = pl.read_csv(data, infer_schema=False, has_header=True)
    except BaseException as exc:  # incl. a Rust panic and a row wider than the header
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return None
    header = [h.strip() for h in header]
    lines = newlines + (not data.endswith(b"\n"))
    if frame.width != len(header) or lines != header_row + frame.height:
        return None  # a multi-line cell, or blank lines Polars skipped: number them carefully
    frame.columns = [f"c{i}" for i in range(frame.width)]
    rows = pl.int_range(header_row + 1, header_row + 1 + frame.height, dtype=pl.Int64, eager=True)
    return (header, frame.with_columns(rows.alias(ROW), rows.alias(LINE)), "utf-8", [],
            header_row)


def read_csv(data: bytes, encoding: str | None = None, known: Iterable[str] = ()
             ) -> tuple[list[str], pl.DataFrame, str, list[Issue], int]:
    """Header, all-text frame (``c0``.., ``__row``, ``__line``), encoding, issues, header row."""
    direct = _read_csv_direct(data, encoding, set(known))
    if direct is not None:
        return direct
    text, used = decode_csv(data, encoding)
    # The bytes are the text's UTF-8: Polars can read them as they are, without a copy.
    same = used == "utf-8" and not data.startswith(codecs.BOM_UTF8)
    if "\r" in text and "\n" not in text:  # classic Mac line ends
        text, same = text.replace("\r", "\n"), False
    header, header_row = _find_header(text, set(known))
    header = [h.strip() for h in header]
    fast = _read_csv_polars(text, header, header_row, data if same else None)
    frame, issues = fast if fast is not None else _read_csv_python(text, header, header_row)
    return header, frame, used, issues, header_row


# --------------------------------------------------------------------------- XLSX


#: OOXML writes control characters in text as ``_xHHHH_`` (Excel: a carriage return is
#: ``_x000D_``); openpyxl leaves them escaped.
_OOXML_CONTROL = re.compile(r"_x(00[01][0-9A-Fa-f])_")


def _cell_text(value: object) -> str | None:
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
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of every merged range, read from the sheet's XML."""
    from openpyxl.utils import column_index_from_string

    source = getattr(sheet, "_get_source", None)
    if source is None:
        return []
    with source() as fh:
        xml = fh.read()
    return [
        (column_index_from_string(a.decode()), int(r1), column_index_from_string(b.decode()),
         int(r2))
        for a, r1, b, r2 in _MERGE.findall(xml)
    ]


def _holds_rows(sheet, known: set[str]) -> bool:
    """Whether a sheet has a header naming the contract's columns (so it holds records)."""
    seen = 0
    for row in sheet.iter_rows(values_only=True):
        if not any(v is not None and str(v).strip() for v in row):
            continue
        if _looks_like_header(row, known):
            return True
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return False


def _pick_sheet(book, dataset: str, known: set[str]) -> tuple[object, list[str]]:
    """The sheet named after the dataset, else the first visible one; and the other sheets
    that also hold records of the dataset (which would be left out)."""
    sheets = list(book.worksheets)
    if not sheets:
        raise UnreadableFile("the workbook has no worksheet")
    named = [ws for ws in sheets if normalise_header(ws.title) == dataset]
    visible = [ws for ws in sheets if getattr(ws, "sheet_state", "visible") == "visible"]
    sheet = (named or visible or sheets)[0]
    others = [ws.title for ws in sheets if ws is not sheet and known and _holds_rows(ws, known)]
    return sheet, others


def read_xlsx(path: Path, dataset: str, known: Iterable[str] = ()
              ) -> tuple[list[str], pl.DataFrame, list[str], list[Issue], int]:
    """Header, all-text frame, notes, issues and header row of the dataset's sheet."""
    import openpyxl

    with path.open("rb") as fh:
        head = fh.read(8)
    if not head.startswith(b"PK"):
        what = "an old Excel .xls workbook" if head.startswith(b"\xd0\xcf\x11\xe0") else \
            "text, perhaps CSV" if head and all(32 <= c < 127 or c in b"\t\r\n" for c in head) \
            else "something else"
        raise UnreadableFile(f"the file is not an XLSX workbook but {what}; save it as .xlsx "
                             "from Excel, or give it the extension that matches its content")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("the workbook is damaged or cut short (its ZIP archive is "
                             "incomplete); save it again from Excel") from exc
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise UnreadableFile(f"not a readable XLSX workbook ({_reason(exc)})") from exc
    try:
        return _read_sheet(book, dataset, set(known))
    except UnreadableFile:
        raise
    except Exception as exc:  # damage found only while reading the cells
        raise UnreadableFile(f"not a readable XLSX workbook ({_reason(exc)})") from exc
    finally:
        book.close()


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:100]}" if text else type(exc).__name__


def _read_sheet(book, dataset: str, known: set[str]):
    from openpyxl.utils import get_column_letter

    sheet, others = _pick_sheet(book, dataset, known)
    notes: list[str] = []
    issues: list[Issue] = []
    if others:
        names = ", ".join(repr(o) for o in others)
        notes.append(f"only sheet {sheet.title!r} is read, but {names} also hold"
                     f"{'s' * (len(others) == 1)} {dataset} rows; put every row on one sheet "
                     f"(named {dataset!r} if the workbook has others)")
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # some writers record a wrong used range; read every cell
    rows = sheet.iter_rows()
    header_cells, header_row, fallback = None, None, None
    seen = 0
    pending: list[tuple] = []
    for cells in rows:
        values = [getattr(c, "value", None) for c in cells]
        if not any(v is not None and str(v).strip() for v in values):
            continue
        seen += 1
        if fallback is None:
            fallback = cells
        if not known or _looks_like_header(values, known):
            header_cells = cells
            break
        pending.append(cells)
        if seen >= HEADER_SEARCH_ROWS:
            break
    if header_cells is None:
        if fallback is None:
            raise UnreadableFile(f"sheet {sheet.title!r} is empty")
        if known and not _names_any(fallback_values := [getattr(c, "value", None)
                                                         for c in fallback], known):
            raise UnreadableFile(_no_header_message(sheet.title, fallback_values, known))
        # Only one column name matches: take the first row and let the checks say what is off.
        header_cells, rest = fallback, pending[1:]
    else:
        rest = []
    header_row = next(c.row for c in header_cells if hasattr(c, "row"))
    header = [_cell_text(c.value).strip() if getattr(c, "value", None) is not None else ""
              for c in header_cells]
    if len(header) > MAX_COLUMNS:
        raise UnreadableFile(f"the header has {len(header):,} columns: is this the right sheet?")
    columns: list[list[str | None]] = [[] for _ in header]
    numbers: list[int] = []

    def add(cells) -> None:
        values = []
        for c in cells:
            kind = getattr(c, "data_type", None)
            value = getattr(c, "value", None)
            if kind == "f" or (kind is None and value is not None and
                               type(value).__name__ in ("ArrayFormula", "DataTableFormula")):
                text = getattr(value, "text", value)
                issues.append(Issue(
                    "formula_cell", c.row, c.column - 1, str(text),
                    f"cell {c.coordinate} holds a formula ({text}); copy the column and paste "
                    "it back as values", suppress=True))
                value = None
            elif kind == "e":
                issues.append(Issue(
                    "formula_cell", c.row, c.column - 1, str(value),
                    f"cell {c.coordinate} holds the spreadsheet error {value}; fix the cell "
                    "and save the values", suppress=True))
                value = None
            values.append(_cell_text(value))
        while values and (values[-1] is None or not values[-1].strip()):
            values.pop()  # formatted but empty cells at the end of the row
        if not values:
            return
        if len(values) > MAX_COLUMNS:
            raise UnreadableFile(f"row {cells[0].row} has values in {len(values):,} columns: "
                                 "is this the right sheet?")
        while len(values) > len(columns):  # values beyond the header: unnamed columns
            header.append("")
            columns.append([None] * len(numbers))
        for i in range(len(columns)):
            columns[i].append(values[i] if i < len(values) else None)
        numbers.append(next(c.row for c in cells if hasattr(c, "row")))

    for cells in rest:
        add(cells)
    for cells in rows:
        add(cells)
    last = numbers[-1] if numbers else header_row
    for c1, r1, c2, r2 in _merged_ranges(sheet):
        if r2 < header_row or r1 > last:
            continue  # a title above the header, or a merge below the data
        ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
        issues.append(Issue(
            "merged_cells", max(r1, header_row), c1 - 1, ref,
            f"cells {ref} are merged; unmerge them and fill in every cell"))
        for r in range(max(r1, header_row + 1), min(r2, last) + 1):
            for c in range(c1, min(c2, len(header)) + 1):
                if (r, c) != (r1, c1):
                    issues.append(Issue("merged_cells", r, c - 1, None, "", suppress=True,
                                        report=False))
    data = {f"c{i}": pl.Series(columns[i], dtype=pl.String) for i in range(len(columns))}
    frame = pl.DataFrame(data).with_columns(pl.Series(ROW, numbers, dtype=pl.Int64))
    return header, frame, notes, issues, header_row


# --------------------------------------------------------------------------- Parquet


def _parquet_text(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype.is_float():
        whole = col.is_finite() & (col == col.round(0)) & (col.abs() < 2.0**63)
        return (pl.when(col.is_nan()).then(None)
                .when(whole).then(col.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(col.cast(pl.String)))
    if dtype == pl.Datetime:
        return col.dt.strftime("%Y-%m-%dT%H:%M:%S").str.replace("T00:00:00$", "")
    if dtype == pl.Boolean:
        return pl.when(col).then(pl.lit("TRUE")).when(~col).then(pl.lit("FALSE"))
    if dtype.is_nested() or dtype in (pl.Binary, pl.Object):
        raise UnreadableFile(
            f"column {name!r} holds {dtype} values; a return holds one plain value per cell")
    return col.cast(pl.String)


def read_parquet(path: Path) -> tuple[list[str], pl.DataFrame]:
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(max(0, path.stat().st_size - 4))
        tail = fh.read(4)
    if head != b"PAR1":
        raise UnreadableFile("the file is not a Parquet file (it does not start with PAR1); "
                             "give it the extension that matches its content")
    if tail != b"PAR1":
        raise UnreadableFile("the Parquet file is damaged or cut short (it does not end with "
                             "PAR1); write it again")
    import pyarrow.parquet as pq

    try:
        # pyarrow checks a damaged file and raises; the Polars reader can panic on one.
        frame = pl.from_arrow(pq.read_table(path))
    except BaseException as exc:  # a damaged file fails in many ways, a Rust panic included
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise UnreadableFile(f"not a readable Parquet file ({_reason(exc)})") from exc
    if not isinstance(frame, pl.DataFrame):
        raise UnreadableFile("not a readable Parquet file (it holds no table)")
    header = [str(c) for c in frame.columns]
    if len(header) > MAX_COLUMNS:
        raise UnreadableFile(f"the file has {len(header):,} columns: is this the right file?")
    exprs = [_parquet_text(name, frame.schema[name]).alias(f"c{i}")
             for i, name in enumerate(frame.columns)]
    try:
        text = frame.select(exprs) if exprs else pl.DataFrame()
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(f"a column cannot be read as text ({_reason(exc)})") from exc
    return header, text.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


# --------------------------------------------------------------------------- any file


def read_raw_file(
    path: Path, dataset: str, display: str, encoding: str | None = None,
    known: Iterable[str] = (),
) -> RawFile:
    """Read one raw file; raise :class:`UnreadableFile` with the reason if it cannot be.

    ``known`` (the contract's column names) lets the reader find an XLSX header that is not
    on the sheet's first row, and say so when a CSV file's header is not on its first row.
    """
    suffix = path.suffix.lower()
    notes: list[str] = []
    issues: list[Issue] = []
    used = None
    header_row = 1
    if suffix == ".csv":
        header, frame, used, issues, header_row = read_csv(path.read_bytes(), encoding, known)
    elif suffix == ".xlsx":
        header, frame, notes, issues, header_row = read_xlsx(path, dataset, known)
    elif suffix == ".parquet":
        header, frame = read_parquet(path)
    else:
        raise UnreadableFile(f"unsupported file type {suffix or '(none)'!r}")
    if not any(h.strip() for h in header):
        raise UnreadableFile("the header row is empty")
    lines = None
    if LINE in frame.columns:
        moved = frame.filter(pl.col(LINE) != pl.col(ROW)).select(ROW, LINE)
        lines = moved if moved.height else None
        frame = frame.drop(LINE)
    cells = [c for c in frame.columns if c != ROW]
    # Whitespace around a value is not part of it; an empty cell is a missing value.
    # One read-only pass finds the columns that need it; only those are rewritten (copied).
    if cells and frame.height:
        needs = frame.select(
            (pl.col(c).str.contains(r"^\s|\s$") | (pl.col(c) == "")).any() for c in cells
        ).row(0)
        frame = frame.with_columns(pl.col(c).str.strip_chars().replace("", None)
                                   for c, n in zip(cells, needs, strict=True) if n)
    # Rows with no value at all (blank lines, trailing empty rows) are not records.
    if cells:
        frame = frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in cells))
    return RawFile(dataset, display, header, frame, used, notes, issues, lines, header_row)


def unreadable(display: str, dataset: str, reason: str, rule: str = "unreadable_file") -> Finding:
    return Finding(rule, display, None, None, None, reason, dataset)
