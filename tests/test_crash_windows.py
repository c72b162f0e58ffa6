"""Crash windows of the switch (issue 22): a publish killed, or failed by a full disk, at any step
of the switch leaves the top of --out naming one release whose files all match its checksums,
and the next publish succeeds and removes what the failed one left.

Each scenario starts from an output folder prepared once and copied (links kept). The steps are
found by publishing once with a recording ``step_hook``; then, at each step, a publish is
SIGKILLed (a subprocess whose hook kills itself, right before and right after each step),
stopped (the folder copied from inside the hook: the disk as a kill would leave it; for the
steps that adopt an older or new folder's layout), or failed with ENOSPC.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_publish import FIXTURES, REPO, V1_AS_OF, V2_AS_OF, build_warehouse

from toolkit.config import load_config
from toolkit.publish import PublishError, publish_release
from toolkit.publish.portal import releases_index_html
from toolkit.publish.release import SWITCH_STEPS, pid_alive

pytestmark = pytest.mark.slow  # every test publishes the scenarios again and again

ROOT = Path(__file__).resolve().parent.parent
V1, V2 = V1_AS_OF.isoformat(), V2_AS_OF.isoformat()

#: A publish that SIGKILLs itself when its switch reaches (step, when).
KILLED_PUBLISH = """
import datetime as dt, os, signal, sys
from pathlib import Path
from toolkit.publish import publish_release

out, step, when, as_of = sys.argv[1:5]

def hook(name, moment):
    if (name, moment) == (step, when):
        os.kill(os.getpid(), signal.SIGKILL)

publish_release(Path(out), as_of=dt.date.fromisoformat(as_of) if as_of else None,
                step_hook=hook)
sys.exit(3)  # the step was never reached
"""


@dataclass(frozen=True)
class Scenario:
    name: str
    base: Path  # the output folder before the publish (copy it)
    allowed: frozenset  # the releases the top may name at any moment (None: nothing yet)
    final: str  # the release the top names once the publish succeeded
    as_of: dt.date | None = None
    config: Path | None = None  # a configuration folder for the publish

    def publish(self, out: Path, **extra):
        config = load_config(self.config) if self.config else None
        return publish_release(out, as_of=self.as_of, config=config, **extra)

    def copy(self, dest: Path) -> Path:
        shutil.copytree(self.base, dest, symlinks=True)
        return dest


# --------------------------------------------------------------------------- checks


def top_release(out: Path) -> str | None:
    """The release the top of ``out`` names, after checking that manifest.json, latest.json,
    SHA256SUMS and index.html name that one and that `sha256sum -c SHA256SUMS` passes; None
    where no release was switched in yet."""
    if not (out / "manifest.json").exists():
        assert not (out / "SHA256SUMS").exists() and not (out / "latest.json").exists()
        return None
    manifest_bytes = (out / "manifest.json").read_bytes()
    manifest = json.loads(manifest_bytes)
    release_id = manifest["release_id"]
    latest = json.loads((out / "latest.json").read_bytes())
    assert latest["release_id"] == release_id
    assert latest["manifest_sha256"] == hashlib.sha256(manifest_bytes).hexdigest()
    assert (out / latest["manifest"]).read_bytes() == manifest_bytes
    sums = (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert sorted(sums) == sorted(f"{f['sha256']}  {f['path']}" for f in manifest["files"])
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"],
                               cwd=out, capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    for line in sums:  # the same check where sha256sum is missing
        digest, path = line.split("  ", 1)
        assert hashlib.sha256((out / path).read_bytes()).hexdigest() == digest, path
    page = (out / "index.html").read_text(encoding="utf-8")
    [current] = re.findall(r'<a id="current" href="([^"]+)"', page)
    assert (out / current).resolve() == (out / "releases" / release_id / "index.html").resolve()
    assert f'href="releases/{release_id}/index.html"' in page
    return release_id


#: What a build keeps at the top of --out: its lock and its "nothing changed" stamp.
BUILD_FILES = (".build.lock", ".build-stamp.json")


def assert_clean(out: Path, newest: str) -> None:
    """Nothing left behind: no temporary or staging entry, ``.top`` in the newest release only."""
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert [n for n in hidden if n not in BUILD_FILES] == [], "top of --out"
    releases = out / "releases"
    names = sorted(p.name for p in releases.iterdir())
    assert names == sorted([*(n for n in names if re.fullmatch(r"\d{4}-\d{2}-\d{2}", n)),
                            "latest"]), names
    assert os.readlink(releases / "latest") == newest
    for name in names[:-1]:
        hidden = sorted(p.name for p in (releases / name).iterdir() if p.name.startswith("."))
        assert hidden == ([".top"] if name == newest else []), (name, hidden)


def snapshot(out: Path) -> dict[str, object]:
    """Every entry under ``out`` but the warehouse: a file's bytes, a link's target."""
    found: dict[str, object] = {}
    for root, dirs, files in os.walk(out):
        for name in dirs + files:
            path = Path(root, name)
            rel = path.relative_to(out).as_posix()
            if rel.startswith("warehouse.duckdb") or rel in BUILD_FILES:
                continue
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_file():
                found[rel] = path.read_bytes()
            else:
                found[rel] = "folder"
    return found


def visible(out: Path) -> dict[str, object]:
    """What users see: the top files (through their links) and every release's files."""
    seen: dict[str, object] = {n: (out / n).read_bytes() if (out / n).exists() else None
                               for n in ("manifest.json", "SHA256SUMS", "latest.json",
                                         "index.html")}
    for path in sorted((out / "releases").glob("[0-9]*/**/*")):
        if path.is_file() and ".top" not in path.parts:
            seen[path.relative_to(out).as_posix()] = path.read_bytes()
    return seen


