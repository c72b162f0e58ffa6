"""Disclosure control for published tables broken down by sex or age.

The threshold is ``config.disclosure.threshold`` (``config/disclosure.yaml``). A count of at
least 1 and below the threshold is suppressed (primary suppression); where that leaves a single
suppressed cell in a row whose total is published, the smallest other cell of the row is
suppressed too (secondary suppression), so the total cannot give the suppressed cell away.
Suppressed cells are published empty with the GSS shorthand ``[c]`` in their status column.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

SUPPRESSED = "[c]"


def suppression_pattern(values: Sequence[int], threshold: int) -> list[bool]:
    """Which cells of one breakdown row to suppress, whose total is published.

    Primary: ``0 < v < threshold``. Secondary: if exactly one cell is suppressed, also the
    smallest other cell (non-zero first, then the leftmost), so the total minus the published
    cells equals the sum of at least two unknown cells.
    """
    hidden = [0 < v < threshold for v in values]
    if sum(hidden) == 1 and len(values) > 1:
        others = [i for i, h in enumerate(hidden) if not h]
        others.sort(key=lambda i: (values[i] == 0, values[i], i))
        hidden[others[0]] = True
    return hidden


def suppress_small_counts(frame: pl.DataFrame, cells: Sequence[str], threshold: int
                          ) -> pl.DataFrame:
    """Blank the cells of ``cells`` that the rule suppresses and mark ``<cell>_status`` ``[c]``.

    Each row of ``frame`` is one breakdown (e.g. female, male, sex unknown) whose total is
    published in another column; the total itself is not suppressed.
    """
    patterns = [suppression_pattern([row[c] or 0 for c in cells], threshold)
                for row in frame.select(cells).iter_rows(named=True)]
    out = frame
    for j, cell in enumerate(cells):
        mask = pl.Series([p[j] for p in patterns], dtype=pl.Boolean)
        status = f"{cell}_status"
        if status not in out.columns:
            out = out.with_columns(pl.lit("").alias(status))
        # [c] comes first in the canonical order of shorthand, so it is prepended
        flagged = pl.when(pl.col(status) == "").then(pl.lit(SUPPRESSED)).otherwise(
            pl.lit(SUPPRESSED + " ") + pl.col(status))
        out = out.with_columns(
            pl.when(mask).then(None).otherwise(pl.col(cell)).alias(cell),
            pl.when(mask).then(flagged).otherwise(pl.col(status)).alias(status),
        )
    return out
