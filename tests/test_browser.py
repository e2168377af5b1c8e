"""The saved map pages in a real headless Chromium: offline, drawn, clickable, and inert to injection."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from shapely.geometry import Point, Polygon

import geo
from geo import maps

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"

# Finds the Leaflet layer of the feature whose tooltip is ``name`` (in any GeoJSON layer).
FIND_LAYER_JS = """
const name = arguments[0];
for (const key of Object.keys(window)) {
    let v;
    try { v = window[key]; } catch (e) { continue; }
    if (!(v instanceof L.GeoJSON)) continue;
    let found = null;
    v.eachLayer(l => { if (l.feature && l.feature.properties.tip === name) found = l; });
    if (found) { window.__geoFound = found; window.__geoGroup = v; return true; }
}
return false;
"""

ATTACK = (
    "Protests in Baku <img src=x onerror=\"document.title='pwned'\"> spread on Monday. "
    "Police in Baku said <script>alert(1)</script> nothing. "
    "Officials in Yerevan posted <a href=\"javascript:document.title='pwned'\">a link</a> and "
    "<iframe src=\"javascript:alert(2)\"></iframe> online. "
    "Leaders met in Yerevan <svg onload=alert(3)> later."
)


@pytest.fixture(scope="module")
def example_map():
    doc = geo.geoparse(EXAMPLE.read_text(encoding="utf-8"))
    return geo.map_places(doc, title="Blinken pledges US support for Azerbaijan, Armenia peace process")


@pytest.fixture(scope="module")
def example_page(example_map, tmp_path_factory):
    return geo.save_map(example_map, tmp_path_factory.mktemp("maps") / "example.html")


@pytest.fixture(scope="module")
def attack_page(tmp_path_factory):
    m = geo.map_places(geo.geoparse(ATTACK), title="<script>document.title='pwned'</script>")
    layer = gpd.GeoDataFrame({
        "name": ["<img src=x onerror=\"document.title='pwned'\">", "javascript:alert(4)"],
        "kind": ["<b onmouseover=\"document.title='pwned'\">zone</b>", "<i>site</i>"],
        "sentences": [["<script>alert(5)</script> at the zone."], []],
    }, geometry=[Polygon([(45, 39), (46, 39), (46, 40), (45, 40)]), Point(47, 40)], crs=4326)
    geo.map_places(layer, m=m)
    return geo.save_map(m, tmp_path_factory.mktemp("maps") / "attack.html")


def click_feature(browser, name: str) -> str:
    """Click the drawn feature called ``name`` like a user would; return the popup's text."""
    assert browser.execute_script(FIND_LAYER_JS, name), f"no feature called {name!r}"
    browser.execute_script("window.__geoFound._map.closePopup()")
    path = browser.execute_script("return window.__geoFound._path")
    path.click()
    # folium binds one popup to each GeoJSON layer; it opens for the feature clicked.
    WebDriverWait(browser.driver, 3).until(lambda d: d.execute_script(
        "const g = window.__geoGroup; return g.isPopupOpen() && g.getPopup()._source === window.__geoFound"),
        f"clicking {name!r} opened no popup of its own")
    return browser.execute_script(
        "return window.__geoGroup.getPopup().getElement().querySelector('.leaflet-popup-content').innerText")


def assert_no_alert(browser) -> None:
    try:
        WebDriverWait(browser.driver, 0.3).until(expected_conditions.alert_is_present())
    except TimeoutException:
        return
    text = browser.switch_to.alert.text
    browser.switch_to.alert.dismiss()
    raise AssertionError(f"an alert ran: {text!r}")


def test_example_loads_offline_and_draws_everything(browser, example_page):
    page = browser.open_html(example_page)
    assert page.console_errors == []
    assert page.network_requests == []
    drawn = browser.leaflet_layers()
    assert drawn["maps"] == 1
    assert drawn["polygons"] >= 5  # countries, regions, the disputed area
    assert drawn["lines"] >= 1  # the Lachin corridor
    assert drawn["circles"] == 3  # Washington, Yerevan, Baku
    assert drawn["basemap"] > 100  # the offline country polygons
    assert drawn["paths"] >= drawn["polygons"] + drawn["lines"] + drawn["circles"]
    # The page opens on the Caucasus, not on the US.
    view = browser.execute_script("""
        const m = Object.values(window).find(v => v instanceof L.Map);
        const b = m.getBounds();
        return [b.contains([40.18, 44.51]), b.contains([40.38, 49.89]), b.contains([38.9, -77.0]), m.getZoom()];
    """)
    assert view[:3] == [True, True, False] and view[3] >= 4
    legend = browser.execute_script("return document.querySelector('.geo-legend').innerText")
    assert "Disputed areas" in legend and "Natural Earth" in legend and "GeoNames" in legend
    control = browser.execute_script("return document.querySelector('.leaflet-control-layers').innerText")
    assert "Cities (3)" in control and "Countries" in control


