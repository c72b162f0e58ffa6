"""Readers' names for enumerated values: the contracts' enums, the published measures, status
markers, reliability grades, validation rules. English is written here (the msgids, each in
the context of its kind); every other language's names are in its ``.po`` file.

``label(kind, value, lang)`` looks one up: ``label("mode", "charter_flight", "ko")`` is
``전세기``. Kinds named after a contract column hold exactly that column's values
(``tests/test_korean.py`` checks every enum of ``schemas/`` has a name in every language).
"""

from __future__ import annotations

from toolkit.i18n.catalogue import NC_, translations
from toolkit.i18n.formats import check_language

LABELS: dict[str, dict[str, str]] = {
    # the contracts' enums (schemas/), by column
    "reason": {
        "suspected_scam_involvement": NC_("reason", "Suspected involvement in scams"),
        "immigration_violation": NC_("reason", "Immigration violation"),
        "rescued_victim": NC_("reason", "Rescued as victims"),
        "other": NC_("reason", "Other"),
    },
    "mode": {
        "charter_flight": NC_("mode", "Charter flight"),
        "commercial_flight": NC_("mode", "Commercial flight"),
        "military_flight": NC_("mode", "Military flight"),
        "land": NC_("mode", "Overland (border handover)"),
        "sea": NC_("mode", "By sea"),
        "other": NC_("mode", "Other"),
        "unknown": NC_("mode", "Not reported"),
    },
    "scam_link": {
        "confirmed": NC_("scam_link", "Confirmed"),
        "suspected": NC_("scam_link", "Suspected"),
        "under_investigation": NC_("scam_link", "Under investigation"),
        "none_known": NC_("scam_link", "No link known"),
    },
    "cause": {
        "violence": NC_("cause", "Violence"),
        "medical": NC_("cause", "Medical"),
        "suicide": NC_("cause", "Suicide"),
        "accident": NC_("cause", "Accident"),
        "undetermined": NC_("cause", "Undetermined"),
    },
    "date_precision": {
        "day": NC_("date_precision", "day"),
        "week": NC_("date_precision", "week"),
        "month": NC_("date_precision", "month"),
        "quarter": NC_("date_precision", "quarter"),
        "year": NC_("date_precision", "year"),
    },
    "date_basis": {
        "death": NC_("date_basis", "Date of death"),
        "found": NC_("date_basis", "Date the body was found"),
        "reported": NC_("date_basis", "Date of the report"),
    },
    "sex": {
        "female": NC_("sex", "Female"),
        "male": NC_("sex", "Male"),
        "unknown": NC_("sex", "Not reported"),
    },
    "qualifier": {
        "exact": NC_("qualifier", "exact"),
        "at_least": NC_("qualifier", "at least"),
        "about": NC_("qualifier", "about"),
        "at_most": NC_("qualifier", "at most"),
        "estimate": NC_("qualifier", "an estimated"),
    },
    "indicator": {
        "held_on_date": NC_("indicator", "held"),
        "unconfirmed_safety": NC_("indicator", "whose safety is unconfirmed"),
        "open_cases": NC_("indicator", "open cases"),
        "reported_cases": NC_("indicator", "reported cases"),
        "arrests": NC_("indicator", "arrested"),
        "deportations": NC_("indicator", "deported"),
        "estimate_in_compounds": NC_("indicator", "estimated in compounds"),
    },
    "unit": {
        "persons": NC_("unit", "people"),
        "cases": NC_("unit", "cases"),
        "reports": NC_("unit", "reports"),
    },
    "source_type": {
        "official": NC_("source_type", "Official"),
        "media": NC_("source_type", "News media"),
        "ngo": NC_("source_type", "Non-governmental organisation"),
        "international_org": NC_("source_type", "International organisation"),
    },
    # the published tables
    "measure": {
        "detained": NC_("measure", "People detained"),
        "repatriated": NC_("measure", "People repatriated"),
        "died": NC_("measure", "Deaths recorded"),
        "not_returned_at_end": NC_("measure", "Detained with no return recorded [u]"),
        "arrested_on_arrival": NC_("measure", "Arrested on arrival"),
        "deaths": NC_("measure", "Deaths in scope"),
    },
    "dataset": {
        "detentions": NC_("dataset", "Detentions"),
        "repatriations": NC_("dataset", "Repatriations"),
        "fatalities": NC_("dataset", "Deaths"),
        "reported_figures": NC_("dataset", "Figures reported by authorities"),
        "sources": NC_("dataset", "Sources"),
    },
    "finding": {
        "agree": NC_("finding", "the same"),
        "records_lower": NC_("finding", "records lower"),
        "records_higher": NC_("finding", "records higher"),
        "not_covered": NC_("finding", "not comparable: the records do not cover the days"),
    },
    # the Government Statistical Service's symbols, in the published order
    "status": {
        "[c]": NC_("status", "suppressed to protect individuals"),
        "[x]": NC_("status", "not available or not collected"),
        "[z]": NC_("status", "not applicable"),
        "[u]": NC_("status", "low reliability"),
        "[r]": NC_("status", "revised since the previous release"),
        "[p]": NC_("status", "provisional"),
    },
    # the source register's reliability grades (docs/data-contract.md)
    "reliability": {
        "5": NC_("reliability", "Official statement or record read at first hand"),
        "4": NC_("reliability", "Official figure as reported by a news organisation"),
        "3": NC_("reliability", "Several independent media reports that agree"),
        "2": NC_("reliability", "A single media report"),
        "1": NC_("reliability", "Aggregator or unattributed report"),
    },
    # validation warnings, as the bulletin names them
    "rule": {
        "negative_stock": NC_("rule", "days with more people recorded as repatriated than as "
                                      "detained"),
        "possible_duplicate": NC_("rule", "possible duplicate"),
    },
    # table headers (the bulletin's tables; the portal's)
    "header": {
        "measure": NC_("header", "Measure"),
        "period": NC_("header", "Period"),
        "table": NC_("header", "Table"),
        "country": NC_("header", "Country"),
        "country_of_detention": NC_("header", "Country of detention"),
        "nationality": NC_("header", "Nationality"),
        "country_and_nationality": NC_("header", "Country and nationality"),
        "reason": NC_("header", "Reason for detention"),
        "mode": NC_("header", "Mode of return"),
        "scam_link": NC_("header", "Link to scam operations"),
        "cause": NC_("header", "Cause of death as reported"),
        "counted": NC_("header", "Counted"),
        "total": NC_("header", "Total"),
        "total_counted": NC_("header", "Total counted"),
        "all_deaths": NC_("header", "All deaths recorded"),
        "detained_to_date": NC_("header", "Detained to date"),
        "repatriated_to_date": NC_("header", "Repatriated to date"),
        "people_detained": NC_("header", "People detained"),
        "people_repatriated": NC_("header", "People repatriated"),
        "authority": NC_("header", "Authority (figure)"),
        "reported": NC_("header", "Reported"),
        "recorded": NC_("header", "Records' figure"),
        "finding": NC_("header", "Finding"),
        "grade": NC_("header", "Grade"),
        "reliability": NC_("header", "Reliability of the source"),
        "sources": NC_("header", "Sources"),
        "records": NC_("header", "Records"),
        "previous_release": NC_("header", "Previous release"),
        "this_release": NC_("header", "This release"),
        "yes": NC_("header", "Yes"),
        "no": NC_("header", "No"),
    },
    # terms of the glossary
    "term": {
        "arrested_on_arrival": NC_("term", "Arrested on arrival"),
        "not_returned": NC_("term", "Detained with no return recorded"),
        "detention": NC_("term", "Detention"),
        "repatriation": NC_("term", "Repatriation"),
        "scam_compound": NC_("term", "Scam compound"),
        "scam_link": NC_("term", "Scam link status"),
        "several_nationalities": NC_("term", "Several or unspecified nationalities"),
    },
}

KINDS: tuple[str, ...] = tuple(LABELS)


def english(kind: str, value: object) -> str:
    """The English name (the msgid) of ``value``; for a value the kind does not list, the
    value with its underscores as spaces, capitalised."""
    if kind not in LABELS:
        raise KeyError(f"no labels of kind {kind!r}; kinds: {', '.join(KINDS)}")
    text = str(value)
    return LABELS[kind].get(text, text.replace("_", " ").capitalize())


def label(kind: str, value: object, lang: str) -> str:
    """A reader's name of an enumerated ``value`` of ``kind`` in ``lang``: ``label("mode",
    "charter_flight", "en")`` is ``Charter flight``, in ``ko`` ``전세기``. A value the
    catalogue lacks is shown in English (or as it is)."""
    check_language(lang)
    msgid = english(kind, value)
    if str(value) not in LABELS[kind]:
        return msgid if lang == "en" else str(value)
    return translations(lang).pgettext(kind, msgid)


def labels(kind: str, lang: str) -> dict[str, str]:
    """Every value of ``kind`` with its name in ``lang`` (for a portal's legend or filter)."""
    return {value: label(kind, value, lang) for value in LABELS[kind]}
