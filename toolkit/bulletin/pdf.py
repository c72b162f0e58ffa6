"""The PDF bulletin: Pandoc's Typst writer with ``assets/bulletin-typst.template``, then Typst.

Fonts
-----
Typst embeds (subsets) every font it uses. Body text is *Libertinus Serif* (built into the
typst wheel, always present); headings, tables and chart text use the first available of
Liberation Sans / DejaVu Sans / Noto Sans (:data:`LATIN_SANS`). Every list has a Hangul font
(:mod:`toolkit.bulletin.fonts`: a system Noto CJK KR, else the Noto Sans/Serif KR installed
with the toolkit by ``pylopdf-fonts-ko``), after the Latin font in an English document and
before it in a Korean one (``lang: ko``), so Korean text is set in one face. A document with
Hangul in it and no Hangul font is refused (:class:`RenderError`, saying what to install):
never boxes in a published PDF. Typst sets the text of an SVG chart in the first family the
SVG names that it has, else in the surrounding font list (it ignores generic families such as
``sans-serif``): the charts name their families (``chartproc.py``), and figures are set in the
sans list, so chart text is sans and embedded like all other text.

Determinism
-----------
No current time is used. The PDF's creation date is the document's ``date-meta`` or ``date``
when it is an ISO date (else ``SOURCE_DATE_EPOCH``, else no date is written); Typst's output is
otherwise a pure function of its inputs, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from toolkit.bulletin.errors import RenderError, RenderWarning
from toolkit.bulletin.fonts import (
    HANGUL_SANS,
    HANGUL_SERIF,
    INSTALL_HINT,
    LATIN_SANS,
    hangul_font_paths,
    packaged_font_dirs,
)
from toolkit.bulletin.pandoc import ASSETS, common_args, run_pandoc
from toolkit.bulletin.shortcodes import expand
from toolkit.i18n import LANGUAGES, N_, translator

TYPST_TEMPLATE = ASSETS / "bulletin-typst.template"

_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_SAFE_FAMILY = re.compile(r"^[A-Za-z0-9 ._-]+$")
#: The footer's page numbers, split around the numbers (a catalogue message per language).
PAGE_WORDS = N_("Page {page} of {pages}")


def _font_plan(font_paths: Sequence[str | os.PathLike[str]] | None, system_fonts: bool,
               packaged_fonts: bool = True, lang: str = "en"):
    import typst

    paths = [Path(p) for p in (font_paths or [])]
    extra = list(hangul_font_paths()) if system_fonts else []
    extra += list(packaged_font_dirs()) if packaged_fonts else []
    for d in extra:
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

    hangul_sans = first(HANGUL_SANS) or next(
        (f for f in sorted(families) if "CJK" in f and "Mono" not in f), None
    )
    hangul_serif = first(HANGUL_SERIF) or hangul_sans
    latin_sans = first(LATIN_SANS) or "Libertinus Serif"
    hangul_first = lang == "ko"

    def fonts_for(latin: str, hangul: str | None) -> list[str]:
        if hangul is None:
            return [latin]
        return [hangul, latin] if hangul_first else [latin, hangul]

    body = fonts_for("Libertinus Serif", hangul_serif)
    sans = fonts_for(latin_sans, hangul_sans)
    mono = ["DejaVu Sans Mono"] + ([hangul_sans] if hangul_sans else [])
    for fam in body + sans + mono:
        if not _SAFE_FAMILY.match(fam):  # pragma: no cover - defensive, families are ours
            raise RenderError(f"unexpected font family name {fam!r}")
    return fonts, body, sans, mono, hangul_sans is not None


def _page_words(lang: str) -> tuple[str, str, str]:
    """The footer's words before, between and after the page number and the page count."""
    text = translator(lang if lang in LANGUAGES else "en").gettext(PAGE_WORDS)
    if not ("{page}" in text and "{pages}" in text and text.index("{page}") <
            text.index("{pages}")):
        text = PAGE_WORDS
    before, rest = text.split("{page}", 1)
    between, after = rest.split("{pages}", 1)
    return before, between, after


def _pdf_timestamp(front: Mapping[str, Any]) -> int | None:
    date = front.get("date-meta", front.get("date"))
    if isinstance(date, dt.datetime):
        d = date if date.tzinfo else date.replace(tzinfo=dt.UTC)
        return int(d.timestamp())
    if isinstance(date, dt.date):
        return int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())
    if isinstance(date, str):
        try:
            d = dt.date.fromisoformat(date.strip())
        except ValueError:
            d = None
        if d is not None:
            return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp())
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


#: The metadata key of the address relative links of the PDF resolve against (the release's
#: public folder): a downloaded PDF's links still lead to the files. The HTML keeps them
#: relative, so a copied release folder works offline.
PDF_LINK_BASE = "pdf-link-base"


def render_pdf(
    qmd_path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None,
    out_pdf: str | os.PathLike[str],
    *,
    resource_dir: str | os.PathLike[str],
    font_paths: Sequence[str | os.PathLike[str]] | None = None,
    system_fonts: bool = True,
    packaged_fonts: bool = True,
) -> Path:
    """Render the ``.qmd`` to PDF via Pandoc's Typst writer and ``typst``; returns its path.

    ``font_paths`` adds font directories; ``system_fonts=False`` limits Typst to those, the
    fonts built into the typst wheel and the Hangul fonts installed with the toolkit
    (``packaged_fonts=False`` leaves those out too). A document with Hangul and no Hangul font
    is a :class:`RenderError`.
    """
    import typst

    qmd = Path(qmd_path).resolve()
    rdir = Path(resource_dir).resolve()
    out = Path(out_pdf)
    markdown, front = expand(qmd, metadata, rdir)

    timestamp = _pdf_timestamp(front)
    lang, region = _lang_region(front)
    fonts, body, sans, mono, has_hangul_font = _font_plan(font_paths, system_fonts,
                                                          packaged_fonts, lang)
    if not has_hangul_font:
        if _HANGUL.search(markdown):
            raise RenderError(f"the document has Korean text and no Hangul font was found: "
                              f"{INSTALL_HINT} (or pass font_paths)")
        warnings.warn(f"no Hangul-capable font was found ({INSTALL_HINT})", RenderWarning,
                      stacklevel=2)

    before, between, after = _page_words(lang)
    args = [
        "--to=typst",
        "--standalone",
        f"--template={TYPST_TEMPLATE}",
        f"--variable=bt-lang:{lang}",
        f"--variable=bt-page-before:{before}",
        f"--variable=bt-page-between:{between}",
        f"--variable=bt-page-after:{after}",
        *[f"--variable=bt-body-font:{f}" for f in body],
        *[f"--variable=bt-sans-font:{f}" for f in sans],
        *[f"--variable=bt-mono-font:{f}" for f in mono],
        *common_args(front),
    ]
    base = (metadata or {}).get(PDF_LINK_BASE)
    if base:
        args.append(f"--metadata=bt-link-base:{base}")
    if region:
        args.append(f"--variable=bt-region:{region}")
    if timestamp is None:
        args.append("--variable=bt-no-pdf-date:true")
    if front.get("number-sections") is True:
        args.append("--variable=numbersections:true")
    source = run_pandoc(markdown, args, cwd=qmd.parent)

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
