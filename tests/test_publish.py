"""The publishing stage: tables, formats, metadata, releases, revisions, atomicity.

Fixtures: tiny raw returns in tests/fixtures/publish/ (see its README), validated and loaded
into a warehouse in a temporary folder (toolkit.checks.validate), then published with
toolkit.publish.publish_release.
"""

from __future__ import annotations

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
from toolkit.publish.formats import csv_text
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


def build_warehouse(raw: Path, out: Path, as_of: dt.date) -> Path:
    """Validate ``raw`` and load it into ``out/warehouse.duckdb``, as `toolkit load` does."""
    validated = validate(raw, as_of, out_dir=out)
    if validated.report.exit_code != 0:
        raise RuntimeError(f"fixture {raw} is invalid: {validated.report.summary()}")
    return validated.warehouse


def read_csv(path: Path, spec: TableSpec | None = None) -> pl.DataFrame:
    data = path.read_bytes()
    schema = spec.schema if spec is not None else None
    return pl.read_csv(io.BytesIO(data), schema=schema, infer_schema=schema is not None)


def manifest_of(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def tree_bytes(folder: Path, skip: tuple[str, ...] = ("warehouse.duckdb",)) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in skip}


@pytest.fixture(scope="session")
def warehouse_v1(tmp_path_factory) -> Path:
    """A warehouse file loaded from raw-v1 as of 2025-06-30 (copy it; do not publish into it)."""
    folder = tmp_path_factory.mktemp("warehouse-v1")
    return build_warehouse(FIXTURES / "raw-v1", folder, V1_AS_OF)


@pytest.fixture(scope="session")
def release_v1(tmp_path_factory, warehouse_v1):
    """raw-v1 published once, for the read-only tests."""
    out = tmp_path_factory.mktemp("out-v1")
    shutil.copy(warehouse_v1, out / "warehouse.duckdb")
    return publish_release(out)


@pytest.fixture(scope="session")
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
    from toolkit.contracts import load_contracts
    from toolkit.publish.specs import contract_spec

    contracts = load_contracts()
    con = connect(release_v1.dir.parent.parent)
    try:
        for name in EVENT_TABLES:
            spec = contract_spec(contracts[name])
            assert "__file" not in spec.columns and "__row" not in spec.columns
            expected = con.sql(f'SELECT {", ".join(spec.columns)} FROM "{name}" '
                               f"ORDER BY {spec.primary_key[0]}").pl()
            got = read_csv(release_v1.dir / "data" / f"{name}.csv", spec)
            text = [f.name for f in spec.fields if f.is_text]
            got = got.with_columns(pl.col(c).map_elements(unneutralise, return_dtype=pl.String)
                                   for c in text)
            assert got.columns == contracts[name].public_columns
            assert got.equals(expected.cast(spec.schema)), name
            parquet = pl.read_parquet(release_v1.dir / "data" / f"{name}.parquet")
            assert parquet.equals(expected.cast(spec.schema)), name
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
    for cell in back["text"].drop_nulls():
        assert not cell.startswith(FORMULA_TRIGGERS)
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
    assert ",'+1 death reported" in text("fatalities.csv")
    # the negative stock is a number, written without apostrophe or quotes
    findings = text("reconciliation_findings.csv")
    assert "KHM,THA,2025-03-01,-2,4,6,DET-0002;REP-0001\r\n" in findings
    frame = pl.read_csv(data / "reconciliation_findings.csv")
    assert frame["held"].dtype == pl.Int64 and frame["held"].to_list() == [-2]
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
    header = [c.value for c in ws[5]]
    assert header[:3] == ["source_id", "publisher", "title"]
    title = next(r[2] for r in ws.iter_rows(min_row=6) if r[0].value == "SRC-2")
    assert title.data_type == "s" and title.value.startswith("Lao & Chinese")
    notes = wb["detentions"]["O6"]  # DET-0001's notes: the text as recorded, not a formula
    assert notes.data_type == "s" and notes.value == "+ 2 more reported later"
    ws = wb["reconciliation_findings"]
    held = next(r for r in ws.iter_rows(min_row=6, values_only=True))[3]
    assert held == -2
    # a missing value shows its shorthand in the cell
    qs = wb["quarterly_summary"]
    cols = [c.value for c in qs[5]]
    khm_tha = [r for r in qs.iter_rows(min_row=6, values_only=True)
               if r[1] == "KHM" and r[2] == "THA"]
    assert khm_tha[0][cols.index("held_at_end")] == "[x]"


