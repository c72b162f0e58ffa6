"""The bulletin's sections: sentences and tables from the figures.

Each function returns one generated fragment of ``reports/bulletin.qmd`` (its
``{{< include _build/<name>.md >}}``). Every piece of text that comes from the data (place
names, record ids, authorities, even numbers) is escaped (:mod:`toolkit.bulletin.text`).

Rules the sentences keep:

* a figure is written with its qualifier ("at least 2,896") and a table cell with its status
  markers as published ("at least 2,896 [p]");
* a figure that is not available or not collected is ``[x]`` and never 0; a change is given
  only between wholly covered periods, and as a percentage only on a base of at least
  :data:`~toolkit.bulletin.figures.MIN_BASE`;
* the derived measure is "detained with no return recorded" with ``[u]`` and its short
  definition wherever it appears, never people held;
* no sentence says what the open data does not (notes about a person are never quoted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from toolkit.bulletin.charts import SYMBOLS, Chart
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
from toolkit.bulletin.names import (
    NOT_RETURNED,
    NOT_RETURNED_SHORT,
    group_name,
    label,
    nationality_name,
    nationals,
    nationals_list,
    place_name,
)
from toolkit.bulletin.text import (
    Md,
    and_list,
    bullet_list,
    cell,
    change_clause,
    count_words,
    date_words,
    escape,
    figure_span,
    figure_text,
    md,
    num,
    number_words,
    para,
    pipe_table,
    plural,
    qualified,
    share,
    short_words,
    signed_change,
    status_words,
)
from toolkit.i18n import label as i18n_label

#: What each headline counts, by dataset.
HEADLINE_DATASET = {"detained": "detentions", "repatriated": "repatriations",
                    "arrested_on_arrival": "repatriations", "deaths": "fatalities"}
DATASET_WORDS = {"detentions": "detentions", "repatriations": "repatriations",
                 "fatalities": "deaths"}


# ----------------------------------------------------------------------------- words


def header(key: str) -> str:
    """A table header from the catalogue (``header("nationality")`` -> ``Nationality``)."""
    return i18n_label("header", key, "en")


def adjective(fig: Figures) -> str:
    """``quarterly`` or ``monthly``."""
    return "quarterly" if fig.unit == "quarter" else "monthly"


def collected_words(c: Collection, whose: bool = True) -> str:
    """``deaths are collected from 1 August 2025 to 31 January 2026, of South Korean nationals
    only`` (without the nationalities when ``whose`` is false)."""
    noun = DATASET_WORDS.get(c.dataset, c.dataset)
    if c.first and c.last:
        text = f"{noun} are collected from {date_words(c.first)} to {date_words(c.last)}"
    else:
        text = f"{noun} are not collected"
    if c.nationalities and whose:
        text += f", of {nationals_list(c.nationalities)} only"
    return text


def headline_label(fig: Figures, h: Headline) -> str:
    if h.key == "deaths":
        c = fig.collections["fatalities"]
        if c.nationalities:
            return f"{h.label} ({nationals_list(c.nationalities)})"
    return h.label


def _why(fig: Figures, key: str, counts: Sequence[Count]) -> str:
    """Why a change cannot be given, in words ("" when it can)."""
    collection = fig.collections[HEADLINE_DATASET[key]]
    if any(c.coverage != "all" for c in counts):
        return collected_words(collection, whose=False)
    if key == "arrested_on_arrival" and any(not c.available for c in counts):
        return "no record of that period says whether people were arrested on arrival"
    return ""


def changes(fig: Figures, h: Headline) -> str:
    """The changes on the previous period and on a year earlier, for a sentence."""
    prev, year = fig.previous.words, fig.year_earlier.words
    a, b = h.change_previous, h.change_year
    blocked = ("coverage", "unavailable")
    if a.kind == b.kind == "small_base" and h.previous.value == h.year_earlier.value == 0:
        return f"none were recorded in {prev} or {year}"
    if a.kind in blocked and b.kind in blocked:
        why = _why(fig, h.key, (h.current, h.previous, h.year_earlier))
        return f"no comparison is made with {prev} or {year}" + (f" ({why})" if why else "")
    return (f"{change_clause(a, prev, _why(fig, h.key, (h.current, h.previous)))}; "
            f"{change_clause(b, year, _why(fig, h.key, (h.current, h.year_earlier)))}")


def _share_of(part: int, whole: Count) -> float:
    return part / whole.value if whole.value else 0.0


def _record_words(rec: dict[str, Any], verb: str) -> str:
    """``at least 2,198 people detained in KK Park, Myanmar (16 October 2025, date known to the
    week)``."""
    count = Count(rec["persons"], rec.get("persons_qualifier") or "exact")
    where = place_name(rec["country"])
    if rec.get("location"):
        where = f"{rec['location']}, {where}"
    who = "people" if rec["nationality"] == "XXX" else nationals(rec["nationality"])
    how = f" by {label('mode', rec['mode']).lower()}" if rec.get("mode") not in (None, "unknown") \
        else ""
    place = f"from {where}" if verb == "repatriated" else f"in {where}"
    precision = "" if rec["date_precision"] == "day" else \
        f", date known to the {rec['date_precision']}"
    return (f"{qualified(count)} {who} {verb} {place}{how} "
            f"({date_words(rec['event_date'])}{precision})")


# ----------------------------------------------------------------------------- main points


def _part(fig: Figures, count: Count) -> str:
    """``, and the quarter is only partly collected`` where it is."""
    return f"; the {fig.unit} is only partly collected" if count.coverage == "part" else ""


def _flow_point(fig: Figures, key: str, verb: str, what: str) -> Md:
    h = fig.headlines[key]
    p = fig.period.words
    if not h.current.available:
        why = _why(fig, key, (h.current,))
        return md(f"No figure of people {verb} is available for {p} (", figure_text(h.current, key),
                  f"){': ' + why if why else ''}.")
    if h.current.value == 0:
        return md(f"No one was recorded as {verb} in {p} (", figure_text(h.current, key),
                  f" people{_part(fig, h.current)}): {changes(fig, h)}.")
    part = f" ({_part(fig, h.current)[2:]})" if h.current.coverage == "part" else ""
    return md(f"In {p}, ", figure_text(h.current, key), f" people were recorded as {verb}{what}"
              f"{part}: {changes(fig, h)}.")


def _most_sentence(fig: Figures, key: str, verb: str) -> str:
    """``One record makes up most of this figure: ...`` when one record is over half of it."""
    rec = fig.largest.get(key)
    h = fig.headlines[key]
    if rec is None or not h.current.value or h.records < 2:
        return ""
    part = _share_of(rec["persons"], h.current)
    if part <= MOST:
        return ""
    return (f"One record makes up most of this figure ({share(rec['persons'], h.current.value)} "
            f"of it): {_record_words(rec, verb)}.")


def _arrested_sentence(fig: Figures, subject: str, marked: bool = True) -> Md | None:
    """Arrests on arrival of ``subject`` (the people repatriated), said as the records allow: a
    minimum where some records are silent, and no figure where none says. ``marked``: the
    number is the headline's figure span (once in the document)."""
    arr = fig.arrested
    h = fig.headlines["arrested_on_arrival"]
    rep = fig.headlines["repatriated"].current
    if not rep.value:
        return None
    silent, told, arrested = (arr["persons_not_reported"], arr["persons_reported"],
                              arr["arrested"])
    if not h.current.available:
        return md(f"No record of the {fig.unit} says whether {subject} were arrested on "
                  f"arrival, so no figure is given (", figure_text(h.current,
                  "arrested_on_arrival") if marked else cell(h.current), ").")
    number = figure_span(num(arrested), "arrested_on_arrival", h.current.qualifier) \
        if marked else num(arrested)
    if not silent:
        if arrested == told:
            return md("All ", number, f" of {subject} were recorded as arrested on arrival.")
        return md(number, f" of {subject} were recorded as arrested on arrival.")
    records = arr["records_reported"]
    in_records = (f"in the {'one record that says' if records == 1 else 'records that say'} "
                  f"whether they were arrested")
    rest = (f"for the other {num(silent)} {plural(silent, 'person', 'people')} "
            f"({count_words(arr['records_not_reported'], 'record', 'records')}) the sources do "
            f"not say")
    if arrested == 0:
        return md(f"None of the {num(told)} {plural(told, 'person', 'people')} {in_records} "
                  f"{plural(told, 'was', 'were')} arrested on arrival; {rest}.")
    if arrested == told:
        told_words = (f"all {num(told)} people {in_records}" if told > 1
                      else f"the one person {in_records}")
    else:
        told_words = f"{num(arrested)} of the {num(told)} people {in_records}"
    return md("At least ", number, f" of {subject} were recorded as arrested on arrival: "
              f"{told_words}, while {rest}.")


