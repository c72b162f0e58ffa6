"""The Korean edition (한국어판) and the i18n foundation under it (issue 20).

Fast: the API of toolkit.i18n (CLDR numbers, dates, periods, country names; the message
catalogue complete and in step with the code; every contract enum named in Korean), and the
Korean fragments made from the shipped data beside the English ones: every number the same as
the English edition's and the independent count, no English sentence left, the derived measure
never called people held, a monthly bulletin that never says quarter.

Slow (a render of both editions): the Korean HTML (lang="ko", numbered 표/그림 captions, the
same figures and table numbers as the English page), the Korean PDF (every font embedded, a real
CJK font for Hangul, the headline sentences in pdftotext) and Chromium screenshots of both
editions in tests/artifacts/.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from toolkit import i18n
from toolkit.bulletin import BulletinError, build_bulletin
from toolkit.bulletin.charts import chart_csv, make_charts
from toolkit.bulletin.document import DEFAULT_LANGUAGES, configured_languages, metadata
from toolkit.bulletin.figures import compute_figures
from toolkit.bulletin.sections import fragments
from toolkit.checks import validate
from toolkit.config import load_config
from toolkit.periods import parse_period
from toolkit.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
AS_OF = dt.date(2026, 11, 28)
ARTIFACTS = ROOT / "tests" / "artifacts"
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "bulletin"))
import independent  # noqa: E402
from wording import normalise  # noqa: E402

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")


# --------------------------------------------------------------------------- toolkit.i18n


def test_numbers_dates_and_periods_are_written_the_korean_way():
    assert i18n.format_number(2896, "ko") == "2,896"
    assert i18n.format_number(-200, "ko") == "\u2212200"
    assert i18n.format_date(dt.date(2026, 2, 27), "ko") == "2026년 2월 27일"
    assert i18n.format_date(dt.date(2026, 2, 27), "en") == "27 February 2026"
    q4, october = parse_period("2025-Q4"), parse_period("2025-10")
    assert i18n.period_words(q4, "ko") == "2025년 10~12월"
    assert i18n.period_words(october, "ko") == "2025년 10월"
    assert i18n.period_words(q4, "en") == q4.words == "October to December 2025"
    assert i18n.period_words(october, "en") == october.words
    assert i18n.period_label(q4, "ko") == "2025년 4분기"
    assert i18n.period_label(q4, "en") == "2025-Q4"
    assert i18n.list_words(["캄보디아", "미얀마", "태국"], "ko") == "캄보디아, 미얀마 및 태국"
    assert i18n.list_words(["a", "b", "c"], "en", "or") == "a, b or c"
    assert i18n.date_range(dt.date(2025, 8, 1), dt.date(2026, 1, 31), "ko") == \
        "2025년 8월 1일부터 2026년 1월 31일까지"
    assert i18n.language_name("ko") == "한국어" and i18n.language_name("en") == "English"
    with pytest.raises(ValueError, match="not one of en, ko"):
        i18n.format_number(1, "fr")


def test_country_names_come_from_cldr_for_every_iso_country():
    import pycountry

    assert [i18n.country_name(c, "ko") for c in ("KHM", "KOR", "MMR", "LAO", "THA", "VNM")] == \
        ["캄보디아", "대한민국", "미얀마", "라오스", "태국", "베트남"]
    assert i18n.country_name("MMR", "en") == "Myanmar"  # CLDR's "(Burma)" left out
    assert i18n.nationality_name("XXX", "ko") == "여러 국적 또는 미상"
    assert i18n.nationality_name("ALL", "ko") == "전체 국적"
    assert i18n.country_name("ALL", "en") == "All countries"
    for country in pycountry.countries:  # no hand table: CLDR names every one, in both
        for lang in ("en", "ko"):
            name = i18n.country_name(country.alpha_3, lang)
            assert name and name != country.alpha_3, (country.alpha_3, lang)
    # the bulletin keeps no table of names of its own
    names = (ROOT / "toolkit" / "bulletin" / "names.py").read_text(encoding="utf-8")
    assert not re.search(r'"[A-Z]{3}":', names)  # no table keyed by ISO code


def test_particles_agree_with_the_word_before_them():
    assert i18n.josa("2,896명", "이/가") == "2,896명이"
    assert i18n.josa("캄보디아", "과/와") == "캄보디아와"
    assert i18n.josa("2025년 7~9월", "과/와") == "2025년 7~9월과"
    assert i18n.josa("서울", "으로/로") == "서울로" and i18n.josa("부산", "으로/로") == "부산으로"
    assert i18n.josa("육로(국경 인계)", "으로/로") == "육로(국경 인계)로"
    assert i18n.josa("2025", "이/가") == "2025가" and i18n.josa("10", "은/는") == "10은"
    assert i18n.josa("[u]", "이/가") == "[u]이(가)"


def test_enumerated_values_have_korean_names_from_the_catalogue():
    assert i18n.label("mode", "charter_flight", "ko") == "전세기"
    assert i18n.label("mode", "charter_flight", "en") == "Charter flight"
    assert i18n.label("status", "[p]", "ko") == "잠정치"
    assert i18n.label("reliability", 5, "ko") == "당국의 공식 발표나 기록을 직접 확인"
    assert i18n.label("mode", "other", "ko") == i18n.label("reason", "other", "ko") == "기타"
    t = i18n.translator("ko")
    assert t.gettext("Skip to content") == "본문 바로가기"
    assert t.pgettext("header", "Nationality") == "국적"
    assert i18n.translator("en").gettext("Skip to content") == "Skip to content"


def test_every_enum_of_the_contracts_is_named_in_korean():
    """Each enum column of schemas/ is a kind of the catalogue (persons_qualifier is the
    qualifier kind) with a Korean name for every value."""
    kinds = {"persons_qualifier": "qualifier"}
    seen = 0
    for path in sorted((ROOT / "schemas").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        columns = doc.get("columns") or doc.get("fields") or []
        if isinstance(doc.get("columns"), dict):
            columns = [{"name": k, **v} for k, v in doc["columns"].items()]
        for column in columns:
            if not isinstance(column, dict) or column.get("type") != "enum":
                continue
            kind = kinds.get(column["name"], column["name"])
            for value in column["values"]:
                english = i18n.label(kind, value, "en")
                korean = i18n.label(kind, value, "ko")
                assert korean != english and re.search(r"[가-힣]", korean), (kind, value)
                seen += 1
    assert seen >= 40


def test_the_catalogue_is_complete_and_in_step_with_the_code():
    from babel.messages.pofile import read_po

    from toolkit.i18n.__main__ import POT, extract, problems

    template = extract()
    assert problems("ko", template) == []  # nothing missing, untranslated, fuzzy or obsolete
    with POT.open("rb") as fh:
        committed = read_po(fh)
    def key(m):
        return (m.context or "", m.id)

    assert sorted(key(m) for m in committed if m.id) == sorted(key(m) for m in template if m.id), \
        "locale/toolkit.pot is stale: run python -m toolkit.i18n update"


def test_the_languages_come_from_the_configuration(tmp_path):
    from toolkit.config import ConfigError

    config = load_config()
    assert configured_languages(config) == DEFAULT_LANGUAGES == ("en", "ko")
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    text = (folder / "bulletin.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^languages:.*\n", "", text)

    def languages_of(value: str) -> tuple[str, ...]:
        (folder / "bulletin.yaml").write_text(text + f"languages: {value}\n", encoding="utf-8")
        return configured_languages(load_config(folder))

    assert languages_of("[ko]") == ("ko",)
    with pytest.raises(ConfigError, match="unknown value.*fr"):
        languages_of("[en, fr]")
    with pytest.raises(ConfigError, match="must be a list"):
        languages_of("ko")
    with pytest.raises(BulletinError, match="not one of"):
        build_bulletin(tmp_path / "out", lang="fr", warehouse_dir=tmp_path / "none")


# --------------------------------------------------------------------------- the fragments


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    out = tmp_path_factory.mktemp("warehouse")
    assert validate(RAW, AS_OF, out_dir=out).warehouse is not None
    connection = connect(out)
    yield connection
    connection.close()


def _editions(con, label: str, **kwargs) -> dict[str, tuple]:
    from toolkit.bulletin import sections_ko

    config = load_config()
    fig = compute_figures(con, parse_period(label), as_of=AS_OF, scope=config.bulletin.scope,
                          coverage=config.coverage, **kwargs)
    out = {}
    for lang, make, meta in (("en", fragments, metadata),
                             ("ko", sections_ko.fragments, sections_ko.metadata)):
        charts = make_charts(fig, lang)
        for chart in charts:
            chart.svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
        out[lang] = (fig, charts, make(fig, charts, ["data/quarterly_summary.csv"]),
                     meta(fig, config, release_id=None, next_release=None))
    return out


@pytest.fixture(scope="module")
def q4(con):
    return _editions(con, "2025-Q4")


@pytest.fixture(scope="module")
def october(con):
    return _editions(con, "2025-10", provisional=True)


CHART_BLOCK = re.compile(r"^(`{3,})\{=(?:html|typst)\}\n.*?^\1$", re.M | re.S)
FIGURE = re.compile(r"\[((?:\\.|[^\]\\])*)\]\{\.figure data-figure=\"(\w+)\"[^}]*\}")


def _reader(markdown: str) -> str:
    """Markdown as a reader sees it: chart blocks (spec, SVG) out, escapes undone."""
    text = CHART_BLOCK.sub("", markdown)
    text = re.sub(r"\{#(?:tbl|fig)-[\w-]+\}", "", text)  # cross-reference labels
    text = FIGURE.sub(r"\1", text)
    return re.sub(r"\\(.)", r"\1", text).replace("**", "")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_MONTH = {m: i + 1 for i, m in enumerate(MONTHS)} | {m[:3]: i + 1 for i, m in enumerate(MONTHS)}
_MONTH["Sept"] = 9
_M = r"(January|February|March|April|May|June|July|August|September|October|November|December" \
     r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")) if i}
TOKEN = re.compile(r"\d{4}-(?:Q\d|\d{2}(?:-\d{2})?)(?:\.\.\d{4}-\d{2})?|\u2212?\d[\d,]*(?:\.\d+)?")


def _ym(y, m) -> str:
    return f"{int(y)}-{int(m):02d}"


def english_numbers(text: str) -> list[str]:
    """The numbers of an English text: dates and periods as ISO tokens, small numbers written
    as words as figures."""
    text = re.sub(rf"\b(\d{{1,2}}) {_M} (\d{{4}})",
                  lambda m: f"{_ym(m[3], _MONTH[m[2]])}-{int(m[1]):02d}", text)
    text = re.sub(rf"\b{_M} to {_M} (\d{{4}})",
                  lambda m: f"{_ym(m[3], _MONTH[m[1]])}..{_ym(m[3], _MONTH[m[2]])}", text)
    text = re.sub(rf"\b{_M} (\d{{4}})", lambda m: _ym(m[2], _MONTH[m[1]]), text)
    text = re.sub(r"\b(one|two|three|four|five|six|seven|eight|nine)\b",
                  lambda m: NUMBER_WORDS[m[1].lower()], text, flags=re.I)
    return TOKEN.findall(text)


def korean_numbers(text: str) -> list[str]:
    """The numbers of a Korean text, dates and periods as in :func:`english_numbers`."""
    text = re.sub(r"(\d{4})년 (\d{1,2})월 (\d{1,2})일",
                  lambda m: f"{_ym(m[1], m[2])}-{int(m[3]):02d}", text)
    text = re.sub(r"(\d{4})년 (\d{1,2})~(\d{1,2})월",
                  lambda m: f"{_ym(m[1], m[2])}..{_ym(m[1], m[3])}", text)
    text = re.sub(r"(\d{4})년 (\d)분기", lambda m: f"{m[1]}-Q{m[2]}", text)
    text = re.sub(r"(\d{4})년 (\d{1,2})월", lambda m: _ym(m[1], m[2]), text)
    return TOKEN.findall(text)


def _tables(markdown: str) -> list[list[list[str]]]:
    """Every pipe table of a fragment: its body rows (header and rule out), cells as text."""
    out, rows = [], None
    for line in _reader(markdown).splitlines() + [""]:
        if line.startswith("|"):
            rows = [] if rows is None else rows
            rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
        elif rows is not None:
            out.append(rows[2:])
            rows = None
    return out


def _row_numbers(rows: list[list[str]], numbers) -> list[tuple[str, ...]]:
    """The numbers of each row without its first cell (a name), rows sorted: a table sorted by
    name is in another order in Korean, and a cell may say a date and a count in another
    order."""
    return sorted(tuple(sorted(n for c in row[1:] for n in numbers(c))) for row in rows)


@pytest.mark.parametrize("edition", ["q4", "october"])
def test_every_table_number_of_the_korean_edition_is_the_english_ones(edition, request):
    both = request.getfixturevalue(edition)
    en, ko = both["en"][2], both["ko"][2]
    assert list(en) == list(ko)  # the same fragments
    compared = 0
    for name in en:
        en_tables, ko_tables = _tables(en[name]), _tables(ko[name])
        assert len(en_tables) == len(ko_tables), name
        for a, b in zip(en_tables, ko_tables, strict=True):
            assert _row_numbers(a, english_numbers) == _row_numbers(b, korean_numbers), name
            compared += len(a)
    assert compared > 80


@pytest.mark.parametrize("edition", ["q4", "october"])
def test_every_number_in_the_korean_text_is_in_the_english_text(edition, request):
    """Sentences differ, numbers do not: the numbers of the Korean fragments are those of the
    English ones, and the other way round (small English numbers are words there)."""
    both = request.getfixturevalue(edition)
    en = {n for t in both["en"][2].values() for n in english_numbers(_reader(t))}
    ko = {n for t in both["ko"][2].values() for n in korean_numbers(_reader(t))}
    assert ko - en == set()
    assert en - ko == set()


def test_headline_figures_are_the_english_ones_and_the_independent_count(q4):
    spans = {lang: {k: re.sub(r"\\(.)", r"\1", v)
                    for v, k in FIGURE.findall(q4[lang][2]["main-points.md"])}
             for lang in ("en", "ko")}
    assert spans["ko"] == spans["en"]
    deaths_of = tuple(load_config().coverage.of("fatalities").nationalities)
    expected = independent.headline(RAW, "2025-10-01", "2025-12-31", nationalities=deaths_of)
    assert {k: int(v.replace(",", "")) for k, v in spans["ko"].items()} == expected
    en_meta, ko_meta = q4["en"][3]["figures"], q4["ko"][3]["figures"]
    assert {k: {f: english_numbers(v) for f, v in cells.items()} for k, cells in en_meta.items()} \
        == {k: {f: korean_numbers(v) for f, v in cells.items()} for k, cells in ko_meta.items()}
    assert set(q4["ko"][3]["bulletin"]) == set(q4["en"][3]["bulletin"])  # the same meta keys


def test_the_korean_main_points_read_as_korean(q4, october):
    text = normalise(_reader(q4["ko"][2]["main-points.md"]))
    assert ("2025년 10~12월 온라인 스캠 단지 단속과 관련 출입국 단속에서 구금된 것으로 기록된 "
            "인원은 최소 2,896명이다. 직전 분기인 2025년 7~9월(약 3,108명)보다 212명(6.8%) "
            "감소했고, 전년 동기인 2024년 10~12월에는 기록된 인원이 없었다.") in text
    assert "2025년 11월 6일 인도 국적자 270명이 태국에서 군용기로 송환된 기록이다." in text
    assert "송환된 인원 중 최소 64명이 입국 시 체포된 것으로 기록되었다." in text
    assert "나머지 337명(기록 4건)은 출처에 체포 여부가 나오지 않는다." in text
    assert "스캠 조직과 관련된 것으로 집계된 사망자는 1명이다" in text
    assert "23개 집단 가운데 4개 집단에서 이 수치가 음수였다" in text
    monthly = normalise(_reader(october["ko"][2]["main-points.md"]))
    assert "직전 달인 2025년 9월(약 33명)보다 2,850명 늘어 87배가 되었고" in monthly


def test_a_monthly_korean_bulletin_never_says_quarter(october):
    fig, charts, frags, meta = october["ko"]
    texts = [_reader(t) for t in frags.values()]
    texts += [c.title + c.caption + c.alt + " ".join(c.table_headers) for c in charts]
    texts += [str(v) for v in meta["bulletin"].values()]
    for text in texts:
        assert "분기" not in text, text[:200]


#: English a Korean text may hold: codes, names of tables and fields, file names, and the
#: proper names the data and the configuration give (places, authorities, publishers).
ALLOWED = (r"https?://\S+", r"[\w.+-]+@[\w.-]+", r"\b[\w-]+\.(?:ko\.)?csv\b",
           r"\b[A-Z]{2,4}-\d{3,4}(?:-\d{4})?\b", r"\b[a-z]+(?:_[a-z]+)+\b",
           r"\bbulletin-data\b", r"\bCC-BY-4\.0\b", r"\(?\b(?:GSS|ICAO|XXX|CSV|Parquet|Excel)\b\)?")


def _proper_names(fig, config) -> list[str]:
    names = [r.get("authority") or "" for r in fig.comparisons]
    names += [r.get(k) or "" for r in fig.other_figures for k in ("publisher", "other_publisher")]
    names += [r.get("location") or "" for r in fig.largest.values()]
    names += [config.publisher.name, config.bulletin.series]
    names += [i18n.label("term", t, "en") for t in i18n.labels("term", "en")]
    return sorted((n for n in names if n), key=len, reverse=True)


def english_left(text: str, names: list[str]) -> list[str]:
    """Runs of two or more English words in ``text`` once the allowed English is taken out."""
    for name in names:
        text = text.replace(name, " ")
    for pattern in ALLOWED:
        text = re.sub(pattern, " ", text)
    return re.findall(r"[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*)+", text)


@pytest.mark.parametrize("edition", ["q4", "october"])
def test_no_english_sentence_is_left_in_the_korean_edition(edition, request):
    fig, charts, frags, meta = request.getfixturevalue(edition)["ko"]
    names = _proper_names(fig, load_config())
    texts = {name: _reader(t) for name, t in frags.items()}
    for c in charts:
        texts[f"{c.id} words"] = " ".join([c.title, c.caption, c.alt, *c.table_headers,
                                           *(" ".join(r) for r in c.table_rows)])
        spec = c.spec
        texts[f"{c.id} spec titles"] = " ".join(str(v) for v in _spec_texts(spec))
    texts["metadata"] = " ".join(str(v) for v in meta["bulletin"].values())
    qmd = (ROOT / "reports" / "bulletin.ko.qmd").read_text(encoding="utf-8")
    texts["bulletin.ko.qmd"] = re.sub(r"\{\{<[^>]*>\}\}", " ", qmd.split("\n---\n", 1)[1])
    for name, text in texts.items():
        assert english_left(text, names) == [], name
    assert english_left("기록 1건, 그리고 an English sentence", names) == ["an English sentence"]


def _spec_texts(node) -> list[str]:
    """Titles, subtitles, field names and labels a chart shows, from its Vega-Lite spec."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("title", "subtitle", "text") and isinstance(v, str):
                out.append(v)
            elif k == "field" and isinstance(v, str) and not v.islower():
                out.append(v)
            elif k == "values" and isinstance(v, list):
                out += [str(x.get(f)) for x in v if isinstance(x, dict)
                        for f in x if not str(f).islower() or f == "text"]
            else:
                out += _spec_texts(v)
    elif isinstance(node, list):
        for v in node:
            out += _spec_texts(v)
    return out


