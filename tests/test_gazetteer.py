"""The bundled gazetteer: lookups across every kind, curated features, user layers, faults."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

import geo
from geo.gazetteer import LAYERS, Gazetteer, fold, load_gazetteer


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def first(gaz, name):
    found = gaz.lookup(name)
    assert found, f"nothing found for {name!r}"
    return found[0]


@pytest.mark.parametrize("name", ["Baku", "Bakı", "baku", "BAKU"])
def test_baku_spellings(gaz, name):
    p = first(gaz, name)
    assert (p.name, p.kind, p.country) == ("Baku", "city", "AZ")


@pytest.mark.parametrize("name", ["Khankendi", "Xankəndi", "Stepanakert", "xankendi"])
def test_khankendi_and_stepanakert_are_one_place(gaz, name):
    assert first(gaz, name).id == first(gaz, "Khankendi").id == "city:146970"


@pytest.mark.parametrize("name", ["Lachin", "Laçın", "Berdzor", "lacin"])
def test_lachin(gaz, name):
    ids = [p.id for p in gaz.lookup(name)]
    assert "city:147625" in ids  # Lachin town
    assert "admin1:AZE-1735" in ids or name == "Berdzor"  # Lachin district
    if name in ("Lachin", "Berdzor"):
        assert first(gaz, name).country == "AZ"


def test_erevan_is_yerevan(gaz):
    p = first(gaz, "Erevan")
    assert (p.name, p.kind) == ("Yerevan", "city")


@pytest.mark.parametrize("name", ["Washington, D.C.", "Washington, DC", "Washington DC"])
def test_washington_dc(gaz, name):
    p = first(gaz, name)
    assert p.id == "city:4140963"
    assert abs(p.lat - 38.895) < 0.05 and abs(p.lon + 77.036) < 0.05


def test_primary_name_beats_alias(gaz):
    # "Goris" is also an alternate name of Gori, Georgia, which is larger.
    found = gaz.lookup("Goris")
    assert found[0].country == "AM"
    assert any(p.country == "GE" for p in found[1:])


@pytest.mark.parametrize("name, kind", [
    ("Armenia", "country"), ("Azerbaijan", "country"), ("United States", "country"),
    ("Texas", "admin1"), ("Syunik", "admin1"), ("Laurel County", "admin2"), ("Yerevan", "city"),
    ("Karabakh", "disputed"), ("Nagorno-Karabakh", "disputed"), ("Artsakh", "disputed"),
    ("South Caucasus", "region"), ("North Caucasus", "region"), ("Europe", "region"),
    ("Lachin corridor", "corridor"),
])
def test_lookup_across_kinds(gaz, name, kind):
    assert first(gaz, name).kind == kind


def test_lookup_filters_and_empty(gaz):
    assert gaz.lookup("") == []
    assert gaz.lookup("Qwzxv Nowhere") == []
    assert all(p.kind == "city" for p in gaz.lookup("Georgia", kind="city"))
    assert first(gaz, "Georgia").country == "GE"
    assert gaz.lookup("Georgia", country="US")[0].kind == "admin1"


def test_place_is_an_immutable_value(gaz):
    p = first(gaz, "Baku")
    with pytest.raises(AttributeError):
        p.name = "Elsewhere"
    name, (lat, lon) = p
    assert name == "Baku" and 40 < lat < 41 and 49 < lon < 51
    assert p == gaz.place("city:587084") and hash(p) == hash(gaz.place("city:587084"))
    assert "Bakı" in p.aliases or "Baki" in p.aliases
    assert "GeoNames" in p.source


def test_representative_points_lie_on_their_geometry(gaz):
    for name in ["Armenia", "Karabakh", "South Caucasus", "Texas", "Laurel County"]:
        p = first(gaz, name)
        assert p.geometry.buffer(1e-6).covers(Point(p.lon, p.lat)), name
    corridor = first(gaz, "Lachin corridor")
    assert corridor.geometry.distance(Point(corridor.lon, corridor.lat)) < 1e-6


def test_karabakh_polygon_contains_stepanakert(gaz):
    karabakh = first(gaz, "Karabakh")
    assert karabakh.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert karabakh.geometry.contains(first(gaz, "Stepanakert").geometry)


def test_corridor_passes_through_lachin_and_is_schematic(gaz):
    corridor = first(gaz, "Lachin corridor")
    assert corridor.geometry.geom_type == "LineString"
    assert corridor.geometry.distance(gaz.place("city:147625").geometry) < 1e-6
    assert corridor.geometry.distance(first(gaz, "Goris").geometry) < 1e-6
    assert corridor.geometry.distance(first(gaz, "Stepanakert").geometry) < 1e-6
    row = gaz.table[gaz.table["id"] == corridor.id].iloc[0]
    assert "schematic" in row["precision"]


def test_south_caucasus_contains_the_three_capitals(gaz):
    region = first(gaz, "South Caucasus")
    for city in ["Yerevan", "Baku", "Tbilisi"]:
        assert region.geometry.contains(first(gaz, city).geometry), city
    assert not region.geometry.contains(first(gaz, "Moscow").geometry)


def test_seven_districts_region(gaz):
    region = gaz.place("region:seven-districts")
    for code in ["AZE-1691", "AZE-1702", "AZE-1699", "AZE-1740", "AZE-1736", "AZE-1735", "AZE-1682"]:
        district = gaz.place(f"admin1:{code}")
        assert region.geometry.buffer(1e-6).covers(Point(district.lon, district.lat)), district.name
    assert not region.geometry.contains(first(gaz, "Stepanakert").geometry)


def test_no_admin1_at_lachin_is_named_lankaran(gaz):
    admin1 = gaz.layer("admin1")
    at_lachin = admin1[admin1.covers(Point(46.54977, 39.63742)) | admin1["name"].str.contains("Laçın")]
    assert len(at_lachin) >= 1
    assert not at_lachin["name"].str.contains("Lankaran|Lənkəran").any()
    assert gaz.place("admin1:AZE-1735").name == "Laçın"


def test_features_frame(gaz):
    f = gaz.features
    assert f.crs.to_epsg() == 4326
    for col in ["id", "name", "kind", "country", "population", "geometry"]:
        assert col in f.columns
    assert set(f["kind"]) >= {"country", "admin1", "admin2", "city", "disputed", "region", "corridor"}
    assert (f["kind"] == "city").sum() >= 100_000
    assert f["id"].is_unique
    assert not f.geometry.is_empty.any()


def test_load_gazetteer_is_cached_and_thread_safe():
    out = []
    threads = [threading.Thread(target=lambda: out.append(load_gazetteer())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(g) for g in out}) == 1 and out[0] is load_gazetteer()


def test_fold():
    assert fold("Xankəndi") == fold("XANKENDI") == "xankendi"
    assert fold("Washington, D.C.") == fold("washington dc")
    assert fold("") == ""


def test_user_layer_is_added_and_found(tmp_path):
    base = geo.load_gazetteer()
    n = len(base)
    route = gpd.GeoDataFrame({"name": ["Middle Corridor"], "aliases": ["Trans-Caspian route"]},
                             geometry=[LineString([(49.87, 40.41), (44.79, 41.72)])], crs=4326)
    path = tmp_path / "routes.geojson"
    route.to_file(path)
    gaz = base.with_layer(path, kind="corridor", alias_column="aliases")
    added = gaz.user_places("user:routes")
    assert gaz is not base and len(base) == n and base.lookup("Middle Corridor") == []  # the shared one is unchanged
    assert geo.load_gazetteer() is base and len(gaz) == n + 1
    assert added[0].kind == "corridor" and added[0].geometry.geom_type == "LineString"
    assert gaz.lookup("Middle Corridor")[0].id == added[0].id
    assert gaz.lookup("Trans-Caspian route")[0].id == added[0].id
    doc = geo.geoparse("Freight on the Middle Corridor grew.", gazetteer=gaz)
    assert [m.place.id for m in doc.mentions] == [added[0].id]


def test_user_layer_with_invalid_geometry_is_repaired():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    gdf = gpd.GeoDataFrame({"name": ["Bowtie Land", None]}, geometry=[bowtie, Point(0, 0)], crs=4326)
    with pytest.warns(UserWarning, match="dropped 1"):
        gaz = geo.load_gazetteer().with_layer(gdf, kind="region")
    [added] = gaz.user_places("user:region")
    assert added.geometry.is_valid
    assert not gdf.geometry.is_valid.all()  # the caller's frame is left as it was


def test_user_layer_errors(tmp_path):
    gaz = geo.load_gazetteer()
    with pytest.raises(geo.GazetteerError, match="does not exist"):
        gaz.with_layer(tmp_path / "nope.geojson")
    gdf = gpd.GeoDataFrame({"title": ["x"]}, geometry=[Point(0, 0)], crs=4326)
    with pytest.raises(geo.GazetteerError, match="no column 'name'"):
        gaz.with_layer(gdf)
    with pytest.raises(geo.ConfigurationError, match="kind"):
        gaz.with_layer(gdf, kind="")
    with pytest.raises(geo.ConfigurationError, match="GeoDataFrame or a path"):
        gaz.with_layer(42)


def test_two_layers_of_one_name_get_distinct_ids():
    layer = gpd.GeoDataFrame({"name": ["Qwertyville"]}, geometry=[Point(1, 2)], crs=4326)
    other = gpd.GeoDataFrame({"name": ["Asdfton"]}, geometry=[Point(3, 4)], crs=4326)
    gaz = geo.load_gazetteer().with_layer(layer, kind="city").with_layer(other, kind="city")
    ids = [p.id for p in gaz.user_places("user:city") + gaz.user_places("user:city-2")]
    assert ids == ["user:city:0", "user:city-2:0"]
    doc = geo.geoparse("Talks in Qwertyville and in Asdfton.", gazetteer=gaz)
    assert list(doc.places["name"]) == ["Qwertyville", "Asdfton"]  # two places, not one merged


def test_add_layer_is_deprecated_and_never_touches_the_shared_gazetteer():
    own = Gazetteer()
    with pytest.warns(DeprecationWarning, match="with_layer"):
        [p] = own.add_layer(gpd.GeoDataFrame({"name": ["Zxcvburg"]}, geometry=[Point(1, 2)], crs=4326))
    assert own.lookup("Zxcvburg") == [p] and geo.load_gazetteer().lookup("Zxcvburg") == []
    with pytest.raises(geo.ConfigurationError, match="with_layer"):
        geo.load_gazetteer().add_layer(gpd.GeoDataFrame({"name": ["Zxcvburg"]}, geometry=[Point(1, 2)], crs=4326))


def test_places_and_gazetteers_pickle_by_identity(tmp_path):
    import pickle
    import subprocess
    import sys

    base = geo.load_gazetteer()
    baku = base.lookup("Baku")[0]
    assert pickle.loads(pickle.dumps(baku)) == baku
    assert pickle.loads(pickle.dumps(baku))._gaz is base  # the same object: no tables travel
    assert len(pickle.dumps(baku)) < 500
    route = gpd.GeoDataFrame({"name": ["Middle Corridor"]}, geometry=[LineString([(49.8, 40.4), (44.8, 41.7)])],
                             crs=4326)
    gaz = base.with_layer(route, kind="corridor")
    corridor = gaz.lookup("Middle Corridor")[0]
    again = pickle.loads(pickle.dumps(corridor))
    assert again == corridor and again._gaz is gaz and again.geometry.equals(corridor.geometry)
    # In another process: the bundled gazetteer is loaded there, and the user layer rebuilt once.
    (tmp_path / "p.pkl").write_bytes(pickle.dumps([corridor, baku, corridor]))
    code = ("import pickle, sys; c, b, c2 = pickle.load(open(sys.argv[1], 'rb')); "
            "assert c2._gaz is c._gaz and c == c2; print(c.id, c.kind, b.id, c.geometry.geom_type)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "p.pkl")], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.split() == ["user:corridor:0", "corridor", baku.id, "LineString"]


@pytest.fixture()
def shapes_copy(tmp_path):
    src = load_gazetteer().folder
    dst = tmp_path / "shapes"
    shutil.copytree(src, dst)
    return dst


def test_truncated_zipped_layer_names_the_file(shapes_copy):
    city = shapes_copy / "city.shp.zip"
    city.write_bytes(city.read_bytes()[:5000])
    with pytest.warns(UserWarning, match="does not match"), pytest.raises(geo.GazetteerError, match="city.shp.zip"):
        Gazetteer(shapes_copy)


@pytest.mark.parametrize("part", [".dbf", ".shp"])
def test_truncated_dbf_or_shp_names_the_file(shapes_copy, part):
    import zipfile

    zipped = shapes_copy / "corridor.shp.zip"
    with zipfile.ZipFile(zipped) as z:
        z.extractall(shapes_copy)
    zipped.unlink()
    target = next(shapes_copy.glob(f"corridor*{part}"))
    target.write_bytes(target.read_bytes()[:40])
    with pytest.warns(UserWarning), pytest.raises(geo.GazetteerError, match="corridor"):
        Gazetteer(shapes_copy)


def test_missing_layer_and_folder(shapes_copy, tmp_path):
    (shapes_copy / "country.shp.zip").unlink()
    with pytest.warns(UserWarning), pytest.raises(geo.GazetteerError, match="country"):
        Gazetteer(shapes_copy)
    with pytest.raises(geo.GazetteerError, match="does not exist"):
        Gazetteer(tmp_path / "nowhere")


def test_layers_are_all_bundled():
    folder = load_gazetteer().folder
    for layer in LAYERS:
        assert (folder / f"{layer}.shp.zip").exists(), layer
    assert (folder / "SOURCES.md").exists()


def test_import_loads_no_data():
    code = "import sys, geo; assert 'geo.gazetteer' not in sys.modules and 'geopandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- GeoNames identity ------------------------------------------------------------------------
@pytest.mark.parametrize("pid, geonameid", [
    ("city:587084", 587084),            # Baku: a city's id is its GeoNames id
    ("country:GE", 614540),             # countries: GeoNames country info
    ("admin1:USA-3543", 4197000),       # US state of Georgia: Natural Earth's gn_id
    ("admin2:US-06037", 5368381),       # Los Angeles County: GeoNames admin-2 code US.CA.037
    ("region:africa", 6255146),         # continents
    ("region:england", 6269131),        # UK nations: GeoNames admin-1 GB.ENG
    ("corridor:lachin", None),          # curated: no open source gives one
])
def test_places_carry_geonames_ids(pid, geonameid):
    assert load_gazetteer().place(pid).geonameid == geonameid


def test_geonames_ids_in_outputs():
    import json

    import geo

    doc = geo.geoparse("Talks in Baku and on the Lachin corridor.")
    assert doc.places["geonameid"].tolist()[0] == 587084
    assert doc.places["geonameid"].isna().tolist() == [False, True]
    props = [f["properties"]["geonameid"] for f in json.loads(doc.to_geojson())["features"]]
    assert props == [587084, None]
    assert doc.table()["geonameid"].tolist()[0] == 587084


def test_documents_travel_by_pickle_and_through_dask():
    import pickle

    from distributed.protocol import deserialize, serialize

    text = "Talks in Baku and Yerevan; Armenian officials went to Paris, Texas."
    doc = geo.geoparse(text)
    again = pickle.loads(pickle.dumps(doc))
    assert again == doc and again.mentions == doc.mentions and again.gazetteer is doc.gazetteer
    assert [m.place for m in again.mentions] == [m.place for m in doc.mentions]
    assert again.places[["id", "mentions"]].values.tolist() == doc.places[["id", "mentions"]].values.tolist()
    assert len(pickle.dumps(doc)) < 20 * len(text) + 2000  # places travel as ids, not tables
    header, frames = serialize(doc)  # what Dask sends between processes
    assert deserialize(header, frames) == doc
    # A document parsed with a user layer travels with it.
    layer = gpd.GeoDataFrame({"name": ["Qwertyville"]}, geometry=[Point(1, 2)], crs=4326)
    gaz = geo.load_gazetteer().with_layer(layer, kind="city")
    own = geo.geoparse("Talks in Qwertyville.", gazetteer=gaz)
    assert pickle.loads(pickle.dumps(own)) == own and own.mentions[0].place.id == "user:city:0"


def test_unknown_place_id_is_a_geo_error_and_a_key_error():
    with pytest.raises(geo.UnknownPlaceError, match="no place with id 'city:0'") as e:
        geo.load_gazetteer().place("city:0")
    assert isinstance(e.value, KeyError) and isinstance(e.value, geo.GeoError)
