"""Personal-data scan of a staged release, run before it is switched in.

Every published file is read back: the column names of tables (CSV, Parquet, XLSX tables)
against the same pattern the validator refuses raw columns with, and every text value (or the
whole text of HTML, JSON, Markdown and plain-text files; PDFs through ``pdftotext`` when it is
installed) for things shaped like e-mail addresses, phone numbers, passport numbers and Korean
resident registration numbers. Web addresses are removed before the value checks, so the source
URLs do not trip them; dates, record ids and checksums do not match the patterns.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from toolkit.validate import PERSONAL_DATA

URL = re.compile(r"(?i)\b(?:https?|ftp)://[^\s\"'<>)\]]+")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: +82 10 1234 5678, 010-1234-5678, (02) 123 4567, +855 12 345 678: 9 to 15 digits in groups.
PHONE = re.compile(
    r"(?<![\w.+/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\d{1,4}[ .-])"
    r"\d{2,4}(?:[ .-]\d{2,4}){1,2}(?![\w/-])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: One or two capital letters and 7 or 8 digits (M12345678), or after the word passport.
PASSPORT = re.compile(
    r"\b[A-Z]{1,2}\d{7,8}\b"
    r"|(?i:passport)(?:\s*(?:no\.?|number|#))?\s*[:#]?\s*(?=[A-Z0-9]*\d)[A-Z0-9]{6,9}\b")
#: Korean resident registration number: YYMMDD-NNNNNNN.
RRN = re.compile(r"(?<!\d)\d{6}-[1-8]\d{6}(?!\d)")

TEXT_SUFFIXES = (".html", ".htm", ".json", ".md", ".txt", ".cff", ".xml", ".svg", ".yaml", ".qmd")


@dataclass(frozen=True)
class PersonalDataHit:
    path: str
    where: str  # column name, or "text"
    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.path} ({self.where}): {self.kind} {self.value!r}"


def value_hits(text: str, allowed: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """``(kind, match)`` for each thing in ``text`` shaped like personal data.

    ``allowed`` holds the publisher's own contact details: e-mail addresses in lower case and
    telephone numbers as digits only.
    """
    text = URL.sub(" ", text)
    hits = []
    for m in EMAIL.finditer(text):
        if m.group(0).lower() not in allowed:
            hits.append(("e-mail address", m.group(0)))
    text = EMAIL.sub(" ", text)
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
    return bool(PERSONAL_DATA.search(norm))


def _table_cells(path: Path) -> tuple[list[str], Iterable[str]]:
    """Column names and text cells of a tabular file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header = rows[0] if rows else []
        return header, (cell for row in rows[1:] for cell in row)
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        cells = (str(v) for col in table.columns for v in col.to_pylist()
                 if isinstance(v, str))
        return table.column_names, cells
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=False, data_only=True)
        header: list[str] = []
        cells: list[str] = []
        for ws in wb.worksheets:
            for table in ws.tables.values():
                first = ws[table.ref.split(":")[0]]
                header += [str(c.value) for c in ws[first.row] if c.value is not None]
            cells += [c for row in ws.iter_rows(values_only=True) for c in row
                      if isinstance(c, str)]
        wb.close()
        return header, cells
    raise ValueError(path)


def scan_file(path: Path, display: str, allowed: frozenset[str] = frozenset()
              ) -> tuple[list[PersonalDataHit], bool]:
    """Hits in one file, and whether the file could be scanned at all."""
    hits: list[PersonalDataHit] = []
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet", ".xlsx"):
        header, cells = _table_cells(path)
        hits += [PersonalDataHit(display, name, "column named like personal data", name)
                 for name in header if column_hit(name)]
        for cell in cells:
            hits += [PersonalDataHit(display, "value", k, v) for k, v in value_hits(cell, allowed)]
        return hits, True
    if suffix in TEXT_SUFFIXES or path.name in ("SHA256SUMS",):
        text = path.read_bytes().decode("utf-8", errors="replace")
    elif suffix == ".pdf" and shutil.which("pdftotext"):
        run = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", str(path), "-"],
                             capture_output=True, check=False)
        if run.returncode != 0:
            return hits, False
        text = run.stdout.decode("utf-8", errors="replace")
    else:
        return hits, False
    hits += [PersonalDataHit(display, "text", k, v) for k, v in value_hits(text, allowed)]
    return hits, True


def scan_release(folder: Path, allowed: frozenset[str] = frozenset()
                 ) -> tuple[list[PersonalDataHit], list[str]]:
    """All hits in the files under ``folder`` and the files that could not be scanned."""
    hits: list[PersonalDataHit] = []
    unscanned: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        found, scanned = scan_file(path, rel, allowed)
        hits += found
        if not scanned:
            unscanned.append(rel)
    return hits, unscanned
