"""The bulletin's charts: Altair specs in one colour-blind-safe theme, and the data behind them.

Every chart is a :class:`Chart`: a Vega-Lite spec (interactive, with tooltips, in the HTML),
a title, a caption, alt text, the rows behind it (written as a CSV into the release and shown
as a table beside the chart) and, once :mod:`toolkit.bulletin.chartproc` has drawn it, the
static SVG of the same spec (for the PDF). Every value carries its status markers as the
published table has them (``[p]``, ``[r]``, ``[u]``) and its qualifier ("at least"); provisional
values are drawn paler. A value that is not available or not collected (``[x]``), or not
applicable (``[z]``), has no mark: the chart shows a gap, its alt text says so, and its CSV row
has an empty value and the symbol in its status column. Nothing is plotted as zero that is not
a recorded zero.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from toolkit.bulletin.names import NOT_RETURNED, NOT_RETURNED_SHORT, label, place_name
from toolkit.bulletin.text import cell, qualified
from toolkit.textsafety import neutralise

if TYPE_CHECKING:
    import altair as alt

    from toolkit.bulletin.figures import Count, Figures

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision
#: deficiencies. Yellow (#F0E442) comes last: it is too pale for thin marks on white.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
             "#F0E442")
INK, MUTED, GRID = "#1b1d21", "#4a4f57", "#e3e7eb"
#: The PDF sets chart text in its sans font list when the SVG asks for sans-serif (pdf.py).
FONT = "sans-serif"

PROVISIONAL, SUPPRESSED, NOT_AVAILABLE = "[p]", "[c]", "[x]"
#: The status markers, in the published order, and what each means in the bulletin.
SYMBOLS = {
    SUPPRESSED: "suppressed to protect individuals",
    NOT_AVAILABLE: "not available or not collected",
    "[z]": "not applicable",
    "[u]": "low reliability",
    "[r]": "revised since the previous release",
    PROVISIONAL: "provisional",
}
#: Bars labelled with their values need no value axis; runs of axis numbers also read badly
#: in the PDF's text layer (and look like phone numbers to the release's personal-data scan).
DIRECT_LABELS = {"labels": False, "ticks": False, "grid": False, "domain": False}
MEASURE_COLOURS = {"Detained": OKABE_ITO[0], "Repatriated": OKABE_ITO[1]}


def theme_config() -> dict[str, Any]:
    """Vega-Lite ``config`` shared by every chart of the bulletin."""
    return {
        "background": "white",
        "font": FONT,
        "padding": 8,
        "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 260},
        "title": {"anchor": "start", "fontSize": 14, "fontWeight": "bold", "color": INK,
                  "subtitleFontSize": 11, "subtitleColor": MUTED, "offset": 10, "font": FONT,
                  "subtitleFont": FONT},
        "axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11,
                 "titleFontSize": 11, "labelColor": INK, "titleColor": MUTED,
                 "titleFontWeight": "normal", "gridColor": GRID, "domainColor": MUTED,
                 "tickColor": MUTED, "labelLimit": 260},
        "axisX": {"grid": False},
        "legend": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11,
                   "titleFontSize": 11, "titleColor": MUTED, "titleFontWeight": "normal",
                   "orient": "top", "symbolType": "square"},
        "range": {"category": list(OKABE_ITO)},
        "bar": {"color": OKABE_ITO[0]},
        "text": {"font": FONT, "fontSize": 10, "color": INK},
        "locale": {"number": {"decimal": ".", "thousands": ",", "grouping": [3],
                              "currency": ["", ""]}},
    }


@dataclass
class Chart:
    """One chart of the bulletin, with everything needed to show it and its data."""

    id: str
    title: str
    caption: str
    alt: str
    columns: list[str]            # CSV header (machine names)
    headers: list[str]            # table header (for readers)
    rows: list[dict[str, Any]]    # the data behind the chart, one dict per CSV row
    spec: dict[str, Any]
    svg: str = ""
    pdf_width: str = "100%"
    #: The data-table alternative shown beside the chart: header, rows of display text, and
    #: the alignment of each column ("l" or "r").
    table_headers: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    table_align: str = ""

    @property
    def csv_name(self) -> str:
        return f"bulletin-data/{self.id}.csv"

    @property
    def symbols_used(self) -> list[str]:
        used = {flag for r in self.rows for k, v in r.items() if k.endswith("status") and v
                for flag in str(v).split()}
        used |= {flag for row in self.table_rows for text in row for flag in SYMBOLS
                 if flag in str(text)}
        return [s for s in SYMBOLS if s in used]


# ----------------------------------------------------------------------------- helpers


def _cell(value: Any) -> Any:
    """A CSV cell: empty for None; text never starts with what a spreadsheet runs as a formula."""
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else value


def chart_csv(chart: Chart) -> str:
    """The rows behind a chart as RFC 4180 CSV (UTF-8, LF-free CRLF line ends as the RFC says)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(chart.columns)
    for row in chart.rows:
        writer.writerow([_cell(row.get(c)) for c in chart.columns])
    return buf.getvalue()


