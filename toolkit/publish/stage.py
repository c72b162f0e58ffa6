"""Publish a release of open data from the warehouse: tables, formats, metadata, portal page.

:func:`publish_release` reads only ``<out>/warehouse.duckdb`` (and, for revisions and the data
changelog, the previous release's Parquet files), stages the release (:mod:`.release`), writes
every table in every format with its metadata, runs the extras (the bulletin renderer is one),
writes the portal page, scans every file for personal data, writes the manifest and checksums,
flushes it all to disk, and only then switches the release in and points the top of ``<out>``
at the newest release, in atomic steps (:mod:`.release`). A failed or killed publish leaves the
last good release as it was; a full disk is a :class:`PublishError` that names the stage.

Layout of ``<out>``::

    warehouse.duckdb
    index.html                                 # the landing page (.release, .portal)
    manifest.json  SHA256SUMS  latest.json     # the newest release: symlinks through the
    releases/latest -> <id>                    # one pointer, switched in one step
    releases/<id>/                             # every release, kept
        index.html  dictionary.html            # and their Korean twins, *.ko.html
        explore/country-<iso3>.html  explore/nationality-<iso3>.html  (and *.ko.html)
        charts.html  charts/<chart>.png  .svg  # the bulletin's charts to reuse, when there is one
        feed.xml                               # Atom feed of the releases up to this one
        dictionary.md  datapackage.json  CITATION.txt  CHANGES.md  scamstats-<id>.xlsx
        manifest.json  SHA256SUMS
        data/<table>.csv  data/<table>-excel.csv  data/<table>.parquet
        (and whatever the extras write, e.g. bulletin.html, bulletin.pdf)
        .top/                                  # the newest only: what the top links to

Every file of the newest release is also at ``releases/latest/<path>``: the pages give those
addresses as the stable ones. The pages are written last (:mod:`.portal`), from the tables as
published; the landing page at the top is written when the release is switched in.

The release id is the as-of date (``2026-01-31``). The same warehouse, as-of date and
configuration give byte-identical files: nothing depends on the clock, the machine or the
output folder.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from toolkit import __version__
from toolkit.config import Config, ConfigError, Publisher, load_config
from toolkit.contracts import ALL_DATASETS
from toolkit.i18n import format_date, period_words
from toolkit.periods import Period, parse_period
from toolkit.publish.audit import AuditError, check_release
from toolkit.publish.connection import default_period, open_release_connection
from toolkit.publish.formats import (
    WorkbookInfo,
    with_place_names,
    write_csv,
    write_parquet,
    write_workbook,
)
from toolkit.publish.meta import (
    Resource,
    changelog_markdown,
    citation_text,
    datapackage,
    dictionary_markdown,
    dumps_json,
    method_notes,
    method_notes_ko,
    next_release_text,
)
from toolkit.publish.portal import (
    FORMAT_LABELS,
    LANGS,
    PageSet,
    PortalFile,
    PortalTable,
    ReleaseView,
    dictionary_html,
    page_name,
    release_entry,
    write_pages,
)
from toolkit.publish.portal_charts import write_chart_images
from toolkit.publish.privacy import scan_files, scan_release
from toolkit.publish.release import (
    DATA,
    MANIFEST,
    RELEASES,
    PreviousRelease,
    PublishedFile,
    PublishError,
    Release,
    StepHook,
    clean_stale,
    disk_full,
    find_previous,
    fsync_tree,
    list_releases,
    make_staging,
    published_files,
    sha256_of,
    switch_in,
    write_manifest,
)
from toolkit.publish.specs import RECONCILIATION, TableSpec
from toolkit.publish.tables import release_tables


@dataclass(frozen=True)
class ReleaseContext:
    """What an extra (e.g. the bulletin renderer) gets: write files into ``dir``."""

    out_dir: Path
    dir: Path  # the staging folder of the release
    release_id: str
    as_of: dt.date
    period: Period
    previous: PreviousRelease | None
    #: DuckDB connection: the warehouse's tables and views (sources, detentions,
    #: repatriations, fatalities, findings, load_info, raw_files, not_returned,
    #: reconciliation_findings) limited to the as-of date, attached read-only; plus the
    #: published summary tables as views (quarterly_summary, monthly_summary, ...).
    con: duckdb.DuckDBPyConnection
    tables: Mapping[str, pl.DataFrame]  # every published table, as published
    specs: Mapping[str, TableSpec]
    publisher: Publisher  # config.publisher
    next_release: dt.date | None  # the first planned release after as_of (config.calendar)
    config: Config

    def path(self, relative: str) -> Path:
        """``relative`` inside the release folder, with its parent folders created."""
        target = self.dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


#: An extra writes files into the release. It may carry a ``prefetch()`` attribute: called with
#: no arguments once the release is known to be publishable, to start slow set-up in the
#: background while the tables are made (the bulletin starts its chart process so).
Extra = Callable[[ReleaseContext], list[Path]]


def publish_release(out_dir: Path, *, as_of: dt.date | None = None,
                    period: Period | str | None = None, extras: Sequence[Extra] = (),
                    config: Config | None = None, step_hook: StepHook | None = None
                    ) -> Release:
    """Publish the release of ``as_of`` (default: the warehouse's as-of date) from
    ``<out_dir>/warehouse.duckdb``; see the module docstring for what is written where.

    ``config`` gives the publisher, the small-count threshold and the release calendar
    (default: :func:`toolkit.config.load_config`). Raises :class:`PublishError` when the release
    cannot be published (no warehouse, a period that has not ended, a configuration that cannot
    be read, personal data in a file, a full disk); an exception raised by an extra propagates.
    Either way nothing of the release is switched in.

    ``step_hook`` is called around each step of the switch (:data:`.release.StepHook`).
    """
    out_dir = Path(out_dir)
    if isinstance(period, str):
        period = parse_period(period)
    con, as_of, _ = open_release_connection(out_dir, as_of)
    try:
        release_id = as_of.isoformat()
        (out_dir / RELEASES).mkdir(parents=True, exist_ok=True)
        clean_stale(out_dir)
        if config is None:
            try:
                config = load_config()
            except ConfigError as exc:
                raise PublishError(str(exc)) from None
        try:
            _ = config.disclosure.policy  # a policy that cannot be enforced stops here
        except ConfigError as exc:
            raise PublishError(str(exc)) from None
        period = period or default_period(as_of, con, config.coverage)
        if period.end > as_of:
            raise PublishError(f"period {period.label} ends on {period.end}, after the as-of "
                               f"date {as_of}: it cannot be published yet")
        previous = find_previous(out_dir, release_id)
        for extra in extras:
            start = getattr(extra, "prefetch", None)
            if callable(start):
                start()
        staging = None
        try:
            staging = make_staging(out_dir, release_id)
            files, unscanned = _stage(out_dir, staging, con, release_id, as_of, period,
                                      previous, config, extras)
            fsync_tree(staging)
        except BaseException as exc:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            reason = disk_full(exc)
            if reason is None:
                raise
            raise PublishError(f"out of disk space ({reason}) while staging release "
                               f"{release_id}: nothing was published; the previous release is "
                               "unchanged") from exc
        try:
            current = switch_in(out_dir, staging, release_id, config.publisher, step_hook)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # after an exchange: the replaced one
    finally:
        con.close()
    return Release(release_id, as_of, period, out_dir / RELEASES / release_id,
                   out_dir / MANIFEST, files, previous, current == release_id,
                   unscanned)


def _stage(out_dir: Path, staging: Path, con: duckdb.DuckDBPyConnection, release_id: str,
           as_of: dt.date, period: Period, previous: PreviousRelease | None, config: Config,
           extras: Sequence[Extra]) -> tuple[tuple[PublishedFile, ...], tuple[str, ...]]:
    """Write the whole release into ``staging``; return its files and those not scanned."""
    publisher = config.publisher
    next_release = config.calendar.next_after(as_of)
    prev_id = previous.release_id if previous else None
    policy = config.disclosure.policy
    specs, tables = release_tables(con, period, previous, policy, config.coverage)
    ordered = list(specs.values())
    notes = method_notes(policy, prev_id, period)
    notes_by_lang = {"en": notes, "ko": method_notes_ko(policy, prev_id, period)}

    # tables in every format
    data_dir = staging / DATA
    data_dir.mkdir()
    rows: dict[str, int] = {}
    table_files: dict[str, tuple[PortalFile, ...]] = {}
    parquet_meta = {"release_id": release_id, "as_of": as_of.isoformat(),
                    "publisher": publisher.name, "licence": publisher.licence_id}
    # as in the files: names beside the ISO codes
    published: dict[str, tuple[TableSpec, pl.DataFrame]] = {}
    for name, code_spec in specs.items():
        frame, spec = with_place_names(tables[name], code_spec)
        published[name] = spec, frame
        paths = {
            "csv": write_csv(frame, spec, data_dir / f"{name}.csv"),
            "excel_csv": write_csv(frame, spec, data_dir / f"{name}-excel.csv", bom=True),
            "parquet": write_parquet(frame, spec, data_dir / f"{name}.parquet",
                                     parquet_meta | {"table": name}),
        }
        table_files[name] = tuple(_listed(staging, p, FORMAT_LABELS[fmt], fmt=fmt)
                                  for fmt, p in paths.items())
        for f in table_files[name]:
            rows[f.path] = frame.height

    # the documents of the whole release
    in_files = [published[s.name][0] for s in ordered]
    csvs = {s.name: table_files[s.name][0] for s in ordered}
    resources = [Resource(s, csvs[s.name].path, csvs[s.name].sha256, csvs[s.name].bytes,
                          tables[s.name].height) for s in in_files]
    (staging / "datapackage.json").write_bytes(dumps_json(
        datapackage(release_id, as_of, publisher, resources, tables["sources"])))
    file_lists = {n: [f.path for f in table_files[n]] for n in specs}
    table_rows = {n: tables[n].height for n in specs}
    (staging / "dictionary.md").write_bytes(dictionary_markdown(
        release_id, publisher, in_files, table_rows, file_lists, notes).encode("utf-8"))
    for lang in LANGS:
        (staging / page_name("dictionary", lang)).write_bytes(dictionary_html(
            release_id, publisher, in_files, table_rows, file_lists, notes_by_lang[lang],
            lang).encode("utf-8"))
    (staging / "CITATION.txt").write_bytes(citation_text(
        publisher, release_id, as_of, [(s.name, s.title) for s in ordered]).encode("utf-8"))
    (staging / "CHANGES.md").write_bytes(changelog_markdown(
        release_id, prev_id, tables["changelog"], tables["revisions"]).encode("utf-8"))

    # the files so far are scanned for personal data on a thread while the extras run (mostly
    # waiting on other processes); at the end, a result counts only if the bytes are unchanged
    scanner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="privacy-scan")
    early_scan = scanner.submit(scan_files, staging, sorted(
        p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()),
        publisher.allowed_contacts)
    scanner.shutdown(wait=False)  # the thread ends with its scan

    # extras (the bulletin): they see the warehouse and the published tables
    for name, frame in tables.items():
        if name not in ALL_DATASETS and name != RECONCILIATION.name:
            con.register(name, frame.to_arrow())
    ctx = ReleaseContext(out_dir=out_dir, dir=staging, release_id=release_id, as_of=as_of,
                         period=period, previous=previous, con=con, tables=tables, specs=specs,
                         publisher=publisher, next_release=next_release, config=config)
    extra_files = _run_extras(extras, ctx)

    # the attack on the suppressed cells, from the tables and what the bulletin says
    texts = {p.relative_to(staging).as_posix(): p.read_text(encoding="utf-8", errors="replace")
             for p in sorted(staging.rglob("*")) if p.is_file()
             and (p.name.startswith("bulletin") and p.suffix in (".html", ".md")
                  or p.parent.name == "bulletin-data" and p.suffix == ".csv")}
    try:
        check_release(tables, specs, texts, policy.threshold)
    except AuditError as exc:
        raise PublishError(f"{exc}; nothing was published") from None

    # the workbook, which links to the bulletin when there is one
    workbook = staging / f"scamstats-{release_id}.xlsx"
    release_url = f"{publisher.public_url}{RELEASES}/{release_id}/"
    links = [(label, release_url + path) for label, path in (
        ("Bulletin", "bulletin.html"), ("Bulletin (PDF)", "bulletin.pdf"),
        ("Bulletin in Korean", "bulletin.ko.html")) if (staging / path).is_file()]
    links.append(("This release online", release_url + "index.html"))
    write_workbook(workbook, WorkbookInfo(
        title=publisher.title, release_id=release_id, as_of=as_of, period_label=period.label,
        next_release=next_release_text(next_release), publisher=publisher.name,
        contact=publisher.contact_email, licence=f"{publisher.licence}, {publisher.licence_url}",
        citation=publisher.citation(release_id, as_of), description=publisher.description,
        notes=notes, links=links, period_words=period_words(period, "en"),
    ), [published[s.name] for s in ordered])

    # the bulletin's charts to reuse, then the pages, linking everything above

    charts, chart_files = write_chart_images(
        staging, publisher, release_id, {lang: format_date(as_of, lang) for lang in LANGS})
    documents = [
        _listed(staging, workbook, "Workbook (XLSX)", "every table, with cover sheet and notes"),
        _listed(staging, staging / "dictionary.html", "Data dictionary (HTML)"),
        _listed(staging, staging / "dictionary.md", "Data dictionary (Markdown)"),
        _listed(staging, staging / "datapackage.json", "datapackage.json",
                "Frictionless Data Package with Table Schemas"),
        _listed(staging, staging / "CITATION.txt", "How to cite (CITATION.txt)"),
        _listed(staging, staging / "CHANGES.md",
                "Changes since the previous release (CHANGES.md)"),
    ]
    extras_listed = [_listed(staging, p, p.relative_to(staging).as_posix())
                     for p in sorted(set(extra_files) | set(chart_files))]
    summary_name = "quarterly_summary" if "Q" in period.label else "monthly_summary"
    view = ReleaseView(
        publisher, release_id, as_of, period, next_release, prev_id,
        _previous_period(previous), tables.get(summary_name), tables.get("changelog"),
        tables.get("revisions"),
        frozenset(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()),
        ())
    write_pages(staging, PageSet(
        view=view, specs=in_files,
        tables=[PortalTable(s, tables[s.name].height, table_files[s.name]) for s in in_files],
        documents=documents, extras=extras_listed,
        previous_releases=[release_entry(out_dir / RELEASES / r) for r in sorted(
            (r for r in list_releases(out_dir) if r < release_id), reverse=True)],
        method_notes=notes_by_lang, charts=charts))

    # manifest and checksums of everything published, then the personal-data scan
    files = published_files(staging, release_id, rows)
    raw_files = con.sql("SELECT dataset, file, sha256, rows FROM raw_files "
                        "ORDER BY dataset, sha256").fetchall()
    write_manifest(staging, {
        "release_id": release_id,
        "as_of": as_of.isoformat(),
        "period": period.label,
        "previous_release": prev_id,
        "next_release": next_release.isoformat() if next_release else None,
        "toolkit_version": __version__,
        "licence": publisher.licence_id,
        "citation": publisher.citation(release_id, as_of),
        # the raw files by content only: their names are the statistics team's, not public
        "inputs": [{"dataset": d, "sha256": s, "rows": n} for d, _, s, n in raw_files],
    }, files)
    try:
        earlier = early_scan.result()
    except Exception:  # noqa: BLE001 - then every file is scanned now
        earlier = None
    hits, unscanned = scan_release(staging, publisher.allowed_contacts, earlier=earlier)
    if hits:
        shown = "; ".join(str(h) for h in hits[:10])
        more = f" (and {len(hits) - 10} more)" if len(hits) > 10 else ""
        raise PublishError(f"personal data in the release, nothing was published: {shown}{more}")
    return tuple(files), tuple(unscanned)


def _previous_period(previous: PreviousRelease | None) -> Period | None:
    """The period the previous release reported, from its manifest."""
    if previous is None:
        return None
    try:
        return parse_period(str(previous.manifest["period"]))
    except (KeyError, ValueError):
        return None


def _listed(staging: Path, path: Path, label: str, description: str = "", *,
            fmt: str = "") -> PortalFile:
    """A file of the staged release as the portal page lists it."""
    return PortalFile(label, path.relative_to(staging).as_posix(), sha256_of(path),
                      path.stat().st_size, description, fmt)


def _run_extras(extras: Sequence[Extra], ctx: ReleaseContext) -> list[Path]:
    """Run each extra; the files they wrote, each checked to be inside the release folder."""
    written: list[Path] = []
    for extra in extras:
        for p in extra(ctx) or []:
            p = Path(p)
            p = p if p.is_absolute() else ctx.dir / p
            if not p.is_file() or not p.resolve().is_relative_to(ctx.dir.resolve()):
                raise PublishError(f"extra {getattr(extra, '__name__', extra)!r} returned "
                                   f"{p}, which is not a file inside the release folder")
            written.append(p)
    return written
