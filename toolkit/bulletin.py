"""The quarterly bulletin: generated fragments and metadata, rendered from reports/bulletin.qmd.

Numbers come from :mod:`toolkit.figures` and charts from :mod:`toolkit.charts`; this module
only turns them into sentences and tables. Every piece of text that comes from the data (place
names, notes, record ids, even numbers) goes through :func:`toolkit.render.escape_md`: the
generated markdown holds no markup except what this module writes itself.

Two ways in:

* :func:`render_bulletin` ``(ctx) -> list[Path]`` is a publishing extra: it writes
  ``bulletin.html``, ``bulletin.pdf`` and ``bulletin-data/*.csv`` into ``ctx.dir``.
* :func:`build_bulletin` ``(out_dir, period, as_of)`` does the same from the warehouse alone.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from toolkit.charts import SYMBOLS, Chart, chart_csv, make_charts
from toolkit.figures import (
    DEFAULT_SCOPE,
    SCAM_LINKS,
    Change,
    Figures,
    Headline,
    Revision,
    compute_figures,
    label,
    last_event_date,
    place_name,
)
from toolkit.periods import MONTHS, Period, latest_complete_quarter, parse_period

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
QMD = "bulletin.qmd"
CONFIG = ROOT / "config" / "bulletin.yaml"
#: Generated fragments and metadata live in ``<build dir>/_build/`` (the .qmd includes them).
FRAGMENTS = "_build"
METADATA = "bulletin-data.yml"
DATA_DIR = "bulletin-data"
MINUS = "\u2212"


class BulletinError(Exception):
    """The bulletin cannot be built; the message says why."""


# ----------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class BulletinConfig:
    organisation: str
    organisation_ko: str
    series: str
    statistician: str
    contact_team: str
    contact_email: str
    contact_phone: str
    licence: str
    scope: tuple[str, ...] = DEFAULT_SCOPE
    release_calendar: Path | None = None


def load_config(path: Path | None = None) -> BulletinConfig:
    """The bulletin's view of ``config/`` (``path``: a folder, default the configuration's)."""
    from toolkit.config import ConfigError
    from toolkit.config import load_config as load

    try:
        cfg = load(Path(path).parent if path is not None and Path(path).is_file() else path)
    except ConfigError as exc:
        raise BulletinError(str(exc)) from None
    pub = cfg.publisher
    return BulletinConfig(
        organisation=pub.name, organisation_ko=pub.name_ko, series=cfg.bulletin.series,
        statistician=pub.statistician, contact_team=pub.contact_team,
        contact_email=pub.contact_email, contact_phone=pub.contact_phone,
        licence=f"{pub.licence_title} ({pub.licence_id})", scope=cfg.bulletin.scope,
        release_calendar=cfg.folder / "release-calendar.yaml",
    )


def next_release_date(calendar: Path | None, as_of: dt.date) -> dt.date | None:
    """The first planned release after ``as_of`` in the release calendar (portal page rule)."""
    if calendar is None or not calendar.is_file():
        return None
    data = yaml.safe_load(calendar.read_text(encoding="utf-8")) or {}
    dates = []
    for entry in data.get("releases") or []:
        d = entry.get("date") if isinstance(entry, dict) else None
        if isinstance(d, str):
            d = dt.date.fromisoformat(d)
        if isinstance(d, dt.date) and d > as_of:
            dates.append(d)
    return min(dates) if dates else None


# ----------------------------------------------------------------------------- text helpers


class Md(str):
    """Markdown written by this module (not data): passed through unescaped."""


def _escape(text: Any) -> str:
    """escape_md, keeping the spaces at either end (escape_md trims them)."""
    from toolkit.render import escape_md

    text = str(text)
    core = escape_md(text)
    if not core:
        return " " if text[:1].isspace() else ""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    return lead + core + trail


def md(*parts: Any) -> Md:
    """Join parts into markdown: :class:`Md` parts as they are, anything else escaped."""
    return Md("".join(p if isinstance(p, Md) else _escape(p) for p in parts))


def num(value: int) -> str:
    return f"{value:,}"


def date_words(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_words(period: Period) -> str:
    """``Oct to Dec 2025`` for table headers."""
    first, last = MONTHS[period.start.month - 1][:3], MONTHS[period.end.month - 1][:3]
    return f"{first} {period.end.year}" if first == last else f"{first} to {last} {period.end.year}"


def percent(change: Change) -> str:
    p = abs(change.percent or 0.0)
    return f"{p:.1f}%" if 0 < p < 10 else f"{p:.0f}%"


def signed_change(change: Change) -> str:
    """Table cell: ``−212 (−6.8%)``, ``0 (0%)`` or ``not comparable``."""
    if not change.comparable:
        return "not comparable"
    a = change.absolute
    sign = "+" if a > 0 else (MINUS if a < 0 else "")
    return f"{sign}{num(abs(a))} ({sign}{percent(change)})"


def plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def figure_span(value: str, key: str) -> Md:
    """A headline number, bold, marked so tests and readers' tools can find it in the HTML."""
    return Md(f"**[{_escape(value)}]{{.figure data-figure=\"{key}\"}}**")


