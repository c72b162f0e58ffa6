"""What each published table holds: its :class:`TableSpec`, the one description of the table.

The CSV, Parquet and XLSX writers, the data dictionary, ``datapackage.json`` and the portal page
all read the specs; the event datasets' specs are derived from their contracts in ``schemas/``.

Status columns hold GSS shorthand, space-separated, in the order of :data:`STATUS_ORDER`:
``[c]`` suppressed, ``[x]`` not available, ``[z]`` not applicable, ``[r]`` revised since the
previous release, ``[p]`` provisional (the latest period of a table). Empty when none applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from toolkit.contracts import ALL_DATASETS, Contract

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


def status_field(measure: str, extra: str = "") -> Field:
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
NOTE = Field("note", "string", "Why a figure is not available or not applicable, and whether "
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
            status_field("detained"),
            Field("repatriated", "integer", f"People repatriated from the country in the {unit}: "
                  f"the sum of persons of the repatriations dated in the {unit}, by "
                  "from_country.", required=True, minimum=0),
            status_field("repatriated"),
            Field("died", "integer", f"Deaths recorded in the {unit}: the sum of persons of the "
                  "fatalities dated in the period, whatever their scam_link (the fatalities "
                  "table has it, to filter).", required=True, minimum=0),
            status_field("died"),
            Field("held_at_end", "integer", f"People held at the end of the {unit}: detentions "
                  "up to that day minus repatriations from the country up to that day, for the "
                  "nationality. Empty, never negative or clipped, when the records cannot "
                  "support the figure [x] or when no detention or repatriation is recorded for "
                  "the country and nationality [z].", minimum=0),
            status_field("held_at_end", "[x] not available: the stock computed from the records is "
                    "negative on a day up to the end of the period (see "
                    "reconciliation_findings); [z] not applicable; "),
            NOTE,
        ),
        "summaries", ("period", "country", "nationality"),
        measures=("detained", "repatriated", "died", "held_at_end"),
        absent={"detained": 0, "repatriated": 0, "died": 0, "held_at_end": None},
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
