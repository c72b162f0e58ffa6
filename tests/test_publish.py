"""The publishing stage: tables, formats, metadata, releases, revisions, atomicity.

Fixtures: tiny raw returns in tests/fixtures/publish/ (see its README), validated and loaded
into a warehouse in a temporary folder (toolkit.checks.validate), then published with
toolkit.publish.publish_release.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.checks import validate
from toolkit.config import load_config
from toolkit.publish import Field, PublishError, TableSpec, publish_release
from toolkit.publish.disclosure import suppression_pattern
from toolkit.publish.formats import csv_text, place_name_fields
from toolkit.publish.privacy import value_hits
from toolkit.textsafety import FORMULA_TRIGGERS, neutralise, unneutralise
from toolkit.warehouse import connect

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "publish"
GOLDEN = HERE / "golden" / "publish"
REPO = HERE.parent
V1_AS_OF = dt.date(2025, 6, 30)
V2_AS_OF = dt.date(2025, 9, 30)
EVENT_TABLES = ("sources", "detentions", "repatriations", "fatalities")
#: The names the published files give beside the fixtures' ISO codes.
PLACE_NAMES = {"KHM": ("Cambodia", "캄보디아"), "KOR": ("South Korea", "대한민국"),
               "THA": ("Thailand", "태국"), "VNM": ("Vietnam", "베트남"), "LAO": ("Laos", "라오스"),
               "MMR": ("Myanmar", "미얀마"), "CHN": ("China", "중국"),
               "XXX": ("Several or unspecified", "여러 국적 또는 미상")}


def build_warehouse(raw: Path, out: Path, as_of: dt.date) -> Path:
    """Validate ``raw`` and load it into ``out/warehouse.duckdb``, as `toolkit load` does."""
    validated = validate(raw, as_of, out_dir=out)
    if validated.report.exit_code != 0:
        raise RuntimeError(f"fixture {raw} is invalid: {validated.report.summary()}")
    return validated.warehouse


def read_csv(path: Path, spec: TableSpec | None = None) -> pl.DataFrame:
    """A published CSV; with ``spec``, its columns typed and without the names the files add
    beside each ISO code (``country_en``, ``country_ko``, ...)."""
    data = path.read_bytes()
    if spec is None:
        return pl.read_csv(io.BytesIO(data), infer_schema=False)
    named = place_name_fields(spec)
    return pl.read_csv(io.BytesIO(data), schema=named.schema).select(spec.columns)


def manifest_of(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def tree_bytes(folder: Path, skip: tuple[str, ...] = ("warehouse.duckdb",)) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in skip}


#: The coverage of the fixtures: detentions and repatriations from their first record, deaths
#: collected from 15 April 2025 and of South Koreans only (so 2025-Q1 deaths are not
#: collected, and 2025-Q2 deaths are partly).
FIXTURE_COVERAGE = """\
fatalities:
  from: 2025-04-15
  nationalities: [KOR]
"""


@pytest.fixture(scope="module", autouse=True)
def fixture_config(tmp_path_factory):
    """The repository's configuration with the fixtures' coverage, as $TOOLKIT_CONFIG, while
    this module runs (not after: other modules read the shipped configuration)."""
    folder = tmp_path_factory.mktemp("config") / "config"
    shutil.copytree(REPO / "config", folder)
    (folder / "coverage.yaml").write_text(FIXTURE_COVERAGE, encoding="utf-8")
    before = os.environ.get("TOOLKIT_CONFIG")
    os.environ["TOOLKIT_CONFIG"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("TOOLKIT_CONFIG", None)
    else:
        os.environ["TOOLKIT_CONFIG"] = before


@pytest.fixture(scope="module")
def warehouse_v1(tmp_path_factory) -> Path:
    """A warehouse file loaded from raw-v1 as of 2025-06-30 (copy it; do not publish into it)."""
    folder = tmp_path_factory.mktemp("warehouse-v1")
    return build_warehouse(FIXTURES / "raw-v1", folder, V1_AS_OF)


@pytest.fixture(scope="module")
def release_v1(tmp_path_factory, warehouse_v1):
    """raw-v1 published once, for the read-only tests."""
    out = tmp_path_factory.mktemp("out-v1")
    shutil.copy(warehouse_v1, out / "warehouse.duckdb")
    return publish_release(out)


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory, warehouse_v1):
    """raw-v1 published as of 2025-06-30, then raw-v2 loaded and published as of 2025-09-30
    into the same --out."""
    out = tmp_path_factory.mktemp("out-v1-v2")
    shutil.copy(warehouse_v1, out / "warehouse.duckdb")
    first = publish_release(out)
    build_warehouse(FIXTURES / "raw-v2", out, V2_AS_OF)
    second = publish_release(out)
    return out, first, second


def fresh_out(tmp_path: Path, warehouse: Path, name: str = "out") -> Path:
    out = tmp_path / name
    out.mkdir()
    shutil.copy(warehouse, out / "warehouse.duckdb")
    return out


# --------------------------------------------------------------------------- golden files


def test_published_csvs_match_golden_files(release_v1):
    data = release_v1.dir / "data"
    published = sorted(p.name for p in data.glob("*.csv") if not p.name.endswith("-excel.csv"))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in GOLDEN.glob("*.csv"):
            old.unlink()
        for name in published:
            (GOLDEN / name).write_bytes((data / name).read_bytes())
    golden = sorted(p.name for p in GOLDEN.glob("*.csv"))
    assert published == golden
    for name in published:
        assert (data / name).read_bytes() == (GOLDEN / name).read_bytes(), (
            f"{name} differs from tests/golden/publish/{name}; if the change is intended, "
            "rerun with UPDATE_GOLDEN=1 and review the diff")


# --------------------------------------------------------------------------- round trips


def test_published_event_csvs_read_back_equal_the_warehouse(release_v1):
    """Each event table as published is the warehouse's, under the publication policy: the
    fatalities' exact age is an age band and their notes are not published."""
    from toolkit.contracts import load_contracts
    from toolkit.publish.policy import apply, public_spec
    from toolkit.publish.specs import contract_spec

    contracts = load_contracts()
    policy = load_config().disclosure.policy
    con = connect(release_v1.dir.parent.parent)
    try:
        for name in EVENT_TABLES:
            raw = contract_spec(contracts[name])
            spec = public_spec(raw, policy)
            assert "__file" not in spec.columns and "__row" not in spec.columns
            expected = apply(con.sql(f'SELECT {", ".join(raw.columns)} FROM "{name}" '
                                     f"ORDER BY {raw.primary_key[0]}").pl().cast(raw.schema),
                             name, policy)
            named = place_name_fields(spec)  # the files add names beside each ISO code
            got = pl.read_csv(release_v1.dir / "data" / f"{name}.csv", schema=named.schema)
            text = [f.name for f in named.fields if f.is_text]
            got = got.with_columns(pl.col(c).map_elements(unneutralise, return_dtype=pl.String)
                                   for c in text)
            assert got.columns == named.columns
            names = [c for c in named.columns if c not in spec.columns]
            codes = [c for c in spec.columns if c in ("country", "nationality", "from_country")]
            assert names == [f"{c}_{lang}" for c in codes for lang in ("en", "ko")], name
            for code in codes:  # CLDR's short names, as a reader knows them
                for iso, en, ko in got.select(code, f"{code}_en", f"{code}_ko").iter_rows():
                    assert PLACE_NAMES[iso] == (en, ko), (name, code, iso)
            assert got.drop(names).equals(expected.cast(spec.schema)), name
            parquet = pl.read_parquet(release_v1.dir / "data" / f"{name}.parquet")
            assert parquet.drop(names).equals(expected.cast(spec.schema)), name
            assert parquet.select(names).equals(got.select(names)), name
        published = read_csv(release_v1.dir / "data" / "fatalities.csv").columns
        assert "age_band" in published and "age" not in published and "notes" not in published
    finally:
        con.close()


