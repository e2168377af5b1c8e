"""Everything from outside is data: article text, titles, file names, ids and user layers.

Template syntax (``{{ }}``, ``{% %}``, ``{# #}``, a lone ``{{``) must come out as literal
text on every route that draws a map, and never be evaluated; HTML and JS payloads must
show as text and never run. The browser half of these checks is in
``tests/test_browser.py::test_every_route_is_inert_in_a_browser``.
"""

from __future__ import annotations

import html
import json
import os

import geopandas as gpd
import pytest
from branca.element import Element
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

import geo
from geo.cli import main
from geo.gazetteer import Gazetteer
from geo.maps import LiteralElement, LiteralMacroElement, aggregate_map, notebook_html, standalone_html

CANARY = "GEO_CANARY"
#: Each payload is evaluated to something visible, or to a side effect, if it is ever read as a template.
RUNS = "{{ cycler.__init__.__globals__.os.environ.__setitem__('GEO_CANARY', 'ran') }}"
PRODUCT = "{{ 12345*54321 }}"  # would render as 670592745
TEMPLATE_PAYLOADS = [
    PRODUCT,
    "{% if true %}evaluated{% endif %}",
    "{# a Jinja comment #}",
    "{{",
    "{%",
    "{#",
    "}} %} #}",
    "{% raw %}",
    "{% endraw %}",
    RUNS,
]
MARKUP_PAYLOADS = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'img'\">",
    "</script><script>window.__pwned = 'breakout'</script>",
    "\"; window.__pwned = 'dq'; \"",
    "'; window.__pwned = 'sq'; '",
    "${window.__pwned = 'template-literal'}",
    "<svg onload=\"window.__pwned = 'svg'\">",
]
ARTICLE = ("Officials met in Yerevan on Monday " + " ".join(TEMPLATE_PAYLOADS) + ".\n"
           "Talks in Baku went on " + " ".join(MARKUP_PAYLOADS) + ".\n")


@pytest.fixture(autouse=True)
def no_canary():
    os.environ.pop(CANARY, None)
    yield
    assert CANARY not in os.environ, "a template payload ran Python"


def assert_inert(page: str) -> None:
    """The page holds no evaluated payload (the literal ones are checked by each test)."""
    assert CANARY not in os.environ
    assert "670592745" not in page
    assert "evaluated" not in page.replace("{% if true %}evaluated{% endif %}", "")


def assert_literal(page: str, payloads=("{{ 12345*54321 }}", "{% if true %}evaluated{% endif %}",
                                        "{# a Jinja comment #}")) -> None:
    for p in payloads:
        assert p in page, f"{p!r} is not in the page as text"


def hostile_layer_gazetteer() -> tuple[Gazetteer, str]:
    """A fresh gazetteer with a user layer whose names, aliases and kind carry payloads, and a text naming them."""
    layer = gpd.GeoDataFrame({
        "name": ["Tarsk Zone {{ 12345*54321 }}", "Velmor Belt <img src=x onerror=\"window.__pwned = 'layer'\">"],
        "aliases": ["{% if true %}evaluated{% endif %}|{# a Jinja comment #}", RUNS + "|<script>window.__pwned=1</script>"],
    }, geometry=[Polygon([(45, 39), (46, 39), (46, 40), (45, 40)]), Point(47.5, 39.5)], crs=4326)
    gaz = Gazetteer().with_layer(layer, kind="<b>zone</b> {{ 7*7 }}", alias_column="aliases")
    text = ("Trucks crossed Tarsk Zone {{ 12345*54321 }} near Baku. "
            "The Velmor Belt <img src=x onerror=\"window.__pwned = 'layer'\"> closed on Monday.")
    return gaz, text