def country_colours(codes: Sequence[str]) -> dict[str, str]:
    """One colour per country, stable for the whole bulletin (sorted by code)."""
    return {code: OKABE_ITO[i % len(OKABE_ITO)] for i, code in enumerate(sorted(set(codes)))}


def _fields(count: Count, prefix: str) -> dict[str, Any]:
    """A count as CSV columns: value (empty where none), qualifier and status."""
    return {prefix: count.value, f"{prefix}_qualifier": count.qualifier if count.available
            else "", f"{prefix}_status": count.status}


def _provisional(count: Count) -> bool:
    return count.has(PROVISIONAL)


def _period_title(label: str, rows: Sequence[dict], key: str) -> str:
    """A period with the [p] its cells carry, as an axis or table label."""
    flagged = any(r["period"] == label and PROVISIONAL in str(r.get(key) or "").split()
                  for r in rows)
    return f"{label} {PROVISIONAL}" if flagged else label


@cache
def _altair():
    import altair  # slow to import: imported by the first chart, not with this module

    return altair


def _finish(chart: alt.TopLevelMixin, title: str, subtitle: str | None = None) -> dict:
    alt = _altair()
    titled = chart.properties(title=alt.TitleParams(title, subtitle=subtitle or alt.Undefined))
    # Not validated against the Vega-Lite JSON schema here: the structure of every spec is
    # fixed by this module, and tests/test_bulletin.py validates each chart's spec.
    spec = titled.to_dict(validate=False)
    spec["config"] = theme_config()
    spec.pop("$schema", None)
    return spec


def and_words(parts: Sequence[str]) -> str:
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def _gaps(missing: Sequence[str]) -> str:
    if not missing:
        return ""
    return (f" There is no bar for {', '.join(missing)}: no figure is available there "
            f"([x]), which is not a zero.")


# ----------------------------------------------------------------------------- charts


def trend(fig: Figures) -> Chart:
    """People detained and repatriated in each period up to the bulletin's period."""
    alt = _altair()
    unit = fig.unit
    pairs = []
    for s in fig.series:
        for measure in ("detained", "repatriated"):
            c = s[measure]
            pairs.append(({"period": s["period"], "measure": measure, **_fields(c, "persons"),
                           "coverage": c.coverage}, c))
    rows = [r for r, _ in pairs]
    Unit = unit.capitalize()
    data = [{**r, "Measure": r["measure"].capitalize(),
             Unit: _period_title(r["period"], rows, "persons_status"),
             "provisional": c.has(PROVISIONAL), "text": cell(c)}
            for r, c in pairs if c.available]
    order = list(dict.fromkeys(_period_title(r["period"], rows, "persons_status")
                               for r in rows))
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X(f"{Unit}:N", sort=order, title=None,
                axis=alt.Axis(labelAngle=0 if unit == "quarter" else -45)),
        xOffset=alt.XOffset("Measure:N", sort=["Detained", "Repatriated"]),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("persons:Q", title="People", axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color("Measure:N", title=None,
                        scale=alt.Scale(domain=list(MEASURE_COLOURS),
                                        range=list(MEASURE_COLOURS.values()))),
        opacity=alt.condition(alt.datum.provisional, alt.value(0.5), alt.value(1.0)),
        tooltip=[alt.Tooltip(f"{Unit}:N"), alt.Tooltip("Measure:N"),
                 alt.Tooltip("text:N", title="People")],
    )
    first = fig.series[0]["period"] if fig.series else fig.period.label
    title = f"People recorded as detained and repatriated by {unit}, {first} to {fig.period.label}"
    spec = _finish(bars.properties(width=540, height=260), title,
                   f"Number of people in the records, by {unit} of the event date")
    h = fig.headlines
    alt_text = (f"Grouped bar chart of the number of people recorded as detained and repatriated "
                f"in each {unit} from {first} to {fig.period.label}. In {fig.period.words}, "
                f"{qualified(h['detained'].current)} people were recorded as detained and "
                f"{qualified(h['repatriated'].current)} as repatriated.")
    shown = [s for s in fig.series if s["detained"].available]
    if shown:
        peak = max(shown, key=lambda s: s["detained"].value)
        alt_text += (f" The most detentions were recorded in {peak['period']} "
                     f"({qualified(peak['detained'])}).")
    alt_text += _gaps([f"{r['measure']} in {r['period']}" for r in rows if r["persons"] is None])
    part = sorted({r["period"] for r in rows if r["coverage"] == "part"})
    if part:
        alt_text += (f" {', '.join(part)} {'is' if len(part) == 1 else 'are'} only partly "
                     f"collected.")
    table = [[_period_title(s["period"], rows, "persons_status"), cell(s["detained"]),
              cell(s["repatriated"])] for s in fig.series]
    return Chart(
        id=f"{'quarterly' if unit == 'quarter' else 'monthly'}-trend", title=title,
        caption=(f"Source: detentions and repatriations datasets. People are counted in the "
                 f"{unit} of their event date; the values and markers are those of the "
                 f"published {'quarterly' if unit == 'quarter' else 'monthly'} summary (all "
                 f"countries, all nationalities)."),
        alt=alt_text,
        columns=["period", "measure", "persons", "persons_qualifier", "persons_status",
                 "coverage"],
        headers=[Unit, "Measure", "People", "Qualifier", "Status", "Coverage"], rows=rows,
        spec=spec, table_headers=[Unit, "People detained", "People repatriated"],
        table_rows=table, table_align="lrr")


