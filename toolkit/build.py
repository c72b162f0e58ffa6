"""The whole job: validate → load the warehouse → publish a release with its bulletin.

One build at a time per output folder (an ``flock`` lock, which the kernel releases when a build
dies, so a killed build never leaves a lock that blocks the next). The inputs' content hash
(raw files, the schemas and configuration folders in use, report sources, the toolkit's code,
as-of date and period) decides whether anything must rerun: a rebuild with nothing changed
touches no published file. A build with work to do first removes what killed builds and
publishes left behind (staging folders, warehouse copies); a full disk is named with its stage.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from toolkit.config import config_dir
from toolkit.contracts import schemas_dir
from toolkit.periods import Period

ROOT = Path(__file__).resolve().parent.parent
LOCK = ".build.lock"
STAMP = ".build-stamp.json"
#: Folders of the project whose content decides whether a build must rerun; the schemas and
#: configuration folders in use ($TOOLKIT_SCHEMAS, $TOOLKIT_CONFIG or the project's) do too.
CODE_INPUTS = ("toolkit", "reports")


class BuildLocked(Exception):
    """Another build is running on the same output folder."""


class OutOfSpace(Exception):
    """The disk filled up before anything was published; the message names the stage."""


class InvalidData(Exception):
    """Validation found errors; the report says which."""

    def __init__(self, report):
        super().__init__(report.summary())
        self.report = report


@dataclass
class BuildResult:
    release_dir: Path | None
    skipped: bool
    report: object = None
    release: object = None


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` for the duration of a build."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
            raise BuildLocked(
                f"another build is running on {out_dir} (pid {holder}); wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock; a killed process releases it too


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _hash_tree(h: hashlib._Hash, root: Path, label: str) -> None:
    """Every file under ``root`` (its path under ``label``, its content) into ``h``."""
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for p in paths:
        if "__pycache__" in p.parts or p.suffix == ".pyc" or "_build" in p.parts:
            continue
        rel = p.relative_to(root).as_posix() if p != root else ""
        h.update(f"{label}/{rel}".encode() + b"\0")
        h.update(bytes.fromhex(file_sha256(p)))


def inputs_digest(raw_dir: Path, as_of: dt.date, period: Period | None,
                  encoding: str | None) -> str:
    """A content hash of everything a build's output depends on: the options, the toolkit's
    code and report sources, the schemas and configuration folders in use (by content, so the
    same files anywhere give the same hash), and the raw files."""
    h = hashlib.sha256()
    h.update(f"as_of={as_of};period={period.label if period else ''};enc={encoding}".encode())
    folders = [(ROOT / rel, rel) for rel in CODE_INPUTS]
    folders += [(schemas_dir(), "schemas"), (config_dir(), "config")]
    for folder, label in folders:
        if folder.exists():
            _hash_tree(h, folder, label)
    h.update(b"raw\0")
    for p in sorted(q for q in raw_dir.rglob("*") if q.is_file()):
        h.update(p.relative_to(raw_dir).as_posix().encode() + b"\0")
        h.update(bytes.fromhex(file_sha256(p)))
    return h.hexdigest()


def _release_intact(out_dir: Path) -> bool:
    """The current release's manifest lists files that are all present with their checksums."""
    manifest = out_dir / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError):
        return False
    for entry in entries:
        path = out_dir / entry["path"]
        if not path.is_file() or path.stat().st_size != entry["bytes"]:
            return False
        if file_sha256(path) != entry["sha256"]:
            return False
    return True


def build(raw_dir: Path, out_dir: Path, *, as_of: dt.date, period: Period | None = None,
          encoding: str | None = None, force: bool = False, bulletin: bool = True,
          progress: Callable[[str], None] = lambda _: None
          ) -> BuildResult:
    """Run the whole job; raise :class:`InvalidData` when the returns are invalid."""
    raw_dir, out_dir = Path(raw_dir).resolve(), Path(out_dir).resolve()
    with build_lock(out_dir):
        progress("hashing inputs")
        digest = inputs_digest(raw_dir, as_of, period, encoding)
        stamp = out_dir / STAMP
        if not force and stamp.is_file() and _release_intact(out_dir):
            previous = json.loads(stamp.read_text(encoding="utf-8"))
            if previous.get("digest") == digest:
                return BuildResult(out_dir / previous["release_dir"], True)
        # Imported only now: deciding that nothing changed must stay cheap.
        from toolkit.publish.release import clean_stale, disk_full

        clean_stale(out_dir)  # what killed builds left: staging folders, warehouse copies
        if bulletin:
            # Start the chart worker now so it is ready when publishing reaches the bulletin.
            from toolkit.bulletin import prefetch

            prefetch()
        from toolkit.checks import validate

        # The warehouse is replaced only when the data is valid.
        try:
            result = validate(raw_dir, as_of, encoding, out_dir=out_dir, progress=progress)
        except Exception as exc:
            reason = disk_full(exc)
            if reason is None:
                raise
            raise OutOfSpace(f"out of disk space ({reason}) while loading the warehouse: "
                             "nothing was published; the previous release is unchanged"
                             ) from exc
        if result.report.exit_code != 0:
            raise InvalidData(result.report)
        progress("publishing the release")
        from toolkit.publish import publish_release

        extras = []
        if bulletin:
            from toolkit.bulletin import render_bulletin

            extras.append(render_bulletin)
        release = publish_release(out_dir, as_of=as_of, period=period, extras=extras)
        release_dir = Path(release.dir)
        tmp = stamp.with_suffix(".tmp")
        tmp.write_text(json.dumps({
            "digest": digest,
            "release_dir": release_dir.relative_to(out_dir).as_posix(),
        }) + "\n", encoding="utf-8")
        os.replace(tmp, stamp)
        return BuildResult(release_dir, False, result.report, release)
