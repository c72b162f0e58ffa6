"""The HTML pages of a release: its portal page (``index.html``), its data dictionary
(``dictionary.html``) and the index of releases at the top of ``--out``.

The markup is in the Jinja2 templates of ``templates/``; this module decides what the pages say
(which groups, files and notes, in which order) and hands the templates plain values. The pages
are self-contained: the stylesheet ``templates/portal.css`` is inlined, there is no script,
nothing is fetched from the network, and every link points to a file of the release.

Autoescape is on for every template, and every value a template prints is escaped with
:func:`html.escape` (quotes as ``&quot;`` and ``&#x27;``, where MarkupSafe would write ``&#34;``
and ``&#39;``), so the pages' bytes depend on the standard library only.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import jinja2
from markupsafe import Markup

from toolkit import __version__
from toolkit.config import Publisher
from toolkit.publish.meta import FORMAT_NOTES, constraints_text, next_release_text
from toolkit.publish.specs import STATUS_MEANING, STATUS_ORDER, TableSpec

#: The groups of tables on the portal page, in order: (TableSpec.group, heading).
GROUPS = (
    ("datasets", "Event-level datasets and sources"),
    ("summaries", "Summary tables"),
    ("quality", "Data quality"),
    ("changes", "Changes since the previous release"),
)
#: The files each table is published in, in order: format -> label.
FORMAT_LABELS = {"csv": "CSV", "excel_csv": "CSV for Excel", "parquet": "Parquet"}


@dataclass(frozen=True)
class PortalFile:
    label: str
    path: str  # relative to the release folder
    sha256: str
    bytes: int
    description: str = ""
    format: str = ""  # for a table's file: a key of FORMAT_LABELS


@dataclass(frozen=True)
class PortalTable:
    spec: TableSpec
    rows: int
    files: tuple[PortalFile, ...]  # in the order of FORMAT_LABELS


def file_size(n: int) -> str:
    """A file size as the pages show it: ``812 bytes``, ``5.3 kB``, ``1.2 MB``."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} kB"
    return f"{n / 1024 / 1024:.1f} MB"


def _escaped(value: object) -> Markup:
    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


@cache
def environment() -> jinja2.Environment:
    """The templates of ``templates/``, with autoescape on and strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("toolkit.publish", "templates"),
        autoescape=True, finalize=_escaped, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["size"] = file_size
    return env


def _statuses() -> list[tuple[str, str]]:
    return [(s, STATUS_MEANING[s]) for s in STATUS_ORDER]


def portal_html(*, publisher: Publisher, release_id: str, as_of: dt.date, period_label: str,
                next_release: dt.date | None, tables: Sequence[PortalTable],
                documents: Sequence[PortalFile], extras: Sequence[PortalFile],
                previous_releases: Sequence[str], method_notes: Sequence[tuple[str, str]]
                ) -> str:
    """The portal page of one release; links are relative to the release folder."""
    groups = [(heading, members) for group, heading in GROUPS
              if (members := [t for t in tables if t.spec.group == group])]
    return environment().get_template("release.html").render(
        publisher=publisher, release_id=release_id, as_of=as_of.isoformat(),
        period_label=period_label, next_release=next_release_text(next_release),
        citation=publisher.citation(release_id, as_of), documents=documents, extras=extras,
        groups=groups, statuses=_statuses(), method_notes=method_notes,
        previous_releases=previous_releases, version=__version__)


@dataclass(frozen=True)
class DictionaryTable:
    """A table as the data dictionary lists it."""

    spec: TableSpec
    rows: int
    files: Sequence[str]  # paths inside the release
    identified_by: str  # the primary key, comma-separated
    columns: Sequence[tuple[str, str, str, str]]  # (name, type, description, constraints)


def dictionary_html(release_id: str, publisher: Publisher, specs: Sequence[TableSpec],
                    rows: dict[str, int], files: dict[str, list[str]],
                    method_notes: Sequence[tuple[str, str]]) -> str:
    """The data dictionary of a release: shorthand, formats, method notes, every column."""
    tables = [DictionaryTable(
        spec, rows[spec.name], files[spec.name], ", ".join(spec.primary_key),
        [(f.name, f.type, f.description, constraints_text(spec, f.name)) for f in spec.fields],
    ) for spec in specs]
    return environment().get_template("dictionary.html").render(
        release_id=release_id, publisher=publisher, statuses=_statuses(),
        format_notes=FORMAT_NOTES, method_notes=method_notes, tables=tables)


def releases_index_html(publisher: Publisher, releases: Sequence[str], current: str) -> str:
    """The page at the top of ``--out``: the current release and all kept releases."""
    return environment().get_template("releases.html").render(
        publisher=publisher, current=current, releases=sorted(releases, reverse=True))
