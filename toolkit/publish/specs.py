"""What each published table holds: its :class:`TableSpec`, the one description of the table.

The CSV, Parquet and XLSX writers, the data dictionary, ``datapackage.json`` and the portal page
all read the specs; the event datasets' specs are derived from their contracts in ``schemas/``.

Status columns hold GSS shorthand, space-separated, in the order of :data:`STATUS_ORDER`:
``[c]`` suppressed, ``[x]`` not available (or not collected), ``[z]`` not applicable, ``[u]`` low
reliability, ``[r]`` revised since the previous release, ``[p]`` provisional (the latest period
of a table). Empty when none applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from toolkit.contracts import ALL_DATASETS, Contract

STATUS_ORDER = ("[c]", "[x]", "[z]", "[u]", "[r]", "[p]")
STATUS_MEANING = {
    "[c]": "confidential: suppressed by the small-count rule (disclosure control)",
    "[x]": "not available: the records cannot support a figure (see the note)",
    "[z]": "not applicable",
    "[u]": "low reliability: a figure derived from incomplete records (see its definition)",
    "[r]": "revised since the previous release (the revisions table has the old value)",
    "[p]": "provisional: the latest period of the table, which later releases may revise",
}
STATUS_PATTERN = r"^(\[[cxzurp]\])( \[[cxzurp]\])*$"
ISO3_PATTERN = r"^[A-Z]{3}$"
#: How exact a count is (the persons_qualifier of the contracts).
QUALIFIERS = ("exact", "at_least", "about")
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
    "they were returned from (from_country of repatriations) or where they died (fatalities); "
    "ALL for the total over every country.",
    required=True, pattern=ISO3_PATTERN)
_NATIONALITY = Field(
    "nationality", "string",
    "ISO 3166-1 alpha-3 nationality of the people; XXX for groups of several or unknown "
    "nationalities; ALL for the total over every nationality.", required=True,
    pattern=ISO3_PATTERN)
NOTE = Field("note", "string", "Why a figure is not available, not applicable, partly "
             "collected or resting on imprecise dates, and whether the row was revised; empty "
             "otherwise.")


def qualifier_field(measure: str) -> Field:
    return Field(f"{measure}_qualifier", "string",
                 f"How exact {measure} is: exact; at_least when a record in it is a minimum "
                 "(a source's 'more than'), so the figure is a minimum; about when a record in "
                 "it is approximate. Empty when the figure is empty.",
                 values=QUALIFIERS)


#: The one-line definition of the derived measure, wherever it is published.
NOT_RETURNED_DEFINITION = (
    "People recorded as detained up to the end of the period minus people recorded as "
    "repatriated from the country up to then. Not a count of people held: the records hold no "
    "other release from custody and no one detained before they begin, so it is always marked "
    "low reliability [u], and it is negative where more people were recorded as repatriated "
    "than as detained.")


def summary_spec(kind: str) -> TableSpec:
    """``quarterly_summary`` or ``monthly_summary``."""
    quarterly = kind == "quarterly"
    unit = "quarter" if quarterly else "month"
    period = Field(
        "period", "string",
        "Calendar quarter, e.g. 2025-Q4 (Q1 = January to March)" if quarterly
        else "Calendar month, e.g. 2025-10", required=True,
        pattern=QUARTER_PATTERN if quarterly else MONTH_PATTERN)
    not_collected = ("[x] not collected: the period is outside the days the dataset covers, or "
                     "the nationality is not collected (config/coverage.yaml); ")
    return TableSpec(
        f"{kind}_summary",
        f"{'Quarterly' if quarterly else 'Monthly'} summary by country and nationality",
        f"People detained, repatriated and dead in each {unit}, and people detained with no "
        f"return recorded at the end of the {unit} [u], by country and nationality, with "
        f"totals over countries and nationalities (ALL). One row per {unit} from the first "
        "record of a group to the latest period of the release; a record counts in the period "
        "of its event_date. The latest quarter, and its months, are provisional [p].",
        (
            period, _COUNTRY_ANY, _NATIONALITY,
            Field("detained", "integer", f"People detained in the {unit}: the sum of persons of "
                  f"the detentions dated in the {unit}. Empty when not collected [x].",
                  minimum=0),
            qualifier_field("detained"),
            status_field("detained", not_collected),
            Field("repatriated", "integer", f"People repatriated from the country in the {unit}: "
                  f"the sum of persons of the repatriations dated in the {unit}, by "
                  "from_country. Empty when not collected [x].", minimum=0),
            qualifier_field("repatriated"),
            status_field("repatriated", not_collected),
            Field("died", "integer", f"Deaths recorded in the {unit}: the sum of persons of the "
                  f"fatalities dated in the {unit}, whatever their scam_link (the fatalities "
                  "table has it, to filter). Empty when not collected [x].", minimum=0),
            qualifier_field("died"),
            status_field("died", not_collected),
            Field("not_returned_at_end", "integer",
                  f"Detained with no return recorded at the end of the {unit} [u]: "
                  + NOT_RETURNED_DEFINITION + " Empty when detentions or repatriations do "
                  "not cover the day [x], or when no detention or repatriation is recorded for "
                  "the group [z]."),
            qualifier_field("not_returned_at_end"),
            status_field("not_returned_at_end",
                         "[u] low reliability (always, where there is a figure); [x] not "
                         "available: detentions or repatriations do not cover the last day of "
                         "the period; [z] not applicable; "),
            NOTE,
        ),
        "summaries", ("period", "country", "nationality"),
        measures=("detained", "repatriated", "died", "not_returned_at_end"),
        absent={"detained": 0, "repatriated": 0, "died": 0, "not_returned_at_end": None},
    )


RECONCILIATION = TableSpec(
    "reconciliation_findings",
    "Reconciliation findings: more people repatriated than detained",
    "Each day on which, in a country and for a nationality, more people were recorded as "
    "repatriated than as detained up to that day, even counting each detention from the "
    "first day its date may stand for (a record dated to a month counts from the month's "
    "start): the records lack detentions there, for example people detained before the "
    "records begin. Reported, never clipped.",
    (
        Field("country", "string", "ISO 3166-1 alpha-3 code of the country of detention "
              "(from_country of the repatriations).", required=True, pattern=ISO3_PATTERN),
        Field("nationality", "string", "ISO 3166-1 alpha-3 nationality of the people; XXX for "
              "several or unknown nationalities.", required=True, pattern=ISO3_PATTERN),
        Field("date", "date", "Day on which the difference is negative (end of day).",
              required=True),
        Field("not_returned", "integer", "Detained with no return recorded at the end of the "
              "day: detained_to_date minus repatriated_to_date; negative.", required=True,
              maximum=-1),
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

COMPARISONS = TableSpec(
    "reported_vs_recorded",
    "Figures reported by authorities beside the counts from the records",
    "Each figure an authority reported (reported_figures) that the records can be set "
    "against: people held on a date beside those detained with no return recorded on that "
    "day [u]; arrests or deportations over a period beside the people recorded as detained or "
    "repatriated in it. The two never measure quite the same thing; the finding says how they "
    "differ.",
    (
        Field("record_id", "string", "The reported figure (reported_figures.record_id).",
              required=True),
        Field("indicator", "string", "What the authority counts.", required=True,
              values=("held_on_date", "arrests", "deportations")),
        Field("country", "string", "ISO 3166-1 alpha-3 code of the country; XXX for several.",
              required=True, pattern=ISO3_PATTERN),
        Field("nationality", "string", "ISO 3166-1 alpha-3 nationality; XXX for several or not "
              "given (then the records of every nationality are counted).", required=True,
              pattern=ISO3_PATTERN),
        Field("period_start", "date", "First day of the period of a count over a period."),
        Field("date", "date", "The day the figure refers to (the last day of its period).",
              required=True),
        Field("reported", "integer", "The figure as the authority gives it.", required=True,
              minimum=0),
        Field("reported_qualifier", "string", "How the authority words it.", required=True,
              values=("exact", "at_least", "about", "at_most", "estimate")),
        Field("recorded_measure", "string", "What the records give beside it.", required=True,
              values=("not_returned", "detained", "repatriated")),
        Field("recorded", "integer", "The figure from the records; empty when the records do "
              "not cover the days it needs."),
        Field("recorded_qualifier", "string", "How exact the records' figure is.",
              values=QUALIFIERS),
        Field("difference", "integer", "recorded minus reported; empty when either is."),
        Field("finding", "string", "agree, records_lower, records_higher, or not_covered when "
              "the records do not cover every day the figure needs.", required=True,
              values=("agree", "records_lower", "records_higher", "not_covered")),
        Field("explanation", "string", "The finding in one sentence.", required=True),
        Field("source_id", "string", "The reported figure's source (sources.source_id).",
              required=True),
    ),
    "quality", ("record_id",),
    foreign_keys=(("record_id", "reported_figures", "record_id"),
                  ("source_id", "sources", "source_id")),
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
