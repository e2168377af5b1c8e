"""Shared fixtures: a headless Chromium driven by Selenium, for tests that open real pages.

``browser`` is one Chromium per test session. It behaves like the Selenium WebDriver
(``browser.get``, ``browser.execute_script``, ...) and adds helpers:

- ``browser.open_html(path)``: open a local HTML file, wait until it has loaded, and return
  a ``Page`` with the ``console_errors`` and ``network_requests`` it caused;
- ``browser.console_errors()`` and ``browser.network_requests(page_url)``: what happened since
  the last call (each call drains Chromium's logs);
- ``browser.leaflet_layers()``: counts of what the page's Leaflet maps draw;
- ``browser.map_view()``: what a reader sees of the page's map in its current view (each
  place: in view, under a control?; the layer control's and the legend's labels), and
  ``browser.view_problems(view)``: what is wrong with it, as sentences.

The fixture skips the test only if ``/usr/bin/chromium`` is absent (CI installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,800",
)

INTERNAL_SCHEMES = ("data", "blob", "about", "chrome", "chrome-untrusted", "chrome-extension", "devtools")

# Counts what every Leaflet map on the page draws. Maps are found by walking ``window`` for
# ``L.Map`` instances (folium stores each map in a global variable).
LEAFLET_LAYERS_JS = """
const out = {maps: 0, polygons: 0, lines: 0, circles: 0, markers: 0, basemap: 0, paths: 0, layers: 0};
if (typeof L === "undefined") { out.error = "Leaflet not loaded"; return out; }
const maps = [];
for (const key of Object.keys(window)) {
    let v;
    try { v = window[key]; } catch (e) { continue; }
    if (v instanceof L.Map && !maps.includes(v)) maps.push(v);
}
out.maps = maps.length;
const seen = new Set();
function walk(layer) {
    if (seen.has(layer)) return;
    seen.add(layer);
    if (layer instanceof L.LayerGroup) { layer.eachLayer(walk); return; }
    out.layers += 1;
    if ((layer.options || {}).pane === "geo-basemap") { out.basemap += 1; return; }
    if (layer instanceof L.CircleMarker) out.circles += 1;
    else if (layer instanceof L.Polygon) out.polygons += 1;
    else if (layer instanceof L.Polyline) out.lines += 1;
    else if (layer instanceof L.Marker) out.markers += 1;
}
for (const m of maps) m.eachLayer(walk);
out.paths = document.querySelectorAll(".leaflet-pane svg path").length;
return out;
"""


MAP_VIEW_JS = (Path(__file__).resolve().parent / "map_view.js").read_text(encoding="utf-8")


def view_problems(view: dict) -> list[str]:
    """What is wrong with one map's view (from ``map_view.js``), as sentences; empty: nothing.

    The view must show at least two of the places (one if there is one) and every place
    the legend does not name as "farther away"; no place in view may lie under a control (a
    circle's centre, or all of a shape's part in view); the layer control and the legend
    must list each layer once.
    """
    if view.get("error"):
        return [view["error"]]
    problems = []
    places = view["places"]
    if places and min(view["size"]) <= 0:
        problems.append(f"the map has no size: {view['size']}")
    shown = [p for p in places if p["seen"]]
    if places and len(shown) < min(2, len(places)):
        problems.append(f"only {len(shown)} of {len(places)} places can be seen "
                        f"(zoom {view['zoom']}, view {view['view']}, size {view['size']})")
    for p in places:
        if p["underControl"]:
            problems.append(f"{p['name']} lies under a control ({p['by']})")
    note = view.get("fartherAway", "")
    missing = [p["name"] for p in places if not p["seen"] and not p["underControl"] and p["name"] not in note]
    more = re.search(r"and (\d+) more", note)
    if len(missing) > (int(more.group(1)) if more else 0):
        problems.append(f"not in the opening view, and not named as farther away: {missing}")
    for what, names in (("layer control", view["layerNames"]), ("legend", view["legendRows"])):
        bare = [re.sub(r"\s*\(\d+\)$", "", n) for n in names]
        twice = sorted({n for n in bare if bare.count(n) > 1})
        if twice:
            problems.append(f"the {what} lists {twice} more than once: {names}")
    return problems


@dataclass
class Page:
    """What opening one page caused."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)
    load_seconds: float = 0.0


def console_errors(driver: Any) -> list[str]:
    """Console messages of level SEVERE (errors, uncaught exceptions) since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def network_requests(driver: Any, page_url: str | None = None) -> list[str]:
    """URLs the page requested since the last call, from the DevTools ``Network`` events.

    The page itself, ``data:``/``blob:``/``about:`` URLs and Chromium's own ``chrome://``
    pages (its start page) are not requests of the page.
    """
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") not in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            continue
        url = message["params"].get("request", {}).get("url") or message["params"].get("url", "")
        if url == page_url or url.split(":", 1)[0] in INTERNAL_SCHEMES:
            continue
        urls.append(url)
    return urls


def open_html(driver: Any, path: str | Path, *, timeout: float = 10.0) -> Page:
    """Open a local HTML file, wait for it to load, and report its console errors and requests."""
    url = Path(path).resolve().as_uri()
    driver.get_log("browser")  # drain what earlier pages left
    driver.get_log("performance")
    start = time.perf_counter()
    driver.get(url)
    deadline = start + timeout
    while driver.execute_script("return document.readyState") != "complete":
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{url} did not finish loading in {timeout} s")
        time.sleep(0.02)
    loaded = time.perf_counter() - start
    return Page(url=url, console_errors=console_errors(driver), network_requests=network_requests(driver, url),
                load_seconds=loaded)


class Browser:
    """A Selenium WebDriver with the helpers above; unknown attributes go to the driver."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def __getattr__(self, name: str) -> Any:
        return getattr(self.driver, name)

    def open_html(self, path: str | Path, *, timeout: float = 10.0) -> Page:
        return open_html(self.driver, path, timeout=timeout)

    def console_errors(self) -> list[str]:
        return console_errors(self.driver)

    def network_requests(self, page_url: str | None = None) -> list[str]:
        return network_requests(self.driver, page_url)

    def leaflet_layers(self) -> dict[str, int]:
        return self.driver.execute_script(LEAFLET_LAYERS_JS)

    def map_view(self) -> dict[str, Any]:
        return self.driver.execute_script(MAP_VIEW_JS)

    view_problems = staticmethod(view_problems)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (skips if /usr/bin/chromium is absent)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install chromium and chromium-driver to run browser tests")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="geo-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    driver.get("about:blank")
    driver.get_log("browser")  # drop what the start page logged
    driver.get_log("performance")
    try:
        yield Browser(driver)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory) -> Path:
    """``pip wheel .`` then ``pip install --target``: the folder of a regular (compiled where a C
    compiler is) install, as a user gets it. Built once per session (about 2 minutes with mypyc)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    tmp = tmp_path_factory.mktemp("wheel")
    wheels, target = tmp / "wheels", tmp / "site"
    env = {k: v for k, v in os.environ.items() if k != "GEO_PURE_PYTHON"}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(root)], check=True, cwd=tmp, env=env, capture_output=True)
    wheel = next(wheels.glob("geo-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, cwd=tmp)
    return target