def _deaths_point(fig: Figures) -> Md:
    f = fig.headlines["deaths"]
    p = fig.period.words
    c = fig.collections["fatalities"]
    whose = f"; deaths of {nationals_list(c.nationalities)} only" \
        if c.nationalities else ""
    if not f.current.available:
        return md(f"No figure of deaths is available for {p} (", figure_text(f.current, "deaths"),
                  f"): {collected_words(c)}.")
    n = f.current.value or 0
    text = [f"In {p}, ", figure_text(f.current, "deaths"),
            f" {plural(n, 'death was', 'deaths were')} counted as linked to scam operations "
            f"(link {status_words(fig.scope)}{whose}{_part(fig, f.current)}): "
            f"{changes(fig, f)}."]
    excluded = sum(x["persons"] for x in fig.fatalities_excluded)
    if excluded:
        statuses = sorted({x["scam_link"] for x in fig.fatalities_excluded})
        because = ("because no link to scam operations is known" if statuses == ["none_known"]
                   else f"under the scope rule (link {status_words(statuses)})")
        if excluded == 1:
            text.append(f" One more death recorded in the {fig.unit} is not counted, {because}.")
        else:
            text.append(f" {number_words(excluded).capitalize()} more deaths recorded in the "
                        f"{fig.unit} are not counted, {because}.")
    return md(*text)


