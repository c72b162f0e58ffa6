"""The HTML bulletin: one self-contained, offline page.

Pandoc turns the expanded markdown into HTML pieces (the title block's values, the table of
contents and the body, with every image embedded as a ``data:`` URL); the Jinja2 template
``assets/bulletin.html.jinja`` (autoescaped) wraps them with the head, the stylesheet and, when
the page has charts, the inlined Vega runtime and the script that draws the charts. The page's
Content-Security-Policy allows exactly those two scripts (by SHA-256 hash), no network access
at all (``default-src 'none'``) and only ``data:`` images. Before the page is written it is
audited: a script, an external resource or an event handler that is not the toolkit's own is
an error. The same inputs give the same bytes.
"""

from __future__ import annotations

import functools
import html
import os
import secrets
import tempfile
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from toolkit.bulletin import vega
from toolkit.bulletin.errors import RenderError
from toolkit.bulletin.pandoc import ASSETS, common_args, run_pandoc
from toolkit.bulletin.shortcodes import expand
from toolkit.i18n import LANGUAGES, N_, translator

PAGE_TEMPLATE = "bulletin.html.jinja"
#: The page's own words (the document's are Pandoc's): in the catalogue.
SKIP_LINK = N_("Skip to content")
CSS = ASSETS / "bulletin.css"

#: Pandoc's pieces of the page, in this order: plain text (HTML-escaped by Pandoc) ...
TEXT_PARTS = ("pagetitle", "date-meta", "lang", "dir")
#: ... then HTML (its text escaped by Pandoc); the table of contents and the body come last.
HTML_PARTS = ("series", "title", "subtitle", "published-title", "date", "toc-title")
#: The template Pandoc fills with the pieces, one after another, each followed by a line that
#: holds ``$bt-split$`` (a random token per render, so no document text can stand in for it).
PARTS_TEMPLATE = "".join(f"${name}$\n$bt-split$\n" for name in TEXT_PARTS + HTML_PARTS) + \
    "$if(toc)$$table-of-contents$$endif$\n$bt-split$\n$body$\n"


class _HtmlAudit(HTMLParser):
    """Collects executable scripts, resource URLs and event handlers of a page."""

    _URL_ATTRS = {"src", "href", "poster", "data", "srcset", "action", "formaction", "background"}
    _FETCHING = {"script", "link", "img", "iframe", "frame", "embed", "object", "source", "video",
                 "audio", "track", "input", "image", "use", "form", "base"}

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


def audit_page(page: str, scripts: list[str]) -> None:
    """Raise :class:`RenderError` unless the page's only scripts are ``scripts``, it loads
    nothing that is not embedded, and it has no inline event handlers."""
    audit = _HtmlAudit()
    audit.feed(page)
    audit.close()
    rogue = [s for s in audit.scripts if s not in scripts]
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


@functools.cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(ASSETS), autoescape=True, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _trusted(text: str, end_tag: str) -> Any:
    """Script or style text, inlined as it is; it must not be able to close its element."""
    from markupsafe import Markup

    if end_tag in text.lower() or "<!--" in text:
        raise RenderError(f"text for a {end_tag[2:]} element cannot be inlined safely")
    return Markup(text)


def _pandoc_parts(markdown: str, front: Mapping[str, Any], qmd: Path,
                  rdir: Path) -> dict[str, str]:
    """Pandoc's pieces of the page by name, plus ``toc`` and ``body``."""
    split = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="toolkit-render-") as tmp:
        template = Path(tmp) / "parts.html"
        template.write_text(PARTS_TEMPLATE, encoding="utf-8")
        out = run_pandoc(markdown, [
            "--to=html5",
            "--embed-resources",
            f"--template={template}",
            f"--variable=bt-split:{split}",
            f"--resource-path={qmd.parent}{os.pathsep}{rdir}",
            "--section-divs",
            *common_args(front),
        ], cwd=qmd.parent)
    names = (*TEXT_PARTS, *HTML_PARTS, "toc", "body")
    values = out.split(f"\n{split}\n")
    if len(values) != len(names):  # pragma: no cover - the token is random
        raise RenderError("Pandoc's HTML could not be split into the parts of the page")
    parts = dict(zip(names, (v.strip("\n") for v in values), strict=True))
    for name in TEXT_PARTS:
        parts[name] = html.unescape(parts[name])
    return parts


def _language(tag: str) -> str:
    """The toolkit's language of a BCP 47 tag (``ko``, ``en-GB`` -> ``en``); English for one
    it does not write."""
    lang = tag.split("-")[0].lower()
    return lang if lang in LANGUAGES else "en"


def render_html(
    qmd_path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None,
    out_html: str | os.PathLike[str],
    *,
    resource_dir: str | os.PathLike[str],
) -> Path:
    """Render the ``.qmd`` to one self-contained, offline HTML file; returns its path."""
    from markupsafe import Markup

    qmd = Path(qmd_path).resolve()
    rdir = Path(resource_dir).resolve()
    out = Path(out_html)
    markdown, front = expand(qmd, metadata, rdir)
    parts = _pandoc_parts(markdown, front, qmd, rdir)

    scripts = [vega.runtime(), vega.chart_script()] if 'class="vega-chart"' in markdown else []
    script_src = " ".join(f"'sha256-{vega.script_hash(s)}'" for s in scripts) or "'none'"
    csp = (
        "default-src 'none'; "
        f"script-src {script_src}; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )
    page = _environment().get_template(PAGE_TEMPLATE).render(
        csp=csp,
        skip_label=translator(_language(parts["lang"])).gettext(SKIP_LINK),
        css=_trusted(CSS.read_text(encoding="utf-8"), "</style"),
        scripts=[_trusted(s, "</script") for s in scripts],
        **{name.replace("-", "_"): parts[name] for name in TEXT_PARTS},
        # Pandoc's HTML, whose text Pandoc has escaped
        **{name.replace("-", "_"): Markup(parts[name]) for name in (*HTML_PARTS, "toc", "body")},
    )
    audit_page(page, scripts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(page.encode("utf-8"))
    return out

