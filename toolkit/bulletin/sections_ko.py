"""The Korean edition's sections (한국어판): sentences and tables from the same figures.

Each function returns one generated fragment of ``reports/bulletin.ko.qmd`` (its
``{{< include _build/ko/<name>.md >}}``), as :mod:`toolkit.bulletin.sections` does for the
English edition: the same figures, the same tables in the same order, the same rules (a figure
with its qualifier, ``[x]`` never 0, no change across coverage, no percentage on a small base,
the derived measure with ``[u]`` and its definition, never 억류 중인 인원). The sentences are
written in Korean, not translated: a change follows the figure as Korean reports put it
(``직전 분기인 2025년 7~9월(약 3,108명)보다 212명(6.8%) 감소했고``), counts take their
counters (명, 건, 개 집단), particles agree with the words before them (:func:`josa`), and
numbers are always figures. Words that are not sentences (labels, names, headers) come from
:mod:`toolkit.i18n`. Data text (places, record ids, authorities, publishers) is escaped, and
stays as the sources wrote it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from toolkit.bulletin.charts import Chart, symbols
from toolkit.bulletin.figures import (
    MIN_BASE,
    MOST,
    TOTAL,
    Collection,
    Count,
    Figures,
    Headline,
    Row,
    combine,
)
from toolkit.bulletin.markdown import chart_block
from toolkit.bulletin.text import Md, bullet_list, escape, md, para, pipe_table
from toolkit.bulletin.text_ko import (
    NOT_RETURNED,
    NOT_RETURNED_DEFINITION,
    NOT_RETURNED_SHORT,
    PREVIOUS,
    UNIT,
    YEAR_EARLIER,
    and_list,
    axis_words,
    cell,
    change_clause,
    date_words,
    figure_span,
    figure_text,
    num,
    people,
    persons,
    records,
    share,
    short_words,
    signed_change,
    status_words,
    words,
)
from toolkit.config import SCAM_LINKS, Config
from toolkit.i18n import N_, SEVERAL, country_name, josa, label, nationality_name, translator

LANG = "ko"


def _t():
    return translator(LANG)

#: What each headline counts, by dataset.
HEADLINE_DATASET = {"detained": "detentions", "repatriated": "repatriations",
                    "arrested_on_arrival": "repatriations", "deaths": "fatalities"}
#: The shipped configuration's English texts the catalogue translates (a text configured
#: otherwise is shown as configured).
CONFIGURED = (
    N_("Online-scam compounds statistics"),
    N_("Creative Commons Attribution 4.0 International"),
    N_("Head of Statistics, ScamStats open data team"),
    N_("ScamStats open data team"),
)


def configured(text: str) -> str:
    """A configured English text in Korean, where the catalogue has it; else as it is."""
    return _t().gettext(text) if text else text


# ----------------------------------------------------------------------------- words


def header(key: str) -> str:
    """A table header from the catalogue (``header("nationality")`` -> ``국적``)."""
    return label("header", key, LANG)


def place(code: str | None) -> str:
    return country_name(code, LANG)


def nationals(code: str) -> str:
    """``대한민국 국적자``; ``여러 국적 또는 미상 국적의 사람``."""
    if code in (SEVERAL, TOTAL):
        return "여러 국적 또는 미상 국적의 사람"
    return f"{place(code)} 국적자"


def nationals_list(codes: Sequence[str]) -> str:
    """``대한민국 국적자``; ``대한민국 및 일본 국적자``."""
    named = [c for c in codes if c not in (SEVERAL, TOTAL)]
    if named and len(named) == len(codes):
        return f"{and_list([place(c) for c in named])} 국적자"
    return and_list([nationals(c) for c in codes])


def group_name(country: str, nationality: str) -> str:
    """``캄보디아, 대한민국 국적``; ``미얀마, 여러 국적 또는 미상``."""
    if nationality == SEVERAL:
        return f"{place(country)}, {nationality_name(SEVERAL, LANG)}"
    return f"{place(country)}, {place(nationality)} 국적"


def unit(fig: Figures) -> str:
    """``분기`` or ``월``."""
    return UNIT[fig.unit]


def kind_words(fig: Figures) -> str:
    return "분기별" if fig.unit == "quarter" else "월별"


def this_period(fig: Figures) -> str:
    """``이 분기``, ``이달``."""
    return "이 분기" if fig.unit == "quarter" else "이달"


def previous_words(fig: Figures) -> str:
    """``직전 분기인 2025년 7~9월``."""
    return f"{PREVIOUS[fig.unit]}인 {words(fig.previous)}"


def year_words(fig: Figures) -> str:
    """``전년 동기인 2024년 10~12월``."""
    return f"{YEAR_EARLIER[fig.unit]}인 {words(fig.year_earlier)}"


def dataset_noun(dataset: str) -> str:
    return label("dataset", dataset, LANG)


def collected_words(c: Collection, whose: bool = True) -> str:
    """``사망은 2025년 8월 1일부터 2026년 1월 31일까지 대한민국 국적자만 수집한다``."""
    noun = josa(dataset_noun(c.dataset), "은/는")
    whom = f" {nationals_list(c.nationalities)}만" if c.nationalities and whose else ""
    if c.first and c.last:
        return f"{noun} {date_words(c.first)}부터 {date_words(c.last)}까지{whom} 수집한다"
    return f"{noun} 수집하지 않는다"


def headline_label(fig: Figures, h: Headline) -> str:
    name = label("measure", h.key, LANG)
    if h.key == "deaths":
        c = fig.collections["fatalities"]
        if c.nationalities:
            return f"{name}({nationals_list(c.nationalities)})"
    return name


def _why(fig: Figures, key: str, counts: Sequence[Count]) -> str:
    """Why a change cannot be given ("" when it can)."""
    collection = fig.collections[HEADLINE_DATASET[key]]
    if any(c.coverage != "all" for c in counts):
        return collected_words(collection, whose=False)
    if key == "arrested_on_arrival" and any(not c.available for c in counts):
        return "그 기간의 기록 중 입국 시 체포 여부를 밝힌 기록이 없다"
    return ""


def changes(fig: Figures, h: Headline) -> str:
    """The changes on the previous period and on a year earlier: one Korean sentence."""
    prev, year = previous_words(fig), year_words(fig)
    a, b = h.change_previous, h.change_year
    blocked = ("coverage", "unavailable")
    nothing = "기록된 사망자가" if h.key == "deaths" else "기록된 인원이"
    if a.kind == b.kind == "small_base" and h.previous.value == h.year_earlier.value == 0:
        return (f"{josa(words(fig.previous), '과/와')} {words(fig.year_earlier)}에는 "
                f"{nothing} 없었다.")
    if a.kind in blocked and b.kind in blocked:
        why = _why(fig, h.key, (h.current, h.previous, h.year_earlier))
        return (f"{words(fig.previous)} 및 {josa(words(fig.year_earlier), '과/와')}는 비교하지 "
                f"않는다" + (f"({why})" if why else "") + ".")
    first = change_clause(a, prev, _why(fig, h.key, (h.current, h.previous)), final=False,
                          nothing=nothing)
    second = change_clause(b, year, _why(fig, h.key, (h.current, h.year_earlier)),
                           nothing=nothing)
    return f"{first}, {second}."


def _share_of(part: int, whole: Count) -> float:
    return part / whole.value if whole.value else 0.0


def _precision(rec: dict[str, Any]) -> str:
    """``(날짜는 주 단위까지만 알려짐)``, or nothing for a day."""
    if rec["date_precision"] == "day":
        return ""
    return f"(날짜는 {label('date_precision', rec['date_precision'], LANG)} 단위까지만 알려짐)"


def _record_words(rec: dict[str, Any], verb: str) -> str:
    """``2025년 10월 16일 미얀마 KK Park, Myawaddy에서 최소 2,198명이 구금된 기록이다``."""
    count = people(Count(rec["persons"], rec.get("persons_qualifier") or "exact"))
    where = place(rec["country"])
    if rec.get("location"):
        where = f"{where} {rec['location']}"
    who = "" if rec["nationality"] == SEVERAL else f"{nationals(rec['nationality'])} "
    when = date_words(rec["event_date"])
    if verb == "repatriated":
        how = f" {josa(label('mode', rec['mode'], LANG), '으로/로')}" \
            if rec.get("mode") not in (None, "unknown") else ""
        return (f"{when}{_precision(rec)} {who}{josa(count, '이/가')} {where}에서{how} 송환된 "
                f"기록이다")
    return f"{when}{_precision(rec)} {where}에서 {who}{josa(count, '이/가')} 구금된 기록이다"


# ----------------------------------------------------------------------------- main points


def _part(fig: Figures, count: Count) -> str:
    return f" {this_period(fig)}은 일부 기간만 수집되었다." if count.coverage == "part" else ""


def _flow_point(fig: Figures, key: str, verb: str, where: str) -> Md:
    """``2025년 10~12월 …에서 구금된 것으로 기록된 인원은 최소 2,896명이다. 직전 분기…``."""
    h = fig.headlines[key]
    p = words(fig.period)
    done = {"detained": "구금된", "repatriated": "송환된"}[verb]
    noun = {"detained": "구금", "repatriated": "송환"}[verb]
    if not h.current.available:
        why = _why(fig, key, (h.current,))
        return md(f"{p}의 {noun} 인원 수치는 없다(", figure_text(h.current, key), ")."
                  + (f" {why}." if why else ""))
    if h.current.value == 0:
        return md(f"{p}에는 {done} 것으로 기록된 인원이 없다(", figure_text(h.current, key),
                  f").{_part(fig, h.current)} {changes(fig, h)}")
    return md(f"{p} {where}{done} 것으로 기록된 인원은 ", figure_text(h.current, key),
              f"이다.{_part(fig, h.current)} {changes(fig, h)}")


def _most_sentence(fig: Figures, key: str, verb: str) -> str:
    """``이 중 76%가 기록 1건에서 나왔다. …``, when one record is over half the figure."""
    rec = fig.largest.get(key)
    h = fig.headlines[key]
    if rec is None or not h.current.value or h.records < 2:
        return ""
    if _share_of(rec["persons"], h.current) <= MOST:
        return ""
    return (f"이 중 {share(rec['persons'], h.current.value)}가 기록 1건에서 나왔다. "
            f"{_record_words(rec, verb)}.")


def _arrested_sentence(fig: Figures, marked: bool = True) -> Md | None:
    """Arrests on arrival of the people repatriated, as the records allow."""
    arr = fig.arrested
    h = fig.headlines["arrested_on_arrival"]
    rep = fig.headlines["repatriated"].current
    if not rep.value:
        return None
    silent, told, arrested = (arr["persons_not_reported"], arr["persons_reported"],
                              arr["arrested"])
    if not h.current.available:
        return md(f"{this_period(fig)}의 기록 중 송환된 사람의 입국 시 체포 여부를 밝힌 기록이 "
                  f"없어 수치를 제시하지 않는다(",
                  figure_text(h.current, "arrested_on_arrival") if marked else cell(h.current),
                  ").")
    number = figure_span(num(arrested), "arrested_on_arrival", h.current.qualifier) \
        if marked else Md(escape(persons(arrested)))
    if not silent:
        if arrested == told:
            return md("송환된 인원 중 ", number, "이 모두 입국 시 체포된 것으로 기록되었다.")
        return md("송환된 인원 중 ", number, "이 입국 시 체포된 것으로 기록되었다.")
    told_records = arr["records_reported"]
    in_records = f"체포 여부를 밝힌 기록 {records(told_records)}의 {persons(told)}"
    rest = (f"나머지 {persons(silent)}(기록 {records(arr['records_not_reported'])})은 출처에 "
            f"체포 여부가 나오지 않는다")
    if arrested == 0:
        return md(f"{in_records} 중 입국 시 체포된 사람은 없었고, {rest}.")
    if arrested == told:
        told_words = f"{in_records}이 모두 체포되었고"
    else:
        told_words = f"{in_records} 중 {persons(arrested)}이 체포되었고"
    return md("송환된 인원 중 최소 ", number, f"이 입국 시 체포된 것으로 기록되었다. "
              f"{told_words}, {rest}.")


def _deaths_point(fig: Figures) -> Md:
    f = fig.headlines["deaths"]
    p = words(fig.period)
    c = fig.collections["fatalities"]
    whose = f", {nationals_list(c.nationalities)}만 해당" if c.nationalities else ""
    if not f.current.available:
        return md(f"{p}의 사망자 수치는 없다(", figure_text(f.current, "deaths"),
                  f"). {collected_words(c)}.")
    text = [f"{p} 스캠 조직과 관련된 것으로 집계된 사망자는 ", figure_text(f.current, "deaths"),
            f"이다(스캠 연관성이 {status_words(fig.scope)}인 사망{whose}).",
            _part(fig, f.current), f" {changes(fig, f)}"]
    excluded = sum(x["persons"] for x in fig.fatalities_excluded)
    if excluded:
        statuses = sorted({x["scam_link"] for x in fig.fatalities_excluded})
        because = ("스캠 조직과의 연관성이 알려지지 않아" if statuses == ["none_known"]
                   else f"집계 기준에 따라(연관성: {status_words(statuses)})")
        text.append(f" {this_period(fig)}에 기록된 사망 {persons(excluded)}은 {because} "
                    f"집계하지 않았다.")
    return md(*text)


def _derived_point(fig: Figures) -> Md | None:
    with_figure = fig.groups_with_figure
    if not with_figure:
        return None
    bad = fig.negative_groups
    end = date_words(fig.period.end)
    lead = f"{NOT_RETURNED} [u]: {NOT_RETURNED_SHORT}."
    groups = f"{num(len(with_figure))}개 집단"
    if not bad:
        return md(f"{lead} {end} 기준 구금 국가·국적별 {groups} 가운데 이 수치가 음수인 "
                  f"집단은 없다.")
    return md(f"{lead} {end} 기준 구금 국가·국적별 {groups} 가운데 {num(len(bad))}개 "
              f"집단에서 이 수치가 음수였다. 이들 집단은 구금보다 송환이 더 많이 기록되어, "
              f"기록에 빠진 구금이 있다는 뜻이다.")


def _reported_words(r: dict[str, Any]) -> str:
    """``2025년 10월 14일 억류 61명``; ``2025년 6월 27일~10월 14일 체포 약 3,455명``."""
    qual = {"at_least": "최소 ", "about": "약 ", "at_most": "최대 ",
            "estimate": "추정 "}.get(r["reported_qualifier"], "")
    value = f"{qual}{persons(r['reported'])}"
    what = label("indicator", r["indicator"], LANG)
    if r["indicator"] == "held_on_date":
        return f"{date_words(r['date'])} {what} {value}"
    if not r.get("period_start"):
        return f"{date_words(r['date'])}까지 {what} {value}"
    return f"{date_words(r['period_start'])}~{date_words(r['date'])} {what} {value}"


def _recorded_words(r: dict[str, Any]) -> str:
    if r["recorded"] is None:
        return "[x]"
    count = people(Count(r["recorded"], r["recorded_qualifier"] or "exact"))
    if r["recorded_measure"] == "not_returned":
        return f"{NOT_RETURNED} {count} [u]"
    noun = {"detained": "구금", "repatriated": "송환"}.get(r["recorded_measure"],
                                                        r["recorded_measure"])
    return f"{noun} 기록 {count}"


def _reported_point(fig: Figures) -> Md | None:
    held = [r for r in fig.comparisons if r["indicator"] == "held_on_date"
            and r["recorded"] is not None]
    if not held:
        return None
    latest: dict[tuple[str, str], dict] = {}
    for r in sorted(held, key=lambda r: (r["date"], r["record_id"])):
        latest[(r["country"], r["nationality"])] = r
    parts = []
    for r in latest.values():
        diff = r["difference"] or 0
        compare = "같다" if diff == 0 else \
            f"{persons(abs(diff))} {'많다' if diff > 0 else '적다'}"
        parts.append(
            f"{r.get('authority') or '한 당국'}의 발표에 따르면 {date_words(r['date'])} "
            f"{place(r['country'])}에 억류된 {nationals(r['nationality'])}는 "
            f"{persons(r['reported'])}이다. 같은 집단, 같은 날의 기록에서 "
            f"{NOT_RETURNED}([u])은 {qualified_people(r)}으로 {compare}.")
    return md("당국이 직접 발표한 수치를 기록과 나란히 제시한다. " + " ".join(parts)
              + " 두 수치는 같은 것을 측정하지 않는다. 기록에서 도출한 수치는 억류 중인 인원 "
                "수가 아니다.")


def qualified_people(r: dict[str, Any]) -> str:
    return people(Count(r["recorded"], r["recorded_qualifier"] or "exact"))


def main_points(fig: Figures) -> Md:
    items = [_flow_point(fig, "detained", "detained",
                         "온라인 스캠 단지 단속과 관련 출입국 단속에서 ")]
    most = _most_sentence(fig, "detained", "detained")
    if most:
        items.append(md(most))
    repat = _flow_point(fig, "repatriated", "repatriated", "국적국으로 ")
    most = _most_sentence(fig, "repatriated", "repatriated")
    items.append(Md(repat + (" " + md(most) if most else "")))
    arrested = _arrested_sentence(fig)
    if arrested is not None:
        items.append(arrested)
    items.append(_deaths_point(fig))
    for point in (_derived_point(fig), _reported_point(fig)):
        if point is not None:
            items.append(point)
    revised = [(h, which, period) for h in fig.headlines.values()
               for which, period in (("previous", fig.previous),
                                     ("year_earlier", fig.year_earlier))
               if getattr(h, which).has("[r]")]
    if revised:
        by_period: dict[str, list[str]] = {}
        for h, which, period in revised:
            by_period.setdefault(words(period), []).append(
                f"{headline_label(fig, h)} 현재 {people(getattr(h, which))}")
        said = "; ".join(f"{p}: {', '.join(parts)}" for p, parts in by_period.items())
        items.append(md(f"비교에 쓴 수치 일부가 직전 공표 이후 수정되었다 [r]({said}). 위의 "
                        f"증감은 수정된 수치로 계산했다."))
    provisional = [words(p) for p in (fig.period, fig.previous)
                   if p.label in fig.provisional_periods]
    if provisional:
        items.append(md(f"{and_list(provisional)} 수치는 잠정치이며([p]), 이후 보도가 "
                        f"추가되면 수정될 수 있다."))
    return bullet_list(items)


# ----------------------------------------------------------------------------- headline table


def headline_table(fig: Figures) -> Md:
    rows = []
    for h in fig.headlines.values():
        rows.append([headline_label(fig, h), cell(h.current), cell(h.previous),
                     cell(h.year_earlier), signed_change(h.change_previous),
                     signed_change(h.change_year)])
    headers = [header("measure"), short_words(fig.period), short_words(fig.previous),
               short_words(fig.year_earlier), f"{PREVIOUS[fig.unit]} 대비 증감",
               f"{YEAR_EARLIER[fig.unit]} 대비 증감"]
    out = [pipe_table(headers, rows, "lrrrrr",
                      f"주요 수치: {words(fig.period)}, {PREVIOUS[fig.unit]} 및 "
                      f"{josa(YEAR_EARLIER[fig.unit], '과/와')} 비교(단위: 명)",
                      label="tbl-headline")]
    out.append(para("표 주석:"))
    out.append(bullet_list(md(n) for n in headline_notes(fig)))
    return Md("\n".join(out))


def headline_notes(fig: Figures) -> list[str]:
    """What the reader must know to read the headline table, from its own cells."""
    notes = []
    periods = ((fig.period, "current"), (fig.previous, "previous"),
               (fig.year_earlier, "year_earlier"))
    for h in fig.headlines.values():
        counts = [(p, getattr(h, which)) for p, which in periods]
        if any(c.coverage != "all" for _, c in counts):
            c = fig.collections[HEADLINE_DATASET[h.key]]
            none = [words(p) for p, x in counts if x.coverage == "none"]
            part = [words(p) for p, x in counts if x.coverage == "part"]
            text = f"{headline_label(fig, h)}: {collected_words(c)}."
            if none:
                text += f" {josa(and_list(none), '은/는')} 수집하지 않았다([x])."
            if part:
                text += (f" {josa(and_list(part), '은/는')} 일부 기간만 수집되어 그 기간과의 "
                         f"증감은 제시하지 않는다.")
            notes.append(text)
    h = fig.headlines["arrested_on_arrival"]
    cells = (h.current, h.previous, h.year_earlier)
    said = []
    if any(not c.available and c.coverage == "all" for c in cells):
        said.append("[x]는 그 기간의 기록 중 송환된 사람의 체포 여부를 밝힌 기록이 없는 경우")
    if any(c.available and c.qualifier == "at_least" for c in cells):
        said.append("'최소'는 그 기간의 일부 기록이 체포 여부를 밝히지 않은 경우")
    if said:
        notes.append(f"{headline_label(fig, h)}: {', '.join(said)}다.")
    for h in fig.headlines.values():
        if h.imprecise and h.current.available:
            notes.append(
                f"{headline_label(fig, h)}: 이 중 {persons(h.imprecise)}은 날짜가 주 또는 월 "
                f"단위로만 알려진 기록에 속하며, 그 기간은 {date_words(fig.period.start)} "
                f"이전에 시작될 수 있다. 기록은 사건 날짜가 속한 {unit(fig)}에 집계한다.")
    quals = {c.qualifier for h in fig.headlines.values()
             for c in (h.current, h.previous, h.year_earlier) if c.available}
    if quals & {"at_least", "about"}:
        notes.append("최소: 수치에 하한값인 기록(출처의 '~명 이상')이 포함됨. 약: 어림값인 "
                     "기록이 포함됨.")
    used = [f"{s} {w}" for s, w in symbols(LANG).items()
            if any(s in cell(c) for h in fig.headlines.values()
                   for c in (h.current, h.previous, h.year_earlier))]
    notes.append(f"기준값이 {MIN_BASE}명 미만이거나 두 기간이 모두 온전히 수집되지 않은 경우 "
                 f"증감률은 제시하지 않는다. 기호: " + "; ".join(used) + ".")
    return notes


def chart_fragment(chart: Chart) -> Md:
    block = chart_block(chart.id, chart.spec, chart.svg, chart.alt, chart.title + ". "
                        + chart.caption, pdf_width=chart.pdf_width)
    used = chart.symbols_used
    out = [Md(block), ""]
    if used:
        meaning = symbols(LANG)
        out.append(para("기호: " + "; ".join(f"{s} {meaning[s]}" for s in used) + "."))
    out.append(pipe_table(chart.table_headers, chart.table_rows, chart.table_align,
                          f"차트 자료: {chart.title}"))
    name = chart.csv_name.rsplit("/", 1)[-1]
    out.append(Md(f"이 차트의 자료 내려받기: [{escape(name)}]({chart.csv_name}) (CSV).\n"))
    return Md("\n".join(out) + "\n")


def _breakdown_table(rows: Sequence[Row], total: Row, name, column: str, fig: Figures,
                     caption: str, keep_zero: bool = False) -> Md:
    body = [[name(r.key), cell(r.current), cell(r.previous)] for r in rows
            if keep_zero or r.current.value or r.previous.value]
    body.append([header("total"), cell(total.current), cell(total.previous)])
    return pipe_table([column, words(fig.period), words(fig.previous)], body, "lrr", caption)


# ----------------------------------------------------------------------------- sections


def detentions_section(fig: Figures, charts: dict[str, Chart]) -> Md:
    d = fig.headlines["detained"]
    p = words(fig.period)
    if d.current.value:
        out = [para(f"{p}에는 기록 {records(d.records)}에서 {josa(people(d.current), '이/가')} "
                    f"구금된 것으로 기록되었다.")]
    else:
        out = [para(f"{p}에는 구금 기록이 없다({cell(d.current)}).")]
    top = [r for r in fig.detentions_by_country if r.current.value][:3]
    if top:
        parts = [f"{place(r.key)}({people(r.current)})" for r in top]
        out.append(para(f"구금 국가별로는 {and_list(parts)} 순으로 구금 인원이 많았다."))
    unspecified = next((r.current for r in fig.detentions_by_nationality if r.key == SEVERAL),
                       None)
    if unspecified is not None and unspecified.value and d.current.value:
        out.append(para(
            f"이 중 {people(unspecified)}({share(unspecified.value, d.current.value)})은 "
            f"국적이 따로 보고되지 않았다. 출처가 여러 국적으로 이루어진 집단을 하나의 수치로 "
            f"보도했기 때문이다."))
    if "detentions-by-country" in charts:
        out.append(chart_fragment(charts["detentions-by-country"]))
    out.append(_breakdown_table(fig.detentions_by_nationality, fig.detentions_total,
                                lambda key: nationality_name(key, LANG), header("nationality"),
                                fig, f"국적별 구금 인원, {p} 및 {words(fig.previous)}"))
    out.append(_breakdown_table(fig.detentions_by_reason, fig.detentions_total,
                                lambda key: label("reason", key, LANG), header("reason"), fig,
                                f"구금 사유별 구금 인원, {p} 및 {words(fig.previous)}",
                                keep_zero=True))
    return Md("\n".join(out))


def repatriations_section(fig: Figures, charts: dict[str, Chart]) -> Md:
    r = fig.headlines["repatriated"]
    p = words(fig.period)
    if r.current.value:
        out = [para(f"{p}에는 기록 {records(r.records)}에서 {josa(people(r.current), '이/가')} "
                    f"송환된 것으로 기록되었다.")]
    else:
        out = [para(f"{p}에는 송환 기록이 없다({cell(r.current)}).")]
    top = [x for x in fig.repatriations_by_nationality if x.current.value][:3]
    if top:
        parts = [f"{place(x.key)}({people(x.current)})" for x in top]
        out.append(para(f"국적별로는 {and_list(parts)} 순으로 송환 인원이 많았다."))
    arrested = _arrested_sentence(fig, marked=False)
    if arrested is not None:
        out.append(para(arrested))
    if "repatriations-by-mode" in charts:
        out.append(chart_fragment(charts["repatriations-by-mode"]))
    out.append(_breakdown_table(fig.repatriations_by_nationality, fig.repatriations_total,
                                lambda key: nationality_name(key, LANG), header("nationality"),
                                fig, f"국적별 송환 인원, {p} 및 {words(fig.previous)}"))
    return Md("\n".join(out))


def comparisons_table(fig: Figures) -> Md:
    """The authorities' own figures of the period beside the records' (reported_vs_recorded)."""
    if not fig.comparisons:
        return para(f"{words(fig.period)}에 대해 기록과 비교할 수 있는 당국 발표 수치가 없다.")
    rows = []
    for r in fig.comparisons:
        diff = r["difference"]
        if r["finding"] == "agree":
            finding = "같음"
        elif r["finding"] == "not_covered":
            finding = ("비교 불가: 수치가 가리키는 기간이 제시되지 않음"
                       if r["indicator"] != "held_on_date" and not r.get("period_start")
                       else "비교 불가: 기록이 해당 기간을 포괄하지 않음")
        else:
            finding = f"기록이 {persons(abs(diff or 0))} {'많음' if (diff or 0) > 0 else '적음'}"
        who = r.get("authority") or "밝히지 않음"
        rows.append([f"{who} ({r['record_id']})",
                     group_name(r["country"], r["nationality"]) if r["country"] != SEVERAL
                     else f"여러 국가, {nationals(r['nationality'])}",
                     _reported_words(r), _recorded_words(r), finding])
    return pipe_table([header(h) for h in ("authority", "country_and_nationality", "reported",
                                            "recorded", "finding")], rows,
                      "lllll", f"{words(fig.period)} 당국 발표 수치와 같은 국가·국적·기간의 "
                               f"기록 수치 비교")


def not_returned_section(fig: Figures, charts: dict[str, Chart]) -> Md:
    end = date_words(fig.period.end)
    with_figure, bad = fig.groups_with_figure, fig.negative_groups
    n = len(with_figure)
    text = f"{end} 기준 기록에서 수치를 낼 수 있는 구금 국가·국적별 집단은 {num(n)}개다. "
    if bad:
        text += (f"이 중 {num(len(bad))}개 집단은 수치가 음수다. 그때까지 구금보다 송환이 더 "
                 f"많이 기록되어, 해당 집단의 구금 기록이 빠져 있음을 보여 준다.")
    else:
        text += "음수인 집단은 없다."
    out = [para(text)]
    key = f"not-returned-by-{fig.unit}"
    if key in charts:
        out.append(chart_fragment(charts[key]))
    rows = []
    ordered = sorted(fig.groups, key=lambda g: (place(g.country),
                                                -(g.not_returned.value or 0), g.nationality))
    for g in ordered:
        rows.append([place(g.country), nationality_name(g.nationality, LANG),
                     cell(g.detained_to_date), cell(g.repatriated_to_date),
                     cell(g.not_returned)])
    if fig.groups:
        status = fig.groups[0].detained_to_date.status
        det = Count(*combine([g.detained_to_date for g in fig.groups]), status)
        rep = Count(*combine([g.repatriated_to_date for g in fig.groups]), status)
        rows.append([country_name(TOTAL, LANG), nationality_name(TOTAL, LANG), cell(det),
                     cell(rep), cell(fig.not_returned_total)])
    out.append(pipe_table(
        [header("country_of_detention"), header("nationality"), header("detained_to_date"),
         header("repatriated_to_date"), f"{end} 기준 {NOT_RETURNED} [u]"],
        rows, "llrrr",
        f"구금 국가·국적별 {NOT_RETURNED} [u], {end} 기준: {NOT_RETURNED_SHORT}",
        label="tbl-not-returned"))
    out.append(para(Md("**"), "당국 발표 수치.", Md("**"),
                    " 일부 당국은 특정일에 억류 중인 인원이나 일정 기간 체포하거나 추방한 인원을 "
                    f"발표한다. {words(fig.period)}의 이런 수치를 같은 국가·국적·기간의 기록 "
                    "수치와 나란히 아래에 제시한다(공표 표 reported_vs_recorded). 두 수치가 "
                    "정확히 같은 것을 측정하지는 않는다. 기록에서 도출한 수치는 "
                    f"{NOT_RETURNED_SHORT}."))
    out.append(comparisons_table(fig))
    latest = fig.latest_findings
    if latest:
        out.append(para(Md("**"), "정합성 점검 결과.", Md("**"),
                        " 아래 날짜에는 한 집단의 기록에서 송환 인원이 구금 인원보다 많았다. "
                        "날짜가 정확하지 않은 구금을 그 날짜가 나타낼 수 있는 첫날부터 셈해도 "
                        "마찬가지다(공표 표 reconciliation_findings). 집단마다 가장 늦은 날짜를 "
                        "제시한다:"))
        items = []
        for fnd, now in latest:
            country, nationality = fnd.country, fnd.nationality
            detained = ("구금 기록은 없었다" if fnd.detained_to_date == 0
                        else f"구금 기록은 {persons(fnd.detained_to_date)}이었다")
            ids = ", ".join(fnd.record_ids)
            later = (f" {end} 기준 수치: {cell(now)}."
                     if now is not None and now.available else "")
            items.append(md(
                f"{group_name(country, nationality)}: {date_words(fnd.date)}까지 "
                f"{place(country)}에서 {josa(persons(fnd.repatriated_to_date), '이/가')} "
                f"송환된 것으로 기록되었으나 {detained}(기록 {ids}).{later}"))
        out.append(bullet_list(items))
    return Md("\n".join(out))


def fatalities_section(fig: Figures) -> Md:
    f = fig.headlines["deaths"]
    c = fig.collections["fatalities"]
    p = words(fig.period)
    out = [para(f"수집 범위: {collected_words(c)}.")]
    if f.current.available:
        out.append(para(f"집계 기준에 따라 {p}에 집계된 사망자는 "
                        f"{josa(people(f.current), '이다/다')}."))
    else:
        out.append(para(f"{p}에는 사망을 수집하지 않았다({cell(f.current)})."))
    all_now = Count(*combine([r.current for r in fig.fatalities_by_status]),
                    f.current.status)
    if f.current.available and all_now.value != f.current.value:
        whose = f"({nationals_list(c.nationalities)}, 전체 국가)" if c.nationalities else ""
        out.append(para(
            f"연관성 상태와 관계없이 {this_period(fig)}에 기록된 사망자는 모두 "
            f"{josa(people(all_now), '이다/다')}. 이는 공표된 {kind_words(fig)} 요약표의 died "
            f"열 값{whose}이며, 이 열에는 집계 기준이 적용되지 않는다."))
    yes, no = header("yes"), header("no")
    rows = [[label("scam_link", r.key, LANG), cell(r.current), cell(r.previous),
             yes if r.key in fig.scope else no] for r in fig.fatalities_by_status]
    all_prev = Count(*combine([r.previous for r in fig.fatalities_by_status]),
                     fig.headlines["deaths"].previous.status)
    if not fig.headlines["deaths"].previous.available:
        all_prev = fig.headlines["deaths"].previous
    if not f.current.available:
        all_now = f.current
    rows.append([header("all_deaths"), cell(all_now), cell(all_prev), ""])
    out.append(pipe_table([header("scam_link"), p, words(fig.previous), header("counted")], rows,
                          "lrrl", f"스캠 연관성별 기록된 사망자, {p} 및 {words(fig.previous)}"))
    rows = [[label("cause", r.key, LANG), cell(r.current), cell(r.previous)]
            for r in fig.fatalities_by_cause]
    rows.append([header("total_counted"), cell(f.current), cell(fig.headlines["deaths"].previous)])
    out.append(pipe_table([header("cause"), p, words(fig.previous)], rows, "lrr",
                          f"원인별 집계 대상 사망자, {p} 및 {words(fig.previous)}"))
    if fig.fatalities_excluded:
        items = [md(f"{x['record_id']}: {date_words(x['event_date'])} {place(x['country'])}에서 "
                    f"사망 {persons(x['persons'])}. 스캠 연관성: "
                    f"{label('scam_link', x['scam_link'], LANG)}. 보도된 사망 원인: "
                    f"{label('cause', x['cause'], LANG)}.")
                 for x in fig.fatalities_excluded]
        out.append(para(f"{this_period(fig)}에 기록되었으나 집계 기준에 따라 제외된 사망:"))
        out.append(bullet_list(items))
    elif f.current.available:
        out.append(para(f"{this_period(fig)}에 기록된 사망 중 집계 기준으로 제외된 사망은 없다."))
    return Md("\n".join(out))


def _value(v: int | None) -> str:
    return "공표되지 않음" if v is None else num(v)


def revisions_section(fig: Figures, limit: int = 15) -> Md:
    if fig.revisions is None:
        return para("비교할 직전 공표가 없어 이번 통계에는 수정 사항을 싣지 않는다.")
    if not fig.revisions:
        return para("직전 공표에서 발표한 수치 중 이번 공표에서 수정된 것은 없다.")
    n = len(fig.revisions)
    tables = sorted({r.table for r in fig.revisions})
    out = [para(f"직전 공표 이후 공표 수치 {num(n)}개가 수정되었다(표 {', '.join(tables)}). "
                f"수정된 칸은 공표 표와 이 통계에 [r]로 표시하며, 공표본의 revisions 표에 모두 "
                f"싣는다.")]
    shown = sorted(fig.revisions, key=lambda r: (not r.table.endswith("_summary"), r.table,
                                                 r.period, r.country, r.nationality, r.measure))
    rows = [[r.table, axis_words(r.period), country_name(r.country, LANG),
             nationality_name(r.nationality, LANG) if r.nationality else "",
             label("measure", r.measure, LANG), _value(r.old), _value(r.new)]
            for r in shown[:limit]]
    caption = "직전 공표 이후 수정된 수치"
    if n > limit:
        caption += f"(전체 {num(n)}개 중 처음 {num(limit)}개)"
    out.append(pipe_table([header(h) for h in ("table", "period", "country", "nationality",
                                               "measure", "previous_release", "this_release")],
                          rows, "lllllrr", caption))
    return Md("\n".join(out))


def sources_section(fig: Figures) -> Md:
    n = fig.records_in_period
    p = words(fig.period)
    cited = sum(r["sources"] for r in fig.reliability_mix)
    out = [para(f"{p}의 기록 {records(n)}은 출처 {num(cited)}개를 인용한다. 각 출처에는 "
                f"5등급(당국의 공식 발표나 기록을 직접 확인)부터 1등급(취합 사이트 또는 출처 "
                f"불명 보도)까지 신뢰도 등급을 매긴다.")]
    rows = [[str(r["reliability"]), label("reliability", r["reliability"], LANG),
             num(r["sources"]), num(r["records"])] for r in fig.reliability_mix]
    out.append(pipe_table([header(h) for h in ("grade", "reliability", "sources", "records")],
                          rows, "rlrr",
                          f"{p} 기록이 인용한 출처, 신뢰도 등급별"))
    if fig.precision_mix:
        parts = [f"{records(r['records'])}은 {label('date_precision', r['key'], LANG)} 단위"
                 for r in fig.precision_mix]
        text = (f"날짜: 기록 {records(n)} 중 " + ", ".join(parts)
                + f"로 날짜가 기록되었다. 주나 월 단위로 날짜가 기록된 기록은 사건 날짜까지의 "
                  f"기간을 나타내며, 그 날짜가 속한 {unit(fig)}에 집계한다.")
        imprecise = [h for h in fig.headlines.values() if h.imprecise]
        if imprecise:
            text += (f" {josa(unit(fig), '이/가')} 시작되기 전부터의 기간을 나타내는 기록에는 "
                     + and_list([f"{label('measure', h.key, LANG)} 중 {persons(h.imprecise)}"
                                 for h in imprecise]) + "이 들어 있다.")
        else:
            text += f" {this_period(fig)}의 기록 중 그 이전 날짜를 나타내는 기록은 없다."
        out.append(para(text))
    others = fig.other_figures
    if others:
        out.append(para(
            f"출처 간 수치가 다르면 기록에는 가장 신뢰도가 높은 출처의 수치를 쓰고, 다른 출처의 "
            f"수치는 other_persons 필드에 남긴다. {this_period(fig)}의 기록 중 "
            f"{records(len(others))}에 다른 출처의 수치가 있다:"))
        items = []
        for r in others:
            adopted = people(Count(r["persons"], r["persons_qualifier"] or "exact"))
            other = r.get("other_publisher") or "다른 출처"
            if r.get("other_source_id"):
                other += f", {r['other_source_id']}"
            items.append(md(
                f"{r['record_id']}: {adopted}({r.get('publisher') or r['source_id']}, "
                f"{r['source_id']}). 다른 출처({other})의 수치는 "
                f"{josa(persons(r['other_persons']), '이다/다')}."))
        out.append(bullet_list(items))
    else:
        out.append(para(f"{this_period(fig)}의 기록 중 다른 출처의 수치를 남긴 기록은 없다."))
    if fig.validation_warnings:
        parts = [f"{label('rule', k, LANG)}: {records(v)}"
                 for k, v in fig.validation_warnings.items()]
        total = sum(fig.validation_warnings.values())
        out.append(para(
            f"이번 공표 자료를 검증한 결과 오류는 없었고, 전체 기간에 걸쳐 경고가 "
            f"{records(total)} 있었다({'; '.join(parts)})."))
    return Md("\n".join(out))


def coverage_section(fig: Figures) -> Md:
    """What each dataset's collection covers in this release (config/coverage.yaml)."""
    items = []
    for name in ("detentions", "repatriations", "fatalities"):
        c = fig.collections.get(name)
        if c is None:
            continue
        days = (f"{date_words(c.first)}부터 {date_words(c.last)}까지" if c.first and c.last
                else "수집 기간 없음")
        whose = f", {nationals_list(c.nationalities)}만" if c.nationalities else ""
        items.append(md(f"{dataset_noun(name)}: {days}{whose}."))
    return bullet_list(items)


