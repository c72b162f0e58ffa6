"""The bulletin's numbers (toolkit/bulletin/figures.py) against an independent count of the raw
CSVs (tests/fixtures/bulletin/independent.py: csv module, no toolkit code), one rule a test."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
import yaml

from toolkit.bulletin.figures import MIN_BASE, Change, Count, compute_figures
from toolkit.bulletin.names import place_name
from toolkit.checks import validate
from toolkit.periods import parse_period
from toolkit.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
AS_OF = dt.date(2026, 11, 28)
COVERAGE = yaml.safe_load((ROOT / "config" / "coverage.yaml").read_text(encoding="utf-8"))
DEATHS_FROM = COVERAGE["fatalities"]["from"].isoformat()
DEATHS_OF = tuple(COVERAGE["fatalities"]["nationalities"])
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "bulletin"))
import independent  # noqa: E402


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    out = tmp_path_factory.mktemp("warehouse")
    assert validate(RAW, AS_OF, out_dir=out).warehouse is not None  # the shipped data is valid
    connection = connect(out)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def q4(con):
    return compute_figures(con, parse_period("2025-Q4"))


def _bounds(label: str) -> tuple[str, str]:
    p = parse_period(label)
    return p.start.isoformat(), p.end.isoformat()


@pytest.mark.parametrize("label", ["2024-Q3", "2025-Q1", "2025-Q3", "2025-Q4", "2025-10"])
def test_headline_figures_equal_an_independent_count_of_the_raw_csvs(con, label):
    fig = compute_figures(con, parse_period(label))
    for which, p in (("current", fig.period), ("previous", fig.previous),
                     ("year_earlier", fig.year_earlier)):
        start, end = p.start.isoformat(), p.end.isoformat()
        expected = independent.headline(RAW, start, end, nationalities=DEATHS_OF)
        for key, dataset in (("detained", "detentions"), ("repatriated", "repatriations")):
            collected = end >= COVERAGE[dataset]["from"].isoformat()  # else never a 0
            assert getattr(fig.headlines[key], which).value == (
                expected[key] if collected else None), (label, which, key)
        quals = independent.headline_qualifiers(RAW, start, end)
        for key in ("detained", "repatriated"):
            assert getattr(fig.headlines[key], which).qualifier == quals[key], (label, key)
        deaths = independent.deaths_cell(RAW, start, end, DEATHS_FROM, DEATHS_OF)
        assert getattr(fig.headlines["deaths"], which).value == deaths, (label, which)
        arrested = independent.arrested(RAW, start, end)
        if end < COVERAGE["repatriations"]["from"].isoformat():
            arrested = (None, "exact")
        got = getattr(fig.headlines["arrested_on_arrival"], which)
        assert (got.value, got.qualifier) == arrested, (label, which)


def test_the_shipped_fourth_quarter_of_2025_in_numbers(q4):
    h = q4.headlines
    assert (h["detained"].current, h["detained"].previous, h["detained"].year_earlier) == (
        Count(2896, "at_least", "[p]"), Count(3108, "about"), Count(0))
    assert (h["repatriated"].current.value, h["arrested_on_arrival"].current.value) == (401, 64)
    assert h["deaths"].current.value == 1
    assert h["detained"].change_previous.absolute == -212
    assert round(h["detained"].change_previous.percent, 1) == -6.8
    assert h["detained"].change_year.kind == "small_base"  # none a year earlier: no percentage
    assert q4.arrested == {"persons_reported": 64, "arrested": 64, "persons_not_reported": 337,
                           "records_not_reported": 4, "records_reported": 1}


def test_at_least_propagates_to_every_sum_that_holds_a_minimum(q4):
    start, end = _bounds("2025-Q4")
    minimum = {r["record_id"] for r in independent.read_rows(RAW, "detentions")
               if start <= r["event_date"] <= end and r["persons_qualifier"] == "at_least"}
    assert minimum == {"DET-2025-0014"}  # more than 2,198, in Myanmar, nationality unspecified
    assert q4.headlines["detained"].current.qualifier == "at_least"
    by_country = {r.key: r.current for r in q4.detentions_by_country}
    assert by_country["MMR"] == Count(2198, "at_least", "[p]")
    assert by_country["THA"].qualifier == "exact"
    by_nat = {r.key: r.current for r in q4.detentions_by_nationality}
    assert by_nat["XXX"].qualifier == "at_least" and by_nat["JPN"].qualifier == "exact"
    assert q4.detentions_total.current.qualifier == "at_least"
    group = {(g.country, g.nationality): g for g in q4.groups}[("MMR", "XXX")]
    assert group.not_returned.qualifier == "at_least"
    assert group.detained_to_date.qualifier == "at_least"


def test_counts_outside_coverage_are_not_collected_never_zero(con, q4):
    deaths = q4.headlines["deaths"]
    assert deaths.year_earlier == Count(None, "exact", "[x]", "none")  # 2024-Q4: before 2025-08
    assert deaths.previous.coverage == "part" and deaths.previous.value == 1  # from 1 August
    assert deaths.change_previous.kind == "coverage" and deaths.change_year.kind == "unavailable"
    early = compute_figures(con, parse_period("2025-Q1"))
    assert early.headlines["deaths"].current.value is None
    assert {r.current.value for r in early.fatalities_by_status} == {None}
    # unknown is never 0: no repatriation of 2025-Q3 says whether people were arrested
    start, end = _bounds("2025-Q3")
    assert independent.arrested(RAW, start, end) == (None, "exact")
    assert q4.headlines["arrested_on_arrival"].previous.value is None
    assert q4.headlines["arrested_on_arrival"].previous.has("[x]")


def test_detained_with_no_return_recorded_per_group_at_period_end(con):
    for label in ("2025-Q1", "2025-Q3", "2025-Q4", "2025-10"):
        fig = compute_figures(con, parse_period(label))
        expected = independent.not_returned_at_end(RAW, fig.period.end.isoformat())
        got = {(g.country, g.nationality): (g.not_returned.value, g.not_returned.qualifier)
               for g in fig.groups}
        assert got == expected, label
        for g in fig.groups:
            assert g.not_returned.has("[u]")  # low reliability, always
            assert (g.detained_to_date.value - g.repatriated_to_date.value
                    == g.not_returned.value)


def test_negative_groups_are_those_below_zero_at_the_period_end(con, q4):
    end = q4.period.end.isoformat()
    negative = {(g.country, g.nationality) for g in q4.negative_groups}
    assert negative == independent.negative_at_end(RAW, end)
    assert negative == {("MMR", "CHN"), ("MMR", "IDN"), ("MMR", "IND"), ("THA", "IND")}
    # Cambodia/Thailand went below zero in March 2025 and is not negative at the end of 2025
    assert ("KHM", "THA") in independent.negative_days(RAW, end)
    assert {(g.country, g.nationality): g.not_returned.value
            for g in q4.groups}[("KHM", "THA")] == 72
    assert len(q4.groups_with_figure) == len(independent.not_returned_at_end(RAW, end)) == 23


def test_the_measure_is_not_available_where_coverage_ends_before_the_period_does(con):
    fig = compute_figures(con, parse_period("2026-Q1"))  # detentions are collected to 31 Jan
    assert fig.groups and all(not g.not_returned.available and g.not_returned.has("[x]")
                              for g in fig.groups)
    assert fig.headlines["detained"].current.coverage == "part"
    assert fig.headlines["detained"].change_previous.kind == "coverage"


def test_reconciliation_findings_count_detentions_from_their_first_day(con, q4):
    found = {(f.country, f.nationality) for f in q4.reconciliation}
    assert found == independent.negative_days(RAW, q4.period.end.isoformat())


def test_other_sources_figures_are_counted_from_the_structured_field(con, q4):
    start, end = _bounds("2025-Q4")
    assert {r["record_id"] for r in q4.other_figures} == \
        independent.other_figures(RAW, start, end) == {"DET-2025-0015", "REP-2025-0009"}
    for label in ("2024-Q3", "2025-Q3", "2025-10"):
        fig = compute_figures(con, parse_period(label))
        assert {r["record_id"] for r in fig.other_figures} == \
            independent.other_figures(RAW, *_bounds(label))


def test_people_in_records_with_imprecise_dates_are_counted_by_the_summaries_rule(con, q4):
    start, end = _bounds("2025-Q4")
    assert q4.headlines["detained"].imprecise == \
        independent.imprecise(RAW, "detentions", start, end) == 5  # DET-2025-0012, month
    q3 = compute_figures(con, parse_period("2025-Q3"))
    assert q3.headlines["detained"].imprecise == \
        independent.imprecise(RAW, "detentions", *_bounds("2025-Q3")) == 3075


def test_the_authorities_held_figures_are_beside_the_records(q4):
    start, end = _bounds("2025-Q4")
    held = {r["record_id"] for r in independent.held_reported(RAW, start, end)}
    assert held == {"FIG-025", "FIG-026"}
    got = {r["record_id"]: r for r in q4.comparisons if r["indicator"] == "held_on_date"}
    assert set(got) == held
    assert (got["FIG-026"]["reported"], got["FIG-026"]["recorded"]) == (61, 88)
    assert got["FIG-026"]["authority"].startswith("General Department of Immigration")


def test_the_scope_rule_decides_which_deaths_count_and_the_rest_are_listed(con, q4):
    assert [x["record_id"] for x in q4.fatalities_excluded] == ["FAT-2025-0003"]
    narrow = compute_figures(con, parse_period("2025-Q4"), scope=["confirmed"])
    assert narrow.headlines["deaths"].current.value == 0 == independent.headline(
        RAW, "2025-10-01", "2025-12-31", scope=("confirmed",))["deaths"]
    assert [x["record_id"] for x in narrow.fatalities_excluded] == \
        ["FAT-2025-0002", "FAT-2025-0003"]


def test_an_unknown_scam_link_in_the_scope_rule_is_refused(con):
    with pytest.raises(ValueError, match="unknown scam_link value"):
        compute_figures(con, parse_period("2025-Q4"), scope=["confirmed", "likely"])


def test_change_rules_base_coverage_and_availability():
    assert Change(Count(30), Count(40)).kind == "comparable"
    assert Change(Count(30), Count(40)).percent == -25.0
    small = Change(Count(30), Count(MIN_BASE - 1))
    assert small.kind == "small_base" and small.percent is None and small.absolute == 11
    assert Change(Count(5), Count(0)).kind == "small_base"
    edge = Change(Count(0, coverage="part"), Count(300))  # a drop at the edge of coverage
    assert edge.kind == "coverage" and edge.absolute is None and edge.percent is None
    assert Change(Count(None, status="[x]", coverage="none"), Count(4)).kind == "unavailable"


def test_place_names_are_short_english_names_from_cldr():
    assert [place_name(c) for c in ("KOR", "LAO", "KHM", "MMR", "VNM", "XXX", "ALL")] == \
        ["South Korea", "Laos", "Cambodia", "Myanmar", "Vietnam",
         "Several or unspecified countries", "All countries"]
