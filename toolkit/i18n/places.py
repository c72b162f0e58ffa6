"""Country and nationality names from CLDR (through Babel), by ISO 3166-1 alpha-3 code.

The data code countries with alpha-3 codes; CLDR names territories by alpha-2: pycountry maps
one to the other. A CLDR name's trailing parenthesis, an alternative name, is left out
("Myanmar (Burma)" -> "Myanmar", "홍콩(중국 특별행정구)" -> "홍콩"). Two codes are the toolkit's
own: ``XXX`` (several or unspecified nationalities, the ICAO code the contract uses) and
``ALL`` (the total over every country or nationality in the published summaries); their words
are in the message catalogue.
"""

from __future__ import annotations

import functools
import re

from toolkit.i18n.catalogue import NC_, translations
from toolkit.i18n.formats import check_language, locale

SEVERAL = "XXX"
TOTAL = "ALL"
_ALTERNATIVE = re.compile(r"\s*\([^()]*\)$")

#: Words for the toolkit's own codes, by use.
_COUNTRY_CODES = {
    SEVERAL: NC_("country", "Several or unspecified countries"),
    TOTAL: NC_("country", "All countries"),
}
_NATIONALITY_CODES = {
    SEVERAL: NC_("nationality", "Several or unspecified"),
    TOTAL: NC_("nationality", "All nationalities"),
}


@functools.cache
def alpha2(iso3: str) -> str | None:
    """The alpha-2 code of an alpha-3 code (``KHM`` -> ``KH``); None for a code ISO lacks."""
    import pycountry  # a large table, read only when a code needs it

    country = pycountry.countries.get(alpha_3=iso3)
    return None if country is None else country.alpha_2


def country_name(iso3: str | None, lang: str) -> str:
    """A reader's name of a country: ``Cambodia``, ``캄보디아``; ``South Korea``, ``대한민국``.
    An unknown code is shown as it is; None is "not reported"."""
    check_language(lang)
    t = translations(lang)
    if iso3 is None:
        return t.pgettext("country", "Not reported")
    if iso3 in _COUNTRY_CODES:
        return t.pgettext("country", _COUNTRY_CODES[iso3])
    code = alpha2(iso3)
    name = locale(lang).territories.get(code) if code else None
    if not name:
        return iso3
    return _ALTERNATIVE.sub("", name)


def nationality_name(iso3: str, lang: str) -> str:
    """A nationality in a column headed "Nationality": the country's name, with ``XXX`` as
    "Several or unspecified" and ``ALL`` as "All nationalities"."""
    check_language(lang)
    if iso3 in _NATIONALITY_CODES:
        return translations(lang).pgettext("nationality", _NATIONALITY_CODES[iso3])
    return country_name(iso3, lang)