ROUND_TRIP_SPEC = TableSpec("t", "t", "t", (
    Field("text", "string", "free text"),
    Field("n", "integer", "a number"),
    Field("day", "date", "a date"),
), "datasets")

_texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                 max_size=12).filter(
    lambda s: not (s.startswith("'") and s[1:].startswith(FORMULA_TRIGGERS)))
_rows = st.lists(st.tuples(
    st.none() | _texts,
    st.none() | st.integers(min_value=-(2**62), max_value=2**62),
    st.none() | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)),
), max_size=15)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rows)
def test_csv_round_trip_property(rows):
    frame = pl.DataFrame(rows, schema=ROUND_TRIP_SPEC.schema, orient="row")
    text = csv_text(frame, ROUND_TRIP_SPEC)
    assert text.endswith("\r\n")
    back = pl.read_csv(io.BytesIO(text.encode("utf-8")), schema=ROUND_TRIP_SPEC.schema)
    for cell in back["text"].drop_nulls():  # a plain number such as -0 is a number, no formula
        assert not cell.startswith(FORMULA_TRIGGERS) or re.fullmatch(r"[+-]?\d+(\.\d+)?", cell)
    back = back.with_columns(pl.col("text").map_elements(unneutralise, return_dtype=pl.String))
    # an empty text cell and a missing one are the same in CSV
    expected = frame.with_columns(pl.when(pl.col("text") == "").then(None)
                                  .otherwise(pl.col("text")).alias("text"))
    assert back.equals(expected)


# --------------------------------------------------------------------------- formula injection


def test_text_cells_are_neutralised_and_negative_numbers_stay_numbers(release_v1):
    data = release_v1.dir / "data"
    def text(name: str) -> str:  # read_text would turn CRLF into LF
        return (data / name).read_bytes().decode("utf-8")

    sources = text("sources.csv")
    assert ',"Lao & Chinese officials detain 50 ""workers"" at KK Park",' in sources
    detentions = text("detentions.csv")
    assert ",'+ 2 more reported later\r\n" in detentions
    assert ",'-3 compared with the first report\r\n" in detentions
    assert ",'- 'more than 50' in the report\r\n" in detentions
    assert "+1 death reported" not in text("fatalities.csv")  # deaths' notes are withheld
    # the negative stock is a number, written without apostrophe or quotes
    findings = text("reconciliation_findings.csv")
    assert "KHM,Cambodia,캄보디아,THA,Thailand,태국,2025-03-01,-2,4,6,DET-0002;REP-0001\r\n" \
        in findings
    frame = pl.read_csv(data / "reconciliation_findings.csv")
    assert frame["not_returned"].dtype == pl.Int64
    assert frame["not_returned"].to_list() == [-2]
    # in every published CSV, only numbers start with a minus sign
    for path in data.glob("*.csv"):
        for row in read_csv(path).iter_rows():
            for cell in row:
                if cell is not None and cell.startswith(FORMULA_TRIGGERS):
                    assert re.fullmatch(r"-[0-9]+", cell), (path.name, cell)


def test_formulas_that_reach_the_writer_are_neutralised():
    # the validator refuses = and @ in raw text; the writer does not rely on it
    spec = TableSpec("t", "t", "t", (Field("text", "string", "x"), Field("n", "integer", "y")),
                     "datasets")
    frame = pl.DataFrame({"text": ['=HYPERLINK("http://x.example","a")', "@SUM(A1)", "\tx",
                                   "ok"], "n": [-1, -20, 0, 5]})
    text = csv_text(frame, spec)
    assert text.splitlines() == ["text,n", '"\'=HYPERLINK(""http://x.example"",""a"")",-1',
                                 "'@SUM(A1),-20", "'\tx,0", "ok,5"]


def test_neutralise_only_touches_leading_trigger_characters():
    assert neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("\rx") == "'\rx"
    assert neutralise("\uff1dcmd") == "'\uff1dcmd"
    assert neutralise("a=b") == "a=b"
    assert neutralise("'quoted'") == "'quoted'"
    assert unneutralise("'=SUM(A1)") == "=SUM(A1)"
    assert unneutralise("'quoted'") == "'quoted'"


