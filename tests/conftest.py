"""Shared fixtures: a tiny valid raw data set, and raw folders with one file changed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
#: Four files, two sources, two detentions, one repatriation, one fatality: valid, no warnings.
VALID_RAW = FIXTURES / "raw" / "valid"
#: The as-of date the valid set is checked with.
AS_OF = dt.date(2025, 12, 31)
#: The project's shipped data.
SHIPPED_RAW = Path(__file__).parent.parent / "data" / "raw"
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


@pytest.fixture
def make_raw(tmp_path: Path) -> Callable[..., Path]:
    """``make_raw(name, {relative path: text or bytes}, drop=[dataset, ...])``: a copy of the
    valid set in ``tmp_path/name`` with files added; ``drop`` removes a dataset's base file
    (so a broken file named after its case can stand in for it)."""

    def make(name: str = "raw", files: dict[str, str | bytes] | None = None,
             drop: tuple[str, ...] | list[str] = ()) -> Path:
        root = tmp_path / name
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

    return make


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
