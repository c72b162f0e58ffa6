"""Words and numbers of the Korean edition (한국어판): counters, qualifiers, changes.

Korean is written as Korean: a count takes its counter with no space (``2,896명``, ``5건``),
a minimum is ``최소 2,896명`` and an approximate figure ``약 3,108명``, a period is
``2025년 10~12월`` and a date ``2026년 2월 27일`` (Babel's CLDR, through :mod:`toolkit.i18n`).
A particle after a word takes the form the word needs (:func:`toolkit.i18n.josa`). Every number
is the English edition's: the same figures, percentages and multiples, written by the same
functions of :mod:`toolkit.bulletin.text` where a number is computed (:func:`percent`,
:func:`multiple`, :func:`share_percent`). The markdown helpers are shared too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from toolkit.bulletin.figures import MIN_BASE, Change, Count
from toolkit.bulletin.text import (
    MINUS,
    Md,
    escape,
    multiple,
    percent,
)
from toolkit.i18n import (
    format_date,
    format_number,
    josa,
    label,
    list_words,
    period_label,
    period_short,
    period_words,
)
from toolkit.periods import Period

LANG = "ko"
#: Words before a count for its qualifier (``최소 2,896명``).
QUALIFIER_WORDS = {"exact": "", "at_least": "최소 ", "about": "약 "}
#: The bulletin's period as a noun: ``분기`` (quarter) or ``월`` (month).
UNIT = {"quarter": "분기", "month": "월"}
#: The period before and the same period a year earlier, by unit.
PREVIOUS = {"quarter": "직전 분기", "month": "직전 달"}
YEAR_EARLIER = {"quarter": "전년 동기", "month": "전년 같은 달"}

#: The derived measure's name wherever the Korean edition shows it (never 억류 중, held).
NOT_RETURNED = "송환 기록 없는 구금 인원"
#: Its one-line definition, beside the name wherever the measure appears.
NOT_RETURNED_SHORT = ("구금된 것으로 기록된 인원에서 송환된 것으로 기록된 인원을 뺀 해당일까지의 "
                      "누계로, 억류 중인 인원 수가 아니다")
#: The published tables' definition, in Korean (toolkit.publish.specs.NOT_RETURNED_DEFINITION).
NOT_RETURNED_DEFINITION = (
    "해당 기간 말까지 구금된 것으로 기록된 인원에서 그때까지 그 국가로부터 송환된 것으로 기록된 "
    "인원을 뺀 값이다. 억류 중인 인원 수가 아니다. 기록에는 송환 외의 석방이 없고 기록이 시작되기 "
    "전에 구금된 사람도 없으므로 이 수치에는 언제나 신뢰도 낮음 [u] 기호를 붙이며, 구금보다 송환이 "
    "더 많이 기록된 곳에서는 음수가 된다.")


def num(n: int) -> str:
    """``2,896``; ``−200``."""
    return format_number(n, LANG)


def persons(n: int) -> str:
    """``2,896명``."""
    return f"{num(n)}명"


def records(n: int) -> str:
    """``5건``."""
    return f"{num(n)}건"


def words(period: Period) -> str:
    """``2025년 10~12월``, ``2025년 10월``."""
    return period_words(period, LANG)


def short_words(period: Period) -> str:
    return period_short(period, LANG)


def axis_words(label_: str) -> str:
    """A period code on a chart axis or in a table: ``2025-Q4`` -> ``2025년 4분기``."""
    from toolkit.periods import PeriodError, parse_period

    try:
        return period_label(parse_period(label_), LANG)
    except PeriodError:
        return label_


def date_words(day: dt.date) -> str:
    """``2026년 2월 27일``."""
    return format_date(day, LANG)


def and_list(parts: Sequence[str]) -> str:
    """``가, 나 및 다``."""
    return list_words(parts, LANG)


def or_list(parts: Sequence[str]) -> str:
    """``가, 나 또는 다``; ``없음`` for no parts."""
    return list_words(parts, LANG, "or") if parts else "없음"


def status_words(scope: Sequence[str]) -> str:
    """The scam-link statuses of a scope rule, each quoted: ``‘확인’, ‘의심’ 또는 ‘조사 중’``."""
    return or_list([f"\u2018{label('scam_link', s, LANG)}\u2019" for s in scope])


def qualified(count: Count) -> str:
    """``최소 2,896``, ``약 27``, ``1,240``; ``수치 없음`` where there is no value."""
    if count.value is None:
        return "수치 없음"
    return QUALIFIER_WORDS.get(count.qualifier, "") + num(count.value)


def people(count: Count) -> str:
    """``최소 2,896명``, ``약 3,108명``, ``401명``; ``수치 없음`` where there is no value."""
    return qualified(count) + ("명" if count.value is not None else "")


def cell(count: Count) -> str:
    """A table cell: the qualified value and its status markers as published
    (``최소 2,896 [p]``, ``−200 [u] [p]``, ``[x]``)."""
    if count.value is None:
        return count.status or "[x]"
    return f"{qualified(count)} {count.status}".strip()


def figure_span(value: str, key: str, qualifier: str = "exact", counter: str = "명") -> Md:
    """A headline number, bold with its counter, the number marked as in the English edition
    (``data-figure``), so tests and readers' tools find the same figure in both."""
    return Md(f"**[{escape(value)}]{{.figure data-figure=\"{key}\" "
              f"data-qualifier=\"{qualifier}\"}}{counter}**")


