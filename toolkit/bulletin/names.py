"""Readers' names for the codes in the data, in the English edition: countries and
nationalities (CLDR, through :mod:`toolkit.i18n`), enumerated values (the message catalogue),
and the bulletin's name and short definition of the derived measure.

The Korean edition takes the same names in Korean from the same functions of
:mod:`toolkit.i18n` (``lang="ko"``); its phrases are in :mod:`toolkit.bulletin.text_ko`.
"""

from __future__ import annotations

from toolkit.i18n import SEVERAL, TOTAL, country_name, list_words
from toolkit.i18n import label as i18n_label
from toolkit.i18n import nationality_name as i18n_nationality

#: The derived measure's name wherever the bulletin shows it (never "held" or "in custody").
NOT_RETURNED = "Detained with no return recorded"
#: Its one-line definition in the bulletin, beside the name wherever the measure appears (the
#: published tables' full definition is toolkit.publish.specs.NOT_RETURNED_DEFINITION).
NOT_RETURNED_SHORT = ("people recorded as detained minus people recorded as repatriated, up to "
                      "the day: not a count of people held")


def place_name(code: str | None) -> str:
    """A reader's name for an ISO 3166-1 alpha-3 code (``KHM`` -> ``Cambodia``)."""
    return country_name(code, "en")


def label(kind: str, value: object) -> str:
    """A reader's name for a value of the contracts (``label("mode", "land")`` ->
    ``Overland (border handover)``)."""
    return i18n_label(kind, value, "en")


def nationality_name(code: str) -> str:
    """A nationality in a table column headed "Nationality"."""
    return i18n_nationality(code, "en")


def group_name(country: str, nationality: str) -> str:
    """A group of country of detention and nationality, in words."""
    if nationality == SEVERAL:
        return f"{place_name(country)}, several or unspecified nationalities"
    return f"{place_name(country)}, nationality {place_name(nationality)}"


def nationals(code: str) -> str:
    """``nationals of South Korea``; ``people of several or unspecified nationalities``."""
    if code in (SEVERAL, TOTAL):
        return "people of several or unspecified nationalities"
    return f"nationals of {place_name(code)}"


def nationals_list(codes: list[str] | tuple[str, ...]) -> str:
    """``nationals of South Korea`` / ``nationals of South Korea and Japan``: several
    nationalities said once."""
    named = [c for c in codes if c not in (SEVERAL, TOTAL)]
    if len(named) == len(codes) and named:
        return f"nationals of {list_words([place_name(c) for c in named], 'en')}"
    return list_words([nationals(c) for c in codes], "en")
