"""Disclosure control for tables broken down by sex or age: primary and secondary suppression.

The rule (``config/disclosure.yaml``, ``threshold``):

* **Primary suppression.** A count from 1 to ``threshold - 1`` is sensitive: it is a group so
  small that it points at people.
* **Secondary suppression: the whole breakdown of the row.** In a row (one quarter and country)
  that has a sensitive cell, every cell of the breakdown is suppressed, zeros included; the row
  total is published. A row with no sensitive cell is published whole, zeros included.

Why the whole breakdown, and not the cheapest complement. The protection requirement is the one
of tau-ARGUS and sdcTable (Hundepool et al., *Statistical Disclosure Control*, 2012, ch. 4):
the interval an attacker can derive for a suppressed cell from everything published (the other
cells, the row total, non-negativity, integrality and the rule itself) must not pin the cell
and must not show it to be a small non-zero count; here: it must reach down to 0. A rule that
picks complements by their values cannot meet this against an attacker who knows the rule: the
choice itself tells. "Zeros are published" turns two suppressed cells that add up to 2 into two
ones (issue 18: females 1, males 1, persons 7 published as ``[c],[c],5,...,7``); "the smallest
other cell is the complement" bounds the suppressed cells by the published ones. This is the
problem of ones and zeros that Statistics Norway's GaussSuppression handles with its singleton
methods (Langsrud 2024, *Secondary cell suppression by Gaussian elimination*). Suppressing the
whole breakdown leaves the attacker only what the rule gives away, that some cell of the row is
between 1 and ``threshold - 1``. With three cells or more (sex: female, male, unknown; age: six
bands and unknown) and a total N >= 1, every suppressed cell can then be 0 and can be non-zero,
whatever the values: the attacker's interval is [0, N] or [0, N - 1] for each. This holds for
one breakdown with its row total, which is what the release publishes: no column totals, and
the other tables that repeat the totals (the summaries, the other breakdown of the same
records) add no relation between the suppressed cells. Anything else a release says about
them (the open event files, the bulletin's text and chart data, a margin added later) is
checked on every release by the attacker of :mod:`toolkit.publish.audit`, which fails the
publish when a cell can be recovered; ``tests/test_disclosure.py`` attacks the rule itself with
an enumeration of every table consistent with what is published.

Suppressed cells are published empty with the GSS shorthand ``[c]`` in their status column.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

SUPPRESSED = "[c]"
#: Fewest cells a breakdown row may have for the whole-breakdown rule to protect it: with two,
#: a cell suppressed beside the total is the total minus the other.
MIN_CELLS = 3


def is_sensitive(value: int, threshold: int) -> bool:
    """Primary suppression: a count from 1 to ``threshold - 1``."""
    return 0 < value < threshold


def suppression_pattern(values: Sequence[int], threshold: int) -> list[bool]:
    """Which cells of one breakdown row, whose total is published, are suppressed: all of them
    when any is sensitive (primary), none otherwise."""
    if len(values) < MIN_CELLS:
        raise ValueError(f"a breakdown needs at least {MIN_CELLS} cells to be protected by "
                         f"suppression, not {len(values)}")
    hide = any(is_sensitive(v, threshold) for v in values)
    return [hide] * len(values)


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
        flagged = pl.when(pl.col(status).fill_null("") == "").then(pl.lit(SUPPRESSED)).otherwise(
            pl.lit(SUPPRESSED + " ") + pl.col(status))
        out = out.with_columns(
            pl.when(mask).then(None).otherwise(pl.col(cell)).alias(cell),
            pl.when(mask).then(flagged).otherwise(pl.col(status)).alias(status),
        )
    return out


def is_suppressed(status: str | None) -> bool:
    """Whether a status cell marks its value suppressed ``[c]``."""
    return bool(status) and SUPPRESSED in status.split()