def change_clause(change: Change, base_words: str, noun: str) -> str:
    """``212 fewer than in July to September 2025 (3,108), a fall of 6.8%``."""
    if not change.comparable:
        return (f"no {noun} were recorded in {base_words}, so the change on that period is "
                f"not comparable")
    a = change.absolute
    if a == 0:
        return f"the same number as in {base_words}"
    more = "more" if a > 0 else "fewer"
    moved = "a rise" if a > 0 else "a fall"
    return (f"{num(abs(a))} {more} than in {base_words} ({num(change.base)}), "
            f"{moved} of {percent(change)}")


def pipe_table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str,
               caption: str) -> Md:
    """A Pandoc pipe table; every header and cell is data text (escaped)."""
    rows = list(rows)
    # Pandoc sizes wrapped columns by the dashes under each header: give each column dashes in
    # proportion to its longest word run (so labels do not wrap needlessly)
    widths = []
    for i, h in enumerate(headers):
        longest = max([len(str(h)) * 0.6] + [len(str(r[i])) for r in rows if i < len(r)])
        widths.append(max(3, min(40, int(longest))))
    sep = {"l": lambda n: ":" + "-" * n, "r": lambda n: "-" * n + ":",
           "c": lambda n: ":" + "-" * n + ":"}
    lines = ["| " + " | ".join(_escape(h) for h in headers) + " |",
             "|" + "|".join(sep[a](w) for a, w in zip(align, widths, strict=True)) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_escape(c) if c != "" else " " for c in row) + " |")
    lines.append("")
    lines.append(": " + _escape(caption))
    return Md("\n".join(lines) + "\n")


def bullet_list(items: Iterable[Md]) -> Md:
    return Md("\n".join(f"- {item}" for item in items) + "\n")


def para(*parts: Any) -> Md:
    return Md(md(*parts) + "\n")


# ----------------------------------------------------------------------------- fragments


def _status_words(scope: Sequence[str]) -> str:
    names = [label(s).lower() for s in scope]
    if not names:
        return "none"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


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
                  f"operations (link {_status_words(fig.scope)}): "
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
    from toolkit.render import chart_block

    block = chart_block(chart.id, chart.spec, chart.svg, chart.alt, chart.title + ". "
                        + chart.caption, pdf_width=chart.pdf_width)
    symbols = chart.symbols_used
    out = [Md(block), ""]
    if symbols:
        out.append(para("Symbols: " + "; ".join(f"{s} {SYMBOLS[s]}" for s in symbols) + "."))
    out.append(pipe_table(chart.table_headers, chart.table_rows, chart.table_align,
                          f"Data behind the chart: {chart.title}"))
    out.append(Md(f"Download the data behind this chart: "
                  f"[{_escape(chart.id + '.csv')}]({chart.csv_name}) (CSV).\n"))
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
                        + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1
                           else parts[0]) + "."))
    unspecified = next((r["persons"] for r in fig.detentions_by_nationality
                        if r["key"] == "XXX"), 0)
    if unspecified and d.current:
        out.append(para(
            f"The nationality of {num(unspecified)} of them ({_share(unspecified, d.current)}) "
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


def _share(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f}%" if whole else "not comparable"


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
                        + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1
                           else parts[0]) + "."))
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


