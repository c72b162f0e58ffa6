"""``python -m toolkit.i18n update|check``: keep the message catalogue in step with the code.

* ``update`` extracts every marked message of ``toolkit/`` into ``locale/toolkit.pot`` and
  merges the template into each ``locale/<lang>/LC_MESSAGES/toolkit.po`` (new messages arrive
  untranslated, removed ones are dropped);
* ``check`` lists the messages a ``.po`` lacks, leaves untranslated or marks fuzzy, and exits 1
  if there is any (``tests/test_korean.py`` runs the same check).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from toolkit.i18n.catalogue import DOMAIN, KEYWORDS, LOCALE_DIR, catalogue_languages, po_path

PACKAGE = Path(__file__).resolve().parent.parent
POT = LOCALE_DIR / f"{DOMAIN}.pot"


HEADER = """\
# Messages of the scamstats toolkit (toolkit/i18n): the English text of the code is the msgid.
# Refresh with `python -m toolkit.i18n update`; translate in locale/<lang>/LC_MESSAGES/.
#"""
TEAM = "ScamStats open data team <opendata@scamstats.example>"


def _created():
    """The template's creation date as it stands (so an update that changes nothing changes
    no byte), or now for a first one."""
    import datetime as dt

    if POT.is_file():
        for line in POT.read_text(encoding="utf-8").splitlines():
            if line.startswith('"POT-Creation-Date: '):
                text = line.split(": ", 1)[1].split("\\n")[0]
                try:
                    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M%z")
                except ValueError:
                    break
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def extract():
    """A Babel catalogue of every message marked in the toolkit's Python files."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    from toolkit import __version__

    catalog = Catalog(project="scamstats-toolkit", version=__version__, domain=DOMAIN,
                      charset="utf-8", fuzzy=False, header_comment=HEADER,
                      copyright_holder="ScamStats open data team",
                      msgid_bugs_address="opendata@scamstats.example",
                      creation_date=_created(), revision_date=_created(),
                      last_translator=TEAM, language_team=TEAM)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("Translators:",), strip_comment_tags=True):
        catalog.add(message, None, [(f"toolkit/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def _write(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=True, omit_header=False, no_location=True)
    path.write_bytes(buf.getvalue())


def _read(path: Path, lang: str | None = None):
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def problems(lang: str, template=None) -> list[str]:
    """What the ``.po`` of ``lang`` lacks against the code: missing, untranslated, fuzzy or
    obsolete messages (empty when it is complete)."""
    template = template or extract()
    catalog = _read(po_path(lang), lang)
    found = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, message.context)
        where = f"{message.context + ': ' if message.context else ''}{message.id!r}"
        if entry is None:
            found.append(f"{lang}: missing {where}")
        elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            found.append(f"{lang}: untranslated {where}")
        elif entry.fuzzy:
            found.append(f"{lang}: fuzzy {where}")
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    for message in catalog:
        key = (message.id if isinstance(message.id, str) else message.id[0], message.context)
        if message.id and key not in wanted:
            found.append(f"{lang}: obsolete {message.context or ''} {message.id!r}")
    return found


def update() -> None:
    template = extract()
    _write(template, POT)
    for lang in catalogue_languages()[1:]:
        catalog = _read(po_path(lang), lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.header_comment = HEADER
        catalog.last_translator = catalog.language_team = TEAM
        for key in ("project", "version", "msgid_bugs_address", "copyright_holder",
                    "creation_date", "revision_date"):
            setattr(catalog, key, getattr(template, key))
        _write(catalog, po_path(lang))
        print(f"{po_path(lang).relative_to(PACKAGE.parent)}: {len(catalog)} messages")


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        template = extract()
        found = [p for lang in catalogue_languages()[1:] for p in problems(lang, template)]
        print("\n".join(found) or "every message is translated")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
