"""The warehouse: a real DuckDB file, derived from the contracts, replaced atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from toolkit import warehouse
from toolkit.validate import validate

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "raw"
AS_OF = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def shipped():
    return validate(SHIPPED, AS_OF)


def test_load_writes_every_dataset_with_its_rows(shipped, tmp_path):
    path = warehouse.write_warehouse(shipped, SHIPPED, tmp_path)
    con = duckdb.connect(str(path), read_only=True)
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("sources", "detentions", "repatriations", "fatalities")}
    # Independent count: data lines of each shipped CSV (no multi-line cells in them).
    expected = {
        "sources": len((SHIPPED / "sources.csv").read_text().splitlines()) - 1,
        "detentions": len((SHIPPED / "detentions/detentions-2024-2025.csv")
                          .read_text().splitlines()) - 1,
        "repatriations": len((SHIPPED / "repatriations/repatriations-2024-2026.csv")
                             .read_text().splitlines()) - 1,
        "fatalities": len((SHIPPED / "fatalities/fatalities-2025.csv").read_text()
                          .splitlines()) - 1,
    }
    assert counts == expected
    as_of = con.execute("select value from load_info where key='as_of'").fetchone()[0]
    assert as_of == "2026-11-28"
    digest = hashlib.sha256((SHIPPED / "sources.csv").read_bytes()).hexdigest()
    stored = con.execute("select sha256 from raw_files where file='sources.csv'").fetchone()[0]
    assert stored == digest


def test_warehouse_types_come_from_the_contract(shipped, tmp_path):
    con = duckdb.connect(str(warehouse.write_warehouse(shipped, SHIPPED, tmp_path)))
    types = dict(con.execute("select column_name, data_type from information_schema.columns "
                         "where table_name='repatriations'").fetchall())
    assert types["event_date"] == "DATE" and types["persons"] == "BIGINT"
    with pytest.raises(duckdb.ConstraintException):
        con.execute("update repatriations set mode='bicycle' where record_id='REP-2025-0001'")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("update repatriations set arrested_on_arrival=persons+1 "
                    "where record_id='REP-2025-0009'")


def test_every_key_is_unique_in_the_loaded_tables(shipped, tmp_path):
    con = duckdb.connect(str(warehouse.write_warehouse(shipped, SHIPPED, tmp_path)))
    for table in ("sources", "detentions", "repatriations", "fatalities"):
        key = "source_id" if table == "sources" else "record_id"
        total, distinct = con.execute(
            f"select count(*), count(distinct {key}) from {table}").fetchone()
        assert total == distinct > 0


def test_stock_view_is_never_clipped_and_findings_list_the_rows(shipped, tmp_path):
    con = duckdb.connect(str(warehouse.write_warehouse(shipped, SHIPPED, tmp_path)))
    held = con.execute("select held from stock where country='KHM' and nationality='KOR' "
                   "and date='2026-01-23'").fetchone()[0]
    # 57 + 33 + 5 detained; 2 + 2 + 64 + 73 repatriated (the shipped rows).
    assert held == 57 + 33 + 5 - (2 + 2 + 64 + 73) == -46
    ids = con.execute("select record_ids from reconciliation_findings where country='THA' "
                  "and nationality='IND'").fetchone()[0]
    assert ids == "REP-2025-0010"


def test_a_failed_load_leaves_the_previous_warehouse_intact(shipped, tmp_path, monkeypatch):
    path = warehouse.write_warehouse(shipped, SHIPPED, tmp_path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(warehouse, "_write_findings", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        warehouse.write_warehouse(shipped, SHIPPED, tmp_path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]


def test_load_over_a_copy_replaces_it(shipped, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SHIPPED, raw)
    first = warehouse.write_warehouse(shipped, raw, tmp_path / "out")
    (raw / "fatalities" / "fatalities-2025.csv").write_text(
        (SHIPPED / "fatalities" / "fatalities-2025.csv").read_text().splitlines()[0] + "\n"
        + "\n".join((SHIPPED / "fatalities" / "fatalities-2025.csv").read_text()
                    .splitlines()[1:2]) + "\n")
    second = warehouse.write_warehouse(validate(raw, AS_OF), raw, tmp_path / "out")
    assert first == second
    con = duckdb.connect(str(second), read_only=True)
    assert con.execute("select count(*) from fatalities").fetchone()[0] == 1


def test_connect_explains_a_missing_warehouse(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `toolkit load` first"):
        warehouse.connect(tmp_path)


@pytest.mark.parametrize("as_lists", [0, 10**9], ids=["through Arrow", "as lists"])
def test_findings_are_written_alike_either_way(as_lists, monkeypatch):
    """Few findings go in as parameter lists (no Polars or pyarrow to import), many through
    Arrow: the same table either way, empty cells and odd text included."""
    from toolkit.errors import Finding, Report

    report = Report()
    report.extend([
        Finding("no_rows", "fatalities/f.csv", None, None, None, "the file has a header but "
                "no rows", "fatalities"),
        Finding("min", "detentions/a.csv", 3, "persons", "-20", "-20 is below 1", "detentions"),
        Finding("unsafe_text", "detentions/a.csv", 9_000_000_000, "notes", "'=1+1', \"x\"; é 한",
                "a formula", "detentions"),
    ])
    monkeypatch.setattr(warehouse, "FINDINGS_AS_LISTS", as_lists)
    con = duckdb.connect()
    warehouse._write_findings(con, report)
    assert con.execute("SELECT * FROM findings").fetchall() == [
        tuple(r.values()) for r in report.to_records()]
    assert [(c[0], c[1]) for c in con.execute("DESCRIBE findings").fetchall()] == [
        (f, "BIGINT" if f == "row" else "VARCHAR") for f in warehouse.FIELDS]


def test_the_duckdb_engine_loads_a_return_with_warnings_without_polars(tmp_path):
    """Polars is the Polars engine's: the DuckDB engine's clean path, warnings included,
    never imports it (0.35 s of start-up)."""
    import subprocess
    import sys

    script = (
        "import sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from toolkit.engine import validate_and_load\n"
        f"o = validate_and_load(Path({str(SHIPPED)!r}), dt.date(2026, 11, 28),\n"
        f"                      out_dir=Path({str(tmp_path)!r}), engine='duckdb')\n"
        "assert o.engine == 'duckdb' and o.report.warnings and o.warehouse, o.handed_over\n"
        "print('polars' in sys.modules, 'pandera' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]
