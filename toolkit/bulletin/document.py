"""The bulletin as a document: metadata, the build folder, and the two ways to render it.

* :func:`render_bulletin` ``(ctx) -> list[Path]`` is a publishing extra: it writes
  ``bulletin.html``, ``bulletin.pdf`` and ``bulletin-data/*.csv`` into ``ctx.dir``.
* :func:`build_bulletin` ``(out_dir, period, as_of)`` does the same from the warehouse alone.

Both compute the figures, draw the charts, write the generated fragments and metadata beside a
copy of ``reports/bulletin.qmd`` (``_build/``) and render it to HTML and PDF. The chart process
imports this package, so DuckDB is imported only where the warehouse is read.

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
from toolkit.bulletin.pdf import render_pdf
from toolkit.bulletin.sections import fragments
from toolkit.bulletin.text import Md, cell, date_words, signed_change, status_words
from toolkit.config import ROOT, SCAM_LINKS, Config, ConfigError, load_config
from toolkit.periods import Period

REPORTS = ROOT / "reports"
QMD = "bulletin.qmd"
#: Generated fragments and metadata live in ``<build dir>/_build/`` (the .qmd includes them).
FRAGMENTS = "_build"
METADATA = "bulletin-data.yml"
DATA_DIR = "bulletin-data"


def metadata(fig: Figures, config: Config, *, release_id: str | None,
             next_release: dt.date | None) -> dict[str, Any]:
    """The metadata file: the document's ``date`` (ISO) and the values the .qmd shows with
    ``{{< meta ... >}}`` (plain text: the render escapes)."""
    from toolkit.publish.specs import NOT_RETURNED_DEFINITION

    pub = config.publisher
    unit = fig.unit
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
                     f"{fig.period.words}",
            # the series in a field both Quarto's title blocks (HTML, Typst) show
            "subtitle": f"{config.bulletin.series}: {kind} statistical bulletin, "
                        f"{fig.period.words}",
            "series": config.bulletin.series,
            "kind": kind,
            "unit": unit,
            "period": fig.period.label,
            "period_words": fig.period.words,
            "previous_words": fig.previous.words,
            "year_earlier_words": fig.year_earlier.words,
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
    """Everything the render needs for one period: nothing is written yet."""

    figures: Figures
    charts: list[Chart]
    meta: dict[str, Any]
    fragments: dict[str, Md]


def prepare(fig: Figures, config: Config, *, release_id: str | None = None,
            next_release: dt.date | None = None, published: Sequence[str] = ()) -> BulletinInputs:
    """Charts (with their SVG), fragments and metadata for one period."""
    charts = chartproc.draw_charts(fig)
    return BulletinInputs(
        fig, charts,
        metadata(fig, config, release_id=release_id, next_release=next_release),
        fragments(fig, charts, published))


def write_build_dir(inputs: BulletinInputs, build_dir: Path) -> Path:
    """Write ``bulletin.qmd`` (copied from reports/ unless it is reports/), fragments, metadata."""
    build_dir.mkdir(parents=True, exist_ok=True)
    if build_dir.resolve() != REPORTS.resolve():
        shutil.copyfile(REPORTS / QMD, build_dir / QMD)
        shutil.copyfile(REPORTS / "_quarto.yml", build_dir / "_quarto.yml")
    frag_dir = build_dir / FRAGMENTS
    frag_dir.mkdir(exist_ok=True)
    for name, text in inputs.fragments.items():
        (frag_dir / name).write_text(text, encoding="utf-8")
    (frag_dir / METADATA).write_text(
        yaml.safe_dump(inputs.meta, allow_unicode=True, sort_keys=True, width=1000),
        encoding="utf-8")
    return build_dir / QMD


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


def write_outputs(inputs: BulletinInputs, out_dir: Path, *, build_dir: Path | None = None,
                  html: bool = True, pdf: bool = True) -> list[Path]:
    """Render ``bulletin.html``/``bulletin.pdf`` and write the chart CSVs into ``out_dir``;
    with ``build_dir``, keep the Quarto inputs there, the chart CSVs included.

    The HTML and the PDF are rendered at the same time on two threads: most of either is
    Pandoc (a process) and Typst (which releases the GIL).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = write_chart_csvs(inputs, out_dir)

    def render(where: Path) -> None:
        qmd = write_build_dir(inputs, where)
        jobs = ([(render_html, out_dir / "bulletin.html")] if html else []) + (
            [(render_pdf, out_dir / "bulletin.pdf")] if pdf else [])
        if len(jobs) < 2:
            written.extend(job(qmd, inputs.meta, out, resource_dir=where) for job, out in jobs)
            return
        with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="bulletin") as pool:
            running = [pool.submit(job, qmd, inputs.meta, out, resource_dir=where)
                       for job, out in jobs]
            wait(running)
        written.extend(r.result() for r in running)  # the HTML's error first, if both fail

    if build_dir is not None:
        render(build_dir)
        write_quarto_runtime(build_dir)
        write_chart_csvs(inputs, build_dir)
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
    dataset covers), with publishing's configuration (``ctx.config``, else the one in
    ``config/``) and the release's published tables (``ctx.tables``)."""
    from toolkit.publish.connection import default_period

    config = _config(getattr(ctx, "config", None))
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
    inputs = prepare(fig, config, release_id=ctx.release_id, next_release=next_release,
                     published=published)
    return write_outputs(inputs, out_dir)


#: publishing calls this before it makes the tables, so the set-up runs meanwhile
render_bulletin.prefetch = prefetch  # type: ignore[attr-defined]


def build_bulletin(out_dir: Path, period: Period | None = None, as_of: dt.date | None = None,
                   *, warehouse_dir: Path = Path("data/processed"), config: Config | None = None,
                   build_dir: Path | None = None, html: bool = True,
                   pdf: bool = True) -> list[Path]:
    """Standalone: render the bulletin from the warehouse in ``warehouse_dir`` into ``out_dir``.

    ``period`` defaults to the latest quarter every dataset covers as of ``as_of`` (default:
    the warehouse's as-of date); ``config`` to the configuration in ``config/``. ``build_dir`` keeps
    the generated fragments and metadata (give ``reports`` to render afterwards with
    ``quarto render reports/bulletin.qmd``).
    """
    from toolkit.publish.connection import default_period
    from toolkit.warehouse import connect

    config = _config(config)
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
    inputs = prepare(fig, config, next_release=config.calendar.next_after(as_of))
    return write_outputs(inputs, Path(out_dir), build_dir=build_dir, html=html, pdf=pdf)