def data_links(charts: Sequence[Chart], published: Sequence[str]) -> Md:
    items = [Md(f"[{escape(c.csv_name.rsplit('/', 1)[-1])}]({c.csv_name}): {escape(c.title)}")
             for c in charts]
    out = [para("각 차트의 자료는 이번 공표본의 bulletin-data 폴더에 작은 CSV 파일로 있으며, 모든 "
                "값의 한정어와 상태 기호를 담고 있다. 열 이름과 값은 영문판 CSV와 같고, label "
                "열만 한국어다:"),
           bullet_list(items)]
    if published:
        out.append(para("이번 공표본의 공표 표(CSV, 함께 제공되는 Parquet·Excel 파일, 데이터 "
                        "사전, 체크섬):"))
        out.append(bullet_list(Md(f"[{escape(p)}]({p})") for p in published))
    return Md("\n".join(out))


def fragments(fig: Figures, charts: Sequence[Chart], published: Sequence[str]) -> dict[str, Md]:
    """Every generated fragment of the Korean bulletin, by file name."""
    by_id = {c.id: c for c in charts}
    trend = by_id[f"{'quarterly' if fig.unit == 'quarter' else 'monthly'}-trend"]
    return {
        "main-points.md": main_points(fig),
        "headline-table.md": headline_table(fig),
        "trend.md": chart_fragment(trend),
        "detentions.md": detentions_section(fig, by_id),
        "repatriations.md": repatriations_section(fig, by_id),
        "not-returned.md": not_returned_section(fig, by_id),
        "fatalities.md": fatalities_section(fig),
        "revisions.md": revisions_section(fig),
        "sources.md": sources_section(fig),
        "coverage.md": coverage_section(fig),
        "data-links.md": data_links(charts, published),
    }


