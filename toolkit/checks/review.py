"""Free text held back until a person has read it: the register of reviewed texts.

Patterns find telephone numbers and e-mail addresses, not the names of people. So a column the
contract marks ``review: true`` (the notes) reaches the open files only when the register
``<raw>/reviews/notes.csv`` says the text of that record was read and may be published:

    dataset,record_id,column,sha256,decision,reviewed_on
    detentions,DET-2025-0001,notes,<sha256 of the text>,publish,2026-12-07

A row holds for one exact text (its SHA-256, UTF-8, as loaded: spaces around it removed); when
the text changes, it awaits review again. ``decision`` is ``publish`` or ``withhold``. Texts
without a ``publish`` row stay in the warehouse and are empty in every published file and the
bulletin (``toolkit build`` and ``publish`` say how many); ``toolkit review`` lists those not
yet reviewed, with their hashes, ready to fill in.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from toolkit.checks.report import Finding, Report, findings_frame
from toolkit.contracts import Contract
from toolkit.ingest import UnreadableFile, read_file
from toolkit.warehouse import sql_string

REGISTER = "reviews/notes.csv"
COLUMNS = ("dataset", "record_id", "column", "sha256", "decision", "reviewed_on")
DECISIONS = ("publish", "withhold")
TABLE = "text_reviews"


def load_register(raw_dir: Path, con: duckdb.DuckDBPyConnection, report: Report) -> None:
    """Read the register (if there is one) into the table ``text_reviews`` of ``con``."""
    con.execute(f"CREATE TABLE {TABLE} (" + ", ".join(f'"{c}" VARCHAR' for c in COLUMNS)
                + ")")
    path = Path(raw_dir) / REGISTER
    if not path.is_file():
        return
    try:
        read = read_file(path, "reviews", REGISTER, known=COLUMNS)
    except UnreadableFile as exc:
        report.add(Finding("unreadable_file", REGISTER, None, None, None, str(exc), "reviews"))
        return
    names = [h.strip().lower() for h in read.header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        report.add(Finding("review_register", REGISTER, read.header_row, None, None,
                           f"the register lacks the column(s) {', '.join(missing)}; it has "
                           f"{', '.join(COLUMNS)}", "reviews"))
        return
    rows = read.frame.rename({f"c{i}": n for i, n in enumerate(names) if n in COLUMNS})
    rows = rows.select(*COLUMNS, "__row")
    bad = rows.filter(~pl.col("decision").is_in(DECISIONS)
                      | pl.any_horizontal(pl.col(c).is_null() for c in COLUMNS[:5]))
    report.add_frame(findings_frame(
        {"rule": "review_register", "dataset": "reviews", "file": REGISTER, "row": r,
         "column": "decision", "value": d,
         "message": "every row names dataset, record_id, column and sha256, and a decision "
                    f"{' or '.join(DECISIONS)}"}
        for d, r in bad.select("decision", "__row").iter_rows()))
    con.register("incoming_reviews", rows.drop("__row").to_arrow())
    con.execute(f"INSERT INTO {TABLE} SELECT * FROM incoming_reviews")
    con.unregister("incoming_reviews")


def _pending_sql(contract: Contract, column: str, decision: str | None) -> str:
    """The texts of a reviewed column without a row for their exact text (``decision`` None)
    or without one of that decision."""
    name = contract.name
    which = f"AND r.decision = {sql_string(decision)}" if decision else ""
    return f"""
        SELECT {sql_string(name)} AS dataset, t."{contract.primary_key}" AS record_id,
               {sql_string(column)} AS "column", sha256(t."{column}") AS sha256,
               t."{column}" AS text, t.__file, t.__row, t.__line
        FROM "{name}" t
        WHERE t."{column}" IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM {TABLE} r WHERE r.dataset = {sql_string(name)}
              AND r.record_id = t."{contract.primary_key}" AND r."column" = {sql_string(column)}
              AND r.sha256 = sha256(t."{column}") {which})"""


def pending_sql(contracts: dict[str, Contract], decision: str | None = None) -> str:
    """Every text not yet reviewed (``decision`` None), or without a row of ``decision``."""
    parts = [_pending_sql(c, col.name, decision) for c in contracts.values()
             for col in c.columns if col.review]
    return " UNION ALL ".join(parts) if parts else "SELECT NULL WHERE false"


def publishable(contract: Contract, column: str, alias: str = "t", register: str = TABLE) -> str:
    """SQL for the value of a reviewed column as published: the text where its exact text was
    reviewed and may be published, else empty."""
    return (f"CASE WHEN EXISTS (SELECT 1 FROM {register} r WHERE "
            f"r.dataset = {sql_string(contract.name)} AND r.record_id = "
            f"{alias}.\"{contract.primary_key}\" AND r.\"column\" = {sql_string(column)} AND "
            f"r.sha256 = sha256({alias}.\"{column}\") AND r.decision = 'publish') "
            f"THEN {alias}.\"{column}\" END")


def withheld(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract]) -> dict[str, int]:
    """How many texts the open files leave empty: not reviewed, and reviewed but withheld."""
    [(unreviewed,)] = con.execute(f"SELECT count(*) FROM ({pending_sql(contracts)})").fetchall()
    [(held,)] = con.execute(
        f"SELECT count(*) FROM ({pending_sql(contracts, 'publish')})").fetchall()
    return {"not reviewed": unreviewed, "withheld on review": held - unreviewed}


def pending_texts(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract]
                  ) -> pl.DataFrame:
    """The register rows still to fill in: one per text awaiting review, with its text."""
    return con.sql(f"SELECT dataset, record_id, \"column\", sha256, text, __file AS file, "
                   f"__row AS row FROM ({pending_sql(contracts)}) "
                   "ORDER BY dataset, record_id, \"column\"").pl()
