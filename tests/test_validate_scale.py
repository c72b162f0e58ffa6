"""A return with one wrong cell among thousands: one error that says where and what."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import AS_OF, base_rows
from typer.testing import CliRunner

from toolkit.checks import validate
from toolkit.cli import app

ROWS = 5_000
BAD_INDEX = 3_140  # 0-based record: file row 3,142 (the header is row 1)
COUNTRIES = ["THA", "LAO", "MMR", "PHL", "MYS"]
NATIONALITIES = ["CHN", "VNM", "IDN", "IND", "KEN", "UGA", "ETH", "NPL"]


def generated() -> pl.DataFrame:
    header = base_rows("detentions")[0]
    start = dt.date(2025, 1, 1)
    rows = [{
        "record_id": f"DET-GEN-{i:05d}",
        "event_date": (start + dt.timedelta(days=i % 360)).isoformat(),
        "date_precision": "day",
        "country": COUNTRIES[i % len(COUNTRIES)],
        "location": f"compound {i % 97}",
        "nationality": NATIONALITIES[i % len(NATIONALITIES)],
        "persons": str(i + 1),  # all different: no possible duplicates
        "females": str(i % 3),
        "reason": "rescued_victim",
        "source_id": "SRC-002",
        "notes": "generated, with a comma" if i % 10 == 0 else None,
    } for i in range(ROWS)]
    rows[BAD_INDEX]["event_date"] = "2025-09-31"
    return pl.DataFrame(rows, schema={h: pl.String for h in header})


def write(frame: pl.DataFrame, path, fmt: str) -> None:
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "parquet":
        frame.write_parquet(path)
    else:
        frame.write_excel(path, worksheet="detentions", autofit=False)


# A workbook of thousands of rows takes seconds to write and read: the full suite reads it.
@pytest.mark.slow  # thousands of rows in each format
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_one_wrong_cell_among_thousands(fmt, make_raw):
    raw = make_raw(f"detentions-one-bad-date-{fmt}")
    name = f"detentions/detentions-5000-rows-one-bad-date.{fmt}"
    write(generated(), raw / name, fmt)
    result = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.row, f.column, f.value, f.message)
            for f in result.report.sorted()] == [
        ("type_date", name, BAD_INDEX + 2, "event_date", "2025-09-31",
         "'2025-09-31' is not a real day: September 2025 has 30 days"),
    ]
    assert result.tables["detentions"].height == ROWS + 2
    cli = CliRunner().invoke(app, ["validate", "--raw", str(raw), "--as-of", AS_OF.isoformat()])
    assert cli.exit_code == 1
    assert cli.stdout.splitlines()[-1] == "The data is invalid: 1 error, 0 warnings."
    assert "row 3142, column event_date" in cli.stdout