# -- the mechanism ----------------------------------------------------------------------------------
def test_every_element_geo_draws_renders_literally():
    """No element geo puts on a map hands its output to branca's Element(), which would compile it."""
    m = geo.map_places(geo.geoparse(ARTICLE), title=RUNS)
    aggregate = aggregate_map(geo.geoparse_corpus([ARTICLE], scheduler="synchronous"), title=RUNS)
    for mp in (m, aggregate):
        stack = [mp]
        while stack:
            el = stack.pop()
            stack.extend(el._children.values())
            assert isinstance(el, (LiteralMacroElement, LiteralElement)), type(el)


def test_no_data_reaches_template_source():
    """After rendering, every piece of the page that branca could read as a template is ours and constant."""
    marker = "Zqxjv"
    text = f"Talks in Baku {marker} {{{{ 6*7 }}}} and Yerevan {marker}."
    m = geo.map_places(geo.geoparse(text), title=f"{marker} title")
    page = m.get_root().render()
    assert marker in page
    root = m.get_root()
    for part in (root.header, root.html, root.script):
        for child in part._children.values():
            if isinstance(child, LiteralElement):
                continue
            source = getattr(child, "_template_str", None) or ""
            assert marker not in source and "{{ 6*7 }}" not in source, type(child)


def test_literal_element_is_never_a_template():
    assert LiteralElement("{{ x }} {% if %} {#").render() == "{{ x }} {% if %} {#"
    # branca's own Element would have compiled it (and failed on the lone tag): what geo avoids.
    with pytest.raises(Exception, match="(?i)unexpected|expected"):
        Element("{% if %}")


# -- map_places: every way out ---------------------------------------------------------------------
def test_map_places_keeps_template_syntax_as_text(tmp_path):
    doc = geo.geoparse(ARTICLE)
    assert {m.text for m in doc.mentions} >= {"Yerevan", "Baku"}
    m = geo.map_places(doc, title="Title " + " ".join(TEMPLATE_PAYLOADS))
    pages = {
        "standalone": standalone_html(m),
        "repr": m._repr_html_(),
        "notebook": notebook_html(m),
        "folium": m.get_root().render(),
        "saved": geo.save_map(m, tmp_path / "map.html").read_text(encoding="utf-8"),
    }
    for route, page in pages.items():
        assert_inert(page)
        assert_literal(page), route


def test_title_is_text_on_both_maps():
    title = "{{ 12345*54321 }} {% if true %}evaluated{% endif %} {{ <script>window.__pwned=1</script>"
    page = standalone_html(geo.map_places(geo.geoparse("Talks in Baku."), title=title))
    assert_inert(page)
    assert "<title>{{ 12345*54321 }} {% if true %}evaluated{% endif %} {{ &lt;script&gt;" in page
    gdf = geo.geoparse_corpus(["Talks in Baku."], scheduler="synchronous")
    page = standalone_html(aggregate_map(gdf, title=title))
    assert_inert(page)
    assert json.dumps(title).replace("<", "\\u003c").replace(">", "\\u003e") in page


def test_user_layer_names_aliases_and_kind_are_text():
    gaz, text = hostile_layer_gazetteer()
    doc = geo.geoparse(text, gazetteer=gaz)
    assert [m.place.layer for m in doc.mentions if m.place.kind != "city"] == ["user:<b>zone</b> {{ 7*7 }}"] * 2
    page = standalone_html(geo.map_places(doc))
    assert_inert(page)
    assert_literal(page)
    assert "{{ 7*7 }}" in page and "\\u003cimg src=x" not in page  # HTML-escaped before it became JSON


def test_aggregate_map_names_are_escaped_text():
    places = gpd.GeoDataFrame({
        "place_id": ["user:a:0", "user:a:1"],
        "name": ["<img src=x onerror=\"window.__pwned='agg'\">", "{{ 12345*54321 }} {% if true %}evaluated{% endif %}"],
        "kind": ["<b>zone</b>", "{# a Jinja comment #}"], "country": ["AZ", "AM"], "admin1": [None, None],
        "mentions": [5, 2], "documents": [2, 1]}, geometry=[Point(49.9, 40.4), Point(44.5, 40.2)], crs=4326)
    m = aggregate_map(places, title="{{ 12345*54321 }}")
    page = standalone_html(m)
    assert_inert(page)
    assert_literal(page)
    tips = [f["properties"]["tip"] for layer in m._children.values() if getattr(layer, "layer_name", "") ==
            "Most mentioned places" for f in layer.data["features"]]
    assert tips[0].startswith("<b>&lt;img src=x onerror=&quot;") and "<b>zone</b>" not in tips[0]


