"""The published tables: what each one holds (its :class:`TableSpec`) and how it is derived.

Every table is derived from the warehouse only (through the views :mod:`toolkit.publish` sets
up) and, for revisions and the data changelog, from the previous release's published Parquet
files. The specs are the one description of each table: the CSV/Parquet/XLSX writers, the data
dictionary, ``datapackage.json`` and the portal page all read them.

Status columns hold GSS shorthand, space-separated, in the order of :data:`STATUS_ORDER`:
``[c]`` suppressed, ``[x]`` not available, ``[z]`` not applicable, ``[r]`` revised since the
previous release, ``[p]`` provisional (the latest period of a table). Empty when none applies.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import polars as pl

from toolkit.contracts import ALL_DATASETS, Contract
from toolkit.disclosure import suppress_small_counts
from toolkit.periods import Period, month_of, quarter_of

STATUS_ORDER = ("[c]", "[x]", "[z]", "[r]", "[p]")
STATUS_MEANING = {
    "[c]": "confidential: suppressed by the small-count rule (disclosure control)",
    "[x]": "not available: the records cannot support a figure (see the note)",
    "[z]": "not applicable",
    "[r]": "revised since the previous release (the revisions table has the old value)",
    "[p]": "provisional: the latest period of the table, which later releases may revise",
}
STATUS_PATTERN = r"^(\[[cxzrp]\])( \[[cxzrp]\])*$"
ISO3_PATTERN = r"^[A-Z]{3}$"
QUARTER_PATTERN = r"^[0-9]{4}-Q[1-4]$"
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string | integer | date
    description: str
    required: bool = False
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None

    @property
    def is_text(self) -> bool:
        return self.type == "string"

    @property
    def polars_type(self) -> pl.DataType:
        return {"integer": pl.Int64, "date": pl.Date}.get(self.type, pl.String)()


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    group: str  # datasets | summaries | quality | changes
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, table, field)
    measures: tuple[str, ...] = ()  # value columns that have a <measure>_status column
    absent: dict[str, int | None] = field(default_factory=dict)  # a missing row's values

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {f.name: f.polars_type for f in self.fields}

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.schema)


def contract_spec(contract: Contract) -> TableSpec:
    """An event dataset or the source register: its public columns, as the contract says."""
    fields = []
    foreign = []
    for col in contract.columns:
        if not col.public:
            continue
        kind = {"date": "date", "integer": "integer"}.get(col.type, "string")
        fields.append(Field(
            col.name, kind, col.description, required=col.required,
            values=col.values if col.type == "enum" else (),
            minimum=col.min, maximum=col.max,
            pattern=ISO3_PATTERN if col.type == "iso3" else None,
        ))
        if col.references and col.type != "id_list":
            table, ref = col.references.split(".")
            foreign.append((col.name, table, ref))
    return TableSpec(contract.name, contract.title, contract.description, tuple(fields),
                     "datasets", (contract.primary_key,), tuple(foreign))


def _status(measure: str, extra: str = "") -> Field:
    return Field(f"{measure}_status", "string",
                 f"GSS shorthand for {measure}, space-separated: {extra}[r] revised since the "
                 "previous release, [p] provisional. Empty when none applies.",
                 pattern=STATUS_PATTERN)


_COUNTRY_ANY = Field(
    "country", "string",
    "ISO 3166-1 alpha-3 code of the country: where people were detained (detentions), where "
    "they were returned from (from_country of repatriations) or where they died (fatalities).",
    required=True, pattern=ISO3_PATTERN)
_NATIONALITY = Field(
    "nationality", "string",
    "ISO 3166-1 alpha-3 nationality of the people; XXX for groups of several or unknown "
    "nationalities.", required=True, pattern=ISO3_PATTERN)
_NOTE = Field("note", "string", "Why a figure is not available or not applicable, and whether "
              "the row was revised; empty otherwise.")


def summary_spec(kind: str) -> TableSpec:
    """``quarterly_summary`` or ``monthly_summary``."""
    quarterly = kind == "quarterly"
    unit = "quarter" if quarterly else "month"
    period = Field(
        "period", "string",
        "Calendar quarter, e.g. 2025-Q4 (Q1 = January to March)" if quarterly
        else "Calendar month, e.g. 2025-10", required=True,
        pattern=QUARTER_PATTERN if quarterly else MONTH_PATTERN)
    return TableSpec(
        f"{kind}_summary",
        f"{'Quarterly' if quarterly else 'Monthly'} summary by country and nationality",
        f"People detained, repatriated and dead in each {unit}, and people held at the end "
        f"of the {unit}, by country and nationality. One row per {unit} from the first record "
        "of a country and nationality to the latest period of the release; the latest period "
        "is provisional [p].",
        (
            period, _COUNTRY_ANY, _NATIONALITY,
            Field("detained", "integer", f"People detained in the {unit}: the sum of persons of "
                  f"the detentions dated in the {unit}.", required=True, minimum=0),
            _status("detained"),
            Field("repatriated", "integer", f"People repatriated from the country in the {unit}: "
                  f"the sum of persons of the repatriations dated in the {unit}, by "
                  "from_country.", required=True, minimum=0),
            _status("repatriated"),
            Field("died", "integer", f"Deaths recorded in the {unit}: the sum of persons of the "
                  "fatalities dated in the period, whatever their scam_link (the fatalities "
                  "table has it, to filter).", required=True, minimum=0),
            _status("died"),
            Field("held_at_end", "integer", f"People held at the end of the {unit}: detentions "
                  "up to that day minus repatriations from the country up to that day, for the "
                  "nationality. Empty, never negative or clipped, when the records cannot "
                  "support the figure [x] or when no detention or repatriation is recorded for "
                  "the country and nationality [z].", minimum=0),
            _status("held_at_end", "[x] not available: the stock computed from the records is "
                    "negative on a day up to the end of the period (see "
                    "reconciliation_findings); [z] not applicable; "),
            _NOTE,
        ),
        "summaries", ("period", "country", "nationality"),
        measures=("detained", "repatriated", "died", "held_at_end"),
        absent={"detained": 0, "repatriated": 0, "died": 0, "held_at_end": None},
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
        fields.append(_status(col, "[c] suppressed by the small-count rule (config/"
                                   "disclosure.yaml), primary or secondary; "))
    fields.append(Field("total", "integer", f"All people {what} (the sum of persons of the "
                        f"{source} records); never suppressed.", required=True, minimum=0))
    fields.append(_status("total"))
    fields.append(_NOTE)
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


RECONCILIATION = TableSpec(
    "reconciliation_findings",
    "Reconciliation findings: negative stocks",
    "Each day on which the people held in a country, of a nationality, computed as detentions "
    "minus repatriations up to that day, is negative: the records cannot support a stock there "
    "(people repatriated may have been detained before records began). Reported, never "
    "clipped; the summaries show held_at_end as [x] from that day on.",
    (
        Field("country", "string", "ISO 3166-1 alpha-3 code of the country of detention "
              "(from_country of the repatriations).", required=True, pattern=ISO3_PATTERN),
        _NATIONALITY,
        Field("date", "date", "Day on which the stock is negative (end of day).", required=True),
        Field("held", "integer", "The stock computed from the records: detained_to_date minus "
              "repatriated_to_date; negative.", required=True, maximum=-1),
        Field("detained_to_date", "integer", "People recorded as detained up to the day.",
              required=True, minimum=0),
        Field("repatriated_to_date", "integer", "People recorded as repatriated from the country "
              "up to the day.", required=True, minimum=0),
        Field("record_ids", "string", "Semicolon-separated record_ids of the detentions and "
              "repatriations of the country and nationality up to the day: the rows involved.",
              required=True),
    ),
    "quality", ("country", "nationality", "date"),
)

REVISIONS = TableSpec(
    "revisions",
    "Revisions since the previous release",
    "Every published cell of the summary and breakdown tables whose value differs from the "
    "previous release, for the periods both releases cover; flagged [r] in its table.",
    (
        Field("table", "string", "The table the cell belongs to.", required=True),
        Field("period", "string", "Period of the row.", required=True),
        Field("country", "string", "Country of the row.", required=True, pattern=ISO3_PATTERN),
        Field("nationality", "string", "Nationality of the row; empty for tables without "
              "nationality.", pattern=ISO3_PATTERN),
        Field("measure", "string", "The column that was revised.", required=True),
        Field("previous_value", "integer", "Value in the previous release; empty if it was not "
              "published there (suppressed, not available or not applicable).", minimum=0),
        Field("previous_status", "string", "Status in the previous release (GSS shorthand).",
              pattern=STATUS_PATTERN),
        Field("value", "integer", "Value in this release; empty if not published here.",
              minimum=0),
        Field("status", "string", "Status in this release (GSS shorthand).",
              pattern=STATUS_PATTERN),
        Field("previous_release", "string", "Release id of the previous release.",
              required=True),
        Field("note", "string", "Set when the row is new in this release or no longer in it "
              "(its values are then taken as the table's defaults: zero for counts)."),
    ),
    "changes",
)

CHANGELOG = TableSpec(
    "changelog",
    "Data changelog: records added, removed and changed",
    "Records of the event datasets and the source register added, removed or changed since "
    "the previous release, by identifier; one row per changed column.",
    (
        Field("dataset", "string", "The dataset.", required=True, values=ALL_DATASETS),
        Field("record_id", "string", "Identifier of the record (source_id for sources).",
              required=True),
        Field("change", "string", "added, removed or changed.", required=True,
              values=("added", "removed", "changed")),
        Field("column", "string", "For a change, the column that changed."),
        Field("previous_value", "string", "For a change, the value in the previous release."),
        Field("value", "string", "For a change, the value in this release."),
        Field("previous_release", "string", "Release id of the previous release.",
              required=True),
    ),
    "changes",
)


# --------------------------------------------------------------------------- status helpers


def add_flag(status: str | None, token: str) -> str:
    """``status`` with ``token`` added, in the canonical order of :data:`STATUS_ORDER`."""
    tokens = set((status or "").split()) | {token}
    return " ".join(t for t in STATUS_ORDER if t in tokens)


def add_note(note: str | None, text: str) -> str:
    return f"{note}; {text}" if note else text


# --------------------------------------------------------------------------- tables


def event_table(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> pl.DataFrame:
    """An event dataset or the source register, public columns only, by primary key."""
    cols = ", ".join(f'"{c}"' for c in spec.columns)
    order = ", ".join(f'"{c}"' for c in spec.primary_key)
    frame = con.sql(f'SELECT {cols} FROM "{spec.name}" ORDER BY {order}').pl()
    return frame.cast(spec.schema)


def first_event_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    return con.execute("SELECT min(d) FROM (SELECT min(event_date) d FROM detentions UNION ALL "
                   "SELECT min(event_date) FROM repatriations UNION ALL "
                   "SELECT min(event_date) FROM fatalities)").fetchall()[0][0]


def last_event_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    return con.execute("SELECT max(d) FROM (SELECT max(event_date) d FROM detentions UNION ALL "
                   "SELECT max(event_date) FROM repatriations UNION ALL "
                   "SELECT max(event_date) FROM fatalities)").fetchall()[0][0]


def summary_table(con: duckdb.DuckDBPyConnection, spec: TableSpec,
                  periods: Sequence[Period]) -> pl.DataFrame:
    """Flows in each period and the stock at its end, per country and nationality.

    A country and nationality has rows from the period of its first record on. held_at_end is
    ``[x]`` once the stock has been negative on any day up to the end of the period, ``[z]``
    when the pair has no detention or repatriation at all.
    """
    stock: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in con.sql("SELECT country, nationality, date, detained, repatriated, held "
                       "FROM stock ORDER BY country, nationality, date").fetchall():
        stock[(row[0], row[1])].append(row[2:])
    deaths: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in con.sql("SELECT country, nationality, event_date, sum(persons)::BIGINT "
                       "FROM fatalities GROUP BY ALL ORDER BY ALL").fetchall():
        deaths[(row[0], row[1])].append(row[2:])
    first = {}
    for pair in set(stock) | set(deaths):
        dates = [r[0] for r in stock.get(pair, [])] + [r[0] for r in deaths.get(pair, [])]
        first[pair] = min(dates)
    rows = []
    for period in periods:
        for pair in sorted(first):
            if first[pair] > period.end:
                continue
            flows = stock.get(pair, [])
            in_period = [r for r in flows if period.contains(r[0])]
            died = sum(r[1] for r in deaths.get(pair, []) if period.contains(r[0]))
            row = {
                "period": period.label, "country": pair[0], "nationality": pair[1],
                "detained": sum(r[1] for r in in_period), "detained_status": "",
                "repatriated": sum(r[2] for r in in_period), "repatriated_status": "",
                "died": died, "died_status": "",
                "held_at_end": None, "held_at_end_status": "", "note": "",
            }
            upto = flows[:bisect_right([r[0] for r in flows], period.end)]
            negative = next((r for r in upto if r[3] < 0), None)
            if not flows:
                row["held_at_end_status"] = "[z]"
                row["note"] = ("held_at_end not applicable: no detention or repatriation is "
                               "recorded for this country and nationality")
            elif negative is not None:
                row["held_at_end_status"] = "[x]"
                row["note"] = (f"held_at_end not available: the records give {negative[3]} "
                               f"held on {negative[0].isoformat()} (more people repatriated "
                               "than recorded as detained); see reconciliation_findings")
            else:
                row["held_at_end"] = upto[-1][3] if upto else 0
            rows.append(row)
    return pl.DataFrame(rows, schema=spec.schema) if rows else spec.empty()


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


def reconciliation_table(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    spec = RECONCILIATION
    cols = ", ".join(f'"{c}"' for c in spec.columns)
    return con.sql(f"SELECT {cols} FROM reconciliation_findings "
                   "ORDER BY country, nationality, date").pl().cast(spec.schema)


# --------------------------------------------------------------------------- revisions


def flag_revisions(frame: pl.DataFrame, spec: TableSpec, previous: pl.DataFrame | None,
                   previous_release: str | None, latest_period: str | None
                   ) -> tuple[pl.DataFrame, list[dict]]:
    """Flag ``[r]`` on cells changed since the previous release and ``[p]`` on the latest
    period; return the flagged frame and the rows of the revisions table.

    Only periods the previous release published are compared. A row missing from one of the two
    releases counts as the table's defaults (:attr:`TableSpec.absent`).
    """
    keys = list(spec.primary_key)
    rows = frame.to_dicts()
    revisions: list[dict] = []
    if previous is not None and previous_release is not None:
        prev_rows = {tuple(r.get(k) for k in keys): r for r in previous.to_dicts()}
        prev_periods = set(previous["period"].to_list()) if "period" in previous.columns else set()
        current_periods = {r["period"] for r in rows}
        current_keys = set()
        for row in rows:
            key = tuple(row[k] for k in keys)
            current_keys.add(key)
            if row["period"] not in prev_periods:
                continue
            old = prev_rows.get(key)
            revised = False
            for m in spec.measures:
                old_value = old.get(m) if old is not None else spec.absent.get(m)
                if old_value != row[m]:
                    revised = True
                    row[f"{m}_status"] = add_flag(row[f"{m}_status"], "[r]")
                    revisions.append(_revision(spec, row, m, old, old_value, row[m],
                                               previous_release, None if old is not None else
                                               "no row in the previous release"))
            if revised:
                row["note"] = add_note(row["note"], f"revised since release {previous_release}")
        for key, old in prev_rows.items():
            if key in current_keys or old["period"] not in current_periods:
                continue
            for m in spec.measures:
                new_value = spec.absent.get(m)
                if old.get(m) != new_value:
                    revisions.append(_revision(spec, old, m, old, old.get(m), new_value,
                                               previous_release, "no row in this release",
                                               status=""))
    for row in rows:
        if latest_period is not None and row["period"] == latest_period:
            for m in spec.measures:
                row[f"{m}_status"] = add_flag(row[f"{m}_status"], "[p]")
    # the revision rows carry the final status, [p] included
    final = {tuple(r[k] for k in keys): r for r in rows}
    for rev in revisions:
        row = final.get(tuple(rev.pop("_key")))
        if row is not None and rev["status"] is None:
            rev["status"] = row[f"{rev['measure']}_status"]
        rev["status"] = rev["status"] or None
        rev["previous_status"] = rev["previous_status"] or None
    out = pl.DataFrame(rows, schema=spec.schema) if rows else spec.empty()
    return out, revisions


def _revision(spec: TableSpec, row: dict, measure: str, old: dict | None, old_value, new_value,
              previous_release: str, note: str | None, status: str | None = None) -> dict:
    return {
        "_key": [row.get(k) for k in spec.primary_key],
        "table": spec.name, "period": row["period"], "country": row["country"],
        "nationality": row.get("nationality"), "measure": measure,
        "previous_value": old_value,
        "previous_status": (old or {}).get(f"{measure}_status"),
        "value": new_value, "status": status,
        "previous_release": previous_release, "note": note,
    }


def revisions_table(revisions: list[dict]) -> pl.DataFrame:
    spec = REVISIONS
    if not revisions:
        return spec.empty()
    order = {m: i for i, m in enumerate(("detained", "repatriated", "died", "held_at_end"))}
    rows = sorted(revisions, key=lambda r: (r["table"], r["period"], r["country"],
                                            r["nationality"] or "",
                                            order.get(r["measure"], 99), r["measure"]))
    return pl.DataFrame(rows, schema=spec.schema)


# --------------------------------------------------------------------------- changelog


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def changelog_table(current: dict[str, pl.DataFrame], previous: dict[str, pl.DataFrame],
                    specs: dict[str, TableSpec], previous_release: str | None) -> pl.DataFrame:
    """Records added, removed and changed (one row per changed column) since the previous
    release, by primary key, for the event datasets and the source register."""
    spec = CHANGELOG
    if previous_release is None:
        return spec.empty()
    rows = []
    for name in ALL_DATASETS:
        if name not in previous:
            continue
        key = specs[name].primary_key[0]
        cols = [c for c in specs[name].columns if c in previous[name].columns]
        new = {r[key]: r for r in current[name].to_dicts()}
        old = {r[key]: r for r in previous[name].to_dicts()}
        for rid in sorted(set(new) | set(old)):
            base = {"dataset": name, "record_id": rid, "column": None, "previous_value": None,
                    "value": None, "previous_release": previous_release}
            if rid not in old:
                rows.append(base | {"change": "added"})
            elif rid not in new:
                rows.append(base | {"change": "removed"})
            else:
                for col in cols:
                    a, b = _text(old[rid].get(col)), _text(new[rid].get(col))
                    if a != b:
                        rows.append(base | {"change": "changed", "column": col,
                                            "previous_value": a, "value": b})
    return pl.DataFrame(rows, schema=spec.schema).select(spec.columns) if rows else spec.empty()


# --------------------------------------------------------------------------- periods


def summary_periods(first: dt.date | None, period: Period) -> tuple[list[Period], list[Period]]:
    """Quarters and months from the first record to the release's period.

    A quarterly period ends both lists with itself and its last month; a monthly one ends the
    months with itself and the quarters with the last quarter that has ended by then.
    """
    from toolkit.periods import months_between, previous, quarters_between

    last_month = month_of(period.end)
    last_quarter = quarter_of(period.end)
    if last_quarter.end != period.end:
        last_quarter = previous(last_quarter)
    if first is None:
        return [], []
    quarters = quarters_between(first, last_quarter.end) if first <= last_quarter.end else []
    months = months_between(first, last_month.end) if first <= last_month.end else []
    return quarters, months