def _derived_point(fig: Figures) -> Md | None:
    with_figure = fig.groups_with_figure
    if not with_figure:
        return None
    bad = fig.negative_groups
    end = date_words(fig.period.end)
    lead = f"{NOT_RETURNED} [u] ({NOT_RETURNED_SHORT})"
    groups = f"{num(len(with_figure))} {plural(len(with_figure), 'group', 'groups')}"
    if not bad:
        return md(f"{lead} was not negative for any of the {groups} of country of detention "
                  f"and nationality at {end}.")
    return md(f"{lead} was negative for {num(len(bad))} of the {groups} of country of "
              f"detention and nationality at {end}: for "
              f"{plural(len(bad), 'that group', 'those groups')} more people were recorded as "
              f"repatriated than as detained, so the records lack detentions.")


def _reported_words(r: dict[str, Any]) -> str:
    """``61 held on 14 October 2025``; ``about 3,455 arrested, 27 June to 14 October 2025``."""
    count = Count(r["reported"], r["reported_qualifier"] if r["reported_qualifier"] in
                  ("at_least", "about") else "exact")
    qual = {"at_most": "at most ", "estimate": "an estimated "}.get(r["reported_qualifier"], "")
    what = label("indicator", r["indicator"])
    value = f"{qual}{num(r['reported'])}" if qual else qualified(count)
    if r["indicator"] == "held_on_date" or not r.get("period_start"):
        return f"{value} {what} on {date_words(r['date'])}" if r["indicator"] == \
            "held_on_date" else f"{value} {what} by {date_words(r['date'])}"
    return f"{value} {what}, {date_words(r['period_start'])} to {date_words(r['date'])}"


def _recorded_words(r: dict[str, Any]) -> str:
    if r["recorded"] is None:
        return "[x]"
    count = Count(r["recorded"], r["recorded_qualifier"] or "exact")
    if r["recorded_measure"] == "not_returned":
        return f"{qualified(count)} {NOT_RETURNED.lower()} [u]"
    verb = {"detained": "recorded as detained", "repatriated": "recorded as repatriated"}
    return f"{qualified(count)} {verb.get(r['recorded_measure'], r['recorded_measure'])}"


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
        compare = "the same" if diff == 0 else \
            f"{num(abs(diff))} {'more' if diff > 0 else 'fewer'}"
        parts.append(
            f"{r.get('authority') or 'an authority'} reported {num(r['reported'])} "
            f"{nationals(r['nationality'])} held in {place_name(r['country'])} on "
            f"{date_words(r['date'])}; for that group and day the records give "
            f"{_recorded_words(r)}, {compare}")
    return md("Figures the authorities report themselves, beside the records: "
              + "; ".join(parts) + ". The two do not measure the same thing: the derived "
              "figure is not a count of people held.")