def nationality_name(code: str) -> str:
    return "Several or unspecified" if code == "XXX" else place_name(code)


def _group_name(country: str, nationality: str) -> str:
    nat = place_name(nationality)
    return f"{place_name(country)}, nationality {nat}" if nationality != "XXX" else \
        f"{place_name(country)}, several or unspecified nationalities"


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
                f"{_group_name(country, nationality)}: by {date_words(fnd.date)}, "
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
                        + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1
                           else parts[0])
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
    items = [Md(f"[{_escape(c.csv_name)}]({c.csv_name}): {_escape(c.title)}") for c in charts]
    out = [para("Each chart's data is a small CSV file in the folder bulletin-data of this "
                "release:"), bullet_list(items)]
    if published:
        out.append(para("The published tables of this release (CSV, with Parquet and Excel "
                        "versions, a data dictionary and checksums alongside):"))
        out.append(bullet_list(Md(f"[{_escape(p)}]({p})") for p in published))
    return Md("\n".join(out))


# ----------------------------------------------------------------------------- metadata


def metadata(fig: Figures, cfg: BulletinConfig, *, release_id: str | None,
             next_release: dt.date | None) -> dict[str, Any]:
    """The values the .qmd shows with ``{{< meta ... >}}`` (plain text; render.py escapes)."""
    status = ("Provisional [p]: figures for the latest quarter may be revised"
              if fig.provisional else "Not provisional: later quarters have been published "
              "since; later reports can still revise these figures")
    figures: dict[str, Any] = {}
    for key, h in fig.headlines.items():
        figures[key] = {
            "current": num(h.current), "previous": num(h.previous),
            "year_earlier": num(h.year_earlier),
            "change_previous": signed_change(h.change_previous),
            "change_year": signed_change(h.change_year),
        }
    return {
        "bulletin": {
            "title": f"Detentions, repatriations and deaths linked to online-scam compounds: "
                     f"{fig.period.words}",
            "subtitle": f"Quarterly statistical bulletin, {fig.period.words}",
            "series": cfg.series,
            "period": fig.period.label,
            "period_words": fig.period.words,
            "previous_words": fig.previous.words,
            "year_earlier_words": fig.year_earlier.words,
            "period_end": date_words(fig.period.end),
            "release_date": date_words(fig.as_of),
            "release_line": f"Released {date_words(fig.as_of)}",
            "next_release": date_words(next_release) if next_release else "To be announced",
            "release_id": release_id or "not published as a release",
            "status": status,
            "data_from": date_words(fig.first_event),
            "data_to": date_words(fig.last_event),
            "scope_words": _status_words(fig.scope),
            "excluded_words": _status_words([s for s in SCAM_LINKS if s not in fig.scope]),
            "organisation": cfg.organisation,
            "organisation_ko": cfg.organisation_ko,
            "statistician": cfg.statistician,
            "contact_team": cfg.contact_team,
            "contact_email": cfg.contact_email,
            "contact_phone": cfg.contact_phone or "not published",
            "contact_line": ", ".join(x for x in (
                f"{cfg.contact_team} ({cfg.organisation_ko})" if cfg.organisation_ko
                else cfg.contact_team, cfg.contact_email,
                f"telephone {cfg.contact_phone}" if cfg.contact_phone else "") if x),
            "licence": cfg.licence,
        },
        "figures": figures,
    }


# ----------------------------------------------------------------------------- build


@dataclass
class BulletinInputs:
    figures: Figures
    charts: list[Chart]
    meta: dict[str, Any]
    fragments: dict[str, str] = field(default_factory=dict)