def steps_of(scenario: Scenario, tmp_path: Path) -> list[tuple[str, str]]:
    """The (step, moment) pairs the switch of ``scenario`` goes through."""
    seen: list[tuple[str, str]] = []
    scenario.publish(scenario.copy(tmp_path / "recording"),
                     step_hook=lambda step, when: seen.append((step, when)))
    assert seen, "the switch ran no step"
    return seen


# --------------------------------------------------------------------------- scenarios


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> dict[str, Scenario]:
    base = tmp_path_factory.mktemp("scenarios")
    fresh = base / "fresh"
    build_warehouse(FIXTURES / "raw-v1", fresh, V1_AS_OF)

    newer = base / "newer"  # release 2025-06-30 published; the warehouse as of 2025-09-30
    shutil.copytree(fresh, newer)
    publish_release(newer)
    build_warehouse(FIXTURES / "raw-v2", newer, V2_AS_OF)

    current = base / "current"  # release 2025-09-30 only
    build_warehouse(FIXTURES / "raw-v2", current, V2_AS_OF)
    publish_release(current)

    config = base / "config"  # a new disclosure threshold: the same release, other files
    shutil.copytree(REPO / "config", config)
    (config / "disclosure.yaml").write_text("threshold: 15\n", encoding="utf-8")

    legacy = base / "legacy"  # as the toolkit before issue 22 left it: plain files at the top
    shutil.copytree(newer, legacy, symlinks=True)
    for name in ("manifest.json", "SHA256SUMS", "latest.json"):
        data = (legacy / name).read_bytes()
        (legacy / name).unlink()
        (legacy / name).write_bytes(data)
    (legacy / "releases" / "latest").unlink()
    shutil.rmtree(legacy / "releases" / V1 / ".top")
    (legacy / "index.html").write_text(
        releases_index_html(load_config(REPO / "config").publisher, [V1], V1), encoding="utf-8")
    assert top_release(legacy) == V1

    return {s.name: s for s in (
        Scenario("fresh", fresh, frozenset({None, V1}), V1),
        Scenario("newer", newer, frozenset({V1, V2}), V2),
        Scenario("same id", current, frozenset({V2}), V2, config=config),
        Scenario("older", current, frozenset({V2}), V2, as_of=V1_AS_OF),
        Scenario("legacy", legacy, frozenset({V1, V2}), V2),
    )}


ALL = ("fresh", "newer", "same id", "older", "legacy")


@pytest.mark.slow  # every switch of five scenarios
def test_the_scenarios_go_through_every_step(scenarios, tmp_path):
    names = {n: [s for s, when in steps_of(scenarios[n], tmp_path / n) if when == "before"]
             for n in ALL}
    assert names["newer"] == ["release", "index", "latest"]
    assert names["same id"] == ["release"]  # one exchange switches files and checksums
    assert names["older"] == ["release", "top", "index"]
    assert names["fresh"] == ["link manifest.json", "link SHA256SUMS", "link latest.json",
                              "release", "index", "latest"]
    assert names["legacy"][:5] == ["adopt top", "adopt latest", "link manifest.json",
                                   "link SHA256SUMS", "link latest.json"]
    assert {s for n in names.values() for s in n if " " not in s} == set(SWITCH_STEPS)