# ----------------------------------------------------------------------------- metadata


def metadata(fig: Figures, config: Config, *, release_id: str | None,
             next_release: dt.date | None) -> dict[str, Any]:
    """The Korean edition's metadata file: the same keys as the English one's
    (:func:`toolkit.bulletin.document.metadata`), the values in Korean."""
    pub = config.publisher
    u = unit(fig)
    kind = kind_words(fig)
    status = (f"잠정치 [p]. 최근 {u}의 수치는 수정될 수 있다" if fig.provisional
              else "잠정치 아님. 이후 기간의 수치가 공표되었으나, 이후 보도에 따라 수치가 수정될 "
                   "수 있다")
    figures: dict[str, Any] = {}
    for key, h in fig.headlines.items():
        figures[key] = {
            "current": cell(h.current), "previous": cell(h.previous),
            "year_earlier": cell(h.year_earlier),
            "change_previous": signed_change(h.change_previous),
            "change_year": signed_change(h.change_year),
        }
    team = pub.name_ko or configured(pub.contact_team)
    if pub.name_ko and pub.contact_team:
        team = f"{pub.name_ko}({pub.contact_team})"
    series = configured(config.bulletin.series)
    licence = f"{configured(pub.licence_title)}({pub.licence_id})"
    return {
        "date": fig.as_of.isoformat(),
        "bulletin": {
            "title": f"온라인 스캠 단지 관련 구금·송환·사망 통계: {words(fig.period)}",
            "subtitle": f"{series}: {kind} 통계 보고서, {words(fig.period)}",
            "series": series,
            "kind": kind,
            "unit": u,
            # the quarter's Korean name (2025년 4분기); a month's words are its name already
            "period": axis_words(fig.period.label) if fig.unit == "quarter"
            else fig.period.label,
            "period_words": words(fig.period),
            "previous_words": words(fig.previous),
            "year_earlier_words": words(fig.year_earlier),
            "period_end": date_words(fig.period.end),
            "release_date": date_words(fig.as_of),
            "next_release": date_words(next_release) if next_release else "추후 공지",
            "release_id": release_id or "공표본으로 발행되지 않음(미리보기)",
            "status": status,
            "data_from": date_words(fig.first_event),
            "data_to": date_words(fig.last_event),
            "scope_words": status_words(fig.scope),
            "excluded_words": status_words([s for s in SCAM_LINKS if s not in fig.scope]),
            "min_base": str(MIN_BASE),
            "not_returned": NOT_RETURNED,
            "not_returned_definition": NOT_RETURNED_DEFINITION,
            "organisation": pub.name,
            "organisation_ko": pub.name_ko,
            "statistician": configured(pub.statistician),
            "contact_team": team,
            "contact_email": pub.contact_email,
            "contact_phone": pub.contact_phone or "공개하지 않음",
            "contact_line": ", ".join(x for x in (
                team, pub.contact_email,
                f"전화 {pub.contact_phone}" if pub.contact_phone else "") if x),
            "licence": licence,
        },
        "figures": figures,
    }
