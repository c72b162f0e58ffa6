"""The Quarto route: reports/bulletin.qmd as `quarto render` reads it, checked statically.

Quarto is not installed where the tests run, so these tests pin what Quarto's documentation and
source say it needs, on the files the toolkit writes for it (`toolkit bulletin --build-dir`):
fields Quarto parses as dates hold literal dates, tables and charts use Quarto's caption and
cross-reference syntax, every include and meta key resolves, and the files the document links
to are where both renders put their output.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from toolkit.bulletin import build_bulletin
from toolkit.bulletin.shortcodes import DATE_FIELDS, format_date
from toolkit.checks import validate
from toolkit.periods import parse_period

pytestmark = pytest.mark.slow  # the bulletin's Quarto inputs are rendered first

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
AS_OF = dt.date(2026, 11, 28)
SHORTCODE = re.compile(r"\{\{<\s*(\w+)\s+([^>]*?)\s*>\}\}")
#: Each edition: its document, its fragments folder and metadata file in the build folder, and
#: what its chart CSVs are called.
EDITIONS = {
    "en": {"qmd": "bulletin.qmd", "fragments": "_build", "metadata": "bulletin-data.yml",
           "stem": "bulletin", "date": "28 November 2026", "published": "Released"},
    "ko": {"qmd": "bulletin.ko.qmd", "fragments": "_build/ko", "metadata": "bulletin-data.ko.yml",
           "stem": "bulletin.ko", "date": "2026년 11월 28일", "published": "공표일"},
}
edition = pytest.mark.parametrize("lang", sorted(EDITIONS))


def _csvs(folder: Path, lang: str) -> list[Path]:
    """The chart CSVs of one edition: ``<chart>.csv`` in English, ``<chart>.ko.csv`` in Korean."""
    found = sorted(folder.glob("*.csv"))
    if lang == "en":
        return [p for p in found if not p.name.endswith(".ko.csv")]
    return [p for p in found if p.name.endswith(f".{lang}.csv")]
CAPTION = re.compile(r"^: (?P<text>.+) \{#(?P<label>tbl-[a-z0-9]+(?:-[a-z0-9]+)*)\}$")


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("\n---\n", 1)[0][4:])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The bulletin of 2025-Q4 previewed in both languages, with the Quarto inputs kept in a copy
    of reports/."""
    root = tmp_path_factory.mktemp("quarto")
    assert validate(ROOT / "data" / "raw", AS_OF, out_dir=root / "wh").warehouse is not None
    build_bulletin(root / "preview", parse_period("2025-Q4"), AS_OF,
                   warehouse_dir=root / "wh", build_dir=root / "reports")
    return {"preview": root / "preview", "reports": root / "reports"}


@pytest.fixture(scope="module")
def metadatas(built) -> dict[str, dict]:
    return {lang: yaml.safe_load((built["reports"] / "_build" / e["metadata"]).read_text("utf-8"))
            for lang, e in EDITIONS.items()}


@pytest.fixture(scope="module")
def all_fragments(built) -> dict[str, dict[str, str]]:
    return {lang: {p.name: p.read_text(encoding="utf-8")
                   for p in sorted((built["reports"] / e["fragments"]).glob("*.md"))}
            for lang, e in EDITIONS.items()}


@pytest.fixture
def metadata(metadatas, lang) -> dict:
    return metadatas[lang]


@pytest.fixture
def fragments(all_fragments, lang) -> dict[str, str]:
    return all_fragments[lang]


# --------------------------------------------------------------------------- front matter


@pytest.mark.slow  # renders the bulletin's inputs
@edition
def test_fields_quarto_parses_as_dates_hold_literal_dates(built, metadata, lang):
    front = _front_matter(REPORTS / EDITIONS[lang]["qmd"])
    for key in DATE_FIELDS:
        value = front.get(key)
        assert value is None or isinstance(value, dt.date) or (
            isinstance(value, str) and "{{<" not in value
            and dt.date.fromisoformat(value)), (key, value)
    # the release date is the metadata file's, a quoted ISO date (a text, as Quarto reads it)
    text = (built["reports"] / "_build" / EDITIONS[lang]["metadata"]).read_text(encoding="utf-8")
    assert f"date: '{AS_OF.isoformat()}'\n" in text
    assert metadata["date"] == AS_OF.isoformat()
    assert format_date(AS_OF, front["date-format"]) == EDITIONS[lang]["date"]
    assert front["published-title"] == EDITIONS[lang]["published"]