def test_clicking_a_city_shows_its_sentences(browser, example_page):
    browser.open_html(example_page)
    text = click_feature(browser, "Baku")
    assert text.startswith("Baku")
    assert "City in Azerbaijan" in text
    assert "relations between Yerevan and Baku is scheduled" in text
    marks = browser.execute_script(
        "return [...document.querySelectorAll('.leaflet-popup-content mark')].map(e => e.textContent)")
    assert marks == ["Baku", "Baku"]
    assert browser.console_errors() == []


def test_hover_highlights_and_show_all(browser, example_page):
    browser.open_html(example_page)
    browser.execute_script(FIND_LAYER_JS, "Armenia")
    before = browser.execute_script("return window.__geoFound.options.weight")
    browser.execute_script("window.__geoFound.fire('mouseover')")
    assert browser.execute_script("return window.__geoFound.options.weight") > before
    browser.execute_script("window.__geoFound.fire('mouseout')")
    assert browser.execute_script("return window.__geoFound.options.weight") == before
    browser.execute_script("document.querySelector('.geo-show-all').click()")
    WebDriverWait(browser.driver, 3).until(lambda d: d.execute_script("""
        const m = Object.values(window).find(v => v instanceof L.Map);
        return m.getBounds().contains([38.9, -77.0]) && m.getBounds().contains([40.38, 49.89]);
    """), "'Show all places' did not bring Washington into view")


def test_injected_markup_never_runs(browser, attack_page):
    page = browser.open_html(attack_page)
    assert_no_alert(browser)
    assert page.console_errors == []
    assert page.network_requests == []  # an injected <img src=x> would have asked for file:///.../x
    assert browser.execute_script("return document.title") == "<script>document.title='pwned'</script>"
    injected = browser.execute_script("""
        return document.querySelectorAll(
            'img, iframe, svg [onload], [onerror], [onmouseover], a[href^="javascript:"], .leaflet-pane b, .geo-legend b'
        ).length""")
    assert injected == 0

    # The payloads are visible as text: in popups, tooltips, the legend and the layer control.
    text = click_feature(browser, "Baku")
    assert "<img src=x onerror=\"document.title='pwned'\">" in text
    assert "<script>alert(1)</script>" in text
    text = click_feature(browser, "Yerevan")
    assert "<a href=\"javascript:document.title='pwned'\">a link</a>" in text
    assert "<svg onload=alert(3)>" in text
    text = click_feature(browser, "&lt;img src=x onerror=&quot;document.title=&#x27;pwned&#x27;&quot;&gt;")
    assert text.startswith("<img src=x onerror=")
    assert "<script>alert(5)</script> at the zone." in text
    legend = browser.execute_script("return document.querySelector('.geo-legend').innerText")
    assert "<b onmouseover=\"document.title='pwned'\">zone</b>" in legend
    control = browser.execute_script("return document.querySelector('.leaflet-control-layers').innerText")
    assert "<i>site</i>" in control
    title = browser.execute_script("return document.querySelector('.geo-title').innerText")
    assert title == "<script>document.title='pwned'</script>"
    browser.execute_script(FIND_LAYER_JS, "javascript:alert(4)")
    ActionChains(browser.driver).move_to_element(browser.execute_script("return window.__geoFound._path")).perform()
    WebDriverWait(browser.driver, 3).until(lambda d: d.execute_script(
        "const g = window.__geoGroup; return g.isTooltipOpen() && g.getTooltip()._source === window.__geoFound"))
    tooltip = browser.execute_script("return window.__geoGroup.getTooltip().getElement().innerText")
    assert tooltip.strip() == "javascript:alert(4)"

    assert_no_alert(browser)
    assert browser.execute_script("return document.title") == "<script>document.title='pwned'</script>"
    assert browser.execute_script("return document.querySelectorAll('img, iframe, [onerror]').length") == 0
    assert browser.console_errors() == []
    assert browser.network_requests() == []


