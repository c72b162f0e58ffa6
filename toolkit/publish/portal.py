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
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from toolkit import __version__
from toolkit.config import Publisher
from toolkit.i18n import (
    SEVERAL,
    TOTAL,
    country_name,
    format_date,
    format_number,
    label,
    nationality_name,
    period_short,
    period_words,
)
from toolkit.periods import Period, PeriodError, parse_period
from toolkit.publish import portal_words as words
from toolkit.publish.meta import (
    FORMAT_NOTES,
    constraints_text,
    dataset_citation,
)
from toolkit.publish.portal_charts import BULLETINS, embed_snippet, series_svg
from toolkit.publish.portal_words import value_label
from toolkit.publish.specs import STATUS_MEANING, STATUS_ORDER, TableSpec

LANGS = ("en", "ko")
#: The groups of tables on the portal page, in order: (TableSpec.group, heading).
GROUPS = words.GROUPS["en"]
#: The files each table is published in, in order: format -> label.
FORMAT_LABELS = words.FORMAT_LABELS["en"]
#: The nationality the landing page features beside the totals: this is above all a Korean
#: story (issue 20), and its readers ask first about South Koreans.
FEATURED_NATIONALITY = "KOR"
EXPLORE = "explore"
FEED = "feed.xml"
#: The bulletin's files, by language: (HTML, PDF).


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


def page_name(stem: str, lang: str) -> str:
    """``index.html`` / ``index.ko.html``."""
    return f"{stem}.html" if lang == "en" else f"{stem}.{lang}.html"


def other_language(lang: str) -> str:
    return "ko" if lang == "en" else "en"


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Cell:
    """One published figure: its value, qualifier and status markers, as the table has them."""

    value: int | None
    qualifier: str | None = None
    status: str | None = None

    @property
    def markers(self) -> list[str]:
        return (self.status or "").split()

    def number(self, lang: str) -> str:
        """The figure in words: ``at least 2,896``, ``about 4,976``; ``최소 2,896``; empty when
        there is no figure."""
        if self.value is None:
            return ""
        n = format_number(self.value, lang)
        if self.qualifier in ("at_least", "about"):
            return f"{label('qualifier', self.qualifier, lang)} {n}"
        return n

    def text(self, lang: str) -> str:
        """The figure with its markers: ``at least 2,896 [p]``; ``[x]`` where there is none."""
        return " ".join(x for x in (self.number(lang), *self.markers) if x) or "–"


def _cell(row: Mapping | None, measure: str) -> Cell:
    if row is None:
        return Cell(None)
    return Cell(row.get(measure), row.get(f"{measure}_qualifier"), row.get(f"{measure}_status"))


def markers_of(cells: Iterable[Cell]) -> list[str]:
    """The status markers the cells use, in the published order."""
    used = {m for c in cells for m in c.markers}
    return [s for s in STATUS_ORDER if s in used]


# --------------------------------------------------------------------------- the release


@dataclass(frozen=True)
class DatasetView:
    """A published table as the pages list it."""

    name: str
    title: str
    description: str
    rows: int
    group: str = ""
    files: tuple[PortalFile, ...] = ()


