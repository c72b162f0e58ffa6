"""Charts of the portal: the place pages' time series as inline SVG, and the bulletin's charts
as files to reuse (PNG and SVG with title, source line and release inside the image).

The series chart is drawn here, plainly: horizontal bars, one pair per period (people detained,
people repatriated), each labelled with its figure and markers, on a 360-unit wide canvas so
that its text stays at least 12 px on a 390 px phone. Its colours are Okabe and Ito's blue and
vermillion, each at least 3:1 against white; the legend's swatches are the bars' colours.

The bulletin's charts are taken from the bulletin the release holds: each edition's page
carries every chart's Vega-Lite spec in a ``data-vega-spec`` attribute and its alternative
text in ``aria-label`` (``toolkit/bulletin/html.py``). The spec is drawn again by vl-convert
with a footer that names the source, the release and the licence, as ``charts/<id>.svg`` and
``charts/<id>.png`` (``charts/<id>.ko.svg`` ... for the Korean edition); ``charts.html`` lists
them with the data behind each (``bulletin-data/``) and an embed snippet.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol

from markupsafe import Markup

from toolkit.config import Publisher


class SeriesPoint(Protocol):
    """A period of a series: its words and its cells by measure (``portal.SeriesRow``)."""

    words: str
    cells: dict[str, Any]

#: Okabe & Ito (2008): blue and vermillion, 5.2:1 and 3.9:1 against white.
COLOURS = {"detained": "#0072B2", "repatriated": "#D55E00"}
INK, MUTED = "#1b1b1b", "#505a5f"
WIDTH = 360
CHARTS = "charts"
#: Each edition's bulletin files, by language: (HTML, PDF).
BULLETINS = {"en": ("bulletin.html", "bulletin.pdf"),
             "ko": ("bulletin.ko.html", "bulletin.ko.pdf")}


def _esc(text: object) -> str:
    return html.escape(str(text))


def series_svg(series: Sequence[SeriesPoint], lang: str, *, title: str, chart_id: str) -> Markup:
    """An inline SVG of people detained and repatriated in each period of ``series``."""
    from toolkit.publish.portal_words import MEASURE_SHORT

    measures = ("detained", "repatriated")
    values = [s.cells[m].value for s in series for m in measures]
    top = max([v for v in values if v is not None and v > 0] or [1])
    label_w, bar_x, bar_w = 100, 104, 146
    legend_h, row_h, bar_h, gap = 28, 40, 14, 4
    height = legend_h + row_h * len(series) + 4
    out = [f'<svg class="chart" id="{_esc(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
           f'width="{WIDTH}" height="{height}" role="img" '
           f'aria-labelledby="{_esc(chart_id)}-title {_esc(chart_id)}-desc" '
           'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
           'font-size="12">',
           f'<title id="{_esc(chart_id)}-title">{_esc(title)}</title>',
           f'<desc id="{_esc(chart_id)}-desc">{_esc(_description(series, lang))}</desc>']
    x = 0
    for m in measures:
        out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[m]}"/>')
        out.append(f'<text x="{x + 16}" y="16" fill="{INK}">{_esc(MEASURE_SHORT[lang][m])}</text>')
        x += 16 + 9 * len(MEASURE_SHORT[lang][m]) + 24 if lang == "en" else 16 + 14 * len(
            MEASURE_SHORT[lang][m]) + 24
    for i, s in enumerate(series):
        y0 = legend_h + i * row_h
        out.append(f'<text x="{label_w}" y="{y0 + bar_h + 2}" text-anchor="end" '
                   f'fill="{INK}">{_esc(s.words)}</text>')
        for j, m in enumerate(measures):
            y = y0 + j * (bar_h + gap)
            cell = s.cells[m]
            length = 0.0 if cell.value is None or cell.value <= 0 else \
                max(1.0, bar_w * cell.value / top)
            if length:
                out.append(f'<rect x="{bar_x}" y="{y}" width="{length:.1f}" height="{bar_h}" '
                           f'fill="{COLOURS[m]}"/>')
            out.append(f'<text x="{bar_x + length + 4:.1f}" y="{y + bar_h - 3}" font-size="11" '
                       f'fill="{INK}">{_esc(cell.text(lang))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _description(series: Sequence[SeriesPoint], lang: str) -> str:
    if not series:
        return "No figures." if lang == "en" else "수치가 없습니다."
    first, last = series[0].words, series[-1].words
    d, r = series[-1].cells["detained"].text(lang), series[-1].cells["repatriated"].text(lang)
    if lang == "en":
        return (f"Bar chart, one pair of bars per period from {first} to {last}. In {last}: "
                f"detained {d}, repatriated {r}. The table below gives every figure.")
    return (f"{first}부터 {last}까지 기간마다 막대 두 개를 그린 막대그래프. {last}: 구금 {d}, "
            f"송환 {r}. 아래 표에 모든 수치가 있습니다.")


# --------------------------------------------------------------------------- bulletin charts


@dataclass(frozen=True)
class ReusableChart:
    id: str
    lang: str
    title: str
    subtitle: str
    alt: str
    svg: str  # paths inside the release
    png: str
    csv: str  # the data behind it (bulletin-data/), "" when the release has none
    width: int
    height: int


class _ChartFinder(HTMLParser):
    """The ``div.vega-chart`` elements of a bulletin page: (id, aria-label, spec)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag != "div" or "vega-chart" not in (a.get("class") or "").split():
            return
        try:
            spec = json.loads(a.get("data-vega-spec") or "")
        except ValueError:
            return
        if isinstance(spec, dict) and a.get("id"):
            self.found.append((a["id"] or "", a.get("aria-label") or "", spec))


