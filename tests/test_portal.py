"""The portal (issue 19, and issue 20's Korean pages): the landing page, the release page, the
place pages, the data dictionary, the feed, citations, stable latest/ paths and the workbook,
read from the files as a reader gets them. The browser checks (widths, axe-core) are in
test_portal_browser.py."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag

import polars as pl
import pytest
from test_publish import FIXTURES, REPO, V1_AS_OF, V2_AS_OF, build_warehouse

from toolkit.config import ReleaseCalendar, load_config
from toolkit.i18n import country_name, format_number, nationality_name
from toolkit.publish import publish_release
from toolkit.publish.formats import place_name_fields, with_place_names
from toolkit.publish.portal import Cell, feed_xml, headlines
from toolkit.publish.portal_words import header
from toolkit.publish.privacy import column_hit

pytestmark = pytest.mark.slow  # the shipped data published with its bulletin, and more publishes

ATOM = "{http://www.w3.org/2005/Atom}"
V1, V2 = V1_AS_OF.isoformat(), V2_AS_OF.isoformat()


def _bulletin(ctx):
    """A stand-in for the bulletin: both editions' pages and the English PDF."""
    paths = []
    for name, lang in (("bulletin.html", "en"), ("bulletin.ko.html", "ko")):
        path = ctx.path(name)
        path.write_text(f"<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
                        f"<title>Bulletin {ctx.release_id}</title></head><body><main>"
                        f"<h1>Bulletin</h1><p><a href=\"index.html\">Release</a></p></main>"
                        "</body></html>\n", encoding="utf-8")
        paths.append(path)
    pdf = ctx.path("bulletin.pdf")
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    return [*paths, pdf]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """Two releases in one --out, the second with a bulletin extra; returns (out, release)."""
    out = tmp_path_factory.mktemp("portal")
    build_warehouse(FIXTURES / "raw-v1", out, V1_AS_OF)
    publish_release(out)
    build_warehouse(FIXTURES / "raw-v2", out, V2_AS_OF)
    return out, publish_release(out, extras=[_bulletin])


