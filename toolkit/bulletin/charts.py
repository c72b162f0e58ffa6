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

Every chart is made in the language of its edition (``lang``) from the same figures: the
structure, the data and the colours are the same, the words come from the language's words
module (:mod:`~toolkit.bulletin.chartwords`, :mod:`~toolkit.bulletin.chartwords_ko`). The CSV
behind a chart has the same columns and values in every language (codes, numbers, qualifiers
and status markers); only its ``label`` column is in the edition's language. The Korean CSV
(``bulletin-data/<chart>.ko.csv``) starts with a UTF-8 byte-order mark, so that a spreadsheet
set up for Korean (which reads a CSV without one as CP949) shows its Hangul.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from toolkit.i18n import label as i18n_label
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
MEASURE_COLOURS = {"detained": OKABE_ITO[0], "repatriated": OKABE_ITO[1]}
#: Chart CSVs whose labels are in Hangul start with a byte-order mark (see the module's text).
BOM_LANGUAGES = ("ko",)


def symbols(lang: str) -> dict[str, str]:
    """:data:`SYMBOLS` in ``lang``: each status marker and what it means."""
    return {s: i18n_label("status", s, lang) for s in SYMBOLS}


@cache
def chart_words(lang: str):
    """The words module of ``lang``'s charts."""
    if lang == "ko":
        from toolkit.bulletin import chartwords_ko as words
    elif lang == "en":
        from toolkit.bulletin import chartwords as words
    else:
        raise ValueError(f"no chart words for language {lang!r}")
    return words


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
    columns: list[str]            # CSV header (machine names, the same in every language)
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
    #: The language of the chart's words (``en``, ``ko``).
    lang: str = "en"

    @property
    def csv_name(self) -> str:
        """``bulletin-data/<id>.csv``; ``bulletin-data/<id>.ko.csv`` in Korean."""
        suffix = "" if self.lang == "en" else f".{self.lang}"
        return f"bulletin-data/{self.id}{suffix}.csv"

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
    """The rows behind a chart as RFC 4180 CSV (UTF-8, LF-free CRLF line ends as the RFC says),
    with a byte-order mark first in a language of :data:`BOM_LANGUAGES`."""
    buf = io.StringIO()
    if chart.lang in BOM_LANGUAGES:
        buf.write("\ufeff")
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


def _period_title(label: str, rows: Sequence[dict], key: str, w: Any) -> str:
    """A period with the [p] its cells carry, as an axis or table label."""
    flagged = any(r["period"] == label and PROVISIONAL in str(r.get(key) or "").split()
                  for r in rows)
    text = w.period_text(label)
    return f"{text} {PROVISIONAL}" if flagged else text


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


def and_words(parts: Sequence[str], lang: str = "en") -> str:
    return chart_words(lang).and_words(parts)


def _words(period, lang: str) -> str:
    from toolkit.i18n import period_words

    return period_words(period, lang)


# ----------------------------------------------------------------------------- charts


