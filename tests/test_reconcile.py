"""Stock-flow reconciliation: held = detentions minus repatriations, never clipped."""

from __future__ import annotations

import contextlib
import datetime as dt

import duckdb
import polars as pl
import pytest
from conftest import SHIPPED_RAW
from hypothesis import example, given, settings
from hypothesis import strategies as st

from toolkit import reconcile
from toolkit.errors import EXIT_OK
from toolkit.reconcile import (
    ANY_NEGATIVE_CODED_SQL,
    NEGATIVE_COUNT_SQL,
    STOCK_SQL,
    any_negative_coded,
    check_stock_flow,
    stock_findings_frame,
)
from toolkit.validate import validate
from toolkit.warehouse import iso3_type_ddl

SHIPPED_AS_OF = dt.date(2026, 1, 31)
REPATRIATIONS = "repatriations/repatriations-2024-2026.csv"


@pytest.fixture(scope="module")
def shipped():
    return validate(SHIPPED_RAW, SHIPPED_AS_OF)


def test_the_shipped_data_is_valid_with_its_reconciliation_warnings(shipped):
    assert shipped.report.exit_code == EXIT_OK
    negative = [(f.file, f.row, f.column, f.value) for f in shipped.report.sorted()
                if f.rule == "negative_stock"]
    assert negative == [(REPATRIATIONS, row, "persons", held) for row, held in [
        (3, "-200"), (4, "-84"), (5, "-10"), (6, "-283"), (7, "-638"), (8, "-161"),
        (12, "-270"), (14, "-46")]]
    assert all(f.severity == "warning" for f in shipped.report.findings)


def test_korean_nationals_in_cambodia_go_negative_with_every_row_involved(shipped):
    [finding] = [f for f in shipped.report.findings
                 if f.rule == "negative_stock" and "KHM of nationality KOR" in f.message]
    assert (finding.file, finding.row, finding.value) == (REPATRIATIONS, 14, "-46")
    assert finding.message == (
        "held in KHM of nationality KOR on 2026-01-23 would be -46 (95 detained minus 141 "
        "repatriated); rows involved: DET-2025-0009, DET-2025-0011, REP-2025-0007, "
        "REP-2025-0008, DET-2025-0012, REP-2025-0009, REP-2026-0001")


def stock(detentions: pl.DataFrame, repatriations: pl.DataFrame) -> pl.DataFrame:
    con = duckdb.connect(":memory:")
    con.register("detentions", detentions.to_arrow())
    con.register("repatriations", repatriations.to_arrow())
    return con.sql(STOCK_SQL + " ORDER BY country, nationality, date").pl()


def test_the_shipped_stock_stays_negative_where_it_goes_negative(shipped):
    frame = stock(shipped.tables["detentions"], shipped.tables["repatriations"])
    khm_kor = frame.filter((pl.col("country") == "KHM") & (pl.col("nationality") == "KOR"))
    assert khm_kor.select("date", "held").rows()[-1] == (dt.date(2026, 1, 23), -46)
    assert frame["held"].min() == -638


def _events(kind: str, rows: list[tuple]) -> pl.DataFrame:
    place = "country" if kind == "detentions" else "from_country"
    return pl.DataFrame(
        [{"record_id": rid, "event_date": date, place: "KHM", "nationality": "KOR",
          "persons": persons, "__file": f"{kind}.csv", "__row": i + 2}
         for i, (rid, date, persons) in enumerate(rows)],
        schema={"record_id": pl.String, "event_date": pl.Date, place: pl.String,
                "nationality": pl.String, "persons": pl.Int64, "__file": pl.String,
                "__row": pl.Int64})


D1, D2, D3 = dt.date(2025, 10, 1), dt.date(2025, 10, 2), dt.date(2025, 10, 3)


