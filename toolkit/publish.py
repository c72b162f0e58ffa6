"""Publish a release of open data from the warehouse: tables, formats, metadata, portal page.

:func:`publish_release` reads only ``<out>/warehouse.duckdb`` (and, for revisions and the data
changelog, the previous release's Parquet files), stages the release in
``<out>/releases/.staging-<id>-<pid>/``, writes every table in every format with its metadata,
runs the extras (the bulletin renderer is one), writes the portal page, scans every file for
personal data, writes the manifest and checksums, and only then switches the release in: the
staged folder is renamed to ``<out>/releases/<id>/`` and the files at the top of ``<out>``
(``manifest.json``, ``SHA256SUMS``, ``latest.json``, ``index.html``) are replaced with
``os.replace``. A failed or killed publish leaves the last good release as it was; leftovers of
one are removed by the next run.

Layout of ``<out>``::

    warehouse.duckdb
    manifest.json  SHA256SUMS  latest.json  index.html     # the current (newest) release
    releases/<id>/                                         # every release, kept
        index.html  dictionary.html  dictionary.md  datapackage.json
        CITATION.txt  CHANGES.md  scamstats-<id>.xlsx  manifest.json  SHA256SUMS
        data/<table>.csv  data/<table>-excel.csv  data/<table>.parquet
        (and whatever the extras write, e.g. bulletin.html, bulletin.pdf)

The release id is the as-of date (``2026-01-31``). The same warehouse and as-of date give
byte-identical files: nothing depends on the clock, the machine or the output folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from toolkit import __version__
from toolkit.contracts import ALL_DATASETS, EVENT_DATASETS, load_contracts
from toolkit.disclosure import DisclosureConfig, load_disclosure_config
from toolkit.layout import sha256_file
from toolkit.periods import Period, latest_complete_quarter, parse_period
from toolkit.portal import PortalFile, PortalTable, portal_html, releases_index_html
from toolkit.publish_formats import WorkbookInfo, write_csv, write_parquet, write_workbook
from toolkit.publish_meta import (
    Publisher,
    Resource,
    changelog_markdown,
    datapackage,
    dictionary_html,
    dictionary_markdown,
    dumps_json,
    load_publisher,
    next_release_date,
)
from toolkit.publish_privacy import scan_files, scan_release
from toolkit.publish_tables import (
    CHANGELOG,
    RECONCILIATION,
    REVISIONS,
    TableSpec,
    breakdown_spec,
    breakdown_table,
    changelog_table,
    contract_spec,
    event_table,
    first_event_date,
    flag_revisions,
    last_event_date,
    reconciliation_table,
    revisions_table,
    summary_periods,
    summary_spec,
    summary_table,
)
from toolkit.warehouse import FINDINGS_SQL, STOCK_SQL, WAREHOUSE, memory, sql_string

RELEASES = "releases"
STAGING_PREFIX = ".staging-"
REPLACED_PREFIX = ".replaced-"
RELEASE_ID = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MANIFEST = "manifest.json"
SHA256SUMS = "SHA256SUMS"
LATEST = "latest.json"
TOP_FILES = (MANIFEST, SHA256SUMS, LATEST, "index.html")
DATA = "data"
BREAKDOWNS = ("detentions_by_sex", "fatalities_by_sex", "fatalities_by_age")


class PublishError(Exception):
    """The release cannot be published; the previous release is left as it was."""


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class PreviousRelease:
    release_id: str
    as_of: dt.date
    dir: Path
    manifest: dict

    def table(self, name: str) -> pl.DataFrame | None:
        """A table of that release, from its Parquet file; None if it has none."""
        path = self.dir / DATA / f"{name}.parquet"
        return pl.read_parquet(path) if path.is_file() else None


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
    #: repatriations, fatalities, findings, load_info, raw_files, stock,
    #: reconciliation_findings) limited to the as-of date, attached read-only; plus the
    #: published summary tables as views (quarterly_summary, monthly_summary, ...).
    con: duckdb.DuckDBPyConnection
    tables: Mapping[str, pl.DataFrame]  # every published table, as published
    specs: Mapping[str, TableSpec]
    publisher: Publisher
    next_release: dt.date | None

    def path(self, relative: str) -> Path:
        """``relative`` inside the release folder, with its parent folders created."""
        target = self.dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


@dataclass(frozen=True)
class PublishedFile:
    path: str  # relative to --out, with forward slashes
    sha256: str
    bytes: int
    rows: int | None


@dataclass(frozen=True)
class Release:
    release_id: str
    as_of: dt.date
    period: Period
    dir: Path  # <out>/releases/<id>
    manifest_path: Path  # <out>/manifest.json
    files: tuple[PublishedFile, ...]
    previous: PreviousRelease | None
    is_current: bool  # the newest release, the one the top of --out points to
    unscanned: tuple[str, ...] = field(default=())  # files the personal-data scan cannot read

    def file(self, relative: str) -> PublishedFile:
        """A published file by its path inside the release folder."""
        want = f"{RELEASES}/{self.release_id}/{relative}"
        for f in self.files:
            if f.path == want:
                return f
        raise KeyError(relative)


#: An extra writes files into the release. It may carry a ``prefetch()`` attribute: called with
#: no arguments once the release is known to be publishable, to start slow set-up in the
#: background while the tables are made (the bulletin starts its chart process so).
Extra = Callable[[ReleaseContext], list[Path]]


# --------------------------------------------------------------------------- helpers


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a leftover of this process is never in use
    if sys.platform == "win32":
        return False  # os.kill would terminate it; assume stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError, OSError):
        return False
    return True


def clean_stale(releases_dir: Path) -> None:
    """Remove staging folders of failed or killed runs; put back a release that a killed run
    had moved aside while replacing it."""
    if not releases_dir.is_dir():
        return
    for entry in sorted(releases_dir.iterdir()):
        name = entry.name
        if name.startswith(STAGING_PREFIX):
            pid = name.rsplit("-", 1)[-1]
            if pid.isdigit() and _pid_alive(int(pid)):
                continue
            shutil.rmtree(entry, ignore_errors=True)
        elif name.startswith(REPLACED_PREFIX):
            release_id = name[len(REPLACED_PREFIX):].rsplit("-", 1)[0]
            original = releases_dir / release_id
            if RELEASE_ID.match(release_id) and not original.exists():
                os.rename(entry, original)
            else:
                shutil.rmtree(entry, ignore_errors=True)


def _clean_top(out_dir: Path) -> None:
    """Remove the temporary files of a run killed while it updated the top of ``--out``."""
    for name in TOP_FILES:
        for leftover in out_dir.glob(f".{name}.*.tmp"):
            leftover.unlink(missing_ok=True)


def list_releases(out_dir: Path) -> list[str]:
    """Ids of the complete releases under ``<out>/releases``, oldest first."""
    base = out_dir / RELEASES
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir()
                  if p.is_dir() and RELEASE_ID.match(p.name) and (p / MANIFEST).is_file())


def find_previous(out_dir: Path, release_id: str) -> PreviousRelease | None:
    """The newest complete release older than ``release_id``."""
    import json

    older = [r for r in list_releases(out_dir) if r < release_id]
    if not older:
        return None
    folder = out_dir / RELEASES / older[-1]
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return PreviousRelease(older[-1], dt.date.fromisoformat(older[-1]), folder, manifest)


def open_release_connection(out_dir: Path, as_of: dt.date | None
                            ) -> tuple[duckdb.DuckDBPyConnection, dt.date, dt.date]:
    """An in-memory DuckDB with the warehouse attached read-only and its tables as views,
    events limited to ``as_of``; returns (connection, as_of, the warehouse's as-of date)."""
    path = out_dir / WAREHOUSE
    if not path.is_file():
        raise PublishError(f"no warehouse at {path}: run `toolkit load` first")
    con = memory()
    try:
        con.execute(f"ATTACH {sql_string(str(path))} AS wh (READ_ONLY)")
        rows = con.execute("SELECT value FROM wh.load_info WHERE key = 'as_of'").fetchall()
        row = rows[0] if rows else None
        if row is None:
            raise PublishError(f"{path} has no as_of in load_info: run `toolkit load` again")
        loaded = dt.date.fromisoformat(row[0])
        as_of = as_of or loaded
        if as_of > loaded:
            raise PublishError(
                f"the warehouse was loaded as of {loaded}; a release as of {as_of} needs "
                f"`toolkit load --as-of {as_of}` first")
        day = f"DATE '{as_of.isoformat()}'"
        for name in EVENT_DATASETS:
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM wh."{name}" '
                        f"WHERE event_date <= {day}")
        # sources cited only by records after the as-of date are not part of that release
        con.execute(
            "CREATE VIEW sources AS SELECT * FROM wh.sources s WHERE s.source_id IN ("
            + " UNION ".join(f'SELECT source_id FROM "{n}"' for n in EVENT_DATASETS)
            + ") OR s.source_id NOT IN ("
            + " UNION ".join(f'SELECT source_id FROM wh."{n}"' for n in EVENT_DATASETS) + ")")
        for name in ("findings", "load_info", "raw_files"):
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM wh."{name}"')
        con.execute(f"CREATE VIEW stock AS {STOCK_SQL}")
        con.execute(f"CREATE VIEW reconciliation_findings AS {FINDINGS_SQL}")
    except BaseException:
        con.close()
        raise
    return con, as_of, loaded


