"""What makes text unsafe to publish, defined once for every stage that reads or writes text.

Three concepts, each with one definition here:

- **Forbidden characters**: invisible or direction-changing characters that make text display
  differently from what it is (C0 and C1 controls other than tab and line ends, the
  bidirectional marks, embeddings, overrides and isolates, zero-width characters, the Unicode
  line and paragraph separators). Validation refuses them in raw values (rule ``unsafe_text``),
  reports print them escaped, the bulletin drops them.
- **Markup**: the start of an HTML or XML tag, comment or processing instruction.
- **Formulas**: a cell a spreadsheet would run. Raw values that *look like* a formula (``=``,
  ``@``, ``+``/``-`` not starting a number, a DDE call) are refused by validation; every text
  cell written to a CSV that starts with a trigger character is *neutralised* with a leading
  apostrophe, whatever it is (a negative number in a text column included).

The patterns are given as strings for Polars (Rust ``regex``), DuckDB (RE2) and Python ``re``,
which read them alike: classes are written with ``\\x{...}`` escapes for Rust and RE2 and
``\\x``/``\\u`` escapes for Python, both generated from the one list of code points.
"""

from __future__ import annotations

import re

import polars as pl

#: Forbidden code points, as inclusive ranges.
FORBIDDEN_RANGES: tuple[tuple[int, int], ...] = (
    (0x00, 0x08),      # C0 controls before tab
    (0x0B, 0x0C),      # vertical tab, form feed
    (0x0E, 0x1F),      # the rest of C0
    (0x7F, 0x9F),      # DEL and the C1 controls (U+0085 next line, U+009B CSI, ...)
    (0x061C, 0x061C),  # Arabic letter mark
    (0x200B, 0x200B),  # zero-width space
    (0x200D, 0x200D),  # zero-width joiner
    (0x200E, 0x200F),  # left-to-right and right-to-left marks
    (0x2028, 0x2029),  # line and paragraph separators
    (0x202A, 0x202E),  # bidirectional embeddings and overrides
    (0x2060, 0x2060),  # word joiner
    (0x2066, 0x2069),  # bidirectional isolates
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte-order mark inside text)
)
#: Also escaped when text is shown on a terminal (they are allowed in values).
LINE_CONTROLS: tuple[tuple[int, int], ...] = ((0x09, 0x0A), (0x0D, 0x0D))


def _rust_class(ranges) -> str:
    return "[" + "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}"
                         for a, b in ranges) + "]"


def _python_class(ranges) -> str:
    def esc(c: int) -> str:
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
    return "[" + "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges) + "]"


#: A forbidden character, for Polars and DuckDB.
FORBIDDEN_PATTERN = _rust_class(FORBIDDEN_RANGES)
FORBIDDEN = re.compile(_python_class(FORBIDDEN_RANGES))
_UNPRINTABLE = re.compile(_python_class(FORBIDDEN_RANGES + LINE_CONTROLS))
_UNPRINTABLE_PATTERN = _rust_class(FORBIDDEN_RANGES + LINE_CONTROLS)

#: The start of a tag, comment or processing instruction (the same in every engine).
MARKUP_PATTERN = r"<[A-Za-z!/?]"
MARKUP = re.compile(MARKUP_PATTERN)

#: Characters that make a spreadsheet read a cell as a formula when it starts with one (their
#: full-width forms too); a published text cell that starts with one is neutralised.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
NEUTRALISER = "'"
#: A raw value that would run as a formula: a leading ``=`` or ``@`` (or full-width forms), a
#: leading ``+`` or ``-`` that does not start a number, or a DDE call (``-2+3+cmd|' /C calc'!A0``).
#: Narrower than the triggers on purpose: ``-5`` or ``- second wave`` are data.
#: (The full-width characters are written as themselves: every engine reads them alike.)
FORMULA_PATTERN = r"(?s)^(?:[=@＝＠]|[+\-＋－][^0-9\s.,]|[+\-＋－].*\|.*!)"
FORMULA = re.compile(FORMULA_PATTERN)


def shorten(value: object, limit: int = 120) -> str | None:
    """A value as a report shows it: text, cut to a readable length."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


_PLAIN_NUMBER_PATTERN = r"[+-]?[0-9]+(?:\.[0-9]+)?"
_PLAIN_NUMBER = re.compile(_PLAIN_NUMBER_PATTERN)
_TRIGGER_PATTERN = "^[" + "".join(re.escape(t) for t in FORMULA_TRIGGERS) + "]"


def neutralise(text: str) -> str:
    """``text`` with a leading apostrophe when it starts with a formula trigger and is not a
    plain number (``-20`` stays as it is; ``-1+SUM(1)`` and ``-20 is below`` do not)."""
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return NEUTRALISER + text
    return text


def neutralise_expr(text: pl.Expr) -> pl.Expr:
    """:func:`neutralise` over a column of text (the same triggers and the same exception)."""
    runs = text.str.contains(_TRIGGER_PATTERN) & ~text.str.contains(
        f"^{_PLAIN_NUMBER_PATTERN}$")
    return pl.when(runs).then(pl.lit(NEUTRALISER) + text).otherwise(text)


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise`: one apostrophe before a trigger character is removed."""
    if text.startswith(NEUTRALISER) and neutralise(text[1:]) != text[1:]:
        return text[1:]
    return text


def printable(text: str | None) -> str | None:
    """``text`` with forbidden characters and line controls written as escapes (``\\x1b``)."""
    if text is None or not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def printable_expr(text: pl.Expr) -> pl.Expr:
    """:func:`printable` over a column of text (only the values that need it are rewritten)."""
    return pl.when(text.str.contains(_UNPRINTABLE_PATTERN)).then(
        text.map_elements(printable, return_dtype=pl.String, skip_nulls=True)).otherwise(text)


def strip_forbidden(text: str) -> str:
    """``text`` without its forbidden characters (for prose that is printed, not checked)."""
    return FORBIDDEN.sub("", text)


def describe_unsafe(value: str) -> str | None:
    """Why a raw value is unsafe, in a user's words; None when it is safe."""
    shown = shorten(value)
    bad = FORBIDDEN.search(value)
    if bad:
        code = ord(bad.group())
        if code in (0x061C, 0x200E, 0x200F) or 0x202A <= code <= 0x202E \
                or 0x2066 <= code <= 0x2069:
            return (f"{shown!r} contains the text-direction character U+{code:04X}, which "
                    "makes text display differently from what it is; delete it")
        if code in (0x200B, 0x200D, 0x2060, 0xFEFF):
            return (f"{shown!r} contains the invisible zero-width character U+{code:04X}, "
                    "which makes two different values look the same; delete it")
        if code in (0x2028, 0x2029):
            return (f"{shown!r} contains the Unicode line separator U+{code:04X}; use an "
                    "ordinary line break or none")
        return f"{shown!r} contains the invisible control character U+{code:04X}; delete it"
    markup = re.search(r"<[A-Za-z!/?][^\s>]*", value)
    if markup:
        return (f"{shown!r} contains markup ({shorten(markup.group(), 30)!r}); write plain text "
                "without < and >")
    if FORMULA.match(value):
        return (f"{shown!r} starts with {value[0]!r}, so a spreadsheet would run it as a "
                f"formula; reword it so that it does not start with {value[0]!r}")
    return None
