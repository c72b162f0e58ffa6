"""The shape every reader gives a return: text cells ``c0``.. plus where each row is."""

from __future__ import annotations

import polars as pl

#: Columns every read frame and loaded table carries: the file (as the report names it), the
#: row as a person counts it in that file (the header is row 1), and the text-editor line the
#: row starts on (a CSV record whose cells span lines starts on a later line than its row).
FILE = "__file"
ROW = "__row"
LINE = "__line"
#: A header wider than this is not a return (a binary file read as text, a transposed sheet).
MAX_COLUMNS = 1000


def tidy(frame: pl.DataFrame, cells: list[str]) -> pl.DataFrame:
    """Cells without surrounding whitespace, empty cells as missing, blank rows dropped."""
    if not cells:
        return frame
    stripped = [pl.col(c).str.strip_chars() for c in cells]
    frame = frame.with_columns(pl.when(s == "").then(None).otherwise(s).alias(c)
                               for s, c in zip(stripped, cells, strict=True))
    return frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in cells))
