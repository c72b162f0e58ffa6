"""Matching a return's header to its contract: the header rules, and each batch in contract
order."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import polars as pl

from toolkit.checks.report import Finding
from toolkit.contracts import PERSONAL_DATA_COLUMN, Contract
from toolkit.ingest import FILE, LINE, ROW, Return, normalise_header
from toolkit.textsafety import shorten


@dataclass
class Columns:
    """Where each of the contract's columns is in a file, and what the header got wrong."""

    contract: Contract
    display: str
    header: list[str]
    header_row: int
    renames: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: Required columns the file does not have: their empty cells are not reported one by one.
    missing: list[str] = field(default_factory=list)
    #: Unnamed columns already reported as holding values.
    _reported: set[int] = field(default_factory=set)

    def column_name(self, index: int | None) -> str | None:
        """How the report names a column given by its position in the file."""
        if index is None:
            return None
        if index >= len(self.header) or not self.header[index].strip():
            return f"(column {index + 1})"
        name = normalise_header(self.header[index])
        return name if name in self.contract.column_names else self.header[index]

    def arrange(self, batch: pl.DataFrame) -> pl.DataFrame:
        """A batch with the contract's columns in contract order (absent ones empty); an
        unnamed column holding values is reported the first time it is seen."""
        named = set(self.renames)
        for name in batch.columns:
            if not (name.startswith("c") and name[1:].isdigit()) or name in named:
                continue
            i = int(name[1:])
            if (i not in self._reported and (i >= len(self.header) or not self.header[i].strip())
                    and batch[name].is_not_null().any()):
                self._reported.add(i)
                self.findings.append(Finding(
                    "unknown_column", self.display, self.header_row, f"(column {i + 1})", None,
                    f"column {i + 1} has values but no name in the header", self.contract.name))
        frame = batch.rename({k: v for k, v in self.renames.items() if k in batch.columns})
        absent = [c for c in self.contract.column_names if c not in frame.columns]
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in absent)
        return frame.select(*self.contract.column_names, ROW, LINE)


def match_columns(opened: Return, contract: Contract) -> Columns:
    """Match the file's columns to the contract by name (case, spaces and hyphens aside)."""
    out = Columns(contract, opened.display, list(opened.header), opened.header_row)
    known = contract.column_names
    seen: dict[str, int] = {}
    row = opened.header_row
    for i, original in enumerate(opened.header):
        name = normalise_header(original)
        if not name:
            continue  # an unnamed column; reported by arrange() if it holds values
        if name in seen:
            out.findings.append(Finding(
                "duplicate_column", opened.display, row, name, shorten(original),
                f"column {name!r} appears twice in the header (columns {seen[name] + 1} "
                f"and {i + 1})", contract.name))
            continue
        seen[name] = i
        if name in known:
            out.renames[f"c{i}"] = name
        elif PERSONAL_DATA_COLUMN.search(name):
            out.findings.append(Finding(
                "personal_data_column", opened.display, row, shorten(original), None,
                f"column {shorten(original)!r} looks like personal data and is refused: the "
                "contract records counts, not people; remove the column", contract.name))
        else:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            out.findings.append(Finding(
                "unknown_column", opened.display, row, shorten(original), None,
                f"column {shorten(original)!r} is not in the {contract.name} contract{hint}",
                contract.name))
    for col in contract.required_columns:
        if col not in out.renames.values():
            out.missing.append(col)
            out.findings.append(Finding(
                "missing_column", opened.display, row, col, None,
                f"required column {col!r} is missing from the header", contract.name))
    return out


__all__ = ["Columns", "FILE", "match_columns"]
