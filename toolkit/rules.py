"""What the validation rules hold to, shared by both engines (and light to import).

The constants and patterns of the contract's rules, the ISO 3166 code list, and the wording of
the findings that both the Pandera path (:mod:`toolkit.validate`) and the DuckDB path
(:mod:`toolkit.engine`) report. Nothing here imports Polars or Pandera.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path

import pycountry

from toolkit.contracts import UNSPECIFIED_NATIONALITY
from toolkit.errors import Finding, shorten

EARLIEST_DATE = dt.date(2000, 1, 1)
#: Two rows of the same place, nationality and persons this many days apart or less are
#: reported as a possible duplicate event.
DUPLICATE_WINDOW_DAYS = 3
#: A text cell longer than this is not a real value (a quote left open swallowed the file,
#: or something was pasted by mistake).
MAX_CELL_CHARS = 10_000
#: Contract types held as text, checked for unsafe content and length.
TEXT_TYPES = ("string", "url", "id_list")
#: No count of people is larger (more than live on Earth); a larger number is a typing slip,
#: and refusing it keeps every sum of counts (the stock) far from 64-bit overflow.
MAX_COUNT = 10_000_000_000

URL_PATTERN = r"(?i)^https?://[^\s/]+\S*$"
#: A cell a spreadsheet would run as a formula (OWASP "CSV injection"): a leading = or @, or a
#: leading + or - that does not start a number, or a DDE call (``-2+3+cmd|' /C calc'!A0``).
FORMULA_PATTERN = r"(?s)^(?:[=@]|[+\-][^0-9\s.,]|[+\-].*\|.*!)"
#: An HTML or XML tag, comment or processing instruction.
MARKUP_PATTERN = r"<[A-Za-z!/?]"
#: Control characters (tab and line ends are allowed) and the bidirectional overrides that can
#: make text display differently from what it is.
CONTROL_PATTERN = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\x{202A}-\x{202E}\x{2066}-\x{2069}]"
_UNSAFE_NAME = re.compile(r"[\x00-\x1F\x7F\u202A-\u202E\u2066-\u2069]")


@cache
def iso3_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes from pycountry, plus the contract's ``XXX``."""
    return frozenset(c.alpha_3 for c in pycountry.countries) | {UNSPECIFIED_NATIONALITY}


def file_refusal(path: Path, raw_dir: Path) -> tuple[str, str | None]:
    """How a file is named in the report, and why it is refused (odd name, outside link)."""
    display = path.relative_to(raw_dir).as_posix()
    try:
        display.encode("utf-8")
    except UnicodeEncodeError:  # bytes the file system gave that are not UTF-8 (surrogates)
        shown = display.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return shown, ("the file name is not UTF-8 (archives made on Korean Windows name files "
                       "in CP949); rename the file")
    if _UNSAFE_NAME.search(display):
        shown = display.encode("unicode_escape").decode("ascii")
        return shown, ("the file name contains a control or text-direction character; "
                       "rename the file")
    try:  # the file, or a folder on its way, may be a link
        inside = path.resolve().is_relative_to(raw_dir.resolve())
    except (OSError, RuntimeError):
        inside = False
    if inside:
        return display, None
    if path.is_symlink():
        return display, ("the file is a link to a file outside the raw data folder; "
                         "copy the file in instead")
    return display, ("the file is in a folder that links outside the raw data folder; "
                     "copy the files in instead")


def no_rows_finding(display: str, dataset: str) -> Finding:
    """The warning for a file with a header but no rows (a quarter with no fatalities)."""
    return Finding("no_rows", display, None, None, None, "the file has a header but no rows",
                   dataset)


def duplicate_finding(name: str, place: str, r: dict) -> Finding:
    """The warning for a row that may repeat the row before it (``p_*``: that row)."""
    return Finding(
        "possible_duplicate", r["__file"], r["__row"], "record_id", shorten(r["record_id"]),
        f"{shorten(r['record_id'])} ({r['event_date']}, {r[place]}, {r['nationality']}, "
        f"{r['persons']} persons) may be the same event as {shorten(r['p_id'])} "
        f"({r['p_date']}, {r['p_file']} row {r['p_row']})", name)