def test_notebook_output_shows_the_map_offline(browser, example_map, tmp_path):
    # What a notebook (and its nbconvert HTML export) holds: the map's _repr_html_ in a page.
    page = tmp_path / "notebook.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>notebook</title></head><body>"
                    f"<div class='output'>{example_map._repr_html_()}</div></body></html>", encoding="utf-8")
    loaded = browser.open_html(page)
    assert loaded.console_errors == [] and loaded.network_requests == []
    assert "Make this Notebook Trusted" not in browser.execute_script("return document.body.innerText")
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        WebDriverWait(browser.driver, 5).until(lambda d: d.execute_script(
            "return typeof L !== 'undefined' && document.querySelectorAll('.leaflet-pane svg path').length > 100"))
        drawn = browser.leaflet_layers()
    finally:
        browser.switch_to.default_content()
    assert drawn["maps"] == 1 and drawn["circles"] == 3 and drawn["lines"] >= 1 and drawn["polygons"] >= 5
    assert browser.console_errors() == [] and browser.network_requests() == []


# -- every route that draws a map, with hostile text everywhere -------------------------------------
# Opens every feature's popup and tooltip of every GeoJSON layer (as a click and a hover would)
# and returns their texts; the payloads set window.__pwned if any of them ever runs.
OPEN_EVERYTHING_JS = """
const texts = [];
for (const key of Object.keys(window)) {
    let group;
    try { group = window[key]; } catch (e) { continue; }
    if (typeof L === "undefined" || !(group instanceof L.GeoJSON) || !group._map) continue;
    group.eachLayer(l => {
        const at = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
        for (const type of ["click", "mouseover"]) {
            l.fire(type, {latlng: at, originalEvent: {}}, true);
        }
        const popup = group.getPopup && group.getPopup();
        if (popup && group.isPopupOpen()) texts.push(popup.getElement().innerText);
        const tooltip = group.getTooltip && group.getTooltip();
        if (tooltip && group.isTooltipOpen()) texts.push(tooltip.getElement().innerText);
        l.fire("mouseout", {latlng: at, originalEvent: {}}, true);
    });
}
const chrome = [...document.querySelectorAll(".geo-legend, .leaflet-control-layers, .geo-title, .geo-map-title, "
                                            + ".geo-ramp-legend")].map(e => e.innerText);
return {texts: texts, chrome: chrome, pwned: window.__pwned === undefined ? null : String(window.__pwned),
        injected: document.querySelectorAll(
            ".leaflet-container img, .leaflet-container iframe, .leaflet-container script, [onerror], [onload]"
        ).length};
"""


def _inert_everywhere(browser) -> dict:
    result = browser.execute_script(OPEN_EVERYTHING_JS)
    assert_no_alert(browser)
    assert result["pwned"] is None, f"a payload ran: {result['pwned']}"
    assert result["injected"] == 0
    assert result["texts"], "no popup or tooltip opened"
    return result


