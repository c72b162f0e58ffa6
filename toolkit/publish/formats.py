"""Writers for the published formats: CSV, Excel CSV, Parquet and the XLSX workbook.

All of them are deterministic: the same frame gives the same bytes.

CSV: UTF-8 without BOM, RFC 4180 (comma, double quotes doubled, CRLF line ends, a header row),
ISO 8601 dates, empty for missing values. The Excel variant is the same with a UTF-8 BOM.
In both, a text cell that starts with a formula trigger (``=``, ``+``, ``-``, ``@``, a tab or a
carriage return, or their full-width forms: :data:`toolkit.textsafety.FORMULA_TRIGGERS`) gets a
leading apostrophe (:func:`toolkit.textsafety.neutralise`) so that spreadsheet programs do not
run it as a formula; number and date columns are never touched, so negative numbers stay
numbers. Parquet and XLSX keep the text as it is: the workbook writes every text cell as a
string, never as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from toolkit.publish.specs import STATUS_MEANING, STATUS_ORDER, TableSpec
from toolkit.textsafety import neutralise

CSV_LINE_END = "\r\n"
BOM = "\ufeff"


def _cell(value, is_text: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if is_text:
        return neutralise(str(value))
    return str(value)


def csv_text(frame: pl.DataFrame, spec: TableSpec) -> str:
    """The published CSV of ``frame`` as text (no BOM)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=CSV_LINE_END, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(spec.columns)
    text_cols = [spec.field(c).is_text for c in spec.columns]
    for row in frame.select(spec.columns).iter_rows():
        writer.writerow([_cell(v, t) for v, t in zip(row, text_cols, strict=True)])
    return buf.getvalue()


def write_csv(frame: pl.DataFrame, spec: TableSpec, path: Path, *, bom: bool = False) -> Path:
    text = csv_text(frame, spec)
    path.write_bytes(((BOM if bom else "") + text).encode("utf-8"))
    return path


def arrow_table(frame: pl.DataFrame, spec: TableSpec, metadata: dict[str, str]) -> pa.Table:
    """``frame`` as an Arrow table with plain types (string, int64, date32) and descriptions."""
    types = {"string": pa.string(), "integer": pa.int64(), "date": pa.date32()}
    fields = [pa.field(f.name, types[f.type], nullable=not f.required,
                       metadata={"description": f.description}) for f in spec.fields]
    schema = pa.schema(fields, metadata=metadata)
    columns = [frame[f.name].to_arrow().cast(types[f.type]) for f in spec.fields]
    return pa.Table.from_arrays(columns, schema=schema)


def write_parquet(frame: pl.DataFrame, spec: TableSpec, path: Path,
                  metadata: dict[str, str]) -> Path:
    table = arrow_table(frame.select(spec.columns), spec, metadata)
    pq.write_table(table, path, compression="zstd", compression_level=9,
                   write_statistics=True, version="2.6", store_schema=True)
    return path


# --------------------------------------------------------------------------- names beside codes

#: The names added after each ISO code column: (suffix, language). Not "_name": a column named
#: like personal data is refused by the release's scan (toolkit.contracts.PERSONAL_DATA_COLUMN).
NAME_COLUMNS = (("_en", "en"), ("_ko", "ko"))


def place_name_fields(spec: TableSpec) -> TableSpec:
    """``spec`` with, after each ISO 3166-1 alpha-3 column (``country``, ``nationality``,
    ``from_country``), the country's name in English and in Korean (``country_en``,
    ``country_ko``); a spec that has them already is returned as it is."""
    from dataclasses import replace

    from toolkit.publish.specs import ISO3_PATTERN, Field

    fields: list = []
    names = {f.name for f in spec.fields}
    for f in spec.fields:
        fields.append(f)
        if f.pattern != ISO3_PATTERN:
            continue
        for suffix, lang in NAME_COLUMNS:
            if f"{f.name}{suffix}" in names:
                continue
            language = "English" if lang == "en" else "Korean"
            fields.append(Field(
                f"{f.name}{suffix}", "string",
                f"The name of {f.name} in {language}, from Unicode CLDR (through Babel); ALL is "
                "the total over every country or nationality, XXX several or unspecified.",
                required=f.required))
    return spec if len(fields) == len(spec.fields) else replace(spec, fields=tuple(fields))


