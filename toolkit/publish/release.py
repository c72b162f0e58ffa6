"""The releases under ``--out``: staging a release, switching it in, and the top of ``--out``.

Layout of ``--out``::

    index.html                                  the landing page (a plain file)
    manifest.json -> releases/latest/manifest.json           the newest release's manifest,
    SHA256SUMS    -> releases/latest/.top/SHA256SUMS         its checksums (paths from --out),
    latest.json   -> releases/latest/.top/latest.json        and the pointer to it
    releases/latest -> <id>                     the one pointer the three are read through
    releases/<id>/                              every release, complete, with its own
                                                manifest.json and SHA256SUMS
    releases/<newest>/.top/                     the newest only: SHA256SUMS and latest.json

The landing page shows the newest release's headline figures, bulletin and news, read from
that release's published files, and lists every release; it links to the newest only through
``releases/latest/``, so every address it gives stays valid. It is a plain file because
browsers resolve a symlink to the file it points to, and the page's relative links hold only at
the top of ``--out``. It is replaced in the ``index`` step, after the newest release is in
place and before the pointer names it: a publish killed between the two leaves a page whose
figures are the newest complete release's while its links still lead to the previous one,
until the next publish (which replaces nothing but the pointer then).

A release is staged whole in ``releases/.staging-<id>-<pid>/``, every file and folder of it
flushed to disk, then switched in by these steps, each one atomic rename, exchange
(``renameat2(RENAME_EXCHANGE)``) or symlink replacement, each leaving ``--out`` consistent:

1. ``release``: the staging folder becomes ``releases/<id>``, exchanged with the folder of that
   id if there is one (whose checksums and pointer file are inside it, so change with it);
2. ``top``: when the release is not the newest, the newest's ``.top`` is exchanged for one that
   lists it;
3. ``index``: the landing page is replaced, when the releases or the newest one's figures
   changed;
4. ``latest``: ``releases/latest`` is pointed at the newest release.

A step that fails (a full disk) undoes the steps before it and the publish ends with a
:class:`PublishError`; a publish killed between two steps leaves the top of ``--out`` naming one
release whose files all match its checksums. A release folder renamed in by a killed run is
complete and becomes the newest at the next publish. :func:`clean_stale` removes what killed
runs leave behind, never what a running process is using. Where the file system cannot exchange
two folders, the old one is moved aside and the new one renamed in, and :func:`clean_stale`
puts back what a run killed in between had moved aside.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from toolkit.config import Publisher
from toolkit.periods import Period
from toolkit.publish.meta import dumps_json
from toolkit.publish.portal import releases_index_html
from toolkit.warehouse import WAREHOUSE

RELEASES = "releases"
DATA = "data"
STAGING_PREFIX = ".staging-"
REPLACED_PREFIX = ".replaced-"
RELEASE_ID = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MANIFEST = "manifest.json"
SHA256SUMS = "SHA256SUMS"
LATEST = "latest.json"
INDEX = "index.html"
#: The pointer to the newest release: the symlink ``releases/latest -> <id>``.
POINTER = "latest"
#: The folder inside the newest release holding the top's checksums and pointer file.
TOP = ".top"
TOP_FILES = (MANIFEST, SHA256SUMS, LATEST, INDEX)
#: The files at the top of ``--out`` that are symlinks read through the pointer.
TOP_LINKS = {
    MANIFEST: f"{RELEASES}/{POINTER}/{MANIFEST}",
    SHA256SUMS: f"{RELEASES}/{POINTER}/{TOP}/{SHA256SUMS}",
    LATEST: f"{RELEASES}/{POINTER}/{TOP}/{LATEST}",
}
#: The steps of a switch, in order, as :data:`StepHook` names them (a step is skipped when it
#: has nothing to change; ``adopt ...`` and ``link <file>`` steps come first where an output
#: folder is new or was written by an older toolkit).
SWITCH_STEPS = ("release", "top", "index", "latest")
#: Errors that mean the disk (or the user's quota) is full.
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
#: Called as ``hook(step, "before" | "after")`` around each step of a switch; an exception it
#: raises fails the step (tests use it to kill the process or to fail a step with ENOSPC).
StepHook = Callable[[str, str], None]
_WAREHOUSE_COPY = re.compile(rf"^\.{re.escape(WAREHOUSE)}\.(\d+)\.tmp(?:\.wal)?$")
_PID_SUFFIX = re.compile(r"-(\d+)$")


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


# --------------------------------------------------------------------------- files on disk


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Flush every file under ``folder``, then every folder, deepest first (symlinks are not
    followed)."""
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files + dirs:
            path = Path(root, name)
            if not path.is_symlink():
                fsync_path(path)
    fsync_path(folder)


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def disk_full(exc: BaseException | None) -> str | None:
    """Why the disk is full, if that is what ``exc`` (or an exception it came from) reports;
    else None. Engines that wrap the error (DuckDB) are recognised by the system's message."""
    messages = [os.strerror(code) for code in DISK_FULL]
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            return exc.strerror or os.strerror(exc.errno)
        for message in messages:
            if message in str(exc):
                return message
        exc = exc.__cause__ or exc.__context__
    return None


