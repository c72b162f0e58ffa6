"""The bulletin as a document: metadata, the build folder, and the two ways to render it.

* :func:`render_bulletin` ``(ctx) -> list[Path]`` is a publishing extra: it writes every
  configured language's edition into ``ctx.dir``: ``bulletin.html``, ``bulletin.pdf`` and
  ``bulletin-data/<chart>.csv`` (English), ``bulletin.ko.html``, ``bulletin.ko.pdf`` and
  ``bulletin-data/<chart>.ko.csv`` (Korean).
* :func:`build_bulletin` ``(out_dir, period, as_of, lang=...)`` does the same from the
  warehouse alone, for the configured languages or the ones given.

Both compute the figures once, draw every edition's charts, write each edition's generated
fragments and metadata beside a copy of its document (``reports/bulletin.qmd``,
``reports/bulletin.ko.qmd``; :class:`Edition`) and render them to HTML and PDF. Every edition
shows the same figures: only the words differ, each language's written by its own module
(:mod:`~toolkit.bulletin.sections`, :mod:`~toolkit.bulletin.sections_ko`). The chart process
imports this package, so DuckDB is imported only where the warehouse is read.

The languages are ``languages`` in ``config/bulletin.yaml`` (:func:`configured_languages`;
English and Korean when it says none).

The metadata file ``_build/bulletin-data.yml`` is what ``quarto render --metadata-file`` reads
too: its top-level ``date`` is the release date as a literal ISO date (Quarto parses ``date``
before shortcodes run), ``bulletin`` and ``figures`` the values of ``{{< meta >}}``. The chart
CSVs go beside the rendered files (``bulletin-data/``) and, with a build folder, beside its
``.qmd`` as well, where Quarto copies them into its output folder (``resources`` in the
front matter).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from toolkit.bulletin import chartproc, vega
from toolkit.bulletin.charts import Chart, chart_csv
from toolkit.bulletin.errors import BulletinError
from toolkit.bulletin.figures import MIN_BASE, Figures, Revision, compute_figures
from toolkit.bulletin.html import render_html
from toolkit.bulletin.names import NOT_RETURNED
from toolkit.bulletin.pdf import PDF_LINK_BASE, render_pdf
from toolkit.bulletin.sections import fragments
from toolkit.bulletin.text import Md, cell, date_words, signed_change, status_words
from toolkit.config import ROOT, SCAM_LINKS, BulletinSettings, Config, ConfigError, load_config
from toolkit.i18n import check_language, period_words
from toolkit.periods import Period

REPORTS = ROOT / "reports"
QMD = "bulletin.qmd"
#: Generated fragments and metadata live in ``<build dir>/_build/`` (the .qmd includes them).
FRAGMENTS = "_build"
METADATA = "bulletin-data.yml"
DATA_DIR = "bulletin-data"
#: The editions a bulletin has when ``config/bulletin.yaml`` names no ``languages``.
DEFAULT_LANGUAGES: tuple[str, ...] = BulletinSettings.languages


@dataclass(frozen=True)
class Edition:
    """One language's bulletin: its document in ``reports/``, its generated files in the build
    folder, its outputs (``<stem>.html``, ``<stem>.pdf``)."""

    lang: str

    @property
    def suffix(self) -> str:
        """``""`` for English, ``".ko"`` for Korean: in every file name of the edition."""
        return "" if self.lang == "en" else f".{self.lang}"

    @property
    def qmd(self) -> str:
        return f"bulletin{self.suffix}.qmd"

    @property
    def stem(self) -> str:
        return f"bulletin{self.suffix}"

    @property
    def fragments(self) -> str:
        """The folder of its fragments, relative to the build folder (the .qmd includes them)."""
        return FRAGMENTS if self.lang == "en" else f"{FRAGMENTS}/{self.lang}"

    @property
    def metadata(self) -> str:
        """Its metadata file (``quarto render --metadata-file``), in ``_build/``."""
        return f"bulletin-data{self.suffix}.yml"


def edition(lang: str) -> Edition:
    """The edition of ``lang`` (``en``, ``ko``); a :class:`BulletinError` for another."""
    try:
        return Edition(check_language(lang))
    except ValueError as exc:
        raise BulletinError(str(exc)) from None


def configured_languages(config: Config) -> tuple[str, ...]:
    """The bulletin's languages: ``languages`` of ``bulletin.yaml``."""
    return config.bulletin.languages