def trend(fig: Figures, lang: str = "en") -> Chart:
    """People detained and repatriated in each period up to the bulletin's period."""
    alt = _altair()
    w = chart_words(lang)
    unit = fig.unit
    pairs = []
    for s in fig.series:
        for measure in ("detained", "repatriated"):
            c = s[measure]
            pairs.append(({"period": s["period"], "measure": measure, **_fields(c, "persons"),
                           "coverage": c.coverage}, c))
    rows = [r for r, _ in pairs]
    Unit = w.period_field(unit)
    measures = [w.MEASURES[m] for m in MEASURE_COLOURS]
    data = [{**r, "Measure": w.MEASURES[r["measure"]],
             Unit: _period_title(r["period"], rows, "persons_status", w),
             "provisional": c.has(PROVISIONAL), "text": w.cell(c)}
            for r, c in pairs if c.available]
    order = list(dict.fromkeys(_period_title(r["period"], rows, "persons_status", w)
                               for r in rows))
    first = fig.series[0]["period"] if fig.series else fig.period.label
    shown = [s for s in fig.series if s["detained"].available]
    peak = max(shown, key=lambda s: s["detained"].value) if shown else None
    text = w.trend_words(
        unit, w.period_text(first), w.period_text(fig.period.label), _words(fig.period, lang),
        fig.headlines["detained"].current, fig.headlines["repatriated"].current,
        (w.period_text(peak["period"]), peak["detained"]) if peak else None,
        [w.gap_item(w.MEASURES[r["measure"]], w.period_text(r["period"])) for r in rows
         if r["persons"] is None],
        [w.period_text(p) for p in sorted({r["period"] for r in rows
                                           if r["coverage"] == "part"})])
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X(f"{Unit}:N", sort=order, title=None,
                axis=alt.Axis(labelAngle=0 if unit == "quarter" else -45)),
        xOffset=alt.XOffset("Measure:N", sort=measures),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("persons:Q", title=text.axis, axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color("Measure:N", title=None,
                        scale=alt.Scale(domain=measures,
                                        range=list(MEASURE_COLOURS.values()))),
        opacity=alt.condition(alt.datum.provisional, alt.value(0.5), alt.value(1.0)),
        tooltip=[alt.Tooltip(f"{Unit}:N"), alt.Tooltip("Measure:N", title=w.MEASURE),
                 alt.Tooltip("text:N", title=w.PEOPLE)],
    )
    spec = _finish(bars.properties(width=540, height=260), text.title, text.subtitle)
    table = [[_period_title(s["period"], rows, "persons_status", w), w.cell(s["detained"]),
              w.cell(s["repatriated"])] for s in fig.series]
    return Chart(
        id=f"{'quarterly' if unit == 'quarter' else 'monthly'}-trend", title=text.title,
        caption=text.caption, alt=text.alt,
        columns=["period", "measure", "persons", "persons_qualifier", "persons_status",
                 "coverage"],
        headers=text.headers, rows=rows, spec=spec, table_headers=text.table_headers,
        table_rows=table, table_align="lrr", lang=lang)


def _two_period_rows(breakdown, key: str, name) -> list[dict]:
    rows = []
    for r in breakdown:
        if not (r.current.value or r.previous.value):
            continue
        rows.append({key: r.key, "label": name(r.key), **_fields(r.current, "persons"),
                     **_fields(r.previous, "previous")})
    return rows


def _two_period_chart(fig: Figures, rows: list[dict], name_field: str, axis_title: str,
                      colours: tuple[str, str], lang: str) -> dict:
    """Horizontal bars of the period and the one before, per category, labelled directly."""
    alt = _altair()
    w = chart_words(lang)
    current = _words(fig.period, lang)
    before = _words(fig.previous, lang)
    period_field = w.PERIOD
    long = []
    for r in rows:
        for which, period, prefix in (("current", current, "persons"),
                                      ("previous", before, "previous")):
            value = r[prefix]
            if value is None:
                continue  # not available: no bar, never a zero
            status = r[f"{prefix}_status"]
            text = f"{w.QUALIFIERS.get(r[f'{prefix}_qualifier'], '')}{w.num(value)}"
            text = f"{text} {status}".strip()
            long.append({name_field: r["label"], "which": which, period_field: period,
                         "persons": value, "text": text,
                         "provisional": PROVISIONAL in status.split()})
    order = [r["label"] for r in rows]
    base = alt.Chart(alt.Data(values=long)).encode(
        y=alt.Y(f"{name_field}:N", sort=order, title=None),
        yOffset=alt.YOffset(f"{period_field}:N", sort=[current, before]),
    )
    bars = base.mark_bar().encode(
        x=alt.X("persons:Q", title=axis_title, axis=alt.Axis(**DIRECT_LABELS)),
        color=alt.Color(f"{period_field}:N", title=None, sort=[current, before],
                        scale=alt.Scale(domain=[current, before], range=list(colours))),
        opacity=alt.condition(alt.datum.provisional, alt.value(0.6), alt.value(1.0)),
        tooltip=[alt.Tooltip(f"{name_field}:N"), alt.Tooltip(f"{period_field}:N"),
                 alt.Tooltip("text:N", title=w.PEOPLE)],
    )
    text = base.mark_text(align="left", dx=4, fontSize=9, color=MUTED).encode(
        x=alt.X("persons:Q"), text=alt.Text("text:N"))
    return alt.layer(bars, text).properties(width=440, height=max(90, 34 * len(rows)))


