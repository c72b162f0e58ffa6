"""The bulletin's words, before any render: sentences true by construction, golden text for the
cases issue 17 quotes, markers that travel from the published tables, monthly wording, and the
derived measure never named as people held.

Fragments are made from the shipped data (tests/golden/bulletin/ holds the expected text; rerun
with UPDATE_GOLDEN=1 and review the diff when a change is intended).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

import pytest

from toolkit.bulletin.charts import chart_csv, make_charts
from toolkit.bulletin.document import metadata
from toolkit.bulletin.figures import compute_figures
from toolkit.bulletin.sections import fragments
from toolkit.checks import validate
from toolkit.config import load_config
from toolkit.periods import parse_period
from toolkit.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
AS_OF = dt.date(2026, 11, 28)
GOLDEN = ROOT / "tests" / "golden" / "bulletin"
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "bulletin"))
import independent  # noqa: E402
from wording import misnamed, normalise  # noqa: E402


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    out = tmp_path_factory.mktemp("warehouse")
    assert validate(RAW, AS_OF, out_dir=out).warehouse is not None
    connection = connect(out)
    yield connection
    connection.close()


def _edition(con, label: str, **kwargs):
    config = load_config()
    fig = compute_figures(con, parse_period(label), as_of=AS_OF, scope=config.bulletin.scope,
                          coverage=config.coverage, **kwargs)
    charts = make_charts(fig)
    for chart in charts:  # the fragments need an SVG; the drawn one is tested in test_bulletin
        chart.svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
    return fig, charts, fragments(fig, charts, ["data/quarterly_summary.csv"]), \
        metadata(fig, config, release_id=None, next_release=None)


@pytest.fixture(scope="module")
def q4(con):
    return _edition(con, "2025-Q4")


@pytest.fixture(scope="module")
def october(con):
    return _edition(con, "2025-10", provisional=True)  # as a release of 2025-10 would flag it


def _reader(markdown: str) -> str:
    """Markdown as a reader sees it, line by line: escapes, emphasis and figure spans undone."""
    text = re.sub(r"\[((?:\\.|[^\]\\])*)\]\{\.figure[^}]*\}", r"\1", markdown)
    return re.sub(r"\\(.)", r"\1", text).replace("**", "")


def _text(markdown: str) -> str:
    """:func:`_reader` on one line."""
    return normalise(_reader(markdown))


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"no golden file {path}: rerun with UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), (
        f"{name} differs from tests/golden/bulletin/{name}; if the change is intended, rerun "
        "with UPDATE_GOLDEN=1 and review the diff")


# --------------------------------------------------------------------------- golden text


def test_golden_main_points_of_the_fourth_quarter(q4):
    _golden("main-points-2025-Q4.md", _reader(q4[2]["main-points.md"]))


def test_golden_headline_table_before_coverage(q4):
    """Table 1: deaths a year earlier are [x] not collected (fatalities from August 2025)."""
    table = q4[2]["headline-table.md"]
    _golden("headline-table-2025-Q4.md", _reader(table))
    row = next(line for line in table.splitlines() if line.startswith("| Deaths in scope"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == r"\[x\]" and cells[5] == r"\[x\]"  # never 0


def test_golden_figure_4_shows_gaps_not_zeros(q4):
    fig, charts, _, _ = q4
    chart = next(c for c in charts if c.id == "not-returned-by-quarter")
    data = chart_csv(chart)
    _golden("not-returned-by-quarter-2025-Q4.csv", data)
    rows = [line.split(",") for line in data.splitlines()[1:]]
    thailand = [r for r in rows if r[2] == "THA"]
    assert [(r[0], r[4], r[6]) for r in thailand[:3]] == [
        ("2024-Q3", "", "[z]"), ("2024-Q4", "", "[z]"), ("2025-Q1", "", "[z]")]
    assert "Thailand has no bar for 2024-Q3 to 2025-Q3 ([z]" in chart.alt
    plotted = chart.spec["layer"][0]["data"]["values"]
    assert not [v for v in plotted if v["Country"] == "Thailand" and v["period"] < "2025-Q4"]
    myanmar = {r[0]: r[4] for r in rows if r[2] == "MMR"}
    assert myanmar["2025-Q1"] == myanmar["2025-Q3"] == "-1121"  # as published, never 0


def test_golden_monthly_bulletin_wording(october):
    fig, charts, frags, meta = october
    _golden("main-points-2025-10.md", _reader(frags["main-points.md"]))
    _golden("headline-table-2025-10.md", _reader(frags["headline-table.md"]))
    assert meta["bulletin"]["subtitle"] == \
        "Online-scam compounds statistics: monthly statistical bulletin, October 2025"
    assert meta["bulletin"]["status"].startswith("Provisional [p]: figures for the latest month")


# --------------------------------------------------------------------------- rules


def test_the_negative_groups_sentence_is_true_by_construction(q4):
    fig, _, frags, _ = q4
    end = fig.period.end.isoformat()
    negative = independent.negative_at_end(RAW, end)
    groups = independent.not_returned_at_end(RAW, end)
    text = _text(frags["main-points.md"])
    assert (f"was negative for {len(negative)} of the {len(groups)} groups of country of "
            f"detention and nationality at 31 December 2025") in text
    assert (len(negative), len(groups)) == (4, 23)


def test_figures_summing_a_minimum_say_at_least(q4):
    text = _text(q4[2]["main-points.md"])
    assert "In October to December 2025, at least 2,896 people were recorded as detained" in text
    assert "at least 2,896 [p]" in _text(q4[2]["headline-table.md"])
    assert "Myanmar (at least 2,198)" in _text(q4[2]["detentions.md"])


def test_one_record_that_makes_most_of_a_figure_is_named(q4):
    text = _text(q4[2]["main-points.md"])
    assert ("One record makes up most of this figure (76% of it): at least 2,198 people "
            "detained in KK Park, Myawaddy, Myanmar") in text
    assert "One record makes up most of this figure (67% of it): 270 nationals of India" in text


def test_plain_sentences_for_arrests_and_a_single_death(q4):
    text = _text(q4[2]["main-points.md"] + q4[2]["repatriations.md"])
    assert ("At least 64 of the people repatriated were recorded as arrested on arrival: all 64 "
            "people in the one record that says whether they were arrested, while for the other "
            "337 people (four records) the sources do not say.") in text
    assert "out of 64 people in records that say" not in text
    assert "One more death recorded in the quarter is not counted" in text
    assert "A further 1 death" not in text


def test_the_authorities_figures_are_shown_beside_the_derived_measure(q4):
    text = _text(q4[2]["not-returned.md"])
    assert "General Department of Immigration" in text
    assert "61 held on 14 October 2025" in text and "63 held on 13 October 2025" in text
    assert "about 88 detained with no return recorded [u]" in text
    assert "records 27 higher" in text


def test_sources_disagreeing_are_counted_from_other_persons(q4):
    text = _text(q4[2]["sources.md"])
    assert "Two records of the quarter note another source's figure" in text
    assert "DET-2025-0015: 677 people" in text and "gives 1,667" in text


def test_imprecise_dates_of_a_headline_figure_are_footnoted(q4):
    text = _text(q4[2]["headline-table.md"])
    assert ("People detained: 5 of them are in records dated only to a week or month whose days "
            "may begin before 1 October 2025") in text


def test_no_percentage_change_on_a_small_base_or_across_coverage(q4, october):
    table = _text(q4[2]["headline-table.md"])
    assert "+2,896 (base under 20)" in table and "not comparable (coverage differs)" in table
    assert "100%" not in table
    text = _text(october[2]["main-points.md"])
    assert "87 times as many" in text and "8636%" not in text


def test_monthly_bulletins_say_month_never_quarter(october):
    fig, charts, frags, meta = october
    words = [_text(t) for t in frags.values()]
    words += [c.title + " " + c.caption + " " + c.alt for c in charts]
    words += [str(v) for v in meta["bulletin"].values()]
    for text in words:
        found = re.findall(r"\w*quarter\w*", text.replace("quarterly_summary", ""), re.I)
        assert not found, (found, text[:200])
    assert [c.id for c in charts] == ["monthly-trend", "detentions-by-country",
                                      "repatriations-by-mode", "not-returned-by-month"]
    qmd = (ROOT / "reports" / "bulletin.qmd").read_text(encoding="utf-8")
    assert not re.findall(r"\bquarter", qmd.split("---", 2)[2], re.I)  # the skeleton uses meta


def test_markers_travel_from_the_published_tables(con):
    """A revised cell of the comparison quarter is [r] in the bulletin, and the main points say
    the comparison quarter was revised."""
    from toolkit.publish.revisions import flag_revisions
    from toolkit.publish.specs import summary_spec
    from toolkit.publish.summaries import coverage_spans, provisional_labels, summary_table
    from toolkit.publish.tables import finalise, summary_periods
    from toolkit.warehouse import first_event_date

    config = load_config()
    period = parse_period("2025-Q4")
    spans = coverage_spans(con, config.coverage, AS_OF)
    quarters, months = summary_periods(first_event_date(con), period)
    spec = summary_spec("quarterly")
    frame = summary_table(con, spec, quarters, spans)
    before = frame.to_dicts()
    for row in before:  # the previous release had 3,000 detained in 2025-Q3
        if (row["period"], row["country"], row["nationality"]) == ("2025-Q3", "ALL", "ALL"):
            row["detained"] = 3000
    import polars as pl

    previous = pl.DataFrame(before, schema=spec.schema)
    flagged, _ = flag_revisions(frame, spec, previous, "2026-08-28",
                                provisional_labels(period, quarters, months)[0])
    tables = {spec.name: finalise(flagged, spec)}
    fig, charts, frags, _ = _edition(con, "2025-Q4", provisional=True, tables=tables)
    assert fig.headlines["detained"].previous.status == "[r]"
    table = _text(frags["headline-table.md"])
    assert "about 3,108 [r]" in table and "at least 2,896 [p]" in table
    assert "about 3,108 [r]" in _text(frags["trend.md"])
    assert "[r]" in chart_csv(charts[0]).split("2025-Q3,detained", 1)[1].splitlines()[0]
    points = _text(frags["main-points.md"])
    assert ("Figures used for comparison have been revised since the previous release [r] (for "
            "July to September 2025: people detained, now about 3,108)") in points


def test_every_table_cell_carries_the_published_status(q4, con):
    fig = q4[0]
    for row in fig.detentions_by_nationality + fig.detentions_by_country:
        assert row.current.has("[p]") and not row.previous.has("[p]")
    for g in fig.groups:
        assert g.not_returned.status == "[u] [p]"
    csv_text = chart_csv(next(c for c in q4[1] if c.id == "detentions-by-country"))
    assert "MMR,Myanmar,2198,at_least,[p],0,exact," in csv_text


def test_no_text_names_the_derived_measure_as_people_held(q4, october):
    for _fig, charts, frags, meta in (q4, october):
        texts = {name: _text(t) for name, t in frags.items()}
        for c in charts:
            texts[c.id + " title, caption, alt"] = c.title + " " + c.caption + " " + c.alt
            texts[c.id + ".csv"] = chart_csv(c)
            texts[c.id + " spec"] = json.dumps(c.spec)
            texts[c.id + " table"] = " ".join(" ".join(r) for r in c.table_rows) + \
                " ".join(c.table_headers)
        texts["metadata"] = json.dumps(meta)
        texts["bulletin.qmd"] = (ROOT / "reports" / "bulletin.qmd").read_text(encoding="utf-8")
        for name, text in texts.items():
            assert misnamed(text) == [], name
    assert misnamed("People still held") and misnamed("Held at 31 December 2025")
    assert misnamed("people recorded as detained and not in custody")


def test_no_sentence_describes_a_person_who_died(q4, october):
    """Issue 18: no note about a death is quoted, and no sex or age of a person who died."""
    notes = [r["notes"] for r in independent.read_rows(RAW, "fatalities") if r["notes"]]
    for _, _charts, frags, _ in (q4, october):
        text = " ".join(_text(t) for t in frags.values())
        assert not [n for n in notes if n[:30] in text]
        assert not re.search(r"\b(woman|man|female|male|aged|in (his|her) \d0s)\b", text, re.I)


def test_the_derived_measure_always_carries_its_marker_and_definition(q4):
    text = _text(q4[2]["not-returned.md"])
    table = q4[2]["not-returned.md"].split("Detained with no return recorded \\[u\\] by", 1)[1]
    assert "not a count of people held" in table.split("\n")[0].replace("\\", "")
    main = _text(q4[2]["main-points.md"])
    assert ("Detained with no return recorded [u] (people recorded as detained minus people "
            "recorded as repatriated, up to the day: not a count of people held)") in main
    assert text.count("[u]") >= 23
    replaced = dataclasses.replace(q4[0], groups=[])
    assert "Detained with no return recorded" not in _text(
        fragments(replaced, q4[1], [])["main-points.md"])
