"""The bulletin's charts: Altair specs in one colour-blind-safe theme, and the data behind them.

Every chart is a :class:`Chart`: a Vega-Lite spec (interactive, with tooltips, in the HTML),
a title, a caption, alt text, the rows behind it (written as a CSV into the release and shown
as a table beside the chart) and, once :mod:`toolkit.bulletin.chartproc` has drawn it, the
static SVG of the same spec (for the PDF). Provisional values (``[p]``) are drawn paler with
``[p]`` beside their label; suppressed (``[c]``) and not-available (``[x]``) values have no
bar, only their symbol.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from toolkit.bulletin.names import label, place_name
from toolkit.textsafety import neutralise

if TYPE_CHECKING:
    import altair as alt

    from toolkit.bulletin.figures import Figures

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision
#: deficiencies. Yellow (#F0E442) comes last: it is too pale for thin marks on white.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
             "#F0E442")
INK, MUTED, GRID = "#1b1d21", "#4a4f57", "#e3e7eb"
#: The PDF sets chart text in its sans font list when the SVG asks for sans-serif (pdf.py).
FONT = "sans-serif"

PROVISIONAL, SUPPRESSED, NOT_AVAILABLE = "[p]", "[c]", "[x]"
SYMBOLS = {
    PROVISIONAL: "provisional",
    SUPPRESSED: "suppressed to protect individuals",
    NOT_AVAILABLE: "not available",
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
        used = {str(r.get("status") or "") for r in self.rows}
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


def _value_label(value: int | None, status: str) -> str:
    if value is None:
        return status or NOT_AVAILABLE
    text = f"{value:,}"
    return f"{text} {status}" if status == PROVISIONAL else text


def _status_of(rows: Sequence[dict], period: str) -> str:
    return next((r["status"] for r in rows if r["period"] == period and r["status"]), "")


def _pivot(rows: Sequence[dict], countries: Sequence[str]) -> list[list[str]]:
    out = []
    for period in dict.fromkeys(r["period"] for r in rows):
        cells = {r["country"]: r for r in rows if r["period"] == period}
        status = _status_of(rows, period)
        values = [cells[c]["held"] if c in cells else 0 for c in countries]
        out.append([period + (f" {status}" if status else ""),
                    *[_value_label(v, status) for v in values],
                    _value_label(sum(values), status)])
    return out


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


# ----------------------------------------------------------------------------- charts


def quarterly_trend(fig: Figures) -> Chart:
    """People detained and repatriated in each quarter up to the bulletin's period."""
    alt = _altair()
    rows = []
    for q in fig.quarterly_series:
        status = PROVISIONAL if (fig.provisional and q["period"] == fig.period.label) else ""
        for measure in ("detained", "repatriated"):
            rows.append({"period": q["period"], "measure": measure, "persons": q[measure],
                         "status": status})
    data = [{**r, "Measure": r["measure"].capitalize(),
             "Quarter": r["period"] + (f" {r['status']}" if r["status"] else ""),
             "Status": SYMBOLS.get(r["status"], "final")} for r in rows]
    order = [d["Quarter"] for d in data if d["measure"] == "detained"]
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("Quarter:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("Measure:N", sort=["Detained", "Repatriated"]),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("persons:Q", title="People", axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color("Measure:N", title=None,
                        scale=alt.Scale(domain=list(MEASURE_COLOURS),
                                        range=list(MEASURE_COLOURS.values()))),
        opacity=alt.condition(alt.datum.status == PROVISIONAL, alt.value(0.5), alt.value(1.0)),
        tooltip=[alt.Tooltip("Quarter:N"), alt.Tooltip("Measure:N"),
                 alt.Tooltip("persons:Q", title="People", format=",d"),
                 alt.Tooltip("Status:N")],
    )
    period_words = fig.period.words
    first_q = fig.quarterly_series[0]["period"] if fig.quarterly_series else fig.period.label
    title = f"People detained and repatriated by quarter, {first_q} to {fig.period.label}"
    spec = _finish(bars.properties(width=540, height=260), title,
                   "Number of people in the records, by quarter of the event date")
    first = fig.quarterly_series[0]["period"] if fig.quarterly_series else fig.period.label
    peak = max(fig.quarterly_series, key=lambda q: q["detained"]) if fig.quarterly_series else None
    alt_text = (f"Grouped bar chart of the number of people detained and repatriated in each "
                f"quarter from {first} to {fig.period.label}. In {period_words}, "
                f"{fig.headlines['detained'].current:,} people were detained and "
                f"{fig.headlines['repatriated'].current:,} repatriated.")
    if peak is not None:
        alt_text += (f" The most detentions were recorded in {peak['period']} "
                     f"({peak['detained']:,}).")
    table = [[q["period"] + (f" {st}" if (st := _status_of(rows, q["period"])) else ""),
              _value_label(q["detained"], st), _value_label(q["repatriated"], st)]
             for q in fig.quarterly_series]
    return Chart(
        id="quarterly-trend", title=title,
        caption=("Source: detentions and repatriations datasets. Events are counted in the "
                 "quarter of their event date."),
        alt=alt_text, columns=["period", "measure", "persons", "status"],
        headers=["Quarter", "Measure", "People", "Status"], rows=rows, spec=spec,
        table_headers=["Quarter", "People detained", "People repatriated"],
        table_rows=table, table_align="lrr")