def bulletin_charts(page: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, alternative text, Vega-Lite spec) of every chart of a bulletin page."""
    finder = _ChartFinder()
    finder.feed(page)
    finder.close()
    return finder.found


def source_text(publisher: Publisher, release_id: str, as_of_words: str, lang: str
                ) -> tuple[str, str]:
    """The footer of a reusable chart: the source, release and licence; and the address."""
    page = f"{CHARTS}.html" if lang == "en" else f"{CHARTS}.{lang}.html"
    url = f"{publisher.public_url}releases/{release_id}/{page}"
    if lang == "en":
        return (f"Source: {publisher.name}, {publisher.title}, release {release_id} (data as "
                f"of {as_of_words}). Licence: {publisher.licence_id}.", url)
    name = publisher.name_ko or publisher.name
    return (f"출처: {name}, {release_id} 공표(자료 기준일 {as_of_words}). "
            f"이용 허락: {publisher.licence_id}.", url)


def _text_width(text: str, size: float) -> float:
    """A generous estimate of a line's width: Hangul and other wide characters take the full
    size, the rest about 0.58 of it."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and _text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


FOOTER_SIZE = 11


def with_footer(svg: str, footer: Sequence[str], font: str) -> str:
    """The chart ``svg`` (as vl-convert draws it, title and legend included) with the lines of
    ``footer`` below it, wrapped to its width, in one SVG."""
    import re

    w, h = _size(svg)
    inner = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    inner = re.sub(r"<svg\b", '<svg x="0" y="0"', inner, count=1)
    pad, line = 8, FOOTER_SIZE + 4
    lines = [x for part in footer for x in _wrap(part, w - 2 * pad, FOOTER_SIZE)]
    height = h + pad + line * len(lines)
    texts = "".join(
        f'<text x="{pad}" y="{h + (i + 1) * line}" font-size="{FOOTER_SIZE}" '
        f'fill="{MUTED}">{html.escape(t)}</text>' for i, t in enumerate(lines))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" '
            f'viewBox="0 0 {w} {height}"><rect width="{w}" height="{height}" fill="white"/>'
            f'{inner}<g font-family="{html.escape(font)}">{texts}</g></svg>\n')


