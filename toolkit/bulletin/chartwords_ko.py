"""The Korean words of the charts (차트 제목, 설명, 대체 텍스트): the same names as
:mod:`toolkit.bulletin.chartwords`, written in Korean."""

from __future__ import annotations

from collections.abc import Sequence

from toolkit.bulletin.chartwords import ChartText
from toolkit.bulletin.text_ko import (
    NOT_RETURNED,
    NOT_RETURNED_SHORT,
    UNIT,
    and_list,
    axis_words,
    cell,
    num,
    people,
    qualified,
)
from toolkit.i18n import country_name, josa
from toolkit.i18n import label as i18n_label

LANG = "ko"
__all__ = ["LANG", "ChartText", "cell", "label", "num", "place_name", "qualified"]

QUALIFIERS = {"exact": "", "at_least": "최소 ", "about": "약 "}
MEASURES = {"detained": "구금", "repatriated": "송환"}
PEOPLE = "인원"
MEASURE = "구분"
PERIOD = "기간"
COUNTRY = "국가"
MODE = "송환 방식"
ALL_COUNTRIES = "전체 국가"
COUNTRY_OF_DETENTION = "구금 국가"
NOT_RETURNED_AXIS = "인원 [u]"
NOT_RETURNED_TOOLTIP = f"{NOT_RETURNED} [u]"


def place_name(code: str | None) -> str:
    return country_name(code, LANG)


def label(kind: str, value: object) -> str:
    return i18n_label(kind, value, LANG)


def kind_words(unit: str) -> str:
    return "분기별" if unit == "quarter" else "월별"


def period_field(unit: str) -> str:
    return UNIT[unit]


def end_field(unit: str) -> str:
    return "분기 말" if unit == "quarter" else "월말"


def period_text(code: str) -> str:
    """``2025-Q4`` -> ``2025년 4분기``."""
    return axis_words(code)


def and_words(parts: Sequence[str]) -> str:
    return and_list(parts)


def gaps(missing: Sequence[str]) -> str:
    if not missing:
        return ""
    return f" {', '.join(missing)}에는 막대가 없다. 수치가 없다는 뜻이며([x]) 0과는 다르다."


def gap_item(name: str, period: str) -> str:
    """One bar that is missing: ``2024년 4분기 구금``."""
    return f"{period} {name}"


def trend_words(unit: str, first: str, last: str, period_words: str, detained, repatriated,
                peak: tuple[str, object] | None, missing: Sequence[str],
                part: Sequence[str]) -> ChartText:
    u = UNIT[unit]
    alt = (f"{first}부터 {last}까지 {u}마다 구금·송환된 것으로 기록된 인원을 나타낸 묶은 "
           f"막대 차트. {period_words}에는 {josa(people(detained), '이/가')} 구금, "
           f"{josa(people(repatriated), '이/가')} 송환된 것으로 기록되었다.")
    if peak is not None:
        alt += (f" 구금 기록이 가장 많은 {josa(u, '은/는')} "
                f"{josa(f'{peak[0]}({people(peak[1])})', '이었다/였다')}.")
    alt += gaps(missing)
    if part:
        alt += f" {josa(', '.join(part), '은/는')} 일부 기간만 수집되었다."
    return ChartText(
        title=f"{u}별 구금·송환 기록 인원, {first}~{last}",
        subtitle=f"사건 날짜가 속한 {u} 기준, 기록상 인원(명)",
        caption=(f"출처: 구금·송환 데이터셋. 인원은 사건 날짜가 속한 {u}에 집계하며, 값과 "
                 f"기호는 공표된 {kind_words(unit)} 요약표(전체 국가, 전체 국적)와 같다."),
        alt=alt, axis="인원(명)",
        headers=[u, "구분", "인원", "한정어", "상태", "수집 범위"],
        table_headers=[u, "구금 인원", "송환 인원"])


