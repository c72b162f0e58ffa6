"""The PDF bulletin: Pandoc's Typst writer with ``assets/bulletin-typst.template``, then Typst.

Fonts
-----
Typst embeds (subsets) every font it uses. Body text is *Libertinus Serif* (built into the
typst wheel, always present); headings, tables and chart text use the first available of
Liberation Sans / DejaVu Sans / Noto Sans (:data:`LATIN_SANS`). Every list ends with a
Hangul-capable font found on the machine (e.g. Noto Serif/Sans CJK KR from ``fonts-noto-cjk``),
whose folder is also given to Typst as a font path. If none is found the PDF is still made and
a :class:`RenderWarning` is emitted. Typst sets the text of an SVG chart in the first family
the SVG names that it has, else in the surrounding font list (it ignores generic families such
as ``sans-serif``): the charts name :data:`LATIN_SANS` (``chartproc.py``), and figures are set
in the sans list, so chart text is sans and embedded like all other text.

Determinism
-----------
No current time is used. The PDF's creation date is the document's ``date-meta`` or ``date``
when it is an ISO date (else ``SOURCE_DATE_EPOCH``, else no date is written); Typst's output is
otherwise a pure function of its inputs, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from toolkit.bulletin.errors import RenderError, RenderWarning
from toolkit.bulletin.pandoc import ASSETS, common_args, run_pandoc
from toolkit.bulletin.shortcodes import expand

TYPST_TEMPLATE = ASSETS / "bulletin-typst.template"

#: Sans families for headings, tables and chart text, the first one installed wins.
LATIN_SANS = ("Liberation Sans", "DejaVu Sans", "Noto Sans", "Arial", "Helvetica")
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
    latin_sans = first(LATIN_SANS) or "Libertinus Serif"
    body = ["Libertinus Serif"] + ([hangul_serif] if hangul_serif else [])
    sans = [latin_sans] + ([hangul_sans] if hangul_sans else [])
    mono = ["DejaVu Sans Mono"] + ([hangul_sans] if hangul_sans else [])
    for fam in body + sans + mono:
        if not _SAFE_FAMILY.match(fam):  # pragma: no cover - defensive, families are ours
            raise RenderError(f"unexpected font family name {fam!r}")
    return fonts, body, sans, mono, hangul_sans is not None


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
    markdown, front = expand(qmd, metadata, rdir)

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
        f"--template={TYPST_TEMPLATE}",
        f"--variable=bt-lang:{lang}",
        *[f"--variable=bt-body-font:{f}" for f in body],
        *[f"--variable=bt-sans-font:{f}" for f in sans],
        *[f"--variable=bt-mono-font:{f}" for f in mono],
        *common_args(front),
    ]
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
