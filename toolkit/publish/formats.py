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


def _width(values: Sequence[str], header: str) -> float:
    longest = max([len(header), *(len(v) for v in values)] or [8])
    return min(max(longest + 2, 8), 60)


def write_workbook(path: Path, info: WorkbookInfo,
                   tables: Sequence[tuple[TableSpec, pl.DataFrame]]) -> Path:
    """One workbook laid out as official statistics tables are: a cover sheet, contents, notes,
    then one sheet per table, each with its title above a single Excel table (no merged cells,
    no blank rows), missing values shown with their shorthand."""
    wb = xlsxwriter.Workbook(str(path), {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    created = dt.datetime(info.as_of.year, info.as_of.month, info.as_of.day)
    wb.set_properties({"title": f"{info.title}, release {info.release_id}",
                       "author": info.publisher, "company": info.publisher,
                       "comments": info.citation, "created": created})
    title = wb.add_format({"bold": True, "font_size": 15})
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    link = wb.add_format({"font_color": "#1f4e79", "underline": 1})

    cover = wb.add_worksheet("Cover")
    cover.write_string(0, 0, f"{info.title}, release {info.release_id}", title)
    lines = [
        ("Description", info.description),
        ("Release", info.release_id),
        ("Data as of", info.as_of.isoformat()),
        ("Latest period", f"{info.period_label} (provisional [p])"),
        ("Next release", info.next_release),
        ("Publisher", info.publisher),
        ("Contact", info.contact),
        ("Licence", info.licence),
        ("How to cite", info.citation),
        ("Contents", "The Contents sheet lists the tables; the Notes sheet explains the "
                     "shorthand in the status columns and how figures are derived."),
    ]
    for i, (label, text) in enumerate(lines, start=1):
        cover.write_string(i, 0, label, bold)
        cover.write_string(i, 1, text, wrap)
    cover.set_column(0, 0, 16)
    cover.set_column(1, 1, 100)

    contents = wb.add_worksheet("Contents")
    contents.write_string(0, 0, "Contents", title)
    contents.write_string(1, 0, "This worksheet contains one table.")
    contents.write_row(2, 0, ["Sheet", "Table", "Rows"], bold)
    for i, (spec, frame) in enumerate(tables, start=3):
        contents.write_url(i, 0, f"internal:'{spec.name}'!A1", link, string=spec.name)
        contents.write_string(i, 1, spec.title)
        contents.write_number(i, 2, frame.height)
    contents.set_column(0, 0, 26)
    contents.set_column(1, 1, 60)

    notes = wb.add_worksheet("Notes")
    notes.write_string(0, 0, "Notes", title)
    notes.write_string(1, 0, "This worksheet contains one table.")
    notes.write_row(2, 0, ["Note", "Text"], bold)
    rows = [(t, STATUS_MEANING[t]) for t in STATUS_ORDER] + list(info.notes)
    for i, (note, text) in enumerate(rows, start=3):
        notes.write_string(i, 0, note)
        notes.write_string(i, 1, text, wrap)
    notes.set_column(0, 0, 18)
    notes.set_column(1, 1, 110)

    for spec, frame in tables:
        _table_sheet(wb, spec, frame, info, title, date_fmt)
    wb.close()
    return path


def _table_sheet(wb, spec: TableSpec, frame: pl.DataFrame, info: WorkbookInfo, title_fmt,
                 date_fmt) -> None:
    ws = wb.add_worksheet(spec.name)
    ws.write_string(0, 0, spec.title, title_fmt)
    ws.write_string(1, 0, "This worksheet contains one table. Status columns use the shorthand "
                          "explained in the Notes sheet.")
    ws.write_string(2, 0, spec.description)
    ws.write_string(3, 0, f"Source: {info.publisher}, release {info.release_id} "
                          f"(data as of {info.as_of.isoformat()}).")
    header_row = 4
    cols = spec.columns
    statuses = {m: f"{m}_status" for m in spec.measures}
    data = frame.select(cols).rows()
    for j, name in enumerate(cols):
        kind = spec.field(name).type
        status_col = cols.index(statuses[name]) if name in statuses else None
        for i, row in enumerate(data, start=header_row + 1):
            value = row[j]
            if value is None:
                shown = None
                if status_col is not None and row[status_col]:
                    shown = next((t for t in row[status_col].split()
                                  if t in ("[c]", "[x]", "[z]")), None)
                if shown:
                    ws.write_string(i, j, shown)
                else:
                    ws.write_blank(i, j, None)
            elif kind == "integer":
                ws.write_number(i, j, value)
            elif kind == "date":
                ws.write_datetime(i, j, dt.datetime(value.year, value.month, value.day),
                                  date_fmt)
            else:
                ws.write_string(i, j, str(value))
        shown = [str(v) for v in frame[name].head(200).to_list() if v is not None]
        ws.set_column(j, j, _width(shown, name))
    if data:
        ws.add_table(header_row, 0, header_row + len(data), len(cols) - 1, {
            "name": f"t_{spec.name}", "style": "Table Style Light 1", "autofilter": True,
            "columns": [{"header": c} for c in cols],
        })
    else:
        ws.write_row(header_row, 0, cols, wb.add_format({"bold": True}))
        ws.write_string(header_row + 1, 0, "No rows in this release.")
    ws.freeze_panes(header_row + 1, 0)