def test_the_korean_edition_never_calls_the_derived_measure_people_held(q4, october):
    allowed = [re.compile(p) for p in (
        r"억류 중인 인원 수가 아니",       # what the measure is not
        r"억류 중인 인원이나",             # authorities' own figures (the comparisons)
        r"억류된 [^ ]+ 국적자는 [\d,]+명", r"억류 [\d,]+명",
    )]
    for edition in (q4, october):
        for text in (normalise(_reader(t)) for t in edition["ko"][2].values()):
            for m in re.finditer("억류", text):
                window = text[m.start():m.start() + 40]
                assert any(p.match(window) for p in allowed), text[max(0, m.start() - 60):
                                                                   m.end() + 60]


def test_korean_chart_csvs_have_the_english_columns_and_values(q4):
    en_charts, ko_charts = q4["en"][1], q4["ko"][1]
    for a, b in zip(en_charts, ko_charts, strict=True):
        assert b.csv_name == a.csv_name.replace(".csv", ".ko.csv")
        text = chart_csv(b)
        assert text.startswith("\ufeff")  # Excel set up for Korean reads the Hangul
        ko_rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        en_rows = list(csv.DictReader(io.StringIO(chart_csv(a))))
        assert [{k: v for k, v in r.items() if k != "label"} for r in ko_rows] == \
            [{k: v for k, v in r.items() if k != "label"} for r in en_rows]
        assert all(re.search(r"[가-힣]", r["label"]) for r in ko_rows if "label" in r)