# --------------------------------------------------------------------------- summary tables


def test_held_at_end_is_never_negative_nor_clipped(release_v1):
    from toolkit.publish.specs import summary_spec

    q = read_csv(release_v1.dir / "data" / "quarterly_summary.csv", summary_spec("quarterly"))
    assert q["held_at_end"].drop_nulls().min() >= 0
    tha = q.filter((pl.col("country") == "KHM") & (pl.col("nationality") == "THA"))
    # negative on 2025-03-01: [x] in Q1 and every later quarter, with a note
    assert tha["period"].to_list() == ["2025-Q1", "2025-Q2"]
    assert tha["held_at_end"].to_list() == [None, None]
    assert tha["held_at_end_status"].to_list() == ["[x]", "[x] [p]"]
    assert all("-2 held on 2025-03-01" in n for n in tha["note"].to_list())
    kor = q.filter((pl.col("country") == "KHM") & (pl.col("nationality") == "KOR"))
    assert kor.select("period", "detained", "repatriated", "held_at_end").rows() == [
        ("2025-Q1", 10, 4, 6), ("2025-Q2", 6, 0, 12)]
    # a death with no detention or repatriation of the pair: held_at_end not applicable
    vnm = q.filter(pl.col("country") == "VNM")
    assert vnm.select("period", "nationality", "died", "held_at_end", "held_at_end_status"
                      ).rows() == [("2025-Q2", "KOR", 1, None, "[z] [p]")]
    # the latest period is provisional, the others are not
    assert set(q.filter(pl.col("period") == "2025-Q2")["detained_status"]) == {"[p]"}
    assert q.filter(pl.col("period") == "2025-Q1")["detained_status"].null_count() == \
        q.filter(pl.col("period") == "2025-Q1").height
    m = read_csv(release_v1.dir / "data" / "monthly_summary.csv", summary_spec("monthly"))
    assert m["period"].unique().sort().to_list() == [f"2025-0{i}" for i in range(1, 7)]
    assert m.filter(pl.col("period") == "2025-06")["detained_status"].to_list()[0] == "[p]"
    # the monthly and quarterly flows agree
    assert m["detained"].sum() == q["detained"].sum() == 70


# --------------------------------------------------------------------------- disclosure control


def test_suppression_pattern_primary_and_secondary():
    assert suppression_pattern([2, 12, 0], 3) == [True, True, False]  # smallest non-zero
    assert suppression_pattern([1, 0, 0], 3) == [True, True, False]  # a zero if nothing else
    assert suppression_pattern([1, 2, 7], 3) == [True, True, False]  # two primaries suffice
    assert suppression_pattern([3, 12, 0], 3) == [False, False, False]
    assert suppression_pattern([0, 0, 9], 3) == [False, False, False]
    assert suppression_pattern([4, 9, 1], 5) == [True, False, True]
    assert suppression_pattern([1, 1, 1], 1) == [False, False, False]


