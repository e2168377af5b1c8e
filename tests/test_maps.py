"""geo.maps: layers, legend, bounds, escaping, offline HTML and atomic saving (no browser)."""

from __future__ import annotations

import copy
import os
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import GeometryCollection, LineString, Point, Polygon

import geo
from geo import maps
from geo.errors import GeoError, InputError

EXAMPLE = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"
YEREVAN = (40.1777, 44.5126)
BAKU = (40.3777, 49.8920)
PAYLOADS = ('<script>alert(1)</script>', '<img src=x onerror="document.title=\'pwned\'">',
            '<a href="javascript:alert(1)">click</a>')


@pytest.fixture(scope="module")
def doc():
    return geo.geoparse(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example_map(doc):
    return geo.map_places(doc, title="Blinken pledges US support")


@pytest.fixture(scope="module")
def example_html(example_map):
    return maps.standalone_html(example_map)


def payload_frame() -> gpd.GeoDataFrame:
    """A user layer whose every string is an injection attempt."""
    return gpd.GeoDataFrame({
        "name": ['<script>alert("name")</script>', '<img src=x onerror=alert(2)>', "javascript:alert(3)"],
        "kind": ["<b onmouseover=alert(4)>zone</b>", "city", "corridor"],
        "country": ['"><script>alert(5)</script>', None, "AZ"],
        "sentences": [[("Rally at <script>alert(1)</script> HQ today.", "HQ")], [], ["<iframe src=javascript:x>"]],
        "aliases": [["<svg onload=alert(6)>"], None, None],
    }, geometry=[Polygon([(44, 40), (45, 40), (45, 41), (44, 41)]), Point(49.8, 40.4),
                 LineString([(46.5, 39.5), (46.8, 39.9)])], crs=4326)


def layer_features(m) -> dict[str, list[dict]]:
    return {kind: layer.data["features"] for kind, layer in m.kind_layers.items()}


def children(element):
    yield element
    for c in element._children.values():
        yield from children(c)


# -- layers, legend, popups -------------------------------------------------------------------


def test_one_geojson_layer_per_kind(doc, example_map):
    kinds = set(doc.places["kind"])
    assert {"country", "city", "disputed", "corridor", "region"} <= kinds
    assert set(example_map.kind_layers) == kinds
    for layer in example_map.kind_layers.values():
        assert isinstance(layer, folium.GeoJson)
    geojson = [c for c in example_map._children.values() if isinstance(c, folium.GeoJson)]
    assert len(geojson) == len(kinds)
    assert not [c for c in children(example_map) if isinstance(c, (folium.Marker, folium.Icon))]
    features = layer_features(example_map)
    assert {f["geometry"]["type"] for f in features["city"]} == {"Point"}
    assert {f["geometry"]["type"] for f in features["corridor"]} <= {"LineString", "MultiLineString"}
    assert {f["geometry"]["type"] for f in features["country"]} <= {"Polygon", "MultiPolygon"}


def test_layer_control_lists_each_kind(example_map, example_html):
    controls = [c for c in example_map._children.values() if isinstance(c, folium.LayerControl)]
    assert len(controls) == 1
    overlays = controls[0].overlays
    assert len(overlays) == len(example_map.kind_layers)
    assert any(name.startswith("Cities (3)") for name in overlays)
    assert "L.control.layers(" in example_html


def test_styles_by_kind(example_map):
    def style(kind):
        layer = example_map.kind_layers[kind]
        return [layer.style_function(f) for f in layer.data["features"]]

    disputed = style("disputed")[0]
    assert disputed["dashArray"] and disputed["fillColor"].startswith("url(#geo-hatch")
    assert style("country")[0]["fillColor"] != style("region")[0]["fillColor"]
    assert "fillColor" not in style("corridor")[0]
    cities = {f["properties"]["tip"]: example_map.kind_layers["city"].style_function(f)["radius"]
              for f in example_map.kind_layers["city"].data["features"]}
    assert cities["Baku"] > cities["Yerevan"]  # Baku is mentioned twice, Yerevan once
    hover = example_map.kind_layers["country"].highlight_function(example_map.kind_layers["country"].data["features"][0])
    assert hover["weight"] > style("country")[0]["weight"]


def test_legend_and_attribution(example_map, example_html):
    legends = [c for c in example_map._children.values() if isinstance(c, maps.Legend)]
    assert len(legends) == 1
    content = legends[0].content
    for label in ("Countries", "Cities", "Disputed areas", "Corridors", "Regions"):
        assert label in content
    assert "Natural Earth" in content and "GeoNames" in content
    assert "United States of America" in content  # listed as farther away, with a "show all" button
    assert "geo-show-all" in content
    assert "addAttribution" in example_html and "Natural Earth" in example_html


def test_popups(doc, example_map):
    places = doc.places.set_index("name")
    popups = {f["properties"]["tip"]: f["properties"]["popup"] for fs in layer_features(example_map).values()
              for f in fs}
    baku = popups["Baku"]
    assert "City in Azerbaijan (AZ)" in baku
    assert f"Mentioned {places.loc['Baku', 'mentions']} times" in baku
    assert "Also called:" in baku and baku.count(",") < 12  # a few other names, not hundreds
    assert baku.count("<li>") == len(set(places.loc["Baku", "sentences"]))
    assert "between Yerevan and <mark>Baku</mark> is scheduled" in baku
    armenia = popups["Armenia"]
    assert f"Mentioned {places.loc['Armenia', 'mentions']} times" in armenia
    assert "<mark>Armenia</mark>" in armenia
    assert popups["Nagorno-Karabakh"].count("<li>") >= 1  # every place lists its sentences
    for popup in popups.values():
        assert popup.count("<li>") == popup.count("</li>") and "<mark>" in popup


# Markup a popup may contain: geo's own tags, nothing from the text.
ALLOWED_TAGS = {"div", "ol", "li", "mark"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(name=st.text(min_size=1, max_size=30), sentence=st.text(max_size=80),
       alias=st.text(alphabet="<>&\"'=/ abcjs:", min_size=1, max_size=20))
def test_popup_markup_comes_only_from_geo(name, sentence, alias):
    gdf = gpd.GeoDataFrame({"name": [name], "kind": ["<k>"], "sentences": [[sentence + " " + name]],
                            "aliases": [[alias]]}, geometry=[Point(44.5, 40.2)], crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = geo.map_places(gdf)
    feature = next(iter(m.kind_layers.values())).data["features"][0]["properties"]
    parsed = _Tags()
    parsed.feed(feature["popup"])
    assert parsed.tags <= ALLOWED_TAGS and parsed.attrs <= {"class"}
    assert name.strip() in "".join(parsed.text) or not name.strip()
    tip = _Tags()
    tip.feed(feature["tip"])
    assert tip.tags == set() and "".join(tip.text) == name


def test_strings_are_escaped():
    m = geo.map_places(payload_frame(), title='<script>alert("title")</script>')
    popups = [f["properties"]["popup"] for fs in layer_features(m).values() for f in fs]
    tips = [f["properties"]["tip"] for fs in layer_features(m).values() for f in fs]
    joined = "".join(popups + tips)
    for raw in ("<script", "<img", "<svg", "<iframe", "<b ", "<a "):
        assert raw not in joined
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>HQ</mark>" in joined
    assert "&lt;svg onload=alert(6)&gt;" in joined
    assert "javascript:alert(3)" in tips  # text, never a link
    legend = next(c for c in m._children.values() if isinstance(c, maps.Legend))
    assert "&lt;b onmouseover=alert(4)&gt;zone&lt;/b&gt;" in legend.content and "<b " not in legend.content
    assert legend.title == '<script>alert("title")</script>'  # set as the title box's textContent
    assert m.get_root().title == "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;"  # the page's <title>
    names = [c.layer_name for c in m._children.values() if isinstance(c, folium.GeoJson)]
    assert any(n.startswith("&lt;b onmouseover") for n in names)
    page = maps.standalone_html(m)
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<b onmouseover", "<iframe src"):
        assert raw not in page


def test_empty_input_warns_and_says_so():
    with pytest.warns(UserWarning, match="no places"):
        m = geo.map_places(geo.geoparse("Nothing here."))
    legend = next(c for c in m._children.values() if isinstance(c, maps.Legend))
    assert "No places were found" in legend.notice
    assert m.kind_layers == {}
    with pytest.warns(UserWarning, match="no places"):
        geo.map_places(gpd.GeoDataFrame({"name": [], "kind": []}, geometry=[], crs=4326))
    assert "No places were found" in maps.standalone_html(m)


def test_rejects_bad_input():
    with pytest.raises(InputError):
        geo.map_places("Baku")
    with pytest.raises(InputError, match="valid"):
        geo.map_places(payload_frame(), colour="red")
    with pytest.raises(InputError, match="colour"):
        geo.map_places(payload_frame(), colors={"city": 'red" onload="x'})
    with pytest.raises(InputError, match="tiles"):
        geo.map_places(payload_frame(), tiles="No Such Provider At All")


# -- bounds ----------------------------------------------------------------------------------------


def contains(bounds, lat, lon):
    (s, w), (n, e) = bounds
    return s <= lat <= n and w <= lon <= e


def test_caucasus_story_opens_on_the_caucasus(doc, example_map):
    assert "United States of America" in set(doc.places["name"])
    fit = next(c for c in example_map._children.values() if isinstance(c, maps.FitView))
    for bounds in (example_map.focus_bounds, tuple(map(tuple, fit.bounds)), maps.focus_bounds(doc)):
        assert contains(bounds, *YEREVAN) and contains(bounds, *BAKU)
        (s, w), (n, e) = bounds
        assert w > 30 and e < 60 and s > 30 and n < 50  # not the US, not all of Russia
    assert contains(example_map.all_bounds, 38.9, -77.0)  # Washington stays reachable: "show all"


def test_focus_rule_edge_cases():
    gaz = geo.load_gazetteer()
    russia = gaz.lookup("Russia", kind="country")[0]
    kyiv = gaz.lookup("Kyiv")[0]
    usa = gaz.lookup("United States", kind="country")[0]

    def frame(places, mentions):
        return gpd.GeoDataFrame({"name": [p.name for p in places], "kind": [p.kind for p in places],
                                 "mentions": mentions, "lat": [p.lat for p in places],
                                 "lon": [p.lon for p in places]},
                                geometry=[p.geometry for p in places], crs=4326)

    # One huge country alone: all of its main part (not a point).
    (s, w), (n, e) = maps.focus_bounds(frame([russia], [1]))
    assert e - w > 100
    # Kyiv and Russia: the city's neighbourhood, not Russia to the Pacific.
    (s, w), (n, e) = maps.focus_bounds(frame([kyiv, russia], [3, 1]))
    assert contains(((s, w), (n, e)), kyiv.lat, kyiv.lon) and e < 60
    # The United States: the lower 48, not Alaska or Guam.
    (s, w), (n, e) = maps.focus_bounds(frame([usa], [1]))
    assert -130 < w < -120 and n < 50
    # A tie goes to the place mentioned first.
    two = frame([kyiv, usa], [1, 1])
    two["first"] = [50, 10]
    assert maps.focus_bounds(two)[0][1] < -100


# -- input handling ------------------------------------------------------------------------------


def test_plain_geodataframe_gets_defaults_and_is_not_mutated():
    gdf = gpd.GeoDataFrame({"name": ["Route", "Camp"], "kind": ["pipeline", "camp"]},
                           geometry=[LineString([(44, 40), (49, 40.5)]), Point(45, 40)], crs=4326)
    before = copy.deepcopy(gdf)
    m = geo.map_places(gdf, colors={"pipeline": "#123456"})
    pd.testing.assert_frame_equal(gdf, before)
    assert list(gdf.columns) == ["name", "kind", "geometry"]
    assert set(m.kind_layers) == {"pipeline", "camp"}
    line = m.kind_layers["pipeline"]
    assert line.style_function(line.data["features"][0])["color"] == "#123456"
    popup = line.data["features"][0]["properties"]["popup"]
    assert "Route" in popup and "Mentioned" not in popup  # no counts in a plain layer


def test_missing_and_mixed_geometries():
    gdf = gpd.GeoDataFrame({"name": ["a", "b", "c"], "kind": ["zone", "zone", "zone"]},
                           geometry=[None, GeometryCollection([Point(45, 40), Polygon([(44, 39), (45, 39), (45, 40)])]),
                                     Point(46, 40)], crs=4326)
    with pytest.warns(UserWarning, match="1 places have no geometry"):
        m = geo.map_places(gdf)
    types = [f["geometry"]["type"] for f in m.kind_layers["zone"].data["features"]]
    assert types == ["Polygon", "Point"]


def test_document_places_frame_not_mutated_and_reprojected(doc):
    places = doc.places.drop(columns=["place"]).to_crs(3857)
    before = places.copy()
    m = geo.map_places(places)
    pd.testing.assert_frame_equal(places, before)
    assert places.crs.to_epsg() == 3857
    assert contains(m.focus_bounds, *BAKU)


def test_draws_onto_an_existing_map(doc):
    m = geo.map_places(doc)
    same = geo.map_places(payload_frame(), m=m)
    assert same is m
    assert len([c for c in m._children.values() if isinstance(c, folium.LayerControl)]) == 1
    assert len([c for c in m._children.values() if isinstance(c, maps.Legend)]) == 1
    assert len([c for c in m._children.values() if isinstance(c, maps.Basemap)]) == 1
    names = [c.layer_name for c in m._children.values() if isinstance(c, folium.GeoJson)]
    assert len(names) == len(set(names))


def test_web_tiles_are_a_switchable_base_layer(doc):
    m = geo.map_places(doc, tiles="OpenStreetMap")
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    basemap = [c for c in m._children.values() if isinstance(c, maps.Basemap)]
    assert len(tiles) == 1 and not tiles[0].overlay and tiles[0].control
    assert len(basemap) == 1 and not basemap[0].overlay and basemap[0].control and not basemap[0].show
    page = maps.standalone_html(m)
    assert "tile.openstreetmap.org" in page  # the user's choice: only the tiles come from the network
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=", page)


# -- self-contained HTML, saving -----------------------------------------------------------------


def test_page_is_self_contained(example_html):
    assert not re.search(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=", example_html)
    markup = re.sub(r"<script>.*?</script>", "", example_html, flags=re.S)  # links in code are not loads
    assert not re.search(r"\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", markup)
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", example_html)
    assert not re.search(r"<(?:img|iframe|script)[^>]*src=", example_html.split("L.map(")[1])
    for cdn in ("cdn.jsdelivr", "code.jquery", "cdnjs", "bootstrap", "font-awesome", "fontawesome"):
        assert cdn not in example_html.lower()
    assert "Leaflet 1.9.3" in example_html and "jQuery v3.7.1" in example_html
    assert "sourceMappingURL" not in example_html
    assert "Make this Notebook Trusted" not in example_html


def test_assets_set_on_the_instance_not_the_class(example_map):
    before = list(folium.Map.default_js), list(folium.Map.default_css)
    geo.map_places(geo.geoparse("Talks in Baku."))
    assert (folium.Map.default_js, folium.Map.default_css) == before  # every later folium map is unchanged
    assert [n for n, _ in example_map.default_js] == ["leaflet", "jquery"]
    assert [n for n, _ in example_map.default_css] == ["leaflet_css"]
    assert "default_js" in vars(example_map)


def test_save_map_writes_one_small_file(example_map, tmp_path):
    out = geo.save_map(example_map, tmp_path / "map.html")
    assert out == tmp_path / "map.html" and out.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]
    size = out.stat().st_size
    assert size <= 1_500_000, f"{size} bytes"
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", page)


def test_plain_folium_map_saves_offline(tmp_path):
    m = folium.Map(tiles=None)
    folium.CircleMarker([40.4, 49.9], radius=5).add_to(m)
    folium.Marker([40.2, 44.5]).add_to(m)  # a default marker: its icon becomes a data: URI
    page = geo.save_map(m, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert "bootstrap" not in page.lower() and "L.Icon.Default.imagePath" in page
    assert len(folium.Map.default_js) == 4  # the class is untouched


def test_icon_markers_fail_loudly_and_write_nothing(tmp_path):
    m = folium.Map(tiles=None)
    folium.Marker([40.2, 44.5], icon=folium.Icon(icon="info-sign")).add_to(m)
    with pytest.raises(maps.OfflineAssetError, match="bootstrap") as err:
        geo.save_map(m, tmp_path / "icons.html")
    assert isinstance(err.value, GeoError)
    assert list(tmp_path.iterdir()) == []


def test_urls_in_the_story_are_text_but_remote_overlays_fail(tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["Baku"], "kind": ["city"],
                            "sentences": [["See https://example.com/a.png and url(https://example.com/b.png)."]]},
                           geometry=[Point(49.9, 40.4)], crs=4326)
    page = geo.save_map(geo.map_places(gdf), tmp_path / "ok.html").read_text(encoding="utf-8")
    assert "https://example.com/a.png" in page
    m = geo.map_places(gdf)
    folium.raster_layers.ImageOverlay("https://example.com/overlay.png", bounds=[[40, 49], [41, 50]]).add_to(m)
    with pytest.raises(maps.OfflineAssetError, match="overlay.png"):
        geo.save_map(m, tmp_path / "overlay.html")
    assert not (tmp_path / "overlay.html").exists()


def test_save_is_atomic(example_map, tmp_path, monkeypatch):
    target = tmp_path / "map.html"
    target.write_text("old", encoding="utf-8")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)  # what write_text_atomic moves the page with
    with pytest.raises(OSError, match="disk full"):
        geo.save_map(example_map, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]  # no temp file left behind


def test_save_refuses_missing_folder(example_map, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        geo.save_map(example_map, tmp_path / "missing" / "map.html")
    with pytest.raises(InputError, match="folder"):
        geo.save_map(example_map, tmp_path)
    assert not (tmp_path / "missing").exists()


def test_placesmap_save_goes_through_save_map(example_map, tmp_path):
    example_map.save(str(tmp_path / "via-save.html"))
    page = (tmp_path / "via-save.html").read_text(encoding="utf-8")
    assert "<script src=" not in page


# -- notebooks and speed ---------------------------------------------------------------------------


def test_notebook_repr_is_self_contained(example_map):
    out = example_map._repr_html_()
    assert out.startswith("<iframe srcdoc=") and out == maps.notebook_html(example_map)
    assert "Make this Notebook Trusted" not in out
    assert "&lt;script src=" not in out and "cdn.jsdelivr" not in out
    assert 'sandbox="allow-scripts' in out


def test_geo_exports():
    assert geo.map_places is maps.map_places and geo.save_map is maps.save_map
    assert os.path.basename(os.path.dirname(maps.__file__)) == "maps"  # a package: geo/maps/


def test_polygons_with_several_holes_of_different_lengths_draw():
    # Armenia holds Azerbaijani exclaves: its outline has holes of different lengths.
    m = geo.map_places(geo.geoparse("Protests in Batumi. Talks in Yerevan, Armenia."))
    assert "Armenia" in m.get_root().render()


# -- drawing onto a map again; corpus tables; polygons with many holes ----------------------------


def _legend_labels(m) -> list[str]:
    legend = next(c for c in m._children.values() if isinstance(c, maps.Legend))
    return [label for label, *_ in legend.entries]


def test_a_kind_drawn_again_is_one_layer_and_one_legend_row(doc):
    m = geo.map_places(doc)
    regions_before = len(m.kind_layers["region"].data["features"])
    gaz = geo.load_gazetteer()
    caucasus = gaz.lookup("Caucasus", kind="region")[0]
    already = doc.places[doc.places["kind"] == "region"].iloc[:1]  # a place the map already shows
    extra = gpd.GeoDataFrame({"name": [caucasus.name, already["name"].iloc[0]], "kind": ["region", "region"],
                              "id": [caucasus.id, already["id"].iloc[0]]},
                             geometry=[caucasus.geometry, already.geometry.iloc[0]], crs=4326)
    order = list(m.kind_layers)
    assert geo.map_places(extra, m=m) is m
    features = m.kind_layers["region"].data["features"]
    assert len(features) == regions_before + 1  # South Caucasus added, the region already drawn not twice
    assert [f["properties"]["tip"] for f in features].count(caucasus.name) == 1
    labels = _legend_labels(m)
    assert len(labels) == len(set(labels))
    names = [c.layer_name for c in m._children.values() if isinstance(c, folium.GeoJson) and c.control]
    assert len(names) == len(set(names)) and len([n for n in names if n.startswith("Regions")]) == 1
    assert f"Regions ({regions_before + 1})" in names
    assert list(m.kind_layers) == order  # the layer keeps its place in the stack and in the layer control
    ids = [f["id"] for layer in m.kind_layers.values() for f in layer.data["features"]]
    assert len(ids) == len(set(ids))


def test_a_user_kind_keeps_its_colour_when_drawn_again():
    first = gpd.GeoDataFrame({"name": ["A"], "kind": ["camp"]}, geometry=[Point(45, 40)], crs=4326)
    second = gpd.GeoDataFrame({"name": ["B", "C"], "kind": ["camp", "depot"]},
                              geometry=[Point(46, 40), Point(47, 40)], crs=4326)
    m = geo.map_places(first)
    colour = m.kind_layers["camp"].style_function(m.kind_layers["camp"].data["features"][0])["fillColor"]
    geo.map_places(second, m=m)
    camps = m.kind_layers["camp"]
    assert {camps.style_function(f)["fillColor"] for f in camps.data["features"]} == {colour}
    depots = m.kind_layers["depot"]
    assert depots.style_function(depots.data["features"][0])["fillColor"] != colour


@pytest.fixture(scope="module")
def corpus():
    return geo.geoparse_corpus(sorted((EXAMPLE.parent / "corpus").glob("*.txt")), scheduler="synchronous")


def test_a_corpus_table_maps_in_one_call(corpus, tmp_path):
    from geo.corpus import summarise_places, write_corpus

    before = corpus.copy()
    m = geo.map_places(corpus, title="Corpus")
    pd.testing.assert_frame_equal(corpus, before)
    features = {f["properties"]["tip"]: f for layer in m.kind_layers.values() for f in layer.data["features"]}
    places = summarise_places(corpus)
    assert sum(len(layer.data["features"]) for layer in m.kind_layers.values()) == len(places)
    georgias = [k for k, layer in m.kind_layers.items() for f in layer.data["features"]
                if f["properties"]["tip"] == "Georgia"]
    assert sorted(georgias) == ["admin1", "country"]  # the country and the US state, each with its shape
    assert features["Armenia"]["geometry"]["type"] in ("Polygon", "MultiPolygon")  # the shape, not a point
    top = places.iloc[0]
    assert f"Mentioned {top['mentions']} times" in features[top["name"]]["properties"]["popup"]
    # The same from the places table, and from the GeoParquet files that `geo corpus` writes.
    same = geo.map_places(places)
    assert {f["properties"]["tip"] for layer in same.kind_layers.values() for f in layer.data["features"]} \
        == set(features)
    run = write_corpus(sorted((EXAMPLE.parent / "corpus").glob("*.txt")), tmp_path / "m.parquet",
                       scheduler="synchronous")
    for path in (run.outputs["mentions"], run.outputs["places"]):
        read = geo.map_places(gpd.read_parquet(path))
        assert {f["properties"]["tip"] for layer in read.kind_layers.values() for f in layer.data["features"]} \
            == set(features)


def test_polygons_with_many_holes_draw_with_their_holes():
    # Armenia (Azerbaijani exclaves), Kyrgyzstan, Egypt, Oromiya: several holes each, with the
    # detail box of the view cutting through them, as on a corpus map.
    gaz = geo.load_gazetteer()
    shapes = {name: gaz.lookup(name, kind=kind)[0] for name, kind in
              (("Armenia", "country"), ("Kyrgyzstan", "country"), ("Egypt", "country"), ("Oromiya", "admin1"))}
    square = [(0, 0), (4, 0), (4, 4), (0, 4)]
    holes = [[(0.5, 0.5), (1, 0.5), (1, 1), (0.5, 1)], [(2, 2), (3, 2), (3.5, 2.5), (3, 3), (2, 3)],
             [(3.2, 0.2), (3.8, 0.2), (3.8, 0.8)]]
    synthetic = Polygon(square, holes)
    gdf = gpd.GeoDataFrame({"name": [*shapes, "Made-up zone", "Tiny camp"], "kind": ["country"] * 3 + ["admin1", "zone", "camp"]},
                           geometry=[p.geometry for p in shapes.values()] + [synthetic, Point(44.5, 40.2)], crs=4326)
    for frame in (gdf, gdf.iloc[[0, 5]], gdf.iloc[[3, 4]]):  # different views, so different detail boxes
        m = geo.map_places(frame)
        for layer in m.kind_layers.values():
            for f in layer.data["features"]:
                if f["properties"]["tip"] in ("Armenia", "Kyrgyzstan", "Made-up zone"):
                    polygons = f["geometry"]["coordinates"]
                    polygons = [polygons] if f["geometry"]["type"] == "Polygon" else polygons
                    assert max(len(rings) for rings in polygons) >= 3, f["properties"]["tip"]  # outline + 2 holes
        maps.standalone_html(m)


def test_gazetteer_places_map_directly():
    gaz = geo.load_gazetteer()
    lachin = gaz.lookup("Lachin")
    m = geo.map_places(lachin)
    assert sorted(m.kind_layers) == ["admin1", "city"]
    popup = m.kind_layers["city"].data["features"][0]["properties"]["popup"]
    assert "Lachin" in popup and "Mentioned" not in popup
    assert list(geo.map_places(gaz.place("corridor:lachin")).kind_layers) == ["corridor"]
    with pytest.warns(UserWarning, match="no places to draw"):
        geo.map_places([])
    with pytest.raises(InputError, match="not str"):
        geo.map_places("Lachin")


def _same_page(a: str, b: str) -> bool:
    """Two pages that differ at most in folium's random element ids."""
    def ids(page: str) -> str:
        seen: dict[str, str] = {}
        return re.sub(r"[0-9a-f]{32}", lambda mt: seen.setdefault(mt.group(), f"id{len(seen)}"), page)
    return ids(a) == ids(b)


def test_documents_draw_as_their_places_frame_does(doc):
    """A Document, or several articles, are drawn from plain rows (no pandas): the same page as
    from ``doc.places`` and ``merge_places``, the GeoDataFrames."""
    from geo.texts import geoparse_text, merge_places

    texts = sorted((EXAMPLE.parent / "corpus").glob("*.txt"))
    articles = [geoparse_text(p.read_text(encoding="utf-8"), name=p.name) for p in texts]
    cases = [(doc, doc.places, {}), (articles, merge_places(articles), {"title": "Six <b>{{ 6*7 }}</b>"}),
             (articles[1:3], merge_places(articles[1:3]), {"tiles": "OpenStreetMap"})]
    for data, frame, kw in cases:
        a, b = maps.standalone_html(geo.map_places(data, **kw)), maps.standalone_html(geo.map_places(frame, **kw))
        assert "geo-popup-name" in a and _same_page(a, b)
    assert not _same_page(maps.standalone_html(geo.map_places(articles[1:3])),
                          maps.standalone_html(geo.map_places(articles[1:2])))


def test_the_prebuilt_basemap_is_the_one_made_from_the_layers(tmp_path):
    from geo.gazetteer import Gazetteer
    from geo.maps import detail

    gaz = geo.load_gazetteer()
    prebuilt = detail._read_countries(gaz, gaz.folder / detail.BASEMAP_FILE, gaz.layers_hash)
    assert prebuilt is not None, "shapes/index-basemap.json is missing or stale: run scripts/build_shapes.py"
    made = detail._make_countries(gaz)
    assert prebuilt.rows == made.rows and prebuilt.coarse == made.coarse and len(made.rows) > 200
    assert (prebuilt.bounds == made.bounds).all()
    box, fine = detail._detail_box(((38.0, 44.0), (42.0, 50.0)))
    assert detail._basemap_geojson(gaz, box, fine) == detail._basemap_geojson(Gazetteer(gaz.folder), box, fine)
    # Stale (other layers), damaged or missing: not read; a writable folder gets it made and saved.
    data = (gaz.folder / detail.BASEMAP_FILE).read_bytes()
    assert detail._read_countries(gaz, gaz.folder / detail.BASEMAP_FILE, "0" * 32) is None
    for name, bad in [("truncated", data[: len(data) // 2]), ("empty", b""), ("list", b"[]")]:
        (tmp_path / name).write_bytes(bad)
        assert detail._read_countries(gaz, tmp_path / name, gaz.layers_hash) is None, name
    folder = tmp_path / "shapes"
    folder.mkdir()
    for f in gaz.folder.iterdir():
        if f.name != detail.BASEMAP_FILE:
            (folder / f.name).symlink_to(f)
    other = Gazetteer(folder)
    assert detail._basemap_geojson(other, box, fine) == detail._basemap_geojson(gaz, box, fine)
    assert (folder / detail.BASEMAP_FILE).read_bytes() == data