def test_excel_csv_has_bom_and_same_content(release_v1):
    data = release_v1.dir / "data"
    for path in data.glob("*-excel.csv"):
        plain = data / path.name.replace("-excel.csv", ".csv")
        assert path.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    assert not (data / "detentions.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_workbook_layout_and_strings_are_not_formulas(release_v1):
    from openpyxl import load_workbook

    wb = load_workbook(release_v1.dir / f"scamstats-{release_v1.release_id}.xlsx")
    names = wb.sheetnames
    assert names[:3] == ["Cover", "Contents", "Notes"]
    assert {"detentions", "quarterly_summary", "detentions_by_sex", "revisions"} <= set(names)
    assert wb.properties.created == dt.datetime(2025, 6, 30)
    ws = wb["sources"]
    header = [c.value for c in ws[5]]  # headers say what a column holds, codes get words
    assert header[:3] == ["Source identifier", "Publisher of the source", "Title of the source"]
    assert header.index("Type of source: in words") == header.index("Type of source") + 1
    title = next(r[2] for r in ws.iter_rows(min_row=6) if r[0].value == "SRC-2")
    assert title.data_type == "s" and title.value.startswith("Lao & Chinese")
    ws = wb["detentions"]
    header = [c.value for c in ws[5]]
    assert header[3:6] == ["Country (ISO code) [note 5]", "Country: in English",
                           "Country: in Korean"]
    notes = ws[6][header.index("Notes")]  # DET-0001's notes: the text as recorded, no formula
    assert notes.data_type == "s" and notes.value == "+ 2 more reported later"
    khm = ws[6][4]
    assert (ws[6][3].value, khm.value, ws[6][5].value) == ("KHM", "Cambodia", "캄보디아")
    note_refs = {r[0]: r[1] for r in wb["Notes"].iter_rows(min_row=4, values_only=True)}
    assert note_refs["[note 5]"] == "Totals"  # the reference in a header names a real note
    ws = wb["reconciliation_findings"]
    header = [c.value for c in ws[5]]
    held = next(r for r in ws.iter_rows(min_row=6, values_only=True))[
        header.index("Detained with no return recorded (number, negative) [note 6]")]
    assert held == -2
    # a missing value shows its shorthand in the cell; the sheet explains the shorthand it uses
    qs = wb["quarterly_summary"]
    cols = [c.value for c in qs[5]]
    assert "[x] not available" in qs["A2"].value and "[c]" not in qs["A2"].value
    khm_tha = [r for r in qs.iter_rows(min_row=6, values_only=True)
               if r[cols.index("Country (ISO code) [note 5]")] == "KHM"
               and r[cols.index("Nationality (ISO code) [note 5]")] == "THA"]
    died = next(c for c in cols if c.startswith("Deaths recorded (number)"))
    assert khm_tha[0][cols.index(died)] == "[x]"
    assert khm_tha[0][cols.index(
        "Detained with no return recorded at the end (number) [note 6]")] == -2


# --------------------------------------------------------------------------- summary tables


def test_summary_cells_follow_coverage_qualifiers_and_the_derived_measure(release_v1):
    """raw-v1 by hand: the derived measure is published negative with [u] and a note, only
    where it is negative; deaths are [x] where not collected (before April 2025, or not of
    South Koreans); the ALL rows are the sums of their parts."""
    from toolkit.publish.specs import summary_spec

    q = read_csv(release_v1.dir / "data" / "quarterly_summary.csv", summary_spec("quarterly"))
    cols = ("detained", "repatriated", "died", "not_returned_at_end")

    def row(period, country, nationality):
        [r] = q.filter((pl.col("period") == period) & (pl.col("country") == country)
                       & (pl.col("nationality") == nationality)).to_dicts()
        return r

    kor1 = row("2025-Q1", "KHM", "KOR")
    assert [kor1[c] for c in cols] == [10, 4, None, 6]
    assert [kor1[f"{c}_status"] for c in cols] == [None, None, "[x]", "[u]"]
    assert "died not collected: fatalities cover 2025-04-15 to 2025-06-30" in kor1["note"]
    # the first records' periods are covered whole when no start is declared
    assert "partly collected" not in kor1["note"]
    tha1, tha2 = row("2025-Q1", "KHM", "THA"), row("2025-Q2", "KHM", "THA")
    assert [tha1[c] for c in cols] == [4, 6, None, -2]
    assert tha1["not_returned_at_end_status"] == "[u]"
    assert "not_returned_at_end negative: 2 more people recorded as repatriated" in tha1["note"]
    assert "died not collected: fatalities cover KOR nationals only" in tha1["note"]
    assert [tha2[c] for c in cols] == [0, 0, None, -2]
    assert tha2["not_returned_at_end_status"] == "[u] [p]"
    kor2 = row("2025-Q2", "KHM", "KOR")
    assert [kor2[c] for c in cols] == [6, 0, 0, 12]
    assert kor2["died_status"] == "[p]" and kor2["not_returned_at_end_status"] == "[u] [p]"
    assert "died partly collected: fatalities cover 2025-04-15 to 2025-06-30" in kor2["note"]
    assert "negative" not in (kor2["note"] or "")
    # a death with no detention or repatriation of the group: the measure does not apply
    vnm = row("2025-Q2", "VNM", "KOR")
    assert [vnm[c] for c in cols] == [0, 0, 1, None]
    assert vnm["not_returned_at_end_status"] == "[z] [p]"
    # a month-dated record whose window began in March: its cell says so
    mmr = row("2025-Q2", "MMR", "XXX")
    assert mmr["detained"] == 50 and "detained rests partly on imprecise dates: 50" in mmr["note"]
    # totals: ALL is the sum of its parts, cell by cell, the derived measure included
    for period in ("2025-Q1", "2025-Q2"):
        part = q.filter((pl.col("period") == period) & (pl.col("country") != "ALL")
                        & (pl.col("nationality") != "ALL"))
        total = row(period, "ALL", "ALL")
        for c in ("detained", "repatriated", "not_returned_at_end"):
            assert total[c] == part[c].sum(), (period, c)
        assert total["died"] is None and total["died_status"].startswith("[x]")
        for country in part["country"].unique():
            assert row(period, country, "ALL")["detained"] == part.filter(
                pl.col("country") == country)["detained"].sum()
    assert row("2025-Q2", "ALL", "ALL")["not_returned_at_end"] == 70 - 10
    # the latest quarter is provisional, the others are not
    assert set(q.filter(pl.col("period") == "2025-Q2")["detained_status"]) == {"[p]"}
    assert q.filter(pl.col("period") == "2025-Q1")["detained_status"].null_count() == \
        q.filter(pl.col("period") == "2025-Q1").height
    m = read_csv(release_v1.dir / "data" / "monthly_summary.csv", summary_spec("monthly"))
    assert m["period"].unique().sort().to_list() == [f"2025-0{i}" for i in range(1, 7)]
    # the months of the provisional quarter are provisional too, the others are not
    flagged = {p for p, st in m.select("period", "detained_status").iter_rows() if st == "[p]"}
    assert flagged == {"2025-04", "2025-05", "2025-06"}
    # the monthly and quarterly flows agree
    parts = (pl.col("country") != "ALL") & (pl.col("nationality") != "ALL")
    assert m.filter(parts)["detained"].sum() == q.filter(parts)["detained"].sum() == 70


# --------------------------------------------------------------------------- disclosure control


def test_suppression_pattern_hides_the_whole_breakdown_of_a_row_with_a_small_count():
    assert suppression_pattern([2, 12, 0], 3) == [True, True, True]
    assert suppression_pattern([1, 0, 0], 3) == [True, True, True]
    assert suppression_pattern([1, 1, 5], 3) == [True, True, True]  # issue 18: [c],[c],5 of 7
    assert suppression_pattern([3, 12, 0], 3) == [False, False, False]
    assert suppression_pattern([0, 0, 9], 3) == [False, False, False]
    assert suppression_pattern([4, 9, 1], 5) == [True, True, True]
    assert suppression_pattern([1, 1, 1], 1) == [False, False, False]


@pytest.fixture(scope="module")
def release_v1_admin(tmp_path_factory, warehouse_v1, fixture_config):
    """raw-v1 published under the administrative profile (tables by sex and age protected)."""
    out = tmp_path_factory.mktemp("out-v1-admin")
    shutil.copy(warehouse_v1, out / "warehouse.duckdb")
    config = tmp_path_factory.mktemp("config-admin") / "config"
    shutil.copytree(fixture_config, config)
    (config / "disclosure.yaml").write_text("profile: administrative\nthreshold: 3\n",
                                            encoding="utf-8")
    return publish_release(out, config=load_config(config))


def test_sex_and_age_tables_are_suppressed_under_the_administrative_profile(release_v1_admin):
    from toolkit.publish.breakdowns import breakdown_spec

    data = release_v1_admin.dir / "data"
    spec = breakdown_spec("detentions_by_sex")
    d = read_csv(data / "detentions_by_sex.csv", spec)
    q1 = d.filter(pl.col("period") == "2025-Q1").row(0, named=True)
    # 2 women: the whole breakdown of the row is suppressed, zeros included; the total stays
    assert [(q1[c], q1[f"{c}_status"]) for c in ("female", "male", "sex_unknown")] == [
        (None, "[c]")] * 3
    assert (q1["total"], q1["total_status"]) == (14, None)
    q2 = d.filter((pl.col("period") == "2025-Q2") & (pl.col("country") == "KHM")).row(
        0, named=True)
    assert (q2["female"], q2["male"], q2["female_status"]) == (0, 6, "[p]")
    f = read_csv(data / "fatalities_by_sex.csv", breakdown_spec("fatalities_by_sex")).row(
        0, named=True)
    assert [(f[c], f[f"{c}_status"]) for c in ("female", "male", "sex_unknown")] == [
        (None, "[c] [p]")] * 3
    assert f["total"] == 1
    ages = breakdown_spec("fatalities_by_age")
    a = read_csv(data / "fatalities_by_age.csv", ages).row(0, named=True)
    assert all(a[c] is None and a[f"{c}_status"] == "[c] [p]"
               for c in ages.measures if c != "total")
    # the open event files give no sex or age of a person under this profile
    for name in ("detentions", "fatalities"):
        columns = read_csv(data / f"{name}.csv").columns
        assert not {"females", "males", "sex", "age", "age_band", "notes"} & set(columns)


def test_sex_and_age_tables_are_not_pretend_suppressed_under_the_public_sources_profile(
        release_v1):
    from toolkit.publish.breakdowns import breakdown_spec

    data = release_v1.dir / "data"
    d = read_csv(data / "detentions_by_sex.csv", breakdown_spec("detentions_by_sex", False))
    q1 = d.filter(pl.col("period") == "2025-Q1").row(0, named=True)
    assert (q1["female"], q1["male"], q1["sex_unknown"], q1["total"]) == (2, 12, 0, 14)
    # what the open event file says, counted independently
    rows = [r for r in csv.DictReader(io.StringIO((data / "detentions.csv").read_text(
        encoding="utf-8"))) if r["event_date"] < "2025-04-01"]
    assert sum(int(r["females"] or 0) for r in rows) == 2
    assert sum(int(r["males"] or 0) for r in rows) == 12


def test_disclosure_threshold_comes_from_config(tmp_path, warehouse_v1, fixture_config):
    config = tmp_path / "config"
    shutil.copytree(fixture_config, config)
    assert load_config(config).disclosure.threshold == 3
    (config / "disclosure.yaml").write_text("profile: administrative\nthreshold: 15\n",
                                            encoding="utf-8")
    out = fresh_out(tmp_path, warehouse_v1)
    release = publish_release(out, config=load_config(config))
    d = pl.read_parquet(release.dir / "data" / "detentions_by_sex.parquet")
    q1 = d.filter(pl.col("period") == "2025-Q1").row(0, named=True)
    assert q1["male"] is None and q1["female"] is None  # 12 < 15
    khm_q2 = d.filter((pl.col("period") == "2025-Q2") & (pl.col("country") == "KHM")).row(
        0, named=True)
    assert khm_q2["male"] is None and khm_q2["female"] is None  # 6 < 15: the whole row
    notes = (release.dir / "dictionary.md").read_text(encoding="utf-8")
    assert r"a count from 1 to 14 suppresses every cell of its row \[c\]" in notes  # Markdown


# --------------------------------------------------------------------------- metadata


def test_datapackage_is_valid_frictionless(release_v1):
    import frictionless

    path = release_v1.dir / "datapackage.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["licenses"][0]["name"] == "CC-BY-4.0"
    assert {r["name"] for r in doc["resources"]} >= {
        "sources", "detentions", "repatriations", "fatalities", "quarterly_summary",
        "monthly_summary", "reconciliation_findings", "revisions", "changelog"}
    detentions = next(r for r in doc["resources"] if r["name"] == "detentions")
    described = {f["name"]: f["description"] for f in detentions["schema"]["fields"]}
    assert described["persons"] == "Number of people."
    assert "__file" not in described and "__row" not in described
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


#: Record ids (and other texts) that try to write Markdown into a published file.
HOSTILE_TEXTS = (
    "DET-1\n# This release is withdrawn",
    "DET-2\r\n\r\nThis release is withdrawn\n===",
    "[x](https://evil.example)",
    "![](https://evil.example/i.png)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`code` and ``more``",
    "a | b | c",
    "https://evil.example/bare and www.evil.example and kim@evil.example",
    "_emphasis_ *strong* ~~struck~~ $x$ &amp; \\",
    "- a list\n1. and another\n> a quote",
    "[ref]: https://evil.example",
    "DET-2025-0001",
    "quarterly_summary",
)


def _markdown_tokens(text: str) -> list:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])

    def flat(tokens):
        for t in tokens:
            yield t
            yield from flat(t.children or [])

    return list(flat(md.parse(text)))