def _bar_rows(breakdown: Sequence[dict], name, status: str) -> list[dict]:
    return [{"code": r["key"], "label": name(r["key"]), "persons": r["persons"],
             "previous": r["previous"], "status": status} for r in breakdown]


def detentions_by_country(fig: Figures, colours: dict[str, str]) -> Chart:
    alt = _altair()
    status = PROVISIONAL if fig.provisional else ""
    rows = [r for r in _bar_rows(fig.detentions_by_country, place_name, status)
            if r["persons"] or r["previous"]]
    long = []
    for r in rows:
        for which, period, value, st in (("current", fig.period, r["persons"], status),
                                          ("previous", fig.previous, r["previous"], "")):
            long.append({"Country": r["label"], "code": r["code"], "which": which,
                         "Quarter": period.words + (f" {st}" if st else ""), "persons": value,
                         "status": st, "text": _value_label(value, st),
                         "Status": SYMBOLS.get(st, "final")})
    order = [r["label"] for r in rows]
    quarters = [fig.period.words + (f" {status}" if status else ""), fig.previous.words]
    base = alt.Chart(alt.Data(values=long)).encode(
        y=alt.Y("Country:N", sort=order, title=None),
        yOffset=alt.YOffset("Quarter:N", sort=quarters),
    )
    bars = base.mark_bar().encode(
        x=alt.X("persons:Q", title="People detained", axis=alt.Axis(**DIRECT_LABELS)),
        color=alt.Color("Quarter:N", title=None, sort=quarters,
                        scale=alt.Scale(domain=quarters, range=[OKABE_ITO[0], "#9ab8d3"])),
        opacity=alt.condition(alt.datum.status == PROVISIONAL, alt.value(0.6), alt.value(1.0)),
        tooltip=[alt.Tooltip("Country:N"), alt.Tooltip("Quarter:N"),
                 alt.Tooltip("persons:Q", title="People", format=",d"),
                 alt.Tooltip("Status:N")],
    )
    text = base.mark_text(align="left", dx=4, fontSize=9, color=MUTED).encode(
        x=alt.X("persons:Q"), text=alt.Text("text:N"))
    height = max(90, 34 * len(rows))
    title = f"People detained by country of detention, {fig.period.words}"
    spec = _finish(alt.layer(bars, text).properties(width=460, height=height), title,
                   f"Compared with {fig.previous.words}")
    top = rows[0] if rows else None
    alt_text = (f"Horizontal bar chart of people detained in {fig.period.words} by country of "
                f"detention, beside {fig.previous.words}.")
    if top:
        alt_text += f" The most were detained in {top['label']} ({top['persons']:,})."
    return Chart(
        id="detentions-by-country", title=title,
        caption="Source: detentions dataset. Country where the detention happened.",
        alt=alt_text, columns=["code", "label", "persons", "previous", "status"],
        headers=["Code", "Country", fig.period.words, fig.previous.words, "Status"],
        rows=rows, spec=spec, pdf_width="90%",
        table_headers=["Country of detention", fig.period.words + (f" {status}" if status else ""),
                       fig.previous.words],
        table_rows=[[r["label"], _value_label(r["persons"], status), f"{r['previous']:,}"]
                    for r in rows],
        table_align="lrr")


