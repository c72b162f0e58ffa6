"""Words and markdown for the bulletin's sentences and tables.

Markdown written by the toolkit is :class:`Md`; anything else that goes into a fragment is data
and is escaped (:func:`~toolkit.bulletin.markdown.escape_md`): the generated markdown holds no
markup except what :mod:`toolkit.bulletin.sections` writes itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from toolkit.bulletin.errors import RenderError
from toolkit.bulletin.figures import MIN_BASE, Change, Count
from toolkit.bulletin.markdown import escape_md
from toolkit.bulletin.names import label
from toolkit.i18n import MINUS, format_date, format_number, list_words, period_short
from toolkit.periods import Period

#: A table's cross-reference label, as Quarto reads it: ``tbl-`` then lower-case words.
TABLE_LABEL = re.compile(r"^tbl-[a-z0-9]+(?:-[a-z0-9]+)*$")
_LABEL_WORDS = 48


class Md(str):
    """Markdown written by the toolkit (not data): passed through unescaped."""


def escape(text: Any) -> str:
    """:func:`escape_md`, keeping one space at either end where ``text`` has one."""
    text = str(text)
    core = escape_md(text)
    if not core:
        return " " if text[:1].isspace() else ""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    return lead + core + trail


def md(*parts: Any) -> Md:
    """Join parts into markdown: :class:`Md` parts as they are, anything else escaped."""
    return Md("".join(p if isinstance(p, Md) else escape(p) for p in parts))


def para(*parts: Any) -> Md:
    return Md(md(*parts) + "\n")


def bullet_list(items: Iterable[Md]) -> Md:
    return Md("\n".join(f"- {item}" for item in items) + "\n")


def num(value: int) -> str:
    """``2,896``; a negative number with a minus sign (``−200``)."""
    return format_number(value, "en")


#: Words before a count for its qualifier (``at least 2,896``).
QUALIFIER_WORDS = {"exact": "", "at_least": "at least ", "about": "about "}
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def qualified(count: Count) -> str:
    """``at least 2,896``, ``about 27``, ``1,240``; ``not available`` where there is no value."""
    if count.value is None:
        return "not available"
    return QUALIFIER_WORDS.get(count.qualifier, "") + num(count.value)


def cell(count: Count) -> str:
    """A table cell: the qualified value and its status markers as published
    (``at least 2,896 [p]``, ``−200 [u] [p]``, ``[x]``)."""
    if count.value is None:
        return count.status or "[x]"
    return f"{qualified(count)} {count.status}".strip()


def number_words(n: int) -> str:
    """``one`` to ``nine`` in words, larger numbers in figures (house style for sentences)."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else num(n)


def count_words(n: int, one: str, many: str) -> str:
    """``one death``, ``2 deaths``... with the number in words up to nine."""
    return f"{number_words(n)} {plural(n, one, many)}"


def date_words(day: dt.date) -> str:
    """``28 November 2026``."""
    return format_date(day, "en")


def short_words(period: Period) -> str:
    """``Oct to Dec 2025`` for table headers."""
    return period_short(period, "en")


def plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def and_list(parts: Sequence[str]) -> str:
    """``a, b and c``."""
    return list_words(parts, "en")


def or_list(parts: Sequence[str]) -> str:
    """``a, b or c``; ``none`` for no parts."""
    return list_words(parts, "en", "or") if parts else "none"


def status_words(scope: Sequence[str]) -> str:
    """The scam-link statuses of a scope rule: ``confirmed, suspected or under investigation``."""
    return or_list([label("scam_link", s).lower() for s in scope])


#: A rise of this percentage or more is said as a multiple ("87 times as many"): a percentage
#: in the thousands reads as precision the counts do not have.
TIMES_FROM = 200.0


def percent(change: Change) -> str:
    p = abs(change.percent or 0.0)
    return f"{p:.1f}%" if 0 < p < 10 else f"{p:.0f}%"


def multiple(change: Change) -> str | None:
    """``87``, ``2.5``: the multiple a rise of :data:`TIMES_FROM` percent or more is said as;
    None otherwise (every edition writes the same number)."""
    if change.percent is None or change.percent < TIMES_FROM:
        return None
    ratio = (change.current.value or 0) / (change.base.value or 1)
    return f"{ratio:.1f}" if ratio < 10 else f"{ratio:,.0f}"


def times(change: Change) -> str | None:
    """``87 times``, for a rise of :data:`TIMES_FROM` percent or more; None otherwise."""
    ratio = multiple(change)
    return None if ratio is None else f"{ratio} times"


def share_percent(part: int, whole: int) -> str | None:
    """``76%``: ``part`` as a share of ``whole`` (None when ``whole`` is 0)."""
    return f"{100.0 * part / whole:.0f}%" if whole else None


def share(part: int, whole: int) -> str:
    return share_percent(part, whole) or "not comparable"


def _signed(n: int) -> str:
    return ("+" if n > 0 else "") + num(n)


def signed_change(change: Change) -> str:
    """Table cell: ``−212 (−6.8%)``, ``0 (0%)``, ``+2,850 (87 times)``, ``+64 (base under 20)``,
    ``not comparable (coverage differs)`` or ``[x]``."""
    kind = change.kind
    if kind == "unavailable":
        return "[x]"
    if kind == "coverage":
        return "not comparable (coverage differs)"
    a = change.absolute or 0
    if kind == "small_base":
        return f"{_signed(a)} (base under {MIN_BASE})"
    if (multiple := times(change)) is not None:
        return f"{_signed(a)} ({multiple})"
    sign = "+" if a > 0 else (MINUS if a < 0 else "")
    return f"{_signed(a)} ({sign}{percent(change)})"


