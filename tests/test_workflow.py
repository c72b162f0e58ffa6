"""The publishing workflow (.github/workflows/release.yml) against the release calendar.

The calendar (config/release-calendar.yaml) is the one schedule: the workflow must wake on every
planned day, publish on planned days only (unless run by hand), take the period from the
calendar, restore the published history before it builds and publish on top of it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from toolkit.config import ConfigError, PlannedRelease, ReleaseCalendar, read_calendar
from toolkit.periods import parse_period

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
CALENDAR = ROOT / "config" / "release-calendar.yaml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def calendar() -> ReleaseCalendar:
    return read_calendar(CALENDAR)


def _triggers(workflow: dict) -> dict:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean true
    return workflow.get("on", workflow.get(True))


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _step(workflow: dict, job: str, step_id: str) -> dict:
    found = [s for s in _steps(workflow, job) if s.get("id") == step_id]
    assert len(found) == 1, f"job {job} has no single step with id {step_id}"
    return found[0]


def _field(spec: str, value: int, low: int, high: int) -> bool:
    """Whether one cron field (``*``, ``5``, ``1-5``, ``*/15``, ``1,15``) matches ``value``."""
    for part in spec.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first, last = (int(x) for x in base.split("-"))
        else:
            first = last = int(base)
        if first <= value <= last and (value - first) % int(step or 1) == 0:
            return True
    return False


def cron_matches(expr: str, moment: dt.datetime) -> bool:
    """Whether a five-field cron expression fires at ``moment`` (UTC, as GitHub reads it)."""
    minute, hour, dom, month, dow = expr.split()
    weekday = (moment.weekday() + 1) % 7  # cron: 0 is Sunday
    day_ok = _field(dom, moment.day, 1, 31)
    dow_ok = _field(dow, weekday, 0, 6) or (dow != "*" and weekday == 0 and _field(dow, 7, 0, 7))
    # cron's rule: when both day fields are restricted, either may match
    days = (day_ok or dow_ok) if dom != "*" and dow != "*" else (day_ok and dow_ok)
    return (_field(minute, moment.minute, 0, 59) and _field(hour, moment.hour, 0, 23)
            and _field(month, moment.month, 1, 12) and days)


def fires_on(crons: list[str], day: dt.date, zone: str) -> bool:
    """Whether any of ``crons`` fires during ``day`` in time zone ``zone``."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
    return any(cron_matches(expr, start + dt.timedelta(minutes=m))
               for expr in crons for m in range(24 * 60))


def test_the_cron_reader_reads_cron():
    at = dt.datetime(2026, 11, 27, 0, 30, tzinfo=dt.UTC)  # a Friday
    assert cron_matches("30 0 * * *", at)
    assert not cron_matches("0 6 15 1,4,7,10 *", at)
    assert cron_matches("*/15 0 27 11 *", at) and not cron_matches("*/15 1 27 11 *", at)
    assert cron_matches("30 0 * * 5", at) and not cron_matches("30 0 * * 1-4", at)


# --------------------------------------------------------------------------- the calendar


def test_the_calendar_is_dated_in_a_time_zone_with_one_period_per_release(calendar):
    assert calendar.timezone == "Asia/Seoul" and calendar.releases
    dates = [r.date for r in calendar.releases]
    assert dates == sorted(set(dates))
    for release in calendar.releases:
        period = parse_period(release.period)
        assert period.end < release.date, release  # a release reports a finished quarter


def test_planned_on_and_today_follow_the_calendar(calendar):
    first = calendar.releases[0]
    assert calendar.planned_on(first.date) == first
    assert calendar.planned_on(first.date + dt.timedelta(days=1)) is None
    # 20:00 UTC on the day before a release is already the release day in Seoul
    eve = dt.datetime.combine(first.date - dt.timedelta(days=1), dt.time(20), tzinfo=dt.UTC)
    assert calendar.today(eve) == first.date
    assert ReleaseCalendar().today(eve) == first.date - dt.timedelta(days=1)  # UTC by default


