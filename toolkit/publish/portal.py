"""The HTML pages of a release, in English and Korean, and the landing page at the top of
``--out``.

A release holds (every page in both languages, ``<page>.html`` and ``<page>.ko.html``, each
linking to the other)::

    index.html        the release: headline figures, the bulletin, what is new, where to
                      explore, every dataset with its downloads and citation, notes
    dictionary.html   every column of every table, with its header, unit and labels
    explore/country-<iso3>.html, explore/nationality-<iso3>.html
                      one page per country and per nationality: the latest period, the time
                      series as a chart (inline SVG) and a table, and each pair's series
    charts.html       the bulletin's charts as PNG and SVG with title, source and release
                      inside the image, and an embed snippet each (:mod:`.portal_charts`)
    feed.xml          an Atom feed of the releases up to this one

The landing page (``<out>/index.html``, :func:`releases_index_html`) is written when a release
is switched in (:mod:`.release`): the newest release's headline figures, bulletin and news,
read from that release's published files, and every release named by period and date. Its
links go through ``releases/latest/``, so each is a stable address.

Every figure shown is a cell of the release's published summary table (quarterly or monthly,
by the period), with its qualifier and status markers as published; nothing is recomputed.
Names of countries and nationalities, labels of enumerated values, numbers and dates come from
:mod:`toolkit.i18n`; the pages' sentences are in each language's templates (``templates/``).

The markup is in the Jinja2 templates; this module decides what the pages say and hands them
plain values. The pages are self-contained: the stylesheet is inlined, there is no script,
nothing is fetched from the network, and every link points to a file of the release (or, on
the landing page, of ``--out``). Autoescape is on for every template, and every value printed
is escaped with :func:`html.escape` (quotes as ``&quot;`` and ``&#x27;``), so the bytes depend
on the standard library only.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from toolkit import __version__
from toolkit.config import Publisher
from toolkit.i18n import (
    SEVERAL,
    format_date,
    format_number,
    label,
    period_words,
)
from toolkit.publish import portal_words as words
from toolkit.publish.meta import (
    FORMAT_NOTES,
    constraints_text,
    dataset_citation,
)
from toolkit.publish.portal_charts import BULLETINS, embed_snippet
from toolkit.publish.portal_view import (
    Cell,
    PortalFile,
    ReleaseEntry,
    ReleaseView,
    featured,
    headlines,
    markers_of,
    page_name,
    place_page,
    place_path,
    places,
    previous_period_words,
    release_entry,
    whats_new,
)
from toolkit.publish.portal_words import value_label
from toolkit.publish.specs import STATUS_MEANING, STATUS_ORDER, TableSpec

LANGS = ("en", "ko")
#: The groups of tables on the portal page, in order: (TableSpec.group, heading).
GROUPS = words.GROUPS["en"]
#: The files each table is published in, in order: format -> label.
FORMAT_LABELS = words.FORMAT_LABELS["en"]
FEED = "feed.xml"


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
    env.filters["number"] = format_number
    env.globals["version"] = __version__
    env.globals["nationals_of"] = nationals_of
    return env


def nationals_of(code: str, name: str) -> str:
    """"Nationals of South Korea"; for XXX, "People of several or unspecified nationalities"."""
    return ("People of several or unspecified nationalities" if code == SEVERAL
            else f"Nationals of {name}")


def render(template: str, **values) -> str:
    return environment().get_template(template).render(**values)


def _statuses(lang: str = "en") -> list[tuple[str, str]]:
    if lang == "en":
        return [(s, STATUS_MEANING[s]) for s in STATUS_ORDER]
    return [(s, label("status", s, lang)) for s in STATUS_ORDER]


def other_language(lang: str) -> str:
    return "ko" if lang == "en" else "en"


# --------------------------------------------------------------------------- enumerations


def constraints_words(spec: TableSpec, column: str, lang: str) -> str:
    """The constraints of a column in the language, each enumerated value with its label."""
    f = spec.field(column)
    if lang == "en":
        text = constraints_text(spec, column)
        if f.values:
            listed = ", ".join(f"{v} ({value_label(column, v, lang)})" for v in f.values)
            text = text.replace("one of " + ", ".join(f.values), "one of " + listed)
        return text
    parts = []
    if f.required:
        parts.append("항상 채워짐")
    if f.values:
        parts.append("다음 중 하나: " + ", ".join(f"{v}({value_label(column, v, lang)})"
                                           for v in f.values))
    if f.minimum is not None:
        parts.append(f"{f.minimum} 이상")
    if f.maximum is not None:
        parts.append(f"{f.maximum} 이하")
    if f.pattern == r"^[A-Z]{3}$":
        parts.append("대문자 세 글자")
    return "; ".join(parts)


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Links:
    """Where a page's links go: ``root`` is the release folder relative to the page."""

    root: str = ""
    top: str = "../../"  # the top of --out, from the release folder

    def __call__(self, path: str) -> str:
        return self.root + path


