"""Render a Quarto-style bulletin (``.qmd``) to self-contained HTML and to PDF.

The Quarto CLI is not available to the toolkit, so this module does what Quarto
does underneath for the small subset of Quarto the bulletin uses:

* HTML: Pandoc (the binary shipped by ``pypandoc-binary``) writes a standalone,
  self-contained page (``--standalone --embed-resources``) with our template,
  stylesheet and a table of contents.
* PDF: Pandoc's Typst writer (``-t typst``) with our Typst template, then the
  ``typst`` Python package compiles the Typst source to PDF.

This module knows nothing about the bulletin's content.  Content reaches the
document through two Quarto shortcodes, which this module expands itself before
calling Pandoc (Quarto resolves both natively, so the same ``.qmd`` renders
with ``quarto render bulletin.qmd --metadata-file values.yml``):

``{{< meta some.key >}}``
    A value from the document metadata: the YAML front matter deep-merged over
    the ``metadata`` mapping given to :func:`render_html` / :func:`render_pdf`
    (the front matter wins, as with ``pandoc --metadata-file``).  Dotted keys
    walk nested mappings (and list indices).  The value is treated as *data*:
    it is escaped with :func:`escape_md`, so it always comes out as literal
    text.  An unknown key, or a value that is not a scalar, raises
    :class:`RenderError`.  Meta shortcodes are expanded in ordinary markdown
    text and in front-matter strings, not inside fenced code or raw blocks.

``{{< include path/relative/to/the/qmd.md >}}``
    The text of a generated markdown fragment.  As in Quarto the shortcode must
    stand alone on its line, and the path is relative to the directory of the
    ``.qmd`` (also for includes nested in included files).  Absolute paths,
    ``..`` components, and paths that resolve (through symlinks) outside both
    the document directory and ``resource_dir`` are refused.

``{{< pagebreak >}}`` (alone on its line) is also understood; any other
shortcode raises :class:`RenderError`.  ``{{{< ... >}}}`` renders literally.

Charts
------
:func:`chart_block` returns markdown holding two *raw blocks*, one
`` ```{=html} `` and one `` ```{=typst} ``.  Each Pandoc writer keeps only the
raw blocks of its own format and drops the others, and Quarto documents the
same behaviour ("Raw Content" in Quarto's *Markdown Basics*: "Raw content can
be included directly without Quarto parsing it using Pandoc's raw attribute",
with both ``{=html}`` and ``{=typst}`` examples).  One Quarto-specific caveat:
for Typst output Quarto parses HTML raw blocks that contain a ``<table>``
("Typst CSS"), so the HTML block made here never contains a table.

* HTML block: a ``<figure>`` with a ``<div class="vega-chart" role="img"
  aria-label=...>`` that carries the Vega-Lite spec as an HTML-escaped
  ``data-vega-spec`` attribute, a ``<noscript>`` static SVG fallback, and a
  ``<figcaption>``.  The Vega + Vega-Lite + Vega-Embed runtime comes from
  ``vl_convert.javascript_bundle()`` (a single offline ES2015 script that sets
  ``window.vegaEmbed``/``vega``/``vegaLite``) and is inlined exactly once per
  page, followed by one small script of ours that draws every chart (SVG
  renderer, tooltips on, no action menu, expression *interpreter* so no
  ``eval``).  The page carries a Content-Security-Policy that allows only
  those two scripts (by SHA-256 hash), no network access at all
  (``default-src 'none'``), and only ``data:`` images.
* Typst block: ``#figure(image("chart.svg", alt: ...), caption: ...)``; the
  static SVG made by ``vl_convert.vegalite_to_svg`` (path relative to the
  ``.qmd``, or the SVG text itself).

Fonts (PDF)
-----------
Typst embeds (subsets) every font it uses.  Body text is *Libertinus Serif*
(built into the typst wheel, always present); headings, tables and chart text
use the first available of Liberation Sans / DejaVu Sans / Noto Sans.  Every
list ends with a Hangul-capable font discovered on the machine (e.g. Noto
Serif/Sans CJK KR from ``fonts-noto-cjk``), whose directory is also passed to
Typst as a font path.  If none is found the PDF is still produced and a
:class:`RenderWarning` is emitted.  Text inside the SVG charts
(``font-family="sans-serif"``) is set by Typst with the surrounding sans font
list, so it is embedded like all other text.

Determinism
-----------
No current time is used anywhere.  The PDF creation date is the document's
``date`` when it is an ISO date (else ``SOURCE_DATE_EPOCH``, else no date is
written); Typst output is otherwise a pure function of its inputs.  Pandoc's
HTML output has no timestamps; JSON specs are serialised with sorted keys.
Rendering the same inputs twice gives byte-identical files.

Escaping
--------
:func:`escape_md` backslash-escapes every ASCII punctuation character (Pandoc's
``all_symbols_escapable``) and folds line breaks into spaces, so data text can
never open markup: no HTML, no Typst code (``#set page(...)``), no maths, no
links, no citations, no shortcodes.  Pandoc's writers then escape the literal
text for HTML and Typst.  Note that Quarto itself parses metadata strings as
markdown; values that contain markdown punctuation may therefore look
different under a real Quarto render (plain words and numbers do not).
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import functools
import glob
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

__all__ = [
    "RenderError",
    "RenderWarning",
    "escape_md",
    "chart_block",
    "load_metadata",
    "expand_shortcodes",
    "render_html",
    "render_pdf",
    "hangul_font_paths",
]

ASSETS = Path(__file__).resolve().parent / "assets"
_HTML_TEMPLATE = ASSETS / "bulletin-html.template"
_TYPST_TEMPLATE = ASSETS / "bulletin-typst.template"
_CSS = ASSETS / "bulletin.css"
_LUA_FILTER = ASSETS / "bulletin.lua"

_MAX_INCLUDE_DEPTH = 8


class RenderError(Exception):
    """The document cannot be rendered; the message says why and where."""


class RenderWarning(UserWarning):
    """The document was rendered, but something may look wrong (fonts, pandoc/typst notes)."""


# --------------------------------------------------------------------------- escaping

_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_LINE_WS = re.compile(r"[ \t\r\n\f\v]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MD_ESCAPES = {ord(ch): "\\" + ch for ch in _ASCII_PUNCT}


def escape_md(text: Any) -> str:
    """Escape data text so Pandoc/Quarto markdown renders it literally, on one line.

    Every ASCII punctuation character gets a backslash (valid in Pandoc markdown,
    extension ``all_symbols_escapable``), runs of ASCII whitespace (including
    newlines) become a single space, and control characters are dropped.  Use it
    for every piece of data text a fragment writer puts into markdown (table
    cells, list items, sentences); numbers formatted as strings are safe too.
    """
    s = _CONTROL.sub("", str(text))
    s = _LINE_WS.sub(" ", s).strip(" ")
    return s.translate(_MD_ESCAPES)


def _html_text(text: str) -> str:
    """HTML-escape (also for attributes) and neutralise shortcode / fence characters."""
    s = html.escape(_CONTROL.sub("", str(text)), quote=True)
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


def _check_relative_path(raw: str, what: str) -> PurePosixPath:
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
    """Markdown for one chart: an interactive HTML figure and a static Typst figure.

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
        rel = _check_relative_path(os.fspath(src), f"chart {chart_id}")
        html_src = rel.as_posix()
        typst_img = f"image({_typst_str(rel.as_posix())}"

    alt_h, cap_h = _html_text(alt_text), _html_text(caption)
    html_block = (
        f'<figure class="chart" id="fig-{chart_id}">\n'
        f'<div class="vega-chart" id="{chart_id}" role="img" aria-label="{alt_h}" '
        f'data-vega-spec="{_html_text(spec_json)}"></div>\n'
        f'<noscript><img class="chart-fallback" src="{_html_text(html_src)}" alt="{alt_h}">'
        "</noscript>\n"
        f"<figcaption>{cap_h}</figcaption>\n"
        "</figure>"
    )
    typst_block = (
        "#figure(\n"
        f"  {typst_img}, width: {pdf_width}, alt: {_typst_str(alt_text)}),\n"
        f"  caption: [#{_typst_str(caption)}],\n"
        "  kind: image,\n"
        f") <fig-{chart_id}>"
    )
    fh = _fence_for(html_block)
    ft = _fence_for(typst_block)
    return f"{fh}{{=html}}\n{html_block}\n{fh}\n\n{ft}{{=typst}}\n{typst_block}\n{ft}\n"


