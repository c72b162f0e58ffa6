"""Which files make up a dataset, how the report names them, and which are refused unread."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from toolkit.contracts import Contract

#: Formats a return may come in.
SUPPORTED = (".csv", ".xlsx", ".parquet")
#: Files that operating systems and office programs leave in folders; never returns.
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini"})
_UNSAFE_NAME = re.compile(r"[\x00-\x1F\x7F\u202A-\u202E\u2066-\u2069]")


def discover(raw_dir: Path, contract: Contract) -> list[Path]:
    """The files that make up a dataset, in a stable order.

    Hidden files (``.DS_Store``, ``._x.csv``, ``.~lock.x.csv#``), Excel's ``~$`` lock files
    and Windows' ``Thumbs.db``/``desktop.ini`` are skipped; folders are not entered.
    """
    target = raw_dir / contract.raw_path.rstrip("/")
    if not contract.is_folder:
        return [target] if target.is_file() else []
    if not target.is_dir():
        return []
    return sorted(
        p for p in target.iterdir()
        if not p.is_dir() and not p.name.startswith((".", "~$"))
        and p.name.lower() not in SYSTEM_FILES
    )


def display_name(path: Path, raw_dir: Path) -> tuple[str, str | None]:
    """How a file is named in the report, and why it is refused unread (None if it is not):
    a name that is not UTF-8 or holds control characters, or a link out of the raw folder."""
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
    if path.is_symlink() and not path.exists():
        return display, "the file is a link to a file that does not exist; copy the file in"
    if inside:
        if not path.is_file():
            return display, ("the entry is not a regular file (a pipe, socket or device); "
                             "put the return in as a file")
        return display, None
    if path.is_symlink():
        return display, ("the file is a link to a file outside the raw data folder; "
                         "copy the file in instead")
    return display, ("the file is in a folder that links outside the raw data folder; "
                     "copy the files in instead")


def unsupported_message(path: Path) -> str:
    suffix = path.suffix.lower()
    advice = {
        ".xls": "; save the old Excel workbook as .xlsx",
        ".xlsm": "; save the workbook without macros as .xlsx",
        ".txt": "; save it as CSV UTF-8 with the extension .csv",
        ".tsv": "; save it as CSV (comma delimited) UTF-8",
    }.get(suffix, "")
    return (f"unsupported file type {path.suffix or '(none)'!r}: a return must be .csv, .xlsx "
            f"or .parquet{advice}")


def missing_message(raw_dir: Path, contract: Contract) -> str:
    """Why a dataset has no files, with a hint when a folder of a similar name exists."""
    name = contract.raw_path.rstrip("/")
    target = raw_dir / name
    kind = "a folder" if contract.is_folder else "a file"
    if contract.is_folder and target.is_dir():
        problem = f"the folder {target.as_posix()} holds no data files"
    else:
        problem = f"expected {kind} {target.as_posix()}"
    try:
        present = [p.name for p in raw_dir.iterdir()] if raw_dir.is_dir() else []
    except OSError:
        present = []
    close = difflib.get_close_matches(name, present, n=1, cutoff=0.6)
    hint = f"; found {close[0]!r}: is it misnamed?" if close and close[0] != name else ""
    return f"no {contract.name} data: {problem}{hint}"
