"""One batch of a return through the Pandera schema: its failure cases as findings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from toolkit.checks.cells import (
    BY_SLUG,
    Context,
    breakdowns,
    build_schema,
    build_screen,
    parsed_name,
)
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


def _raise_unless_rows(cases: pl.DataFrame, contract: Contract, *named: str) -> None:
    """A failure of the schema itself (no row, or no rule of the catalogue): a bug in the
    toolkit, not in the data."""
    broken = cases.filter(pl.any_horizontal(pl.col(c).is_null() for c in ("index", *named)))
    if broken.height:
        raise RuntimeError(f"the {contract.name} schema failed unexpectedly: "
                           f"{broken.head(3).to_dicts()}")


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


@dataclass(frozen=True)
class Schemas:
    """A contract's two Pandera schemas: every rule in one check, and one check per rule."""

    screen: pa.DataFrameSchema
    detail: pa.DataFrameSchema

    @classmethod
    def of(cls, contract: Contract, as_of) -> Schemas:
        """The schemas of ``contract`` as of a date; built once per (contract, date), which
        are values (frozen), and Pandera never changes a schema that validates."""
        return _schemas(contract, as_of)


@lru_cache(maxsize=64)
def _schemas(contract: Contract, as_of) -> Schemas:
    return Schemas(build_screen(contract, as_of), build_schema(contract, as_of))


def check_batch(frame: pl.DataFrame, contract: Contract, schemas: Schemas, ctx: Context,
                display: str, skip: Skip) -> pl.DataFrame:
    """The findings of one batch (its text with dates and counts parsed beside it, as
    :func:`toolkit.checks.cells.with_parsed` gives it); empty when valid.

    The screening schema checks every row against every rule at once; only the rows it flags
    go through the detailed schema, whose failure cases name the rule and column.
    """
    screened = failure_cases(schemas.screen, frame)
    if screened is None:
        return findings_frame([])
    _raise_unless_rows(screened, contract)
    flagged = screened["index"].cast(pl.Int64).unique().sort()
    frame = frame[flagged.to_list()]
    cases = failure_cases(schemas.detail, frame)
    if cases is None:  # the two schemas must agree: every rule is in both
        raise RuntimeError(f"the {contract.name} rules flagged rows that no single rule fails")
    cases = _rule_and_column(cases)
    _raise_unless_rows(cases, contract, "rule")
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
            if cell.shown is not None:
                value = cell.shown(str(value))
        records.append({"rule": rule, "dataset": contract.name, "file": display, "row": row,
                        "column": column, "value": shorten(value), "message": message,
                        "line": line})
    return findings_frame(records)