def _two_period_table(rows: list[dict], lang: str) -> list[list[str]]:
    from toolkit.bulletin.figures import Count

    w = chart_words(lang)

    def show(r: dict, prefix: str) -> str:
        return w.cell(Count(r[prefix], r[f"{prefix}_qualifier"] or "exact",
                            r[f"{prefix}_status"]))

    return [[r["label"], show(r, "persons"), show(r, "previous")] for r in rows]


def _two_period_gaps(rows: list[dict], fig: Figures, lang: str) -> list[str]:
    w = chart_words(lang)
    return [w.gap_item(r["label"], _words(p, lang))
            for r in rows
            for key, p in (("persons", fig.period), ("previous", fig.previous))
            if r[key] is None]


def detentions_by_country(fig: Figures, colours: dict[str, str], lang: str = "en") -> Chart:
    w = chart_words(lang)
    rows = _two_period_rows(fig.detentions_by_country, "code", w.place_name)
    current, previous = _words(fig.period, lang), _words(fig.previous, lang)
    top = (rows[0]["label"], fig.detentions_by_country[0].current) if rows else None
    text = w.by_country_words(current, previous, top, _two_period_gaps(rows, fig, lang))
    spec = _finish(_two_period_chart(fig, rows, w.COUNTRY, text.axis,
                                     (OKABE_ITO[0], "#9ab8d3"), lang),
                   text.title, text.subtitle)
    return Chart(
        id="detentions-by-country", title=text.title, caption=text.caption, alt=text.alt,
        columns=["code", "label", "persons", "persons_qualifier", "persons_status", "previous",
                 "previous_qualifier", "previous_status"],
        headers=text.headers, rows=rows, spec=spec, pdf_width="90%",
        table_headers=text.table_headers, table_rows=_two_period_table(rows, lang),
        table_align="lrr", lang=lang)


def repatriations_by_mode(fig: Figures, lang: str = "en") -> Chart:
    w = chart_words(lang)
    rows = _two_period_rows(fig.repatriations_by_mode, "mode",
                            lambda key: w.label("mode", key))
    current, previous = _words(fig.period, lang), _words(fig.previous, lang)
    first = fig.repatriations_by_mode[0] if fig.repatriations_by_mode else None
    top = (w.label("mode", first.key), first.current) \
        if first is not None and first.current.value else None
    text = w.by_mode_words(fig.unit, current, previous, top,
                           _two_period_gaps(rows, fig, lang))
    spec = _finish(_two_period_chart(fig, rows, w.MODE, text.axis,
                                     (OKABE_ITO[1], "#f0c987"), lang),
                   text.title, text.subtitle)
    return Chart(
        id="repatriations-by-mode", title=text.title, caption=text.caption, alt=text.alt,
        columns=["mode", "label", "persons", "persons_qualifier", "persons_status", "previous",
                 "previous_qualifier", "previous_status"],
        headers=text.headers, rows=rows, spec=spec, pdf_width="90%",
        table_headers=text.table_headers, table_rows=_two_period_table(rows, lang),
        table_align="lrr", lang=lang)