def _gfm_html(text: str) -> str:
    """``text`` rendered by Pandoc's GFM reader (autolinks included)."""
    import subprocess

    pypandoc = pytest.importorskip("pypandoc")
    return subprocess.run([pypandoc.get_pandoc_path(), "-f", "gfm", "-t", "html"], input=text,
                          capture_output=True, text=True, check=True).stdout


def test_markdown_text_shows_any_text_literally_on_one_line():
    from toolkit.publish.meta import markdown_text

    for text in HOSTILE_TEXTS:
        line = f"- added (1): {markdown_text(text)}"
        assert "\n" not in line and "\r" not in line
        tokens = _markdown_tokens(line)
        kinds = {t.type for t in tokens}
        assert kinds == {"bullet_list_open", "list_item_open", "paragraph_open", "inline",
                         "text", "paragraph_close", "list_item_close", "bullet_list_close"}, text
        shown = "".join(t.content for t in tokens if t.type == "text")
        assert shown == "added (1): " + " ".join(text.replace("\r\n", "\n").splitlines()), text
        html = _gfm_html(line)
        assert re.findall(r"<(\w+)", html) == ["ul", "li"], (text, html)  # no link, no image
    # ordinary ids and names stay readable
    assert markdown_text("DET-2025-0001") == "DET-2025-0001"
    assert markdown_text("quarterly_summary") == "quarterly_summary"
    assert markdown_text("Number of people.") == "Number of people."


