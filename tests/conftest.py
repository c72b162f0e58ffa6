"""Shared fixtures: a tiny valid raw data set, raw folders with one file changed, the shipped
data validated and loaded once, and the Hypothesis profiles."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _pytest.mark.structures import ParameterSet
from hypothesis import settings

#: Compiled modules are cached during the tests whatever PYTHONDONTWRITEBYTECODE says (some
#: machines set it): without the cache every process (each xdist worker, each command a test
#: starts) compiles every module again, and pytest rewrites the asserts of every test module,
#: seconds per process.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

#: Property tests run few examples by default, so that ``pytest -m "not slow"`` stays quick;
#: each keeps a ``slow`` variant at full length (``at_length``), which the full suite runs.
#: ``HYPOTHESIS_PROFILE=thorough`` runs every property test, quick variants included, at length.
settings.register_profile("quick", max_examples=10, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


def quickly(examples: int, **kwargs) -> settings:
    """Settings for the quick variant of a property test: ``examples`` examples in the quick
    profile, the profile's count in any other."""
    quick = settings.get_current_profile_name() == "quick"
    return settings(max_examples=examples if quick else settings.default.max_examples, **kwargs)


def sampled(cases, every: int = 3, ids=None) -> list:
    """The cases of a large corpus for ``parametrize``: every ``every``-th in the quick tier,
    the others marked ``slow`` (the full suite runs them all). ``ids`` names them."""
    cases = list(cases)
    names = list(ids) if ids is not None else [None] * len(cases)
    out = []
    for i, (case, name) in enumerate(zip(cases, names, strict=True)):
        marks = () if i % every == 0 else (pytest.mark.slow,)
        if isinstance(case, ParameterSet):  # a pytest.param already: keep its marks and id
            out.append(pytest.param(*case.values, marks=(*case.marks, *marks),
                                    id=case.id if name is None else name))
            continue
        values = case if isinstance(case, tuple) else (case,)
        out.append(pytest.param(*values, marks=marks, id=name))
    return out


def at_length(examples: int, **kwargs) -> settings:
    """Settings for the ``slow`` variant of a property test: at least ``examples`` examples."""
    return settings(max_examples=max(examples, settings.default.max_examples), **kwargs)


FIXTURES = Path(__file__).parent / "fixtures"
#: Four files, two sources, two detentions, one repatriation, one fatality: valid, no warnings.
VALID_RAW = FIXTURES / "raw" / "valid"
#: The as-of date the valid set is checked with.
AS_OF = dt.date(2025, 12, 31)
#: The project's shipped data, and the as-of date the tests check it with.
SHIPPED_RAW = Path(__file__).parent.parent / "data" / "raw"
SHIPPED_AS_OF = dt.date(2026, 11, 28)
#: Where each dataset's file of the valid set is.
BASE_FILES = {
    "sources": "sources.csv",
    "detentions": "detentions/detentions.csv",
    "repatriations": "repatriations/repatriations.csv",
    "fatalities": "fatalities/fatalities.csv",
    "reported_figures": "reported_figures/reported_figures.csv",
}


def base_rows(dataset: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows (as text) of a dataset's file in the valid set."""
    with (VALID_RAW / BASE_FILES[dataset]).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def to_csv(header: list[str], rows: list[dict[str, object]] | list[list[object]],
           line_end: str = "\n") -> str:
    """CSV text of a header and rows (dicts by column name, or lists in header order)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=line_end)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header] if isinstance(row, dict) else row)
    return buf.getvalue()


def raw_copy(root: Path, files: dict[str, str | bytes] | None = None,
             drop: tuple[str, ...] | list[str] = ()) -> Path:
    """A copy of the valid set at ``root`` with files added; ``drop`` removes a dataset's base
    file (so a broken file named after its case can stand in for it)."""
    shutil.copytree(VALID_RAW, root)
    for dataset in drop:
        (root / BASE_FILES[dataset]).unlink()
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
    return root


@pytest.fixture
def make_raw(tmp_path: Path) -> Callable[..., Path]:
    """``make_raw(name, {relative path: text or bytes}, drop=[dataset, ...])``: a copy of the
    valid set in ``tmp_path/name`` with files added (:func:`raw_copy`)."""

    def make(name: str = "raw", files: dict[str, str | bytes] | None = None,
             drop: tuple[str, ...] | list[str] = ()) -> Path:
        return raw_copy(tmp_path / name, files, drop)

    return make


@pytest.fixture(scope="session")
def shipped(tmp_path_factory):
    """The shipped data validated and loaded as of SHIPPED_AS_OF, once per session: the
    :class:`Validation`, whose ``warehouse`` is for reading only (copy it to change it)."""
    from toolkit.checks import validate

    return validate(SHIPPED_RAW, SHIPPED_AS_OF, out_dir=tmp_path_factory.mktemp("shipped"))


@pytest.fixture(scope="session")
def valid_reference(tmp_path_factory):
    """A copy of the valid set validated (not loaded) once per session, to compare with."""
    from toolkit.checks import validate

    return validate(raw_copy(tmp_path_factory.mktemp("valid-reference") / "raw"), AS_OF)


def pytest_sessionstart(session):
    """In CI (TOOLKIT_REQUIRE_TOOLS=1) a missing tool fails the run instead of skipping tests."""
    import os
    import shutil
    import subprocess

    if os.environ.get("TOOLKIT_REQUIRE_TOOLS") != "1":
        return
    missing = [t for t in ("chromium", "chromedriver", "pdftotext", "pdffonts")
               if shutil.which(t) is None]
    fonts = subprocess.run(["fc-list", ":lang=ko"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if not fonts.strip():
        missing.append("a Hangul font (fonts-noto-cjk)")
    if missing:
        raise pytest.UsageError("TOOLKIT_REQUIRE_TOOLS=1 but missing: " + ", ".join(missing))


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def headless_chromium(profile: Path, window: str = "1100,1400", logs: dict | None = None):
    """Debian's Chromium under chromedriver, headless, offline, with a fresh profile.

    Skips the test where Chromium is absent (CI sets TOOLKIT_REQUIRE_TOOLS=1, which fails the
    run at start instead). The background-networking flags keep Chromium from calling out.
    """
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian chromium and chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--window-size={window}",
                f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", logs or {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