def with_place_names(frame: pl.DataFrame, spec: TableSpec) -> tuple[pl.DataFrame, TableSpec]:
    """``frame`` and ``spec`` with each ISO code's names beside it (:func:`place_name_fields`):
    country names from :func:`toolkit.i18n.country_name`, nationalities from
    :func:`toolkit.i18n.nationality_name`. Call it on a table as published (after revisions
    and the changelog are made, so a change of a name is never a change of a record)."""
    from toolkit.i18n import country_name, nationality_name

    named = place_name_fields(spec)
    if named is spec:
        return frame, spec
    columns = []
    for f in spec.fields:
        if f"{f.name}_en" not in named.columns or f"{f.name}_en" in frame.columns:
            continue
        name = nationality_name if f.name == "nationality" else country_name
        codes = frame[f.name].unique().drop_nulls().to_list()
        for suffix, lang in NAME_COLUMNS:
            mapping = {c: name(c, lang) for c in codes}
            columns.append(pl.col(f.name).replace_strict(mapping, default=None,
                                                         return_dtype=pl.String)
                           .alias(f"{f.name}{suffix}"))
    frame = frame.with_columns(columns) if columns else frame
    return frame.select(named.columns), named


# --------------------------------------------------------------------------- workbook


@dataclass(frozen=True)
class WorkbookInfo:
    title: str
    release_id: str
    as_of: dt.date
    period_label: str
    next_release: str
    publisher: str
    contact: str
    licence: str
    citation: str
    description: str
    notes: Sequence[tuple[str, str]]  # (note, text) for the Notes sheet
    #: Links on the cover: (label, absolute address), e.g. the bulletin and the release page.
    links: Sequence[tuple[str, str]] = ()
    period_words: str = ""


#: Which columns each method note (by its heading, :func:`toolkit.publish.meta.method_notes`)
#: is about: their headers carry the note's reference.
NOTE_COLUMNS = {
    "Records": ("persons",),
    "Periods": ("period", "event_date", "date_precision"),
    "Coverage": ("detained", "repatriated", "died"),
    "Qualifiers": ("persons_qualifier", "detained_qualifier", "repatriated_qualifier",
                   "died_qualifier", "not_returned_at_end_qualifier", "recorded_qualifier"),
    "Totals": ("country", "nationality"),
    "Detained with no return recorded": ("not_returned_at_end", "not_returned", "recorded"),
    "Deaths": ("died",),
    "Disclosure control": ("age_band", "female", "male", "sex_unknown", "age_under_18",
                           "age_18_29", "age_30_39", "age_40_49", "age_50_59", "age_60_plus",
                           "age_unknown"),
    "Provisional": (),
    "Revisions": ("previous_value", "previous_status"),
}


def _width(values: Sequence[str], header: str) -> float:
    longest = max([min(len(header), 30), *(len(v) for v in values)] or [8])
    return min(max(longest + 2, 10), 60)


def _label_columns(spec: TableSpec) -> list[str]:
    """The enumerated columns whose values get a column of labels in the workbook."""
    from toolkit.i18n import KINDS
    from toolkit.publish.portal_words import EXTRA_LABELS, value_label

    def says_more(column: str, values: Sequence[str]) -> bool:
        return any(value_label(column, v, "en").lower() != v.replace("_", " ").lower()
                   for v in values)

    out = [f.name for f in spec.fields if f.values and (
        f.name in KINDS or f.name in EXTRA_LABELS or f.name.endswith("_qualifier")
        or f.name == "qualifier") and says_more(f.name, f.values)]
    if "reliability" in spec.columns and "reliability" not in out:
        out.append("reliability")  # grades 1 to 5, each a sentence
    return out