@dataclass(frozen=True)
class ReleaseView:
    """What the pages of a release show, from its published tables and files."""

    publisher: Publisher
    release_id: str
    as_of: dt.date
    period: Period
    next_release: dt.date | None
    previous_release: str | None
    previous_period: Period | None
    summary: pl.DataFrame | None  # the summary table of the period's kind, as published
    changelog: pl.DataFrame | None
    revisions: pl.DataFrame | None
    files: frozenset[str]  # paths inside the release folder
    datasets: tuple[DatasetView, ...]

    @property
    def summary_name(self) -> str:
        return "quarterly_summary" if "Q" in self.period.label else "monthly_summary"

    def has(self, path: str) -> bool:
        return path in self.files

    @cached_property
    def _summary_rows(self) -> list[dict]:
        return self.summary.to_dicts() if self.summary is not None else []

    def rows(self, **where: str) -> list[dict]:
        """The rows of the summary whose columns hold the values given, in the table's order."""
        return [dict(r) for r in self._summary_rows
                if all(r[c] == v for c, v in where.items())]

    def row(self, **where: str) -> dict | None:
        rows = self.rows(**where)
        return rows[0] if rows else None

    @classmethod
    def from_folder(cls, folder: Path, publisher: Publisher) -> ReleaseView | None:
        """The view of a published release folder; None when it has no readable manifest."""
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            period = parse_period(str(manifest["period"]))
            as_of = dt.date.fromisoformat(manifest["as_of"])
        except (OSError, ValueError, KeyError, TypeError, PeriodError):
            return None
        prefix = f"releases/{manifest.get('release_id', folder.name)}/"
        files = {f["path"].removeprefix(prefix): f for f in manifest.get("files", [])}

        def table(name: str) -> pl.DataFrame | None:
            path = folder / "data" / f"{name}.parquet"
            return pl.read_parquet(path) if path.is_file() else None

        datasets = []
        try:
            package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
            resources = package.get("resources", [])
        except (OSError, ValueError):
            resources = []
        for r in resources:
            name = r.get("name", "")
            csv = files.get(f"data/{name}.csv", {})
            datasets.append(DatasetView(name, r.get("title", name), r.get("description", ""),
                                        int(csv.get("rows") or 0)))
        previous = manifest.get("previous_release")
        previous_period = _period_of(folder.parent / previous) if previous else None
        next_release = manifest.get("next_release")
        kind = "quarterly_summary" if "Q" in period.label else "monthly_summary"
        return cls(publisher, manifest.get("release_id", folder.name), as_of, period,
                   dt.date.fromisoformat(next_release) if next_release else None, previous,
                   previous_period, table(kind), table("changelog"), table("revisions"),
                   frozenset(files), tuple(datasets))


def _period_of(folder: Path) -> Period | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return parse_period(str(manifest["period"]))
    except (OSError, ValueError, KeyError, TypeError, PeriodError):
        return None


@dataclass(frozen=True)
class ReleaseEntry:
    """A release as the landing page and the feed list it."""

    release_id: str
    as_of: dt.date | None
    period: Period | None
    korean: bool = False  # the release has Korean pages (index.ko.html)

    def page(self, lang: str) -> str:
        """Its page in ``lang`` (the English one where it has no Korean pages)."""
        return page_name("index", lang if self.korean else "en")

    def name(self, lang: str) -> str:
        """``October to December 2025, published 27 February 2026``."""
        if self.period is None or self.as_of is None:
            return f"Release {self.release_id}" if lang == "en" else f"{self.release_id} 공표"
        if lang == "en":
            return (f"{period_words(self.period, lang)}, published "
                    f"{format_date(self.as_of, lang)}")
        return f"{period_words(self.period, lang)} 통계, {format_date(self.as_of, lang)} 공표"


def release_entry(folder: Path) -> ReleaseEntry:
    """The entry of a release folder, from its manifest (its id alone if that is unreadable)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return ReleaseEntry(folder.name, dt.date.fromisoformat(manifest["as_of"]),
                            parse_period(str(manifest["period"])),
                            (folder / "index.ko.html").is_file())
    except (OSError, ValueError, KeyError, TypeError, PeriodError):
        return ReleaseEntry(folder.name, None, None)


# --------------------------------------------------------------------------- headline figures


@dataclass(frozen=True)
class Headline:
    measure: str
    label: str
    cell: Cell
    previous: Cell | None
    definition: str
    note: str = ""  # the published note of the row, where it explains the figure


def headlines(view: ReleaseView, lang: str) -> list[Headline]:
    """The period's figures over every country and nationality (the ``ALL``/``ALL`` row of the
    published summary), each with the previous period's beside it and its definition. Where
    deaths are not collected for every nationality (``[x]`` in the total), the deaths of the
    one nationality that is collected are shown, named."""
    p = view.period.label
    total = view.row(period=p, country=TOTAL, nationality=TOTAL)
    if total is None:
        return []
    earlier = [r["period"] for r in view.rows(country=TOTAL, nationality=TOTAL)
               if r["period"] < p]
    prev_label = max(earlier) if earlier else None
    before = view.row(period=prev_label, country=TOTAL, nationality=TOTAL) \
        if prev_label else None
    out = []
    for measure in words.MEASURES:
        row, prev, name = total, before, label("measure", measure, lang)
        if measure == "died" and total.get("died") is None:
            collected = [r for r in view.rows(period=p, country=TOTAL)
                         if r["nationality"] != TOTAL and r.get("died") is not None]
            if len(collected) == 1:
                row = collected[0]
                nat = row["nationality"]
                prev = view.row(period=prev_label, country=TOTAL, nationality=nat) \
                    if prev_label else None
                nat_name = nationality_name(nat, lang)
                name = (f"{name}, nationals of {nat_name}" if lang == "en"
                        else f"{name}({nat_name} 국적)")
        out.append(Headline(measure, name, _cell(row, measure),
                            _cell(prev, measure) if prev else None,
                            words.DEFINITIONS[lang][measure]))
    return out


def previous_period_words(view: ReleaseView, lang: str) -> str:
    """The period before the release's in the summary, in words ("" when there is none)."""
    earlier = sorted({r["period"] for r in view.rows(country=TOTAL,
                                                 nationality=TOTAL)
                      if r["period"] < view.period.label})
    return period_words(parse_period(earlier[-1]), lang) if earlier else ""