def prepare(fig: Figures, cfg: BulletinConfig, *, release_id: str | None = None,
            next_release: dt.date | None = None, published: Sequence[str] = ()) -> BulletinInputs:
    """Charts, fragments and metadata for one period (no files written)."""
    charts = make_charts(fig)
    by_id = {c.id: c for c in charts}
    fragments = {
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
    meta = metadata(fig, cfg, release_id=release_id, next_release=next_release)
    return BulletinInputs(fig, charts, meta, fragments)


def write_build_dir(inputs: BulletinInputs, build_dir: Path) -> Path:
    """Write ``bulletin.qmd`` (copied from reports/ unless it is reports/), fragments, metadata."""
    build_dir.mkdir(parents=True, exist_ok=True)
    if build_dir.resolve() != REPORTS.resolve():
        shutil.copyfile(REPORTS / QMD, build_dir / QMD)
        shutil.copyfile(REPORTS / "_quarto.yml", build_dir / "_quarto.yml")
    frag_dir = build_dir / FRAGMENTS
    frag_dir.mkdir(exist_ok=True)
    for name, text in inputs.fragments.items():
        (frag_dir / name).write_text(text, encoding="utf-8")
    (frag_dir / METADATA).write_text(
        yaml.safe_dump(inputs.meta, allow_unicode=True, sort_keys=True, width=1000),
        encoding="utf-8")
    return build_dir / QMD


#: Draws the charts when the document is rendered by Quarto (render.py inlines its own).
QUARTO_CHART_JS = """(function () {
  document.querySelectorAll("div.vega-chart[data-vega-spec]").forEach(function (el) {
    window.vegaEmbed(el, JSON.parse(el.getAttribute("data-vega-spec")),
      {mode: "vega-lite", renderer: "svg", actions: false, tooltip: true})
      .catch(function (err) { console.error("Chart " + el.id + ": " + err); });
  });
})();"""


def write_quarto_runtime(build_dir: Path) -> Path:
    """``_build/quarto-charts.html``: the offline Vega runtime for ``quarto render`` (HTML)."""
    from toolkit.render import _vega_bundle  # the cached bundle of vl_convert

    path = build_dir / FRAGMENTS / "quarto-charts.html"
    path.write_text(f"<script>{_vega_bundle()}</script>\n<script>{QUARTO_CHART_JS}</script>\n",
                    encoding="utf-8")
    return path


def prefetch(html: bool = True) -> None:
    """Start the slow set-up of a bulletin render in other processes and return at once: the
    process that makes the charts (:func:`toolkit.charts.warm_up`) and, for the HTML when it is
    not cached yet, the Vega runtime (:func:`toolkit.render.prefetch_vega_bundle`). Optional:
    without it the same work is done in this process when it is needed."""
    from toolkit.charts import warm_up
    from toolkit.render import prefetch_vega_bundle

    if html:
        prefetch_vega_bundle()
    warm_up()


def write_outputs(inputs: BulletinInputs, out_dir: Path, *, build_dir: Path | None = None,
                  html: bool = True, pdf: bool = True) -> list[Path]:
    """Render ``bulletin.html``/``bulletin.pdf`` and write the chart CSVs into ``out_dir``.

    The HTML and the PDF are rendered at the same time on two threads: most of either is
    Pandoc (a process) and Typst (which releases the GIL).
    """
    from toolkit.render import render_html, render_pdf

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    data_dir = out_dir / DATA_DIR
    data_dir.mkdir(exist_ok=True)
    for chart in inputs.charts:
        path = out_dir / chart.csv_name
        path.write_bytes(chart_csv(chart).encode("utf-8"))
        written.append(path)

    def render(where: Path) -> None:
        qmd = write_build_dir(inputs, where)
        jobs = ([(render_html, out_dir / "bulletin.html")] if html else []) + (
            [(render_pdf, out_dir / "bulletin.pdf")] if pdf else [])
        if len(jobs) < 2:
            written.extend(job(qmd, inputs.meta, out, resource_dir=where) for job, out in jobs)
            return
        with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="bulletin") as pool:
            running = [pool.submit(job, qmd, inputs.meta, out, resource_dir=where)
                       for job, out in jobs]
            wait(running)
        written.extend(r.result() for r in running)  # the HTML's error first, if both fail

    if build_dir is not None:
        render(build_dir)
        write_quarto_runtime(build_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="toolkit-bulletin-") as tmp:
            render(Path(tmp))
    return sorted(written)