def _languages(lang: str | Sequence[str] | None, config: Config) -> tuple[str, ...]:
    if lang is None:
        return configured_languages(config)
    langs = (lang,) if isinstance(lang, str) else tuple(lang)
    if not langs:
        raise BulletinError("no language given for the bulletin")
    return tuple(dict.fromkeys(edition(x).lang for x in langs))


def metadata(fig: Figures, config: Config, *, release_id: str | None,
             next_release: dt.date | None) -> dict[str, Any]:
    """The metadata file: the document's ``date`` (ISO) and the values the .qmd shows with
    ``{{< meta ... >}}`` (plain text: the render escapes)."""
    from toolkit.publish.specs import NOT_RETURNED_DEFINITION

    pub = config.publisher
    unit = fig.unit
    words = {"period": period_words(fig.period, "en"), "previous": period_words(fig.previous, "en"),
             "year_earlier": period_words(fig.year_earlier, "en")}
    kind = "quarterly" if unit == "quarter" else "monthly"
    status = (f"Provisional [p]: figures for the latest {unit} may be revised"
              if fig.provisional else f"Not provisional: later {unit}s have been published "
              "since; later reports can still revise these figures")
    figures: dict[str, Any] = {}
    for key, h in fig.headlines.items():
        figures[key] = {
            "current": cell(h.current), "previous": cell(h.previous),
            "year_earlier": cell(h.year_earlier),
            "change_previous": signed_change(h.change_previous),
            "change_year": signed_change(h.change_year),
        }
    team = f"{pub.contact_team} ({pub.name_ko})" if pub.name_ko else pub.contact_team
    return {
        "date": fig.as_of.isoformat(),
        "bulletin": {
            "title": f"Detentions, repatriations and deaths linked to online-scam compounds: "
                     f"{words['period']}",
            # the series in a field both Quarto's title blocks (HTML, Typst) show
            "subtitle": f"{config.bulletin.series}: {kind} statistical bulletin, "
                        f"{words['period']}",
            "series": config.bulletin.series,
            "kind": kind,
            "unit": unit,
            "period": fig.period.label,
            "period_words": words["period"],
            "previous_words": words["previous"],
            "year_earlier_words": words["year_earlier"],
            "period_end": date_words(fig.period.end),
            "release_date": date_words(fig.as_of),
            "next_release": date_words(next_release) if next_release else "To be announced",
            "release_id": release_id or "not published as a release",
            "status": status,
            "data_from": date_words(fig.first_event),
            "data_to": date_words(fig.last_event),
            "scope_words": status_words(fig.scope),
            "excluded_words": status_words([s for s in SCAM_LINKS if s not in fig.scope]),
            "min_base": str(MIN_BASE),
            "not_returned": NOT_RETURNED,
            "not_returned_definition": NOT_RETURNED_DEFINITION,
            "organisation": pub.name,
            "organisation_ko": pub.name_ko,
            "statistician": pub.statistician,
            "contact_team": pub.contact_team,
            "contact_email": pub.contact_email,
            "contact_phone": pub.contact_phone or "not published",
            "contact_line": ", ".join(x for x in (
                team, pub.contact_email,
                f"telephone {pub.contact_phone}" if pub.contact_phone else "") if x),
            "licence": pub.licence,
        },
        "figures": figures,
    }


@dataclass
class BulletinInputs:
    """Everything the render of one edition needs for one period: nothing is written yet."""

    figures: Figures
    charts: list[Chart]
    meta: dict[str, Any]
    fragments: dict[str, Md]
    edition: Edition = Edition("en")


def _writer(lang: str):
    """The module that writes ``lang``'s sentences: ``fragments`` and ``metadata``."""
    if lang == "ko":
        from toolkit.bulletin import sections_ko

        return sections_ko.fragments, sections_ko.metadata
    return fragments, metadata


def prepare_editions(fig: Figures, config: Config, langs: Sequence[str] = ("en",), *,
                     release_id: str | None = None, next_release: dt.date | None = None,
                     published: Sequence[str] = ()) -> list[BulletinInputs]:
    """Charts (with their SVG), fragments and metadata for one period, one edition per
    language of ``langs``: the same figures, each language's words."""
    drawn = chartproc.draw_editions(fig, langs)
    out = []
    for lang in langs:
        write_fragments, write_metadata = _writer(lang)
        charts = drawn[lang]
        meta = write_metadata(fig, config, release_id=release_id, next_release=next_release)
        if release_id:  # a downloaded PDF's links lead to the published release
            meta[PDF_LINK_BASE] = f"{config.publisher.public_url}releases/{release_id}/"
        out.append(BulletinInputs(fig, charts, meta, write_fragments(fig, charts, published),
                                  edition(lang)))
    return out


