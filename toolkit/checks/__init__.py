"""Validation: every row of every return checked by the Pandera schema built from its contract,
then the rules across rows and datasets, one implementation each; findings as data.

The stage (:func:`validate`) is in :mod:`toolkit.checks.run`; the catalogue of rules in
:mod:`toolkit.checks.rules`; findings and reports in :mod:`toolkit.checks.report`. The names
below are imported when first used, so that the command line can read the catalogue and the
exit codes without loading Polars, Pandera or DuckDB.
"""

from __future__ import annotations

import importlib

from toolkit.checks.rules import (
    ERROR,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNUSABLE,
    RULES,
    WARNING,
)

_LAZY = {
    "validate": "toolkit.checks.run",
    "Validation": "toolkit.checks.run",
    "Finding": "toolkit.checks.report",
    "Report": "toolkit.checks.report",
    "FIELDS": "toolkit.checks.report",
    "build_schema": "toolkit.checks.cells",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ERROR", "EXIT_INVALID", "EXIT_OK", "EXIT_UNUSABLE", "FIELDS", "Finding", "RULES",
           "Report", "Validation", "WARNING", "build_schema", "validate"]