# --------------------------------------------------------------------------- shortcodes

# one alternation, scanned once: escaped shortcodes {{{< ... >}}} first, then real ones
_SHORTCODE = re.compile(
    r"\{\{\{<(?P<lit>.*?)>\}\}\}"
    r"|\{\{<\s*(?P<name>[A-Za-z][\w-]*)(?P<args>(?:[^>\n]|>(?!\}\}))*?)\s*>\}\}"
)
_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def load_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a YAML metadata file (what ``quarto render --metadata-file FILE`` takes)."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RenderError(f"cannot read metadata file {p}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise RenderError(f"metadata file {p} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RenderError(f"metadata file {p} must hold a mapping at the top level")
    return data


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(base))
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _lookup(meta: Mapping[str, Any], key: str) -> Any:
    if key in meta:
        return meta[key]
    node: Any = meta
    for part in key.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif (
            isinstance(node, Sequence)
            and not isinstance(node, str)
            and part.isdigit()
            and int(part) < len(node)
        ):
            node = node[int(part)]
        else:
            raise KeyError(key)
    return node


def _scalar_text(value: Any, key: str, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    kind = "null" if value is None else type(value).__name__
    raise RenderError(f"{where}: metadata key '{key}' is {kind}, not a text or number value")


class _Expander:
    def __init__(self, doc: Path, metadata: Mapping[str, Any], resource_dir: Path | None):
        self.doc = doc
        self.doc_dir = doc.parent.resolve()
        roots = [self.doc_dir]
        if resource_dir is not None:
            roots.append(Path(resource_dir).resolve())
        self.roots = roots
        self.metadata = metadata
        self.meta: Mapping[str, Any] = metadata

    # -- meta
    def meta_value(self, args: str, where: str) -> str:
        key = args.strip().strip("\"'")
        if not key or any(c.isspace() for c in key):
            raise RenderError(
                f"{where}: meta shortcode needs exactly one key, got {args.strip()!r}"
            )
        try:
            value = _lookup(self.meta, key)
        except KeyError:
            raise RenderError(f"{where}: unknown metadata key '{key}'") from None
        return escape_md(_scalar_text(value, key, where))

    def sub_inline(self, text: str, where: str, *, allow_blocks: bool) -> str:
        def repl(m: re.Match[str]) -> str:
            if m.group("lit") is not None:
                return escape_md("{{<" + m.group("lit") + ">}}")
            name = m.group("name")
            if name == "meta":
                return self.meta_value(m.group("args"), where)
            if name == "include":
                raise RenderError(f"{where}: an include shortcode must stand alone on its own line")
            if name == "pagebreak" and allow_blocks:
                raise RenderError(f"{where}: pagebreak must stand alone on its own line")
            raise RenderError(f"{where}: unsupported shortcode '{name}'")

        return _SHORTCODE.sub(repl, text)

    # -- includes
    def resolve_include(self, raw: str, where: str) -> Path:
        arg = raw.strip()
        if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "\"'":
            arg = arg[1:-1]
        rel = _check_relative_path(arg, f"{where}: include")
        target = (self.doc_dir / rel).resolve()
        if not any(target.is_relative_to(root) for root in self.roots):
            raise RenderError(
                f"{where}: include {arg!r} resolves outside the document and build directories"
            )
        if not target.is_file():
            raise RenderError(f"{where}: included file {arg!r} does not exist")
        return target

    def body(
        self, text: str, source: str, stack: tuple[Path, ...] = (), first_line: int = 1
    ) -> str:
        out: list[str] = []
        fence: str | None = None
        for lineno, line in enumerate(text.split("\n"), start=first_line):
            where = f"{source}:{lineno}"
            if fence is not None:
                out.append(line)
                stripped = line.strip()
                if (
                    stripped.startswith(fence[0])
                    and set(stripped) == {fence[0]}
                    and len(stripped) >= len(fence)
                    and len(line) - len(line.lstrip()) < 4
                ):
                    fence = None
                continue
            m = _FENCE_OPEN.match(line)
            if m and not (m.group("fence")[0] == "`" and "`" in m.group("info")):
                fence = m.group("fence")
                out.append(line)
                continue
            alone = _SHORTCODE.fullmatch(line.strip())
            if alone and alone.group("name") == "include":
                if len(stack) >= _MAX_INCLUDE_DEPTH:
                    raise RenderError(
                        f"{where}: includes nested more than {_MAX_INCLUDE_DEPTH} deep"
                    )
                target = self.resolve_include(alone.group("args"), where)
                if target in stack:
                    raise RenderError(f"{where}: include cycle through {target.name}")
                try:
                    included = target.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise RenderError(f"{where}: cannot read include {target.name}: {exc}") from exc
                included = included.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
                rel_name = target.relative_to(self._root_of(target)).as_posix()
                out.extend(["", self.body(included, rel_name, stack + (target,)).rstrip("\n"), ""])
                continue
            if alone and alone.group("name") == "pagebreak" and not alone.group("args").strip():
                out.extend(
                    [
                        "",
                        "```{=html}",
                        '<div class="pagebreak" style="break-after: page"></div>',
                        "```",
                        "",
                        "```{=typst}",
                        "#pagebreak(weak: true)",
                        "```",
                        "",
                    ]
                )
                continue
            out.append(self.sub_inline(line, where, allow_blocks=True))
        if fence is not None:
            pass  # an unclosed fence runs to the end, as in Pandoc
        return "\n".join(out)

    def _root_of(self, target: Path) -> Path:
        for root in self.roots:
            if target.is_relative_to(root):
                return root
        return self.doc_dir

    def front_matter(self, fm: Any, where: str) -> Any:
        if isinstance(fm, str):
            return self.sub_inline(fm, where, allow_blocks=False)
        if isinstance(fm, list):
            return [self.front_matter(v, where) for v in fm]
        if isinstance(fm, dict):
            return {k: self.front_matter(v, where) for k, v in fm.items()}
        return fm


def _split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str, str]:
    """Return (front matter mapping, raw front matter block, body)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, "", text
    try:
        fm = yaml.safe_load(m.group("yaml") or "") or {}
    except yaml.YAMLError as exc:
        raise RenderError(f"{source}: the YAML front matter is not valid: {exc}") from exc
    if not isinstance(fm, dict):
        raise RenderError(f"{source}: the YAML front matter must be a mapping")
    return fm, m.group(0), text[m.end() :]


def _expand(
    qmd_path: Path, metadata: Mapping[str, Any] | None, resource_dir: Path | None
) -> tuple[str, dict[str, Any]]:
    if not qmd_path.is_file():
        raise RenderError(f"document {qmd_path} does not exist")
    try:
        text = qmd_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RenderError(f"cannot read {qmd_path}: {exc}") from exc
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    source = qmd_path.name
    fm, fm_raw, body = _split_front_matter(text, source)
    if metadata is not None and not isinstance(metadata, Mapping):
        raise RenderError("metadata must be a mapping")
    exp = _Expander(qmd_path, metadata or {}, resource_dir)
    exp.meta = _deep_merge(metadata or {}, fm)

    new_fm = exp.front_matter(fm, f"{source}: front matter")
    body_out = exp.body(body, source, first_line=fm_raw.count("\n") + 1)
    if new_fm != fm:
        dumped = yaml.safe_dump(new_fm, allow_unicode=True, sort_keys=False, width=1_000_000)
        head = "---\n" + dumped + "---\n"
    else:
        head = fm_raw
    if head and not head.endswith("\n"):
        head += "\n"
    return head + body_out, new_fm


def expand_shortcodes(
    qmd_path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None = None,
    *,
    resource_dir: str | os.PathLike[str] | None = None,
) -> str:
    """The document's markdown with ``include``/``meta``/``pagebreak`` shortcodes expanded."""
    rd = Path(resource_dir) if resource_dir is not None else None
    return _expand(Path(qmd_path), metadata, rd)[0]