def prepare(fig: Figures, config: Config, *, release_id: str | None = None,
            next_release: dt.date | None = None, published: Sequence[str] = (),
            lang: str = "en") -> BulletinInputs:
    """Charts (with their SVG), fragments and metadata for one period in one language."""
    return prepare_editions(fig, config, (lang,), release_id=release_id,
                            next_release=next_release, published=published)[0]


def write_build_dir(inputs: BulletinInputs, build_dir: Path) -> Path:
    """Write the edition's ``.qmd`` (copied from reports/ unless it is reports/), fragments,
    metadata."""
    ed = inputs.edition
    build_dir.mkdir(parents=True, exist_ok=True)
    if build_dir.resolve() != REPORTS.resolve():
        shutil.copyfile(REPORTS / ed.qmd, build_dir / ed.qmd)
        shutil.copyfile(REPORTS / "_quarto.yml", build_dir / "_quarto.yml")
    frag_dir = build_dir / ed.fragments
    frag_dir.mkdir(parents=True, exist_ok=True)
    for name, text in inputs.fragments.items():
        (frag_dir / name).write_text(text, encoding="utf-8")
    (build_dir / FRAGMENTS / ed.metadata).write_text(
        yaml.safe_dump(inputs.meta, allow_unicode=True, sort_keys=True, width=1000),
        encoding="utf-8")
    return build_dir / ed.qmd


def write_quarto_runtime(build_dir: Path) -> Path:
    """``_build/quarto-charts.html``: the offline Vega runtime for ``quarto render`` (HTML)."""
    path = build_dir / FRAGMENTS / "quarto-charts.html"
    path.write_text(f"<script>{vega.runtime()}</script>\n<script>{vega.QUARTO_CHART_JS}</script>\n",
                    encoding="utf-8")
    return path


def prefetch(html: bool = True) -> None:
    """Start the slow set-up of a bulletin render in other processes and return at once: the
    process that draws the charts and, for the HTML when it is not cached, the Vega runtime.
    Without it the same work is done in this process when it is needed."""
    if html:
        vega.prefetch_runtime()
    chartproc.start()


def write_chart_csvs(inputs: BulletinInputs, folder: Path) -> list[Path]:
    """``bulletin-data/<chart>.csv`` in ``folder``: the data behind each chart, where the
    document links to it (relative to the rendered file)."""
    (folder / DATA_DIR).mkdir(parents=True, exist_ok=True)
    paths = []
    for chart in inputs.charts:
        path = folder / chart.csv_name
        path.write_bytes(chart_csv(chart).encode("utf-8"))
        paths.append(path)
    return paths


def write_outputs(inputs: BulletinInputs | Sequence[BulletinInputs], out_dir: Path, *,
                  build_dir: Path | None = None, html: bool = True,
                  pdf: bool = True) -> list[Path]:
    """Render each edition's ``<stem>.html``/``<stem>.pdf`` and write its chart CSVs into
    ``out_dir``; with ``build_dir``, keep the Quarto inputs there, the chart CSVs included.

    Every HTML and PDF is rendered at the same time, one thread each: most of either is
    Pandoc (a process) and Typst (which releases the GIL).
    """
    editions = [inputs] if isinstance(inputs, BulletinInputs) else list(inputs)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = [p for e in editions for p in write_chart_csvs(e, out_dir)]

    def render(where: Path) -> None:
        jobs = []
        for e in editions:
            qmd = write_build_dir(e, where)
            stem = out_dir / e.edition.stem
            jobs += ([(render_html, qmd, e.meta, stem.with_name(stem.name + ".html"))]
                     if html else [])
            jobs += ([(render_pdf, qmd, e.meta, stem.with_name(stem.name + ".pdf"))]
                     if pdf else [])
        if len(jobs) < 2:
            written.extend(job(qmd, meta, out, resource_dir=where)
                           for job, qmd, meta, out in jobs)
            return
        with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="bulletin") as pool:
            running = [pool.submit(job, qmd, meta, out, resource_dir=where)
                       for job, qmd, meta, out in jobs]
            wait(running)
        written.extend(r.result() for r in running)  # the first job's error first

    if build_dir is not None:
        render(build_dir)
        write_quarto_runtime(build_dir)
        for e in editions:
            write_chart_csvs(e, build_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="toolkit-bulletin-") as tmp:
            render(Path(tmp))
    return sorted(written)