def test_every_route_is_inert_in_a_browser(browser, tmp_path):
    from click.testing import CliRunner

    from geo.cli import main
    from geo.maps import aggregate_map
    from tests.test_security import ARTICLE, MARKUP_PAYLOADS, TEMPLATE_PAYLOADS, hostile_layer_gazetteer

    runner = CliRunner()
    # 1. geo map, with --title
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    title = "{{ 12345*54321 }} <script>window.__pwned='title'</script>"
    r = runner.invoke(main, ["map", str(article), "-o", str(tmp_path / "cli.html"), "--title", title])
    assert r.exit_code == 0, r.output
    page = browser.open_html(tmp_path / "cli.html")
    assert page.console_errors == [] and page.network_requests == []
    seen = _inert_everywhere(browser)
    shown = "\n".join(seen["texts"] + seen["chrome"])
    for payload in TEMPLATE_PAYLOADS + MARKUP_PAYLOADS:
        assert payload.strip() in shown, payload
    assert title in seen["chrome"][-1] and browser.execute_script("return document.title") == title

    # 2. a user layer whose names, aliases and kind carry payloads, saved with save_map
    gaz, text = hostile_layer_gazetteer()
    geo.save_map(geo.map_places(geo.geoparse(text, gazetteer=gaz)), tmp_path / "layer.html")
    page = browser.open_html(tmp_path / "layer.html")
    assert page.console_errors == [] and page.network_requests == []
    seen = _inert_everywhere(browser)
    shown = "\n".join(seen["texts"] + seen["chrome"])
    assert "Tarsk Zone {{ 12345*54321 }}" in shown and "{% if true %}evaluated{% endif %}" in shown
    assert "<b>zone</b> {{ 7*7 }}" in shown  # the kind, in the legend and the layer control

    # 3. map_places(...)._repr_html_(), as a notebook and its nbconvert export show it
    m = geo.map_places(geo.geoparse(ARTICLE), title=title)
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>nb</title></head><body>"
                        f"{m._repr_html_()}</body></html>", encoding="utf-8")
    page = browser.open_html(notebook)
    assert page.console_errors == []
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        WebDriverWait(browser.driver, 5).until(lambda d: d.execute_script("return typeof L !== 'undefined'"))
        seen = _inert_everywhere(browser)
    finally:
        browser.switch_to.default_content()
    assert any("{{ 12345*54321 }}" in t for t in seen["texts"])

    # 4. aggregate_map(title=...) of places with hostile names, and 5. geo corpus --map with hostile file names
    places = gpd.GeoDataFrame({
        "place_id": ["user:a:0", "user:a:1"], "name": ["<img src=x onerror=\"window.__pwned='agg'\">", title],
        "kind": ["<b>zone</b>", "{# c #}"], "country": ["AZ", "AM"], "admin1": [None, None],
        "mentions": [5, 2], "documents": [2, 1]}, geometry=[Point(49.9, 40.4), Point(44.5, 40.2)], crs=4326)
    geo.save_map(aggregate_map(places, title=title), tmp_path / "aggregate.html")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "{{ 12345*54321 }}.txt").write_text("Talks in Baku {{ 6*7 }}.", encoding="utf-8")
    (folder / "<img src=x onerror=alert(1)>.txt").write_text("Talks in Yerevan.", encoding="utf-8")
    r = runner.invoke(main, ["corpus", str(folder), "-o", str(tmp_path / "m.parquet"), "--map",
                             str(tmp_path / "corpus.html"), "--workers", "1"])
    assert r.exit_code == 0, r.output
    for name in ("aggregate.html", "corpus.html"):
        page = browser.open_html(tmp_path / name)
        assert page.console_errors == [] and page.network_requests == []
        seen = _inert_everywhere(browser)
        if name == "aggregate.html":
            shown = "\n".join(seen["texts"] + seen["chrome"])
            assert "<img src=x onerror=\"window.__pwned='agg'\">" in shown and title in shown
    assert browser.console_errors() == []


# -- the opening view in a notebook's frame: whenever it is laid out, whatever its size -------------

FRAME_PAGE = """<!DOCTYPE html><html><head><meta charset='utf-8'><title>notebook</title></head><body>
<div id='cell' style='{style}'>{frame}</div></body></html>"""


def _frame_view(browser, page: Path) -> dict:
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        WebDriverWait(browser.driver, 5).until(lambda d: d.execute_script(
            "return typeof L !== 'undefined' && document.readyState === 'complete'"))
        browser.execute_script("return new Promise(r => setTimeout(r, 250))")
        return browser.map_view()
    finally:
        browser.switch_to.default_content()


def _in_view(view: dict, *names: str) -> bool:
    seen = {p["name"] for p in view["places"] if p["seen"]}
    return all(n in seen for n in names)


@pytest.mark.parametrize("hidden", ["display:none", "width:0;height:0;overflow:hidden"])
def test_view_fits_once_the_notebook_frame_gets_its_size(browser, example_map, tmp_path, hidden):
    # JupyterLab, VS Code and nbviewer may run the map's scripts before its frame is laid out.
    page = tmp_path / "late.html"
    page.write_text(FRAME_PAGE.format(style=hidden, frame=example_map._repr_html_()), encoding="utf-8")
    browser.open_html(page)
    before = _frame_view(browser, page)
    assert not _in_view(before, "Yerevan", "Baku")  # nothing to see yet: the frame has no size
    browser.execute_script("document.getElementById('cell').style.cssText = 'width:900px;height:auto'")
    after = _frame_view(browser, page)
    assert _in_view(after, "Yerevan", "Baku", "Nagorno-Karabakh", "Lachin corridor"), after
    assert after["zoom"] >= 5
    assert browser.view_problems(after) == []
    assert browser.console_errors() == []