def write_workbook(path: Path, info: WorkbookInfo,
                   tables: Sequence[tuple[TableSpec, pl.DataFrame]]) -> Path:
    """One workbook laid out as the UK Government Statistical Service's guidance on releasing
    statistics in spreadsheets asks: a cover sheet (with links to the bulletin), contents,
    numbered notes, then one sheet per table, each with its title, the notes and the status
    shorthand it uses, and a single Excel table below (no merged cells, no blank rows), whose
    headers say what each column holds, in which unit, with references to the notes; labels
    beside every coded value; a missing value shows its shorthand. ``tables`` are as published
    in the other formats, names beside every country code (:func:`with_place_names`)."""
    wb = xlsxwriter.Workbook(str(path), {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    created = dt.datetime(info.as_of.year, info.as_of.month, info.as_of.day)
    wb.set_properties({"title": f"{info.title}, release {info.release_id}",
                       "author": info.publisher, "company": info.publisher,
                       "comments": info.citation, "created": created})
    title = wb.add_format({"bold": True, "font_size": 15})
    bold = wb.add_format({"bold": True, "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    link = wb.add_format({"font_color": "#1f4e79", "underline": 1, "valign": "top"})

    numbered = [(f"[note {i}]", heading, text)
                for i, (heading, text) in enumerate(info.notes, start=1)]
    refs = {heading: ref for ref, heading, _ in numbered}

    cover = wb.add_worksheet("Cover")
    cover.write_string(0, 0, f"{info.title}: {info.period_words or info.period_label}", title)
    lines = [
        ("About these statistics", info.description),
        ("Period", f"{info.period_words or info.period_label} ({info.period_label}); its "
                   "figures are provisional [p]"),
        ("Published", f"{info.as_of.isoformat()} (release {info.release_id}, data as of that "
                      "day)"),
        ("Next release", info.next_release),
    ]
    row = 1
    for label_text, text in lines:
        cover.write_string(row, 0, label_text, bold)
        cover.write_string(row, 1, text, wrap)
        row += 1
    for label_text, url in info.links:
        cover.write_string(row, 0, label_text, bold)
        cover.write_url(row, 1, url, link, string=url)
        row += 1
    for label_text, text in (
        ("Publisher", info.publisher), ("Contact", info.contact), ("Licence", info.licence),
        ("How to cite", info.citation),
        ("Contents", "The Contents worksheet lists the tables, one per worksheet."),
        ("Notes", "The Notes worksheet holds the notes the tables refer to as [note 1], "
                  "[note 2] and so on; each table says which shorthand it uses, such as [p] "
                  "provisional, and what it means."),
    ):
        cover.write_string(row, 0, label_text, bold)
        cover.write_string(row, 1, text, wrap)
        row += 1
    cover.set_column(0, 0, 22)
    cover.set_column(1, 1, 100)

    contents = wb.add_worksheet("Contents")
    contents.write_string(0, 0, "Contents", title)
    contents.write_string(1, 0, "This worksheet contains one table.")
    contents.add_table(2, 0, 2 + max(len(tables), 1), 2, {
        "name": "t_contents", "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": h} for h in ("Worksheet", "Table", "Number of rows")]})
    for i, (spec, frame) in enumerate(tables, start=3):
        contents.write_url(i, 0, f"internal:'{spec.name}'!A1", link, string=spec.name)
        contents.write_string(i, 1, spec.title)
        contents.write_number(i, 2, frame.height)
    contents.set_column(0, 0, 26)
    contents.set_column(1, 1, 70)
    contents.set_column(2, 2, 16)

    notes = wb.add_worksheet("Notes")
    notes.write_string(0, 0, "Notes", title)
    notes.write_string(1, 0, "This worksheet contains one table. Column headers of the tables "
                             "refer to these notes.")
    notes.add_table(2, 0, 2 + max(len(numbered), 1), 2, {
        "name": "t_notes", "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": h} for h in ("Note number", "Note", "Note text")]})
    for i, (ref, heading, text) in enumerate(numbered, start=3):
        notes.write_string(i, 0, ref)
        notes.write_string(i, 1, heading)
        notes.write_string(i, 2, text, wrap)
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 30)
    notes.set_column(2, 2, 110)

    for spec, frame in tables:
        _table_sheet(wb, spec, frame, info, refs, title, date_fmt)
    wb.close()
    return path


