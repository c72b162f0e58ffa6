"""What a release's pages show, read from its published files: each cell with its markers,
the headline figures, what is new, and the pages per country and nationality.

Every figure is a cell of the release's published summary table (quarterly or monthly, by the
period), with its qualifier and status markers as published; nothing is recomputed. Names,
labels, numbers and dates come from :mod:`toolkit.i18n`. :mod:`.portal` renders the pages.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl
from markupsafe import Markup

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
from toolkit.publish.portal_charts import series_svg
from toolkit.publish.specs import STATUS_ORDER

#: The nationality the landing page features beside the totals: this is above all a Korean
#: story (issue 20), and its readers ask first about South Koreans.
FEATURED_NATIONALITY = "KOR"
EXPLORE = "explore"


@dataclass(frozen=True)
class PortalFile:
    label: str
    path: str  # relative to the release folder
    sha256: str
    bytes: int
    description: str = ""
    format: str = ""  # for a table's file: a key of FORMAT_LABELS


def page_name(stem: str, lang: str) -> str:
    """``index.html`` / ``index.ko.html``."""
    return f"{stem}.html" if lang == "en" else f"{stem}.{lang}.html"


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