@dataclass(frozen=True)
class Featured:
    """One nationality's figures for the period, over every country and in each."""

    code: str
    name: str
    href: str
    total: dict[str, Cell]
    by_country: list[tuple[str, str, str, dict[str, Cell]]]  # (code, name, href, cells)


def featured(view: ReleaseView, lang: str, code: str = FEATURED_NATIONALITY) -> Featured | None:
    p = view.period.label
    total = view.row(period=p, country=TOTAL, nationality=code)
    if total is None:
        return None
    by_country = sorted(
        ((r["country"], country_name(r["country"], lang), place_path("country", r["country"],
                                                                       lang),
          {m: _cell(r, m) for m in words.MEASURES})
         for r in view.rows(period=p, nationality=code) if r["country"] != TOTAL),
        key=lambda x: x[1])
    return Featured(code, nationality_name(code, lang), place_path("nationality", code, lang),
                    {m: _cell(total, m) for m in words.MEASURES}, by_country)


# --------------------------------------------------------------------------- what is new


def whats_new(view: ReleaseView, lang: str) -> list[str]:
    """What this release changes, in plain sentences, from its changelog and revisions."""
    period = period_words(view.period, lang)
    n = lambda x: format_number(x, lang)  # noqa: E731
    out = []
    if view.previous_release is None:
        out.append("This is the first release: every figure in it is new." if lang == "en"
                   else "첫 번째 공표입니다. 모든 수치가 새로 나왔습니다.")
    elif view.previous_period is None or view.previous_period.label != view.period.label:
        out.append(f"New figures for {period}." if lang == "en"
                   else f"{period} 수치가 새로 나왔습니다.")
    else:
        out.append(f"The figures for {period} are updated with later records." if lang == "en"
                   else f"{period} 수치를 이후 기록으로 갱신했습니다.")
    out.append(f"The figures for {period} are provisional [p]: later releases may revise them."
               if lang == "en" else
               f"{period} 수치는 잠정치 [p]이며, 이후 공표에서 수정될 수 있습니다.")
    if view.previous_release is None:
        return out
    since = view.previous_release
    log = view.changelog if view.changelog is not None else pl.DataFrame()
    if log.is_empty():
        out.append(f"No record was added, removed or changed since release {since}."
                   if lang == "en" else f"{since} 공표 이후 추가·삭제·변경된 기록은 없습니다.")
    else:
        for change in ("added", "removed", "changed"):
            part = log.filter(pl.col("change") == change)
            if part.is_empty():
                continue
            records = part.select("dataset", "record_id").unique()
            by = records.group_by("dataset").len().sort("dataset").rows()
            detail = ", ".join(f"{label('dataset', d, lang).lower() if lang == 'en' else label('dataset', d, lang)} {n(k)}"  # noqa: E501
                               for d, k in by)
            if lang == "en":
                verb = {"added": "added", "removed": "removed", "changed": "corrected or "
                        "updated"}[change]
                total = records.height
                out.append(f"{n(total)} record{'s' * (total != 1)} {verb} since release "
                           f"{since} ({detail}).")
            else:
                verb = {"added": "추가", "removed": "삭제", "changed": "수정·갱신"}[change]
                out.append(f"{since} 공표 이후 기록 {n(records.height)}건이 {verb}되었습니다"
                           f"({detail}건).")
    rev = view.revisions if view.revisions is not None else pl.DataFrame()
    if rev.is_empty():
        out.append("No published figure was revised." if lang == "en"
                   else "수정된 공표 수치는 없습니다.")
    else:
        k = rev.height
        out.append(f"{n(k)} published figure{'s' * (k != 1)} revised, marked [r]: the revisions "
                   "table gives each old and new value." if lang == "en" else
                   f"공표 수치 {n(k)}개가 수정되었으며 [r]로 표시했습니다. 수정 전후 값은 "
                   "수정 표(revisions)에 있습니다.")
    return out