def _two_period_rows(breakdown, key: str, name) -> list[dict]:
    rows = []
    for r in breakdown:
        if not (r.current.value or r.previous.value):
            continue
        rows.append({key: r.key, "label": name(r.key), **_fields(r.current, "persons"),
                     **_fields(r.previous, "previous")})
    return rows


def _two_period_chart(fig: Figures, rows: list[dict], name_field: str, axis_title: str,
                      colours: tuple[str, str]) -> dict:
    """Horizontal bars of the period and the one before, per category, labelled directly."""
    alt = _altair()
    current = fig.period.words
    before = fig.previous.words
    long = []
    for r in rows:
        for which, period, prefix in (("current", current, "persons"),
                                      ("previous", before, "previous")):
            value = r[prefix]
            if value is None:
                continue  # not available: no bar, never a zero
            status = r[f"{prefix}_status"]
            text = f"{QUALIFIERS.get(r[f'{prefix}_qualifier'], '')}{value:,}"
            text = f"{text} {status}".strip()
            long.append({name_field: r["label"], "which": which, "Period": period,
                         "persons": value, "text": text,
                         "provisional": PROVISIONAL in status.split()})
    order = [r["label"] for r in rows]
    base = alt.Chart(alt.Data(values=long)).encode(
        y=alt.Y(f"{name_field}:N", sort=order, title=None),
        yOffset=alt.YOffset("Period:N", sort=[current, before]),
    )
    bars = base.mark_bar().encode(
        x=alt.X("persons:Q", title=axis_title, axis=alt.Axis(**DIRECT_LABELS)),
        color=alt.Color("Period:N", title=None, sort=[current, before],
                        scale=alt.Scale(domain=[current, before], range=list(colours))),
        opacity=alt.condition(alt.datum.provisional, alt.value(0.6), alt.value(1.0)),
        tooltip=[alt.Tooltip(f"{name_field}:N"), alt.Tooltip("Period:N"),
                 alt.Tooltip("text:N", title="People")],
    )
    text = base.mark_text(align="left", dx=4, fontSize=9, color=MUTED).encode(
        x=alt.X("persons:Q"), text=alt.Text("text:N"))
    return alt.layer(bars, text).properties(width=440, height=max(90, 34 * len(rows)))


QUALIFIERS = {"exact": "", "at_least": "at least ", "about": "about "}


def _two_period_table(rows: list[dict]) -> list[list[str]]:
    from toolkit.bulletin.figures import Count

    def show(r: dict, prefix: str) -> str:
        return cell(Count(r[prefix], r[f"{prefix}_qualifier"] or "exact", r[f"{prefix}_status"]))

    return [[r["label"], show(r, "persons"), show(r, "previous")] for r in rows]