FRAGMENTS = TEMPLATE_PAYLOADS + MARKUP_PAYLOADS + ["Baku", "Yerevan", "Paris, Texas", " in ", "Armenian", ".\n",
                                                   "{{{", "}}}", "{%-", "-%}", "\\", "`", "\u2028", "\x00"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=12).map(" ".join))
def test_any_text_maps_and_nothing_in_it_runs(text):
    doc = geo.geoparse(text)
    page = standalone_html(geo.map_places(doc) if doc.mentions else _quiet_empty_map(doc))
    assert_inert(page)
    for m in doc.mentions:  # every sentence shown is there, inert
        assert m.text in page or json.dumps(m.text)[1:-1] in page or "&" in m.text or "<" in m.text


def _quiet_empty_map(doc):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return geo.map_places(doc)


# -- the command line --------------------------------------------------------------------------------
@pytest.fixture()
def runner():
    return CliRunner()


@pytest.mark.parametrize("payload", TEMPLATE_PAYLOADS + ["{{ }}", "{% %}", "{{ x.y( }}", "{% for %}", "{{" * 50])
def test_geo_map_never_fails_on_template_syntax(runner, tmp_path, payload):
    article = tmp_path / "a.txt"
    article.write_text(f"Officials met in Yerevan and Baku {payload} on Monday.", encoding="utf-8")
    out = tmp_path / "a.html"
    result = runner.invoke(main, ["map", str(article), "-o", str(out), "--title", payload])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    page = out.read_text(encoding="utf-8")
    assert_inert(page)
    assert html.escape(payload) in page  # in the page's <title>, as text


def test_geo_corpus_map_with_hostile_file_names_and_ids(runner, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    names = ["{{ 12345*54321 }}.txt", "<img src=x onerror=alert(1)>.txt", "{% if true %}evaluated{% endif %}.md",
             "ansi\x1b[2J\x1b[31mred.txt"]
    for i, name in enumerate(names):
        (folder / name).write_text(f"Story {i}: talks in Baku and Yerevan.", encoding="utf-8")
    ids = [RUNS, PRODUCT, "<script>window.__pwned=1</script>", "id\x1b]0;title\x07\rforged"]
    lines = [json.dumps({"id": d, "text": "Ministers met in Tbilisi."}) for d in ids]
    lines.append(json.dumps({"id": "{# bad #}\x1b[31m", "text": 7}))
    (folder / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, page = tmp_path / "m.parquet", tmp_path / "corpus.html"
    result = runner.invoke(main, ["corpus", str(folder), "-o", str(out), "--map", str(page), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\r" not in result.output and "\x07" not in result.output
    assert "geo: skipped {# bad #}\\x1b[31m: text is int, not str" in result.output
    doc_ids = set(gpd.read_parquet(out)["doc_id"])
    assert {str(folder / n) for n in names} <= doc_ids and set(ids) <= doc_ids  # kept as data, exactly
    html = page.read_text(encoding="utf-8")
    assert_inert(html)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=10).map(" ".join))
def test_geo_map_never_shows_an_internal_error(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("any")
    (folder / "a.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(main, ["map", str(folder / "a.txt"), "-o", str(folder / "a.html"), "--title", text])
    assert "internal error" not in result.output
    if result.exit_code == 2:  # text that looks binary (mostly control characters) is refused, in one line
        assert result.output.startswith("geo: error:") and result.output.count("\n") == 1, result.output
        assert not (folder / "a.html").exists()
        return
    assert result.exit_code == 0, result.output
    assert_inert((folder / "a.html").read_text(encoding="utf-8"))