def test_view_fits_again_on_resize_until_the_reader_moves_the_map(browser, example_map, tmp_path):
    page = tmp_path / "resize.html"
    page.write_text(FRAME_PAGE.format(style="width:1000px", frame=example_map._repr_html_()), encoding="utf-8")
    browser.open_html(page)
    wide = _frame_view(browser, page)
    browser.execute_script("document.getElementById('cell').style.width = '520px'")
    narrow = _frame_view(browser, page)
    assert _in_view(narrow, "Yerevan", "Baku") and browser.view_problems(narrow) == [], narrow
    assert narrow["zoom"] <= wide["zoom"]
    # Once the reader zooms, a resize keeps their view.
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        browser.find_element("css selector", ".leaflet-control-zoom-in").click()
        ActionChains(browser.driver).move_to_element(browser.find_element("css selector", ".leaflet-container")) \
            .click_and_hold().move_by_offset(120, 40).release().perform()
        zoomed = browser.map_view()
    finally:
        browser.switch_to.default_content()
    browser.execute_script("document.getElementById('cell').style.width = '700px'")
    after = _frame_view(browser, page)
    assert after["zoom"] == zoomed["zoom"] and after["zoom"] != narrow["zoom"]


@pytest.mark.parametrize("size", [(420, 300), (640, 360), (1100, 480)])
def test_no_place_opens_under_a_control(browser, tmp_path, size):
    # Notebook 02's story: cities down to the legend's corner of the map.
    doc = geo.geoparse(
        "Georgia's government said freight through the port of Poti rose, as containers from China avoid "
        "the northern route through Russia. Trucks unloading in Batumi continue to Tbilisi and on to Baku, "
        "where ferries cross the Caspian Sea to Aktau in Kazakhstan. Officials in Ankara hope the rail link "
        "through Kars will carry part of that traffic.")
    m = geo.map_places(doc, title="My article")
    width, height = size
    page = tmp_path / "small.html"
    page.write_text(FRAME_PAGE.format(style=f"width:{width}px", frame=maps.notebook_html(m, height=f"{height}px")),
                    encoding="utf-8")
    browser.open_html(page)
    view = _frame_view(browser, page)
    assert browser.view_problems(view) == [], view
    assert _in_view(view, "Ankara", "Baku", "Batumi")
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        folded = browser.execute_script("return [!!document.querySelector('.geo-legend.geo-collapsed'), "
                                        "!document.querySelector('.leaflet-control-layers-expanded')]")
        if folded[0]:  # a click on the legend's title opens it again
            browser.find_element("css selector", ".geo-legend-title").click()
            assert browser.execute_script("return !document.querySelector('.geo-legend.geo-collapsed')")
    finally:
        browser.switch_to.default_content()
    # A small map folds both; a large one keeps its legend open (the layer control folds on any
    # map when that gives a closer view, as the fit's docstring says).
    assert folded[0] == (width < 480) or 480 <= width <= 900
    assert folded[1] or width >= 480


def test_show_all_on_a_notebook_sized_map_keeps_the_legend_open(browser, example_map, tmp_path):
    page = tmp_path / "compact.html"
    page.write_text(FRAME_PAGE.format(style="width:700px", frame=example_map._repr_html_()), encoding="utf-8")
    browser.open_html(page)
    _frame_view(browser, page)
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        if browser.execute_script("return !!document.querySelector('.geo-legend.geo-collapsed')"):
            browser.find_element("css selector", ".geo-legend-title").click()
        browser.find_element("css selector", ".geo-show-all").click()
        browser.execute_script("return new Promise(r => setTimeout(r, 200))")
        view = browser.map_view()
        still_open = browser.execute_script("return !document.querySelector('.geo-legend.geo-collapsed')")
        browser.find_element("css selector", ".geo-show-focus").click()
        back = browser.map_view()
    finally:
        browser.switch_to.default_content()
    assert still_open
    assert _in_view(view, "Washington", "Baku")
    assert _in_view(back, "Yerevan", "Baku") and not _in_view(back, "Washington")