# --------------------------------------------------------------------------- pandoc


def _pandoc_path() -> str:
    try:
        import pypandoc
    except ImportError as exc:  # pragma: no cover - dependency of the project
        raise RenderError("pypandoc-binary is not installed") from exc
    try:
        return pypandoc.get_pandoc_path()
    except OSError as exc:  # pragma: no cover
        raise RenderError(f"pandoc is not available: {exc}") from exc


def _run_pandoc(markdown: str, args: list[str], cwd: Path) -> str:
    cmd = [_pandoc_path(), "--from=markdown", "--fail-if-warnings=false", *args]
    try:
        proc = subprocess.run(
            cmd,
            input=markdown.encode("utf-8"),
            capture_output=True,
            cwd=cwd,
            timeout=300,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"pandoc could not run: {exc}") from exc
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise RenderError(f"pandoc failed (exit {proc.returncode}): {err or 'no message'}")
    for line in err.splitlines():
        if line.strip():
            warnings.warn(f"pandoc: {line.strip()}", RenderWarning, stacklevel=3)
    return proc.stdout.decode("utf-8")


def _common_pandoc_args(front: Mapping[str, Any]) -> list[str]:
    args = [f"--lua-filter={_LUA_FILTER}", "--wrap=preserve"]
    if front.get("toc", True) is not False:
        depth = front.get("toc-depth", 2)
        if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= 6:
            raise RenderError(f"toc-depth must be a number from 1 to 6, not {depth!r}")
        args += ["--toc", f"--toc-depth={depth}"]
    if "toc-title" not in front:
        args.append("--metadata=toc-title:Contents")
    if "lang" not in front:
        args.append("--metadata=lang:en")
    if front.get("number-sections") is True:
        args.append("--number-sections")
    return args