def default_period(as_of: dt.date, con: duckdb.DuckDBPyConnection) -> Period:
    """The latest quarter that has ended by the as-of date and has records."""
    return latest_complete_quarter(as_of, last_event_date(con))


def method_notes(threshold: int, previous: str | None, period: Period) -> list[tuple[str, str]]:
    return [
        ("Records", "Counts of people, from public sources, one row per reported event; no "
                    "names. Records dated after the as-of date are not in the release."),
        ("Periods", "Events are counted in the quarter or month of event_date. Where an event "
                    "is known only to the week or month (date_precision), event_date is the "
                    "day by which it had happened."),
        ("Held at end of period", "Detentions up to the last day of the period minus "
                                  "repatriations from the same country (from_country) up to "
                                  "then, for the same nationality. Where this is negative on "
                                  "any day up to the end of the period, the records cannot "
                                  "support a figure: held_at_end is empty with [x] and the "
                                  "reconciliation_findings table lists the rows involved. It "
                                  "is never clipped to zero."),
        ("Deaths", "died counts every record of the fatalities dataset, whatever the status of "
                   "its link to scams (scam_link)."),
        ("Disclosure control", f"In tables broken down by sex or age, counts from 1 to "
                               f"{threshold - 1} are suppressed [c] (threshold {threshold}, "
                               "config/disclosure.yaml); where one cell of a row would be the "
                               "only one suppressed, the smallest other cell is suppressed too "
                               "so that the row total cannot reveal it. Totals are published."),
        ("Provisional", f"The latest period of each table ({period.label} or its last month) "
                        "is provisional [p]."),
        ("Revisions", f"[r] marks cells changed since release {previous}; revisions.csv gives "
                      "the old and new values." if previous else
                      "This is the first release: nothing is revised."),
    ]