def test_an_unknown_time_zone_is_refused(tmp_path):
    path = tmp_path / "release-calendar.yaml"
    path.write_text("timezone: Mars/Olympus\nreleases: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="time zone"):
        read_calendar(path)


# --------------------------------------------------------------------------- schedule


def test_the_workflow_wakes_on_every_planned_release_day(workflow, calendar):
    crons = [entry["cron"] for entry in _triggers(workflow)["schedule"]]
    assert crons
    missed = [r.date for r in calendar.releases if not fires_on(crons, r.date, calendar.timezone)]
    assert missed == []


def _run_plan(workflow: dict, folder: Path, event: str, as_of: str,
              period: str = "") -> dict[str, str]:
    """Run the `plan` job's decision step as the runner would; its outputs."""
    step = _step(workflow, "plan", "plan")
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / "github_output"
    output.write_text("", encoding="utf-8")
    env = {**os.environ, "EVENT": event, "AS_OF": as_of, "PERIOD": period,
           "GITHUB_OUTPUT": str(output),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    subprocess.run(["bash", "-e", "-c", step["run"]], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    pairs = (line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    return dict(pairs)


@pytest.mark.slow  # a year of days
def test_scheduled_runs_publish_on_planned_days_only_with_the_calendars_period(
        workflow, calendar, tmp_path):
    planned: PlannedRelease = calendar.releases[-1]
    other = (planned.date + dt.timedelta(days=1)).isoformat()
    runs = [("schedule", planned.date.isoformat()), ("schedule", other),
            ("workflow_dispatch", other), ("workflow_dispatch", other, "2026-Q2")]
    with ThreadPoolExecutor(len(runs)) as pool:  # four runners, each with its own output file
        on_the_day, day_after, by_hand, by_hand_for_a_period = pool.map(
            lambda i: _run_plan(workflow, tmp_path / str(i), *runs[i]), range(len(runs)))
    assert on_the_day == {
        "release": "true", "as_of": planned.date.isoformat(), "period": planned.period}
    assert day_after["release"] == "false"
    # by hand: whatever the day, with the period asked for (or the toolkit's default)
    assert by_hand == {"release": "true", "as_of": other, "period": ""}
    assert by_hand_for_a_period["period"] == "2026-Q2"


def test_the_release_job_runs_only_when_plan_says_so(workflow):
    job = workflow["jobs"]["release"]
    assert job["needs"] == "plan"
    assert job["if"].replace(" ", "") == "needs.plan.outputs.release=='true'"
    assert job["env"]["AS_OF"] == "${{ needs.plan.outputs.as_of }}"
    assert job["env"]["PERIOD"] == "${{ needs.plan.outputs.period }}"
    # release days and "next release" dates live in the calendar only, never in the workflow
    assert re.findall(r"\b\d{4}-\d{2}-\d{2}\b", WORKFLOW.read_text(encoding="utf-8")) == []


# --------------------------------------------------------------------------- history, Quarto


def test_quarto_is_pinned_to_one_1_7_release(workflow):
    setups = [s for s in _steps(workflow, "release")
              if str(s.get("uses", "")).startswith("quarto-dev/quarto-actions/setup@")]
    assert len(setups) == 1
    assert re.fullmatch(r"1\.7\.\d+", str(setups[0]["with"]["version"]))


def test_history_is_restored_before_the_build_and_published_on_top(workflow):
    steps = _steps(workflow, "release")
    order = [s.get("id") for s in steps]
    assert order.index("restore") < order.index("build") < order.index("quarto") \
        < order.index("publish")
    branch = workflow["env"]["PAGES_BRANCH"]
    assert branch == "gh-pages"
    restore = _step(workflow, "release", "restore")["run"]
    assert 'git fetch --depth=1 origin "$PAGES_BRANCH"' in restore
    # every release folder, not the Pages branch's real-folder copy of releases/latest
    assert 'rsync -a --exclude /latest site/releases/ "$OUT/releases/"' in restore
    publish = _step(workflow, "release", "publish")["run"]
    # only the new release is written; the earlier ones on the branch stay as published
    assert 'rsync -a --delete "$OUT/releases/$AS_OF/" "site/releases/$AS_OF/"' in publish
    # latest/ as a real folder: Pages serves no symlinks
    assert 'rsync -a --delete -L "$OUT/releases/latest/" site/releases/latest/' in publish
    assert 'git push origin "HEAD:refs/heads/$PAGES_BRANCH"' in publish
    assert "git rm" not in publish and "rm -rf site" not in publish
    assert workflow["jobs"]["release"]["permissions"] == {"contents": "write"}


def test_the_site_gets_the_portal_the_bulletin_and_their_downloads(workflow):
    build = _step(workflow, "release", "build")["run"]
    assert "python -m toolkit build" in build and "--no-bulletin" not in build
    quarto = _step(workflow, "release", "quarto")["run"]
    assert "--build-dir reports" in quarto
    for edition in ("", ".ko"):
        assert (f"quarto render reports/bulletin{edition}.qmd --metadata-file "
                f"reports/_build/bulletin-data{edition}.yml") in quarto
        assert f"test -s reports/_output/bulletin{edition}.pdf" in quarto
    assert "reports/_output/bulletin-data/*.csv" in quarto
    publish = _step(workflow, "release", "publish")["run"]
    # the release folder holds the portal page, data, bulletin and bulletin-data/
    assert 'cp -L "$OUT/index.html" "$OUT/manifest.json" "$OUT/SHA256SUMS" "$OUT/latest.json" ' \
        'site/' in publish
    assert "rsync -a --delete reports/_output/ site/quarto/" in publish


@pytest.mark.slow  # two builds
def test_a_history_restored_as_the_workflow_does_gives_a_second_release_its_previous(tmp_path):
    """The publish step copies releases/latest as a real folder onto the Pages branch; the
    restore step of the next run copies every release back but that one. The next build then
    finds the previous release and points latest anew."""
    import shutil

    from toolkit.build import build

    raw = ROOT / "tests" / "fixtures" / "publish"
    first, site, second = tmp_path / "first", tmp_path / "site", tmp_path / "second"
    build(raw / "raw-v1", first, as_of=dt.date(2025, 6, 30), bulletin=False)
    # publish: the release folders, and latest/ with its links followed
    for folder in (first / "releases").iterdir():
        shutil.copytree(folder, site / "releases" / folder.name, symlinks=False)
    assert not (site / "releases" / "latest").is_symlink()
    # restore: every release folder but latest
    for folder in (site / "releases").iterdir():
        if folder.name != "latest":
            shutil.copytree(folder, second / "releases" / folder.name, symlinks=True)
    done = build(raw / "raw-v2", second, as_of=dt.date(2025, 9, 30), bulletin=False)
    assert not done.skipped
    manifest = json.loads((done.release_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous_release"] == "2025-06-30"
    assert (second / "releases" / "latest").resolve() == done.release_dir.resolve()
    assert json.loads((second / "latest.json").read_text(encoding="utf-8"))["release_id"] \
        == "2025-09-30"
