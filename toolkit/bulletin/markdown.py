"""Markdown the bulletin writes: data text escaped, and the chart blocks.

Escaping
--------
:func:`escape_md` backslash-escapes every ASCII punctuation character (Pandoc's
``all_symbols_escapable``), folds line breaks into spaces and drops forbidden characters
(:func:`toolkit.textsafety.strip_forbidden`), so data text can never open markup: no HTML, no
Typst code (``#set page(...)``), no maths, no links, no citations, no shortcodes. Pandoc's
writers then escape the literal text for HTML and Typst. Quarto itself parses metadata strings
as markdown; values that contain markdown punctuation may therefore look different under a
real Quarto render (plain words and numbers do not).

Charts
------
:func:`chart_block` returns a Quarto figure: a fenced div ``::: {#fig-<id>}`` whose last
paragraph is the caption ("Cross References" in Quarto's guide). Quarto numbers it ("Figure 1")
in HTML and Typst; the toolkit's Lua filter (``assets/bulletin.lua``) turns the same div into a
Pandoc figure, which both of its writers number. The figure's content is two *raw blocks*, one
`` ```{=html} `` and one `` ```{=typst} ``: each writer keeps only the raw blocks of its own
format, and Quarto does the same ("Raw Content" in Quarto's *Markdown Basics*). For Typst
output Quarto parses HTML raw blocks that contain a ``<table>`` ("Typst CSS"), so the HTML
block holds no table.

* HTML block: a ``<div class="vega-chart" role="img" aria-label=...>`` that carries the
  Vega-Lite spec as an HTML-escaped ``data-vega-spec`` attribute (drawn by the page's inlined
  runtime, :mod:`toolkit.bulletin.vega`) and a ``<noscript>`` static SVG fallback.
* Typst block: ``#image(...)`` of the static SVG (a path relative to the ``.qmd``, or the SVG
  text itself), with its alt text. The figure around it, and its caption, come from the div.
* Caption: data text, escaped with :func:`escape_md`.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from toolkit.bulletin.errors import RenderError
from toolkit.textsafety import strip_forbidden

_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_LINE_WS = re.compile(r"[ \t\r\n\f\v]+")
_MD_ESCAPES = {ord(ch): "\\" + ch for ch in _ASCII_PUNCT}


def escape_md(text: Any) -> str:
    """Escape data text so Pandoc/Quarto markdown renders it literally, on one line.

    Every ASCII punctuation character gets a backslash (valid in Pandoc markdown,
    extension ``all_symbols_escapable``), runs of ASCII whitespace (including
    newlines) become a single space, and forbidden characters are dropped.  Use it
    for every piece of data text a fragment writer puts into markdown (table
    cells, list items, sentences); numbers formatted as strings are safe too.
    """
    s = strip_forbidden(str(text))
    s = _LINE_WS.sub(" ", s).strip(" ")
    return s.translate(_MD_ESCAPES)


def _html_text(text: str) -> str:
    """HTML-escape (also for attributes) and neutralise shortcode / fence characters."""
    s = html.escape(strip_forbidden(str(text)), quote=True)
    return s.replace("{", "&#123;").replace("}", "&#125;").replace("`", "&#96;")


def _typst_escapes() -> dict[int, str]:
    table = {c: f"\\u{{{c:x}}}" for c in [*range(0x20), 0x7F, *map(ord, "{}<>`")]}
    table.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r",
                  ord("\t"): "\\t"})
    return table


_TYPST_ESCAPES = _typst_escapes()


def _typst_str(text: str) -> str:
    """A Typst string literal holding ``text`` verbatim."""
    return '"' + str(text).translate(_TYPST_ESCAPES) + '"'


def _fence_for(*contents: str) -> str:
    longest = max((len(m) for c in contents for m in re.findall(r"`+", c)), default=0)
    return "`" * max(3, longest + 1)


# --------------------------------------------------------------------------- charts

_CHART_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_TYPST_LENGTH = re.compile(r"^\d+(\.\d+)?(%|cm|mm|in|pt|em)$")


def check_relative_path(raw: str, what: str) -> PurePosixPath:
    """``raw`` as a relative POSIX path without ``..``; a :class:`RenderError` otherwise."""
    if not raw or "\x00" in raw:
        raise RenderError(f"{what}: empty or invalid path {raw!r}")
    if "\\" in raw or re.match(r"^[A-Za-z]:", raw) or raw.startswith("~"):
        raise RenderError(f"{what}: path {raw!r} must be a relative POSIX path")
    p = PurePosixPath(raw)
    if p.is_absolute():
        raise RenderError(f"{what}: absolute path {raw!r} is not allowed")
    if any(part == ".." for part in p.parts):
        raise RenderError(f"{what}: path {raw!r} must not contain '..'")
    return p


def chart_block(
    chart_id: str,
    vegalite_spec: Mapping[str, Any],
    svg_path_or_svg_text: str | os.PathLike[str],
    alt_text: str,
    caption: str,
    *,
    pdf_width: str = "100%",
) -> str:
    """Markdown for one chart: a Quarto figure ``#fig-<chart_id>`` holding an interactive HTML
    chart and a static Typst image, with its caption.

    ``vegalite_spec`` is a Vega-Lite spec (e.g. ``altair_chart.to_dict()``).
    ``svg_path_or_svg_text`` is either the path of the pre-rendered SVG
    (relative to the ``.qmd``'s directory, POSIX separators, no ``..``) or the
    SVG text itself (a string starting with ``<``).  ``alt_text`` and
    ``caption`` are plain text (escaped here).  ``pdf_width`` is a Typst length
    for the chart width in the PDF.
    """
    if not isinstance(chart_id, str) or not _CHART_ID.match(chart_id):
        raise RenderError(
            f"chart id {chart_id!r}: use a letter then letters, digits, '-' or '_' (max 64)"
        )
    if not _TYPST_LENGTH.match(pdf_width):
        raise RenderError(f"chart {chart_id}: pdf_width {pdf_width!r} is not a length like '100%'")
    if not str(alt_text).strip():
        raise RenderError(f"chart {chart_id}: alt text is required")
    if not isinstance(vegalite_spec, Mapping):
        raise RenderError(f"chart {chart_id}: the Vega-Lite spec must be a mapping")
    # "$schema" is only a URL label; the page renders with the bundled Vega-Lite in
    # "vega-lite" mode, so it is left out to keep every URL out of the page.
    spec = {k: v for k, v in vegalite_spec.items() if k != "$schema"}
    try:
        spec_json = json.dumps(
            spec,
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        raise RenderError(f"chart {chart_id}: the spec is not plain JSON ({exc})") from exc

    src = svg_path_or_svg_text
    if isinstance(src, str) and src.lstrip().startswith("<"):
        svg_bytes = src.encode("utf-8")
        html_src = "data:image/svg+xml;base64," + base64.b64encode(svg_bytes).decode("ascii")
        typst_img = f'image(bytes({_typst_str(src)}), format: "svg"'
    else:
        rel = check_relative_path(os.fspath(src), f"chart {chart_id}")
        html_src = rel.as_posix()
        typst_img = f"image({_typst_str(rel.as_posix())}"

    caption_md = escape_md(caption)
    if not caption_md:
        raise RenderError(f"chart {chart_id}: a caption is required")
    alt_h = _html_text(alt_text)
    html_block = (
        f'<div class="vega-chart" id="{chart_id}" role="img" aria-label="{alt_h}" '
        f'data-vega-spec="{_html_text(spec_json)}"></div>\n'
        f'<noscript><img class="chart-fallback" src="{_html_text(html_src)}" alt="{alt_h}">'
        "</noscript>"
    )
    typst_block = f"#{typst_img}, width: {pdf_width}, alt: {_typst_str(alt_text)})"
    fh = _fence_for(html_block)
    ft = _fence_for(typst_block)
    return (f"::: {{#fig-{chart_id}}}\n"
            f"{fh}{{=html}}\n{html_block}\n{fh}\n\n"
            f"{ft}{{=typst}}\n{typst_block}\n{ft}\n\n"
            f"{caption_md}\n"
            ":::\n")
