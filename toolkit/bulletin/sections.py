"""The bulletin's sections: sentences, tables and chart blocks from the figures.

Each function returns one generated fragment of ``reports/bulletin.qmd`` (its
``{{< include _build/<name>.md >}}``). Every piece of text that comes from the data (place
names, notes, record ids, even numbers) is escaped (:mod:`toolkit.bulletin.text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from toolkit.bulletin.charts import SYMBOLS, Chart
from toolkit.bulletin.figures import Figures
from toolkit.bulletin.markdown import chart_block
from toolkit.bulletin.names import group_name, label, nationality_name, place_name
from toolkit.bulletin.text import (
    Md,
    and_list,
    bullet_list,
    change_clause,
    date_words,
    escape,
    figure_span,
    md,
    num,
    para,
    pipe_table,
    plural,
    share,
    short_words,
    signed_change,
    status_words,
)


def main_points(fig: Figures) -> Md:
    p, prev, year = fig.period.words, fig.previous.words, fig.year_earlier.words
    h = fig.headlines
    d, r, a, f = h["detained"], h["repatriated"], h["arrested_on_arrival"], h["deaths"]
    items = []
    if d.current:
        items.append(md(
            f"In {p}, ", figure_span(num(d.current), "detained"),
            f" people were recorded as detained in raids and operations against online-scam "
            f"compounds and in related immigration operations: "
            f"{change_clause(d.change_previous, prev, 'detentions')}. On a year earlier, "
            f"{change_clause(d.change_year, year, 'detentions')}."))
    else:
        items.append(md(
            f"No detentions were recorded in {p} (", figure_span("0", "detained"),
            f" people), against {num(d.previous)} in {prev} and {num(d.year_earlier)} in "
            f"{year}."))
    if fig.largest_events:
        big = fig.largest_events[0]
        where = place_name(big["country"])
        if big["location"]:
            where = f"{big['location']}, {where}"
        nat = ("their nationalities were not reported"
               if big["nationality"] == "XXX"
               else f"nationality: {place_name(big['nationality'])}")
        items.append(md(
            f"The largest single record of the quarter is of {num(big['persons'])} people "
            f"detained in {where} ({date_words(big['event_date'])}, date known to the "
            f"{big['date_precision']}); {nat}."))
    if r.current:
        items.append(md(
            f"In {p}, ", figure_span(num(r.current), "repatriated"),
            f" people were recorded as repatriated to their country of nationality: "
            f"{change_clause(r.change_previous, prev, 'repatriations')}. On a year earlier, "
            f"{change_clause(r.change_year, year, 'repatriations')}."))
    else:
        items.append(md(
            f"No repatriations were recorded in {p} (", figure_span("0", "repatriated"),
            f" people), against {num(r.previous)} in {prev} and {num(r.year_earlier)} in "
            f"{year}."))
    arr = fig.arrested
    text = ["Of the people repatriated, ", figure_span(num(a.current), "arrested_on_arrival"),
            " were recorded as arrested on arrival"]
    if arr["persons_not_reported"]:
        text.append(f"; for {num(arr['persons_not_reported'])} people in "
                    f"{arr['records_not_reported']} "
                    f"{plural(arr['records_not_reported'], 'record', 'records')} the sources "
                    f"do not say whether they were arrested")
    items.append(md(*text, "."))
    excluded = sum(x["persons"] for x in fig.fatalities_excluded)
    death_text = [f"In {p}, ", figure_span(num(f.current), "deaths"),
                  f" {plural(f.current, 'death was', 'deaths were')} counted as linked to scam "
                  f"operations (link {status_words(fig.scope)}): "
                  f"{change_clause(f.change_previous, prev, 'deaths')}."]
    if excluded:
        death_text.append(
            f" A further {num(excluded)} {plural(excluded, 'death', 'deaths')} recorded in the "
            f"quarter {plural(excluded, 'is', 'are')} not counted because no link to scam "
            f"operations is known.")
    items.append(md(*death_text))
    bad, groups = len(fig.unsupported_groups), len(fig.stock_groups)
    if bad:
        items.append(md(
            f"For {num(bad)} of the {num(groups)} groups of country of detention and "
            f"nationality, more people were recorded as repatriated than as detained by "
            f"{date_words(fig.period.end)}, so the records cannot say how many of them are "
            f"still held; no figure is published for those groups."))
    if fig.provisional:
        items.append(md(f"Figures for {p} are provisional [p] and may be revised when later "
                        f"reports are added."))
    return bullet_list(items)


def headline_table(fig: Figures) -> Md:
    rows = []
    for h in fig.headlines.values():
        rows.append([h.label, num(h.current) + (" [p]" if fig.provisional else ""),
                     num(h.previous), num(h.year_earlier), signed_change(h.change_previous),
                     signed_change(h.change_year)])
    headers = ["Measure", short_words(fig.period), short_words(fig.previous),
               short_words(fig.year_earlier), "Change on quarter", "Change on year"]
    return pipe_table(headers, rows, "lrrrrr",
                      f"Headline figures, {fig.period.words}, with the previous quarter and the "
                      f"same quarter a year earlier (number of people)")


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


def _breakdown_table(rows: Sequence[dict], name, header: str, fig: Figures, caption: str,
                     keep_zero: bool = False) -> Md:
    body = [[name(r["key"]), num(r["persons"]), num(r["previous"])] for r in rows
            if keep_zero or r["persons"] or r["previous"]]
    total_now = sum(r["persons"] for r in rows)
    total_prev = sum(r["previous"] for r in rows)
    body.append(["Total", num(total_now), num(total_prev)])
    return pipe_table([header, fig.period.words, fig.previous.words], body, "lrr", caption)


def detentions_section(fig: Figures, charts: dict[str, Chart]) -> Md:
    d = fig.headlines["detained"]
    out = [para(f"In {fig.period.words}, {num(d.current)} people were recorded as detained, "
                f"in {num(d.records)} {plural(d.records, 'record', 'records')}.")
           if d.current else para(f"No detentions were recorded in {fig.period.words}.")]
    top = [r for r in fig.detentions_by_country if r["persons"]][:3]
    if top:
        parts = [f"{place_name(r['key'])} ({num(r['persons'])})" for r in top]
        out.append(para("By country of detention, the most were detained in "
                        + and_list(parts) + "."))
    unspecified = next((r["persons"] for r in fig.detentions_by_nationality
                        if r["key"] == "XXX"), 0)
    if unspecified and d.current:
        out.append(para(
            f"The nationality of {num(unspecified)} of them ({share(unspecified, d.current)}) "
            f"was not reported separately: the sources gave one figure for a group of several "
            f"nationalities."))
    if "detentions-by-country" in charts:
        out.append(chart_fragment(charts["detentions-by-country"]))
    out.append(_breakdown_table(fig.detentions_by_nationality, place_name, "Nationality", fig,
                                f"People detained by nationality, {fig.period.words} and "
                                f"{fig.previous.words}"))
    out.append(_breakdown_table(fig.detentions_by_reason, label, "Reason for detention", fig,
                                f"People detained by reason for detention, {fig.period.words} "
                                f"and {fig.previous.words}", keep_zero=True))
    return Md("\n".join(out))


def repatriations_section(fig: Figures, charts: dict[str, Chart]) -> Md:
    r = fig.headlines["repatriated"]
    arr = fig.arrested
    out = [para(f"In {fig.period.words}, {num(r.current)} people were recorded as "
                f"repatriated, in {num(r.records)} {plural(r.records, 'record', 'records')}.")
           if r.current else para(f"No repatriations were recorded in {fig.period.words}.")]
    top = [x for x in fig.repatriations_by_nationality if x["persons"]][:3]
    if top:
        parts = [f"{place_name(x['key'])} ({num(x['persons'])})" for x in top]
        out.append(para("By nationality, the largest groups returned to "
                        + and_list(parts) + "."))
    out.append(para(
        f"Of them, {num(arr['arrested'])} were recorded as arrested on arrival, "
        f"out of {num(arr['persons_reported'])} people in records that say whether they were. "
        f"For the other {num(arr['persons_not_reported'])} people "
        f"({num(arr['records_not_reported'])} "
        f"{plural(arr['records_not_reported'], 'record', 'records')}) the sources do not say; "
        f"the number arrested on arrival is therefore a minimum."))
    if "repatriations-by-mode" in charts:
        out.append(chart_fragment(charts["repatriations-by-mode"]))
    out.append(_breakdown_table(fig.repatriations_by_nationality, place_name, "Nationality",
                                fig, f"People repatriated by nationality, {fig.period.words} "
                                f"and {fig.previous.words}"))
    return Md("\n".join(out))


def stock_section(fig: Figures, charts: dict[str, Chart]) -> Md:
    end = date_words(fig.period.end)
    groups = fig.stock_groups
    good, bad = fig.supported_groups, fig.unsupported_groups
    out = [para(
        f"The records hold {num(len(groups))} groups of country of detention and nationality "
        f"up to {end}. For {num(len(good))} of them the records support a figure; for "
        f"{num(len(bad))} they do not, because at some date more people were recorded as "
        f"repatriated than as detained (shown as [x], not available).")]
    if "held-by-quarter" in charts:
        out.append(chart_fragment(charts["held-by-quarter"]))
    rows = []
    ordered = sorted(good, key=lambda g: (-(g.held or 0), g.country, g.nationality)) + \
        sorted(bad, key=lambda g: (g.country, g.nationality))
    for g in ordered:
        rows.append([place_name(g.country), nationality_name(g.nationality),
                     num(g.detained_to_date), num(g.repatriated_to_date),
                     num(g.held) if g.supported else "[x]"])
    out.append(pipe_table(
        ["Country of detention", "Nationality", "Detained to date", "Repatriated to date",
         f"Held at {end}"], rows, "llrrr",
        f"People recorded as detained and not recorded as repatriated, by country of detention "
        f"and nationality, at {end}; [x] not available"))
    if bad:
        out.append(para(Md("**"), "Reconciliation findings.", Md("**"),
                        " For each group below, the records show more people repatriated than "
                        "detained, so no figure is published for it:"))
        items = []
        latest: dict[tuple[str, str], Any] = {}
        for finding in fig.reconciliation:
            latest[(finding.country, finding.nationality)] = finding
        for (country, nationality), fnd in sorted(latest.items()):
            detained = ("none as detained there" if fnd.detained_to_date == 0
                        else f"{num(fnd.detained_to_date)} as detained there")
            records = ", ".join(fnd.record_ids)
            items.append(md(
                f"{group_name(country, nationality)}: by {date_words(fnd.date)}, "
                f"{num(fnd.repatriated_to_date)} people had been recorded as repatriated from "
                f"{place_name(country)} but {detained} "
                f"({plural(len(fnd.record_ids), 'record', 'records')} {records})."))
        out.append(bullet_list(items))
    return Md("\n".join(out))


def fatalities_section(fig: Figures) -> Md:
    f = fig.headlines["deaths"]
    out = [para(
        f"Under the scope rule, {num(f.current)} {plural(f.current, 'death is', 'deaths are')} "
        f"counted for {fig.period.words}.")]
    recorded = sum(r["persons"] for r in fig.fatalities_by_status)
    if recorded != f.current:
        out.append(para(
            f"All deaths recorded in the quarter, whatever their status, number "
            f"{num(recorded)}: that is the figure in the column died of the published "
            f"quarterly summary, which applies no scope rule."))
    rows = [[label(r["key"]), num(r["persons"]), num(r["previous"]),
             "Yes" if r["counted"] else "No"] for r in fig.fatalities_by_status]
    total_now = sum(r["persons"] for r in fig.fatalities_by_status)
    total_prev = sum(r["previous"] for r in fig.fatalities_by_status)
    rows.append(["All deaths recorded", num(total_now), num(total_prev), ""])
    out.append(pipe_table(["Link to scam operations", fig.period.words, fig.previous.words,
                           "Counted"], rows, "lrrl",
                          f"Deaths recorded by status of the link to scam operations, "
                          f"{fig.period.words} and {fig.previous.words}"))
    rows = [[label(r["key"]), num(r["persons"]), num(r["previous"])]
            for r in fig.fatalities_by_cause]
    rows.append(["Total counted", num(sum(r["persons"] for r in fig.fatalities_by_cause)),
                 num(sum(r["previous"] for r in fig.fatalities_by_cause))])
    out.append(pipe_table(["Cause of death as reported", fig.period.words, fig.previous.words],
                          rows, "lrr", f"Deaths counted (in scope) by cause, {fig.period.words} "
                          f"and {fig.previous.words}"))
    if fig.fatalities_excluded:
        items = [md(f"{x['record_id']}: {num(x['persons'])} "
                    f"{plural(x['persons'], 'death', 'deaths')} in {place_name(x['country'])} "
                    f"({date_words(x['event_date'])}), link to scam operations: "
                    f"{label(x['scam_link']).lower()}; cause as reported: "
                    f"{label(x['cause']).lower()}.")
                 for x in fig.fatalities_excluded]
        out.append(para("Deaths recorded in the quarter but not counted under the scope rule:"))
        out.append(bullet_list(items))
    else:
        out.append(para("No death recorded in the quarter was left out by the scope rule."))
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
                f"listed in the revisions table of the release.")]
    shown = sorted(fig.revisions, key=lambda r: (r.table != "quarterly_summary", r.table,
                                                 r.period, r.country, r.nationality, r.measure))
    rows = [[r.table, r.period, place_name(r.country),
             nationality_name(r.nationality) if r.nationality else "", r.measure,
             _value(r.old), _value(r.new)] for r in shown[:limit]]
    caption = "Figures revised since the previous release"
    if n > limit:
        caption += f" (the first {limit} of {n})"
    out.append(pipe_table(["Table", "Period", "Country", "Nationality", "Measure",
                           "Previous release", "This release"], rows, "lllllrr", caption))
    return Md("\n".join(out))


def sources_section(fig: Figures) -> Md:
    n = fig.records_in_period
    out = [para(f"The {num(n)} {plural(n, 'record', 'records')} of {fig.period.words} cite "
                f"{num(sum(r['sources'] for r in fig.reliability_mix))} "
                f"sources. Each source is graded from 5 (an official statement or record read "
                f"at first hand) to 1 (an aggregator or unattributed report).")]
    rows = [[str(r["reliability"]), r["description"], num(r["sources"]), num(r["records"])]
            for r in fig.reliability_mix]
    out.append(pipe_table(["Grade", "Reliability of the source", "Sources", "Records"], rows,
                          "rlrr", f"Sources cited by the records of {fig.period.words}, by "
                                  f"reliability grade"))
    if fig.precision_mix:
        parts = [f"{num(r['records'])} {'are ' if i == 0 else ''}dated to the {r['key']}"
                 for i, r in enumerate(fig.precision_mix)]
        out.append(para(f"Dates: of the {num(n)} records, "
                        + and_list(parts)
                        + ". A record dated to the week or month carries the day by which the "
                          "event had happened."))
    if fig.disagreements:
        out.append(para(
            f"Where sources disagree, the records keep the figure of the most reliable source "
            f"and note the others. {num(len(fig.disagreements))} "
            f"{plural(len(fig.disagreements), 'record', 'records')} of the quarter note "
            f"another source's figure or date:"))
        out.append(bullet_list(md(f"{r['record_id']}: {r['notes']}")
                               for r in fig.disagreements))
    else:
        out.append(para("No record of the quarter notes a disagreement between sources."))
    if fig.validation_warnings:
        parts = [f"{num(v)} {k.replace('_', ' ')}" for k, v in fig.validation_warnings.items()]
        total = sum(fig.validation_warnings.values())
        out.append(para(
            f"Validation of the data for this release found no errors and {num(total)} "
            f"{plural(total, 'warning', 'warnings')} over all periods ({', '.join(parts)})."))
    return Md("\n".join(out))


def data_links(charts: Sequence[Chart], published: Sequence[str]) -> Md:
    items = [Md(f"[{escape(c.csv_name)}]({c.csv_name}): {escape(c.title)}") for c in charts]
    out = [para("Each chart's data is a small CSV file in the folder bulletin-data of this "
                "release:"), bullet_list(items)]
    if published:
        out.append(para("The published tables of this release (CSV, with Parquet and Excel "
                        "versions, a data dictionary and checksums alongside):"))
        out.append(bullet_list(Md(f"[{escape(p)}]({p})") for p in published))
    return Md("\n".join(out))


def fragments(fig: Figures, charts: Sequence[Chart], published: Sequence[str]) -> dict[str, Md]:
    """Every generated fragment of the bulletin, by file name."""
    by_id = {c.id: c for c in charts}
    return {
        "main-points.md": main_points(fig),
        "headline-table.md": headline_table(fig),
        "trend.md": chart_fragment(by_id["quarterly-trend"]),
        "detentions.md": detentions_section(fig, by_id),
        "repatriations.md": repatriations_section(fig, by_id),
        "stock.md": stock_section(fig, by_id),
        "fatalities.md": fatalities_section(fig),
        "revisions.md": revisions_section(fig),
        "sources.md": sources_section(fig),
        "data-links.md": data_links(charts, published),
    }
