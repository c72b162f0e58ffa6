"""Personal-data scan of a staged release, run before it is switched in.

The last line of defence: validation refuses identifiers in the raw returns
(:mod:`toolkit.checks.personal`) and unreviewed free text never reaches the open files
(:mod:`toolkit.checks.review`); this scan reads every published file back and looks for what
either may have missed, with the same finder (:func:`toolkit.checks.personal.find_identifiers`:
libphonenumber's matcher, python-stdnum, the passport and e-mail formats, on NFKC text with the
invisible characters removed). It reads what a reader of each file reads:

- tables (CSV, Parquet, XLSX): the column names, against the pattern the validator refuses raw
  columns with, and every text cell;
- HTML and SVG: the text and the attributes a reader or a screen reader gets (``alt``,
  ``title``, ``aria-label``, ``content``, the chart data of ``data-vega-spec``), not scripts
  or styles;
- JSON: every string, keys included; Markdown and other text files: the whole text;
- PDF: its text through ``pdftotext`` when it is installed (otherwise the file is reported as
  not scanned).

Web addresses are removed before the search, so the sources' URLs do not trip it, and the
publisher's own address and telephone number are accepted. Only lines that could hold an
identifier (seven digits, or an ``@``) are searched, each distinct line once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from toolkit.checks.personal import CANDIDATE, find_identifiers, normalise
from toolkit.contracts import PERSONAL_DATA_COLUMN

URL = re.compile(r"(?i)\b(?:https?|ftp)://[^\s\"'<>)\]]+")
_CANDIDATE = re.compile(CANDIDATE)
TEXT_SUFFIXES = (".json", ".md", ".txt", ".cff", ".xml", ".yaml", ".qmd")
MARKUP_SUFFIXES = (".html", ".htm", ".svg")
#: The attributes of a page whose values a reader or assistive technology is given.
READ_ATTRIBUTES = frozenset({"alt", "title", "aria-label", "aria-description", "content",
                             "data-vega-spec", "placeholder", "value", "summary"})


@dataclass(frozen=True)
class PersonalDataHit:
    path: str
    where: str  # column name, or "text"
    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.path} ({self.where}): {self.kind} {self.value!r}"


@lru_cache(maxsize=8192)
def _line_hits(line: str) -> tuple[tuple[str, str], ...]:
    norm = normalise(line)
    return tuple((i.kind, norm[i.start:i.end]) for i in find_identifiers(line))


def _allowed(kind: str, value: str, allowed: frozenset[str]) -> bool:
    if kind == "e-mail address":
        return value.lower() in allowed
    if kind == "telephone number":
        return "".join(c for c in value if c.isdigit()) in allowed
    return False


def value_hits(text: str, allowed: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """``(kind, identifier)`` for each identifier of a person in ``text``.

    ``allowed`` holds the publisher's own contact details: e-mail addresses in lower case and
    telephone numbers as digits only.
    """
    hits = []
    for line in URL.sub(" ", text).splitlines():
        if _CANDIDATE.search(line):
            hits += [h for h in _line_hits(line) if not _allowed(*h, allowed)]
    return hits


def column_hit(name: str) -> bool:
    norm = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return bool(PERSONAL_DATA_COLUMN.search(norm))


class _ReadText(HTMLParser):
    """The text of a page as read: text outside scripts and styles, and read attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in READ_ATTRIBUTES and v]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts += [v for k, v in attrs if k in READ_ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def markup_text(text: str) -> str:
    """What a reader of an HTML or SVG page reads, one part a line."""
    parser = _ReadText()
    parser.feed(text)
    parser.close()
    return "\n".join(parser.parts)


def _json_strings(node) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _json_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_strings(value)


def readable_text(path: Path, data: bytes) -> str:
    """What a reader of a text, JSON or markup file reads."""
    text = data.decode("utf-8", errors="replace")
    suffix = path.suffix.lower()
    if suffix in MARKUP_SUFFIXES:
        return markup_text(text)
    if suffix == ".json":
        try:
            return "\n".join(_json_strings(json.loads(text)))
        except ValueError:
            return text
    return text


def _table_cells(path: Path, data: bytes | None = None) -> tuple[list[str], Iterable[str]]:
    """Column names and text cells of a tabular file (its bytes ``data`` when given)."""
    suffix = path.suffix.lower()
    if data is None:
        data = path.read_bytes()
    if suffix == ".csv":
        text = data.decode("utf-8-sig", errors="replace")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header = rows[0] if rows else []
        return header, (cell for row in rows[1:] for cell in row)
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pq.read_table(pa.BufferReader(data))
        cells: list[str] = []
        for col in table.columns:
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                cells += [v for v in col.to_pylist() if isinstance(v, str)]
        return table.column_names, cells
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
        header: list[str] = []
        cells = []
        for ws in wb.worksheets:
            for table in ws.tables.values():
                first = ws[table.ref.split(":")[0]]
                header += [str(c.value) for c in ws[first.row] if c.value is not None]
            cells += [c for row in ws.iter_rows(values_only=True) for c in row
                      if isinstance(c, str)]
        wb.close()
        return header, cells
    raise ValueError(path)


def _pdftotext(path: Path) -> subprocess.Popen | None:
    """Start extracting the text of a PDF; None when ``pdftotext`` is not installed."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    return subprocess.Popen([exe, "-q", "-enc", "UTF-8", str(path), "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _pdf_text(run: subprocess.Popen | None) -> str | None:
    if run is None:
        return None
    out, _ = run.communicate()
    if run.returncode != 0:
        return None
    return out.decode("utf-8", errors="replace")


def _is_table(path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".parquet", ".xlsx")


def _is_text(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix in TEXT_SUFFIXES or suffix in MARKUP_SUFFIXES or path.name == "SHA256SUMS"


def _scan_data(path: Path, data: bytes, display: str, allowed: frozenset[str]
               ) -> list[PersonalDataHit]:
    """Hits in the bytes of a table or text file."""
    if _is_table(path):
        header, cells = _table_cells(path, data)
        hits = [PersonalDataHit(display, name, "column named like personal data", name)
                for name in header if column_hit(name)]
        hits += [PersonalDataHit(display, "value", k, v)
                 for cell in cells for k, v in value_hits(cell, allowed)]
        return hits
    return [PersonalDataHit(display, "text", k, v)
            for k, v in value_hits(readable_text(path, data), allowed)]


def scan_file(path: Path, display: str, allowed: frozenset[str] = frozenset(), *,
              _pdf: subprocess.Popen | None | bool = False
              ) -> tuple[list[PersonalDataHit], bool]:
    """Hits in one file, and whether the file could be scanned at all."""
    if _is_table(path) or _is_text(path):
        return _scan_data(path, path.read_bytes(), display, allowed), True
    if path.suffix.lower() == ".pdf":
        text = _pdf_text(_pdftotext(path) if _pdf is False else _pdf)
        if text is None:
            return [], False
        return [PersonalDataHit(display, "text", k, v) for k, v in value_hits(text, allowed)], True
    return [], False


@dataclass(frozen=True)
class FileScan:
    """The result of scanning one file: the SHA-256 of the bytes scanned and the hits."""

    sha256: str
    hits: tuple[PersonalDataHit, ...]


def scan_files(folder: Path, paths: Iterable[str], allowed: frozenset[str] = frozenset()
               ) -> dict[str, FileScan]:
    """Scan some tables and text files of ``folder`` (paths relative to it) ahead of
    :func:`scan_release`, e.g. on a thread while the rest of a release is written; each result
    is reused by ``scan_release(..., earlier=...)`` only if the file's bytes are unchanged."""
    done: dict[str, FileScan] = {}
    for rel in paths:
        path = folder / rel
        if not (_is_table(path) or _is_text(path)) or not path.is_file():
            continue
        data = path.read_bytes()
        done[rel] = FileScan(hashlib.sha256(data).hexdigest(),
                             tuple(_scan_data(path, data, rel, allowed)))
    return done


def scan_release(folder: Path, allowed: frozenset[str] = frozenset(), *,
                 earlier: dict[str, FileScan] | None = None
                 ) -> tuple[list[PersonalDataHit], list[str]]:
    """All hits in the files under ``folder`` and the files that could not be scanned.

    ``earlier`` (from :func:`scan_files`) gives results for files scanned before; a file whose
    bytes changed since is scanned again.
    """
    hits: list[PersonalDataHit] = []
    unscanned: list[str] = []
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    # text extraction of the PDFs runs in its own process while the other files are scanned
    pdfs = {p: _pdftotext(p) for p in paths if p.suffix.lower() == ".pdf"}
    try:
        for path in paths:
            rel = path.relative_to(folder).as_posix()
            prior = (earlier or {}).get(rel)
            if prior is not None:
                data = path.read_bytes()
                if hashlib.sha256(data).hexdigest() == prior.sha256:
                    hits += prior.hits
                else:
                    hits += _scan_data(path, data, rel, allowed)
                continue
            found, scanned = scan_file(path, rel, allowed, _pdf=pdfs.get(path, False))
            hits += found
            if not scanned:
                unscanned.append(rel)
    finally:
        for run in pdfs.values():
            if run is not None and run.returncode is None:  # not collected: an error above
                run.kill()
                run.communicate()
    return hits, unscanned