def test_hostile_record_ids_add_no_markup_to_changes_md():
    from toolkit.publish.meta import changelog_markdown

    ids = list(HOSTILE_TEXTS)
    changelog = pl.DataFrame({
        "dataset": ["detentions"] * len(ids) + ["repatriations"] * 2,
        "record_id": ids + ["REP-1\n## Withdrawn", "REP-1\n## Withdrawn"],
        "change": ["added"] * (len(ids) - 1) + ["removed", "changed", "changed"],
        "column": [None] * len(ids) + ["notes", "persons](https://evil.example)"],
    })
    revisions = pl.DataFrame({"table": ["quarterly_summary\n# Withdrawn"]})
    text = changelog_markdown("2025-09-30", "2025-06-30", changelog, revisions)
    tokens = _markdown_tokens(text)
    headings = [(t.tag, tokens[i + 1].content) for i, t in enumerate(tokens)
                if t.type == "heading_open"]
    assert headings == [("h1", "Changes in release 2025-09-30"), ("h2", "Records"),
                        ("h3", "detentions"), ("h3", "repatriations"),
                        ("h2", "Revised figures")]
    assert not {"link_open", "image", "html_inline", "html_block", "code_inline",
                "code_block", "fence", "hr", "blockquote_open", "ordered_list_open",
                "table_open", "s_open", "em_open", "strong_open"} & {t.type for t in tokens}
    shown = ["".join(c.content for c in t.children if c.type == "text")
             for t in tokens if t.type == "inline" and t.children]
    one_line = [" ".join(i.replace("\r\n", "\n").splitlines()) for i in ids]
    assert f"added ({len(ids) - 1}): " + ", ".join(one_line[:-1]) in shown
    assert f"removed (1): {one_line[-1]}" in shown
    assert "changed REP-1 ## Withdrawn: notes, persons](https://evil.example)" in shown
    assert "quarterly_summary # Withdrawn: 1 cells (see revisions.csv)" in shown
    html = _gfm_html(text)
    assert "<a " not in html and "<img" not in html and "<script" not in html
    assert re.findall(r"<h(\d)", html) == ["1", "2", "3", "3", "2"]


def test_hostile_names_and_descriptions_add_no_markup_to_the_dictionary():
    from dataclasses import replace

    from toolkit.publish.meta import dictionary_markdown
    from toolkit.publish.specs import STATUS_ORDER

    publisher = replace(load_config(REPO / "config").publisher,
                        title="Scams\n# Withdrawn [x](https://evil.example)")
    spec = TableSpec("t", "Title ![](https://evil.example/i.png)", "Text\n\n<script>x</script>",
                     (Field("a|b`c", "string", "desc | with pipe\n## Heading",
                            values=("x|y", "[z](https://evil.example)")),), "datasets")
    text = dictionary_markdown("2025-09-30", publisher, [spec], {"t": 1},
                               {"t": ["data/t`1.csv"]}, [("Note\n# H", "`x` <b>y</b>")])
    tokens = _markdown_tokens(text)
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h1", "h2", "h2", "h2", "h2"]
    assert not {"link_open", "image", "html_inline", "html_block"} & {t.type for t in tokens}
    # every row of the tables keeps its cells: the pipes in the texts are text
    cells, widths = 0, []
    for t in tokens:
        if t.type in ("th_open", "td_open"):
            cells += 1
        elif t.type == "tr_close":
            widths.append(cells)
            cells = 0
    # the status shorthand table (a header, a row per shorthand), then the columns table
    assert widths == [2] * (1 + len(STATUS_ORDER)) + [4, 4]
    assert "desc | with pipe ## Heading" in [t.content for t in tokens if t.type == "text"]
    html = _gfm_html(text)
    assert "<a " not in html and "<img" not in html and "<script" not in html


