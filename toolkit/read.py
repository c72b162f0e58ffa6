"""Read raw returns (CSV, XLSX, Parquet) into all-text Polars frames with file row numbers.

Every cell is kept as text so that validation can report the value exactly as the file holds
it. Each frame carries ``__row``: the row as a person counts it in the file (the header is row 1;
in XLSX, the sheet's own row number).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from toolkit.contracts import Contract
from toolkit.errors import Finding

ROW = "__row"
FILE = "__file"
SUPPORTED = (".csv", ".xlsx", ".parquet")
#: Encodings tried in order when none is given: UTF-8 (with or without BOM), then the Korean
#: government systems' CP949, a superset of EUC-KR.
AUTO_ENCODINGS = ("utf-8", "cp949")


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why in words a user can act on."""


@dataclass
class RawFile:
    dataset: str
    display: str
    header: list[str]
    frame: pl.DataFrame
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def normalise_header(name: str) -> str:
    """``' Record ID '`` -> ``record_id``: case, spaces and hyphens do not matter."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def discover(raw_dir: Path, contract: Contract) -> list[Path]:
    """The files that make up a dataset, in a stable order; hidden and lock files are skipped."""
    target = raw_dir / contract.raw_path.rstrip("/")
    if not contract.is_folder:
        return [target] if target.is_file() else []
    if not target.is_dir():
        return []
    return sorted(
        p for p in target.iterdir()
        if p.is_file() and not p.name.startswith((".", "~$"))
    )


# --------------------------------------------------------------------------- CSV


def decode_csv(data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode CSV bytes; return the text and the encoding used."""
    if not data.strip():
        raise UnreadableFile("the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("the file is UTF-16; save it as UTF-8 CSV")
    if b"\x00" in data[:8192]:
        raise UnreadableFile("the file is binary, not CSV text")
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError as exc:
            raise UnreadableFile(f"unknown encoding {encoding!r}") from exc
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"not valid {encoding} at byte {exc.start}; check the --encoding option"
            ) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"invalid UTF-8 after the BOM at byte {exc.start + 3}") from exc
    for candidate in AUTO_ENCODINGS:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        "the text is neither UTF-8 nor CP949/EUC-KR; save it as UTF-8 or pass --encoding"
    )


def _locate_csv_problem(text: str, width: int) -> str:
    """Name the first row whose shape breaks the file, for a parser error a user can act on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row = 0
    try:
        for row, record in enumerate(reader, start=1):
            if record and len(record) > width:
                return f"row {row} has {len(record)} fields but the header has {width}"
    except csv.Error as exc:
        return f"row {row + 1} cannot be parsed ({exc}); is a quote left open?"
    return "the CSV cannot be parsed"


def read_csv(data: bytes, encoding: str | None = None) -> tuple[list[str], pl.DataFrame, str]:
    text, used = decode_csv(data, encoding)
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    header = [h.strip() for h in first]
    if not any(header):
        raise UnreadableFile("the first row (the header) is empty")
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            infer_schema=False,
            has_header=True,
            new_columns=[f"c{i}" for i in range(len(header))],
        )
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError) as exc:
        raise UnreadableFile(_locate_csv_problem(text, len(header))) from exc
    return header, frame, used


# --------------------------------------------------------------------------- XLSX


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class FormulaCell(Exception):
    pass


def read_xlsx(path: Path, dataset: str) -> tuple[list[str], pl.DataFrame, list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"not a readable XLSX workbook ({type(exc).__name__})") from exc
    notes: list[str] = []
    try:
        names = {n.lower(): n for n in book.sheetnames}
        sheet = book[names.get(dataset, book.sheetnames[0])]
        if len(book.sheetnames) > 1:
            notes.append(f"read sheet {sheet.title!r} of {len(book.sheetnames)}")
        rows = sheet.iter_rows()
        header_cells = None
        for cells in rows:
            if any(c.value is not None for c in cells):
                header_cells = cells
                break
        if header_cells is None:
            raise UnreadableFile(f"sheet {sheet.title!r} is empty")
        header = [str(c.value).strip() if c.value is not None else "" for c in header_cells]
        width = len(header)
        columns: list[list[str | None]] = [[] for _ in range(width)]
        numbers: list[int] = []
        formulas: list[str] = []
        for cells in rows:
            values = [getattr(c, "value", None) for c in cells[:width]]
            if all(v is None for v in values):
                continue
            row_no = next(c.row for c in cells if hasattr(c, "row"))
            for i in range(width):
                v = values[i] if i < len(values) else None
                if isinstance(v, str) and v.startswith("="):
                    formulas.append(f"{cells[i].coordinate} {v}")
                    v = None
                columns[i].append(_cell_text(v))
            numbers.append(row_no)
        if formulas:
            shown = "; ".join(formulas[:3]) + (" …" if len(formulas) > 3 else "")
            raise UnreadableFile(
                f"sheet {sheet.title!r} has {len(formulas)} formula cell(s) ({shown}); "
                "paste them as values"
            )
    finally:
        book.close()
    data = {f"c{i}": pl.Series(columns[i], dtype=pl.String) for i in range(width)}
    frame = pl.DataFrame(data).with_columns(pl.Series(ROW, numbers, dtype=pl.Int64))
    return header, frame, notes


# --------------------------------------------------------------------------- Parquet


def read_parquet(path: Path) -> tuple[list[str], pl.DataFrame]:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds for a broken file
        raise UnreadableFile(f"not a readable Parquet file ({type(exc).__name__})") from exc
    header = list(frame.columns)
    exprs = []
    for i, name in enumerate(header):
        col = pl.col(name)
        dtype = frame.schema[name]
        if dtype.is_float():
            text = pl.when(col == col.round(0)).then(col.cast(pl.Int64).cast(pl.String)) \
                .otherwise(col.cast(pl.String))
        elif dtype == pl.Datetime:
            text = col.dt.strftime("%Y-%m-%dT%H:%M:%S").str.replace("T00:00:00$", "")
        else:
            text = col.cast(pl.String)
        exprs.append(text.alias(f"c{i}"))
    return header, frame.select(exprs)


# --------------------------------------------------------------------------- any file


def read_raw_file(
    path: Path, dataset: str, display: str, encoding: str | None = None
) -> RawFile:
    """Read one raw file; raise :class:`UnreadableFile` with the reason if it cannot be."""
    suffix = path.suffix.lower()
    notes: list[str] = []
    used = None
    if suffix == ".csv":
        header, frame, used = read_csv(path.read_bytes(), encoding)
        frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    elif suffix == ".xlsx":
        header, frame, notes = read_xlsx(path, dataset)
    elif suffix == ".parquet":
        header, frame = read_parquet(path)
        frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    else:
        raise UnreadableFile(f"unsupported file type {suffix or '(none)'!r}")
    cells = [c for c in frame.columns if c != ROW]
    # Whitespace around a value is not part of it; an empty cell is a missing value.
    frame = frame.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in cells
    )
    # Rows with no value at all (blank lines, trailing empty rows) are not records.
    if cells:
        frame = frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in cells))
    return RawFile(dataset, display, header, frame, used, notes)


def unreadable(display: str, dataset: str, reason: str, rule: str = "unreadable_file") -> Finding:
    return Finding(rule, display, None, None, None, reason, dataset)
