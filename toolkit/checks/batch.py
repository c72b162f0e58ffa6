"""One batch of a return through the Pandera schema: its failure cases as findings."""

from __future__ import annotations

import os
from dataclasses import dataclass

import polars as pl

from toolkit.checks.cells import BY_SLUG, Context, breakdowns, parsed_name
from toolkit.checks.report import findings_frame
from toolkit.contracts import Contract
from toolkit.ingest import LINE, ROW
from toolkit.textsafety import shorten

# pandera imports hypothesis (for data synthesis, which the toolkit does not use); without its
# entry-point plugins that import is quicker. Only a default: a caller may set it.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")

import pandera.errors  # noqa: E402
import pandera.polars as pa  # noqa: E402
from pandera.config import ValidationDepth, config_context  # noqa: E402

_INDEX = "__index"


@dataclass(frozen=True)
class Skip:
    """Cells whose emptiness is already explained: ``required`` is not reported for them."""

    #: Columns the file lacks altogether.
    columns: frozenset[str] = frozenset()
    #: (row, column) cells the reader emptied (a formula, a merged range).
    cells: frozenset[tuple[int, str]] = frozenset()


def failure_cases(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> pl.DataFrame | None:
    """Pandera's failure cases of ``frame``, its data checked (None when it is valid)."""
    try:
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return exc.failure_cases
    return None


def _rule_and_column(cases: pl.DataFrame) -> pl.DataFrame:
    check = pl.col("check").cast(pl.String)
    return cases.with_columns(
        pl.when(check == "not_nullable").then(pl.lit("required"))
        .when(check.str.contains("|", literal=True)).then(check.str.split("|").list.get(0))
        .otherwise(pl.lit(None)).alias("rule"),
        pl.when(check.str.contains("|", literal=True))
        .then(check.str.splitn("|", 2).struct.field("field_1"))
        .otherwise(pl.col("column").cast(pl.String)).alias("column"),
    )


def check_batch(frame: pl.DataFrame, contract: Contract, schema: pa.DataFrameSchema,
                ctx: Context, display: str, skip: Skip) -> pl.DataFrame:
    """The findings of one batch (its text with dates and counts parsed beside it, as
    :func:`toolkit.checks.cells.with_parsed` gives it); empty when valid."""
    cases = failure_cases(schema, frame)
    if cases is None:
        return findings_frame([])
    cases = _rule_and_column(cases)
    broken = cases.filter(pl.col("index").is_null() | pl.col("rule").is_null())
    if broken.height:  # a failure of the schema itself: a bug in the toolkit, not the data
        raise RuntimeError(f"the {contract.name} schema failed unexpectedly: "
                           f"{broken.head(3).to_dicts()}")
    hits = (cases.select(pl.col("index").cast(pl.Int64).alias(_INDEX), "rule", "column")
            .unique().sort(_INDEX, "column", "rule"))
    text = frame.with_row_index(_INDEX).with_columns(pl.col(_INDEX).cast(pl.Int64))
    rows = hits.join(text.select(_INDEX, ROW, LINE), on=_INDEX, how="left")
    records = []
    parts = {b.label: b for b in breakdowns(contract)}
    for index, rule, column, row, line in rows.select(_INDEX, "rule", "column", ROW,
                                                           LINE).iter_rows():
        if rule == "required" and (column in skip.columns or (row, column) in skip.cells):
            continue
        if rule == "breakdown_exceeds_persons":
            got = {p: text[parsed_name(p)][index] for p in (*parts[column].parts, "persons")}
            b = parts[column]
            value, message = b.value(got), b.message(got)
        elif rule == "required":
            value, message = None, f"{column} is required but the cell is empty"
        else:
            cell = BY_SLUG[rule]
            col = contract.column(column)
            value = text[parsed_name(col) if cell.parsed_value else column][index]
            message = cell.message(value, col, ctx)
        records.append({"rule": rule, "dataset": contract.name, "file": display, "row": row,
                        "column": column, "value": shorten(value), "message": message,
                        "line": line})
    return findings_frame(records)