# --------------------------------------------------------------------------- killed


def _killed_at(scenario: Scenario, out: Path, step: str, when: str) -> str | None:
    """Publish into ``out`` in a process killed at (step, when); the release the top names."""
    env = dict(os.environ)
    if scenario.config:
        env["TOOLKIT_CONFIG"] = str(scenario.config)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_PUBLISH, str(out), step, when,
         scenario.as_of.isoformat() if scenario.as_of else ""],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, (step, when, killed.stderr[-2000:])
    return top_release(out)


@pytest.mark.slow
@pytest.mark.parametrize("name", ("newer", "same id", "older"))
def test_sigkill_at_each_step_leaves_one_consistent_release(scenarios, tmp_path, name):
    scenario = scenarios[name]
    before = scenario.base / "manifest.json"
    versions = {before.read_bytes()} if before.exists() else set()
    points = steps_of(scenario, tmp_path)
    versions.add((tmp_path / "recording" / "manifest.json").read_bytes())
    outs = [scenario.copy(tmp_path / f"killed-{i}") for i in range(len(points))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        seen = list(pool.map(lambda a: _killed_at(scenario, *a),
                             [(out, *point) for out, point in zip(outs, points, strict=True)]))
    for out, point, release_id in zip(outs, points, seen, strict=True):
        assert release_id in scenario.allowed, (point, release_id)
        assert (out / "manifest.json").read_bytes() in versions, point  # old or new, whole
        scenario.publish(out)  # the next publish succeeds and removes what was left
        assert top_release(out) == scenario.final, point
        assert_clean(out, scenario.final)


@pytest.mark.slow
@pytest.mark.parametrize("name", ("fresh", "legacy"))
def test_a_publish_stopped_at_each_step_leaves_one_consistent_release(scenarios, tmp_path,
                                                                       name):
    """The disk as a kill between two steps leaves it (copied from inside the hook: before the
    first step, and after each; nothing but scratch files is written from the end of one step
    to the start of the next)."""
    scenario = scenarios[name]
    stops: list[tuple[tuple[str, str], Path]] = []

    def stop(step: str, when: str) -> None:
        if when == "after" or not stops:
            copy = tmp_path / f"stopped-{len(stops)}"
            shutil.copytree(out, copy, symlinks=True)
            stops.append(((step, when), copy))

    out = scenario.copy(tmp_path / "out")
    scenario.publish(out, step_hook=stop)
    assert top_release(out) == scenario.final
    assert_clean(out, scenario.final)
    for point, copy in stops:
        assert top_release(copy) in scenario.allowed, point
        scenario.publish(copy)
        assert top_release(copy) == scenario.final, point
        assert_clean(copy, scenario.final)


# --------------------------------------------------------------------------- full disk


def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_a_full_disk_at_each_step_is_undone_and_named(scenarios, tmp_path, name):
    scenario = scenarios[name]
    points = steps_of(scenario, tmp_path)
    # "before" fails the step itself; "after" the last step fails once it is done
    failing = [p for p in points if p[1] == "before"] + [points[-1]]
    for i, (step, when) in enumerate(failing):
        out = scenario.copy(tmp_path / f"full-{i}")
        before_tree, before_seen = snapshot(out), visible(out)

        def hook(s: str, w: str, point=(step, when)) -> None:
            if (s, w) == point:
                _enospc()

        with pytest.raises(PublishError) as caught:
            scenario.publish(out, step_hook=hook)
        message = str(caught.value)
        assert message.startswith("out of disk space (No space left on device) while "
                                  "switching release"), message
        assert f"(step: {step})" in message
        assert message.endswith("the previous release is unchanged")
        assert visible(out) == before_seen, (step, when)
        if name not in ("fresh", "legacy"):  # no layout to adopt: not a byte or link changed
            assert snapshot(out) == before_tree, (step, when)
    scenario.publish(out)  # and the next publish succeeds
    assert top_release(out) == scenario.final
    assert_clean(out, scenario.final)


@pytest.mark.slow  # a publish per rename
def test_a_full_disk_at_any_rename_or_link_is_undone(scenarios, tmp_path, monkeypatch):
    """ENOSPC from the n-th os.rename, os.replace or os.symlink of a publish, for every n."""
    scenario = scenarios["newer"]
    real = {name: getattr(os, name) for name in ("rename", "replace", "symlink")}
    failed_at = []
    for n in range(1, 50):
        out = scenario.copy(tmp_path / f"full-{n}")
        before = snapshot(out)
        calls: list[str] = []

        def counted(name, *args, _calls=calls, _n=n, **kwargs):
            _calls.append(name)
            if len(_calls) == _n:
                _enospc()
            return real[name](*args, **kwargs)

        for name in real:
            monkeypatch.setattr(os, name, lambda *a, _name=name, **k: counted(_name, *a, **k))
        try:
            scenario.publish(out)
        except PublishError as exc:
            assert "out of disk space" in str(exc) and str(exc).endswith(
                "the previous release is unchanged"), str(exc)
            assert snapshot(out) == before, n  # the calls after the n-th undid the switch
            failed_at.append(calls[n - 1])
        else:
            assert len(calls) < n  # every call was let through: no failure left to inject
            break
        finally:
            monkeypatch.undo()
    assert failed_at == ["rename", "replace", "symlink", "replace"]  # each of the switch
    assert top_release(out) == V2
    assert_clean(out, V2)


@pytest.mark.slow  # the scenarios' publishes
def test_a_full_disk_while_staging_names_the_stage(scenarios, tmp_path):
    scenario = scenarios["newer"]
    out = scenario.copy(tmp_path / "out")
    before = snapshot(out)

    def renderer(ctx):
        (ctx.dir / "bulletin.pdf").write_bytes(b"%PDF-")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(ctx.dir / "bulletin.pdf"))

    with pytest.raises(PublishError, match=r"^out of disk space \(No space left on device\) "
                       r"while staging release 2025-09-30: nothing was published; the "
                       r"previous release is unchanged$"):
        publish_release(out, extras=[renderer])
    assert snapshot(out) == before


