"""The data portal page of a release (index.html): content, escaping, and headless Chromium."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from conftest import headless_chromium
from test_publish import FIXTURES, REPO, V1_AS_OF, V2_AS_OF, build_warehouse

from toolkit.config import ReleaseCalendar, load_config
from toolkit.publish import publish_release

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _bulletin(ctx):
    path = ctx.path("bulletin.html")
    path.write_text(f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    f"<title>Bulletin {ctx.release_id}</title></head><body>"
                    f"<p><a href=\"index.html\">Release</a></p></body></html>\n",
                    encoding="utf-8")
    return [path]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """Two releases in one --out, the second with a bulletin extra; returns (out, release)."""
    out = tmp_path_factory.mktemp("portal")
    build_warehouse(FIXTURES / "raw-v1", out, V1_AS_OF)
    publish_release(out)
    build_warehouse(FIXTURES / "raw-v2", out, V2_AS_OF)
    return out, publish_release(out, extras=[_bulletin])


def hrefs(page: str) -> list[str]:
    """The targets of the page's links (<a href>)."""
    return [html.unescape(h) for h in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', page)]


def test_portal_lists_every_dataset_with_downloads_dictionary_and_checksums(portal):
    out, release = portal
    page = (release.dir / "index.html").read_text(encoding="utf-8")
    manifest = {f.path: f for f in release.files}
    for name in ("sources", "detentions", "repatriations", "fatalities", "quarterly_summary",
                 "monthly_summary", "detentions_by_sex", "fatalities_by_sex",
                 "reconciliation_findings", "revisions", "changelog"):
        block = page.split(f'id="ds-{name}"', 1)[1].split("</article>", 1)[0]
        for suffix in (".csv", "-excel.csv", ".parquet"):
            rel = f"data/{name}{suffix}"
            assert f'href="{rel}"' in block
            digest = manifest[f"releases/{release.release_id}/{rel}"].sha256
            assert digest in block
        assert f'href="dictionary.html#{name}"' in block
        assert "<dt>Release date</dt><dd>2025-09-30</dd>" in block
        assert "<dt>Next release</dt><dd>2026-02-27</dd>" in block  # config/release-calendar
    rows = re.search(r'id="ds-detentions".*?<dd class="rows">(\d+)</dd>', page, re.S)
    assert rows and rows.group(1) == "4"
    assert 'href="bulletin.html"' in page
    assert 'href="../2025-06-30/index.html"' in page
    assert "scamstats-2025-09-30.xlsx" in page and 'href="datapackage.json"' in page


def test_portal_is_self_contained(portal):
    out, release = portal
    for page in (release.dir / "index.html", release.dir / "dictionary.html",
                 out / "index.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text
        assert not re.search(r'(?:src|href)="(?:https?:)?//', text), page
        for link in hrefs(text):
            target = urldefrag(link).url
            if target:
                assert (page.parent / unquote(target)).is_file(), (page.name, link)


def test_portal_escapes_text(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    yaml_path = config / "publisher.yaml"
    text = yaml_path.read_text(encoding="utf-8").replace(
        "title: Cross-border online-scam detentions, repatriations and fatalities",
        "title: '<img src=x onerror=alert(1)> Scams & \"frauds\"'")
    yaml_path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build_warehouse(FIXTURES / "raw-v1", out, V1_AS_OF)
    release = publish_release(out, config=load_config(config))
    for name in ("index.html", "dictionary.html"):
        page = (release.dir / name).read_text(encoding="utf-8")
        assert "<img" not in page
        assert "&lt;img src=x onerror=alert(1)&gt; Scams &amp; &quot;frauds&quot;" in page
    dictionary = (release.dir / "dictionary.html").read_text(encoding="utf-8")
    assert "starts with an apostrophe (&#x27;) instead" in dictionary


def release_tables_of(release) -> list[str]:
    """The tables the release publishes, from its own datapackage.json."""
    doc = json.loads((release.dir / "datapackage.json").read_text(encoding="utf-8"))
    return [r["name"] for r in doc["resources"]]


def _driver(tmp_path: Path):
    return headless_chromium(tmp_path / "chromium-profile")


def _local_path(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


@pytest.mark.browser
def test_portal_in_headless_chromium(portal, tmp_path):
    from selenium.webdriver.common.by import By

    out, release = portal
    driver = _driver(tmp_path)
    try:
        driver.set_page_load_timeout(30)
        checked = 0
        for page in (release.dir / "index.html", release.dir / "dictionary.html",
                     out / "index.html"):
            driver.get(page.resolve().as_uri())
            assert driver.find_element(By.TAG_NAME, "h1").text.strip()
            if page == release.dir / "index.html":
                assert "2025-09-30" in driver.title
                cards = driver.find_elements(By.CSS_SELECTOR, "article.dataset")
                assert len(cards) == len(release_tables_of(release))
                assert all(c.is_displayed() for c in cards)
                next_release = driver.find_element(By.ID, "next-release").text
                assert next_release == "2026-02-27"
            links = [a.get_attribute("href") for a in driver.find_elements(By.TAG_NAME, "a")]
            assert links
            for url in links:
                assert url.startswith("file://"), url
                target, fragment = urldefrag(url)
                path = _local_path(target)
                assert path.is_file(), url
                if fragment:
                    ids = re.findall(r'id="([^"]+)"', path.read_text(encoding="utf-8"))
                    assert fragment in ids, url
                checked += 1
            severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert severe == [], severe
        # the dictionary link of a dataset lands on its section
        driver.get((release.dir / "index.html").resolve().as_uri())
        driver.find_element(By.CSS_SELECTOR, "#ds-quarterly_summary a.dictionary").click()
        assert driver.current_url.endswith("dictionary.html#quarterly_summary")
        section = driver.find_element(By.ID, "quarterly_summary")
        assert "not_returned_at_end_status" in section.text
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
        assert checked > 60
    finally:
        driver.quit()


def test_next_release_is_to_be_announced_past_the_calendar(tmp_path):
    config = load_config(REPO / "config")
    assert config.calendar.next_after(dt.date(2025, 9, 30)) == dt.date(2026, 2, 27)
    assert config.calendar.next_after(dt.date(2026, 2, 27)) == dt.date(2026, 5, 29)
    assert config.calendar.next_after(dt.date(2030, 1, 1)) is None
    out = tmp_path / "out"
    build_warehouse(FIXTURES / "raw-v1", out, V1_AS_OF)
    release = publish_release(out, config=replace(config, calendar=ReleaseCalendar()))
    page = (release.dir / "index.html").read_text(encoding="utf-8")
    assert '<dd id="next-release">to be announced</dd>' in page
    assert "<dt>Next release</dt><dd>to be announced</dd>" in page
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["next_release"] is None