@cache
def _renameat2():
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    fn.restype = ctypes.c_int
    return fn


def exchange(a: Path, b: Path) -> None:
    """Swap the paths ``a`` and ``b`` in one atomic step (Linux ``renameat2`` with
    ``RENAME_EXCHANGE``). Raises OSError with ENOSYS where the system has no such call, EINVAL
    where the file system cannot exchange."""
    fn = _renameat2()
    if fn is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available", str(a))
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a), None, str(b))


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running (this process included). On Windows, where
    asking would terminate it, every process counts as gone (the toolkit runs on POSIX)."""
    if sys.platform == "win32":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError, OSError):
        return False
    return True


def _left_by_dead_run(name: str) -> bool:
    """A temporary name ending in ``-<pid>`` or ``.<pid>.tmp`` whose process is gone (this
    process's own leftovers count as gone: it is not using them)."""
    found = _PID_SUFFIX.search(name) or re.search(r"\.(\d+)\.tmp$", name)
    if found is None:
        return True
    pid = int(found.group(1))
    return pid == os.getpid() or not pid_alive(pid)


def _put_back_or_remove(folder: Path, entry: Path) -> None:
    """``entry`` is ``.replaced-<name>-<pid>``: rename it back to ``<name>`` if that is missing
    (a run died between moving it aside and renaming its successor in), else remove it."""
    name = _PID_SUFFIX.sub("", entry.name[len(REPLACED_PREFIX):])
    expected = TOP if folder.name != RELEASES else None  # in a release: only its .top
    original = folder / name
    if (name == expected or (expected is None and RELEASE_ID.match(name))) \
            and not original.exists():
        os.rename(entry, original)
    else:
        shutil.rmtree(entry, ignore_errors=True)


def remove_stale_warehouse_copies(out_dir: Path) -> list[Path]:
    """Remove the staging copies of the warehouse (``.warehouse.duckdb.<pid>.tmp`` and its
    ``.wal``) that loads killed before they finished left in ``out_dir``; a copy whose process
    still runs (this one included) is kept. Returns what was removed."""
    removed = []
    if not out_dir.is_dir():
        return removed
    for entry in sorted(out_dir.iterdir()):
        found = _WAREHOUSE_COPY.match(entry.name)
        if found and not pid_alive(int(found.group(1))) and entry.is_file():
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def clean_stale(out_dir: Path) -> None:
    """Remove what failed or killed runs left in ``out_dir``: staging folders and files,
    warehouse copies, temporary links; put back a release (or ``.top``) that a run killed
    between two renames had moved aside. Nothing a running process is using is touched."""
    remove_stale_warehouse_copies(out_dir)
    releases_dir = out_dir / RELEASES
    folders = [releases_dir] + [releases_dir / r for r in list_releases(out_dir)]
    for folder in folders if releases_dir.is_dir() else []:
        for entry in sorted(folder.glob(".*")):
            name = entry.name
            if name == TOP or not _left_by_dead_run(name):
                continue
            if name.startswith(STAGING_PREFIX):
                shutil.rmtree(entry, ignore_errors=True)
            elif name.startswith(REPLACED_PREFIX):
                _put_back_or_remove(folder, entry)
            elif name.startswith(f".{POINTER}.") and name.endswith(".tmp"):
                entry.unlink(missing_ok=True)
    for name in TOP_FILES:
        for leftover in out_dir.glob(f".{name}.*.tmp"):
            if _left_by_dead_run(leftover.name):
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




# --------------------------------------------------------------------------- the switch


def top_files(releases: list[str], current: str, manifest_bytes: bytes) -> dict[str, bytes]:
    """What ``.top`` holds for ``current``, the newest of ``releases``: ``SHA256SUMS`` with
    paths relative to ``--out``, and ``latest.json``."""
    manifest = json.loads(manifest_bytes)
    return {
        SHA256SUMS: "".join(f"{f['sha256']}  {f['path']}\n"
                            for f in manifest["files"]).encode("utf-8"),
        LATEST: dumps_json({
            "release_id": current,
            "as_of": manifest["as_of"],
            "path": f"{RELEASES}/{current}/",
            "index": f"{RELEASES}/{current}/{INDEX}",
            "manifest": f"{RELEASES}/{current}/{MANIFEST}",
            "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
            "releases": releases,
        }),
    }


def releases_page(publisher: Publisher, releases: list[str], out_dir: Path | None = None,
                  newest: str | None = None) -> bytes:
    """The landing page at the top of ``--out``: the newest release's headline figures,
    bulletin and news, read from its folder (``releases/<newest>``, complete before the page is
    written), every link through ``releases/latest/``; then every release by period and
    date."""
    return releases_index_html(publisher, releases, POINTER, out_dir, newest).encode("utf-8")


def _write_top(folder: Path, releases: list[str], current: str, manifest_bytes: bytes) -> None:
    folder.mkdir()
    for name, data in top_files(releases, current, manifest_bytes).items():
        _write_synced(folder / name, data)
    fsync_path(folder)


class _Switch:
    """Steps run in order, each atomic; on failure the finished ones are undone in reverse."""

    def __init__(self, hook: StepHook | None):
        self.hook = hook or (lambda step, when: None)
        self.undo: list[Callable[[], object]] = []
        self.step_name = ""
        self.scratch: list[Path] = []  # staged folders, removed once the switch ends

    def scratch_folder(self, path: Path) -> Path:
        """A temporary folder name of this switch (emptied first)."""
        shutil.rmtree(path, ignore_errors=True)
        self.scratch.append(path)
        return path

    def run(self, name: str, action: Callable[[], Callable[[], object]], *,
            undoable: bool = True) -> None:
        """Run one step; ``action`` returns how to undo it."""
        self.step_name = name
        self.hook(name, "before")
        undo = action()
        if undoable:
            self.undo.append(undo)
        self.hook(name, "after")

    def roll_back(self) -> None:
        for undo in reversed(self.undo):
            try:
                undo()
            except OSError:
                pass  # the state before that step is consistent too
        self.undo.clear()

    def clear_scratch(self) -> None:
        for path in self.scratch:
            shutil.rmtree(path, ignore_errors=True)


def _flushed(folder: Path, undo: Callable[[], object]) -> Callable[[], object]:
    """Flush the entries of ``folder`` after a step changed them; undo the step if that
    fails. Returns the undo."""
    try:
        fsync_path(folder)
    except BaseException:
        undo()
        raise
    return undo


def _put(src: Path, dst: Path) -> Callable[[], object]:
    """Make ``src`` the new ``dst`` in one step; an existing ``dst`` ends up at ``src``.
    Returns the undo."""
    if not dst.exists():
        os.rename(src, dst)
        return _flushed(dst.parent, lambda: os.rename(dst, src))
    try:
        exchange(src, dst)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        _swap_by_renames(src, dst)

    def undo() -> None:
        try:
            exchange(src, dst)
        except OSError:
            _swap_by_renames(src, dst)
    return _flushed(dst.parent, undo)


def _swap_by_renames(src: Path, dst: Path) -> None:
    """Where there is no exchange: ``dst`` moved aside, ``src`` renamed in, the old one put
    where ``src`` was (:func:`clean_stale` puts back what a run killed in between left)."""
    aside = dst.with_name(f"{REPLACED_PREFIX}{dst.name}-{os.getpid()}")
    shutil.rmtree(aside, ignore_errors=True)
    os.rename(dst, aside)
    try:
        os.rename(src, dst)
    except BaseException:
        os.rename(aside, dst)
        raise
    os.rename(aside, src)


def _symlink(path: Path, target: str) -> Callable[[], object]:
    """Point the symlink ``path`` at ``target`` in one step (a symlink under a temporary name,
    renamed over it). Returns the undo."""
    before = os.readlink(path) if path.is_symlink() else None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if before is None:
        return _flushed(path.parent, lambda: path.unlink(missing_ok=True))
    return _flushed(path.parent, lambda: _symlink(path, before))


def _replace_file(path: Path, data: bytes) -> Callable[[], object]:
    """Replace the file ``path`` by ``data`` in one step. Returns the undo."""
    before = path.read_bytes() if path.is_file() else None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        _write_synced(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if before is None:
        return _flushed(path.parent, lambda: path.unlink(missing_ok=True))
    return _flushed(path.parent, lambda: _replace_file(path, before))


def _pointer_target(out_dir: Path) -> str | None:
    path = out_dir / RELEASES / POINTER
    return os.readlink(path) if path.is_symlink() else None


def _adopt_layout(out_dir: Path, switch: _Switch) -> None:
    """Make ``manifest.json``, ``SHA256SUMS`` and ``latest.json`` the symlinks through
    ``releases/latest``. Plain files (written by an older toolkit, or copies made by a tool
    that follows links) are replaced by links to files of the same content one at a time, so
    nothing disagrees meanwhile; in a new folder the links dangle until the pointer first
    appears, all three at once."""
    pointer = out_dir / RELEASES / POINTER
    if pointer.exists() and not pointer.is_symlink():
        shutil.rmtree(pointer)  # a copy of a release, made by a tool that followed the link
    plain = [n for n in TOP_LINKS if (out_dir / n).exists() and not (out_dir / n).is_symlink()]
    releases = list_releases(out_dir)
    if plain and _pointer_target(out_dir) is None and releases:
        newest = out_dir / RELEASES / releases[-1]
        if not (newest / TOP).is_dir():
            staged = switch.scratch_folder(newest / f"{STAGING_PREFIX}top-{os.getpid()}")
            _write_top(staged, releases, releases[-1], (newest / MANIFEST).read_bytes())
            switch.run("adopt top", lambda: _put(staged, newest / TOP), undoable=False)
        switch.run("adopt latest", lambda: _symlink(pointer, releases[-1]), undoable=False)
    for name, target in TOP_LINKS.items():
        path = out_dir / name
        if not (path.is_symlink() and os.readlink(path) == target):
            switch.run(f"link {name}", lambda p=path, t=target: _symlink(p, t), undoable=False)


def switch_in(out_dir: Path, staging: Path, release_id: str, publisher: Publisher,
              hook: StepHook | None = None) -> str:
    """Switch the complete, flushed release in ``staging`` in as ``releases/<release_id>`` and
    point the top of ``out_dir`` at the newest release; return the newest release's id.

    The steps are in the module docstring. On a failure the finished steps are undone, so the
    top of ``out_dir`` is as it was; a full disk is a :class:`PublishError` naming the step.
    After an exchange ``staging`` holds the release it replaced (the caller removes it).
    """
    releases_dir = out_dir / RELEASES
    releases = sorted({*list_releases(out_dir), release_id})
    newest = releases[-1]
    switch = _Switch(hook)
    staged_top: Path | None = None  # the newest's new .top, when the release is not the newest
    try:
        _adopt_layout(out_dir, switch)  # the same content as before: never undone
        switch.step_name = "writing the checksums and pointer file"
        if newest == release_id:
            _write_top(staging / TOP, releases, newest, (staging / MANIFEST).read_bytes())
        else:
            staged_top = switch.scratch_folder(
                releases_dir / newest / f"{STAGING_PREFIX}top-{os.getpid()}")
            _write_top(staged_top, releases, newest,
                       (releases_dir / newest / MANIFEST).read_bytes())
        switch.run("release", lambda: _put(staging, releases_dir / release_id))
        if staged_top is not None:
            switch.run("top", lambda: _put(staged_top, releases_dir / newest / TOP))
        page = releases_page(publisher, releases, out_dir, newest)
        index = out_dir / INDEX
        if not index.is_file() or index.is_symlink() or index.read_bytes() != page:
            switch.run("index", lambda: _replace_file(index, page))
        if _pointer_target(out_dir) != newest:
            switch.run("latest", lambda: _symlink(releases_dir / POINTER, newest))
    except BaseException as exc:
        switch.roll_back()
        switch.clear_scratch()
        reason = disk_full(exc)
        if reason is None:
            raise
        raise PublishError(
            f"out of disk space ({reason}) while switching release {release_id} in (step: "
            f"{switch.step_name}): the switch was undone and nothing was published; the "
            "previous release is unchanged") from exc
    # what the switch replaced: the .top it exchanged, and those of releases no longer newest
    switch.clear_scratch()
    for other in releases:
        if other != newest:
            shutil.rmtree(releases_dir / other / TOP, ignore_errors=True)
    return newest
