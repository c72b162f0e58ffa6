"""The toolkit's languages: message catalogue, CLDR formats and names, for every edition.

English (``en``, written as en_GB) and Korean (``ko``, ko_KR). The bulletin uses this package
for every word that is not a sentence (labels, table headers, names, numbers, dates), and the
portal can use the same. Sentences are written per language, not translated: see
``toolkit/bulletin/sections.py`` and ``sections_ko.py``.

Messages (gettext, Babel)
    ``translator(lang)`` -> a :class:`gettext.NullTranslations` with ``gettext``,
    ``ngettext``, ``pgettext``, ``npgettext``. English text in the code is the msgid;
    ``locale/<lang>/LC_MESSAGES/toolkit.po`` translates it, compiled in memory on first use
    (no build step). Mark new text with :func:`N_` / :func:`NC_` (context) and run
    ``python -m toolkit.i18n update`` to refresh ``locale/toolkit.pot`` and merge it into the
    ``.po`` files; ``python -m toolkit.i18n check`` lists what is untranslated.

Enumerated values
    ``label(kind, value, lang)``: the contracts' enums by column (``reason``, ``mode``,
    ``scam_link``, ``cause``, ``date_precision``, ``date_basis``, ``sex``, ``qualifier``,
    ``indicator``, ``unit``, ``source_type``), and ``measure``, ``dataset``, ``finding``, ``status``
    (the GSS markers ``[p]`` ``[r]`` ``[u]`` ``[x]`` ``[z]`` ``[c]``), ``reliability`` (grades
    "1" to "5"), ``rule`` (validation warnings), ``header`` (table headers), ``term`` (the
    glossary).
    ``labels(kind, lang)`` gives every value of a kind.

Numbers, dates, periods, lists (Babel's CLDR)
    ``format_number(2896, "ko")`` -> ``2,896`` (negative with a minus sign, ``−200``);
    ``format_date(d, "ko")`` -> ``2026년 2월 27일`` (``27 February 2026``);
    ``period_words(p, "ko")`` -> ``2025년 10~12월`` / ``2025년 10월`` (``October to December
    2025``); ``period_short`` (table headers: ``Oct to Dec 2025``); ``period_label`` (chart
    axes: ``2025-Q4``, ``2025년 4분기``); ``date_range(a, b, lang)``; ``list_words(items,
    lang, style="and"|"or")`` (``a, b and c``; ``a, b 및 c``); ``language_name(lang)``.

Places (CLDR territory names through pycountry's alpha-3 -> alpha-2)
    ``country_name("KHM", "ko")`` -> ``캄보디아``; ``nationality_name(code, lang)``, where
    ``XXX`` is "Several or unspecified" and ``ALL`` "All nationalities". No hand-written table
    of names.

Korean grammar
    ``josa(word, "이/가")``: the particle's form for the word (``2,896명이``, ``캄보디아와``).

Unknown languages raise :class:`ValueError`; ``LANGUAGES`` lists the known ones.
"""

from __future__ import annotations

import gettext

from toolkit.i18n.catalogue import N_, NC_, catalogue_languages, translations
from toolkit.i18n.formats import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALES,
    MINUS,
    check_language,
    date_range,
    format_date,
    format_number,
    language_name,
    list_words,
    locale,
    month_name,
    period_label,
    period_short,
    period_words,
)
from toolkit.i18n.korean import josa
from toolkit.i18n.labels import KINDS, label, labels
from toolkit.i18n.places import SEVERAL, TOTAL, country_name, nationality_name

__all__ = [
    "DEFAULT_LANGUAGE", "KINDS", "LANGUAGES", "LOCALES", "MINUS", "N_", "NC_", "SEVERAL",
    "TOTAL", "catalogue_languages", "check_language", "country_name", "date_range",
    "format_date", "format_number", "josa", "label", "labels", "language_name", "list_words",
    "locale", "month_name", "nationality_name", "period_label", "period_short",
    "period_words", "translator",
]


def translator(lang: str) -> gettext.NullTranslations:
    """The message catalogue of ``lang``: ``t = translator("ko"); t.gettext("Contents")`` ->
    ``목차``; ``t.pgettext("status", "provisional")`` -> ``잠정치``."""
    return translations(check_language(lang))
