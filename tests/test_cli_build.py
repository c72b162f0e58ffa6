"""`toolkit build` end to end, as a statistician runs it: real files, real exit codes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "raw"
AS_OF = "2026-11-28"
pytestmark = pytest.mark.slow


def toolkit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def snapshot(out: Path) -> dict[str, tuple[int, str]]:
    """Every published file (not the warehouse or build bookkeeping) with mtime and hash."""
    found = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and not rel.startswith((".", "warehouse")):
            found[rel] = (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
    return found


def assert_consistent(out: Path) -> dict:
    """The top-level manifest lists files that all exist with their checksums and sizes."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"], "an empty manifest"
    for entry in manifest["files"]:
        path = out / entry["path"]
        assert path.is_file(), entry["path"]
        data = path.read_bytes()
        assert len(data) == entry["bytes"], entry["path"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
    return manifest


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("build")
    raw, out = base / "raw", base / "out"
    shutil.copytree(SHIPPED, raw)
    result = toolkit("build", "--raw", str(raw), "--out", str(out), "--period", "2025-Q4",
                     "--as-of", AS_OF)
    assert result.returncode == 0, result.stdout + result.stderr
    return raw, out, result


def test_build_publishes_a_consistent_release_with_its_bulletin(built):
    _, out, result = built
    manifest = assert_consistent(out)
    paths = {e["path"] for e in manifest["files"]}
    release = f"releases/{AS_OF}"
    for name in ("bulletin.html", "bulletin.pdf", "index.html", "datapackage.json",
                 "data/quarterly_summary.csv", "data/detentions.csv"):
        assert f"{release}/{name}" in paths, name
    assert "Release 2026-11-28 (period 2025-Q4)" in result.stdout
    assert "Valid: 8 warnings" in result.stdout


def test_a_rebuild_with_nothing_changed_touches_no_published_file(built):
    raw, out, _ = built
    before = snapshot(out)
    result = toolkit("build", "--raw", str(raw), "--out", str(out), "--period", "2025-Q4",
                     "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert "Nothing changed since the last build" in result.stdout
    assert snapshot(out) == before


#: What a rebuild that finds nothing changed must not import: it only hashes inputs and code
#: (issue 5: at most 1 second). pydantic comes with typer from 0.29 on (0.2 s a command).
HEAVY = ("pydantic", "polars", "pandera", "duckdb", "altair", "vl_convert", "numpy", "pyarrow",
         "pandas")


def test_a_rebuild_with_nothing_changed_imports_no_engine(built):
    raw, out, _ = built
    code = ("import atexit, runpy, sys\n"
            "atexit.register(lambda: print('LOADED', *sorted(m for m in sys.modules "
            f"if m in {HEAVY!r})))\n"
            "sys.argv = ['toolkit', *sys.argv[1:]]\n"
            "runpy.run_module('toolkit', run_name='__main__', alter_sys=True)\n")
    result = subprocess.run([sys.executable, "-c", code, "build", "--raw", str(raw), "--out",
                             str(out), "--period", "2025-Q4", "--as-of", AS_OF], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Nothing changed since the last build" in result.stdout
    [loaded] = [line for line in result.stdout.splitlines() if line.startswith("LOADED")]
    assert loaded == "LOADED"


def test_invalid_data_fails_the_build_and_keeps_the_last_release(built, tmp_path):
    raw, out, _ = built
    broken = tmp_path / "raw"
    shutil.copytree(raw, broken)
    path = broken / "detentions" / "detentions-2024-2025.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace(",73,", ",-73,", 1)  # DET-2024-0004, row 5 of the file
    path.write_text("".join(lines), encoding="utf-8")
    before = snapshot(out)
    result = toolkit("build", "--raw", str(broken), "--out", str(out), "--period", "2025-Q4",
                     "--as-of", AS_OF)
    assert result.returncode == 1
    assert "detentions/detentions-2024-2025.csv, row 5, column persons" in result.stdout
    assert "'-73'" in result.stdout
    assert "Nothing was published; the previous release is unchanged." in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(out) == before
    assert_consistent(out)


def test_sigkill_at_any_moment_leaves_the_last_release_and_the_next_build_works(built, tmp_path):
    raw, out, _ = built
    # A build with a later as-of date publishes a new release; kill it at several moments.
    for delay in (0.3, 1.0, 2.0, 3.5, 5.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "toolkit", "build", "--raw", str(raw), "--out", str(out),
             "--period", "2025-Q4", "--as-of", "2026-11-29", "--force"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert_consistent(out)
    result = toolkit("build", "--raw", str(raw), "--out", str(out), "--period", "2025-Q4",
                     "--as-of", "2026-11-29")
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = assert_consistent(out)
    assert any(e["path"].startswith("releases/2026-11-29/") for e in manifest["files"])
    assert (out / "releases" / AS_OF / "manifest.json").is_file()  # the older release is kept


#: `toolkit` with a disk that is full whenever a symlink is made (the last step of a switch).
FULL_DISK = """
import errno, os, sys

def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

os.symlink = full_disk
from toolkit.cli import main

sys.argv = ["toolkit", *sys.argv[1:]]
main()
"""


def test_a_full_disk_while_publishing_names_the_stage_and_keeps_the_release(tmp_path):
    from test_publish import FIXTURES, V1_AS_OF, V2_AS_OF, build_warehouse

    from toolkit.publish import publish_release

    out = tmp_path / "out"
    build_warehouse(FIXTURES / "raw-v1", out, V1_AS_OF)
    publish_release(out)
    build_warehouse(FIXTURES / "raw-v2", out, V2_AS_OF)
    before = {path: digest for path, (_, digest) in snapshot(out).items()}
    result = subprocess.run([sys.executable, "-c", FULL_DISK, "publish", "--out", str(out),
                             "--no-bulletin"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "error: out of disk space (No space left on device) while switching release "
        "2025-09-30 in (step: latest): the switch was undone and nothing was published; the "
        "previous release is unchanged")
    assert "Traceback" not in result.stdout + result.stderr
    assert {path: digest for path, (_, digest) in snapshot(out).items()} == before
    assert assert_consistent(out)["release_id"] == "2025-06-30"


def test_a_missing_raw_folder_is_a_usage_error(tmp_path):
    result = toolkit("build", "--raw", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "raw data folder" in result.stderr and "does not exist" in result.stderr


def test_two_builds_of_the_same_input_are_byte_identical(built, tmp_path):
    raw, out, _ = built
    other = tmp_path / "out"
    result = toolkit("build", "--raw", str(raw), "--out", str(other), "--period", "2025-Q4",
                     "--as-of", AS_OF)
    assert result.returncode == 0, result.stdout + result.stderr
    # the release's files; not .top/, what the top of --out links to, held by the newest only
    def release_files(folder: Path) -> dict[str, str]:
        release = f"releases/{AS_OF}/"
        return {k: v[1] for k, v in snapshot(folder).items()
                if k.startswith(release) and not k.startswith(f"{release}.top/")}

    first, second = release_files(out), release_files(other)
    assert f"releases/{AS_OF}/bulletin.pdf" in first
    assert first == second


def test_build_with_relative_folders_as_in_the_readme(tmp_path):
    # The README's command runs with the defaults data/raw and data/processed, relative paths.
    shutil.copytree(SHIPPED, tmp_path / "data" / "raw")
    result = toolkit("build", "--period", "2025-Q4", "--as-of", AS_OF, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = assert_consistent(tmp_path / "data" / "processed")
    assert f"releases/{AS_OF}/bulletin.pdf" in {e["path"] for e in manifest["files"]}