def repatriations_by_mode(fig: Figures) -> Chart:
    alt = _altair()
    status = PROVISIONAL if fig.provisional else ""
    rows = [{"mode": r["key"], "label": label(r["key"]), "persons": r["persons"],
             "previous": r["previous"], "status": status}
            for r in fig.repatriations_by_mode if r["persons"] or r["previous"]]
    data = [{**r, "Mode": r["label"], "text": _value_label(r["persons"], status),
             "Status": SYMBOLS.get(status, "final")} for r in rows]
    order = [r["label"] for r in sorted(rows, key=lambda r: -r["persons"])]
    base = alt.Chart(alt.Data(values=data)).encode(y=alt.Y("Mode:N", sort=order, title=None))
    bars = base.mark_bar(color=OKABE_ITO[1]).encode(
        x=alt.X("persons:Q", title="People repatriated", axis=alt.Axis(**DIRECT_LABELS)),
        opacity=alt.condition(alt.datum.status == PROVISIONAL, alt.value(0.6), alt.value(1.0)),
        tooltip=[alt.Tooltip("Mode:N"), alt.Tooltip("persons:Q", title="People", format=",d"),
                 alt.Tooltip("previous:Q", title=f"{fig.previous.words}", format=",d"),
                 alt.Tooltip("Status:N")],
    )
    text = base.mark_text(align="left", dx=4, fontSize=9, color=MUTED).encode(
        x=alt.X("persons:Q"), text=alt.Text("text:N"))
    title = f"People repatriated by mode of return, {fig.period.words}"
    spec = _finish(alt.layer(bars, text).properties(width=460, height=max(60, 28 * len(rows))),
                   title)
    top = max(rows, key=lambda r: r["persons"]) if rows else None
    alt_text = f"Horizontal bar chart of people repatriated in {fig.period.words} by mode."
    if top and top["persons"]:
        alt_text += f" The most returned by {top['label'].lower()} ({top['persons']:,})."
    return Chart(
        id="repatriations-by-mode", title=title,
        caption="Source: repatriations dataset. Modes with no repatriation in either quarter "
                "are left out.",
        alt=alt_text, columns=["mode", "label", "persons", "previous", "status"],
        headers=["Code", "Mode", fig.period.words, fig.previous.words, "Status"],
        rows=rows, spec=spec, pdf_width="90%",
        table_headers=["Mode of return", fig.period.words + (f" {status}" if status else ""),
                       fig.previous.words],
        table_rows=[[r["label"], _value_label(r["persons"], status), f"{r['previous']:,}"]
                    for r in sorted(rows, key=lambda r: -r["persons"])],
        table_align="lrr")


def held_by_quarter(fig: Figures, colours: dict[str, str]) -> Chart | None:
    """Stock at each quarter end, by country of detention, over the groups the records support."""
    if not fig.stock_series:
        return None
    alt = _altair()
    rows = [{"period": r["period"], "quarter_end": r["quarter_end"].isoformat(),
             "country": r["country"], "label": place_name(r["country"]), "held": r["held"],
             "status": PROVISIONAL if (fig.provisional and r["period"] == fig.period.label)
             else ""} for r in fig.stock_series]
    data = [{**r, "Quarter": r["period"] + (f" {r['status']}" if r["status"] else ""),
             "Country": r["label"], "Status": SYMBOLS.get(r["status"], "final")} for r in rows]
    countries = sorted({r["country"] for r in rows})
    names = [place_name(c) for c in countries]
    order = list(dict.fromkeys(d["Quarter"] for d in data))
    bars = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        x=alt.X("Quarter:N", sort=order, title="End of quarter", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("held:Q", stack="zero", title="People",
                axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color("Country:N", title="Country of detention",
                        scale=alt.Scale(domain=names, range=[colours[c] for c in countries])),
        opacity=alt.condition(alt.datum.status == PROVISIONAL, alt.value(0.6), alt.value(1.0)),
        tooltip=[alt.Tooltip("Quarter:N"), alt.Tooltip("Country:N"),
                 alt.Tooltip("held:Q", title="Detained, not recorded as returned",
                             format=",d"), alt.Tooltip("Status:N")],
    )
    title = ("People recorded as detained and not recorded as repatriated, at the end of each "
             "quarter")
    spec = _finish(bars.properties(width=540, height=240), title,
                   "Only country and nationality groups whose records never show more "
                   "repatriated than detained")
    n_groups, n_out = len(fig.supported_groups), len(fig.unsupported_groups)
    last = [r for r in rows if r["period"] == fig.period.label]
    total = sum(r["held"] for r in last)
    alt_text = (f"Stacked bar chart by country of detention of people recorded as detained and "
                f"not recorded as repatriated, at the end of each quarter to "
                f"{fig.period.words}, over {n_groups} groups of country and nationality. At the "
                f"end of {fig.period.words} the total over these groups was {total:,}. "
                f"{n_out} groups are left out because their records do not support a figure.")
    return Chart(
        id="held-by-quarter", title=title,
        caption=("Source: detentions and repatriations datasets. Releases other than "
                 "repatriation are not recorded, so these figures are not counts of people in "
                 "custody."),
        alt=alt_text, columns=["period", "quarter_end", "country", "label", "held", "status"],
        headers=["Quarter", "Quarter end", "Code", "Country", "Held", "Status"],
        rows=rows, spec=spec,
        table_headers=["End of quarter", *names, "Total"],
        table_rows=_pivot(rows, countries),
        table_align="l" + "r" * (len(countries) + 1))


def make_charts(fig: Figures) -> list[Chart]:
    """All charts of the bulletin for the figures of one period, in reading order (no SVG)."""
    codes = [r["key"] for r in fig.detentions_by_country] + [g.country for g in fig.stock_groups]
    colours = country_colours(codes)
    charts = [quarterly_trend(fig), detentions_by_country(fig, colours),
              repatriations_by_mode(fig)]
    held = held_by_quarter(fig, colours)
    if held is not None:
        charts.append(held)
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