def main_points(fig: Figures) -> Md:
    p = fig.period.words
    items = [_flow_point(fig, "detained", "detained", " in raids and operations against "
                         "online-scam compounds and in related immigration operations")]
    most = _most_sentence(fig, "detained", "detained")
    if most:
        items.append(md(most))
    repat = _flow_point(fig, "repatriated", "repatriated", " to their country of nationality")
    most = _most_sentence(fig, "repatriated", "repatriated")
    items.append(Md(repat + (" " + md(most) if most else "")))
    arrested = _arrested_sentence(fig, "the people repatriated")
    if arrested is not None:
        items.append(arrested)
    items.append(_deaths_point(fig))
    for point in (_derived_point(fig), _reported_point(fig)):
        if point is not None:
            items.append(point)
    revised = [(h, which, words) for h in fig.headlines.values()
               for which, words in (("previous", fig.previous.words),
                                    ("year_earlier", fig.year_earlier.words))
               if getattr(h, which).has("[r]")]
    if revised:
        by_period: dict[str, list[str]] = {}
        for h, which, words in revised:
            by_period.setdefault(words, []).append(
                f"{headline_label(fig, h).lower()}, now {qualified(getattr(h, which))}")
        said = "; ".join(f"for {words}: {and_list(parts)}" for words, parts in by_period.items())
        items.append(md(f"Figures used for comparison have been revised since the previous "
                        f"release [r] ({said}); the changes above use the revised figures."))
    provisional = [w for label_, w in ((fig.period.label, p),
                                       (fig.previous.label, fig.previous.words))
                   if label_ in fig.provisional_periods]
    if provisional:
        items.append(md(f"Figures for {and_list(provisional)} are provisional [p] and may be "
                        f"revised when later reports are added."))
    return bullet_list(items)


# ----------------------------------------------------------------------------- headline table


def headline_table(fig: Figures) -> Md:
    unit = fig.unit
    rows = []
    for h in fig.headlines.values():
        rows.append([headline_label(fig, h), cell(h.current), cell(h.previous),
                     cell(h.year_earlier), signed_change(h.change_previous),
                     signed_change(h.change_year)])
    headers = [header("measure"), short_words(fig.period), short_words(fig.previous),
               short_words(fig.year_earlier), f"Change on {unit}", "Change on year"]
    out = [pipe_table(headers, rows, "lrrrrr",
                      f"Headline figures, {fig.period.words}, with the previous {unit} and the "
                      f"same {unit} a year earlier (number of people)", label="tbl-headline")]
    out.append(para("Notes to the table:"))
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
            none = [p.words for p, x in counts if x.coverage == "none"]
            part = [p.words for p, x in counts if x.coverage == "part"]
            text = f"{headline_label(fig, h)}: {collected_words(c)}"
            if none:
                text += f"; [x] not collected in {and_list(none)}"
            if part:
                text += f"; {and_list(part)} {plural(len(part), 'is', 'are')} only partly " \
                        f"collected, so no change is given across {plural(len(part), 'it', 'them')}"
            notes.append(text + ".")
    h = fig.headlines["arrested_on_arrival"]
    cells = (h.current, h.previous, h.year_earlier)
    said = []
    if any(not c.available and c.coverage == "all" for c in cells):
        said.append("[x] where no record of the period says whether the people repatriated were "
                    "arrested")
    if any(c.available and c.qualifier == "at_least" for c in cells):
        said.append("a minimum (at least) where some records of the period do not say whether "
                    "people were arrested")
    if said:
        notes.append(f"{headline_label(fig, h)}: {'; '.join(said)}.")
    for h in fig.headlines.values():
        if h.imprecise and h.current.available:
            notes.append(
                f"{headline_label(fig, h)}: {num(h.imprecise)} of "
                f"{plural(h.imprecise, 'them is', 'them are')} in records dated only to a week "
                f"or month "
                f"whose days may begin before {date_words(fig.period.start)}; a record counts "
                f"in the {fig.unit} of its event date.")
    quals = {c.qualifier for h in fig.headlines.values()
             for c in (h.current, h.previous, h.year_earlier) if c.available}
    if quals & {"at_least", "about"}:
        notes.append("At least: a record in the figure is a minimum (a source's \"more than\"); "
                     "about: a record in it is approximate.")
    notes.append(f"No percentage change is given on a base under {MIN_BASE} people or between "
                 f"periods that are not both wholly collected. Symbols: "
                 + "; ".join(f"{s} {w}" for s, w in SYMBOLS.items()
                             if any(s in cell(c) for h in fig.headlines.values()
                                    for c in (h.current, h.previous, h.year_earlier)))
                 + ".")
    return notes