def _register_fonts() -> None:
    """Give vl-convert the Hangul fonts the toolkit installs (the bulletin's, read only)."""
    try:
        from toolkit.bulletin.fonts import packaged_font_dirs
    except ImportError:  # pragma: no cover - the bulletin ships them
        return
    import vl_convert

    for folder in packaged_font_dirs():
        vl_convert.register_font_directory(str(folder))


def _size(svg: str) -> tuple[int, int]:
    import re

    w = re.search(r'<svg[^>]*\bwidth="([\d.]+)"', svg)
    h = re.search(r'<svg[^>]*\bheight="([\d.]+)"', svg)
    return (round(float(w.group(1))) if w else 600, round(float(h.group(1))) if h else 400)


def write_chart_images(release_dir: Path, publisher: Publisher, release_id: str,
                       as_of_words: dict[str, str]) -> tuple[list[ReusableChart], list[Path]]:
    """Draw every chart of the release's bulletin editions as ``charts/<id>[.<lang>].svg`` and
    ``.png`` with its footer; return the charts and the files written (none without a
    bulletin)."""
    pages = [(lang, release_dir / html_name) for lang, (html_name, _) in BULLETINS.items()
             if (release_dir / html_name).is_file()]
    if not pages:
        return [], []
    import vl_convert

    _register_fonts()
    charts: list[ReusableChart] = []
    written: list[Path] = []
    (release_dir / CHARTS).mkdir(exist_ok=True)
    for lang, page in pages:
        suffix = "" if lang == "en" else f".{lang}"
        for chart_id, alt, spec in bulletin_charts(page.read_text(encoding="utf-8")):
            stem = f"{CHARTS}/{chart_id}{suffix}"
            font = str((spec.get("config") or {}).get("font") or "sans-serif")
            svg = with_footer(vl_convert.vegalite_to_svg(spec),
                              source_text(publisher, release_id, as_of_words[lang], lang), font)
            png = vl_convert.svg_to_png(svg, scale=2)
            (release_dir / f"{stem}.svg").write_bytes(svg.encode("utf-8"))
            (release_dir / f"{stem}.png").write_bytes(png)
            written += [release_dir / f"{stem}.svg", release_dir / f"{stem}.png"]
            title = spec.get("title")
            text = title.get("text", "") if isinstance(title, dict) else str(title or "")
            subtitle = title.get("subtitle", "") if isinstance(title, dict) else ""
            text = " ".join(text) if isinstance(text, list) else text
            subtitle = " ".join(subtitle) if isinstance(subtitle, list) else subtitle
            csv = f"bulletin-data/{chart_id}{suffix}.csv"
            w, h = _size(svg)
            charts.append(ReusableChart(chart_id, lang, text, subtitle, alt, f"{stem}.svg",
                                        f"{stem}.png",
                                        csv if (release_dir / csv).is_file() else "", w, h))
    return charts, written


def embed_snippet(chart: ReusableChart, publisher: Publisher, release_id: str) -> str:
    """HTML to paste into an article: the chart's PNG from this release (its figures never
    change), its alternative text, and a caption that credits and links the source."""
    base = f"{publisher.public_url}releases/{release_id}/"
    source = "Source" if chart.lang == "en" else "출처"
    page = "charts.html" if chart.lang == "en" else "charts.ko.html"
    name = publisher.name if chart.lang == "en" else (publisher.name_ko or publisher.name)
    return (f'<figure>\n  <img src="{html.escape(base + chart.png)}" '
            f'alt="{html.escape(chart.alt)}" width="{chart.width}" height="{chart.height}" '
            f'style="max-width:100%;height:auto">\n'
            f'  <figcaption>{html.escape(chart.title)}. {source}: '
            f'<a href="{html.escape(base + page)}">'
            f'{html.escape(name)}</a>, {html.escape(publisher.licence_id)}.</figcaption>\n'
            f'</figure>')