# --------------------------------------------------------------------------- rendered


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """Both editions of 2025-Q4 rendered from the shipped data in one run."""
    root = tmp_path_factory.mktemp("korean")
    assert validate(RAW, AS_OF, out_dir=root / "wh").warehouse is not None
    build_bulletin(root / "out", parse_period("2025-Q4"), AS_OF, warehouse_dir=root / "wh",
                   lang=("en", "ko"))
    return root / "out"


class _Page(HTMLParser):
    """The page's text (scripts and styles out), its figure spans and its tables' cells."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.figures: dict[str, str] = {}
        self.tables: list[list[list[str]]] = []
        self.captions: list[str] = []
        self.lang = ""
        self._skip = 0
        self._figure: str | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if tag == "html":
            self.lang = d.get("lang", "")
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "span" and d.get("data-figure"):
            self._figure = d["data-figure"]
        if tag == "table":
            self.tables.append([])
        if tag == "tr" and self.tables:
            self.tables[-1].append([])
        if tag in ("td", "th"):
            self._cell = []
        if tag in ("caption", "figcaption"):
            self._caption = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "span":
            self._figure = None
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag in ("caption", "figcaption") and self._caption is not None:
            self.captions.append(" ".join("".join(self._caption).split()))
            self._caption = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._figure:
            self.figures[self._figure] = self.figures.get(self._figure, "") + data
        if self._cell is not None:
            self._cell.append(data)
        if self._caption is not None:
            self._caption.append(data)


def _page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                         check=True).stdout.decode("utf-8")
    return normalise(out)


@pytest.mark.slow
def test_both_editions_are_written_in_one_run(rendered):
    names = sorted(p.relative_to(rendered).as_posix() for p in rendered.rglob("*") if p.is_file())
    charts = ["detentions-by-country", "not-returned-by-quarter", "quarterly-trend",
              "repatriations-by-mode"]
    assert names == sorted([f"bulletin-data/{c}{s}.csv" for c in charts for s in ("", ".ko")]
                           + ["bulletin.html", "bulletin.pdf", "bulletin.ko.html",
                              "bulletin.ko.pdf"])


@pytest.mark.slow
def test_the_korean_page_is_korean_with_the_english_figures(rendered):
    en, ko = _page(rendered / "bulletin.html"), _page(rendered / "bulletin.ko.html")
    assert ko.lang == "ko" and en.lang == "en-GB"
    assert ko.figures == en.figures and ko.figures
    deaths_of = tuple(load_config().coverage.of("fatalities").nationalities)
    expected = independent.headline(RAW, "2025-10-01", "2025-12-31", nationalities=deaths_of)
    assert {k: int(v.replace(",", "")) for k, v in ko.figures.items()} == expected
    assert [re.match(r"(표|그림) \d+\.", c)[1] for c in ko.captions].count("표") == 13
    assert [c.split()[0] for c in ko.captions if c.startswith("그림")] == ["그림"] * 4
    assert len(en.tables) == len(ko.tables) == 13
    for a, b in zip(en.tables, ko.tables, strict=True):
        assert _row_numbers(a[1:], english_numbers) == _row_numbers(b[1:], korean_numbers)
    html = (rendered / "bulletin.ko.html").read_text(encoding="utf-8")
    assert ">본문 바로가기<" in html
    assert "<title>온라인 스캠 단지 관련 구금·송환·사망 통계: 2025년 10~12월</title>" in html


@pytest.mark.slow
def test_no_english_sentence_in_the_korean_page_body(rendered, q4):
    fig = q4["ko"][0]
    text = " ".join(" ".join(_page(rendered / "bulletin.ko.html").text).split())
    assert english_left(text, _proper_names(fig, load_config())) == []


@pytest.mark.slow
@needs_poppler
def test_the_korean_pdf_embeds_a_cjk_font_and_reads_back_the_headlines(rendered):
    pdf = rendered / "bulletin.ko.pdf"
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True,
                          check=True).stdout.decode().splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), rows  # every font embedded
    assert not [r for r in rows if "Type 3" in r]
    hangul = [r.split()[0] for r in rows if re.search(r"CJK|KR-|KR$", r.split()[0])]
    assert hangul, rows  # a real CJK font sets the Hangul (Noto CJK KR or Noto Sans/Serif KR)
    text = _pdf_text(pdf)
    for sentence in (
            "구금된 것으로 기록된 인원은 최소 2,896명이다.",
            "직전 분기인 2025년 7~9월(약 3,108명)보다 212명(6.8%) 감소했고",
            "국적국으로 송환된 것으로 기록된 인원은 401명이다.",
            "송환된 인원 중 최소 64명이 입국 시 체포된 것으로 기록되었다.",
            "스캠 조직과 관련된 것으로 집계된 사망자는 1명이다"):
        assert sentence in text.replace("- ", "-"), sentence
    assert "\ufffd" not in text and "□" not in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True).stdout.decode()
    assert "2025년 10~12월" in info


# --------------------------------------------------------------------------- browser


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("stem", ["bulletin", "bulletin.ko"])
def test_chromium_shows_each_edition_with_every_chart_drawn(rendered, stem):
    from conftest import headless_chromium

    profile = tempfile.mkdtemp(prefix="bulletin-chromium-")
    driver = headless_chromium(Path(profile))
    try:
        driver.get((rendered / f"{stem}.html").resolve().as_uri())
        states: list = []
        for _ in range(100):
            states = driver.execute_script(
                "return Array.from(document.querySelectorAll('div.vega-chart'))"
                ".map(e => [e.id, e.getAttribute('data-chart-state')])")
            if states and all(s[1] is not None for s in states):
                break
            time.sleep(0.1)
        assert [s[1] for s in states] == ["drawn"] * 4, states
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
        lang = driver.execute_script("return document.documentElement.lang")
        fonts = driver.execute_script(
            "return Array.from(document.querySelectorAll('div.vega-chart svg text'))"
            ".map(t => getComputedStyle(t).fontFamily)")
        if stem.endswith(".ko"):
            assert lang == "ko"
            assert fonts and all(f.startswith('"Noto Sans CJK KR"') for f in fonts)
            header = driver.execute_script("return document.querySelector('header').innerText")
            assert "2025년 10~12월" in header and "공표일 2026년 11월 28일" in header
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1100, min(int(height), 12000))
        name = "bulletin.en.png" if stem == "bulletin" else "bulletin.ko.png"
        assert driver.save_screenshot(str(ARTIFACTS / name))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


GOLDEN = ROOT / "tests" / "golden" / "bulletin"


@pytest.mark.parametrize(("edition", "label"), [("q4", "2025-Q4"), ("october", "2025-10")])
def test_golden_korean_main_points_and_headline_table(edition, label, request):
    """What a Korean reader reads first, kept for review (rerun with UPDATE_GOLDEN=1 when a
    change is intended, and read the diff)."""
    import os

    frags = request.getfixturevalue(edition)["ko"][2]
    for part in ("main-points", "headline-table"):
        text = re.sub(r"\\(.)", r"\1", FIGURE.sub(r"\1", frags[f"{part}.md"])).replace("**", "")
        path = GOLDEN / f"{part}-{label}.ko.md"
        if os.environ.get("UPDATE_GOLDEN"):
            path.write_bytes(text.encode("utf-8"))
        assert text == path.read_bytes().decode("utf-8"), f"{path.name} differs"