@dataclass
class PageSet:
    """Everything the release's pages are made from, as stage.py hands it over."""

    view: ReleaseView
    specs: Sequence[TableSpec]
    tables: Sequence[PortalTable]
    documents: Sequence[PortalFile]
    extras: Sequence[PortalFile]
    previous_releases: Sequence[ReleaseEntry]
    method_notes: Mapping[str, Sequence[tuple[str, str]]]  # by language
    charts: Sequence = field(default_factory=tuple)  # portal_charts.ReusableChart


def _common(view: ReleaseView, lang: str, links: Links) -> dict:
    pub = view.publisher
    bulletin = [(lng, links(html_path), links(pdf_path) if view.has(pdf_path) else "")
                for lng, (html_path, pdf_path) in BULLETINS.items() if view.has(html_path)]
    return {
        "lang": lang, "other_lang": other_language(lang), "publisher": pub, "view": view,
        "release_id": view.release_id, "period_words": period_words(view.period, lang),
        "published": format_date(view.as_of, lang),
        "next_release": format_date(view.next_release, lang) if view.next_release else "",
        "headlines": headlines(view, lang), "previous_words": previous_period_words(view, lang),
        "featured": featured(view, lang), "whats_new": whats_new(view, lang),
        "countries": places(view, "country", lang),
        "nationalities": places(view, "nationality", lang),
        "bulletin": bulletin, "links": links, "measures": words.MEASURES,
        "measure_short": words.MEASURE_SHORT[lang], "public_url": pub.public_url,
        "statuses": dict(_statuses(lang)), "title_ko": words.TITLE_KO,
    }


def release_page(pages: PageSet, lang: str) -> str:
    """The release page (``index.html`` / ``index.ko.html``)."""
    view = pages.view
    values = _common(view, lang, Links())
    group_names = dict(words.GROUPS[lang])
    groups = [(group_names[g], [t for t in pages.tables if t.spec.group == g])
              for g, _ in words.GROUPS[lang]]
    values["headline_markers"] = markers_of(
        [h.cell for h in values["headlines"]] + [h.previous for h in values["headlines"]
                                                 if h.previous is not None])
    return render(page_name("release", lang), **values,
                  groups=[(h, ts) for h, ts in groups if ts],
                  citations={t.spec.name: dataset_citation(
                      view.publisher, t.spec.name, words.table_title(t.spec.name, t.spec.title,
                                                                     "en"),
                      view.release_id, view.as_of) for t in pages.tables},
                  titles={t.spec.name: words.table_title(t.spec.name, t.spec.title, lang)
                          for t in pages.tables},
                  descriptions={t.spec.name: words.table_description(
                      t.spec.name, t.spec.description, lang) for t in pages.tables},
                  format_labels=words.FORMAT_LABELS[lang], documents=pages.documents,
                  extras=pages.extras, charts=pages.charts,
                  previous_releases=[(r.release_id, r.name(lang), r.page(lang))
                                     for r in pages.previous_releases],
                  method_notes=pages.method_notes[lang],
                  citation=view.publisher.citation(view.release_id, view.as_of),
                  statuses_all=_statuses(lang))


