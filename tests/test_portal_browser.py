"""The portal in headless Chromium, as a reader on a desktop and on a phone sees it: the shipped
data published with its bulletin, every page at 1280 and 390 px wide (screenshots in
tests/artifacts/), no sideways scroll of the page, no text under 10 px, and axe-core (from
npm, injected from node_modules: never a CDN) finding no serious or critical violation on the
landing, release, country, dictionary, charts and bulletin pages in both languages."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import polars as pl
import pytest
from conftest import SHIPPED_AS_OF, SHIPPED_RAW, headless_chromium
from test_publish import REPO, build_warehouse

from toolkit.config import load_config
from toolkit.publish import publish_release

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
#: axe audits each page at the phone's width, where layout and contrast are tightest (the
#: widths test above reads every page at both).
AXE_WIDTHS = (390,)
#: Pages to check, relative to the release folder ("" is the landing page at the top).
PAGES = ("", "index.html", "index.ko.html", "explore/country-khm.html",
         "explore/country-khm.ko.html", "explore/nationality-kor.html", "dictionary.html",
         "dictionary.ko.html", "charts.html", "charts.ko.html", "bulletin.html",
         "bulletin.ko.html")
#: The bulletin is another package's: its pages are checked by axe, and their widths are
#: recorded in tests/artifacts/portal-widths.json, not asserted here.
BULLETIN = ("bulletin.html", "bulletin.ko.html")

SMALL_TEXT = """
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  if (!node.textContent.trim()) continue;
  const el = node.parentElement;
  const box = el.getBoundingClientRect();
  if (!box.width || !box.height) continue;
  const style = getComputedStyle(el);
  if (style.visibility === "hidden") continue;
  let size = parseFloat(style.fontSize);
  const svg = el.closest("svg");
  if (svg && svg.getScreenCTM()) size *= svg.getScreenCTM().a;
  if (size < 10) out.push([Math.round(size * 10) / 10, el.tagName,
                           node.textContent.trim().slice(0, 40)]);
}
return out;
"""

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))),
  e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The shipped data published for 2025-Q4 with its bulletin, both editions."""
    from toolkit.bulletin import render_bulletin

    out = tmp_path_factory.mktemp("site")
    build_warehouse(SHIPPED_RAW, out, SHIPPED_AS_OF)
    release = publish_release(out, period="2025-Q4", extras=[render_bulletin],
                              config=load_config(REPO / "config"))
    return out, release


def _page(site, relative: str) -> Path:
    out, release = site
    return out / "index.html" if not relative else out / "releases" / "latest" / relative


def _driver(tmp_path: Path, width: int):
    driver = headless_chromium(tmp_path / f"profile-{width}", window=f"{max(width, 500)},1000")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500})
    driver.set_page_load_timeout(60)
    return driver


def _name(relative: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", (relative or "landing").lower()).strip("-")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_reads_at_the_width_without_sideways_scroll(site, tmp_path, width):
    ARTIFACTS.mkdir(exist_ok=True)
    driver = _driver(tmp_path, width)
    widths: dict[str, int] = {}
    try:
        for relative in PAGES:
            page = _page(site, relative)
            assert page.is_file(), page
            driver.get(page.resolve().as_uri())
            height = driver.execute_script("return document.documentElement.scrollHeight")
            scroll = driver.execute_script("return document.documentElement.scrollWidth")
            client = driver.execute_script("return document.documentElement.clientWidth")
            widths[relative or "landing"] = scroll
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": min(height, 12000), "deviceScaleFactor": 1,
                "mobile": width < 500})
            driver.save_screenshot(str(ARTIFACTS / f"portal-{width}-{_name(relative)}.png"))
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500})
            if relative in BULLETIN:
                continue
            assert client == width or width == 1280, (relative, client)
            assert scroll <= client, f"{relative or 'landing'} scrolls sideways at {width} px"
            assert driver.execute_script(SMALL_TEXT) == [], relative
            lang = driver.find_element("tag name", "html").get_attribute("lang")
            assert lang == ("ko" if ".ko." in relative else "en")
            assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()
        (ARTIFACTS / f"portal-widths-{width}.json").write_text(json.dumps(widths, indent=2))


def test_axe_finds_no_serious_or_critical_violation(site, tmp_path):
    if not AXE.is_file():
        if os.environ.get("TOOLKIT_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{AXE} is missing: run `npm install` (see .ci/run)")
        pytest.skip("needs axe-core from npm (npm install)")
    axe = AXE.read_text(encoding="utf-8")
    found: dict[str, list] = {}
    for width in AXE_WIDTHS:
        driver = _driver(tmp_path, width)
        try:
            for relative in PAGES:
                driver.get(_page(site, relative).resolve().as_uri())
                driver.execute_script(axe)
                found[f"{width} {relative or 'landing'}"] = driver.execute_async_script(RUN_AXE)
        finally:
            driver.quit()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "portal-axe.json").write_text(json.dumps(found, indent=2, ensure_ascii=False))
    severe = {page: [v for v in violations if v["impact"] in ("serious", "critical")]
              for page, violations in found.items()}
    assert {page: v for page, v in severe.items() if v} == {}
    assert len(found) == len(PAGES) * len(AXE_WIDTHS)


def test_two_clicks_to_south_koreans_detained_in_cambodia(site, tmp_path):
    from selenium.webdriver.common.by import By

    out, release = site
    driver = _driver(tmp_path, 390)
    try:
        driver.get((out / "index.html").resolve().as_uri())
        driver.find_element(By.CSS_SELECTOR, "#countries tr[data-code='KHM'] a").click()
        assert driver.find_element(By.TAG_NAME, "h1").text == "Cambodia"
        row = driver.find_element(By.CSS_SELECTOR, "#latest-table tr[data-code='KOR']")
        assert row.find_element(By.TAG_NAME, "th").text == "South Korea"
        q = pl.read_parquet(release.dir / "data" / "quarterly_summary.parquet").filter(
            (pl.col("period") == "2025-Q4") & (pl.col("country") == "KHM")
            & (pl.col("nationality") == "KOR")).to_dicts()[0]
        cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        assert cells[0] == " ".join(x for x in (f"{q['detained']:,}", q["detained_status"]) if x)
        # the Korean reader: the language switch, then the same row in Korean
        driver.find_element(By.CSS_SELECTOR, "p.switch a").click()
        assert driver.find_element(By.TAG_NAME, "h1").text == "캄보디아"
        row = driver.find_element(By.CSS_SELECTOR, "#latest-table tr[data-code='KOR']")
        assert row.find_element(By.TAG_NAME, "th").text == "대한민국"
    finally:
        driver.quit()


def test_every_bulletin_chart_is_downloadable_with_its_source_inside(site):
    out, release = site
    charts = release.dir / "charts"
    page = (release.dir / "bulletin.html").read_text(encoding="utf-8")
    ids = re.findall(r'<div class="vega-chart" id="([^"]+)"', page)
    assert ids
    for chart_id in ids:
        for suffix in ("", ".ko"):
            svg = (charts / f"{chart_id}{suffix}.svg").read_text(encoding="utf-8")
            png = (charts / f"{chart_id}{suffix}.png").read_bytes()
            assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
            assert release.release_id in svg
            assert ("Source: " if not suffix else "출처: ") in svg
            assert "releases/" in svg and "charts" in svg
    listing = (release.dir / "charts.html").read_text(encoding="utf-8")
    for chart_id in ids:
        assert f'href="charts/{chart_id}.png" download' in listing
        assert f"releases/{release.release_id}/charts/{chart_id}.png" in listing  # embed
