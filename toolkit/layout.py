"""Where a dataset's raw files are, and how their columns are named (light to import)."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from toolkit.contracts import Contract

#: Columns every read frame and loaded table carries: the file (as the report names it) and
#: the row as a person counts it in that file (the header is row 1).
ROW = "__row"
FILE = "__file"
#: The text-editor line a CSV record starts on, where it differs from its row.
LINE = "__line"
#: How much of the start of a CSV file the fast readers look at for its header.
HEADER_PREFIX = 64 * 1024


def utf8_blocks(blocks: Iterable[bytes | memoryview], whole: bool = True) -> bool:
    """Whether the bytes, given block by block, are valid UTF-8 (a character cut at the end of
    a block is carried to the next; no copy of the whole text is made). With ``whole`` False
    they are only the start of a text: a character cut at their end is allowed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for block in blocks:
            decoder.decode(block)
        decoder.decode(b"", final=whole)
    except UnicodeDecodeError:
        return False
    return True


def normalise_header(name: str) -> str:
    """``' Record ID '`` -> ``record_id``: case, spaces and hyphens do not matter."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


#: Files that operating systems and office programs leave in folders; never returns.
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini"})


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
        if p.is_file() and not p.name.startswith((".", "~$"))
        and p.name.lower() not in SYSTEM_FILES
    )


def check_encoding(encoding: str | None) -> None:
    """Raise ValueError, in words for the user, if ``encoding`` names no text encoding."""
    if encoding is None:
        return
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r} (try utf-8 or cp949)") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{encoding!r} is not a text encoding (try utf-8 or cp949)")


def sha256_file(path: Path) -> str:
    """A file's SHA-256 (hex), read in blocks so a large file is never whole in memory."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