def place_html(view: ReleaseView, kind: str, code: str, lang: str) -> str:
    page = place_page(view, kind, code, lang)
    values = _common(view, lang, Links("../", "../../../"))
    return render(page_name("place", lang), **values, page=page,
                  switch=f"{kind}-{code.lower()}",
                  definitions=words.DEFINITIONS[lang])


@dataclass(frozen=True)
class DictionaryTable:
    """A table as the data dictionary lists it."""

    spec: TableSpec
    rows: int
    files: Sequence[str]  # paths inside the release
    identified_by: str  # the primary key, comma-separated
    # (name, header, type, description, constraints)
    columns: Sequence[tuple[str, str, str, str, str]]
    title: str = ""
    description: str = ""


def dictionary_tables(specs: Sequence[TableSpec], rows: Mapping[str, int],
                      files: Mapping[str, Sequence[str]], lang: str) -> list[DictionaryTable]:
    return [DictionaryTable(
        spec, rows[spec.name], files[spec.name], ", ".join(spec.primary_key),
        [(f.name, words.header(f.name, lang), f.type,
          f.description if lang == "en" else (words.description_ko(f.name) or f.description),
          constraints_words(spec, f.name, lang)) for f in spec.fields],
        words.table_title(spec.name, spec.title, lang),
        words.table_description(spec.name, spec.description, lang),
    ) for spec in specs]


def dictionary_html(release_id: str, publisher: Publisher, specs: Sequence[TableSpec],
                    rows: dict[str, int], files: dict[str, list[str]],
                    method_notes: Sequence[tuple[str, str]], lang: str = "en") -> str:
    """The data dictionary of a release: shorthand, formats, method notes, every column with
    its header, unit and the labels of its values."""
    return render(page_name("dictionary", lang), lang=lang, other_lang=other_language(lang),
                  release_id=release_id, publisher=publisher, statuses=_statuses(lang),
                  format_notes=FORMAT_NOTES if lang == "en" else FORMAT_NOTES_KO,
                  method_notes=method_notes,
                  tables=dictionary_tables(specs, rows, files, lang), links=Links())


FORMAT_NOTES_KO = (
    ("CSV", "BOM 없는 UTF-8, RFC 4180: 쉼표로 구분하고, 쉼표·따옴표·줄바꿈이 든 칸은 큰따옴표로 "
            "감쌉니다. 줄 끝은 CRLF, 첫 줄은 머리글입니다. 날짜는 ISO 8601(YYYY-MM-DD), 빈 칸은 "
            "값이 없다는 뜻입니다."),
    ("엑셀용 CSV", "같은 파일에 UTF-8 BOM을 붙여, 엑셀에서 두 번 눌러 열어도 한글이 깨지지 "
                 "않습니다."),
    ("수식 방지", "두 CSV 모두 =, +, -, @, 탭, 캐리지 리턴으로 시작하는 글자 칸은 앞에 "
              "작은따옴표(')를 붙여 스프레드시트가 수식으로 실행하지 않게 합니다. 원래 글자는 "
              "맨 앞의 작은따옴표 하나를 지우면 됩니다. 숫자 열은 바꾸지 않습니다."),
    ("Parquet", "같은 표를 형식(string, int64, date32)과 열 설명과 함께 담았습니다. 글자는 "
                "작은따옴표 없이 기록 그대로입니다."),
    ("통합 문서", "XLSX 통합 문서 하나: 표지, 목차, 주석, 표마다 시트 하나."),
)


def charts_page(pages: PageSet, lang: str, values: dict[str, object]) -> str:
    """``charts.html`` / ``charts.ko.html``: the charts of the edition in ``lang``."""
    view = pages.view
    charts = [c for c in pages.charts if c.lang == lang]
    if not charts:  # an edition without charts of its own shows the other's
        charts = list(pages.charts)
    return render(page_name("charts", lang), **values, charts=[
        (c, embed_snippet(c, view.publisher, view.release_id)) for c in charts])