def _note_refs(column: str, refs: dict[str, str]) -> list[str]:
    status = column.endswith("_status") and column != "previous_status"
    return [refs[heading] for heading, columns in NOTE_COLUMNS.items()
            if heading in refs and (column in columns
                                    or status and heading in ("Provisional", "Revisions"))]


def _table_sheet(wb, spec: TableSpec, frame: pl.DataFrame, info: WorkbookInfo,
                 refs: dict[str, str], title_fmt, date_fmt) -> None:
    from toolkit.publish.portal_words import header, value_label

    labelled = set(_label_columns(spec))
    # (column of the frame or None, header, kind, label of column)
    layout: list[tuple[str, str, str, str | None]] = []
    for f in spec.fields:
        notes = _note_refs(f.name, refs)
        text = header(f.name, "en") + "".join(f" {r}" for r in notes)
        layout.append((f.name, text, f.type, None))
        if f.name in labelled:
            layout.append((f.name, f"{header(f.name, 'en')}: in words", "string", f.name))
    used_notes = sorted({r for f in spec.fields for r in _note_refs(f.name, refs)},
                        key=lambda r: int(r.split()[1].rstrip("]")))
    status_cols = [c for c in spec.columns if c.endswith("status")]
    used = {t for c in status_cols for v in frame[c].drop_nulls().to_list() for t in v.split()}
    shorthand = [f"{t} {STATUS_MEANING[t]}" for t in STATUS_ORDER if t in used]

    ws = wb.add_worksheet(spec.name)
    ws.write_string(0, 0, spec.title, title_fmt)
    about = "This worksheet contains one table."
    if used_notes:
        about += f" Notes: {', '.join(used_notes)} (Notes worksheet)."
    if shorthand:
        about += " Shorthand used in this table: " + "; ".join(shorthand) + "."
    ws.write_string(1, 0, about)
    ws.write_string(2, 0, spec.description)
    ws.write_string(3, 0, f"Source: {info.publisher}, release {info.release_id} "
                          f"(data as of {info.as_of.isoformat()}).")
    header_row = 4
    statuses = {m: f"{m}_status" for m in spec.measures}
    names = spec.columns
    data = frame.select(names).rows()
    for j, (column, text, kind, of) in enumerate(layout):
        src = names.index(column)
        status_col = names.index(statuses[column]) if column in statuses and of is None \
            else None
        for i, row in enumerate(data, start=header_row + 1):
            value = row[src]
            if value is None:
                shown = None
                if status_col is not None and row[status_col]:
                    shown = next((t for t in row[status_col].split()
                                  if t in ("[c]", "[x]", "[z]")), None)
                if shown:
                    ws.write_string(i, j, shown)
                else:
                    ws.write_blank(i, j, None)
            elif of is not None:
                ws.write_string(i, j, value_label(of, value, "en"))
            elif kind == "integer":
                ws.write_number(i, j, value)
            elif kind == "date":
                ws.write_datetime(i, j, dt.datetime(value.year, value.month, value.day),
                                  date_fmt)
            else:
                ws.write_string(i, j, str(value))
        shown = [str(v) for v in frame[column].head(200).to_list() if v is not None]
        ws.set_column(j, j, _width(shown, text))
    headers = [text for _, text, _, _ in layout]
    if data:
        ws.add_table(header_row, 0, header_row + len(data), len(layout) - 1, {
            "name": f"t_{spec.name}", "style": "Table Style Light 1", "autofilter": True,
            "columns": [{"header": h} for h in headers],
        })
    else:
        ws.write_row(header_row, 0, headers, wb.add_format({"bold": True}))
        ws.write_string(header_row + 1, 0, "No rows in this release.")
    ws.freeze_panes(header_row + 1, 1)
