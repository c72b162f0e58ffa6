"""Finding the header row of a return and matching its names to the contract's columns."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from toolkit.ingest.errors import UnreadableFile

#: How far below the first row a header is looked for (to say it is not on top).
HEADER_SEARCH_ROWS = 20


def normalise_header(name: object) -> str:
    """``' Record ID '`` -> ``record_id``: case, spaces and hyphens do not matter."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def is_blank(cells: Iterable[object]) -> bool:
    return not any(c is not None and str(c).strip() for c in cells)


def looks_like_header(cells: Iterable[object], known: set[str]) -> bool:
    """At least two cells name columns of the contract (one, if it has one column)."""
    names = {normalise_header(c) for c in cells if c is not None and str(c).strip()}
    return len(names & known) >= min(2, len(known))


def names_any(cells: Iterable[object], known: set[str]) -> bool:
    return any(c is not None and normalise_header(c) in known for c in cells)


def no_header_message(where: str | None, cells: Sequence[object]) -> str:
    first = next((str(c).strip() for c in cells if c is not None and str(c).strip()), "")
    shown = first if len(first) <= 40 else first[:39] + "\u2026"
    place = f"sheet {where!r}" if where else "the file"
    return (f"{place} has no header row: the first row ({shown!r}, \u2026) names none of the "
            f"contract's columns; the first row must hold the column names")


def first_filled(rows: Sequence[Sequence[object]]) -> int:
    """The index of the first row that is not blank: a CSV file's header."""
    index = next((i for i, r in enumerate(rows) if not is_blank(r)), None)
    if index is None:
        raise UnreadableFile("the file has no header row: every row is blank")
    return index


def check_header_row(rows: Sequence[Sequence[object]], index: int, known: set[str]) -> None:
    """Refuse a header separated by semicolons or tabs, a header that names none of the
    contract's columns, or a header below a row that is not one."""
    header = [c for c in rows[index] if c is not None and str(c).strip()]
    if len(header) == 1 and known and (";" in header[0] or "\t" in header[0]):
        sep = "semicolons" if ";" in header[0] else "tabs"
        raise UnreadableFile(
            f"the columns are separated by {sep}, not commas; save the file as CSV (comma "
            "delimited) UTF-8")
    if known and not looks_like_header(rows[index], known):
        for later in range(index + 1, min(len(rows), index + 1 + HEADER_SEARCH_ROWS)):
            if looks_like_header(rows[later], known):
                raise UnreadableFile(
                    f"the header must be the first row, but row {later + 1} looks like the "
                    f"header; delete the {later} row(s) above it")
        if not names_any(rows[index], known):
            raise UnreadableFile(no_header_message(None, rows[index]))
