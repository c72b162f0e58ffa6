"""Personal-data scan of a staged release, run before it is switched in.

Every published file is read back: the column names of tables (CSV, Parquet, XLSX tables)
against the same pattern the validator refuses raw columns with, and every text value (or the
whole text of HTML, JSON, Markdown and plain-text files; PDFs through ``pdftotext`` when it is
installed) for things shaped like e-mail addresses, phone numbers, passport numbers and Korean
resident registration numbers. Web addresses are removed before the value checks, so the source
URLs do not trip them; dates, record ids and checksums do not match the patterns.

Speed (the hits are exactly those, in the same order, of checking every cell and text in
turn with the plain patterns): e-mail addresses are looked for from each ``@`` (the plain
``EMAIL.finditer`` retries every position of a long run of letters, which is quadratic on the
JavaScript inlined in the bulletin); each pattern opens with a lookahead for the characters a
match can start with; a table's text cells are checked once per distinct value; the PDF's text
is extracted by ``pdftotext`` while the other files are scanned; and :func:`scan_files` scans
files early (on a thread, while the rest of the release is written), each result reused by
:func:`scan_release` only if the file's bytes are unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from toolkit.contracts import PERSONAL_DATA_COLUMN

#: Each pattern opens with a lookahead for the characters a match can start with: it finds
#: nothing more or less (tests/test_publish.py compares them with the plain patterns), and the
#: engine skips the other positions faster.
URL = re.compile(r"(?i)(?=[hf])\b(?:https?|ftp)://[^\s\"'<>)\]]+")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: +82 10 1234 5678, 010-1234-5678, (02) 123 4567, +855 12 345 678: 9 to 15 digits in groups.
PHONE = re.compile(
    r"(?=[+(\d])(?<![\w.+/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\d{1,4}[ .-])"
    r"\d{2,4}(?:[ .-]\d{2,4}){1,2}(?![\w/-])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: One or two capital letters and 7 or 8 digits (M12345678), or after the word passport.
PASSPORT = re.compile(
    r"(?=[A-Zp])(?:\b[A-Z]{1,2}\d{7,8}\b"
    r"|(?i:passport)(?:\s*(?:no\.?|number|#))?\s*[:#]?\s*(?=[A-Z0-9]*\d)[A-Z0-9]{6,9}\b)")
#: Korean resident registration number: YYMMDD-NNNNNNN.
#: (The first digit, then no digit before it: the same as a leading ``(?<!\d)``.)
RRN = re.compile(r"\d(?<!\d\d)\d{5}-[1-8]\d{6}(?!\d)")

TEXT_SUFFIXES = (".html", ".htm", ".json", ".md", ".txt", ".cff", ".xml", ".svg", ".yaml", ".qmd")


@dataclass(frozen=True)
class PersonalDataHit:
    path: str
    where: str  # column name, or "text"
    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.path} ({self.where}): {self.kind} {self.value!r}"


_EMAIL_LOCAL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")


def email_matches(text: str) -> list[re.Match[str]]:
    """The matches of ``EMAIL.finditer(text)``, in linear time.

    Every match has its ``@`` right after the run of local-part characters it starts in, so
    only the run before each ``@`` is tried, from its first character (or from where the
    previous match ended, as ``finditer`` resumes there): the first position of a run matches
    exactly when any other position of it does.
    """
    found: list[re.Match[str]] = []
    resume = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > resume and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        m = EMAIL.match(text, start) if start < at else None
        if m is not None:
            found.append(m)
            resume = m.end()
            at = text.find("@", resume)
        else:
            at = text.find("@", at + 1)
    return found


def value_hits(text: str, allowed: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """``(kind, match)`` for each thing in ``text`` shaped like personal data.

    ``allowed`` holds the publisher's own contact details: e-mail addresses in lower case and
    telephone numbers as digits only.
    """
    text = URL.sub(" ", text)
    hits = []
    if "@" in text:
        emails = email_matches(text)
        parts, last = [], 0
        for m in emails:
            if m.group(0).lower() not in allowed:
                hits.append(("e-mail address", m.group(0)))
            parts += (text[last:m.start()], " ")
            last = m.end()
        if emails:
            text = "".join(parts) + text[last:]
    for m in PHONE.finditer(text):
        found = m.group(0)
        digits = "".join(c for c in found if c.isdigit())
        if ISO_DATE.search(found) or not 9 <= len(digits) <= 15 or digits in allowed:
            continue
        hits.append(("phone number", found))
    hits += [("passport number", m.group(0)) for m in PASSPORT.finditer(text)]
    hits += [("resident registration number", m.group(0)) for m in RRN.finditer(text)]
    return hits


def column_hit(name: str) -> bool:
    norm = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return bool(PERSONAL_DATA_COLUMN.search(norm))


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
            kind = col.type
            if (pa.types.is_integer(kind) or pa.types.is_floating(kind)
                    or pa.types.is_temporal(kind) or pa.types.is_boolean(kind)
                    or pa.types.is_decimal(kind) or pa.types.is_null(kind)):
                continue  # no value of these is a str
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


def _cell_hits(cells: Iterable[str], allowed: frozenset[str]) -> list[tuple[str, str]]:
    """``value_hits`` of every cell in turn, each distinct value checked once."""
    seen: dict[str, list[tuple[str, str]]] = {}
    hits: list[tuple[str, str]] = []
    for cell in cells:
        found = seen.get(cell)
        if found is None:
            found = seen[cell] = value_hits(cell, allowed)
        if found:
            hits += found
    return hits


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
    return path.suffix.lower() in TEXT_SUFFIXES or path.name in ("SHA256SUMS",)


def _scan_data(path: Path, data: bytes, display: str, allowed: frozenset[str]
               ) -> list[PersonalDataHit]:
    """Hits in the bytes of a table or text file."""
    if _is_table(path):
        header, cells = _table_cells(path, data)
        hits = [PersonalDataHit(display, name, "column named like personal data", name)
                for name in header if column_hit(name)]
        hits += [PersonalDataHit(display, "value", k, v) for k, v in _cell_hits(cells, allowed)]
        return hits
    text = data.decode("utf-8", errors="replace")
    return [PersonalDataHit(display, "text", k, v) for k, v in value_hits(text, allowed)]


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