def test_a_negative_stock_is_never_clipped():
    dets = _events("detentions", [("DET-1", D1, 5), ("DET-2", D3, 10)])
    reps = _events("repatriations", [("REP-1", D2, 8)])
    assert stock(dets, reps).select("date", "held").rows() == [(D1, 5), (D2, -3), (D3, 7)]
    [finding] = check_stock_flow(dets, reps)
    assert (finding.rule, finding.file, finding.row, finding.value) == (
        "negative_stock", "repatriations.csv", 2, "-3")
    assert finding.message == ("held in KHM of nationality KOR on 2025-10-02 would be -3 "
                               "(5 detained minus 8 repatriated); rows involved: DET-1, REP-1")


def test_detentions_count_before_repatriations_on_the_same_day():
    dets = _events("detentions", [("DET-1", D1, 5)])
    reps = _events("repatriations", [("REP-1", D1, 5)])
    assert stock(dets, reps).select("date", "held").rows() == [(D1, 0)]
    assert check_stock_flow(dets, reps) == []


def test_rows_with_unusable_counts_stay_out_of_the_stock():
    """A count already reported as invalid (below 1, or not a number) is not reconciled."""
    dets = _events("detentions", [("DET-1", D1, -20), ("DET-2", D1, None), ("DET-3", D1, 4)])
    reps = _events("repatriations", [("REP-1", D2, 3)])
    assert stock(dets, reps).select("date", "held").rows() == [(D1, 4), (D2, 1)]
    assert stock_findings_frame(dets, reps).is_empty()


_PLACES = st.sampled_from(["KHM", "MMR", "XXX", "KHM", "MMR", None])
_NATIONALITIES = st.sampled_from(["KOR", "CHN", "KOR", "CHN", None])
_DAYS = st.integers(0, 6).map(lambda d: D1 + dt.timedelta(days=d)) | st.none()
_FLOW = st.tuples(_PLACES, _NATIONALITIES, _DAYS, st.integers(-1, 6) | st.none())


def _flows(kind: str, rows: list[tuple]) -> pl.DataFrame:
    place = "country" if kind == "detentions" else "from_country"
    return pl.DataFrame(rows, schema={place: pl.String, "nationality": pl.String,
                                      "event_date": pl.Date, "persons": pl.Int64},
                        orient="row")


@settings(max_examples=300, deadline=None)
@given(st.lists(_FLOW, max_size=12), st.lists(_FLOW, max_size=12))
# Another pair's flows come first in the one order: a pair's stock must not borrow them.
@example([("KHM", "CHN", D1, 5)], [("KHM", "KOR", D1, 3)])
@example([("KHM", "CHN", D2, 5)], [("KHM", "CHN", D1, 3), ("KHM", "KOR", D3, 1)])
# Negative on one day, back above zero later: the stock of each day counts, not the total.
@example([("KHM", "CHN", D2, 5)], [("KHM", "CHN", D1, 3)])
# The same day: detentions count first.
@example([("MMR", "KOR", D1, 2)], [("MMR", "KOR", D1, 2), ("MMR", "KOR", D1, 1)])
def test_the_coded_screens_find_a_negative_stock_exactly_when_the_stock_has_one(dets, reps):
    """The DuckDB engine asks any_negative_coded (a grid of pairs by days), or for a large grid
    ANY_NEGATIVE_CODED_SQL, whether a stock goes negative; both (and the grid fed in batches)
    must answer as the stock of STOCK_SQL does, for any flows (several places and
    nationalities, days shared or not, counts below 1 and empty cells left out)."""
    with _coded(dets, reps) as con:
        negative = con.execute(NEGATIVE_COUNT_SQL).fetchone()[0]
        coded = con.execute(ANY_NEGATIVE_CODED_SQL).fetchone()[0]
        grid = any_negative_coded(con)
        batched = any_negative_coded(con, max_flows=2)  # flows read two at a time
        too_large = any_negative_coded(con, max_cells=1)  # the SQL answers
    assert (coded > 0) == (negative > 0)
    assert grid == (negative > 0)
    assert batched == (negative > 0)
    assert too_large == (negative > 0)


