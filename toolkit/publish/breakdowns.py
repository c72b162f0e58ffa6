"""The breakdowns by sex and age: their specs and tables, and which cell a record counts in.

A breakdown counts people by quarter and country of the detentions or fatalities records. Under
a publication policy that protects breakdowns (:func:`toolkit.publish.policy.protects_breakdowns`)
:mod:`toolkit.publish.disclosure` suppresses its small cells; under one that publishes the
person-level fields in the open event files, the breakdown is published as counted, since anyone
can count it from those files.

:func:`record_cells` is the one rule for which cell of which breakdown a record counts in; the
tables here and the attacker of :mod:`toolkit.publish.audit` (counting the open event files)
both use it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import duckdb
import polars as pl

from toolkit.periods import Period, quarter_of
from toolkit.publish.disclosure import suppress_small_counts
from toolkit.publish.specs import (
    ISO3_PATTERN,
    NOTE,
    QUARTER_PATTERN,
    Field,
    TableSpec,
    status_field,
)

#: Age bands of fatalities_by_age: (column, lowest age, highest age, label). The label is also
#: the value of ``age_band`` where a publication policy coarsens a death's age.
AGE_BANDS = (
    ("age_under_18", 0, 17, "under 18"),
    ("age_18_29", 18, 29, "18 to 29"),
    ("age_30_39", 30, 39, "30 to 39"),
    ("age_40_49", 40, 49, "40 to 49"),
    ("age_50_59", 50, 59, "50 to 59"),
    ("age_60_plus", 60, 200, "60 and over"),
)
AGE_UNKNOWN = "age_unknown"
#: The disclosure-controlled breakdowns, each described by :func:`breakdown_spec`.
BREAKDOWNS = ("detentions_by_sex", "fatalities_by_sex", "fatalities_by_age")
#: Each breakdown's event dataset and the person-level fields of it that it counts: a policy
#: that protects the breakdowns must keep these out of the open event files.
SOURCE_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "detentions_by_sex": ("detentions", ("females", "males")),
    "fatalities_by_sex": ("fatalities", ("sex",)),
    "fatalities_by_age": ("fatalities", ("age",)),
}


def age_band(age: int | None) -> str | None:
    """The label of the band of ``age`` ("30 to 39"); None for an unknown age."""
    if age is None:
        return None
    return next((label for _, lo, hi, label in AGE_BANDS if lo <= age <= hi), None)


def breakdown_cells(name: str) -> tuple[str, ...]:
    """The cells of a breakdown row, in order; their sum is the row's total."""
    if name.endswith("_by_sex"):
        return ("female", "male", "sex_unknown")
    if name == "fatalities_by_age":
        return tuple(col for col, *_ in AGE_BANDS) + (AGE_UNKNOWN,)
    raise KeyError(name)


def record_cells(name: str, record: Mapping) -> dict[str, int] | None:
    """The people of one event record, by cell of breakdown ``name``; None when the record
    does not carry the field the breakdown counts (a withheld column of an open file).

    ``record`` is a row of the warehouse or of a published event table: ``persons`` and, for
    detentions, ``females`` and ``males``; for fatalities ``sex``, and ``age`` or the
    ``age_band`` label a policy publishes instead.
    """
    persons = int(record["persons"])
    if name == "detentions_by_sex":
        if "females" not in record or "males" not in record:
            return None
        female, male = record["females"] or 0, record["males"] or 0
        return {"female": female, "male": male, "sex_unknown": persons - female - male}
    if name == "fatalities_by_sex":
        if "sex" not in record:
            return None
        sex = record["sex"]
        return {sex if sex in ("female", "male") else "sex_unknown": persons}
    if name == "fatalities_by_age":
        if "age" in record:
            label = age_band(record["age"])
        elif "age_band" in record:
            label = record["age_band"]
        else:
            return None
        col = next((c for c, _, _, lab in AGE_BANDS if lab == label), AGE_UNKNOWN)
        return {col: persons}
    raise KeyError(name)


def record_quarter(record: Mapping) -> str | None:
    """The quarter label of a record, from ``event_date`` or a coarsened ``event_month``."""
    day = record.get("event_date")
    if isinstance(day, dt.date):
        return quarter_of(day).label
    month = record.get("event_month")
    if isinstance(month, str) and len(month) == 7:
        return quarter_of(dt.date(int(month[:4]), int(month[5:]), 1)).label
    return None


