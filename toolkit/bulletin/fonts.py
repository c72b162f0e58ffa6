"""The fonts the bulletin is set in, and where the Hangul ones are found.

Latin text is set in Libertinus Serif (built into the typst wheel) and the first installed of
:data:`LATIN_SANS`. Hangul needs a CJK font, looked for in this order:

1. a system font (Debian's ``fonts-noto-cjk``: Noto Serif/Sans CJK KR, which have bold
   weights), in the folders of :data:`HANGUL_FONT_GLOBS`;
2. the fonts of the Python package ``pylopdf-fonts-ko``, a dependency of the toolkit: Noto
   Sans KR and Noto Serif KR (regular weight, OpenType, SIL Open Font License, taken unchanged
   from notofonts/noto-cjk), so that ``pip install`` alone gives every machine a Hangul font.

Where neither is found, a document with Hangul in it is not rendered to PDF at all
(:data:`INSTALL_HINT` says what to install): a published PDF never shows boxes for Korean.
"""

from __future__ import annotations

import functools
import glob
import os
from pathlib import Path

#: Sans families for headings, tables and chart text, the first one installed wins.
LATIN_SANS = ("Liberation Sans", "DejaVu Sans", "Noto Sans", "Arial", "Helvetica")
HANGUL_SERIF = (
    "Noto Serif CJK KR",
    "Noto Serif KR",
    "Source Han Serif K",
    "Source Han Serif KR",
    "NanumMyeongjo",
    "UnBatang",
    "Baekmuk Batang",
)
HANGUL_SANS = (
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
HANGUL_FONT_GLOBS = (
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
#: What to install when no Hangul font is found.
INSTALL_HINT = ("install the Python package pylopdf-fonts-ko (a dependency of the toolkit: "
                "python -m pip install -e .) or Debian's fonts-noto-cjk")


def hangul_font_paths() -> list[Path]:
    """Directories on this machine that hold a Hangul-capable system font (may be empty)."""
    dirs: list[Path] = []
    for pattern in HANGUL_FONT_GLOBS:
        for hit in sorted(glob.glob(os.path.expanduser(pattern), recursive=True)):
            d = Path(hit).parent
            if d not in dirs:
                dirs.append(d)
    return dirs


@functools.cache
def packaged_font_dirs() -> tuple[Path, ...]:
    """The folder of the Hangul fonts installed with the toolkit (``pylopdf-fonts-ko``); empty
    when the package is missing."""
    try:
        import pylopdf_fonts_ko
    except ImportError:
        return ()
    paths = [Path(pylopdf_fonts_ko.sans_path()), Path(pylopdf_fonts_ko.serif_path())]
    return tuple(dict.fromkeys(p.parent for p in paths if p.is_file()))


def chart_fonts(lang: str) -> str:
    """The CSS font list chart text is set in (browser, vl-convert and Typst alike): named
    families first (Typst ignores a generic family in an SVG), Hangul ones first in Korean."""
    families = [*HANGUL_SANS[:4], *LATIN_SANS] if lang == "ko" else [*LATIN_SANS]
    return ", ".join([*families, "sans-serif"])