def write_pages(staging: Path, pages: PageSet) -> list[Path]:
    """Write the pages of the release into ``staging`` (the release page, the place pages, the
    charts page and the feed; the data dictionaries are written with the metadata, by
    :func:`dictionary_html`); return their paths."""

    view = pages.view
    written: list[Path] = []

    def put(relative: str, text: str) -> None:
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)

    for lang in LANGS:
        put(page_name("index", lang), release_page(pages, lang))
        for kind in ("country", "nationality"):
            for place in places(view, kind, lang):
                put(place_path(kind, place.code, lang), place_html(view, kind, place.code, lang))
        if pages.charts:
            put(page_name("charts", lang), charts_page(pages, lang, _common(view, lang,
                                                                            Links())))
    put(FEED, feed_xml(view.publisher, [*pages.previous_releases,
                                        ReleaseEntry(view.release_id, view.as_of, view.period)],
                       {view.release_id: view}))
    return written


# --------------------------------------------------------------------------- feed


def feed_xml(publisher: Publisher, releases: Sequence[ReleaseEntry],
             views: Mapping[str, ReleaseView]) -> str:
    """An Atom feed (RFC 4287) of ``releases``, newest first, with absolute links from the
    publisher's public address; an entry whose release is in ``views`` gives its headline
    figures."""
    base = publisher.public_url
    entries = []
    for r in sorted(releases, key=lambda r: r.release_id, reverse=True):
        view = views.get(r.release_id)
        summary = ""
        if view is not None:
            parts = [f"{h.label}: {h.cell.text('en')}" for h in headlines(view, "en")]
            summary = "; ".join(parts)
        day = r.as_of or dt.date.fromisoformat(r.release_id)
        entries.append({
            "id": f"{base}releases/{r.release_id}/", "title": r.name("en"),
            "updated": f"{day.isoformat()}T00:00:00Z",
            "link": f"{base}releases/{r.release_id}/index.html",
            "bulletin": (f"{base}releases/{r.release_id}/bulletin.html"
                         if view is not None and view.has("bulletin.html") else ""),
            "summary": summary,
        })
    updated = entries[0]["updated"] if entries else "1970-01-01T00:00:00Z"
    return render(FEED, publisher=publisher, base=base, entries=entries, updated=updated)


# --------------------------------------------------------------------------- the top of --out


def releases_index_html(publisher: Publisher, releases: Sequence[str], current: str,
                        out_dir: Path | None = None, newest: str | None = None) -> str:
    """The landing page at the top of ``--out``: the newest release's headline figures,
    bulletin, news and datasets (read from ``out_dir/releases/<newest>``, its published files),
    then every release by period and date. ``current`` is how the page names the newest
    release in its links (``latest``: through the pointer, so the page holds whichever release
    the pointer names). Without ``out_dir`` the page lists the releases only."""
    ordered = sorted(releases, reverse=True)
    root = out_dir / "releases" if out_dir is not None else None
    entries = [release_entry(root / r) if root is not None else ReleaseEntry(r, None, None)
               for r in ordered]
    view = ReleaseView.from_folder(root / newest, publisher) \
        if root is not None and newest is not None else None
    values: dict = {"publisher": publisher, "current": current,
                    "releases": [(e.release_id, e.name("en")) for e in entries],
                    "lang": "en", "view": view}
    if view is not None:
        values |= _common(view, "en", Links(f"releases/{current}/", ""))
        values["headline_markers"] = markers_of(
            [h.cell for h in values["headlines"]] + [h.previous for h in values["headlines"]
                                                     if h.previous is not None])
    return render("landing.html", **values)


__all__ = ["Cell", "DictionaryTable", "FORMAT_LABELS", "GROUPS", "PageSet", "PortalFile",
           "PortalTable", "ReleaseEntry", "ReleaseView", "dictionary_html", "feed_xml",
           "file_size", "headlines", "place_path", "places", "release_entry",
           "releases_index_html", "value_label", "write_pages"]
