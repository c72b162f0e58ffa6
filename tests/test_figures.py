"""The bulletin's numbers (toolkit/bulletin/figures.py) against an independent count of the raw
CSVs."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from toolkit.bulletin.figures import Change, compute_figures
from toolkit.bulletin.names import place_name
from toolkit.checks import validate
from toolkit.periods import parse_period
from toolkit.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
AS_OF = dt.date(2026, 11, 28)
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "bulletin"))
import independent  # noqa: E402


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    out = tmp_path_factory.mktemp("warehouse")
    assert validate(RAW, AS_OF, out_dir=out).warehouse is not None  # the shipped data is valid
    connection = connect(out)
    yield connection
    connection.close()


@pytest.mark.parametrize("label", ["2024-Q3", "2025-Q1", "2025-Q3", "2025-Q4", "2026-Q1"])
def test_headline_figures_equal_an_independent_count_of_the_raw_csvs(con, label):
    period = parse_period(label)
    fig = compute_figures(con, period)
    for which, p in (("current", fig.period), ("previous", fig.previous),
                     ("year_earlier", fig.year_earlier)):
        expected = independent.headline(RAW, p.start.isoformat(), p.end.isoformat())
        got = {k: getattr(h, which) for k, h in fig.headlines.items()}
        assert got == expected, (label, which)


def test_the_shipped_fourth_quarter_of_2025_in_numbers(con):
    fig = compute_figures(con, parse_period("2025-Q4"))
    h = fig.headlines
    assert (h["detained"].current, h["detained"].previous, h["detained"].year_earlier) == \
        (2896, 3108, 0)
    assert (h["repatriated"].current, h["arrested_on_arrival"].current) == (401, 64)
    assert h["deaths"].current == 1
    assert h["detained"].change_previous.absolute == -212
    assert round(h["detained"].change_previous.percent, 1) == -6.8
    assert not h["detained"].change_year.comparable
    assert fig.arrested == {"persons_reported": 64, "arrested": 64,
                            "persons_not_reported": 337, "records_not_reported": 4}


def test_the_scope_rule_decides_which_deaths_count_and_the_rest_are_listed(con):
    q4 = parse_period("2025-Q4")
    default = compute_figures(con, q4)
    assert [x["record_id"] for x in default.fatalities_excluded] == ["FAT-2025-0003"]
    narrow = compute_figures(con, q4, scope=["confirmed"])
    assert narrow.headlines["deaths"].current == 0
    assert narrow.headlines["deaths"].current == independent.headline(
        RAW, "2025-10-01", "2025-12-31", scope=("confirmed",))["deaths"]
    assert [x["record_id"] for x in narrow.fatalities_excluded] == \
        ["FAT-2025-0002", "FAT-2025-0003"]
    assert {r["key"]: r["counted"] for r in narrow.fatalities_by_status} == {
        "confirmed": True, "suspected": False, "under_investigation": False,
        "none_known": False}


def test_an_unknown_scam_link_in_the_scope_rule_is_refused(con):
    with pytest.raises(ValueError, match="unknown scam_link value"):
        compute_figures(con, parse_period("2025-Q4"), scope=["confirmed", "likely"])


@pytest.mark.parametrize("label", ["2025-Q1", "2025-Q4", "2026-Q1"])
def test_stock_is_shown_only_where_the_records_never_go_negative(con, label):
    period = parse_period(label)
    fig = compute_figures(con, period)
    end = period.end.isoformat()
    bad = {(g.country, g.nationality) for g in fig.unsupported_groups}
    assert bad == independent.negative_groups(RAW, end)
    for g in fig.stock_groups:
        if g.supported:
            assert g.held == independent.held_at(RAW, g.country, g.nationality, end) >= 0
        else:
            assert g.held is None  # never a negative or clipped number


def test_south_koreans_in_cambodia_are_supported_until_the_records_go_negative(con):
    q4 = {(g.country, g.nationality): g for g in
          compute_figures(con, parse_period("2025-Q4")).stock_groups}
    assert q4[("KHM", "KOR")].supported and q4[("KHM", "KOR")].held == 27
    q1 = compute_figures(con, parse_period("2026-Q1"))
    group = {(g.country, g.nationality): g for g in q1.stock_groups}[("KHM", "KOR")]
    assert not group.supported and group.first_negative == dt.date(2026, 1, 23)
    finding = [f for f in q1.reconciliation if (f.country, f.nationality) == ("KHM", "KOR")]
    assert finding[-1].held == -46 and "REP-2026-0001" in finding[-1].record_ids


def test_stock_series_sums_the_supported_groups_by_country_at_each_quarter_end(con):
    fig = compute_figures(con, parse_period("2025-Q4"))
    at_end = {r["country"]: r["held"] for r in fig.stock_series if r["period"] == "2025-Q4"}
    expected: dict[str, int] = {}
    for g in fig.supported_groups:
        expected[g.country] = expected.get(g.country, 0) + g.held
    assert at_end == expected


def test_sources_mix_and_disagreements_cover_the_records_of_the_period(con):
    fig = compute_figures(con, parse_period("2025-Q4"))
    records = sum(1 for ds in ("detentions", "repatriations", "fatalities")
                  for r in independent.read_rows(RAW, ds)
                  if "2025-10-01" <= r["event_date"] <= "2025-12-31")
    assert fig.records_in_period == records == 12
    assert {r["reliability"]: r["records"] for r in fig.reliability_mix if r["records"]} == \
        {4: 11, 2: 1}
    assert {r["record_id"] for r in fig.disagreements} >= {"DET-2025-0012", "REP-2025-0009"}


def test_change_is_not_comparable_on_a_zero_base():
    assert Change(5, 0).percent is None and not Change(5, 0).comparable
    assert Change(0, 4).percent == -100.0
    assert Change(3, 3).absolute == 0


def test_place_names_are_short_english_names():
    assert [place_name(c) for c in ("KOR", "LAO", "KHM", "XXX")] == \
        ["South Korea", "Laos", "Cambodia", "Several or unspecified nationalities"]
