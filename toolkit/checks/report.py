"""Errors as data: every problem found in a run is a :class:`Finding` row of a :class:`Report`.

A finding names the file, the row as a person counts it (header = row 1), the column, the rule
(a stable slug of :data:`toolkit.checks.rules.RULES`) and the offending value. A report keeps
its findings in a DuckDB table, so a run with a million of them holds none in Python: the
terminal shows counts by rule and the first few, the CSV report and the warehouse's
``findings`` table are written from the table in batches.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb
import polars as pl

from toolkit.checks.rules import (
    ERROR,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNUSABLE,
    RULES,
    UNUSABLE_RULES,
    WARNING,
)
from toolkit.textsafety import neutralise_expr, printable, printable_expr
from toolkit.warehouse import cursor as duck_cursor
from toolkit.warehouse import memory

#: The columns of a finding, in the order reports write them.
FIELDS = ("severity", "rule", "dataset", "file", "row", "column", "value", "message")
#: How findings are ordered everywhere: errors first, then by file, row, column and rule.
ORDER = ('severity <> \'error\', file, coalesce("row", 0), coalesce("column", \'\'), rule, '
         "coalesce(value, ''), message")
_TYPES = {f: ("BIGINT" if f == "row" else "VARCHAR") for f in FIELDS}
_BUFFER = 10_000


@dataclass(frozen=True)
class Finding:
    rule: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    dataset: str | None = None
    severity: str = field(default="")

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}")
        if not self.severity:
            object.__setattr__(self, "severity", RULES[self.rule].severity)
        for name in ("file", "column", "message"):
            object.__setattr__(self, name, printable(getattr(self, name)))

    def record(self) -> dict:
        return {k: getattr(self, k) for k in FIELDS}


def findings_frame(rows: Iterable[dict] | pl.DataFrame) -> pl.DataFrame:
    """Findings as a frame with the report's columns and types (severity from the rule).

    A ``line`` column, where given, is the text-editor line the row starts on: a message about
    a row that starts on another line than its number (after a cell spanning lines) says so.
    """
    schema = {f: (pl.Int64 if f == "row" else pl.String) for f in FIELDS if f != "severity"}
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(
        list(rows), schema=schema | {"line": pl.Int64})
    if "line" in frame.columns:
        moved = pl.col("line").is_not_null() & (pl.col("line") != pl.col("row"))
        frame = frame.with_columns(pl.when(moved).then(pl.format(
            "{} (row {} starts on line {} of the file)", "message", "row", "line"))
            .otherwise(pl.col("message")).alias("message"))
    severity = pl.col("rule").replace_strict({s: r.severity for s, r in RULES.items()},
                                             return_dtype=pl.String)
    return frame.with_columns(severity.alias("severity")).select(
        pl.col(f).cast(pl.Int64 if f == "row" else pl.String) for f in FIELDS)


class Report:
    """All findings of one run, kept in a DuckDB table; read back in a stable order."""

    def __init__(self, memory_limit: str = "512MB"):
        self._folder = tempfile.TemporaryDirectory(prefix="toolkit-findings-")
        self.con = memory()
        self.con.execute(f"SET temp_directory = '{Path(self._folder.name).as_posix()}'")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        columns = ", ".join(f'"{f}" {t}' for f, t in _TYPES.items())
        self.con.execute(f"CREATE TABLE findings ({columns})")
        self._buffer: list[Finding] = []

    # ------------------------------------------------------------------ writing

    def add(self, finding: Finding) -> None:
        self._buffer.append(finding)
        if len(self._buffer) >= _BUFFER:
            self.flush()

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.add(finding)

    def add_frame(self, frame: pl.DataFrame) -> None:
        """Findings made as a frame (see :func:`findings_frame`)."""
        if frame.height:
            self.con.register("incoming", findings_frame(frame).to_arrow())
            self.con.execute("INSERT INTO findings SELECT * FROM incoming")
            self.con.unregister("incoming")

    def flush(self) -> None:
        if self._buffer:
            rows, self._buffer = [f.record() for f in self._buffer], []
            self.add_frame(pl.DataFrame(rows, schema={
                f: (pl.Int64 if f == "row" else pl.String) for f in FIELDS}))

    def execute(self, sql: str, params: list | None = None) -> None:
        """Run a statement over the ``findings`` table (after pending findings are written)."""
        self.flush()
        self.con.execute(sql, params or [])

    # ------------------------------------------------------------------ reading

    def _query(self, sql: str, params: list | None = None) -> list[tuple]:
        self.flush()
        return self.con.execute(sql, params or []).fetchall()

    def counts(self) -> Counter:
        return Counter(dict(self._query(
            "SELECT rule, count(*) FROM (SELECT DISTINCT * FROM findings) GROUP BY rule")))

    def count(self, severity: str | None = None) -> int:
        where = "WHERE severity = ?" if severity else ""
        return self._query(f"SELECT count(*) FROM (SELECT DISTINCT * FROM findings) {where}",
                           [severity] if severity else [])[0][0]

    def batches(self, limit: int | None = None, size: int = 100_000
                ) -> Iterator[pl.DataFrame]:
        """The distinct findings in report order, as frames of :data:`FIELDS`, with the
        characters a terminal would act on written as escapes."""
        self.flush()
        cursor = duck_cursor(self.con)
        columns = ", ".join(f'"{f}"' for f in FIELDS)
        query = (f"SELECT DISTINCT {columns} FROM findings ORDER BY {ORDER}"
                 + (f" LIMIT {int(limit)}" if limit else ""))
        try:
            for batch in cursor.sql(query).to_arrow_reader(size):
                frame = pl.from_arrow(batch)
                yield frame.with_columns(printable_expr(pl.col(c)).alias(c)
                                         for c in ("file", "column", "message"))
        finally:
            cursor.close()

    def iter_sorted(self, limit: int | None = None) -> Iterator[Finding]:
        for frame in self.batches(limit):
            for values in frame.iter_rows(named=True):
                yield Finding(**values)

    def sorted(self, limit: int | None = None) -> list[Finding]:
        return list(self.iter_sorted(limit))

    @property
    def findings(self) -> list[Finding]:
        return self.sorted()

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.sorted() if f.severity == WARNING]

    @property
    def unusable(self) -> bool:
        marks = ", ".join("'" + r + "'" for r in UNUSABLE_RULES)
        return bool(self._query(f"SELECT count(*) FROM findings WHERE rule IN ({marks})")[0][0])

    @property
    def exit_code(self) -> int:
        if self.unusable:
            return EXIT_UNUSABLE
        return EXIT_INVALID if self.count(ERROR) else EXIT_OK

    def summary(self) -> str:
        errors, warnings = self.count(ERROR), self.count(WARNING)
        if self.unusable:
            head = "Some input could not be read"
        elif errors:
            head = "The data is invalid"
        else:
            head = "The data is valid"
        return (f"{head}: {errors} error{'s' * (errors != 1)}, "
                f"{warnings} warning{'s' * (warnings != 1)}.")

    def to_records(self) -> list[dict]:
        return [row for frame in self.batches() for row in frame.iter_rows(named=True)]

    def write_json(self, out: IO[str]) -> None:
        """The report as one JSON document, findings written batch by batch."""
        head = {"valid": self.exit_code == EXIT_OK, "exit_code": self.exit_code,
                "summary": self.summary(), "errors": self.count(ERROR),
                "warnings": self.count(WARNING)}
        out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "findings": [')
        first = True
        for frame in self.batches():
            if frame.height:  # a batch's rows as one JSON array, written without its brackets
                out.write(("\n" if first else ",\n") + frame.write_json()[1:-1])
                first = False
        out.write("\n  ]\n}\n" if not first else "]\n}\n")

    def to_json(self) -> str:
        buf = io.StringIO()
        self.write_json(buf)
        return buf.getvalue()

    def write_csv(self, path: Path) -> None:
        """Every finding as CSV; a text cell that a spreadsheet would run is neutralised."""
        with Path(path).open("wb") as fh:
            for i, frame in enumerate(self.batches()):
                text = [f for f in FIELDS if f != "row"]
                frame.with_columns(neutralise_expr(pl.col(c)).alias(c) for c in text).write_csv(
                    fh, include_header=i == 0, line_terminator="\n")
            if fh.tell() == 0:
                fh.write((",".join(FIELDS) + "\n").encode())

    def to_csv(self) -> str:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "findings.csv"
            self.write_csv(path)
            return path.read_text(encoding="utf-8")

    def copy_into(self, con: duckdb.DuckDBPyConnection, table: str = "findings") -> None:
        """Write the distinct findings into ``table`` of another database (read it ordered by
        :data:`ORDER`)."""
        self.flush()
        columns = ", ".join(f'"{f}" {t}' for f, t in _TYPES.items())
        con.execute(f'CREATE TABLE "{table}" ({columns})')
        cursor = duck_cursor(self.con)
        reader = cursor.sql(
            "SELECT DISTINCT * FROM findings").to_arrow_reader(100_000)
        con.register("incoming_findings", reader)
        con.execute(f'INSERT INTO "{table}" SELECT * FROM incoming_findings')
        con.unregister("incoming_findings")
        cursor.close()

    def close(self) -> None:
        self.con.close()
        self._folder.cleanup()