def chart_fragment(chart: Chart) -> Md:
    block = chart_block(chart.id, chart.spec, chart.svg, chart.alt, chart.title + ". "
                        + chart.caption, pdf_width=chart.pdf_width)
    symbols = chart.symbols_used
    out = [Md(block), ""]
    if symbols:
        out.append(para("Symbols: " + "; ".join(f"{s} {SYMBOLS[s]}" for s in symbols) + "."))
    out.append(pipe_table(chart.table_headers, chart.table_rows, chart.table_align,
                          f"Data behind the chart: {chart.title}"))
    out.append(Md(f"Download the data behind this chart: "
                  f"[{escape(chart.id + '.csv')}]({chart.csv_name}) (CSV).\n"))
    return Md("\n".join(out) + "\n")


def _breakdown_table(rows: Sequence[Row], total: Row, name, column: str, fig: Figures,
                     caption: str, keep_zero: bool = False) -> Md:
    body = [[name(r.key), cell(r.current), cell(r.previous)] for r in rows
            if keep_zero or r.current.value or r.previous.value]
    body.append([header("total"), cell(total.current), cell(total.previous)])
    return pipe_table([column, fig.period.words, fig.previous.words], body, "lrr", caption)


# ----------------------------------------------------------------------------- sections


def detentions_section(fig: Figures, charts: dict[str, Chart]) -> Md:
    d = fig.headlines["detained"]
    p = fig.period.words
    if d.current.value:
        out = [para(f"In {p}, {qualified(d.current)} people were recorded as detained, in "
                    f"{count_words(d.records, 'record', 'records')}.")]
    else:
        out = [para(f"No detentions were recorded in {p} ({cell(d.current)}).")]
    top = [r for r in fig.detentions_by_country if r.current.value][:3]
    if top:
        parts = [f"{place_name(r.key)} ({qualified(r.current)})" for r in top]
        out.append(para("By country of detention, the most were detained in "
                        + and_list(parts) + "."))
    unspecified = next((r.current for r in fig.detentions_by_nationality if r.key == "XXX"),
                       None)
    if unspecified is not None and unspecified.value and d.current.value:
        out.append(para(
            f"The nationality of {qualified(unspecified)} of them "
            f"({share(unspecified.value, d.current.value)}) was not reported separately: the "
            f"sources gave one figure for a group of several nationalities."))
    if "detentions-by-country" in charts:
        out.append(chart_fragment(charts["detentions-by-country"]))
    out.append(_breakdown_table(fig.detentions_by_nationality, fig.detentions_total,
                                nationality_name, header("nationality"), fig,
                                f"People detained by nationality, {p} and "
                                f"{fig.previous.words}"))
    out.append(_breakdown_table(fig.detentions_by_reason, fig.detentions_total,
                                lambda key: label("reason", key),
                                header("reason"), fig,
                                f"People detained by reason for detention, {p} and "
                                f"{fig.previous.words}", keep_zero=True))
    return Md("\n".join(out))


def repatriations_section(fig: Figures, charts: dict[str, Chart]) -> Md:
    r = fig.headlines["repatriated"]
    p = fig.period.words
    if r.current.value:
        out = [para(f"In {p}, {qualified(r.current)} people were recorded as repatriated, in "
                    f"{count_words(r.records, 'record', 'records')}.")]
    else:
        out = [para(f"No repatriations were recorded in {p} ({cell(r.current)}).")]
    top = [x for x in fig.repatriations_by_nationality if x.current.value][:3]
    if top:
        parts = [f"{place_name(x.key)} ({qualified(x.current)})" for x in top]
        out.append(para("By nationality, the largest groups returned to "
                        + and_list(parts) + "."))
    arrested = _arrested_sentence(fig, "them", marked=False)
    if arrested is not None:
        out.append(para(arrested))
    if "repatriations-by-mode" in charts:
        out.append(chart_fragment(charts["repatriations-by-mode"]))
    out.append(_breakdown_table(fig.repatriations_by_nationality, fig.repatriations_total,
                                nationality_name, header("nationality"), fig,
                                f"People repatriated by nationality, {p} and "
                                f"{fig.previous.words}"))
    return Md("\n".join(out))


