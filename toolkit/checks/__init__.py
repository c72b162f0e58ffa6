"""Validation: every raw return checked against the contracts; findings as data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import Report


@dataclass
class Validation:
    """What a validation (and load) did: the report, the files read and, when it loaded,
    the warehouse written."""

    report: Report
    as_of: dt.date
    files: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    warehouse: Path | None = None


def validate(raw_dir: Path, as_of: dt.date, encoding: str | None = None, *,
             out_dir: Path | None = None,
             progress: Callable[[str], None] | None = None) -> Validation:
    """Validate every return under ``raw_dir``; with ``out_dir``, load the warehouse there
    when the data is valid (the previous warehouse is replaced atomically, or left as it was)."""
    from toolkit.validate import validate as run
    from toolkit.warehouse import write_warehouse

    result = run(Path(raw_dir), as_of, encoding, progress=progress)
    rows = {name: frame.height for name, frame in result.tables.items()}
    warehouse = None
    if out_dir is not None and result.report.exit_code == 0:
        warehouse = write_warehouse(result, Path(raw_dir), Path(out_dir))
    return Validation(result.report, result.as_of, result.files, rows, result.tables, warehouse)