def test_sex_and_age_tables_are_suppressed(release_v1):
    from toolkit.publish.breakdowns import breakdown_spec

    data = release_v1.dir / "data"
    spec = breakdown_spec("detentions_by_sex")
    d = read_csv(data / "detentions_by_sex.csv", spec)
    q1 = d.filter(pl.col("period") == "2025-Q1").row(0, named=True)
    # 2 women (primary), so the 12 men are suppressed too (secondary); 0 unknown and the
    # total 14 stay: 14 - 0 = women + men cannot be split
    assert (q1["female"], q1["female_status"]) == (None, "[c]")
    assert (q1["male"], q1["male_status"]) == (None, "[c]")
    assert (q1["sex_unknown"], q1["total"]) == (0, 14)
    q2 = d.filter((pl.col("period") == "2025-Q2") & (pl.col("country") == "KHM")).row(
        0, named=True)
    assert (q2["female"], q2["male"], q2["female_status"]) == (0, 6, "[p]")
    f = read_csv(data / "fatalities_by_sex.csv", breakdown_spec("fatalities_by_sex")).row(
        0, named=True)
    assert (f["male"], f["male_status"], f["female"], f["female_status"]) == (
        None, "[c] [p]", None, "[c] [p]")
    assert (f["sex_unknown"], f["total"]) == (0, 1)
    a = read_csv(data / "fatalities_by_age.csv", breakdown_spec("fatalities_by_age")).row(
        0, named=True)
    assert a["age_30_39"] is None and a["age_30_39_status"].startswith("[c]")
    assert a["age_under_18"] is None and a["age_under_18_status"].startswith("[c]")
    # no published combination reveals a suppressed cell: every row with a [c] has two
    for frame, sp in ((d, spec), (read_csv(data / "fatalities_by_age.csv",
                                           breakdown_spec("fatalities_by_age")), None)):
        sp = sp or breakdown_spec("fatalities_by_age")
        cells = [m for m in sp.measures if m != "total"]
        for row in frame.iter_rows(named=True):
            hidden = sum(1 for c in cells if row[c] is None)
            assert hidden != 1
            published = [row[c] for c in cells if row[c] is not None]
            assert all(v == 0 or v >= 3 for v in published)
            assert sum(published) <= row["total"]


def test_disclosure_threshold_comes_from_config(tmp_path, warehouse_v1):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    assert load_config(config).disclosure.threshold == 3
    (config / "disclosure.yaml").write_text("threshold: 15\n", encoding="utf-8")
    out = fresh_out(tmp_path, warehouse_v1)
    release = publish_release(out, config=load_config(config))
    d = pl.read_parquet(release.dir / "data" / "detentions_by_sex.parquet")
    q1 = d.filter(pl.col("period") == "2025-Q1").row(0, named=True)
    assert q1["male"] is None and q1["female"] is None  # 12 < 15
    khm_q2 = d.filter((pl.col("period") == "2025-Q2") & (pl.col("country") == "KHM")).row(
        0, named=True)
    assert khm_q2["male"] is None and khm_q2["female"] is None  # 6 < 15, the 0 hides it
    notes = (release.dir / "dictionary.md").read_text(encoding="utf-8")
    assert r"counts from 1 to 14 are suppressed \[c\] (threshold 15" in notes  # Markdown


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
    assert "## quarterly_summary" in dictionary and "`held_at_end_status`" in dictionary
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


def test_revisions_between_two_releases(two_releases):
    out, first, second = two_releases
    assert second.previous is not None and second.previous.release_id == "2025-06-30"
    assert (out / "releases" / "2025-06-30" / "index.html").is_file()  # kept
    assert manifest_of(out)["release_id"] == "2025-09-30"
    rev = pl.read_parquet(second.dir / "data" / "revisions.parquet")
    q = rev.filter(pl.col("table") == "quarterly_summary")
    assert q.select("period", "country", "nationality", "measure", "previous_value", "value"
                    ).rows() == [
        ("2025-Q2", "KHM", "KOR", "detained", 6, 0),
        ("2025-Q2", "KHM", "KOR", "held_at_end", 12, 6),
        ("2025-Q2", "MMR", "XXX", "detained", 50, 55),
        ("2025-Q2", "MMR", "XXX", "held_at_end", 50, 55),
    ]
    assert set(q["previous_status"]) == {"[p]"}  # they were provisional
    assert set(q["status"]) == {"[r]"}
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
    q = ctx.con.sql("SELECT sum(detained) FROM quarterly_summary").fetchall()[0][0]
    path = ctx.path("bulletin.html")
    path.write_text(f"<html><body><p>{q} detained in {ctx.period.label} release "
                    f"{ctx.release_id}</p></body></html>\n", encoding="utf-8")
    return [path]


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
])
def test_shipped_data_shapes_are_not_personal_data(text):
    assert value_hits(text) == []