def comparisons_table(fig: Figures) -> Md:
    """The authorities' own figures of the period beside the records' (reported_vs_recorded)."""
    if not fig.comparisons:
        return para(f"No figure reported by an authority for {fig.period.words} can be set "
                    f"against the records.")
    rows = []
    for r in fig.comparisons:
        diff = r["difference"]
        uncovered = ("not comparable: the period it covers is not given"
                     if r["indicator"] != "held_on_date" and not r.get("period_start")
                     else "not comparable: the records do not cover the days")
        finding = {"agree": "the same", "not_covered": uncovered}.get(
            r["finding"], f"records {num(abs(diff or 0))} "
                          f"{'higher' if (diff or 0) > 0 else 'lower'}")
        who = r.get("authority") or "Not given"
        rows.append([f"{who} ({r['record_id']})",
                     group_name(r["country"], r["nationality"]) if r["country"] != "XXX"
                     else f"Several countries, {nationals(r['nationality'])}",
                     _reported_words(r), _recorded_words(r), finding])
    return pipe_table([header("authority"), header("country_and_nationality"),
                       header("reported"), header("recorded"), header("finding")], rows, "lllll",
                      f"Figures reported by authorities in {fig.period.words}, beside the "
                      f"records' figure for the same country, nationality and days")


def not_returned_section(fig: Figures, charts: dict[str, Chart]) -> Md:
    end = date_words(fig.period.end)
    with_figure, bad = fig.groups_with_figure, fig.negative_groups
    n = len(with_figure)
    out = [para(
        f"At {end} the records give a figure for {num(n)} {plural(n, 'group', 'groups')} of "
        f"country of detention and nationality. "
        + (f"For {num(len(bad))} of them it is negative: more people were recorded as "
           f"repatriated than as detained by then, so the records lack detentions for "
           f"{plural(len(bad), 'that group', 'those groups')}."
           if bad else "None of them is negative."))]
    key = f"not-returned-by-{fig.unit}"
    if key in charts:
        out.append(chart_fragment(charts[key]))
    rows = []
    ordered = sorted(fig.groups, key=lambda g: (place_name(g.country),
                                                -(g.not_returned.value or 0), g.nationality))
    for g in ordered:
        rows.append([place_name(g.country), nationality_name(g.nationality),
                     cell(g.detained_to_date), cell(g.repatriated_to_date),
                     cell(g.not_returned)])
    if fig.groups:
        status = fig.groups[0].detained_to_date.status
        det = Count(*combine([g.detained_to_date for g in fig.groups]), status)
        rep = Count(*combine([g.repatriated_to_date for g in fig.groups]), status)
        rows.append([place_name(TOTAL), nationality_name(TOTAL), cell(det), cell(rep),
                     cell(fig.not_returned_total)])
    out.append(pipe_table(
        [header("country_of_detention"), header("nationality"), header("detained_to_date"),
         header("repatriated_to_date"), f"{NOT_RETURNED} [u] at {end}"], rows, "llrrr",
        f"{NOT_RETURNED} [u] by country of detention and nationality at {end}: "
        f"{NOT_RETURNED_SHORT}", label="tbl-not-returned"))
    out.append(para(Md("**"), "Figures reported by the authorities.", Md("**"),
                    " Some authorities say how many people they hold on a day, or how many they "
                    "arrested or deported over a period. Each such figure of "
                    f"{fig.period.words} is set below beside the records' figure for the same "
                    "country, nationality and days (published as the table "
                    "reported_vs_recorded). They never measure quite the same thing: the "
                    f"derived figure is {NOT_RETURNED_SHORT}."))
    out.append(comparisons_table(fig))
    latest = fig.latest_findings
    if latest:
        out.append(para(Md("**"), "Reconciliation findings.", Md("**"),
                        " On the days below, the records of a group show more people repatriated "
                        "than detained, even counting each detention from the first day its "
                        "imprecise date may stand for (published as the table "
                        "reconciliation_findings); the latest such day of each group is shown:"))
        items = []
        for fnd, now in latest:
            country, nationality = fnd.country, fnd.nationality
            detained = ("none as detained there" if fnd.detained_to_date == 0
                        else f"{num(fnd.detained_to_date)} as detained there")
            records = ", ".join(fnd.record_ids)
            later = (f" At {end} the figure is {cell(now)}."
                     if now is not None and now.available else "")
            items.append(md(
                f"{group_name(country, nationality)}: by {date_words(fnd.date)}, "
                f"{num(fnd.repatriated_to_date)} people had been recorded as repatriated from "
                f"{place_name(country)} but {detained} "
                f"({plural(len(fnd.record_ids), 'record', 'records')} {records}).{later}"))
        out.append(bullet_list(items))
    return Md("\n".join(out))