# --------------------------------------------------------------------------- places


def place_path(kind: str, code: str, lang: str) -> str:
    """``explore/country-khm.html``: a place page, relative to the release folder."""
    return f"{EXPLORE}/{page_name(f'{kind}-{code.lower()}', lang)}"


@dataclass(frozen=True)
class PlaceLink:
    code: str
    name: str
    href: str
    cells: dict[str, Cell]


def places(view: ReleaseView, kind: str, lang: str) -> list[PlaceLink]:
    """Every country (``kind="country"``) or nationality of the summary but the totals, by
    name, each with its figures for the release's period over every nationality or country."""
    if view.summary is None or view.summary.is_empty():
        return []
    other = "nationality" if kind == "country" else "country"
    codes = sorted(set(view.summary[kind].to_list()) - {TOTAL})
    name = country_name if kind == "country" else nationality_name
    out = []
    for code in codes:
        row = view.row(period=view.period.label, **{kind: code, other: TOTAL})
        out.append(PlaceLink(code, name(code, lang), place_path(kind, code, lang),
                             {m: _cell(row, m) for m in words.MEASURES}))
    return sorted(out, key=lambda p: p.name)


@dataclass(frozen=True)
class SeriesRow:
    period: str  # label
    words: str
    cells: dict[str, Cell]
    note: str


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    anchor: str
    href: str  # the other kind's page
    rows: list[SeriesRow]


@dataclass(frozen=True)
class PlacePage:
    kind: str  # country | nationality
    code: str
    name: str
    latest: list[tuple[str, str, str, dict[str, Cell], bool]]  # code, name, href, cells, total
    series: list[SeriesRow]
    groups: list[Group]
    markers: list[str]
    chart: Markup


def _series(rows: list[dict], lang: str) -> list[SeriesRow]:
    out = []
    for r in sorted(rows, key=lambda r: r["period"]):
        p = parse_period(r["period"])
        out.append(SeriesRow(r["period"], period_short(p, lang),
                             {m: _cell(r, m) for m in words.MEASURES}, r.get("note") or ""))
    return out


def place_page(view: ReleaseView, kind: str, code: str, lang: str) -> PlacePage:

    other = "nationality" if kind == "country" else "country"
    name_of = country_name if kind == "country" else nationality_name
    other_name = nationality_name if other == "nationality" else country_name
    latest = []
    for r in view.rows(period=view.period.label, **{kind: code}):
        c = r[other]
        latest.append((c, other_name(c, lang), place_path(other, c, lang) if c != TOTAL else "",
                       {m: _cell(r, m) for m in words.MEASURES}, c == TOTAL))
    latest.sort(key=lambda x: (not x[4], x[1]))
    series = _series(view.rows(**{kind: code, other: TOTAL}), lang)
    groups = []
    for c in sorted({r[other] for r in view.rows(**{kind: code})} - {TOTAL},
                    key=lambda c: other_name(c, lang)):
        groups.append(Group(c, other_name(c, lang), f"{other}-{c.lower()}",
                            place_path(other, c, lang),
                            _series(view.rows(**{kind: code, other: c}), lang)))
    cells = [cell for x in latest for cell in x[3].values()]
    cells += [cell for s in series for cell in s.cells.values()]
    cells += [cell for g in groups for s in g.rows for cell in s.cells.values()]
    name = name_of(code, lang)
    chart = series_svg(series, lang, title=chart_title(kind, name, lang), chart_id=f"chart-{code}")
    return PlacePage(kind, code, name, latest, series, groups, markers_of(cells), chart)


def chart_title(kind: str, name: str, lang: str) -> str:
    if lang == "en":
        if kind == "nationality" and name == nationality_name(SEVERAL, "en"):
            return ("People of several or unspecified nationalities detained and repatriated, "
                    "by period")
        where = f"in {name}" if kind == "country" else f"with the nationality of {name}"
        return f"People detained and repatriated {where}, by period"
    where = f"{name}에서" if kind == "country" else f"{name} 국적"
    return f"{where} 구금·송환된 인원, 기간별"


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
