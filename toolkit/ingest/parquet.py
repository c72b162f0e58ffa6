"""Parquet returns, read with pyarrow one row group batch at a time; every value as its text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from toolkit.config import Limits
from toolkit.ingest.errors import ReadIssue, UnreadableFile
from toolkit.ingest.layout import LINE, MAX_COLUMNS, ROW, tidy

BATCH_ROWS = 250_000


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:100]}" if text else type(exc).__name__


def _as_text(name: str, dtype: pl.DataType, shown: str) -> pl.Expr:
    """A column's values as the text a CSV export would hold (``shown``: its name in the
    file)."""
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
            f"column {shown!r} holds {dtype} values; a return holds one plain value per cell")
    return col.cast(pl.String)


def _text_issues(column, index: int, start: int) -> tuple[object, list[ReadIssue]]:
    """A text column of a batch with cells that are not UTF-8 replaced, and an issue for each
    (pyarrow reads such bytes into a text column without complaint)."""
    import pyarrow as pa

    try:
        column.validate(full=True)
        return column, []
    except pa.ArrowInvalid:
        pass
    values, issues = [], []
    for offset, raw in enumerate(column.cast(pa.binary()).to_pylist()):
        if raw is None:
            values.append(None)
            continue
        try:
            values.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            shown = raw.decode("utf-8", "replace")
            issues.append(ReadIssue(
                "invalid_text", start + offset, index, shown[:120],
                f"the cell's bytes are not UTF-8 text (byte {exc.start + 1} is 0x"
                f"{raw[exc.start]:02x}); write the file again from its source", suppress=True))
            values.append(None)
    return pa.array(values, type=pa.string()), issues


class ParquetReturn:
    """A Parquet return: its column names as the header (row 1), rows numbered from 2."""

    header_row = 1

    def __init__(self, path: Path, limits: Limits | None = None):
        with path.open("rb") as fh:
            head = fh.read(4)
            fh.seek(max(0, path.stat().st_size - 4))
            tail = fh.read(4)
        if head != b"PAR1":
            raise UnreadableFile("the file is not a Parquet file (it does not start with PAR1); "
                                 "give it the extension that matches its content")
        if tail != b"PAR1":
            raise UnreadableFile("the Parquet file is damaged or cut short (it does not end "
                                 "with PAR1); write it again")
        import pyarrow.parquet as pq

        try:
            self.file = pq.ParquetFile(path)
            names = self.file.schema_arrow.names
        except BaseException as exc:  # a damaged file fails in many ways
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise UnreadableFile(f"not a readable Parquet file ({_reason(exc)})") from exc
        self.header = [str(c) for c in names]
        if len(self.header) > MAX_COLUMNS:
            raise UnreadableFile(f"the file has {len(self.header):,} columns: is this the right "
                                 "file?")
        limits = limits or Limits()
        meta = self.file.metadata
        rows = meta.num_rows
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if rows > limits.max_parquet_rows:
            raise UnreadableFile(
                f"the file declares {rows:,} rows, more than the limit of "
                f"{limits.max_parquet_rows:,} (config/limits.yaml); split the return")
        if rows > 1000 and path.stat().st_size < rows * limits.min_parquet_bytes_per_row:
            raise UnreadableFile(
                f"the file declares {rows:,} rows in {path.stat().st_size:,} bytes, less than "
                f"{limits.min_parquet_bytes_per_row} byte a row (config/limits.yaml): no real "
                "return is so small, as each record has its own id; the file is damaged or "
                "built to exhaust memory")
        if size > limits.max_parquet_uncompressed_bytes:
            raise UnreadableFile(
                f"the file's data takes {size:,} bytes uncompressed, more than the limit of "
                f"{limits.max_parquet_uncompressed_bytes:,} (config/limits.yaml)")
        self.issues: list = []
        self.notes: list[str] = []

    def batches(self) -> Iterator[pl.DataFrame]:
        import pyarrow as pa

        cells = [f"c{i}" for i in range(len(self.header))]
        start = 2
        try:
            batches = self.file.iter_batches(batch_size=BATCH_ROWS)
            for batch in batches:
                # Columns by position: a name used twice is a finding, not a crash.
                batch = batch.rename_columns(cells)
                for i, name in enumerate(cells):
                    if batch.schema.field(name).type in (pa.string(), pa.large_string()):
                        fixed, issues = _text_issues(batch.column(i), i, start)
                        if issues:
                            self.issues.extend(issues)
                            batch = batch.set_column(i, name, fixed)
                frame = pl.from_arrow(batch)
                if not isinstance(frame, pl.DataFrame):
                    raise UnreadableFile("not a readable Parquet file (it holds no table)")
                exprs = [_as_text(name, frame.schema[name], self.header[i]).alias(name)
                         for i, name in enumerate(frame.columns)]
                text = frame.select(exprs) if exprs else pl.DataFrame()
                rows = pl.int_range(start, start + batch.num_rows, dtype=pl.Int64, eager=True)
                start += batch.num_rows
                yield tidy(text.with_columns(rows.alias(ROW), rows.alias(LINE)), cells)
        except UnreadableFile:
            raise
        except BaseException as exc:  # a damaged file, a Rust panic included
            if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
                raise
            raise UnreadableFile(f"not a readable Parquet file ({_reason(exc)})") from exc
