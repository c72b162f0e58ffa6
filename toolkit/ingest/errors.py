"""What reading a return can go wrong with, as data."""

from __future__ import annotations

from dataclasses import dataclass


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why in words a user can act on."""


@dataclass(frozen=True)
class ReadIssue:
    """A problem seen while reading one cell or row, reported by validation as a finding.

    ``column`` is the 0-based position in the header (None for a whole row). ``suppress``
    says the reader emptied the cell, so an empty-cell finding would be redundant; an issue
    with ``report`` False only does that (the cells of a merged range after its first).
    """

    rule: str
    row: int
    column: int | None
    value: str | None
    message: str
    suppress: bool = False
    report: bool = True
