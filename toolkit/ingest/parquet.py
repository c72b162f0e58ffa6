"""Parquet returns, read with pyarrow one row group batch at a time; every value as its text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from toolkit.ingest.errors import UnreadableFile
from toolkit.ingest.layout import LINE, MAX_COLUMNS, ROW, tidy

BATCH_ROWS = 250_000


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:100]}" if text else type(exc).__name__


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A column's values as the text a CSV export would hold."""
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


class ParquetReturn:
    """A Parquet return: its column names as the header (row 1), rows numbered from 2."""

    header_row = 1

    def __init__(self, path: Path):
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
        self.issues: list = []
        self.notes: list[str] = []

    def batches(self) -> Iterator[pl.DataFrame]:
        cells = [f"c{i}" for i in range(len(self.header))]
        start = 2
        try:
            batches = self.file.iter_batches(batch_size=BATCH_ROWS)
            for batch in batches:
                frame = pl.from_arrow(batch)
                if not isinstance(frame, pl.DataFrame):
                    raise UnreadableFile("not a readable Parquet file (it holds no table)")
                exprs = [_as_text(name, frame.schema[name]).alias(cells[i])
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
