"""One build at a time per output folder; a killed build never leaves a lock behind."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolkit.build import BuildLocked, build, build_lock, inputs_digest

ROOT = Path(__file__).resolve().parent.parent

HOLD = """
import sys, time
from pathlib import Path
from toolkit.build import build_lock
with build_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def _holder(out: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_build_is_refused_while_one_runs(tmp_path):
    proc = _holder(tmp_path)
    try:
        with pytest.raises(BuildLocked, match=f"another build is running on .*pid {proc.pid}"):
            with build_lock(tmp_path):
                pass
    finally:
        proc.kill()
        proc.wait()


def test_a_lock_left_by_a_killed_build_does_not_block_the_next(tmp_path):
    proc = _holder(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (tmp_path / ".build.lock").exists()  # the file stays; the lock does not
    with build_lock(tmp_path):
        entered = True
    assert entered


def test_the_lock_is_released_after_a_failed_build(tmp_path):
    with pytest.raises(RuntimeError):
        with build_lock(tmp_path):
            raise RuntimeError("failed")
    with build_lock(tmp_path):
        pass


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "detentions").mkdir(parents=True)
    (raw / "sources.csv").write_text("source_id\nS1\n")
    (raw / "detentions" / "a.csv").write_text("record_id\nD1\n")
    return raw


def test_the_inputs_digest_changes_with_data_and_options_only(tmp_path):
    raw = _raw(tmp_path)
    day = dt.date(2026, 1, 31)
    first = inputs_digest(raw, day, None, None)
    time.sleep(0.01)
    (raw / "sources.csv").touch()  # a new mtime alone changes nothing
    assert inputs_digest(raw, day, None, None) == first
    assert inputs_digest(raw, dt.date(2026, 2, 1), None, None) != first
    (raw / "detentions" / "a.csv").write_text("record_id\nD2\n")
    assert inputs_digest(raw, day, None, None) != first


def test_the_inputs_digest_follows_the_config_and_schemas_folders_in_use(tmp_path,
                                                                         monkeypatch):
    raw = _raw(tmp_path)
    day = dt.date(2026, 1, 31)
    monkeypatch.delenv("TOOLKIT_CONFIG", raising=False)
    monkeypatch.delenv("TOOLKIT_SCHEMAS", raising=False)
    default = inputs_digest(raw, day, None, None)
    config, schemas = tmp_path / "config", tmp_path / "schemas"
    shutil.copytree(ROOT / "config", config)
    shutil.copytree(ROOT / "schemas", schemas)
    monkeypatch.setenv("TOOLKIT_CONFIG", str(config))
    monkeypatch.setenv("TOOLKIT_SCHEMAS", str(schemas))
    assert inputs_digest(raw, day, None, None) == default  # the same files, elsewhere
    (config / "disclosure.yaml").write_text("threshold: 10\n", encoding="utf-8")
    new_threshold = inputs_digest(raw, day, None, None)
    assert new_threshold != default
    contract = schemas / "detentions.yaml"
    contract.write_text(contract.read_text(encoding="utf-8") + "\n# reviewed\n",
                        encoding="utf-8")
    assert inputs_digest(raw, day, None, None) not in (default, new_threshold)


@pytest.mark.slow  # three builds
def test_a_new_threshold_in_the_config_folder_in_use_is_rebuilt(tmp_path, monkeypatch):
    raw = ROOT / "tests" / "fixtures" / "publish" / "raw-v1"
    config, out = tmp_path / "config", tmp_path / "out"
    shutil.copytree(ROOT / "config", config)
    monkeypatch.setenv("TOOLKIT_CONFIG", str(config))
    day = dt.date(2025, 6, 30)
    assert not build(raw, out, as_of=day, bulletin=False).skipped
    assert build(raw, out, as_of=day, bulletin=False).skipped
    (config / "disclosure.yaml").write_text("profile: administrative\nthreshold: 15\n",
                                           encoding="utf-8")
    again = build(raw, out, as_of=day, bulletin=False)
    assert not again.skipped
    notes = (again.release_dir / "dictionary.md").read_text(encoding="utf-8")
    assert "a count from 1 to 14 suppresses every cell of its row" in notes


@pytest.mark.slow  # processes racing
def test_load_and_publish_are_refused_while_a_build_runs(tmp_path):
    proc = _holder(tmp_path)
    try:
        for args in (["load", "--out", str(tmp_path), "--as-of", "2026-11-28"],
                     ["publish", "--out", str(tmp_path)]):
            result = subprocess.run([sys.executable, "-m", "toolkit", *args],
                                    cwd=Path(__file__).resolve().parent.parent,
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 2, args
            assert "another build is running" in result.stderr, args
            assert "Traceback" not in result.stderr
    finally:
        proc.kill()
        proc.wait()
