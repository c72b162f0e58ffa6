"""The message catalogue: gettext translations read from the ``.po`` sources with Babel.

The English text in the code is the source (``msgid``); ``locale/<lang>/LC_MESSAGES/toolkit.po``
holds each language's translation, ``locale/toolkit.pot`` the template. A catalogue is compiled
in memory the first time a language is asked for (Babel's ``read_po`` then ``write_mo``), so
there is no build step and no compiled file to go stale: a fresh ``pip install -e .`` works, and
what runs is always what the ``.po`` says.

Strings are marked for extraction where they are written: :func:`N_` (a message) and
:func:`NC_` (a message in a context, e.g. the kind of an enumerated value), both of which
return their text unchanged; ``python -m toolkit.i18n update`` extracts them into the template
and merges it into every ``.po``.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

DOMAIN = "toolkit"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The language of the msgids: it needs no catalogue.
SOURCE_LANGUAGE = "en"
#: Babel's extraction keywords for the markers used in the toolkit.
KEYWORDS = {
    "N_": None,
    "NC_": ((1, "c"), 2),
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalogue; translate it later with :func:`translator`."""
    return message


def NC_(context: str, message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` in ``context`` for the catalogue (``pgettext`` translates it)."""
    return message


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue_languages() -> tuple[str, ...]:
    """The languages with a ``.po`` file, and the source language."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *found)


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext translations of ``lang`` (``gettext``, ``ngettext``, ``pgettext``,
    ``npgettext``); the source language's return every message unchanged."""
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = po_path(lang)
    if not path.is_file():
        raise LookupError(f"no message catalogue for language {lang!r} ({path})")
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)  # a fuzzy translation is not used: English shows
    buf.seek(0)
    return gettext.GNUTranslations(buf)