def fatalities_section(fig: Figures) -> Md:
    f = fig.headlines["deaths"]
    c = fig.collections["fatalities"]
    p, unit = fig.period.words, fig.unit
    out = [para(f"Coverage: {collected_words(c)}.")]
    if f.current.available:
        n = f.current.value or 0
        out.append(para(f"Under the scope rule, {qualified(f.current)} "
                        f"{plural(n, 'death is', 'deaths are')} counted for {p}."))
    else:
        out.append(para(f"Deaths are not collected for {p} ({cell(f.current)})."))
    all_now = Count(*combine([r.current for r in fig.fatalities_by_status]),
                    f.current.status)
    if f.current.available and all_now.value != f.current.value:
        whose = f" ({nationals_list(c.nationalities)}, all countries)" \
            if c.nationalities else ""
        out.append(para(
            f"All deaths recorded in the {unit}, whatever their status, number "
            f"{qualified(all_now)}: the figure in the column died of the published "
            f"{adjective(fig)} summary{whose}, which applies no scope rule."))
    rows = [[label("scam_link", r.key), cell(r.current), cell(r.previous),
             header("yes") if r.key in fig.scope else header("no")]
            for r in fig.fatalities_by_status]
    all_prev = Count(*combine([r.previous for r in fig.fatalities_by_status]),
                     fig.headlines["deaths"].previous.status)
    if not fig.headlines["deaths"].previous.available:
        all_prev = fig.headlines["deaths"].previous
    if not f.current.available:
        all_now = f.current
    rows.append([header("all_deaths"), cell(all_now), cell(all_prev), ""])
    out.append(pipe_table([header("scam_link"), p, fig.previous.words, header("counted")], rows,
                          "lrrl", f"Deaths recorded by status of the link to scam operations, "
                                  f"{p} and {fig.previous.words}"))
    rows = [[label("cause", r.key), cell(r.current), cell(r.previous)]
            for r in fig.fatalities_by_cause]
    rows.append([header("total_counted"), cell(f.current),
                 cell(fig.headlines["deaths"].previous)])
    out.append(pipe_table([header("cause"), p, fig.previous.words], rows, "lrr",
                          f"Deaths counted (in scope) by cause, {p} and {fig.previous.words}"))
    if fig.fatalities_excluded:
        items = [md(f"{x['record_id']}: {count_words(x['persons'], 'death', 'deaths')} in "
                    f"{place_name(x['country'])} ({date_words(x['event_date'])}), link to scam "
                    f"operations: {label('scam_link', x['scam_link']).lower()}; cause as reported: "
                    f"{label('cause', x['cause']).lower()}.")
                 for x in fig.fatalities_excluded]
        out.append(para(f"Deaths recorded in the {unit} but not counted under the scope rule:"))
        out.append(bullet_list(items))
    elif f.current.available:
        out.append(para(f"No death recorded in the {unit} was left out by the scope rule."))
    return Md("\n".join(out))


def _value(v: int | None) -> str:
    return "not published" if v is None else num(v)


def revisions_section(fig: Figures, limit: int = 15) -> Md:
    if fig.revisions is None:
        return para("There is no previous release to compare with, so no revisions are "
                    "reported in this bulletin.")
    if not fig.revisions:
        return para("No figure published in the previous release has been revised in this "
                    "release.")
    n = len(fig.revisions)
    tables = sorted({r.table for r in fig.revisions})
    out = [para(f"{num(n)} published {plural(n, 'figure has', 'figures have')} been revised "
                f"since the previous release, in the {plural(len(tables), 'table', 'tables')} "
                f"{', '.join(tables)}; revised cells are marked [r] in the published tables and "
                f"in this bulletin, and listed in the revisions table of the release.")]
    shown = sorted(fig.revisions, key=lambda r: (not r.table.endswith("_summary"), r.table,
                                                 r.period, r.country, r.nationality, r.measure))
    rows = [[r.table, r.period, place_name(r.country),
             nationality_name(r.nationality) if r.nationality else "", label("measure", r.measure),
             _value(r.old), _value(r.new)] for r in shown[:limit]]
    caption = "Figures revised since the previous release"
    if n > limit:
        caption += f" (the first {limit} of {n})"
    out.append(pipe_table([header(h) for h in ("table", "period", "country", "nationality",
                                               "measure", "previous_release", "this_release")],
                          rows, "lllllrr", caption))
    return Md("\n".join(out))