@pytest.mark.parametrize("text, kind", [
    ("call 010-1234-5678", "phone number"), ("+855 12 345 678", "phone number"),
    ("tel (02) 1234 5678", "phone number"), ("passport M12345678", "passport number"),
    ("passport no. 123456789", "passport number"), ("kim@example.com", "e-mail address"),
    ("RRN 900101-1234567", "resident registration number"),
])
def test_personal_data_shapes_are_found(text, kind):
    assert kind in [k for k, _ in value_hits(text)]


def test_the_publishers_own_contacts_are_accepted():
    publisher = load_config(REPO / "config").publisher
    own = f"write to {publisher.contact_email.upper()}"
    assert value_hits(own, publisher.allowed_contacts) == []
    assert value_hits(own) != []
    assert value_hits("call +82 2-1234-5678", frozenset({"82212345678"})) == []
    assert value_hits("call +82 2-1234-5679", frozenset({"82212345678"})) != []


def test_the_shipped_data_publishes_without_false_positives(tmp_path):
    out = tmp_path / "out"
    build_warehouse(REPO / "data" / "raw", out, dt.date(2026, 11, 28))
    release = publish_release(out)
    assert release.release_id == "2026-11-28"
    assert release.unscanned == ()
    q = pl.read_parquet(release.dir / "data" / "quarterly_summary.parquet")
    assert q["held_at_end"].drop_nulls().min() >= 0


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
    assert [(h.path, h.kind) for h in hits] == [("a.md", "phone number"),
                                               ("b.csv", "e-mail address"),
                                               ("b.csv", "e-mail address")]
    assert unscanned == []


@pytest.mark.parametrize("text", [
    "a.b.co.uk1@c.org", "kim@example.com.x@y.org", "x" * 3000 + "@", "@" * 5 + "a@b.cd",
    "a@b.cd@e.fg", "..@..@a.bc", "first.last+tag@sub.example.co.kr, second@x.io",
    "no at sign at all", "trailing@", "a@b.c", "a@b.com.", "%@1-2.xy",
])
def test_the_e_mail_search_finds_what_finditer_finds(text):
    from toolkit.publish.privacy import EMAIL, email_matches

    assert ([m.span() for m in email_matches(text)]
            == [m.span() for m in EMAIL.finditer(text)])


#: The patterns as first written, without the leading lookaheads added for speed.
_PLAIN_PATTERNS = {
    "URL": r"(?i)\b(?:https?|ftp)://[^\s\"'<>)\]]+",
    "PHONE": r"(?<![\w.+/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\d{1,4}[ .-])"
             r"\d{2,4}(?:[ .-]\d{2,4}){1,2}(?![\w/-])",
    "PASSPORT": r"\b[A-Z]{1,2}\d{7,8}\b"
                r"|(?i:passport)(?:\s*(?:no\.?|number|#))?\s*[:#]?\s*(?=[A-Z0-9]*\d)"
                r"[A-Z0-9]{6,9}\b",
    "RRN": r"(?<!\d)\d{6}-[1-8]\d{6}(?!\d)",
}
_SHAPES = st.lists(st.sampled_from(
    list("0123456789 .-+()/@:#_aMPpxAB") + [
        "passport", "No.", "http://", "HTTPS://", "ftp://", "\u0663", "\uff11", "\u017f",
        "\u212a", "\n", "900101-1234567", "123456", "-1234567", "1234", "010", "+82", "(02)",
        "M1234567", "AB12345678"]),
    max_size=25).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_SHAPES)
def test_the_patterns_match_exactly_as_first_written(text):
    import toolkit.publish.privacy as privacy

    for name, plain in _PLAIN_PATTERNS.items():
        fast = getattr(privacy, name)
        assert ([m.span() for m in fast.finditer(text)]
                == [m.span() for m in re.finditer(plain, text)]), name
