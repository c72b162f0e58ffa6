"""The rendered bulletin: figures in the HTML and the PDF, fonts, escaping, charts in a browser.

The shipped data is loaded once and the bulletin for 2025-Q4 rendered once per module
(module-scoped fixtures); every headline figure read back from the outputs is compared with an
independent count of the raw CSVs (tests/fixtures/bulletin/independent.py).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from conftest import headless_chromium

from toolkit.bulletin import BulletinError, build_bulletin, render_bulletin
from toolkit.checks import validate
from toolkit.config import ConfigError, load_config
from toolkit.periods import parse_period
from toolkit.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
AS_OF = dt.date(2026, 11, 28)
ARTIFACTS = ROOT / "tests" / "artifacts"
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "bulletin"))
import independent  # noqa: E402
from wording import misnamed, normalise  # noqa: E402

INJECTION = ('gives <script>alert("owned")</script> <img src=x onerror=alert(1)> **bold** '
             '[link](https://evil.example/) {{< meta bulletin.title >}} #set page(fill: red) '
             '$x^2$ | cell')
LOCATION = "KK Park <b>Myawaddy</b> *x*"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")


def _load(raw: Path, out: Path) -> Path:
    assert validate(raw, AS_OF, out_dir=out).warehouse is not None  # the data is valid
    return out


def _injected(warehouse: Path, out: Path) -> Path:
    """A copy of the warehouse with markup and script in a location and an authority of 2025-Q4
    (both shown in the bulletin; notes are never quoted).

    Validation refuses such text in a raw file (rule unsafe_text), so it is written into the
    warehouse here: the bulletin escapes whatever text the warehouse holds.
    """
    shutil.copytree(warehouse, out)
    con = connect(out, read_only=False)
    try:
        con.execute("UPDATE detentions SET notes = ?, location = ? WHERE record_id = ?",
                    [INJECTION, LOCATION, "DET-2025-0014"])
        con.execute("UPDATE reported_figures SET authority = ? WHERE record_id = ?",
                    [INJECTION, "FIG-026"])
        changed = con.execute("SELECT count(*) FROM reported_figures WHERE authority = ?",
                              [INJECTION]).fetchall()
    finally:
        con.close()
    assert changed == [(1,)]
    return out


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return _load(RAW, tmp_path_factory.mktemp("wh"))


@pytest.fixture(scope="module")
def bulletin(warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bulletin")
    build_bulletin(out, parse_period("2025-Q4"), AS_OF, warehouse_dir=warehouse, lang="en")
    return out  # the Korean edition is tested in tests/test_korean.py


@pytest.fixture(scope="module")
def injected(warehouse, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("injected")
    wh = _injected(warehouse, tmp / "wh")
    out = tmp / "out"
    build_bulletin(out, parse_period("2025-Q4"), AS_OF, warehouse_dir=wh, lang="en")
    return out


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, int]]:
    deaths_of = tuple(load_config().coverage.of("fatalities").nationalities)
    return {
        "current": independent.headline(RAW, "2025-10-01", "2025-12-31",
                                         nationalities=deaths_of),
        "previous": independent.headline(RAW, "2025-07-01", "2025-09-30",
                                         nationalities=deaths_of),
    }


def _pdf_text(path: Path, layout: bool = True) -> str:
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")


class _Page(HTMLParser):
    """Tags with attributes (the page's structure), text, and the headline figure spans."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple] = []
        self.text: list[str] = []
        self.figures: dict[str, str] = {}
        self._figure: str | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        # chart specs carry data values; the structure is the tag and attribute names
        self.tags.append((tag, tuple(sorted(k for k, _ in attrs)), d.get("class"), d.get("href")))
        if tag == "span" and d.get("data-figure"):
            self._figure = d["data-figure"]
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        self.tags.append(("/" + tag,))
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "span":
            self._figure = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._figure:
            self.figures[self._figure] = self.figures.get(self._figure, "") + data


def _page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _num(text: str) -> int:
    return int(text.replace(",", ""))


COUNT = re.compile(r"(?<![\d(+\u2212,-])\d[\d,]*(?![\d%)])")


def _row_numbers(lines: list[str], label: str) -> list[int]:
    """The plain counts on the table row whose first cell starts with ``label``, in column order:
    a cell may wrap onto the next lines of the layout text ("at least" / "2,896 [p]"), so the
    counts of the row's lines are ordered by where they end (the columns are right-aligned)."""
    for i, line in enumerate(lines):
        if not line.strip().startswith(label + " "):
            continue
        start = line.index(label) + len(label)
        row = [(m.end() + start, m.group()) for m in COUNT.finditer(line[start:])]
        for more in lines[i + 1:i + 3]:
            if not more.strip() or more[:start].strip() and not more.startswith(" " * 12):
                break
            row += [(m.end() + start, m.group()) for m in COUNT.finditer(more[start:])]
        # counts only: not the signed changes, percentages or bases of the last columns
        return [_num(n) for _, n in sorted(row)]
    raise AssertionError(f"no table row {label!r} in the PDF text")


# --------------------------------------------------------------------------- outputs


@pytest.mark.slow
def test_the_bulletin_writes_html_pdf_and_a_csv_per_chart(bulletin):
    names = sorted(p.relative_to(bulletin).as_posix() for p in bulletin.rglob("*") if p.is_file())
    assert names == ["bulletin-data/detentions-by-country.csv",
                     "bulletin-data/not-returned-by-quarter.csv",
                     "bulletin-data/quarterly-trend.csv", "bulletin-data/repatriations-by-mode.csv",
                     "bulletin.html", "bulletin.pdf"]


@pytest.mark.slow
def test_headline_figures_in_the_html_equal_the_raw_csvs(bulletin, expected):
    page = _page(bulletin / "bulletin.html")
    got = {k: _num(v) for k, v in page.figures.items()}
    assert got == expected["current"]
    text = " ".join(" ".join(page.text).split())
    assert "October to December 2025" in text
    assert (f"at least {expected['current']['detained']:,} people were recorded as detained"
            in text)
    html = (bulletin / "bulletin.html").read_text(encoding="utf-8")
    assert 'data-figure="detained" data-qualifier="at_least"' in html


@pytest.mark.slow
@needs_poppler
def test_headline_figures_in_the_pdf_equal_the_raw_csvs(bulletin, expected):
    text = _pdf_text(bulletin / "bulletin.pdf")
    labels = {"detained": "People detained", "repatriated": "People repatriated",
              "arrested_on_arrival": "Arrested on arrival",
              "deaths": "Deaths in scope"}
    lines = text.splitlines()
    for key, name in labels.items():
        numbers = _row_numbers(lines, name)
        want = [expected["current"][key], expected["previous"][key]]
        if key == "arrested_on_arrival":
            want = want[:1]  # 2025-Q3: no record says, [x]
        assert numbers[:len(want)] == want, (name, numbers)
    deaths = next(line for line in lines if line.strip().startswith("Deaths in scope "))
    assert deaths.split()[-1] == "[x]" and " 0 " not in deaths  # 2024-Q4: not collected
    flat = " ".join(_pdf_text(bulletin / "bulletin.pdf", layout=False).split())
    assert (f"In October to December 2025, at least {expected['current']['detained']:,} people"
            in flat)
    assert "212 fewer than in July to September 2025 (about 3,108)" in flat
    assert "not comparable (coverage differs)" in flat


@pytest.mark.slow
@needs_poppler
def test_the_title_names_the_period_in_words(bulletin):
    info = subprocess.run(["pdfinfo", str(bulletin / "bulletin.pdf")], capture_output=True,
                          check=True).stdout.decode()
    assert "October to December 2025" in info
    assert "<title>Detentions, repatriations and deaths linked to online-scam compounds: " \
           "October to December 2025</title>" in (bulletin / "bulletin.html").read_text()


@pytest.mark.slow
@needs_poppler
def test_every_pdf_font_is_embedded_and_hangul_comes_through(bulletin):
    fonts = subprocess.run(["pdffonts", str(bulletin / "bulletin.pdf")], capture_output=True,
                           check=True).stdout.decode().splitlines()[2:]
    assert fonts, "the PDF lists no fonts"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # the 'emb' column
    assert any("CJK" in line for line in fonts)
    text = _pdf_text(bulletin / "bulletin.pdf", layout=False)
    assert load_config().publisher.name_ko in " ".join(text.split())
    assert "구금" in text and "송환" in text


@pytest.mark.slow
def test_chart_csvs_hold_the_numbers_and_are_linked_from_the_page(bulletin, expected):
    html = (bulletin / "bulletin.html").read_text(encoding="utf-8")
    for path in (bulletin / "bulletin-data").glob("*.csv"):
        assert f'href="bulletin-data/{path.name}"' in html
    with (bulletin / "bulletin-data" / "quarterly-trend.csv").open(newline="") as fh:
        rows = {(r["period"], r["measure"]): int(r["persons"]) for r in csv.DictReader(fh)}
    assert rows[("2025-Q4", "detained")] == expected["current"]["detained"]
    assert rows[("2025-Q3", "repatriated")] == expected["previous"]["repatriated"]


@pytest.mark.slow
def test_the_derived_section_states_the_reconciliation_findings(bulletin):
    html = (bulletin / "bulletin.html").read_text(encoding="utf-8")
    assert ("<li>Myanmar, nationality India: by 10 March 2025, 283 people had been recorded as "
            "repatriated from Myanmar but none as detained there (record REP-2025-0004). At 31 "
            "December 2025 the figure is \u2212283 [u] [p].</li>") in html
    text = " ".join(" ".join(_page(bulletin / "bulletin.html").text).split())
    assert "61 held on 14 October 2025" in text  # the authorities' figure beside the records


@pytest.mark.slow
def test_fatalities_section_states_the_scope_rule_and_the_excluded_death(bulletin):
    text = " ".join(" ".join(_page(bulletin / "bulletin.html").text).split())
    assert "A death is counted when its link to scam operations is confirmed, suspected or " \
           "under investigation" in text
    assert "FAT-2025-0003: one death in Cambodia (20 October 2025), link to scam operations: " \
           "no link known" in text


class _Words(HTMLParser):
    """Every text a reader (or a screen reader) gets from the page: text and alt, aria-label,
    title attributes; script and style skipped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.words += [v for k, v in attrs if k in ("alt", "aria-label", "title") and v]
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)


@pytest.mark.slow
def test_no_published_text_names_the_derived_measure_as_people_held(bulletin):
    page = _Words()
    page.feed((bulletin / "bulletin.html").read_text(encoding="utf-8"))
    assert misnamed(" ".join(page.words)) == []
    assert "Detained with no return recorded [u]" in normalise(" ".join(page.words))
    for path in (bulletin / "bulletin-data").glob("*.csv"):
        assert misnamed(path.read_text(encoding="utf-8")) == [], path.name
    if shutil.which("pdftotext"):
        assert misnamed(_pdf_text(bulletin / "bulletin.pdf", layout=False)) == []


# --------------------------------------------------------------------------- title block, captions

SERIES_LINE = ("Online-scam compounds statistics: quarterly statistical bulletin, October to "
               "December 2025")
TABLES = list(range(1, 14))
CAPTION_LABEL = re.compile(r"^(Table|Figure)\s(\d+)\.\s")


class _Captions(HTMLParser):
    """The text of every caption and figcaption, and of the title block, in page order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.captions: list[str] = []
        self.header = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("caption", "figcaption"):
            self._in = tag
            self.captions.append("")
        elif tag == "header":
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "header":
            self.header += data
        elif self._in:
            self.captions[-1] += data


def _numbering(captions: list[str]) -> dict[str, list[int]]:
    numbers: dict[str, list[int]] = {"Table": [], "Figure": []}
    for caption in captions:
        m = CAPTION_LABEL.match(" ".join(caption.split()) + " ")
        assert m, caption
        numbers[m[1]].append(int(m[2]))
    return numbers


@pytest.mark.slow
def test_the_html_title_block_shows_the_series_and_the_release_date(bulletin):
    page = _Captions()
    html = (bulletin / "bulletin.html").read_text(encoding="utf-8")
    page.feed(html)
    header = " ".join(page.header.split())
    assert SERIES_LINE in header and "Released 28 November 2026" in header
    assert '<meta name="dcterms.date" content="2026-11-28">' in html


@pytest.mark.slow
def test_every_html_table_and_figure_caption_is_numbered(bulletin):
    page = _Captions()
    page.feed((bulletin / "bulletin.html").read_text(encoding="utf-8"))
    assert _numbering(page.captions) == {"Table": TABLES, "Figure": [1, 2, 3, 4]}


@pytest.mark.slow
@needs_poppler
def test_the_pdf_title_block_shows_the_series_and_the_release_date(bulletin):
    text = " ".join(_pdf_text(bulletin / "bulletin.pdf", layout=False).split())
    title_block = text.split("Contents", 1)[0]
    assert SERIES_LINE in title_block and "Released 28 November 2026" in title_block
    info = subprocess.run(["pdfinfo", str(bulletin / "bulletin.pdf")], capture_output=True,
                          check=True).stdout.decode()
    assert re.search(r"CreationDate:\s+Sat Nov 28 00:00:00 2026 UTC", info)  # the release date


@pytest.mark.slow
@needs_poppler
def test_every_pdf_table_and_figure_caption_is_numbered(bulletin):
    lines = _pdf_text(bulletin / "bulletin.pdf", layout=False).splitlines()
    captions = [line for line in lines if re.match(r"(Table|Figure) \d+\. ", line)]
    assert _numbering(captions) == {"Table": TABLES, "Figure": [1, 2, 3, 4]}


# --------------------------------------------------------------------------- escaping


@pytest.mark.slow
def test_markup_in_raw_text_changes_nothing_in_the_page_but_the_text(bulletin, injected):
    clean, dirty = _page(bulletin / "bulletin.html"), _page(injected / "bulletin.html")
    assert dirty.tags == clean.tags  # same elements, attributes, classes and links
    text = " ".join(" ".join(dirty.text).split())
    assert INJECTION in text
    assert LOCATION in text
    html = (injected / "bulletin.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert not [t for t in dirty.tags if len(t) > 1 and "onerror" in t[1]]
    assert not [t for t in dirty.tags if len(t) > 3 and t[3] and "evil.example" in t[3]]


@pytest.mark.slow
@needs_poppler
def test_markup_in_raw_text_reaches_the_pdf_as_text(injected):
    text = " ".join(_pdf_text(injected / "bulletin.pdf", layout=False).split())
    assert '<script>alert("owned")</script>' in text
    assert "#set page(fill: red)" in text and "$x^2$" in text


# --------------------------------------------------------------------------- charts


@pytest.fixture(scope="module")
def figures(warehouse):
    from toolkit.bulletin.figures import compute_figures

    con = connect(warehouse)
    try:
        return compute_figures(con, parse_period("2025-Q4"), as_of=AS_OF,
                               scope=load_config().bulletin.scope)
    finally:
        con.close()


@pytest.fixture(scope="module")
def charts_here(figures):
    """The charts made in this process, SVGs drawn (the reference for the chart process's)."""
    from toolkit.bulletin.chartproc import charts_with_svg

    return charts_with_svg(figures)


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (within five seconds)."""
    stat = Path(f"/proc/{pid}/stat")
    for _ in range(100):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":  # ended, not yet reaped
                return True
        except (FileNotFoundError, ProcessLookupError):
            return True
        time.sleep(0.05)
    return False


def test_every_chart_spec_is_valid_vega_lite(figures):
    from altair.vegalite.v6.schema.core import Root
    from jsonschema import ValidationError

    from toolkit.bulletin.charts import make_charts

    charts = make_charts(figures)
    assert [c.id for c in charts] == ["quarterly-trend", "detentions-by-country",
                                      "repatriations-by-mode", "not-returned-by-quarter"]
    for chart in charts:
        Root.validate(chart.spec)  # charts.py builds them without validation
    broken = {**charts[0].spec, "mark": {"type": "no-such-mark"}}
    with pytest.raises(ValidationError):
        Root.validate(broken)


@pytest.mark.slow
def test_the_chart_process_draws_the_charts_this_process_draws(figures, charts_here,
                                                               monkeypatch):
    from toolkit.bulletin import chartproc

    process = chartproc.start()
    assert process is not None and chartproc.start() is process  # one process, started once
    pid = process.pid
    assert pid != os.getpid()

    def not_here(spec):
        raise AssertionError("drawn in this process, not by the chart process")

    monkeypatch.setattr(chartproc, "to_svg", not_here)
    made = chartproc.draw_charts(figures)
    assert [c.svg.startswith("<svg") for c in made] == [True] * 4
    assert made == charts_here  # specs, SVGs, rows, text: all equal
    assert _gone(pid)  # used once, then gone
    with pytest.raises(AssertionError, match="drawn in this process"):
        chartproc.draw_charts(figures)


@pytest.mark.slow
def test_the_chart_process_ends_when_the_process_that_started_it_is_killed():
    code = ("from toolkit.bulletin import chartproc\n"
            "print(chartproc.start().pid, flush=True)\n"
            "import time; time.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        worker = int(parent.stdout.readline())
        assert Path(f"/proc/{worker}").is_dir()  # ready, waiting for figures
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
    assert _gone(worker)


@pytest.mark.slow
def test_a_dead_chart_process_leaves_the_charts_to_this_process(figures, charts_here):
    from toolkit.bulletin import chartproc

    process = chartproc.start()
    os.kill(process.pid, signal.SIGKILL)
    assert process.draw(figures) is None
    assert chartproc.draw_charts(figures) == charts_here


# --------------------------------------------------------------------------- publishing extra


@pytest.mark.slow
def test_render_bulletin_as_a_publish_extra_reports_revisions(warehouse, tmp_path):
    revisions = pl.DataFrame([{
        "table": "quarterly_summary", "period": "2025-Q3", "country": "KHM",
        "nationality": "KOR", "measure": "detained", "previous_value": 85,
        "previous_status": None, "value": 90, "status": "[r]", "previous_release": "2026-08-28",
        "note": None}])
    release = tmp_path / "release"
    (release / "data").mkdir(parents=True)
    (release / "data" / "quarterly_summary.csv").write_text("period\n2025-Q4\n")
    config = load_config()
    statistician = "Head of online-scam statistics (as configured for this release)"
    config = dataclasses.replace(
        config, publisher=dataclasses.replace(config.publisher, statistician=statistician))
    con = connect(warehouse)
    try:
        ctx = SimpleNamespace(out_dir=tmp_path, dir=release, release_id="2026-11-28",
                              as_of=AS_OF, period=parse_period("2025-Q4"),
                              previous=SimpleNamespace(release_id="2026-08-28"), con=con,
                              tables={"revisions": revisions}, next_release=dt.date(2027, 2, 26),
                              config=config)
        written = render_bulletin(ctx)
    finally:
        con.close()
    assert all(p.is_relative_to(release) and p.is_file() for p in written)
    assert {p.name for p in written} >= {"bulletin.html", "bulletin.pdf"}
    text = " ".join(" ".join(_page(release / "bulletin.html").text).split())
    assert "1 published figure has been revised since the previous release" in text
    assert "Next release: 26 February 2027" in text and "Release: 2026-11-28" in text
    assert "at least 2,896 [p]" in text  # the release's period is provisional
    assert 'href="data/quarterly_summary.csv"' in (release / "bulletin.html").read_text()
    assert f"Responsible statistician: {statistician}" in text  # the release's configuration
    # the Korean edition of the same release, from the same figures
    assert {p.name for p in written} >= {"bulletin.ko.html", "bulletin.ko.pdf"}
    ko = " ".join(" ".join(_page(release / "bulletin.ko.html").text).split())
    assert "직전 공표 이후 공표 수치 1개가 수정되었다" in ko
    assert "다음 공표: 2027년 2월 26일" in ko and "공표본: 2026-11-28" in ko
    assert "최소 2,896 [p]" in ko
    assert 'href="data/quarterly_summary.csv"' in (release / "bulletin.ko.html").read_text()


def test_a_scope_rule_with_an_unknown_status_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    text = (folder / "bulletin.yaml").read_text(encoding="utf-8")
    assert "under_investigation]" in text
    (folder / "bulletin.yaml").write_text(text.replace("under_investigation]", "likely]"),
                                          encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown value"):
        load_config(folder)
    monkeypatch.setenv("TOOLKIT_CONFIG", str(folder))
    with pytest.raises(BulletinError, match="unknown value"):  # before the warehouse is read
        build_bulletin(tmp_path / "out", warehouse_dir=tmp_path / "no-warehouse")


# --------------------------------------------------------------------------- browser


@pytest.mark.slow
@pytest.mark.browser
def test_chromium_shows_the_title_block_numbered_captions_and_sans_chart_text(bulletin):
    profile = tempfile.mkdtemp(prefix="bulletin-chromium-")
    driver = headless_chromium(Path(profile))
    try:
        driver.get((bulletin / "bulletin.html").resolve().as_uri())
        header = " ".join(driver.execute_script(
            "return document.querySelector('header').innerText").split())
        assert SERIES_LINE in header and header.endswith("Released 28 November 2026")
        captions = driver.execute_script(
            "return Array.from(document.querySelectorAll('caption, figcaption'))"
            ".map(e => e.innerText)")
        assert _numbering(captions) == {"Table": TABLES, "Figure": [1, 2, 3, 4]}
        fonts: list = []
        for _ in range(100):
            fonts = driver.execute_script(
                "return Array.from(document.querySelectorAll('div.vega-chart svg text'))"
                ".map(t => getComputedStyle(t).fontFamily)")
            if fonts:
                break
            time.sleep(0.1)
        assert fonts and all(f.startswith('"Liberation Sans", "DejaVu Sans"') for f in fonts)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.browser
def test_the_html_opens_in_chromium_with_every_chart_drawn(bulletin):
    profile = tempfile.mkdtemp(prefix="bulletin-chromium-")
    driver = headless_chromium(Path(profile))
    try:
        driver.get((bulletin / "bulletin.html").resolve().as_uri())
        states: list = []
        for _ in range(100):
            states = driver.execute_script(
                "return Array.from(document.querySelectorAll('div.vega-chart'))"
                ".map(e => [e.id, e.getAttribute('data-chart-state'),"
                " e.querySelectorAll('svg .mark-rect path, svg .mark-rect').length])")
            if states and all(s[1] is not None for s in states):
                break
            time.sleep(0.1)
        assert [s[0] for s in states] == ["quarterly-trend", "detentions-by-country",
                                          "repatriations-by-mode", "not-returned-by-quarter"]
        assert all(s[1] == "drawn" and s[2] > 0 for s in states), states
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1100, min(int(height), 12000))
        assert driver.save_screenshot(str(ARTIFACTS / "bulletin.png"))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