def figure_text(count: Count, key: str) -> Md:
    """``최소 **2,896명**`` with the number marked as :func:`figure_span`."""
    if count.value is None:
        return Md(escape(count.status or "[x]"))
    return Md(escape(QUALIFIER_WORDS.get(count.qualifier, ""))
              + figure_span(num(count.value), key, count.qualifier))


def share(part: int, whole: int) -> str:
    from toolkit.bulletin.text import share_percent

    return share_percent(part, whole) or "비교 불가"


def _signed(n: int) -> str:
    return ("+" if n > 0 else "") + num(n)


def signed_change(change: Change) -> str:
    """Table cell: ``−212 (−6.8%)``, ``0 (0%)``, ``+2,850 (87배)``, ``+64 (기준값 20 미만)``,
    ``비교 불가(수집 범위 다름)`` or ``[x]``."""
    kind = change.kind
    if kind == "unavailable":
        return "[x]"
    if kind == "coverage":
        return "비교 불가(수집 범위 다름)"
    a = change.absolute or 0
    if kind == "small_base":
        return f"{_signed(a)} (기준값 {MIN_BASE} 미만)"
    if (ratio := multiple(change)) is not None:
        return f"{_signed(a)} ({ratio}배)"
    sign = "+" if a > 0 else (MINUS if a < 0 else "")
    return f"{_signed(a)} ({sign}{percent(change)})"


def change_clause(change: Change, base_words: str, why: str = "", *,
                  final: bool = True, nothing: str = "기록된 인원이") -> str:
    """What a sentence may say of a change on ``base_words`` (``직전 분기인 2025년 7~9월``):
    ``2025년 7~9월(약 3,108명)보다 212명(6.8%) 감소했다``; ``…에는 기록된 인원이 없었다``;
    no percentage on a small base; no comparison across coverage (``why`` says what differs).
    ``final=False`` ends the clause so another follows (``감소했고``); ``nothing`` is what
    there was none of (``기록된 사망자가``)."""
    kind = change.kind
    because = f"({why})" if why else ""

    def end(done: str, more: str) -> str:
        return done if final else more

    if kind == "unavailable":
        return f"{base_words}에는 비교할 수치가 없{end('다', '고')}{because}"
    if kind == "coverage":
        return f"{josa(base_words, '과/와')}는 비교하지 않는{end('다', '고')}{because}"
    a = change.absolute or 0
    base = change.base
    if a == 0:
        return f"{josa(base_words, '과/와')} 같은 {end('수준이다', '수준이고')}"
    more = a > 0
    if kind == "small_base":
        if base.value == 0:
            return f"{base_words}에는 {nothing} 없{end('었다', '었고')}"
        return (f"{base_words}({people(base)}, 기준값이 작아 증감률은 제시하지 않음)보다 "
                f"{persons(abs(a))} {'많' if more else '적'}{end('다', '고')}")
    if (ratio := multiple(change)) is not None:
        return (f"{base_words}({people(base)})보다 {persons(abs(a))} 늘어 "
                f"{ratio}배가 되{end('었다', '었고')}")
    moved = "증가" if more else "감소"
    return (f"{base_words}({people(base)})보다 {persons(abs(a))}({percent(change)}) "
            f"{moved}{end('했다', '했고')}")