def detentions_by_country(fig: Figures, colours: dict[str, str]) -> Chart:
    rows = _two_period_rows(fig.detentions_by_country, "code", place_name)
    title = f"People recorded as detained by country of detention, {fig.period.words}"
    spec = _finish(_two_period_chart(fig, rows, "Country", "People detained",
                                     (OKABE_ITO[0], "#9ab8d3")),
                   title, f"Compared with {fig.previous.words}")
    alt_text = (f"Horizontal bar chart of people recorded as detained in {fig.period.words} by "
                f"country of detention, beside {fig.previous.words}.")
    if rows:
        top = rows[0]
        shown = qualified(fig.detentions_by_country[0].current)
        alt_text += f" The most were detained in {top['label']} ({shown})."
    alt_text += _gaps([f"{r['label']} in {w}" for r in rows
                       for p, w in (("persons", fig.period.words),
                                    ("previous", fig.previous.words)) if r[p] is None])
    return Chart(
        id="detentions-by-country", title=title,
        caption="Source: detentions dataset. Country where the detention happened.",
        alt=alt_text,
        columns=["code", "label", "persons", "persons_qualifier", "persons_status", "previous",
                 "previous_qualifier", "previous_status"],
        headers=["Code", "Country", fig.period.words, "Qualifier", "Status",
                 fig.previous.words, "Qualifier", "Status"],
        rows=rows, spec=spec, pdf_width="90%",
        table_headers=["Country of detention", fig.period.words, fig.previous.words],
        table_rows=_two_period_table(rows), table_align="lrr")


def repatriations_by_mode(fig: Figures) -> Chart:
    rows = _two_period_rows(fig.repatriations_by_mode, "mode", label)
    title = f"People recorded as repatriated by mode of return, {fig.period.words}"
    spec = _finish(_two_period_chart(fig, rows, "Mode", "People repatriated",
                                     (OKABE_ITO[1], "#f0c987")),
                   title, f"Compared with {fig.previous.words}")
    alt_text = (f"Horizontal bar chart of people recorded as repatriated in {fig.period.words} "
                f"by mode of return, beside {fig.previous.words}.")
    top = fig.repatriations_by_mode[0] if fig.repatriations_by_mode else None
    if top is not None and top.current.value:
        alt_text += (f" The most returned by {label(top.key).lower()} "
                     f"({qualified(top.current)}).")
    alt_text += _gaps([f"{r['label']} in {w}" for r in rows
                       for p, w in (("persons", fig.period.words),
                                    ("previous", fig.previous.words)) if r[p] is None])
    return Chart(
        id="repatriations-by-mode", title=title,
        caption=f"Source: repatriations dataset. Modes with no repatriation in either "
                f"{fig.unit} are left out.",
        alt=alt_text,
        columns=["mode", "label", "persons", "persons_qualifier", "persons_status", "previous",
                 "previous_qualifier", "previous_status"],
        headers=["Code", "Mode", fig.period.words, "Qualifier", "Status", fig.previous.words,
                 "Qualifier", "Status"],
        rows=rows, spec=spec, pdf_width="90%",
        table_headers=["Mode of return", fig.period.words, fig.previous.words],
        table_rows=_two_period_table(rows), table_align="lrr")