def not_returned_by_period(fig: Figures, colours: dict[str, str],
                           lang: str = "en") -> Chart | None:
    """The derived measure [u] at the end of each period, by country of detention, as the
    published summary has it (negative values included); no bar where there is no figure."""
    from toolkit.bulletin.figures import TOTAL

    if not fig.not_returned_series:
        return None
    alt = _altair()
    w = chart_words(lang)
    unit = fig.unit
    pairs = []
    for r in fig.not_returned_series:
        c = r["value"]
        pairs.append(({"period": r["period"], "period_end": r["end"].isoformat(),
                       "country": r["country"],
                       "label": w.ALL_COUNTRIES if r["country"] == TOTAL
                       else w.place_name(r["country"]),
                       **_fields(c, "not_returned")}, c))
    rows = [r for r, _ in pairs]
    countries = sorted({r["country"] for r in rows if r["country"] != TOTAL})
    names = [w.place_name(c) for c in countries]
    Unit = w.end_field(unit)
    data = [{**r, Unit: _period_title(r["period"], rows, "not_returned_status", w),
             w.COUNTRY: r["label"], "provisional": c.has(PROVISIONAL), "text": w.cell(c)}
            for r, c in pairs if r["country"] != TOTAL and c.available]
    order = list(dict.fromkeys(_period_title(r["period"], rows, "not_returned_status", w)
                               for r in rows))
    period_words = _words(fig.period, lang)
    last = [r for r in rows if r["period"] == fig.period.label]
    negative = [r["label"] for r in last if r["country"] != TOTAL
                and r["not_returned"] is not None and r["not_returned"] < 0]
    gap_texts = []
    for name in names:
        for flag in ("[z]", NOT_AVAILABLE):
            gaps = [w.period_text(r["period"]) for r, c in pairs
                    if r["label"] == name and not c.available and c.has(flag)]
            if gaps:
                gap_texts.append(w.not_returned_gap(name, w.span_words(gaps[0], gaps[-1]),
                                                    flag))
    text = w.not_returned_words(unit, period_words, fig.not_returned_total, negative,
                                gap_texts, names)
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X(f"{Unit}:N", sort=order, title=Unit,
                axis=alt.Axis(labelAngle=0 if unit == "quarter" else -45)),
        xOffset=alt.XOffset(f"{w.COUNTRY}:N", sort=names),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("not_returned:Q", title=text.axis,
                axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color(f"{w.COUNTRY}:N", title=w.COUNTRY_OF_DETENTION,
                        scale=alt.Scale(domain=names, range=[colours[c] for c in countries])),
        opacity=alt.condition(alt.datum.provisional, alt.value(0.6), alt.value(1.0)),
        tooltip=[alt.Tooltip(f"{Unit}:N"), alt.Tooltip(f"{w.COUNTRY}:N"),
                 alt.Tooltip("text:N", title=w.NOT_RETURNED_TOOLTIP)],
    )
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(color=MUTED).encode(
        y=alt.Y("zero:Q"))
    spec = _finish(alt.layer(bars, zero).properties(width=540, height=260), text.title,
                   text.subtitle)
    table = []
    for period in dict.fromkeys(r["period"] for r in rows):
        cells = {r["country"]: c for r, c in pairs if r["period"] == period}
        table.append([_period_title(period, rows, "not_returned_status", w),
                      *[w.cell(cells[c]) if c in cells else "" for c in countries],
                      w.cell(cells[TOTAL]) if TOTAL in cells else ""])
    return Chart(
        id=f"not-returned-by-{unit}", title=text.title, caption=text.caption, alt=text.alt,
        columns=["period", "period_end", "country", "label", "not_returned",
                 "not_returned_qualifier", "not_returned_status"],
        headers=text.headers, rows=rows, spec=spec, table_headers=text.table_headers,
        table_rows=table, table_align="l" + "r" * (len(countries) + 1), lang=lang)


def make_charts(fig: Figures, lang: str = "en") -> list[Chart]:
    """All charts of the bulletin for the figures of one period, in reading order (no SVG), in
    the words of ``lang``."""
    codes = [r.key for r in fig.detentions_by_country] + \
        [r["country"] for r in fig.not_returned_series]
    colours = country_colours(codes)
    charts = [trend(fig, lang), detentions_by_country(fig, colours, lang),
              repatriations_by_mode(fig, lang)]
    derived = not_returned_by_period(fig, colours, lang)
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