# The Vega runtime: ``vl_convert.javascript_bundle()`` takes seconds (and holds the GIL), and
# its result depends only on the installed vl-convert. It is kept on disk, one file per
# vl-convert build, under ``$XDG_CACHE_HOME/scamstats-toolkit/`` (default ``~/.cache``), written
# atomically and checked against the SHA-256 in its first line when read. A build that finds no
# cached copy can have it made in a separate process (:func:`prefetch_vega_bundle`) while it does
# other work. Any failure of the cache falls back to making the bundle in this process.

_BUNDLE_CACHE_APP = "scamstats-toolkit"
_BUNDLE_HEADER = "// scamstats-toolkit vega bundle sha256="
_bundle_process: subprocess.Popen | None = None


def _bundle_cache_path() -> Path | None:
    """Where the bundle of the installed vl-convert is cached; None if it cannot be."""
    try:
        import vl_convert

        so = sorted(Path(vl_convert.__file__).parent.glob("vl_convert*.so"))
        key = "-".join([
            str(getattr(vl_convert, "__version__", "unknown")),
            vl_convert.get_vega_version(),
            "vl" + "_".join(vl_convert.get_vegalite_versions()[-1:]),
            "embed" + vl_convert.get_vega_embed_version(),
            str(so[0].stat().st_size) if so else "0",
        ])
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):
            return None
    except Exception:  # noqa: BLE001 - no cache then, the bundle is made in process
        return None
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", key)
    return Path(base) / _BUNDLE_CACHE_APP / f"vega-bundle-{safe}.js"