def sources_section(fig: Figures) -> Md:
    n = fig.records_in_period
    unit = fig.unit
    out = [para(f"The {num(n)} {plural(n, 'record', 'records')} of {fig.period.words} cite "
                f"{num(sum(r['sources'] for r in fig.reliability_mix))} "
                f"sources. Each source is graded from 5 (an official statement or record read "
                f"at first hand) to 1 (an aggregator or unattributed report).")]
    rows = [[str(r["reliability"]), label("reliability", r["reliability"]), num(r["sources"]),
             num(r["records"])] for r in fig.reliability_mix]
    out.append(pipe_table([header(h) for h in ("grade", "reliability", "sources", "records")],
                          rows,
                          "rlrr", f"Sources cited by the records of {fig.period.words}, by "
                                  f"reliability grade"))
    if fig.precision_mix:
        parts = [f"{num(r['records'])} {'are ' if i == 0 else ''}dated to the {r['key']}"
                 for i, r in enumerate(fig.precision_mix)]
        text = (f"Dates: of the {num(n)} records, " + and_list(parts)
                + f". A record dated to a week or month stands for the days up to its event "
                  f"date, and is counted in the {unit} of that date.")
        imprecise = [h for h in fig.headlines.values() if h.imprecise]
        if imprecise:
            text += " Records whose days begin before the " + unit + " hold " + and_list(
                [f"{num(h.imprecise)} of the {h.label.lower()}" for h in imprecise]) + "."
        else:
            text += f" No record of the {unit} stands for days before it."
        out.append(para(text))
    others = fig.other_figures
    if others:
        out.append(para(
            f"Where sources disagree, a record keeps the figure of the most reliable source and "
            f"gives the other source's figure in its field other_persons. "
            f"{count_words(len(others), 'record', 'records').capitalize()} of the {unit} "
            f"{plural(len(others), 'notes', 'note')} another source's figure:"))
        items = []
        for r in others:
            adopted = qualified(Count(r["persons"], r["persons_qualifier"] or "exact"))
            items.append(md(
                f"{r['record_id']}: {adopted} people ({r.get('publisher') or r['source_id']}, "
                f"{r['source_id']}); {r.get('other_publisher') or 'another source'}"
                f"{', ' + r['other_source_id'] if r.get('other_source_id') else ''} gives "
                f"{num(r['other_persons'])}."))
        out.append(bullet_list(items))
    else:
        out.append(para(f"No record of the {unit} notes another source's figure."))
    if fig.validation_warnings:
        parts = [f"{label('rule', k)}: {num(v)}"
                 for k, v in fig.validation_warnings.items()]
        total = sum(fig.validation_warnings.values())
        out.append(para(
            f"Validation of the data for this release found no errors and {num(total)} "
            f"{plural(total, 'warning', 'warnings')} over all periods ({'; '.join(parts)})."))
    return Md("\n".join(out))


def coverage_section(fig: Figures) -> Md:
    """What each dataset's collection covers in this release (config/coverage.yaml)."""
    items = []
    for name in ("detentions", "repatriations", "fatalities"):
        c = fig.collections.get(name)
        if c is None:
            continue
        days = (f"{date_words(c.first)} to {date_words(c.last)}" if c.first and c.last
                else "no days")
        whose = f", {nationals_list(c.nationalities)} only" \
            if c.nationalities else ""
        scope = f" {c.scope}" if c.scope else ""
        items.append(md(f"{name.capitalize()}: {days}{whose}.{scope}"))
    return bullet_list(items)


def data_links(charts: Sequence[Chart], published: Sequence[str]) -> Md:
    items = [Md(f"[{escape(c.csv_name)}]({c.csv_name}): {escape(c.title)}") for c in charts]
    out = [para("Each chart's data is a small CSV file in the folder bulletin-data of this "
                "release, with the qualifier and status markers of every value:"),
           bullet_list(items)]
    if published:
        out.append(para("The published tables of this release (CSV, with Parquet and Excel "
                        "versions, a data dictionary and checksums alongside):"))
        out.append(bullet_list(Md(f"[{escape(p)}]({p})") for p in published))
    return Md("\n".join(out))


def fragments(fig: Figures, charts: Sequence[Chart], published: Sequence[str]) -> dict[str, Md]:
    """Every generated fragment of the bulletin, by file name."""
    by_id = {c.id: c for c in charts}
    trend = by_id[f"{adjective(fig)}-trend"]
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