def by_country_words(current: str, previous: str, top: tuple[str, object] | None,
                     missing: Sequence[str]) -> ChartText:
    alt = (f"{current}에 구금된 것으로 기록된 인원을 구금 국가별로 {josa(previous, '과/와')} "
           f"나란히 나타낸 가로 막대 차트.")
    if top is not None:
        alt += (f" 구금 인원이 가장 많은 국가는 {josa(top[0], '으로/로')}, "
                f"{josa(people(top[1]), '이다/다')}.")
    return ChartText(
        title=f"구금 국가별 구금 기록 인원, {current}",
        subtitle=f"{josa(previous, '과/와')} 비교",
        caption="출처: 구금 데이터셋. 구금이 이루어진 국가 기준.",
        alt=alt + gaps(missing), axis="구금 인원",
        headers=["코드", "국가", current, "한정어", "상태", previous, "한정어", "상태"],
        table_headers=["구금 국가", current, previous])


def by_mode_words(unit: str, current: str, previous: str, top: tuple[str, object] | None,
                  missing: Sequence[str]) -> ChartText:
    alt = (f"{current}에 송환된 것으로 기록된 인원을 송환 방식별로 {josa(previous, '과/와')} "
           f"나란히 나타낸 가로 막대 차트.")
    if top is not None:
        alt += (f" 가장 많은 인원이 송환된 방식은 {josa(top[0], '으로/로')}, "
                f"{josa(people(top[1]), '이다/다')}.")
    return ChartText(
        title=f"송환 방식별 송환 기록 인원, {current}",
        subtitle=f"{josa(previous, '과/와')} 비교",
        caption=f"출처: 송환 데이터셋. 두 {UNIT[unit]} 모두 송환이 없는 방식은 제외했다.",
        alt=alt + gaps(missing), axis="송환 인원",
        headers=["코드", "송환 방식", current, "한정어", "상태", previous, "한정어", "상태"],
        table_headers=["송환 방식", current, previous])


def not_returned_gap(name: str, span: str, flag: str) -> str:
    why = {"[z]": "아직 그곳에 기록된 구금이나 송환이 없음",
           "[x]": "기록이 그날을 포괄하지 않음"}[flag]
    return f"{josa(name, '은/는')} {span}에 막대가 없다({flag}: {why}). 0과는 다르다. "


def span_words(first: str, last: str) -> str:
    return first if first == last else f"{first}~{last}"


def not_returned_words(unit: str, period_words: str, total, negative: Sequence[str],
                       gap_texts: Sequence[str], names: Sequence[str]) -> ChartText:
    u = UNIT[unit]
    alt = (f"구금 국가별 {NOT_RETURNED}(신뢰도 낮음, [u])을 {period_words}까지 {u} 말마다 "
           f"나타낸 묶은 막대 차트. 이 수치는 {NOT_RETURNED_SHORT}. ")
    if total is not None and total.available:
        alt += f"{period_words} 말 전체 국가 수치는 {josa(people(total), '이다/다')}. "
    if negative:
        alt += (f"0보다 아래인 막대({and_list(negative)}, {period_words} 말)는 구금보다 "
                f"송환이 더 많이 기록되었다는 뜻으로, 기록에 빠진 구금이 있다. ")
    alt += "".join(gap_texts)
    field_ = end_field(unit)
    return ChartText(
        title=f"{field_} 기준 {NOT_RETURNED} [u]",
        subtitle=NOT_RETURNED_SHORT,
        caption=(f"출처: 구금·송환 데이터셋(공표된 {kind_words(unit)} 요약표와 같음). 억류 중인 "
                 f"인원 수가 아니다. 기록에는 송환 외의 석방이 없고, 기록이 시작되기 전에 "
                 f"구금된 사람도 없다. 0보다 아래: 구금보다 송환이 더 많이 기록됨. 막대 없음: "
                 f"수치 없음([z] 아직 기록 없음, [x] 자료 없음)."),
        alt=alt.strip(), axis=NOT_RETURNED_AXIS,
        headers=[field_, field_, "코드", "국가", f"{NOT_RETURNED} [u]", "한정어", "상태"],
        table_headers=[field_, *names, ALL_COUNTRIES])