def _read_cached_bundle(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header, sep, body = data.partition(b"\n")
    if not sep or not header.startswith(_BUNDLE_HEADER.encode("ascii")):
        return None
    if hashlib.sha256(body).hexdigest() != header[len(_BUNDLE_HEADER):].decode("ascii", "replace"):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _write_cached_bundle(path: Path | None, bundle: str) -> None:
    """Best effort: write ``path`` atomically (temporary file, then rename)."""
    if path is None:
        return
    body = bundle.encode("utf-8")
    data = f"{_BUNDLE_HEADER}{hashlib.sha256(body).hexdigest()}\n".encode("ascii") + body
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".vega-bundle-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _cache_vega_bundle() -> None:
    """Make the bundle and cache it (what the process of :func:`prefetch_vega_bundle` runs)."""
    path = _bundle_cache_path()
    if path is not None and _read_cached_bundle(path) is None:
        import vl_convert

        _write_cached_bundle(path, vl_convert.javascript_bundle())


def prefetch_vega_bundle() -> None:
    """Start making the Vega runtime in a separate process when it is not cached yet.

    Returns at once; the HTML render waits for that process when it needs the runtime. Making
    the bundle holds the GIL for seconds, so a thread would stall this process instead.
    """
    global _bundle_process
    if _bundle_process is not None or _vega_bundle.cache_info().currsize:
        return
    path = _bundle_cache_path()
    if path is None or path.is_file():
        return
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(x for x in (package_root, env.get("PYTHONPATH")) if x)
    try:
        _bundle_process = subprocess.Popen(
            [sys.executable, "-P", "-c",
             "from toolkit.render import _cache_vega_bundle as c; c()"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=env, close_fds=True)
    except OSError:
        _bundle_process = None


@functools.lru_cache(maxsize=1)
def _vega_bundle() -> str:
    global _bundle_process
    path = _bundle_cache_path()
    bundle = _read_cached_bundle(path)
    if bundle is None and _bundle_process is not None:
        try:
            _bundle_process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            _bundle_process.kill()
            _bundle_process.wait()
        _bundle_process = None
        bundle = _read_cached_bundle(path)
    if bundle is None:
        import vl_convert

        bundle = vl_convert.javascript_bundle()
        _write_cached_bundle(path, bundle)
    if "</script" in bundle.lower() or "<!--" in bundle:
        raise RenderError("the Vega JavaScript bundle cannot be inlined safely")
    return bundle


_CHART_INIT_JS = """(function () {
  "use strict";
  function showFallback(el) {
    el.setAttribute("data-chart-state", "failed");
    var ns = el.parentNode ? el.parentNode.querySelector("noscript") : null;
    if (ns) { el.innerHTML = ns.textContent; }
  }
  var charts = document.querySelectorAll("div.vega-chart[data-vega-spec]");
  Array.prototype.forEach.call(charts, function (el) {
    var spec;
    try {
      spec = JSON.parse(el.getAttribute("data-vega-spec"));
    } catch (err) {
      showFallback(el);
      console.error("Chart " + el.id + ": unreadable specification");
      return;
    }
    window.vegaEmbed(el, spec, {
      mode: "vega-lite", renderer: "svg", actions: false, tooltip: true, ast: true
    }).then(function () {
      el.setAttribute("data-chart-state", "drawn");
    }).catch(function (err) {
      showFallback(el);
      console.error("Chart " + el.id + " could not be drawn: " + err);
    });
  });
})();
"""


_RUNTIME_MARKER = "<!-- toolkit:chart-runtime -->"


def _sha256_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


class _HtmlAudit(HTMLParser):
    """Collects executable scripts and resource URLs of the produced page."""

    _URL_ATTRS = {"src", "href", "poster", "data", "srcset", "action", "formaction", "background"}
    _FETCHING = {
        "script",
        "link",
        "img",
        "iframe",
        "frame",
        "embed",
        "object",
        "source",
        "video",
        "audio",
        "track",
        "input",
        "image",
        "use",
        "form",
        "base",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.script_srcs: list[str] = []
        self.external: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if value and tag in self._FETCHING and name in self._URL_ATTRS:
                v = value.strip().lower()
                # a self-contained page only loads data: URLs (or same-page #fragments)
                if not v.startswith(("data:", "#")):
                    self.external.append(f"<{tag} {name}={value[:80]}>")
        if tag == "script":
            d = dict(attrs)
            kind = (d.get("type") or "text/javascript").lower()
            if d.get("src"):
                self.script_srcs.append(d["src"] or "")
            if kind in ("", "text/javascript", "module", "application/javascript"):
                self._in_script = True
                self._buf = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script:
            self.scripts.append("".join(self._buf))
            self._in_script = False


#: Stands for the runtime's hash in the CSP while Pandoc runs (letters only: Pandoc keeps it).
_RUNTIME_HASH_SLOT = "ToolkitVegaRuntimeHashSlotToolkitVegaRuntimeHashSlot"


def _pandoc_html(markdown: str, front: Mapping[str, Any], qmd: Path, rdir: Path, *,
                 runtime_hash: str | None) -> str:
    """Pandoc's page; with charts (``runtime_hash`` given) the CSP allows the runtime of that
    hash and the chart script, and a marker at the end of <body> says where they go."""
    has_charts = 'class="vega-chart"' in markdown
    hashes = [runtime_hash, _sha256_b64(_CHART_INIT_JS)] if has_charts and runtime_hash else []
    script_src = " ".join(f"'sha256-{h}'" for h in hashes) or "'none'"
    csp = (
        "default-src 'none'; "
        f"script-src {script_src}; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )
    with tempfile.TemporaryDirectory(prefix="toolkit-render-") as tmp:
        tmpd = Path(tmp)
        header = tmpd / "header.html"
        header.write_text(
            "<style>\n" + _CSS.read_text(encoding="utf-8") + "</style>\n", encoding="utf-8"
        )
        args = [
            "--to=html5",
            "--standalone",
            "--embed-resources",
            f"--template={_HTML_TEMPLATE}",
            f"--include-in-header={header}",
            f"--resource-path={qmd.parent}{os.pathsep}{rdir}",
            f"--variable=bt-csp:{csp}",
            "--section-divs",
            *_common_pandoc_args(front),
        ]
        if hashes:
            footer = tmpd / "after.html"
            footer.write_text(_RUNTIME_MARKER + "\n", encoding="utf-8")
            args.append(f"--include-after-body={footer}")
        return _run_pandoc(markdown, args, cwd=qmd.parent)


def render_html(
    qmd_path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None,
    out_html: str | os.PathLike[str],
    *,
    resource_dir: str | os.PathLike[str],
) -> Path:
    """Render the ``.qmd`` to one self-contained, offline HTML file; returns its path."""
    qmd = Path(qmd_path).resolve()
    rdir = Path(resource_dir).resolve()
    out = Path(out_html)
    markdown, front = _expand(qmd, metadata, rdir)
    has_charts = 'class="vega-chart"' in markdown
    page = _pandoc_html(markdown, front, qmd, rdir, runtime_hash=_RUNTIME_HASH_SLOT)

    scripts: list[str] = []
    if has_charts:
        # Pandoc ran with a stand-in for the runtime's hash in the CSP, so that it need not
        # wait for the runtime (made in another process on a first run); the real hash is put
        # in its place, which is what Pandoc writes when given it (it escapes only <>&"').
        scripts = [_vega_bundle(), _CHART_INIT_JS]
        if page.count(_RUNTIME_HASH_SLOT) == 1:
            page = page.replace(_RUNTIME_HASH_SLOT, _sha256_b64(scripts[0]))
        else:  # the document holds the stand-in text itself: render again with the hash
            page = _pandoc_html(markdown, front, qmd, rdir, runtime_hash=_sha256_b64(scripts[0]))

    if scripts:
        # The ~900 kB runtime is spliced in after Pandoc (which would only re-scan it):
        # exactly once, at the end of <body>, where --include-after-body put the marker.
        at = page.rfind(_RUNTIME_MARKER)
        if at < 0:  # pragma: no cover - the template always has include-after
            raise RenderError("the HTML template lost the chart runtime slot")
        runtime = "".join(f"<script>{js}</script>\n" for js in scripts)
        page = page[:at] + runtime + page[at + len(_RUNTIME_MARKER) :]

    audit = _HtmlAudit()
    audit.feed(page)
    audit.close()
    allowed = set(scripts)
    rogue = [s for s in audit.scripts if s not in allowed]
    if audit.script_srcs or rogue:
        raise RenderError(
            "the page would contain scripts that are not the toolkit's chart runtime "
            "(raw HTML in the document or a fragment?)"
        )
    if audit.external:
        raise RenderError(
            "the page would load resources that are not embedded (missing file or "
            "external URL): " + ", ".join(audit.external)
        )
    if audit.handlers:
        raise RenderError(
            "the page would contain inline event handlers: " + ", ".join(audit.handlers)
        )

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(page.encode("utf-8"))
    return out


# --------------------------------------------------------------------------- fonts (PDF)

_LATIN_SANS = ("Liberation Sans", "DejaVu Sans", "Noto Sans", "Arial", "Helvetica")
_HANGUL_SERIF = (
    "Noto Serif CJK KR",
    "Noto Serif KR",
    "Source Han Serif K",
    "Source Han Serif KR",
    "NanumMyeongjo",
    "UnBatang",
    "Baekmuk Batang",
)
_HANGUL_SANS = (
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Source Han Sans K",
    "Source Han Sans KR",
    "NanumGothic",
    "UnDotum",
    "Baekmuk Gulim",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    # pan-CJK fonts carry the Hangul syllables too
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
)
_HANGUL_FONT_GLOBS = (
    "/usr/share/fonts/opentype/noto/Noto*CJK*.tt[cf]",
    "/usr/share/fonts/opentype/noto/Noto*CJK*.otf",
    "/usr/share/fonts/truetype/noto/Noto*CJK*.tt[cf]",
    "/usr/share/fonts/noto-cjk/*.tt[cf]",
    "/usr/share/fonts/google-noto-cjk/*.tt[cf]",
    "/usr/share/fonts/truetype/nanum/*.ttf",
    "/usr/share/fonts/truetype/unfonts-core/*.ttf",
    "/usr/share/fonts/**/*KR*.otf",
    "/usr/local/share/fonts/**/*CJK*.tt[cf]",
    "~/.local/share/fonts/**/*CJK*.tt[cf]",
    "~/.fonts/**/*CJK*.tt[cf]",
)
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_SAFE_FAMILY = re.compile(r"^[A-Za-z0-9 ._-]+$")


def hangul_font_paths() -> list[Path]:
    """Directories on this machine that hold a Hangul-capable font (may be empty)."""
    dirs: list[Path] = []
    for pattern in _HANGUL_FONT_GLOBS:
        for hit in sorted(glob.glob(os.path.expanduser(pattern), recursive=True)):
            d = Path(hit).parent
            if d not in dirs:
                dirs.append(d)
    return dirs


def _font_plan(font_paths: Sequence[str | os.PathLike[str]] | None, system_fonts: bool):
    import typst

    paths = [Path(p) for p in (font_paths or [])]
    if system_fonts:
        for d in hangul_font_paths():
            if d not in paths:
                paths.append(d)
    fonts = typst.Fonts(
        include_system_fonts=system_fonts,
        include_embedded_fonts=True,
        font_paths=[str(p) for p in paths],
    )
    families = set(fonts.families())

    def first(cands: Sequence[str]) -> str | None:
        return next((f for f in cands if f in families), None)

    hangul_sans = first(_HANGUL_SANS) or next(
        (f for f in sorted(families) if "CJK" in f and "Mono" not in f), None
    )
    hangul_serif = first(_HANGUL_SERIF) or hangul_sans
    latin_sans = first(_LATIN_SANS) or "Libertinus Serif"
    body = ["Libertinus Serif"] + ([hangul_serif] if hangul_serif else [])
    sans = [latin_sans] + ([hangul_sans] if hangul_sans else [])
    mono = ["DejaVu Sans Mono"] + ([hangul_sans] if hangul_sans else [])
    for fam in body + sans + mono:
        if not _SAFE_FAMILY.match(fam):  # pragma: no cover - defensive, families are ours
            raise RenderError(f"unexpected font family name {fam!r}")
    return fonts, body, sans, mono, hangul_sans is not None


def _pdf_timestamp(front: Mapping[str, Any]) -> int | None:
    date = front.get("date")
    if isinstance(date, _dt.datetime):
        d = date if date.tzinfo else date.replace(tzinfo=_dt.UTC)
        return int(d.timestamp())
    if isinstance(date, _dt.date):
        return int(_dt.datetime(date.year, date.month, date.day, tzinfo=_dt.UTC).timestamp())
    if isinstance(date, str):
        try:
            d = _dt.date.fromisoformat(date.strip())
        except ValueError:
            d = None
        if d is not None:
            return int(_dt.datetime(d.year, d.month, d.day, tzinfo=_dt.UTC).timestamp())
    sde = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if sde.isdigit():
        return int(sde)
    return None


def _lang_region(front: Mapping[str, Any]) -> tuple[str, str | None]:
    lang = str(front.get("lang", "en"))
    m = re.match(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}))?", lang)
    if not m:
        return "en", None
    return m.group(1).lower(), (m.group(2).upper() if m.group(2) else None)


def render_pdf(
    qmd_path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None,
    out_pdf: str | os.PathLike[str],
    *,
    resource_dir: str | os.PathLike[str],
    font_paths: Sequence[str | os.PathLike[str]] | None = None,
    system_fonts: bool = True,
) -> Path:
    """Render the ``.qmd`` to PDF via Pandoc's Typst writer and ``typst``; returns its path.

    ``font_paths`` adds font directories; ``system_fonts=False`` limits Typst to
    those plus the fonts built into the typst wheel (no Hangul then, unless given).
    """
    import typst

    qmd = Path(qmd_path).resolve()
    rdir = Path(resource_dir).resolve()
    out = Path(out_pdf)
    markdown, front = _expand(qmd, metadata, rdir)

    fonts, body, sans, mono, has_hangul_font = _font_plan(font_paths, system_fonts)
    if not has_hangul_font:
        note = "no Hangul-capable font was found (install fonts-noto-cjk or pass font_paths)"
        if _HANGUL.search(markdown):
            note += "; Korean text in this document will not render"
        warnings.warn(note, RenderWarning, stacklevel=2)

    timestamp = _pdf_timestamp(front)
    lang, region = _lang_region(front)
    args = [
        "--to=typst",
        "--standalone",
        f"--template={_TYPST_TEMPLATE}",
        f"--variable=bt-lang:{lang}",
        *[f"--variable=bt-body-font:{f}" for f in body],
        *[f"--variable=bt-sans-font:{f}" for f in sans],
        *[f"--variable=bt-mono-font:{f}" for f in mono],
        *_common_pandoc_args(front),
    ]
    if region:
        args.append(f"--variable=bt-region:{region}")
    if timestamp is None:
        args.append("--variable=bt-no-pdf-date:true")
    if front.get("number-sections") is True:
        args.append("--variable=numbersections:true")
    source = _run_pandoc(markdown, args, cwd=qmd.parent)

    try:
        compiler = typst.Compiler(
            root=str(qmd.parent),
            font_paths=fonts,
            ignore_system_fonts=not system_fonts,
        )
        pdf, typst_warnings = compiler.compile_with_warnings(
            input=source.encode("utf-8"),
            format="pdf",
            timestamp=timestamp or 0,
        )
    except typst.TypstError as exc:
        hint = "; ".join(getattr(exc, "hints", []) or [])
        msg = getattr(exc, "message", str(exc))
        raise RenderError(
            f"typst could not compile the PDF: {msg}" + (f" ({hint})" if hint else "")
        ) from None
    except (RuntimeError, OSError, ValueError) as exc:
        raise RenderError(f"typst could not compile the PDF: {exc}") from None
    for w in typst_warnings:
        warnings.warn(f"typst: {getattr(w, 'message', w)}", RenderWarning, stacklevel=2)
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
        raise RenderError("typst produced no PDF")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out