def test_dictionary_citation_and_manifest(release_v1):
    out = release_v1.dir.parent.parent
    dictionary = (release_v1.dir / "dictionary.md").read_text(encoding="utf-8")
    assert "## quarterly_summary" in dictionary
    assert "`not_returned_at_end_status`" in dictionary
    assert "Number of people." in dictionary
    citation = (release_v1.dir / "CITATION.txt").read_text(encoding="utf-8")
    assert "release 2025-06-30" in citation and "CC-BY-4.0" in citation
    manifest = manifest_of(out)
    assert manifest["release_id"] == "2025-06-30"
    assert (out / "manifest.json").read_bytes() == (release_v1.dir / "manifest.json").read_bytes()
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in release_v1.dir.rglob("*") if p.is_file()}
    # the newest release also holds the files the top of --out links to (.top/)
    top = {f"releases/2025-06-30/.top/{n}" for n in ("SHA256SUMS", "latest.json")}
    assert top <= on_disk
    for path in top:
        name = path.rsplit("/", 1)[1]
        assert os.readlink(out / name) == f"releases/latest/.top/{name}"
        assert (out / name).read_bytes() == (out / path).read_bytes()
    assert os.readlink(out / "releases" / "latest") == "2025-06-30"
    assert set(listed) == on_disk - {"releases/2025-06-30/manifest.json",
                                     "releases/2025-06-30/SHA256SUMS"} - top
    for path, entry in listed.items():
        body = (out / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(body).hexdigest()
        assert entry["bytes"] == len(body)
    assert listed["releases/2025-06-30/data/detentions.csv"]["rows"] == 4
    assert listed["releases/2025-06-30/data/detentions.parquet"]["rows"] == 4
    assert listed["releases/2025-06-30/index.html"]["rows"] is None
    sums = (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(sums) == len(listed)
    for line in sums:
        digest, path = line.split("  ", 1)
        assert hashlib.sha256((out / path).read_bytes()).hexdigest() == digest
    latest = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert latest["release_id"] == "2025-06-30"
    assert (out / latest["index"]).is_file()


# --------------------------------------------------------------------------- determinism


@pytest.mark.slow  # two publishes
def test_same_warehouse_and_as_of_give_byte_identical_files(tmp_path, warehouse_v1):
    first = fresh_out(tmp_path, warehouse_v1, "a")
    second = fresh_out(tmp_path, warehouse_v1, "b")
    publish_release(first)
    publish_release(second)
    a, b = tree_bytes(first), tree_bytes(second)
    assert sorted(a) == sorted(b)
    assert any(k.endswith(".xlsx") for k in a) and any(k.endswith(".parquet") for k in a)
    different = [k for k in a if a[k] != b[k]]
    assert different == []
    # publishing again over the same release changes nothing either
    publish_release(first)
    assert tree_bytes(first) == a


# --------------------------------------------------------------------------- releases, revisions


@pytest.mark.slow  # a second release
def test_revisions_between_two_releases(two_releases):
    out, first, second = two_releases
    assert second.previous is not None and second.previous.release_id == "2025-06-30"
    assert (out / "releases" / "2025-06-30" / "index.html").is_file()  # kept
    assert manifest_of(out)["release_id"] == "2025-09-30"
    rev = pl.read_parquet(second.dir / "data" / "revisions.parquet")
    q = rev.filter(pl.col("table") == "quarterly_summary")
    assert q.select("period", "country", "nationality", "measure", "previous_value", "value"
                    ).rows() == [
        ("2025-Q2", "ALL", "ALL", "detained", 56, 55),
        ("2025-Q2", "ALL", "ALL", "not_returned_at_end", 60, 59),
        ("2025-Q2", "ALL", "KOR", "detained", 6, 0),
        ("2025-Q2", "ALL", "KOR", "not_returned_at_end", 12, 6),
        ("2025-Q2", "ALL", "XXX", "detained", 50, 55),
        ("2025-Q2", "ALL", "XXX", "not_returned_at_end", 50, 55),
        ("2025-Q2", "KHM", "ALL", "detained", 6, 0),
        ("2025-Q2", "KHM", "ALL", "not_returned_at_end", 10, 4),
        ("2025-Q2", "KHM", "KOR", "detained", 6, 0),
        ("2025-Q2", "KHM", "KOR", "not_returned_at_end", 12, 6),
        ("2025-Q2", "MMR", "ALL", "detained", 50, 55),
        ("2025-Q2", "MMR", "ALL", "not_returned_at_end", 50, 55),
        ("2025-Q2", "MMR", "XXX", "detained", 50, 55),
        ("2025-Q2", "MMR", "XXX", "not_returned_at_end", 50, 55),
    ]
    # they were provisional; the derived measure keeps its low-reliability marker
    assert set(q.filter(pl.col("measure") == "detained")["previous_status"]) == {"[p]"}
    assert set(q.filter(pl.col("measure") == "detained")["status"]) == {"[r]"}
    derived = q.filter(pl.col("measure") == "not_returned_at_end")
    assert set(derived["previous_status"]) == {"[u] [p]"}
    assert set(derived["status"]) == {"[u] [r]"}
    assert set(q["previous_release"]) == {"2025-06-30"}
    summary = pl.read_parquet(second.dir / "data" / "quarterly_summary.parquet")
    mmr = summary.filter((pl.col("period") == "2025-Q2") & (pl.col("country") == "MMR")).row(
        0, named=True)
    assert (mmr["detained"], mmr["detained_status"]) == (55, "[r]")
    assert "revised since release 2025-06-30" in mmr["note"]
    unrevised = summary.filter(pl.col("period") == "2025-Q1")
    assert unrevised["detained_status"].null_count() == unrevised.height
    q3 = summary.filter(pl.col("period") == "2025-Q3")
    assert set(q3["detained_status"]) == {"[p]"}  # new period: provisional, not revised
    # the Q2 row of detentions_by_sex for Cambodia is gone: listed as removed
    by_sex = rev.filter(pl.col("table") == "detentions_by_sex")
    assert by_sex.select("period", "country", "measure", "previous_value", "value", "note"
                         ).rows() == [
        ("2025-Q2", "KHM", "male", 6, 0, "no row in this release"),
        ("2025-Q2", "KHM", "total", 6, 0, "no row in this release"),
        ("2025-Q2", "MMR", "sex_unknown", 50, 55, None),
        ("2025-Q2", "MMR", "total", 50, 55, None),
    ]
    # the data changelog
    log = pl.read_csv(second.dir / "data" / "changelog.csv")
    assert log.select("dataset", "record_id", "change", "column").rows() == [
        ("detentions", "DET-0003", "changed", "persons"),
        ("detentions", "DET-0003", "changed", "notes"),
        ("detentions", "DET-0004", "removed", None),
        ("detentions", "DET-0005", "added", None),
        ("repatriations", "REP-0003", "added", None),
    ]
    persons = log.filter(pl.col("column") == "persons").row(0, named=True)
    assert (persons["previous_value"], persons["value"]) == ("50", "55")
    changes = (second.dir / "CHANGES.md").read_text(encoding="utf-8")
    assert "Compared with release 2025-06-30" in changes and "DET-0005" in changes
    index = (second.dir / "index.html").read_text(encoding="utf-8")
    assert 'href="../2025-06-30/index.html"' in index


@pytest.mark.slow  # three publishes
def test_publishing_an_earlier_as_of_keeps_the_newest_release_current(two_releases, tmp_path):
    out, first, second = two_releases
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    # the warehouse holds raw-v2 as of 2025-09-30; a release as of 2025-06-30 from it has the
    # records dated by then, so DET-0005 and REP-0003 are not in it
    again = publish_release(copy, as_of=V1_AS_OF)
    assert not again.is_current
    assert manifest_of(copy)["release_id"] == "2025-09-30"
    detentions = pl.read_csv(again.dir / "data" / "detentions.csv")
    assert detentions["record_id"].to_list() == ["DET-0001", "DET-0002", "DET-0003"]
    with pytest.raises(PublishError, match="loaded as of 2025-09-30"):
        publish_release(copy, as_of=dt.date(2025, 10, 1))


def test_period_must_have_ended_by_the_as_of_date(tmp_path, warehouse_v1):
    from toolkit.periods import parse_period

    out = fresh_out(tmp_path, warehouse_v1)
    with pytest.raises(PublishError, match="2025-Q3 ends on 2025-09-30"):
        publish_release(out, period=parse_period("2025-Q3"))
    release = publish_release(out, period=parse_period("2025-04"))
    q = pl.read_parquet(release.dir / "data" / "quarterly_summary.parquet")
    m = pl.read_parquet(release.dir / "data" / "monthly_summary.parquet")
    assert q["period"].unique().to_list() == ["2025-Q1"]
    assert m["period"].unique().sort().to_list()[-1] == "2025-04"


def test_no_warehouse_is_a_publish_error(tmp_path):
    with pytest.raises(PublishError, match="run `toolkit load` first"):
        publish_release(tmp_path)


def test_a_configuration_that_cannot_be_read_is_a_publish_error(tmp_path, warehouse_v1,
                                                                 monkeypatch):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    (config / "disclosure.yaml").write_text("threshold: none\n", encoding="utf-8")
    monkeypatch.setenv("TOOLKIT_CONFIG", str(config))
    out = fresh_out(tmp_path, warehouse_v1)
    with pytest.raises(PublishError, match="threshold must be a whole number"):
        publish_release(out)
    assert not (out / "manifest.json").exists()
    assert list((out / "releases").iterdir()) == []


# --------------------------------------------------------------------------- atomicity


def _failing_extra(ctx):
    (ctx.dir / "bulletin.html").write_text("<p>half written</p>", encoding="utf-8")
    raise RuntimeError("renderer crashed")


def _bulletin_extra(ctx):
    q = ctx.con.sql("SELECT sum(detained) FROM quarterly_summary "
                    "WHERE country <> 'ALL' AND nationality <> 'ALL'").fetchall()[0][0]
    path = ctx.path("bulletin.html")
    path.write_text(f"<html><body><p>{q} detained in {ctx.period.label} release "
                    f"{ctx.release_id}</p></body></html>\n", encoding="utf-8")
    return [path]


@pytest.mark.slow  # several publishes
def test_a_failed_publish_leaves_the_last_good_release(tmp_path, warehouse_v1):
    out = fresh_out(tmp_path, warehouse_v1)
    publish_release(out)
    before = tree_bytes(out)
    build_warehouse(FIXTURES / "raw-v2", out, V2_AS_OF)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        publish_release(out, extras=[_failing_extra])
    assert tree_bytes(out) == before
    assert sorted(p.name for p in (out / "releases").iterdir()) == ["2025-06-30", "latest"]
    # a killed run leaves a staging folder behind; the next run removes it and succeeds
    junk = out / "releases" / ".staging-2025-09-30-999999999"
    (junk / "data").mkdir(parents=True)
    (junk / "data" / "detentions.csv").write_text("partial", encoding="utf-8")
    release = publish_release(out, extras=[_bulletin_extra])
    assert not junk.exists()
    assert sorted(p.name for p in (out / "releases").iterdir()) == ["2025-06-30", "2025-09-30",
                                                                  "latest"]
    assert os.readlink(out / "releases" / "latest") == "2025-09-30"
    manifest = manifest_of(out)
    assert manifest["release_id"] == "2025-09-30"
    entry = next(f for f in manifest["files"] if f["path"].endswith("bulletin.html"))
    assert entry["rows"] is None
    assert "71 detained in 2025-Q3" in (release.dir / "bulletin.html").read_text()
    assert 'href="bulletin.html"' in (release.dir / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow  # a killed process
def test_a_run_killed_while_replacing_a_release_is_repaired(tmp_path, warehouse_v1):
    out = fresh_out(tmp_path, warehouse_v1)
    publish_release(out)
    before = tree_bytes(out)
    # killed between moving the old release aside and renaming the new one in
    os.rename(out / "releases" / "2025-06-30", out / "releases" / ".replaced-2025-06-30-999999999")
    publish_release(out)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in (out / "releases").iterdir()) == ["2025-06-30", "latest"]


# --------------------------------------------------------------------------- personal data


def _leaky_extra(ctx):
    path = ctx.path("contacts.md")
    path.write_text("Call the family on +82 10-1234-5678 or write to kim.minji@gmail.com\n",
                    encoding="utf-8")
    return [path]


def _leaky_table_extra(ctx):
    path = ctx.path("data/people.csv")
    path.write_text("record_id,full_name\r\nX-1,Kim\r\n", encoding="utf-8")
    return [path]


@pytest.mark.parametrize("extra, message", [
    (_leaky_extra, "phone number '\\+82 10-1234-5678'"),
    (_leaky_table_extra, "column named like personal data 'full_name'"),
])
def test_personal_data_fails_the_publish(tmp_path, warehouse_v1, extra, message):
    out = fresh_out(tmp_path, warehouse_v1)
    with pytest.raises(PublishError, match=message):
        publish_release(out, extras=[extra])
    assert not (out / "manifest.json").exists()
    assert list((out / "releases").iterdir()) == []


@pytest.mark.parametrize("text", [
    "https://cm.asiae.co.kr/en/article/2025101416444323053",
    "https://m.en.freshnewsasia.com/index.php/en/localnews/64566-2025-10-18-03-00-03.html",
    "2025-10-14 2025-10-16", "DET-2025-0007;DET-2025-0011", "landed at Incheon at 8:35",
    "3,075 arrested, 606 of them women", "ages 16-44", "(266 men, 17 women)",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "passports were confiscated by 200 guards", "SRC-001", "2024-2025",
    "losses at KRW 12 345 678 900",
])
def test_shipped_data_shapes_are_not_personal_data(text):
    assert value_hits(text) == []


@pytest.mark.parametrize("text, kind", [
    ("call 010-1234-5678", "telephone number"), ("+855 12 345 678", "telephone number"),
    ("tel (02) 1234 5678", "telephone number"), ("passport M12345678", "passport number"),
    ("passport M123A4567", "passport number"), ("kim@example.com", "e-mail address"),
    ("kim\uff20example.com", "e-mail address"),
    ("call 010\u200b1234\u200b5678", "telephone number"),
    ("RRN 900101-1234567", "resident registration number"),
    ("RRN 9001011234567", "resident registration number"),
])
def test_personal_data_shapes_are_found(text, kind):
    assert kind in [k for k, _ in value_hits(text)]


def test_a_page_is_read_as_its_reader_reads_it(tmp_path):
    """Text and read attributes of a page are scanned; its scripts are not (the inlined chart
    runtime is code, not text a reader sees)."""
    from toolkit.publish.privacy import scan_release

    (tmp_path / "page.html").write_text(
        '<html><body><p>Published figures</p><script>var x = "010-1234-5678";</script>'
        '<img alt="call 010-9876-5432" src="a.png"><div data-vega-spec=\'{"t": '
        '"kim@example.com"}\'></div></body></html>', encoding="utf-8")
    (tmp_path / "data.json").write_text('{"note": "write to lee@example.org"}',
                                        encoding="utf-8")
    hits, unscanned = scan_release(tmp_path)
    assert sorted((h.path, h.kind, h.value) for h in hits) == [
        ("data.json", "e-mail address", "lee@example.org"),
        ("page.html", "e-mail address", "kim@example.com"),
        ("page.html", "telephone number", "010-9876-5432"),
    ]
    assert unscanned == []


def test_the_publishers_own_contacts_are_accepted():
    publisher = load_config(REPO / "config").publisher
    own = f"write to {publisher.contact_email.upper()}"
    assert value_hits(own, publisher.allowed_contacts) == []
    assert value_hits(own) != []
    assert value_hits("call +82 2-1234-5678", frozenset({"82212345678"})) == []
    assert value_hits("call +82 2-1234-5679", frozenset({"82212345678"})) != []


@pytest.mark.slow  # the shipped data published
def test_the_shipped_data_publishes_without_false_positives(tmp_path):
    out = tmp_path / "out"
    build_warehouse(REPO / "data" / "raw", out, dt.date(2026, 11, 28))
    release = publish_release(out)
    assert release.release_id == "2026-11-28"
    assert release.unscanned == ()
    q = pl.read_parquet(release.dir / "data" / "quarterly_summary.parquet")
    negative = q.filter(pl.col("not_returned_at_end") < 0)
    assert negative.height and all("negative" in n for n in negative["note"])


def _tampering_extra(ctx):
    """Rewrites a file written (and scanned early) before the extras ran."""
    path = ctx.dir / "CITATION.txt"
    path.write_text(path.read_text(encoding="utf-8") + "Questions: kim.minji@gmail.com\n",
                    encoding="utf-8")
    return []


def test_a_file_changed_by_an_extra_after_the_early_scan_is_scanned_again(tmp_path,
                                                                          warehouse_v1):
    out = fresh_out(tmp_path, warehouse_v1)
    with pytest.raises(PublishError, match="CITATION.txt .text.: e-mail address "
                                           "'kim.minji@gmail.com'"):
        publish_release(out, extras=[_tampering_extra])
    assert list((out / "releases").iterdir()) == []


def test_an_earlier_scan_counts_only_for_unchanged_bytes(tmp_path):
    from toolkit.publish.privacy import scan_files, scan_release

    (tmp_path / "a.md").write_text("nothing here\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("x,note\r\n1,kim@example.com\r\n2,kim@example.com\r\n",
                                    encoding="utf-8")
    earlier = scan_files(tmp_path, ["a.md", "b.csv"])
    assert [h.value for h in earlier["b.csv"].hits] == ["kim@example.com"] * 2  # every cell
    assert scan_release(tmp_path, earlier=earlier) == scan_release(tmp_path)
    (tmp_path / "a.md").write_text("call 010-1234-5678\n", encoding="utf-8")
    hits, unscanned = scan_release(tmp_path, earlier=earlier)
    assert [(h.path, h.kind) for h in hits] == [("a.md", "telephone number"),
                                               ("b.csv", "e-mail address"),
                                               ("b.csv", "e-mail address")]
    assert unscanned == []