@contextlib.contextmanager
def _coded(dets: list[tuple], reps: list[tuple]):
    con = duckdb.connect(":memory:")
    try:
        con.execute(iso3_type_ddl())
        con.register("detentions", _flows("detentions", dets).to_arrow())
        con.register("repatriations", _flows("repatriations", reps).to_arrow())
        yield con
    finally:
        con.close()


_GOES_NEGATIVE = ([("KHM", "CHN", D1, 5), ("KHM", "KOR", D1, 2)],
                  [("KHM", "CHN", D2, 5), ("KHM", "KOR", D2, 3)])


def test_the_grid_answers_itself_while_it_fits(monkeypatch):
    """The grid really runs (the SQL is made to fail), and sees the stock go negative."""
    monkeypatch.setattr(reconcile, "ANY_NEGATIVE_CODED_SQL", "SELECT error('not the grid')")
    with _coded(*_GOES_NEGATIVE) as con:
        assert any_negative_coded(con) is True
        assert any_negative_coded(con, max_cells=4) is True  # 2 pairs x 2 days fit
        with pytest.raises(duckdb.Error, match="not the grid"):
            any_negative_coded(con, max_cells=3)
        assert any_negative_coded(con, max_flows=1) is True  # 4 flows, one at a time
        with pytest.raises(duckdb.Error, match="not the grid"):  # the second pair is one too
            any_negative_coded(con, max_cells=3, max_flows=1)   # many: the SQL, mid-stream
    with _coded([], []) as con:
        assert any_negative_coded(con) is False


def test_without_an_outflow_no_stock_is_read():
    """Only a repatriation lowers a stock: with none that counts (none at all, or only rows the
    stock leaves out), the answer is no without reading the detentions (here a view that fails
    when read); with one, they are read."""
    for reps in ([], [("KHM", None, D1, 3), ("KHM", "CHN", None, 2), ("KHM", "CHN", D1, 0)]):
        with _coded([("KHM", "CHN", D1, 5)], reps) as con:
            _fail_when_read(con, "detentions")
            assert any_negative_coded(con) is False
    with _coded([("KHM", "CHN", D1, 5)], [("KHM", "CHN", D2, 3)]) as con:
        _fail_when_read(con, "detentions")
        with pytest.raises(duckdb.Error, match="detentions were read"):
            any_negative_coded(con)


def _fail_when_read(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"CREATE TABLE {name}_rows AS FROM {name}")
    con.unregister(name)
    con.execute(f"CREATE VIEW {name} AS SELECT * REPLACE "
                f"(error('{name} were read') AS persons) FROM {name}_rows")


def test_counts_too_large_to_add_exactly_go_to_the_sql(monkeypatch):
    """float64 adds integers exactly only below 2**53: when the largest count times the number
    of flows may reach it, the SQL answers."""
    with _coded(*_GOES_NEGATIVE) as con:
        monkeypatch.setattr(reconcile, "_EXACT", 20)  # 4 flows, the largest of 5 persons
        monkeypatch.setattr(reconcile, "ANY_NEGATIVE_CODED_SQL", "SELECT error('the SQL')")
        with pytest.raises(duckdb.Error, match="the SQL"):
            any_negative_coded(con)
        monkeypatch.setattr(reconcile, "_EXACT", 21)
        assert any_negative_coded(con) is True


def test_huge_counts_are_not_rounded_away():
    """Counts whose sum would wrap around in int64 (far beyond what the contract allows) still
    get the right answer: 2**62 detained, 2**62 + 1 repatriated the next day."""
    with _coded([("KHM", "CHN", D1, 2**62)], [("KHM", "CHN", D2, 2**62 + 1)]) as con:
        assert con.execute(NEGATIVE_COUNT_SQL).fetchone()[0] == 1
        assert any_negative_coded(con) is True
