"""The releases under ``--out``: staging a release, switching it in, and the top-of-out files.

A release is staged in ``<out>/releases/.staging-<id>-<pid>/`` and switched in by renaming that
folder to ``<out>/releases/<id>/``; only then are the files at the top of ``<out>``
(``manifest.json``, ``SHA256SUMS``, ``latest.json``, ``index.html``) replaced, each with
``os.replace``. A failed or killed publish therefore leaves the last good release as it was,
and :func:`clean_stale` removes (or puts back) what a killed run left behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from toolkit.config import Publisher
from toolkit.periods import Period
from toolkit.publish.meta import dumps_json
from toolkit.publish.portal import releases_index_html

RELEASES = "releases"
DATA = "data"
STAGING_PREFIX = ".staging-"
REPLACED_PREFIX = ".replaced-"
RELEASE_ID = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MANIFEST = "manifest.json"
SHA256SUMS = "SHA256SUMS"
LATEST = "latest.json"
TOP_FILES = (MANIFEST, SHA256SUMS, LATEST, "index.html")


class PublishError(Exception):
    """The release cannot be published; the previous release is left as it was."""


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


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name and rename it over ``path``."""
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


def clean_stale(out_dir: Path) -> None:
    """Remove staging folders of failed or killed runs; put back a release that a killed run
    had moved aside while replacing it; remove the temporary files of a run killed while it
    updated the top of ``out_dir``."""
    releases_dir = out_dir / RELEASES
    if releases_dir.is_dir():
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
    older = [r for r in list_releases(out_dir) if r < release_id]
    if not older:
        return None
    folder = out_dir / RELEASES / older[-1]
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return PreviousRelease(older[-1], dt.date.fromisoformat(older[-1]), folder, manifest)


def make_staging(out_dir: Path, release_id: str) -> Path:
    """A new, empty staging folder for the release (this process's own)."""
    releases_dir = out_dir / RELEASES
    releases_dir.mkdir(parents=True, exist_ok=True)
    staging = releases_dir / f"{STAGING_PREFIX}{release_id}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def published_files(staging: Path, release_id: str, rows: dict[str, int]
                    ) -> list[PublishedFile]:
    """Every file of the staged release but its manifest and checksums, by path.

    ``rows``: the number of rows of each table file, by its path inside the release.
    """
    files = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        rel = path.relative_to(staging).as_posix()
        if rel in (MANIFEST, SHA256SUMS):
            continue
        files.append(PublishedFile(f"{RELEASES}/{release_id}/{rel}", sha256_of(path),
                                   path.stat().st_size, rows.get(rel)))
    return files


def write_manifest(staging: Path, manifest: dict, files: list[PublishedFile]) -> None:
    """The release's ``manifest.json`` (``manifest`` with its files listed) and ``SHA256SUMS``
    (paths inside the release)."""
    manifest = manifest | {"files": [
        {"path": f.path, "sha256": f.sha256, "bytes": f.bytes, "rows": f.rows} for f in files]}
    (staging / MANIFEST).write_bytes(dumps_json(manifest))
    (staging / SHA256SUMS).write_bytes("".join(
        f"{f.sha256}  {f.path.split('/', 2)[2]}\n" for f in files).encode("utf-8"))


def switch_in(out_dir: Path, staging: Path, release_id: str) -> None:
    """Rename the staged folder to ``releases/<id>``; an existing one is moved aside first and
    removed after (:func:`clean_stale` puts it back if the process dies in between)."""
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


def update_top(out_dir: Path, publisher: Publisher) -> str:
    """Point the top of ``--out`` at the newest release and return its id: copy its manifest,
    write SHA256SUMS (paths relative to ``--out``), ``latest.json`` and ``index.html``; each
    file atomically."""
    releases = list_releases(out_dir)
    current = releases[-1]
    folder = out_dir / RELEASES / current
    manifest_bytes = (folder / MANIFEST).read_bytes()
    manifest = json.loads(manifest_bytes)
    write_atomic(out_dir / SHA256SUMS, "".join(
        f"{f['sha256']}  {f['path']}\n" for f in manifest["files"]).encode("utf-8"))
    write_atomic(out_dir / MANIFEST, manifest_bytes)
    write_atomic(out_dir / LATEST, dumps_json({
        "release_id": current,
        "as_of": manifest["as_of"],
        "path": f"{RELEASES}/{current}/",
        "index": f"{RELEASES}/{current}/index.html",
        "manifest": f"{RELEASES}/{current}/{MANIFEST}",
        "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
        "releases": releases,
    }))
    write_atomic(out_dir / "index.html",
                 releases_index_html(publisher, releases, current).encode("utf-8"))
    return current
