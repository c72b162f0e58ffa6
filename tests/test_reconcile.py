"""Stock-flow reconciliation: detained minus repatriated, by place and nationality, never
clipped; a negative stock is a warning at the repatriation that takes it below zero."""

from __future__ import annotations

import calendar
import datetime as dt

import duckdb
import polars as pl
import pytest
from conftest import at_length, base_rows, quickly, to_csv
from hypothesis import example, given
from hypothesis import strategies as st

from toolkit.checks import EXIT_OK, validate
from toolkit.warehouse import STOCK_SQL

REPATRIATIONS = "repatriations/repatriations-2024-2026.csv"


def test_the_shipped_data_is_valid_with_its_reconciliation_warnings(shipped):
    assert shipped.report.exit_code == EXIT_OK
    negative = [(f.file, f.row, f.column, f.value) for f in shipped.report.sorted()
                if f.rule == "negative_stock"]
    assert negative == [(REPATRIATIONS, row, "persons", held) for row, held in [
        (3, "-200"), (4, "-84"), (5, "-10"), (6, "-283"), (7, "-638"), (12, "-270"),
        (14, "-46")]]
    assert all(f.severity == "warning" for f in shipped.report.findings)


def test_korean_nationals_in_cambodia_go_negative_with_every_row_involved(shipped):
    [finding] = [f for f in shipped.report.findings
                 if f.rule == "negative_stock" and "KHM, nationality KOR" in f.message]
    assert (finding.file, finding.row, finding.value) == (REPATRIATIONS, 14, "-46")
    assert finding.message == (
        "detained with no return recorded in KHM, nationality KOR, on 2026-01-23 would be -46 "
        "(95 detained minus 141 repatriated): the records lack detentions; rows involved: "
        "DET-2025-0009, DET-2025-0011, DET-2025-0012, REP-2025-0007, REP-2025-0008, "
        "REP-2025-0009, REP-2026-0001")


#: One in-memory database for every stock computed here: each call registers its own two
#: frames under the view's table names, replacing the previous call's.
STOCK_DB = duckdb.connect(":memory:")


def stock(detentions: pl.DataFrame, repatriations: pl.DataFrame) -> pl.DataFrame:
    STOCK_DB.register("detentions", detentions.to_arrow())
    STOCK_DB.register("repatriations", repatriations.to_arrow())
    return STOCK_DB.sql(STOCK_SQL + " ORDER BY country, nationality, date").pl()


def test_the_shipped_stock_stays_negative_where_it_goes_negative(shipped):
    frame = stock(shipped.tables["detentions"], shipped.tables["repatriations"])
    khm_kor = frame.filter((pl.col("country") == "KHM") & (pl.col("nationality") == "KOR"))
    assert khm_kor.select("date", "not_returned").rows()[-1] == (dt.date(2026, 1, 23), -46)
    assert frame["not_returned"].min() == -638


D1, D2, D3 = dt.date(2025, 10, 1), dt.date(2025, 10, 2), dt.date(2025, 10, 3)


def _raw(make_raw, dets: list[tuple], reps: list[tuple]):
    """The valid set with its detentions and repatriations replaced: (id, date, persons),
    all of South Koreans in Cambodia."""
    dh, drows = base_rows("detentions")
    rh, rrows = base_rows("repatriations")
    det = [drows[0] | {"record_id": i, "event_date": d.isoformat(), "persons": str(n),
                       "females": "", "males": "", "minors": ""} for i, d, n in dets]
    rep = [rrows[0] | {"record_id": i, "event_date": d.isoformat(), "persons": str(n),
                       "arrested_on_arrival": "", "detention_ids": ""} for i, d, n in reps]
    return make_raw("stock", {"detentions/detentions.csv": to_csv(dh, det),
                              "repatriations/repatriations.csv": to_csv(rh, rep)})


def test_a_negative_stock_is_never_clipped(make_raw):
    raw = _raw(make_raw, [("DET-1", D1, 5), ("DET-2", D3, 10)], [("REP-1", D2, 8)])
    result = validate(raw, dt.date(2025, 12, 31))
    assert stock(result.tables["detentions"], result.tables["repatriations"]).select(
        "date", "not_returned").rows() == [(D1, 5), (D2, -3), (D3, 7)]
    [finding] = result.report.warnings
    assert (finding.rule, finding.file, finding.row, finding.value) == (
        "negative_stock", "repatriations/repatriations.csv", 2, "-3")
    assert finding.message == (
        "detained with no return recorded in KHM, nationality KOR, on 2025-10-02 would be -3 "
        "(5 detained minus 8 repatriated): the records lack detentions; rows involved: DET-1, "
        "REP-1")


def test_detentions_count_before_repatriations_on_the_same_day(make_raw):
    raw = _raw(make_raw, [("DET-1", D1, 5)], [("REP-1", D1, 5)])
    result = validate(raw, dt.date(2025, 12, 31))
    assert stock(result.tables["detentions"], result.tables["repatriations"]).select(
        "date", "not_returned").rows() == [(D1, 0)]
    assert result.report.findings == []


def test_rows_with_unusable_counts_stay_out_of_the_stock(make_raw):
    """A count already reported as invalid (below 1, or not a number) is not reconciled."""
    raw = _raw(make_raw, [("DET-1", D1, -20), ("DET-2", D1, "x"), ("DET-3", D1, 4)],
               [("REP-1", D2, 3)])
    result = validate(raw, dt.date(2025, 12, 31))
    assert stock(result.tables["detentions"], result.tables["repatriations"]).select(
        "date", "not_returned").rows() == [(D1, 4), (D2, 1)]
    assert sorted(f.rule for f in result.report.findings) == ["min", "type_integer"]