def hrefs(page: str) -> list[str]:
    """The targets of the page's links (<a href>)."""
    return [html.unescape(h) for h in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', page)]


def portal_pages(release_dir: Path) -> list[Path]:
    """The portal's own pages of a release (not the bulletin's)."""
    return sorted(p for p in release_dir.rglob("*.html") if not p.name.startswith("bulletin"))


class Outline(HTMLParser):
    """Headings, ids, the html lang and the text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self.ids: set[str] = set()
        self.lang = None
        self._heading: int | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []

    def handle_data(self, data):
        if self._heading is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._heading is not None and tag == f"h{self._heading}":
            self.headings.append((self._heading, " ".join("".join(self._text).split())))
            self._heading = None


def outline(path: Path) -> Outline:
    parser = Outline()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def summary_cell(release_dir: Path, period: str, country: str, nationality: str,
                 measure: str) -> Cell:
    frame = pl.read_parquet(release_dir / "data" / "quarterly_summary.parquet").filter(
        (pl.col("period") == period) & (pl.col("country") == country)
        & (pl.col("nationality") == nationality))
    row = frame.to_dicts()[0]
    return Cell(row[measure], row[f"{measure}_qualifier"], row[f"{measure}_status"])


# --------------------------------------------------------------------------- the release page


def test_release_page_lists_every_dataset_with_downloads_dictionary_and_citation(portal):
    out, release = portal
    page = (release.dir / "index.html").read_text(encoding="utf-8")
    doc = json.loads((release.dir / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in doc["resources"]]
    assert {"sources", "detentions", "quarterly_summary", "revisions", "changelog"} <= set(names)
    manifest = {f.path: f for f in release.files}
    for name in names:
        block = page.split(f'id="ds-{name}"', 1)[1].split("</article>", 1)[0]
        for suffix in (".csv", "-excel.csv", ".parquet"):
            assert f'href="data/{name}{suffix}"' in block
            # checksums are in SHA256SUMS, not printed on the page
            assert manifest[f"releases/{release.release_id}/data/{name}{suffix}"].sha256 \
                not in block
        assert f'href="dictionary.html#{name}"' in block
        assert f"releases/{V2}/data/{name}.csv" in block  # the citation's address
        assert f"releases/latest/data/{name}.csv" in block  # the stable address
    rows = re.search(r'id="ds-detentions".*?<span class="rows">(\d+)</span>', page, re.S)
    assert rows and rows.group(1) == "4"
    assert 'href="SHA256SUMS"' in page and 'href="manifest.json"' in page
    assert f'href="scamstats-{V2}.xlsx"' in page and 'href="datapackage.json"' in page
    # no internal path in the page's own words (a table's description is its spec's)
    assert "config/" not in re.sub(r'<article class="dataset".*?</article>', "", page, flags=re.S)
    # the bulletin comes before the datasets, its PDF and the Korean edition beside it
    assert page.index('href="bulletin.html"') < page.index('id="datasets"')
    assert 'href="bulletin.pdf"' in page and 'href="bulletin.ko.html"' in page
    assert f'href="../{V1}/index.html"' in page
    assert "July to September 2025, published 30 September 2025" not in page  # itself
    assert "April to June 2025, published 30 June 2025" in page  # the previous one


def test_pages_are_self_contained_and_every_link_resolves(portal):
    out, release = portal
    publisher = load_config().publisher
    allowed_external = {f"mailto:{publisher.contact_email}", publisher.licence_url}
    pages = [*portal_pages(release.dir), out / "index.html"]
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text, page
        assert not re.search(r'\bsrc="(?:https?:)?//', text), page
        for link in hrefs(text):
            if link in allowed_external:
                continue
            assert "://" not in link and not link.startswith("//"), (page, link)
            target, fragment = urldefrag(link)
            path = (page.parent / unquote(target)) if target else page
            assert path.is_file(), (page.relative_to(out), link)
            if fragment and path.suffix == ".html":
                assert fragment in outline(path).ids, (page.relative_to(out), link)


def test_every_page_has_its_twin_in_the_other_language(portal):
    out, release = portal
    pages = portal_pages(release.dir)
    english = [p for p in pages if not p.name.endswith(".ko.html")]
    assert {"index.html", "dictionary.html"} <= {p.name for p in english}
    assert any(p.parent.name == "explore" for p in english)
    for page in english:
        twin = page.with_name(page.name.replace(".html", ".ko.html"))
        assert twin.is_file(), twin
        assert outline(page).lang == "en" and outline(twin).lang == "ko"
        en, ko = page.read_text(encoding="utf-8"), twin.read_text(encoding="utf-8")
        assert re.search(rf'<a href="{re.escape(twin.name)}" hreflang="ko" lang="ko">한국어</a>',
                         en), page
        assert re.search(rf'<a href="{re.escape(page.name)}" hreflang="en" lang="en">'
                         r"English</a>", ko), twin
        # Korean is written as Korean: the headings have Hangul
        assert all(re.search(r"[\uac00-\ud7a3]", h) or h.isascii() and len(h) < 40
                   for _, h in outline(twin).headings[:1]), outline(twin).headings[:1]
        assert re.search(r"[\uac00-\ud7a3]", outline(twin).headings[0][1]) or \
            twin.name.startswith("dictionary")
    top = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="releases/latest/index.ko.html" hreflang="ko" lang="ko"' in top


def test_headings_are_one_h1_then_h2_per_section(portal):
    out, release = portal
    for page in [*portal_pages(release.dir), out / "index.html"]:
        levels = [level for level, _ in outline(page).headings]
        assert levels.count(1) == 1 and levels[0] == 1, (page, levels)
        assert levels[1] == 2, (page, levels)
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, (page, levels)


def test_headline_figures_are_the_published_cells_with_their_markers(portal):
    out, release = portal
    period = release.period.label
    for page, lang in ((out / "index.html", "en"), (release.dir / "index.html", "en"),
                       (release.dir / "index.ko.html", "ko")):
        text = page.read_text(encoding="utf-8")
        for measure in ("detained", "repatriated", "not_returned_at_end"):
            cell = summary_cell(release.dir, period, "ALL", "ALL", measure)
            block = text.split(f'data-measure="{measure}"', 1)[1].split("</li>", 1)[0]
            shown = re.search(r'<span class="value">([^<]*)</span>', block).group(1)
            assert html.unescape(shown) == (cell.number(lang) or "–"), (page, measure)
            markers = re.findall(r'<span class="marker">([^<]*)</span>', block)
            assert markers == cell.markers and "[p]" in markers
        assert "One-sentence" not in text
    landing = (out / "index.html").read_text(encoding="utf-8")
    assert "July to September 2025" in landing and "published 30 September 2025" in landing


def test_headlines_name_the_one_nationality_whose_deaths_are_collected(portal):
    out, release = portal
    from toolkit.publish.portal import ReleaseView

    view = ReleaseView.from_folder(release.dir, load_config().publisher)
    died = next(h for h in headlines(view, "en") if h.measure == "died")
    # deaths are collected of South Koreans only (the fixtures' coverage)
    assert died.label == "Deaths recorded, nationals of South Korea"
    assert died.cell == summary_cell(release.dir, release.period.label, "ALL", "KOR", "died")
    ko = next(h for h in headlines(view, "ko") if h.measure == "died")
    assert ko.label == "기록된 사망자(대한민국 국적)"


def test_landing_page_names_releases_by_period_and_links_through_latest(portal):
    out, release = portal
    page = (out / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<a id="current" href="([^"]+)"', page) == ["releases/latest/index.html"]
    assert "July to September 2025, published 30 September 2025" in page
    assert "April to June 2025, published 30 June 2025" in page
    assert page.index("July to September 2025, published") < \
        page.index("April to June 2025, published")
    assert 'href="releases/latest/bulletin.html"' in page
    assert 'href="releases/latest/bulletin.pdf"' in page
    assert 'href="releases/latest/data/quarterly_summary.csv"' in page
    for link in hrefs(page):
        assert link.startswith(("releases/latest/", "releases/20", "SHA256SUMS",
                                "manifest.json", "mailto:", "#main")), link
    # what is new, in words
    assert "record" in page.split('id="whats-new"')[1].split("</section>")[0]


def test_whats_new_says_what_changed(portal):
    out, release = portal
    page = (release.dir / "index.html").read_text(encoding="utf-8")
    news = page.split('id="whats-new"')[1].split("</section>")[0]
    changelog = pl.read_parquet(release.dir / "data" / "changelog.parquet")
    revisions = pl.read_parquet(release.dir / "data" / "revisions.parquet")
    added = changelog.filter(pl.col("change") == "added").select("dataset", "record_id")
    assert f"{added.unique().height} records added since release {V1}" in news
    assert f"{format_number(revisions.height, 'en')} published figures revised" in news
    assert "New figures for July to September 2025." in news
    first = (release.dir.parent / V1 / "index.html").read_text(encoding="utf-8")
    assert "This is the first release" in first


def test_next_release_is_to_be_announced_past_the_calendar(tmp_path):
    config = load_config(REPO / "config")
    assert config.calendar.next_after(dt.date(2025, 9, 30)) == dt.date(2026, 2, 27)
    assert config.calendar.next_after(dt.date(2030, 1, 1)) is None
    out = tmp_path / "out"
    build_warehouse(FIXTURES / "raw-v1", out, V1_AS_OF)
    release = publish_release(out, config=replace(config, calendar=ReleaseCalendar()))
    page = (release.dir / "index.html").read_text(encoding="utf-8")
    assert '<dd id="next-release">to be announced</dd>' in page
    assert '<dd id="next-release">미정</dd>' in (release.dir / "index.ko.html").read_text(
        encoding="utf-8")
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["next_release"] is None


def test_pages_escape_text(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    yaml_path = config / "publisher.yaml"
    text = yaml_path.read_text(encoding="utf-8").replace(
        "title: Cross-border online-scam detentions, repatriations and fatalities",
        "title: '<img src=x onerror=alert(1)> Scams & \"frauds\"'")
    yaml_path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build_warehouse(FIXTURES / "raw-v1", out, V1_AS_OF)
    release = publish_release(out, config=load_config(config))
    for page in (release.dir / "index.html", release.dir / "dictionary.html", out / "index.html",
                 release.dir / "feed.xml"):
        text = page.read_text(encoding="utf-8")
        assert "<img" not in text
        assert "&lt;img src=x onerror=alert(1)&gt; Scams &amp; &quot;frauds&quot;" in text
    dictionary = (release.dir / "dictionary.html").read_text(encoding="utf-8")
    assert "starts with an apostrophe (&#x27;) instead" in dictionary


# --------------------------------------------------------------------------- places


def test_a_page_per_country_and_nationality_with_names_not_codes(portal):
    out, release = portal
    summary = pl.read_parquet(release.dir / "data" / "quarterly_summary.parquet")
    countries = set(summary["country"]) - {"ALL"}
    nationalities = set(summary["nationality"]) - {"ALL"}
    for kind, codes, name in (("country", countries, country_name),
                              ("nationality", nationalities, nationality_name)):
        for code in codes:
            en = release.dir / "explore" / f"{kind}-{code.lower()}.html"
            ko = release.dir / "explore" / f"{kind}-{code.lower()}.ko.html"
            h1 = outline(en).headings[0][1]
            assert name(code, "en").lower() in h1.lower() and name(code, "en") != code
            assert name(code, "ko") in outline(ko).headings[0][1]
            text = en.read_text(encoding="utf-8")
            assert '<svg class="chart"' in text and 'role="img"' in text
            assert "quarterly_summary.csv" in text
    release_page = (release.dir / "index.html").read_text(encoding="utf-8")
    for code in countries:
        assert f'href="explore/country-{code.lower()}.html">{country_name(code, "en")}</a>' \
            in release_page


def test_south_koreans_detained_in_cambodia_two_clicks_from_the_landing_page(portal):
    """Landing page -> Cambodia -> the South Korea row of the latest period."""
    out, release = portal
    landing = (out / "index.html").read_text(encoding="utf-8")
    countries = landing.split('id="countries"', 1)[1].split("</table>", 1)[0]
    link = re.search(r'<a href="([^"]+)">Cambodia</a>', countries).group(1)
    assert link == "releases/latest/explore/country-khm.html"
    page = (out / link).read_text(encoding="utf-8")
    row = re.search(r'<tr data-code="KOR">(.*?)</tr>', page.split('id="latest-table"')[1],
                    re.S).group(1)
    assert ">South Korea</a>" in row
    detained = summary_cell(release.dir, release.period.label, "KHM", "KOR", "detained")
    assert f'<td class="num">{html.escape(detained.text("en"))}</td>' in row
    # and its series, every period, on the same page
    assert 'id="nationality-kor"' in page


def test_place_chart_has_a_legend_matching_its_bars(portal):
    out, release = portal
    svg = (release.dir / "explore" / "country-khm.html").read_text(encoding="utf-8")
    svg = svg.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    fills = re.findall(r'<rect [^>]*fill="(#[0-9A-Fa-f]{6})"', svg)
    legend, bars = fills[:2], set(fills[2:])
    assert legend == ["#0072B2", "#D55E00"] and bars <= set(legend)
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert min(sizes) >= 11  # drawn 360 units wide: at least 11 px on a 390 px phone


# --------------------------------------------------------------------------- reuse


def test_the_feed_is_atom(portal):
    out, release = portal
    text = (release.dir / "feed.xml").read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == f"{ATOM}feed"
    base = load_config().publisher.public_url
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "July to September 2025, published 30 September 2025",
        "April to June 2025, published 30 June 2025"]
    for e in entries:
        assert e.findtext(f"{ATOM}id").startswith(base)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", e.findtext(f"{ATOM}updated"))
        assert e.find(f"{ATOM}link").get("href").startswith(f"{base}releases/")
    assert "People detained" in entries[0].findtext(f"{ATOM}summary")
    assert root.findtext(f"{ATOM}updated") == "2025-09-30T00:00:00Z"
    try:
        import feedparser
    except ImportError:
        return
    parsed = feedparser.parse(text)
    assert not parsed.bozo and len(parsed.entries) == 2


def test_every_published_file_is_reachable_through_latest(portal):
    out, release = portal
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["release_id"] == V2
    for f in manifest["files"]:
        inside = f["path"].split("/", 2)[2]
        latest = out / "releases" / "latest" / inside
        assert latest.read_bytes() == (out / f["path"]).read_bytes(), inside
    latest = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert (out / "releases" / "latest" / "index.html").read_bytes() == \
        (out / latest["index"]).read_bytes()


def test_a_citation_for_each_dataset(portal):
    out, release = portal
    text = (release.dir / "CITATION.txt").read_text(encoding="utf-8")
    base = load_config().publisher.public_url
    doc = json.loads((release.dir / "datapackage.json").read_text(encoding="utf-8"))
    for r in doc["resources"]:
        assert f"{r['title']} ({r['name']}), in: " in text
        assert f"{base}releases/{V2}/data/{r['name']}.csv" in text
    assert "release 2025-09-30" in text and "CC-BY-4.0" in text


def test_base_url_is_validated(tmp_path):
    from toolkit.config import ConfigError

    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    path = config / "publisher.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("base_url: https://scamstats.example/open-data/",
                                     "base_url: https://example.org/stats"), encoding="utf-8")
    assert load_config(config).publisher.public_url == "https://example.org/stats/"
    path.write_text(original.replace("base_url: https://scamstats.example/open-data/",
                                     "base_url: ftp://example.org/"), encoding="utf-8")
    with pytest.raises(ConfigError, match="base_url"):
        load_config(config)


def test_feed_lists_a_release_without_a_manifest_by_its_id():
    from toolkit.publish.portal import ReleaseEntry

    text = feed_xml(load_config(REPO / "config").publisher,
                    [ReleaseEntry("2025-01-31", None, None)], {})
    entry = ET.fromstring(text).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Release 2025-01-31"


# --------------------------------------------------------------------------- names and labels


def test_names_beside_every_code_of_the_shipped_data(shipped):
    """Every country and nationality code of the shipped data has a name in both languages
    that is not the code, and the name columns are named so the personal-data scan accepts
    them."""
    import duckdb

    con = duckdb.connect(str(shipped.warehouse), read_only=True)
    try:
        codes = {r[0] for table, cols in (
            ("detentions", ("country", "nationality")), ("repatriations",
                                                          ("from_country", "nationality")),
            ("fatalities", ("country", "nationality")),
            ("reported_figures", ("country", "nationality")))
            for col in cols for r in con.sql(f"SELECT DISTINCT {col} FROM {table}").fetchall()}
    finally:
        con.close()
    assert {"KHM", "KOR", "MMR", "LAO", "THA"} <= codes
    for code in codes | {"ALL"}:
        for lang in ("en", "ko"):
            assert country_name(code, lang) != code, (code, lang)
            assert nationality_name(code, lang) != code, (code, lang)
    assert country_name("KOR", "ko") == "대한민국" and nationality_name("XXX", "en") == \
        "Several or unspecified"


def test_with_place_names_puts_names_after_each_code():
    from toolkit.publish.specs import summary_spec

    spec = summary_spec("quarterly")
    frame = pl.DataFrame({c: [None, None] for c in spec.columns}, schema=spec.schema)
    frame = frame.with_columns(pl.Series("country", ["KHM", "ALL"]),
                               pl.Series("nationality", ["KOR", "XXX"]),
                               pl.Series("period", ["2025-Q4", "2025-Q4"]))
    named, named_spec = with_place_names(frame, spec)
    assert named_spec.columns[:7] == ["period", "country", "country_en", "country_ko",
                                      "nationality", "nationality_en", "nationality_ko"]
    assert named.select(named_spec.columns[:7]).rows() == [
        ("2025-Q4", "KHM", "Cambodia", "캄보디아", "KOR", "South Korea", "대한민국"),
        ("2025-Q4", "ALL", "All countries", "전체 국가", "XXX", "Several or unspecified",
         "여러 국적 또는 미상")]
    assert with_place_names(named, named_spec) == (named, named_spec)  # once only
    assert place_name_fields(named_spec) is named_spec
    for column in named_spec.columns:
        assert not column_hit(column) and not column_hit(header(column, "en")), column
        assert named_spec.field(column).description


def test_every_published_column_has_a_header_and_a_korean_description(portal):
    out, release = portal
    doc = json.loads((release.dir / "datapackage.json").read_text(encoding="utf-8"))
    from toolkit.publish.portal_words import description_ko

    for r in doc["resources"]:
        for f in r["schema"]["fields"]:
            name = f["name"]
            assert header(name, "en") != name or name in ("url",), name
            assert header(name, "ko") != name, name
            assert description_ko(name), name
            assert not column_hit(header(name, "en")), name


def test_the_dictionary_labels_every_enumerated_value(portal):
    out, release = portal
    en = (release.dir / "dictionary.html").read_text(encoding="utf-8")
    ko = (release.dir / "dictionary.ko.html").read_text(encoding="utf-8")
    assert "charter_flight (Charter flight)" in en and "charter_flight(전세기)" in ko
    assert "rescued_victim (Rescued as victims)" in en
    assert "People detained (number)" in en and "구금 인원(명)" in ko
    assert "같은 파일에 UTF-8 BOM" in ko  # the formats, written in Korean


# --------------------------------------------------------------------------- the workbook


def test_the_workbook_follows_the_spreadsheet_guidance(portal):
    from openpyxl import load_workbook

    out, release = portal
    wb = load_workbook(release.dir / f"scamstats-{V2}.xlsx")
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(min_row=2, values_only=True) if r[0]}
    base = load_config().publisher.public_url
    assert cover["Bulletin"] == f"{base}releases/{V2}/bulletin.html"
    assert wb["Cover"]["B7"].hyperlink is not None or any(
        c.hyperlink for row in wb["Cover"].iter_rows() for c in row)
    notes = {r[0]: r[2] for r in wb["Notes"].iter_rows(min_row=4, values_only=True) if r[0]}
    qs = wb["quarterly_summary"]
    headers = [c.value for c in qs[5]]
    assert headers[:7] == ["Period [note 2]", "Country (ISO code) [note 5]",
                           "Country: in English", "Country: in Korean",
                           "Nationality (ISO code) [note 5]", "Nationality: in English",
                           "Nationality: in Korean"]
    assert "People detained (number) [note 3]" in headers
    for h in headers:  # every note a header refers to is on the Notes sheet
        for ref in re.findall(r"\[note \d+\]", h):
            assert ref in notes
    about = qs["A2"].value
    used = {t for c in ("detained_status", "repatriated_status", "died_status",
                        "not_returned_at_end_status")
            for v in pl.read_parquet(release.dir / "data" / "quarterly_summary.parquet")[c]
            .drop_nulls() for t in v.split()}
    for marker in ("[c]", "[x]", "[z]", "[u]", "[r]", "[p]"):
        assert (f"{marker} " in about) == (marker in used), marker  # only where used
    rep = wb["repatriations"]
    rep_headers = [c.value for c in rep[5]]
    mode = rep_headers.index("Mode of return")
    assert rep_headers[mode + 1] == "Mode of return: in words"
    labels = {r[mode + 1] for r in rep.iter_rows(min_row=6, values_only=True) if r[mode]}
    assert labels and not any("_" in x for x in labels)
    first = load_workbook(release.dir.parent / V1 / f"scamstats-{V1}.xlsx")
    assert "Bulletin" not in {r[0] for r in first["Cover"].iter_rows(values_only=True)}


def test_cells_say_how_exact_they_are_in_each_language():
    assert Cell(2896, "at_least", "[p]").text("en") == "at least 2,896 [p]"
    assert Cell(2896, "at_least", "[p]").text("ko") == "최소 2,896 [p]"
    assert Cell(4976, "about", "[u] [p]").text("en") == "about 4,976 [u] [p]"
    assert Cell(None, None, "[x]").text("en") == "[x]"
    assert Cell(-200, "exact", "").text("en") == "\u2212200"


def test_a_korean_chart_image_names_the_korean_charts_page():
    from toolkit.publish.portal_charts import source_text

    publisher = load_config(REPO / "config").publisher
    _, en = source_text(publisher, "2026-02-28", "28 February 2026", "en")
    _, ko = source_text(publisher, "2026-02-28", "2026년 2월 28일", "ko")
    assert en.endswith("/releases/2026-02-28/charts.html")
    assert ko.endswith("/releases/2026-02-28/charts.ko.html")


def test_people_of_several_nationalities_are_not_called_nationals_of_a_country(portal):
    from toolkit.publish.portal import nationals_of
    from toolkit.publish.portal_view import chart_title

    assert nationals_of("KOR", "South Korea") == "Nationals of South Korea"
    assert nationals_of("XXX", "Several or unspecified") == \
        "People of several or unspecified nationalities"
    assert "nationality of Several" not in chart_title("nationality", "Several or unspecified",
                                                       "en")
    out, _ = portal
    pages = sorted(out.glob("releases/*/explore/*.html"))
    assert pages
    for page in pages:
        assert "Nationals of Several" not in page.read_text(encoding="utf-8"), page.name