# --------------------------------------------------------------------------- the stage


def publish_release(out_dir: Path, *, as_of: dt.date | None = None,
                    period: Period | None = None, extras: Sequence[Extra] = (),
                    config: Path | None = None) -> Release:
    """Publish the release of ``as_of`` (default: the warehouse's as-of date) from
    ``<out_dir>/warehouse.duckdb``; see the module docstring for what is written where.

    ``config`` is the folder with ``disclosure.yaml``, ``publisher.yaml`` and
    ``release-calendar.yaml`` (default: ``$TOOLKIT_CONFIG`` or the repository's ``config/``).
    Raises :class:`PublishError` when the release cannot be published (no warehouse, a period
    that has not ended, personal data in a file); an exception raised by an extra propagates.
    Either way nothing of the release is switched in.
    """
    out_dir = Path(out_dir)
    if isinstance(period, str):
        period = parse_period(period)
    con, as_of, _ = open_release_connection(out_dir, as_of)
    try:
        release_id = as_of.isoformat()
        releases_dir = out_dir / RELEASES
        releases_dir.mkdir(parents=True, exist_ok=True)
        clean_stale(releases_dir)
        _clean_top(out_dir)
        period = period or default_period(as_of, con)
        if period.end > as_of:
            raise PublishError(f"period {period.label} ends on {period.end}, after the as-of "
                               f"date {as_of}: it cannot be published yet")
        disclosure = load_disclosure_config(config / "disclosure.yaml" if config else None)
        publisher = load_publisher(config / "publisher.yaml" if config else None)
        next_release = next_release_date(
            as_of, config / "release-calendar.yaml" if config else None)
        previous = find_previous(out_dir, release_id)
        for extra in extras:
            start = getattr(extra, "prefetch", None)
            if callable(start):
                start()
        staging = releases_dir / f"{STAGING_PREFIX}{release_id}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            release = _stage(out_dir, staging, con, release_id, as_of, period, previous,
                             disclosure, publisher, next_release, extras)
            _switch_in(out_dir, staging, release_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        current = _update_top(out_dir, publisher)
    finally:
        con.close()
    return Release(release_id, as_of, period, releases_dir / release_id, out_dir / MANIFEST,
                   release["files"], previous, current == release_id, release["unscanned"])


def _stage(out_dir: Path, staging: Path, con: duckdb.DuckDBPyConnection, release_id: str,
           as_of: dt.date, period: Period, previous: PreviousRelease | None,
           disclosure: DisclosureConfig, publisher: Publisher, next_release: dt.date | None,
           extras: Sequence[Extra]) -> dict:
    contracts = load_contracts()
    specs: dict[str, TableSpec] = {n: contract_spec(contracts[n]) for n in ALL_DATASETS}
    tables: dict[str, pl.DataFrame] = {n: event_table(con, specs[n]) for n in ALL_DATASETS}

    quarters, months = summary_periods(first_event_date(con), period)
    prev_id = previous.release_id if previous else None
    revisions: list[dict] = []
    for kind, periods in (("quarterly", quarters), ("monthly", months)):
        spec = summary_spec(kind)
        frame = summary_table(con, spec, periods)
        frame, revs = flag_revisions(frame, spec, previous.table(spec.name) if previous else None,
                                     prev_id, periods[-1].label if periods else None)
        specs[spec.name], tables[spec.name] = spec, frame
        revisions += revs
    for name in BREAKDOWNS:
        spec = breakdown_spec(name)
        frame = breakdown_table(con, spec, quarters, disclosure.threshold)
        frame, revs = flag_revisions(frame, spec, previous.table(name) if previous else None,
                                     prev_id, quarters[-1].label if quarters else None)
        specs[name], tables[name] = spec, frame
        revisions += revs
    specs[RECONCILIATION.name] = RECONCILIATION
    tables[RECONCILIATION.name] = reconciliation_table(con)
    specs[REVISIONS.name] = REVISIONS
    tables[REVISIONS.name] = revisions_table(revisions)
    prev_tables = {}
    if previous:
        for name in ALL_DATASETS:
            frame = previous.table(name)
            if frame is not None:
                prev_tables[name] = frame
    specs[CHANGELOG.name] = CHANGELOG
    tables[CHANGELOG.name] = changelog_table(tables, prev_tables, specs, prev_id)
    tables = {name: _finalise(tables[name], specs[name]) for name in specs}

    # tables in every format
    data_dir = staging / DATA
    data_dir.mkdir()
    rows: dict[str, int] = {}
    table_files: dict[str, dict[str, tuple[str, str, int]]] = {}
    parquet_meta = {"release_id": release_id, "as_of": as_of.isoformat(),
                    "publisher": publisher.name, "licence": publisher.licence_id}
    for name, spec in specs.items():
        frame = tables[name]
        paths = {
            "csv": write_csv(frame, spec, data_dir / f"{name}.csv"),
            "excel_csv": write_csv(frame, spec, data_dir / f"{name}-excel.csv", bom=True),
            "parquet": write_parquet(frame, spec, data_dir / f"{name}.parquet",
                                     parquet_meta | {"table": name}),
        }
        table_files[name] = {fmt: (p.relative_to(staging).as_posix(), sha256_file(p),
                                   p.stat().st_size) for fmt, p in paths.items()}
        for p in paths.values():
            rows[p.relative_to(staging).as_posix()] = frame.height
    notes = method_notes(disclosure.threshold, prev_id, period)
    citation = publisher.citation(release_id, as_of)
    nxt = next_release.isoformat() if next_release else "to be announced"
    ordered = list(specs.values())

    workbook = staging / f"scamstats-{release_id}.xlsx"
    write_workbook(workbook, WorkbookInfo(
        title=publisher.title, release_id=release_id, as_of=as_of, period_label=period.label,
        next_release=nxt, publisher=publisher.name, contact=publisher.contact_email,
        licence=f"{publisher.licence_title} ({publisher.licence_id}), {publisher.licence_url}",
        citation=citation, description=publisher.description, notes=notes,
    ), [(s, tables[s.name]) for s in ordered])

    resources = [Resource(s, table_files[s.name]["csv"][0], table_files[s.name]["csv"][1],
                          table_files[s.name]["csv"][2], tables[s.name].height) for s in ordered]
    (staging / "datapackage.json").write_bytes(dumps_json(
        datapackage(release_id, as_of, publisher, resources, tables["sources"])))
    file_lists = {n: [f[0] for f in table_files[n].values()] for n in specs}
    table_rows = {n: tables[n].height for n in specs}
    (staging / "dictionary.md").write_bytes(dictionary_markdown(
        release_id, publisher, ordered, table_rows, file_lists, notes).encode("utf-8"))
    from toolkit.portal import portal_css

    (staging / "dictionary.html").write_bytes(dictionary_html(
        release_id, publisher, ordered, table_rows, file_lists, notes, portal_css()
    ).encode("utf-8"))
    (staging / "CITATION.txt").write_bytes(
        (f"{citation}\n\nRelease {release_id}, data as of {as_of.isoformat()}. "
         f"Licence: {publisher.licence_title} ({publisher.licence_id}), "
         f"{publisher.licence_url}\n").encode())
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
    ctx = ReleaseContext(out_dir, staging, release_id, as_of, period, previous, con, tables,
                         specs, publisher, next_release)
    extra_files: list[Path] = []
    for extra in extras:
        written = extra(ctx) or []
        for p in written:
            p = Path(p)
            p = p if p.is_absolute() else staging / p
            if not p.is_file() or not p.resolve().is_relative_to(staging.resolve()):
                raise PublishError(f"extra {getattr(extra, '__name__', extra)!r} returned "
                                   f"{p}, which is not a file inside the release folder")
            extra_files.append(p)

    # the portal page, linking everything above
    def pfile(label: str, path: Path, description: str = "") -> PortalFile:
        return PortalFile(label, path.relative_to(staging).as_posix(), sha256_file(path),
                          path.stat().st_size, description)

    documents = [
        pfile("Workbook (XLSX)", workbook, "every table, with cover sheet and notes"),
        pfile("Data dictionary (HTML)", staging / "dictionary.html"),
        pfile("Data dictionary (Markdown)", staging / "dictionary.md"),
        pfile("datapackage.json", staging / "datapackage.json",
              "Frictionless Data Package with Table Schemas"),
        pfile("How to cite (CITATION.txt)", staging / "CITATION.txt"),
        pfile("Changes since the previous release (CHANGES.md)", staging / "CHANGES.md"),
    ]
    extras_listed = [pfile(p.relative_to(staging).as_posix(), p)
                     for p in sorted(set(extra_files))]
    portal_tables = [PortalTable(s, tables[s.name].height, table_files[s.name]) for s in ordered]
    previous_ids = [r for r in list_releases(out_dir) if r < release_id]
    (staging / "index.html").write_bytes(portal_html(
        publisher=publisher, release_id=release_id, as_of=as_of, period_label=period.label,
        next_release=next_release, tables=portal_tables, documents=documents,
        extras=extras_listed, previous_releases=sorted(previous_ids, reverse=True),
        method_notes=notes,
    ).encode("utf-8"))

    # manifest and checksums of everything published, then the personal-data scan
    files = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        rel = path.relative_to(staging).as_posix()
        if rel in (MANIFEST, SHA256SUMS):
            continue
        files.append(PublishedFile(f"{RELEASES}/{release_id}/{rel}", sha256_file(path),
                                   path.stat().st_size, rows.get(rel)))
    raw_files = con.sql("SELECT dataset, file, sha256, rows FROM raw_files "
                        "ORDER BY dataset, file").fetchall()
    manifest = {
        "release_id": release_id,
        "as_of": as_of.isoformat(),
        "period": period.label,
        "previous_release": prev_id,
        "next_release": next_release.isoformat() if next_release else None,
        "toolkit_version": __version__,
        "licence": publisher.licence_id,
        "citation": citation,
        "inputs": [{"dataset": d, "file": f, "sha256": s, "rows": n}
                   for d, f, s, n in raw_files],
        "files": [{"path": f.path, "sha256": f.sha256, "bytes": f.bytes, "rows": f.rows}
                  for f in files],
    }
    (staging / MANIFEST).write_bytes(dumps_json(manifest))
    (staging / SHA256SUMS).write_bytes("".join(
        f"{f.sha256}  {f.path.split('/', 2)[2]}\n" for f in files).encode("utf-8"))
    try:
        earlier = early_scan.result()
    except Exception:  # noqa: BLE001 - then every file is scanned now
        earlier = None
    hits, unscanned = scan_release(staging, publisher.allowed_contacts, earlier=earlier)
    if hits:
        shown = "; ".join(str(h) for h in hits[:10])
        more = f" (and {len(hits) - 10} more)" if len(hits) > 10 else ""
        raise PublishError(f"personal data in the release, nothing was published: {shown}{more}")
    return {"files": tuple(files), "unscanned": tuple(unscanned)}


def _finalise(frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Columns in spec order and types; empty text is missing (null)."""
    frame = frame.select(spec.columns).cast(spec.schema)
    text = [f.name for f in spec.fields if f.is_text]
    return frame.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in text)


def _switch_in(out_dir: Path, staging: Path, release_id: str) -> None:
    """Rename the staged folder to ``releases/<id>``; an existing one is moved aside first and
    removed after (``clean_stale`` puts it back if the process dies in between)."""
    target = out_dir / RELEASES / release_id
    aside = None
    if target.exists():
        aside = target.with_name(f"{REPLACED_PREFIX}{release_id}-{os.getpid()}")
        shutil.rmtree(aside, ignore_errors=True)
        os.rename(target, aside)
    try:
        os.rename(staging, target)
    except BaseException:
        if aside is not None and not target.exists():
            os.rename(aside, target)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _update_top(out_dir: Path, publisher: Publisher) -> str:
    """Point the top of ``--out`` at the newest release: copy its manifest, write SHA256SUMS
    (paths relative to ``--out``), ``latest.json`` and ``index.html``; each file atomically."""
    import json

    releases = list_releases(out_dir)
    current = releases[-1]
    folder = out_dir / RELEASES / current
    manifest_bytes = (folder / MANIFEST).read_bytes()
    manifest = json.loads(manifest_bytes)
    _write_atomic(out_dir / SHA256SUMS, "".join(
        f"{f['sha256']}  {f['path']}\n" for f in manifest["files"]).encode("utf-8"))
    _write_atomic(out_dir / MANIFEST, manifest_bytes)
    _write_atomic(out_dir / LATEST, dumps_json({
        "release_id": current,
        "as_of": manifest["as_of"],
        "path": f"{RELEASES}/{current}/",
        "index": f"{RELEASES}/{current}/index.html",
        "manifest": f"{RELEASES}/{current}/{MANIFEST}",
        "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
        "releases": releases,
    }))
    _write_atomic(out_dir / "index.html",
                  releases_index_html(publisher, releases, current).encode("utf-8"))
    return current


__all__ = ["PublishError", "PreviousRelease", "PublishedFile", "Release", "ReleaseContext",
           "publish_release"]