_PLACES = st.sampled_from(["KHM", "MMR", "XXX", "KHM", "MMR", None])
_NATIONALITIES = st.sampled_from(["KOR", "CHN", "KOR", "CHN", None])
_DAYS = st.integers(0, 6).map(lambda d: D1 + dt.timedelta(days=d)) | st.none()
_PRECISIONS = st.sampled_from(["day", "day", "week", "month", "quarter", "year"])
_FLOW = st.tuples(_PLACES, _NATIONALITIES, _DAYS, st.integers(-1, 6) | st.none(), _PRECISIONS)


def _flows(kind: str, rows: list[tuple]) -> pl.DataFrame:
    place = "country" if kind == "detentions" else "from_country"
    rows = [r if len(r) == 5 else (*r, "day") for r in rows]
    return pl.DataFrame(
        [(f"{kind[:3].upper()}-{i}", *r, f"{kind}.csv", i + 2, i + 2)
         for i, r in enumerate(rows)],
        schema={"record_id": pl.String, place: pl.String, "nationality": pl.String,
                "event_date": pl.Date, "persons": pl.Int64, "date_precision": pl.String,
                "__file": pl.String, "__row": pl.Int64, "__line": pl.Int64}, orient="row")


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` earlier, or that month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _window_start(day: dt.date, precision: str) -> dt.date:
    """The first day of the window that ends on ``day``: 30 September to the month is
    1 to 30 September, 22 July is 23 June to 22 July."""
    after = day + dt.timedelta(days=1)
    return {"day": day, "week": day - dt.timedelta(days=6),
            "month": _months_back(after, 1), "quarter": _months_back(after, 3),
            "year": _months_back(after, 12)}[precision]


def test_a_window_ends_on_the_event_date():
    assert _window_start(dt.date(2025, 9, 30), "month") == dt.date(2025, 9, 1)
    assert _window_start(dt.date(2025, 7, 22), "month") == dt.date(2025, 6, 23)
    frame = stock(_flows("detentions", [("KHM", "VNM", dt.date(2025, 7, 22), 693, "month")]),
                  _flows("repatriations", [("KHM", "VNM", dt.date(2025, 7, 19), 161, "day")]))
    assert frame.select("date", "not_returned").rows() == [
        (dt.date(2025, 6, 23), 693), (dt.date(2025, 7, 19), 532)]


def _negative_days(dets: list[tuple], reps: list[tuple]) -> set[tuple]:
    """Independently of the SQL: the (place, nationality, day) whose end-of-day stock is below
    zero, counting only complete rows of at least one person, a detention from the first day
    of its date window and a repatriation from its date."""
    net: dict[tuple, dict] = {}
    for sign, rows in ((1, dets), (-1, reps)):
        for place, nat, day, persons, precision in rows:
            if None in (place, nat, day, persons) or persons < 1:
                continue
            if sign > 0:
                day = _window_start(day, precision)
            net.setdefault((place, nat), {}).setdefault(day, 0)
            net[(place, nat)][day] += sign * persons
    out = set()
    for pair, days in net.items():
        held = 0
        for day in sorted(days):
            held += days[day]
            if held < 0:
                out.add((*pair, day))
    return out


def stock_goes_negative_exactly_where_an_independent_count_does(dets, reps):
    frame = stock(_flows("detentions", dets), _flows("repatriations", reps))
    found = {(c, n, d) for c, n, d, h in frame.select(
        "country", "nationality", "date", "not_returned").iter_rows() if h < 0}
    assert found == _negative_days(dets, reps)


@quickly(50)
@given(st.lists(_FLOW, max_size=12), st.lists(_FLOW, max_size=12))
# Another pair's flows come first: a pair's stock must not borrow them.
@example([("KHM", "CHN", D1, 5, "day")], [("KHM", "KOR", D1, 3, "day")])
# Negative on one day, back above zero later: each day counts, not the total.
@example([("KHM", "CHN", D2, 5, "day")], [("KHM", "CHN", D1, 3, "day")])
# The same day: detentions count first.
@example([("MMR", "KOR", D1, 2, "day")], [("MMR", "KOR", D1, 2, "day"),
                                          ("MMR", "KOR", D1, 1, "day")])
# A detention dated to the month counts from before a repatriation dated earlier in it.
@example([("KHM", "VNM", D3, 5, "month")], [("KHM", "VNM", D1, 3, "day")])
def test_the_stock_goes_negative_exactly_where_an_independent_count_does(dets, reps):
    stock_goes_negative_exactly_where_an_independent_count_does(dets, reps)


@pytest.mark.slow
@at_length(300)
@given(st.lists(_FLOW, max_size=12), st.lists(_FLOW, max_size=12))
def test_the_stock_goes_negative_exactly_where_an_independent_count_does_at_length(dets, reps):
    stock_goes_negative_exactly_where_an_independent_count_does(dets, reps)


def test_huge_counts_are_not_rounded_away():
    """Sums far beyond what the contract allows (2**62 + 1 repatriated after 2**62 detained)
    still give the right stock."""
    frame = stock(_flows("detentions", [("KHM", "CHN", D1, 2**62)]),
                  _flows("repatriations", [("KHM", "CHN", D2, 2**62 + 1)]))
    assert frame.select("date", "not_returned").rows() == [(D1, 2**62), (D2, -1)]
