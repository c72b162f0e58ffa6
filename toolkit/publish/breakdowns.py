"""The breakdowns by sex and age: their specs and tables, with small counts suppressed.

A breakdown counts people by quarter and country of the detentions or fatalities records;
:mod:`toolkit.publish.disclosure` protects its small cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

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

#: Age bands of fatalities_by_age: (column, lowest age, highest age, label).
AGE_BANDS = (
    ("age_under_18", 0, 17, "under 18"),
    ("age_18_29", 18, 29, "18 to 29"),
    ("age_30_39", 30, 39, "30 to 39"),
    ("age_40_49", 40, 49, "40 to 49"),
    ("age_50_59", 50, 59, "50 to 59"),
    ("age_60_plus", 60, 200, "60 and over"),
)
#: The disclosure-controlled breakdowns, each described by :func:`breakdown_spec`.
BREAKDOWNS = ("detentions_by_sex", "fatalities_by_sex", "fatalities_by_age")


def breakdown_spec(name: str) -> TableSpec:
    """``detentions_by_sex``, ``fatalities_by_sex`` or ``fatalities_by_age``: disclosure-
    controlled breakdowns by quarter and country."""
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
        cells.append(("age_unknown", "People who died whose age the source did not give."))
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
        fields.append(Field(col, "integer", desc + " Empty when suppressed [c].", minimum=0))
        fields.append(status_field(col, "[c] suppressed by the small-count rule (config/"
                                   "disclosure.yaml), primary or secondary; "))
    fields.append(Field("total", "integer", f"All people {what} (the sum of persons of the "
                        f"{source} records); never suppressed.", required=True, minimum=0))
    fields.append(status_field("total"))
    fields.append(NOTE)
    measures = tuple(c for c, _ in cells) + ("total",)
    return TableSpec(
        name,
        f"{'Detentions' if source == 'detentions' else 'Fatalities'} by {by}, quarter and "
        "country",
        f"People {what} in each quarter by {by} and country, from the {source} records, with "
        "small counts suppressed [c] (disclosure control; secondary suppression protects them "
        "from the row total).",
        tuple(fields), "summaries", ("period", "country"),
        measures=measures, absent={m: 0 for m in measures},
    )



def _quarter_rows(records: Iterable[tuple], periods: Sequence[Period]
                  ) -> dict[tuple[str, str], list[tuple]]:
    """Group (country, event_date, ...) records by (quarter label, country) within periods."""
    labels = {p.label for p in periods}
    grouped: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for rec in records:
        label = quarter_of(rec[1]).label
        if label in labels:
            grouped[(label, rec[0])].append(rec[2:])
    return grouped


def breakdown_table(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                    quarters: Sequence[Period], threshold: int) -> pl.DataFrame:
    """A breakdown by sex or age per quarter and country, with small counts suppressed."""
    if spec.name == "detentions_by_sex":
        records = con.sql("SELECT country, event_date, persons, coalesce(females, 0), "
                          "coalesce(males, 0) FROM detentions").fetchall()

        def cells(recs):
            female = sum(r[1] for r in recs)
            male = sum(r[2] for r in recs)
            total = sum(r[0] for r in recs)
            return {"female": female, "male": male, "sex_unknown": total - female - male}
    elif spec.name == "fatalities_by_sex":
        records = con.sql("SELECT country, event_date, persons, sex FROM fatalities").fetchall()

        def cells(recs):
            out = {"female": 0, "male": 0, "sex_unknown": 0}
            for persons, sex in recs:
                out[sex if sex in ("female", "male") else "sex_unknown"] += persons
            return out
    elif spec.name == "fatalities_by_age":
        records = con.sql("SELECT country, event_date, persons, age FROM fatalities").fetchall()

        def cells(recs):
            out = {col: 0 for col, *_ in AGE_BANDS} | {"age_unknown": 0}
            for persons, age in recs:
                band = next((col for col, lo, hi, _ in AGE_BANDS
                             if age is not None and lo <= age <= hi), "age_unknown")
                out[band] += persons
            return out
    else:
        raise KeyError(spec.name)
    order = {p.label: i for i, p in enumerate(quarters)}
    rows = []
    for (label, country), recs in sorted(_quarter_rows(records, quarters).items(),
                                         key=lambda kv: (order[kv[0][0]], kv[0][1])):
        row = {"period": label, "country": country}
        for col, value in cells(recs).items():
            row[col] = value
            row[f"{col}_status"] = ""
        row["total"] = sum(r[0] for r in recs)
        row["total_status"] = ""
        row["note"] = ""
        rows.append(row)
    frame = pl.DataFrame(rows, schema=spec.schema) if rows else spec.empty()
    breakdown = [m for m in spec.measures if m != "total"]
    return suppress_small_counts(frame, breakdown, threshold).select(spec.columns)


