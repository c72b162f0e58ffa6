"""The warehouse: a real DuckDB file, derived from the contracts, replaced atomically.

The tests that only read the shipped data's warehouse share one load (``shipped``); those that
check a load over a previous warehouse start from a copy of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import SHIPPED_AS_OF as AS_OF

from toolkit import warehouse
from toolkit.checks import FIELDS, validate
from toolkit.contracts import load_contracts
from toolkit.warehouse import Staging

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "raw"


def load(raw: Path, out: Path, as_of: dt.date = AS_OF) -> Path:
    result = validate(raw, as_of, out_dir=out)
    assert result.report.exit_code == 0, result.report.summary()
    return result.warehouse


def previous(shipped, out: Path) -> Path:
    """A copy of the shipped warehouse in ``out``, as a previous load leaves it."""
    out.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(shipped.warehouse, out / shipped.warehouse.name))


def test_load_writes_every_dataset_with_its_rows(shipped):
    path = shipped.warehouse
    assert sorted(p.name for p in path.parent.iterdir()) == ["warehouse.duckdb"]
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


def test_warehouse_tables_hold_the_contract_columns_with_their_types(shipped):
    con = duckdb.connect(str(shipped.warehouse), read_only=True)
    for name, contract in load_contracts().items():
        columns = con.execute("select column_name, data_type from information_schema.columns "
                              "where table_name = ? order by ordinal_position",
                              [name]).fetchall()
        assert columns == [(c.name, c.duckdb_type) for c in contract.columns] + [
            ("__file", "VARCHAR"), ("__row", "BIGINT"), ("__line", "BIGINT")]


def test_every_key_is_unique_in_the_loaded_tables(shipped):
    con = duckdb.connect(str(shipped.warehouse), read_only=True)
    for table in ("sources", "detentions", "repatriations", "fatalities"):
        key = "source_id" if table == "sources" else "record_id"
        total, distinct = con.execute(
            f"select count(*), count(distinct {key}) from {table}").fetchone()
        assert total == distinct > 0


def test_not_returned_view_is_never_clipped_and_findings_list_the_rows(shipped):
    con = duckdb.connect(str(shipped.warehouse), read_only=True)
    value = con.execute("select not_returned from not_returned where country='KHM' "
                        "and nationality='KOR' and date='2026-01-23'").fetchone()[0]
    # 57 + 33 + 5 detained; 2 + 2 + 64 + 73 repatriated (the shipped rows).
    assert value == 57 + 33 + 5 - (2 + 2 + 64 + 73) == -46
    ids = con.execute("select record_ids from reconciliation_findings where country='THA' "
                      "and nationality='IND'").fetchone()[0]
    assert ids == "REP-2025-0010"


def test_the_warehouse_holds_the_report_as_its_findings_table(shipped):
    result = shipped
    con = duckdb.connect(str(result.warehouse), read_only=True)
    order = ("severity <> 'error', file, coalesce(\"row\", 0), coalesce(\"column\", ''), "
             "rule, coalesce(value, ''), message")
    assert con.execute(f"SELECT * FROM findings ORDER BY {order}").fetchall() == [
        tuple(r.values()) for r in result.report.to_records()]
    assert [(c[0], c[1]) for c in con.execute("DESCRIBE findings").fetchall()] == [
        (f, "BIGINT" if f == "row" else "VARCHAR") for f in FIELDS]
    assert len(result.report.to_records()) == 8


def test_invalid_data_leaves_the_previous_warehouse_intact(tmp_path, make_raw, shipped):
    path = previous(shipped, tmp_path)
    before = path.read_bytes()
    broken = make_raw("broken", {"detentions/more.csv": "record_id,persons\nDET-9,x\n"})
    result = validate(broken, AS_OF, out_dir=tmp_path)
    assert result.report.exit_code == 1 and result.warehouse is None
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "broken") == [
        "warehouse.duckdb"]


def test_a_load_that_fails_midway_leaves_the_previous_warehouse_intact(tmp_path, monkeypatch,
                                                                       shipped):
    path = previous(shipped, tmp_path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Staging, "finish", boom)
    with pytest.raises(OSError, match="No space left"):
        validate(SHIPPED, AS_OF, out_dir=tmp_path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]


@pytest.mark.slow  # loads twice
def test_load_over_a_copy_replaces_it(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SHIPPED, raw)
    first = load(raw, tmp_path / "out")
    fatalities = (SHIPPED / "fatalities" / "fatalities-2025.csv").read_text().splitlines()
    (raw / "fatalities" / "fatalities-2025.csv").write_text("\n".join(fatalities[:2]) + "\n")
    second = load(raw, tmp_path / "out")
    assert first == second
    con = duckdb.connect(str(second), read_only=True)
    assert con.execute("select count(*) from fatalities").fetchone()[0] == 1


def test_connect_explains_a_missing_warehouse(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `toolkit load` first"):
        warehouse.connect(tmp_path)