@edition
def test_shortcodes_only_in_text_fields_quarto_shows(metadata, lang):
    front = _front_matter(REPORTS / EDITIONS[lang]["qmd"])
    with_shortcodes = sorted(k for k, v in front.items() if isinstance(v, str) and "{{<" in v)
    assert with_shortcodes == ["subtitle", "title"]
    assert "series" not in front  # not a Quarto field: the series is in the subtitle
    assert metadata["bulletin"]["series"] in metadata["bulletin"]["subtitle"]


@edition
def test_front_matter_and_metadata_file_set_no_field_twice(metadata, lang):
    front = _front_matter(REPORTS / EDITIONS[lang]["qmd"])
    # Quarto takes the metadata file's value, Pandoc the front matter's: never both
    assert set(front) & set(metadata) == set()


@edition
def test_every_include_and_meta_key_resolves(built, metadata, lang):
    qmd = (REPORTS / EDITIONS[lang]["qmd"]).read_text(encoding="utf-8")
    texts = [qmd, *[p.read_text(encoding="utf-8")
                    for p in (built["reports"] / EDITIONS[lang]["fragments"]).glob("*.md")]]
    includes = [arg for t in texts for name, arg in SHORTCODE.findall(t) if name == "include"]
    assert includes and all((built["reports"] / arg).is_file() for arg in includes), includes
    keys = [arg for t in texts for name, arg in SHORTCODE.findall(t) if name == "meta"]
    assert keys
    for key in keys:
        node = metadata
        for part in key.split("."):
            node = node[part]
        assert isinstance(node, (str, int)), key
    names = {name for t in texts for name, _ in SHORTCODE.findall(t)}
    assert names == {"include", "meta"}


def test_the_build_folder_holds_the_qmd_and_project_quarto_renders(built):
    for name in ("bulletin.qmd", "bulletin.ko.qmd", "_quarto.yml"):
        assert (built["reports"] / name).read_bytes() == (REPORTS / name).read_bytes()
    project = yaml.safe_load((REPORTS / "_quarto.yml").read_text(encoding="utf-8"))
    assert project["project"]["output-dir"] == "_output"
    assert project["project"]["render"] == ["bulletin.qmd", "bulletin.ko.qmd"]
    assert set(project["format"]) == {"html", "typst"}
    runtime = built["reports"] / project["format"]["html"]["include-after-body"]
    assert "vegaEmbed" in runtime.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- captions


def _tables(markdown: str) -> list[tuple[list[str], str]]:
    """Each pipe table of ``markdown``: its lines and the line after the blank that ends it."""
    lines = markdown.split("\n")
    found, i = [], 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|-") \
                or lines[i].startswith("|:"):
            start = i
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
            after = lines[i + 1] if i + 1 < len(lines) and lines[i] == "" else ""
            found.append((lines[start:i], after))
        i += 1
    return found


@edition
def test_every_table_has_a_quarto_caption_with_a_unique_label(fragments, lang):
    labels = []
    for name, text in fragments.items():
        for rows, caption in _tables(text):
            m = CAPTION.match(caption)
            assert m, (name, rows[0], caption)
            labels.append(m["label"])
    assert len(labels) == 13
    assert len(set(labels)) == len(labels)


def _figures(markdown: str) -> list[tuple[str, str]]:
    return re.findall(r"^::: \{#(fig-[\w-]+)\}\n(.*?)\n:::$", markdown, flags=re.M | re.S)


@edition
def test_every_chart_is_a_quarto_figure_with_a_caption(fragments, built, lang):
    figures = [f for text in fragments.values() for f in _figures(text)]
    assert sorted(label for label, _ in figures) == [
        "fig-detentions-by-country", "fig-not-returned-by-quarter", "fig-quarterly-trend",
        "fig-repatriations-by-mode"]
    for label, body in figures:
        *content, caption = body.split("\n\n")
        assert caption.strip() and not caption.startswith(("`", "<", "#")), label
        assert any(c.startswith("```{=html}") for c in content)
        typst = [c for c in content if c.startswith("```{=typst}")]
        assert len(typst) == 1 and "#image(" in typst[0]
        assert "#figure" not in body  # Quarto makes (and numbers) the figure
    assert len(figures) == len(_csvs(built["preview"] / "bulletin-data", lang))