def not_returned_by_period(fig: Figures, colours: dict[str, str]) -> Chart | None:
    """The derived measure [u] at the end of each period, by country of detention, as the
    published summary has it (negative values included); no bar where there is no figure."""
    from toolkit.bulletin.figures import TOTAL

    if not fig.not_returned_series:
        return None
    alt = _altair()
    unit = fig.unit
    pairs = []
    for r in fig.not_returned_series:
        c = r["value"]
        pairs.append(({"period": r["period"], "period_end": r["end"].isoformat(),
                       "country": r["country"],
                       "label": "All countries" if r["country"] == TOTAL
                       else place_name(r["country"]),
                       **_fields(c, "not_returned")}, c))
    rows = [r for r, _ in pairs]
    countries = sorted({r["country"] for r in rows if r["country"] != TOTAL})
    names = [place_name(c) for c in countries]
    Unit = f"End of {unit}"
    data = [{**r, Unit: _period_title(r["period"], rows, "not_returned_status"),
             "Country": r["label"], "provisional": c.has(PROVISIONAL), "text": cell(c)}
            for r, c in pairs if r["country"] != TOTAL and c.available]
    order = list(dict.fromkeys(_period_title(r["period"], rows, "not_returned_status")
                               for r in rows))
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X(f"{Unit}:N", sort=order, title=Unit,
                axis=alt.Axis(labelAngle=0 if unit == "quarter" else -45)),
        xOffset=alt.XOffset("Country:N", sort=names),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("not_returned:Q", title="People [u]",
                axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color("Country:N", title="Country of detention",
                        scale=alt.Scale(domain=names, range=[colours[c] for c in countries])),
        opacity=alt.condition(alt.datum.provisional, alt.value(0.6), alt.value(1.0)),
        tooltip=[alt.Tooltip(f"{Unit}:N"), alt.Tooltip("Country:N"),
                 alt.Tooltip("text:N", title=f"{NOT_RETURNED} [u]")],
    )
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(color=MUTED).encode(
        y=alt.Y("zero:Q"))
    title = f"{NOT_RETURNED} [u] at the end of each {unit}"
    spec = _finish(alt.layer(bars, zero).properties(width=540, height=260), title,
                   NOT_RETURNED_SHORT[0].upper() + NOT_RETURNED_SHORT[1:])
    last = [r for r in rows if r["period"] == fig.period.label]
    negative = [r["label"] for r in last if r["country"] != TOTAL
                and r["not_returned"] is not None and r["not_returned"] < 0]
    alt_text = (f"Grouped bar chart of people {NOT_RETURNED.lower()} (low reliability, [u]) "
                f"by country of detention, at the end of each {unit} to {fig.period.words}: "
                f"{NOT_RETURNED_SHORT}. ")
    if fig.not_returned_total.available:
        alt_text += (f"At the end of {fig.period.words} the figure over all countries was "
                     f"{qualified(fig.not_returned_total)}. ")
    if negative:
        alt_text += (f"Bars below zero ({and_words(negative)} at the end of "
                     f"{fig.period.words}) mean more people were recorded as repatriated than "
                     f"as detained: the records lack detentions. ")
    for name in names:
        for flag, why in (("[z]", "no detention or repatriation is recorded there yet"),
                          (NOT_AVAILABLE, "the records do not cover the day")):
            gaps = [r["period"] for r, c in pairs
                    if r["label"] == name and not c.available and c.has(flag)]
            if gaps:
                span = gaps[0] if len(gaps) == 1 else f"{gaps[0]} to {gaps[-1]}"
                alt_text += f"{name} has no bar for {span} ({flag}: {why}), not a zero. "
    table = []
    for period in dict.fromkeys(r["period"] for r in rows):
        cells = {r["country"]: c for r, c in pairs if r["period"] == period}
        table.append([_period_title(period, rows, "not_returned_status"),
                      *[cell(cells[c]) if c in cells else "" for c in countries],
                      cell(cells[TOTAL]) if TOTAL in cells else ""])
    return Chart(
        id=f"not-returned-by-{unit}", title=title,
        caption=(f"Source: detentions and repatriations datasets, as in the published "
                 f"{'quarterly' if unit == 'quarter' else 'monthly'} summary. Not a count of "
                 f"people held: the records hold no release from custody other than "
                 f"repatriation and no one detained before they begin. Below zero: more people "
                 f"recorded as repatriated than as detained. No bar: no figure ([z] no record "
                 f"yet, [x] not available)."),
        alt=alt_text.strip(),
        columns=["period", "period_end", "country", "label", "not_returned",
                 "not_returned_qualifier", "not_returned_status"],
        headers=[Unit, Unit, "Code", "Country", f"{NOT_RETURNED} [u]", "Qualifier", "Status"],
        rows=rows, spec=spec,
        table_headers=[Unit, *names, "All countries"],
        table_rows=table,
        table_align="l" + "r" * (len(countries) + 1))


def make_charts(fig: Figures) -> list[Chart]:
    """All charts of the bulletin for the figures of one period, in reading order (no SVG)."""
    codes = [r.key for r in fig.detentions_by_country] + \
        [r["country"] for r in fig.not_returned_series]
    colours = country_colours(codes)
    charts = [trend(fig), detentions_by_country(fig, colours), repatriations_by_mode(fig)]
    derived = not_returned_by_period(fig, colours)
    if derived is not None:
        charts.append(derived)
    return charts


def example_spec() -> dict[str, Any]:
    """A small layered chart built like the bulletin's (a first chart costs more than the next)."""
    alt = _altair()
    base = alt.Chart(alt.Data(values=[{"n": 1, "k": "a", "s": ""}])).encode(
        y=alt.Y("k:N", sort=["a"], title=None))
    bars = base.mark_bar().encode(
        x=alt.X("n:Q", title="n", axis=alt.Axis(**DIRECT_LABELS)),
        color=alt.Color("k:N", title=None, scale=alt.Scale(domain=["a"], range=[INK])),
        opacity=alt.condition(alt.datum.s == PROVISIONAL, alt.value(0.6), alt.value(1.0)),
        tooltip=[alt.Tooltip("n:Q", title="n", format=",d")])
    text = base.mark_text(align="left", dx=4).encode(x=alt.X("n:Q"), text=alt.Text("k:N"))
    return _finish(alt.layer(bars, text).properties(width=60, height=30), "a", "b")