def _revisions_from(ctx: Any) -> list[Revision] | None:
    """The release's revisions table; None when there is no previous release."""
    if getattr(ctx, "previous", None) is None:
        return None
    frame = (getattr(ctx, "tables", None) or {}).get("revisions")
    if frame is None:
        return None
    return [Revision(str(r.get("table") or ""), str(r.get("period") or ""),
                     str(r.get("country") or ""), str(r.get("nationality") or ""),
                     str(r.get("measure") or ""), r.get("previous_value"), r.get("value"))
            for r in frame.to_dicts()]


def render_bulletin(ctx: Any) -> list[Path]:
    """Publishing extra: the bulletin of ``ctx.period`` (default: latest complete quarter)."""
    cfg = load_config()
    con = ctx.con
    period = ctx.period or latest_complete_quarter(ctx.as_of, last_event_date(con))
    # publishing flags the release's period [p]; the bulletin says the same
    fig = compute_figures(con, period, as_of=ctx.as_of, scope=cfg.scope,
                          revisions=_revisions_from(ctx), provisional=True)
    out_dir = Path(ctx.dir)
    published = sorted(p.relative_to(out_dir).as_posix()
                       for p in (out_dir / "data").glob("*.csv")
                       if not p.name.endswith("-excel.csv"))
    next_release = getattr(ctx, "next_release", None) or next_release_date(
        cfg.release_calendar, ctx.as_of)
    inputs = prepare(fig, cfg, release_id=ctx.release_id, next_release=next_release,
                     published=published)
    return write_outputs(inputs, out_dir)


#: publish_release calls this before it starts, so the set-up runs while the tables are made
render_bulletin.prefetch = prefetch  # type: ignore[attr-defined]


def build_bulletin(out_dir: Path, period: Period | None = None, as_of: dt.date | None = None,
                   *, warehouse_dir: Path = Path("data/processed"),
                   config_path: Path | None = None, build_dir: Path | None = None,
                   html: bool = True, pdf: bool = True) -> list[Path]:
    """Standalone: render the bulletin from the warehouse in ``warehouse_dir`` into ``out_dir``.

    ``period`` defaults to the latest complete quarter with data as of ``as_of`` (default: the
    warehouse's as-of date). ``build_dir`` keeps the generated fragments and metadata (give
    ``reports`` to render afterwards with ``quarto render reports/bulletin.qmd``).
    """
    from toolkit.warehouse import connect

    cfg = load_config(config_path)
    prefetch(html)
    con = connect(Path(warehouse_dir), read_only=True)
    try:
        if as_of is None:
            row = con.execute("SELECT value FROM load_info WHERE key = 'as_of'").fetchall()[0]
            as_of = dt.date.fromisoformat(row[0])
        if period is None:
            period = latest_complete_quarter(as_of, last_event_date(con))
        if period.start > as_of:
            raise BulletinError(f"period {period.label} starts after the as-of date {as_of}")
        fig = compute_figures(con, period, as_of=as_of, scope=cfg.scope)
    finally:
        con.close()
    inputs = prepare(fig, cfg, next_release=next_release_date(cfg.release_calendar, as_of))
    return write_outputs(inputs, Path(out_dir), build_dir=build_dir, html=html, pdf=pdf)


def bulletin_command(period: str | None, out: Path, as_of: str | None = None,
                     warehouse: Path = Path("data/processed"),
                     build_dir: Path | None = None) -> list[Path]:
    """What ``toolkit bulletin`` calls: parses the period and date, then :func:`build_bulletin`."""
    return build_bulletin(out, parse_period(period) if period else None,
                          dt.date.fromisoformat(as_of) if as_of else None,
                          warehouse_dir=warehouse, build_dir=build_dir)


__all__ = ["build_bulletin", "render_bulletin", "bulletin_command", "load_config", "prefetch",
           "BulletinConfig", "BulletinError", "prepare", "write_outputs", "Headline"]