# --------------------------------------------------------------------------- leftovers


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(proc.stdout)
    assert not pid_alive(pid)
    return pid


def test_warehouse_copies_of_dead_loads_are_removed_and_live_ones_kept(scenarios, tmp_path):
    out = scenarios["newer"].copy(tmp_path / "out")
    dead = _dead_pid()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        left = [out / f".warehouse.duckdb.{dead}.tmp", out / f".warehouse.duckdb.{dead}.tmp.wal",
                out / ".warehouse.duckdb.999999999.tmp"]
        kept = [out / f".warehouse.duckdb.{live.pid}.tmp",
                out / f".warehouse.duckdb.{live.pid}.tmp.wal",
                out / f".warehouse.duckdb.{os.getpid()}.tmp"]  # this process runs too
        for path in left + kept:
            path.write_bytes(b"DUCK")
        publish_release(out)
        assert [p for p in left if p.exists()] == []
        assert [p for p in kept if not p.exists()] == []
    finally:
        live.kill()
        live.wait()


@pytest.mark.slow  # a killed publish in a fresh process
def test_the_next_build_cleans_up_after_a_killed_publish(scenarios, tmp_path):
    from toolkit.build import build

    scenario = scenarios["newer"]
    out = scenario.copy(tmp_path / "out")
    assert _killed_at(scenario, out, "release", "before") == V1
    dead = _dead_pid()
    (out / f".warehouse.duckdb.{dead}.tmp").write_bytes(b"DUCK")
    assert any(p.name.startswith(".staging-") for p in (out / "releases").iterdir())
    result = build(FIXTURES / "raw-v2", out, as_of=V2_AS_OF, bulletin=False)
    assert result.release.release_id == V2
    assert top_release(out) == V2
    assert_clean(out, V2)


def test_a_full_disk_while_loading_is_named_by_the_build(scenarios, tmp_path, monkeypatch):
    import toolkit.checks
    from toolkit.build import OutOfSpace, build

    out = scenarios["newer"].copy(tmp_path / "out")
    before = snapshot(out)

    monkeypatch.setattr(toolkit.checks, "validate", _enospc)
    with pytest.raises(OutOfSpace, match=r"^out of disk space \(No space left on device\) "
                       r"while loading the warehouse: nothing was published; the previous "
                       r"release is unchanged$"):
        build(FIXTURES / "raw-v2", out, as_of=V2_AS_OF, bulletin=False)
    assert snapshot(out) == before