def breakdown_spec(name: str, protect: bool = True) -> TableSpec:
    """``detentions_by_sex``, ``fatalities_by_sex`` or ``fatalities_by_age``: breakdowns by
    quarter and country; ``protect`` says whether small counts are suppressed (the policy's
    :func:`toolkit.publish.policy.protects_breakdowns`)."""
    what = "detained" if name.startswith("detentions") else "who died"
    source = "detentions" if name.startswith("detentions") else "fatalities"
    if name.endswith("_by_sex"):
        cells = [
            ("female", f"Women and girls {what}" + (" (females)" if source == "detentions"
                                                    else " (sex = female)") + "."),
            ("male", f"Men and boys {what}" + (" (males)" if source == "detentions"
                                              else " (sex = male)") + "."),
            ("sex_unknown", f"People {what} whose sex the source did not give: total minus "
                            "female minus male."),
        ]
        by = "sex"
    else:
        cells = [(col, f"People who died aged {label}.") for col, _, _, label in AGE_BANDS]
        cells.append((AGE_UNKNOWN, "People who died whose age the source did not give."))
        by = "age"
    fields = [
        Field("period", "string", "Calendar quarter, e.g. 2025-Q4.", required=True,
              pattern=QUARTER_PATTERN),
        Field("country", "string",
              "ISO 3166-1 alpha-3 code of the country where the people were detained"
              if source == "detentions" else
              "ISO 3166-1 alpha-3 code of the country where the people died or were found.",
              required=True, pattern=ISO3_PATTERN),
    ]
    for col, desc in cells:
        if protect:
            fields.append(Field(col, "integer", desc + " Empty when suppressed [c].", minimum=0))
            fields.append(status_field(col, "[c] suppressed by the small-count rule (config/"
                                       "disclosure.yaml); "))
        else:
            fields.append(Field(col, "integer", desc, minimum=0))
            fields.append(status_field(col))
    fields.append(Field("total", "integer", f"All people {what} (the sum of persons of the "
                        f"{source} records); never suppressed.", required=True, minimum=0))
    fields.append(status_field("total"))
    fields.append(NOTE)
    measures = tuple(c for c, _ in cells) + ("total",)
    if protect:
        method = ("with small counts suppressed [c]: in a row with a count from 1 to the "
                  "threshold less one, every cell of the breakdown is suppressed and the total "
                  "stays (config/disclosure.yaml)")
    else:
        method = (f"not suppressed: the open {source} table already gives each record's "
                  f"{'sex' if by == 'sex' else 'age band'}, so anyone can count these figures "
                  "(publication policy, config/disclosure.yaml)")
    return TableSpec(
        name,
        f"{'Detentions' if source == 'detentions' else 'Fatalities'} by {by}, quarter and "
        "country",
        f"People {what} in each quarter by {by} and country, from the {source} records, "
        f"{method}.",
        tuple(fields), "summaries", ("period", "country"),
        measures=measures, absent={m: 0 for m in measures},
    )


def _quarter_rows(records: Iterable[dict], periods: Sequence[Period]
                  ) -> dict[tuple[str, str], list[dict]]:
    """Group records by (quarter label, country) within periods."""
    labels = {p.label for p in periods}
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for rec in records:
        label = record_quarter(rec)
        if label in labels:
            grouped[(label, rec["country"])].append(rec)
    return grouped


_COLUMNS = {
    "detentions_by_sex": "country, event_date, persons, females, males FROM detentions",
    "fatalities_by_sex": "country, event_date, persons, sex FROM fatalities",
    "fatalities_by_age": "country, event_date, persons, age FROM fatalities",
}


def breakdown_table(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                    quarters: Sequence[Period], threshold: int, *, protect: bool = True
                    ) -> pl.DataFrame:
    """A breakdown by sex or age per quarter and country; small counts suppressed when
    ``protect`` (the policy's :func:`~toolkit.publish.policy.protects_breakdowns`)."""
    if spec.name not in _COLUMNS:
        raise KeyError(spec.name)
    result = con.sql(f"SELECT {_COLUMNS[spec.name]}")
    names = result.columns
    records = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    cells = breakdown_cells(spec.name)
    order = {p.label: i for i, p in enumerate(quarters)}
    rows = []
    for (label, country), recs in sorted(_quarter_rows(records, quarters).items(),
                                         key=lambda kv: (order[kv[0][0]], kv[0][1])):
        row: dict = {"period": label, "country": country}
        counts = dict.fromkeys(cells, 0)
        for rec in recs:
            for col, persons in (record_cells(spec.name, rec) or {}).items():
                counts[col] += persons
        for col in cells:
            row[col] = counts[col]
            row[f"{col}_status"] = ""
        row["total"] = sum(r["persons"] for r in recs)
        row["total_status"] = ""
        row["note"] = ""
        rows.append(row)
    frame = pl.DataFrame(rows, schema=spec.schema) if rows else spec.empty()
    if protect:
        frame = suppress_small_counts(frame, list(cells), threshold)
    return frame.select(spec.columns)