def change_clause(change: Change, base_words: str, why: str = "") -> str:
    """What a sentence may say of a change, after the figure: ``212 fewer than in July to
    September 2025 (about 3,108), a fall of 6.8%``; ``none were recorded in ...``; no
    percentage on a small base; no comparison across coverage (``why`` says what differs)."""
    kind = change.kind
    because = f" ({why})" if why else ""
    if kind == "unavailable":
        return f"there is no figure for {base_words} to compare with{because}"
    if kind == "coverage":
        return f"no comparison is made with {base_words}{because}"
    a = change.absolute or 0
    base = change.base
    if a == 0:
        return f"the same number as in {base_words}"
    more = "more" if a > 0 else "fewer"
    if kind == "small_base":
        if base.value == 0:
            return f"none were recorded in {base_words}"
        return (f"{num(abs(a))} {more} than in {base_words} ({qualified(base)}; too few for a "
                f"percentage change)")
    if (multiple := times(change)) is not None:
        return (f"{num(abs(a))} {more} than in {base_words} ({qualified(base)}), "
                f"{multiple} as many")
    moved = "a rise" if a > 0 else "a fall"
    return (f"{num(abs(a))} {more} than in {base_words} ({qualified(base)}), "
            f"{moved} of {percent(change)}")


def figure_span(value: str, key: str, qualifier: str = "exact") -> Md:
    """A headline number, bold, marked so tests and readers' tools can find it in the HTML
    (with its qualifier: ``data-qualifier="at_least"``)."""
    return Md(f"**[{escape(value)}]{{.figure data-figure=\"{key}\" "
              f"data-qualifier=\"{qualifier}\"}}**")


def figure_text(count: Count, key: str) -> Md:
    """``at least **2,896**`` with the number marked as :func:`figure_span`."""
    if count.value is None:
        return Md(escape(count.status or "[x]"))
    return Md(escape(QUALIFIER_WORDS.get(count.qualifier, ""))
              + figure_span(num(count.value), key, count.qualifier))


def width(text: Any) -> int:
    """How wide ``text`` is set, in Latin letters: a Hangul syllable or another wide East
    Asian character counts two (so Korean columns get the room they need)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def table_label(caption: str) -> str:
    """The label :func:`pipe_table` gives a table when the caller names none: ``tbl-`` and the
    caption's words, shortened on a word boundary. A shortened (or wordless) caption ends with
    six hex digits of its hash, so different captions keep different labels; so does a caption
    with letters a label cannot hold (Hangul: ``tbl-2025-10-12-2025-7-9-1a2b3c``)."""
    words = re.findall(r"[a-z0-9]+", str(caption).lower())
    slug = "-".join(words)
    lost = any(ch.isalpha() and not ch.isascii() for ch in str(caption))
    if len(slug) <= _LABEL_WORDS and slug and not lost:
        return f"tbl-{slug}"
    if len(slug) <= _LABEL_WORDS:
        cut = slug
    else:
        cut = slug[:_LABEL_WORDS + 1].rsplit("-", 1)[0] if "-" in slug[:_LABEL_WORDS + 1] else ""
    digest = hashlib.sha1(str(caption).encode("utf-8")).hexdigest()[:6]
    return f"tbl-{cut}-{digest}" if cut else f"tbl-{digest}"


def pipe_table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str,
               caption: str, label: str | None = None) -> Md:
    """A Pandoc pipe table with its caption and cross-reference label; every header, cell and
    the caption are data text (escaped).

    The caption line is ``: Caption {#tbl-label}``: Quarto numbers the table ("Table 1") in
    HTML and Typst, and Pandoc reads the same line as the table's caption and identifier.
    ``label`` defaults to :func:`table_label` of the caption; labels must be unique in a
    document.
    """
    label = table_label(caption) if label is None else label
    if not TABLE_LABEL.match(label):
        raise RenderError(f"table label {label!r}: use 'tbl-' then lower-case letters, digits "
                          f"and single hyphens")
    rows = list(rows)
    # Pandoc sizes wrapped columns by the dashes under each header: give each column dashes in
    # proportion to its longest word run (so labels do not wrap needlessly)
    widths = []
    for i, h in enumerate(headers):
        # a short header keeps its line; a long one may wrap
        head = width(h) if width(h) <= 16 else width(h) * 0.6
        longest = max([head] + [width(r[i]) for r in rows if i < len(r)])
        widths.append(max(3, min(40, int(longest))))
    sep = {"l": lambda n: ":" + "-" * n, "r": lambda n: "-" * n + ":",
           "c": lambda n: ":" + "-" * n + ":"}
    lines = ["| " + " | ".join(escape(h) for h in headers) + " |",
             "|" + "|".join(sep[a](w) for a, w in zip(align, widths, strict=True)) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(escape(c) if c != "" else " " for c in row) + " |")
    lines.append("")
    lines.append(f": {escape(caption)} {{#{label}}}")
    return Md("\n".join(lines) + "\n")