# --------------------------------------------------------------------------- linked files


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _local(links) -> list[str]:
    return [u for u in links if not u.startswith(("#", "data:", "http:", "https:", "mailto:"))]


@edition
def test_the_preview_folder_holds_every_file_the_document_links_to(built, lang):
    preview = built["preview"]
    stem = EDITIONS[lang]["stem"]
    parser = _Links()
    parser.feed((preview / f"{stem}.html").read_text(encoding="utf-8"))
    html_links = _local(parser.links)
    pdf_links = _local(u.decode() for u in re.findall(rb"/URI\s*\(([^)]*)\)",
                                                      (preview / f"{stem}.pdf").read_bytes()))
    assert html_links and sorted(set(html_links)) == sorted(set(pdf_links))
    assert [u for u in html_links if not (preview / u).is_file()] == []


@edition
def test_the_chart_data_lands_beside_both_outputs(built, lang):
    preview = _csvs(built["preview"] / "bulletin-data", lang)
    beside_qmd = _csvs(built["reports"] / "bulletin-data", lang)
    assert [p.name for p in preview] == [p.name for p in beside_qmd] and preview
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(preview, beside_qmd, strict=True))
    # Quarto copies the document's resources into its output folder, beside bulletin.html/.pdf
    globs = _front_matter(REPORTS / EDITIONS[lang]["qmd"])["resources"]
    rel = [p.relative_to(built["reports"]).as_posix() for p in beside_qmd]
    assert all(any(fnmatch.fnmatch(r, g) for g in globs) for r in rel)


def test_generated_quarto_inputs_and_outputs_are_not_committed():
    ignored = {line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()}
    assert {"reports/_build/", "reports/_output/", "reports/bulletin-data/",
            "reports/.quarto/"} <= ignored


@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed here")
def test_quarto_renders_the_build_folder(built):  # pragma: no cover - where Quarto exists
    """With the Quarto CLI (the publishing workflow installs it): the real render."""
    import html
    import subprocess

    reports = built["reports"]
    subprocess.run(["quarto", "render", "bulletin.qmd", "--metadata-file",
                    "_build/bulletin-data.yml"], cwd=reports, check=True)
    out = reports / "_output"
    page = " ".join(html.unescape((out / "bulletin.html").read_text(encoding="utf-8")).split())
    assert "Invalid Date" not in page and "28 November 2026" in page
    assert ("Online-scam compounds statistics: quarterly statistical bulletin, October to "
            "December 2025") in page
    assert "Table 13" in page and "Figure 4" in page  # numbered captions, by Quarto
    assert sorted(p.name for p in (out / "bulletin-data").glob("*.csv")) == sorted(
        p.name for p in (built["preview"] / "bulletin-data").glob("*.csv"))
    pdf = out / "bulletin.pdf"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   check=True).stdout.decode("utf-8").split())
    assert "28 November 2026" in text and "Invalid Date" not in text
    assert "Table 13" in text and "Figure 4" in text


@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed here")
def test_quarto_renders_the_korean_edition(built):  # pragma: no cover - where Quarto exists
    """With the Quarto CLI: the Korean document renders from its own metadata file."""
    import html
    import subprocess

    reports = built["reports"]
    subprocess.run(["quarto", "render", "bulletin.ko.qmd", "--metadata-file",
                    "_build/bulletin-data.ko.yml"], cwd=reports, check=True)
    out = reports / "_output"
    page = html.unescape((out / "bulletin.ko.html").read_text(encoding="utf-8"))
    assert '<html lang="ko"' in page or "lang=\"ko\"" in page
    flat = " ".join(page.split())
    assert "Invalid Date" not in flat and "2026년 11월 28일" in flat
    assert "표 13" in flat and "그림 4" in flat
    text = " ".join(subprocess.run(["pdftotext", str(out / "bulletin.ko.pdf"), "-"],
                                   capture_output=True, check=True).stdout.decode().split())
    assert "2025년 10~12월" in text and "표 13" in text
