"""The English words of the charts: titles, captions, alt text, axis and legend titles.

:mod:`toolkit.bulletin.charts` builds every chart from the figures and asks the words module of
the edition's language for its text: this module (English) or
:mod:`toolkit.bulletin.chartwords_ko` (Korean), which have the same names. Each ``*_words``
function takes the facts a chart's text needs, already computed, and returns its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from toolkit.bulletin.names import NOT_RETURNED, NOT_RETURNED_SHORT, label, place_name
from toolkit.bulletin.text import cell, num, qualified
from toolkit.i18n import list_words

LANG = "en"
__all__ = ["LANG", "ChartText", "cell", "label", "num", "place_name", "qualified"]

#: Words before a bar's value for its qualifier.
QUALIFIERS = {"exact": "", "at_least": "at least ", "about": "about "}
MEASURES = {"detained": "Detained", "repatriated": "Repatriated"}
PEOPLE = "People"
MEASURE = "Measure"
PERIOD = "Period"
COUNTRY = "Country"
MODE = "Mode"
ALL_COUNTRIES = "All countries"
COUNTRY_OF_DETENTION = "Country of detention"
NOT_RETURNED_AXIS = "People [u]"
NOT_RETURNED_TOOLTIP = f"{NOT_RETURNED} [u]"


@dataclass
class ChartText:
    """Everything a chart says in words."""

    title: str
    subtitle: str
    caption: str
    alt: str
    headers: list[str] = field(default_factory=list)
    table_headers: list[str] = field(default_factory=list)
    axis: str = ""


def kind_words(unit: str) -> str:
    return "quarterly" if unit == "quarter" else "monthly"


def period_field(unit: str) -> str:
    """The x field of the trend chart: ``Quarter``, ``Month``."""
    return unit.capitalize()


def end_field(unit: str) -> str:
    return f"End of {unit}"


def period_text(code: str) -> str:
    """A period code on an axis or in a table (``2025-Q4``)."""
    return code


def and_words(parts: Sequence[str]) -> str:
    return list_words(parts, LANG)


def gaps(missing: Sequence[str]) -> str:
    if not missing:
        return ""
    return (f" There is no bar for {', '.join(missing)}: no figure is available there "
            f"([x]), which is not a zero.")


def gap_item(name: str, period: str) -> str:
    """One bar that is missing, for :func:`gaps`: ``Detained in 2024-Q4``."""
    return f"{name} in {period}"


def trend_words(unit: str, first: str, last: str, period_words: str, detained, repatriated,
                peak: tuple[str, object] | None, missing: Sequence[str],
                part: Sequence[str]) -> ChartText:
    title = f"People recorded as detained and repatriated by {unit}, {first} to {last}"
    alt = (f"Grouped bar chart of the number of people recorded as detained and repatriated "
           f"in each {unit} from {first} to {last}. In {period_words}, "
           f"{qualified(detained)} people were recorded as detained and "
           f"{qualified(repatriated)} as repatriated.")
    if peak is not None:
        alt += f" The most detentions were recorded in {peak[0]} ({qualified(peak[1])})."
    alt += gaps(missing)
    if part:
        alt += f" {', '.join(part)} {'is' if len(part) == 1 else 'are'} only partly collected."
    field_ = period_field(unit)
    return ChartText(
        title=title,
        subtitle=f"Number of people in the records, by {unit} of the event date",
        caption=(f"Source: detentions and repatriations datasets. People are counted in the "
                 f"{unit} of their event date; the values and markers are those of the "
                 f"published {kind_words(unit)} summary (all countries, all nationalities)."),
        alt=alt, axis=PEOPLE,
        headers=[field_, "Measure", "People", "Qualifier", "Status", "Coverage"],
        table_headers=[field_, "People detained", "People repatriated"])


def by_country_words(current: str, previous: str, top: tuple[str, object] | None,
                     missing: Sequence[str]) -> ChartText:
    alt = (f"Horizontal bar chart of people recorded as detained in {current} by country of "
           f"detention, beside {previous}.")
    if top is not None:
        alt += f" The most were detained in {top[0]} ({qualified(top[1])})."
    return ChartText(
        title=f"People recorded as detained by country of detention, {current}",
        subtitle=f"Compared with {previous}",
        caption="Source: detentions dataset. Country where the detention happened.",
        alt=alt + gaps(missing), axis="People detained",
        headers=["Code", "Country", current, "Qualifier", "Status", previous, "Qualifier",
                 "Status"],
        table_headers=["Country of detention", current, previous])


def by_mode_words(unit: str, current: str, previous: str, top: tuple[str, object] | None,
                  missing: Sequence[str]) -> ChartText:
    alt = (f"Horizontal bar chart of people recorded as repatriated in {current} by mode of "
           f"return, beside {previous}.")
    if top is not None:
        alt += f" The most returned by {top[0].lower()} ({qualified(top[1])})."
    return ChartText(
        title=f"People recorded as repatriated by mode of return, {current}",
        subtitle=f"Compared with {previous}",
        caption=f"Source: repatriations dataset. Modes with no repatriation in either {unit} "
                f"are left out.",
        alt=alt + gaps(missing), axis="People repatriated",
        headers=["Code", "Mode", current, "Qualifier", "Status", previous, "Qualifier",
                 "Status"],
        table_headers=["Mode of return", current, previous])


def not_returned_gap(name: str, span: str, flag: str) -> str:
    why = {"[z]": "no detention or repatriation is recorded there yet",
           "[x]": "the records do not cover the day"}[flag]
    return f"{name} has no bar for {span} ({flag}: {why}), not a zero. "


def span_words(first: str, last: str) -> str:
    return first if first == last else f"{first} to {last}"


def not_returned_words(unit: str, period_words: str, total, negative: Sequence[str],
                       gap_texts: Sequence[str], names: Sequence[str]) -> ChartText:
    alt = (f"Grouped bar chart of people {NOT_RETURNED.lower()} (low reliability, [u]) by "
           f"country of detention, at the end of each {unit} to {period_words}: "
           f"{NOT_RETURNED_SHORT}. ")
    if total is not None and total.available:
        alt += (f"At the end of {period_words} the figure over all countries was "
                f"{qualified(total)}. ")
    if negative:
        alt += (f"Bars below zero ({and_words(negative)} at the end of {period_words}) mean "
                f"more people were recorded as repatriated than as detained: the records lack "
                f"detentions. ")
    alt += "".join(gap_texts)
    field_ = end_field(unit)
    return ChartText(
        title=f"{NOT_RETURNED} [u] at the end of each {unit}",
        subtitle=NOT_RETURNED_SHORT[0].upper() + NOT_RETURNED_SHORT[1:],
        caption=(f"Source: detentions and repatriations datasets, as in the published "
                 f"{kind_words(unit)} summary. Not a count of people held: the records hold "
                 f"no release from custody other than repatriation and no one detained before "
                 f"they begin. Below zero: more people recorded as repatriated than as "
                 f"detained. No bar: no figure ([z] no record yet, [x] not available)."),
        alt=alt.strip(), axis=NOT_RETURNED_AXIS,
        headers=[field_, field_, "Code", "Country", f"{NOT_RETURNED} [u]", "Qualifier",
                 "Status"],
        table_headers=[field_, *names, ALL_COUNTRIES])
