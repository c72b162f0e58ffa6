"""Numbers, dates, periods and lists in a reader's language, from Babel's CLDR data.

Each language has one CLDR locale (:data:`LOCALES`): British English and Korean as written in
South Korea. What CLDR has is taken from it (month names, long dates, quarter names, list
patterns, digit grouping); how a reporting period is said is one template per language, since
CLDR's interval formats say "October – December 2025" and "2025년 10월~12월" where the
bulletin writes "October to December 2025" and "2025년 10~12월".
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

    from toolkit.periods import Period

#: The languages the toolkit writes, and the CLDR locale of each.
LOCALES = {"en": "en_GB", "ko": "ko_KR"}
LANGUAGES: tuple[str, ...] = tuple(LOCALES)
DEFAULT_LANGUAGE = "en"
#: A negative number is written with the minus sign, not a hyphen (both languages).
MINUS = "\u2212"


def check_language(lang: str) -> str:
    """``lang`` if the toolkit writes it; a :class:`ValueError` naming the languages otherwise."""
    if lang not in LOCALES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


@functools.cache
def locale(lang: str) -> Locale:
    """The CLDR locale of ``lang`` (``en`` -> en_GB, ``ko`` -> ko_KR)."""
    from babel import Locale

    return Locale.parse(LOCALES[check_language(lang)])


def language_name(lang: str, in_lang: str | None = None) -> str:
    """The name of ``lang`` in ``in_lang`` (default: in itself): ``한국어``, ``English``."""
    return locale(lang).get_language_name(locale(in_lang or lang)) or lang


def format_number(n: int | float, lang: str) -> str:
    """``2,896`` (both languages); ``−200`` with a minus sign; decimals as the locale writes
    them."""
    from babel.numbers import format_decimal

    text = format_decimal(abs(n), locale=locale(lang))
    return MINUS + text if n < 0 else text


def format_date(day: dt.date, lang: str) -> str:
    """The long date: ``27 February 2026``, ``2026년 2월 27일``."""
    from babel.dates import format_date as babel_date

    return babel_date(day, format="long", locale=locale(lang))


def month_name(day: dt.date, lang: str, width: str = "wide") -> str:
    """``October`` or ``Oct`` (``width="abbreviated"``); ``10월``."""
    from babel.dates import format_date as babel_date

    return babel_date(day, "MMMM" if width == "wide" else "MMM", locale=locale(lang))


def _skeleton(skeleton: str, day: dt.date, lang: str) -> str:
    from babel.dates import format_skeleton

    return format_skeleton(skeleton, day, locale=locale(lang))


def _is_month(period: Period) -> bool:
    return period.start.month == period.end.month and period.start.year == period.end.year


def period_words(period: Period, lang: str) -> str:
    """A period in a sentence: ``October to December 2025``, ``October 2025``;
    ``2025년 10~12월``, ``2025년 10월``."""
    if _is_month(period):
        return _skeleton("yMMMM", period.start, lang)
    if lang == "ko":
        return f"{_skeleton('y', period.start, lang)} {period.start.month}~" \
               f"{month_name(period.end, lang)}"
    return (f"{month_name(period.start, lang)} to {month_name(period.end, lang)} "
            f"{period.end.year}")


def period_short(period: Period, lang: str) -> str:
    """A period in a table header: ``Oct to Dec 2025``, ``Oct 2025``; in Korean as
    :func:`period_words` (it is short already)."""
    if lang == "ko":
        return period_words(period, lang)
    if _is_month(period):
        return f"{month_name(period.start, lang, 'abbreviated')} {period.end.year}"
    return (f"{month_name(period.start, lang, 'abbreviated')} to "
            f"{month_name(period.end, lang, 'abbreviated')} {period.end.year}")


def period_label(period: Period, lang: str) -> str:
    """A period on a chart axis: the period's code in English (``2025-Q4``, ``2025-10``), the
    CLDR name in Korean (``2025년 4분기``, ``2025년 10월``)."""
    if lang == "en":
        return period.label
    return _skeleton("yMMM" if _is_month(period) else "yQQQ", period.start, lang)


def date_range(first: dt.date, last: dt.date, lang: str) -> str:
    """``1 August 2025 to 31 January 2026``; ``2025년 8월 1일부터 2026년 1월 31일까지``."""
    if lang == "ko":
        return f"{format_date(first, lang)}부터 {format_date(last, lang)}까지"
    return f"{format_date(first, lang)} to {format_date(last, lang)}"


def list_words(items: Sequence[str], lang: str, style: str = "and") -> str:
    """A list in a sentence by the locale's pattern: ``a, b and c`` / ``a, b or c``;
    ``a, b 및 c`` / ``a, b 또는 c``."""
    from babel.lists import format_list

    items = [str(i) for i in items]
    if not items:
        return ""
    return format_list(items, style="or" if style == "or" else "standard", locale=locale(lang))