def revisions_from(ctx: Any) -> list[Revision] | None:
    """The release's revisions table; None when there is no previous release."""
    if getattr(ctx, "previous", None) is None:
        return None
    frame = (getattr(ctx, "tables", None) or {}).get("revisions")
    if frame is None:
        return None
    return [Revision(str(r.get("table") or ""), str(r.get("period") or ""),
                     str(r.get("country") or ""), str(r.get("nationality") or ""),
                     str(r.get("measure") or ""), r.get("previous_value"), r.get("value"))
            for r in frame.to_dicts()]


def _config(config: Config | None) -> Config:
    """``config``, or the configuration in ``config/``; a bad one is a :class:`BulletinError`."""
    if config is not None:
        return config
    try:
        return load_config()
    except ConfigError as exc:
        raise BulletinError(str(exc)) from None


def render_bulletin(ctx: Any) -> list[Path]:
    """Publishing extra: the bulletin of ``ctx.period`` (default: the latest quarter every
    dataset covers) in every configured language (:func:`configured_languages`), with
    publishing's configuration (``ctx.config``, else the one in ``config/``) and the release's
    published tables (``ctx.tables``)."""
    from toolkit.publish.connection import default_period

    config = _config(getattr(ctx, "config", None))
    langs = configured_languages(config)
    con = ctx.con
    period = ctx.period or default_period(ctx.as_of, con, config.coverage)
    # publishing flags the release's period [p]; the bulletin reads its published tables
    fig = compute_figures(con, period, as_of=ctx.as_of, scope=config.bulletin.scope,
                          revisions=revisions_from(ctx), provisional=True,
                          coverage=config.coverage, tables=getattr(ctx, "tables", None))
    out_dir = Path(ctx.dir)
    published = sorted(p.relative_to(out_dir).as_posix()
                       for p in (out_dir / "data").glob("*.csv")
                       if not p.name.endswith("-excel.csv"))
    next_release = getattr(ctx, "next_release", None) or config.calendar.next_after(ctx.as_of)
    inputs = prepare_editions(fig, config, langs, release_id=ctx.release_id,
                              next_release=next_release, published=published)
    return write_outputs(inputs, out_dir)


#: publishing calls this before it makes the tables, so the set-up runs meanwhile
render_bulletin.prefetch = prefetch  # type: ignore[attr-defined]


def build_bulletin(out_dir: Path, period: Period | None = None, as_of: dt.date | None = None,
                   *, warehouse_dir: Path = Path("data/processed"), config: Config | None = None,
                   build_dir: Path | None = None, html: bool = True, pdf: bool = True,
                   lang: str | Sequence[str] | None = None) -> list[Path]:
    """Standalone: render the bulletin from the warehouse in ``warehouse_dir`` into ``out_dir``.

    ``period`` defaults to the latest quarter every dataset covers as of ``as_of`` (default:
    the warehouse's as-of date); ``config`` to the configuration in ``config/``; ``lang`` (a
    language or several: ``"ko"``, ``("en", "ko")``) to the configured languages. ``build_dir``
    keeps the generated fragments and metadata (give ``reports`` to render afterwards with
    ``quarto render reports/bulletin.qmd``, or ``bulletin.ko.qmd``).
    """
    from toolkit.publish.connection import default_period
    from toolkit.warehouse import connect

    config = _config(config)
    langs = _languages(lang, config)
    prefetch(html)
    con = connect(Path(warehouse_dir), read_only=True)
    try:
        if as_of is None:
            row = con.execute("SELECT value FROM load_info WHERE key = 'as_of'").fetchall()[0]
            as_of = dt.date.fromisoformat(row[0])
        if period is None:
            period = default_period(as_of, con, config.coverage)
        if period.start > as_of:
            raise BulletinError(f"period {period.label} starts after the as-of date {as_of}")
        fig = compute_figures(con, period, as_of=as_of, scope=config.bulletin.scope,
                              coverage=config.coverage)
    finally:
        con.close()
    inputs = prepare_editions(fig, config, langs, next_release=config.calendar.next_after(as_of))
    return write_outputs(inputs, Path(out_dir), build_dir=build_dir, html=html, pdf=pdf)
