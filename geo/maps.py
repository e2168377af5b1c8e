"""Maps: draw a story's places with Folium and save them as one self-contained HTML page.

``map_places`` draws each kind of place as one ``folium.GeoJson`` layer over an offline
basemap of the bundled country polygons; ``save_map`` writes a single HTML file with
Leaflet and jQuery inlined from the installed XStatic packages, so the page loads nothing
from the network.

>>> import geo
>>> m = geo.map_places(geo.geoparse("Talks in Baku and Yerevan on the Lachin corridor."))
>>> sorted(m.kind_layers)
['city', 'corridor']
>>> page = standalone_html(m)
>>> "<script src=" in page, "cdn.jsdelivr.net" in page
(False, False)
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import secrets
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from folium.map import CustomPane, FitBounds, Icon, Layer
from folium.template import Template

from geo.errors import InputError, OfflineAssetError

__all__ = [
    "KIND_STYLES",
    "LiteralElement",
    "LiteralMacroElement",
    "MapTitle",
    "MentionsLegend",
    "OfflineAssetError",
    "PlacesMap",
    "focus_bounds",
    "map_places",
    "notebook_html",
    "save_map",
    "standalone_html",
]

Bounds = tuple[tuple[float, float], tuple[float, float]]
"""``((south, west), (north, east))`` in degrees, the order Leaflet's ``fitBounds`` takes."""

#: Legend label and colour of each known kind, in drawing order (bottom first).
KIND_STYLES: dict[str, tuple[str, str]] = {
    "region": ("Regions", "#9467bd"),
    "country": ("Countries", "#4c78a8"),
    "admin1": ("Provinces and states", "#2a9d8f"),
    "admin2": ("Counties", "#54a24b"),
    "disputed": ("Disputed areas", "#e8590c"),
    "corridor": ("Corridors", "#8c510a"),
    "physical": ("Seas, rivers and other features", "#1f9bcf"),
    "city": ("Cities", "#d62728"),
}
#: What one place of each known kind is called in its popup.
KIND_NAMES = {"region": "Region", "country": "Country", "admin1": "Province or state", "admin2": "County",
              "disputed": "Disputed area", "corridor": "Corridor", "physical": "Physical feature", "city": "City"}
#: Colours for kinds from user layers, given out in order of appearance.
EXTRA_COLOURS = ("#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e", "#2ca02c", "#8c564b", "#1f77b4")
#: Fill opacity of areas by kind: large containers lighter, so what they contain shows through.
FILL_OPACITY = {"region": 0.12, "country": 0.25, "admin1": 0.3, "admin2": 0.35}
#: Kinds whose polygons are hatched and outlined with dashes.
HATCHED_KINDS = frozenset({"disputed"})
SEA_COLOUR = "#c8dcea"
LAND_COLOUR = "#e9e7e1"
BORDER_COLOUR = "#ffffff"
ATTRIBUTION = ('Boundaries &copy; <a href="https://www.naturalearthdata.com/" target="_blank" rel="noopener">'
               'Natural Earth</a> (public domain) | Places &copy; <a href="https://www.geonames.org/" '
               'target="_blank" rel="noopener">GeoNames</a> (CC BY 4.0)')
ATTRIBUTION_TEXT = "Boundaries: Natural Earth (public domain). Places: GeoNames (CC BY 4.0)."

CLUSTER_KM = 1500.0  # places closer than this (chained) form one cluster for the opening view
PART_DEGREES = 12.0  # parts of a multi-geometry this far from its anchor (Alaska, Réunion) are left out
COARSE_TOLERANCE = 0.15  # degrees; geometry far from the story's focus
MAX_ALIASES = 5
STYLE_KEYS = ("colors", "fill_opacity", "weight", "radius", "width", "height", "max_zoom")

_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\(\s*[\d.%\s,]+\)")
_SIZE = re.compile(r"\d+(\.\d+)?(px|%|em|rem|vh|vw)")


# ---------------------------------------------------------------------------------------------
# Elements whose output is finished text: templates are constants, values stay values


class LiteralElement(Element):
    """Finished HTML, CSS or JS, put into the page as it is: never read as a template.

    >>> LiteralElement("<p>{{ 6*7 }}</p>").render()
    '<p>{{ 6*7 }}</p>'
    >>> LiteralElement("").render()
    ''
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "LiteralElement"
        self.text = str(text)

    def render(self, **kwargs: Any) -> str:
        return self.text


class LiteralMacroElement(MacroElement):
    """A folium element whose rendered header, HTML and script go into the page as finished text.

    branca's ``MacroElement.render`` hands each macro's output to ``Element(output)``, which
    compiles it as a Jinja template and renders it a second time when the page is put
    together. Every value the element carries (an article's sentences in a popup, a title, a
    user layer's names) would then be read as template source: ``{{ 6*7 }}`` in an article
    showed "42", and ``{{ cycler.__init__.__globals__.os... }}`` ran Python. An element with
    this class renders its constant template once, with its values, and adds the result as a
    :class:`LiteralElement`. Put it after the folium class in the bases (``class
    X(folium.GeoJson, LiteralMacroElement)``) so that folium's own ``render`` still runs first.

    >>> class Note(LiteralMacroElement):
    ...     _template = Template("{% macro html(this, kwargs) %}<p>{{ this.text|e }}</p>{% endmacro %}")
    ...     def __init__(self, text):
    ...         super().__init__()
    ...         self.text = text
    >>> fig = Figure()
    >>> _ = fig.add_child(Note("{{ 6*7 }} <b>"))
    >>> "<p>{{ 6*7 }} &lt;b&gt;</p>" in fig.render()
    True
    """

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise InputError(f"{type(self).__name__} can only be rendered on a map in a figure")
        module = self._template.module
        for part in ("header", "html", "script"):
            macro = getattr(module, part, None)
            if macro is not None:
                getattr(figure, part).add_child(LiteralElement(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class LiteralGeoJson(folium.GeoJson, LiteralMacroElement):
    """``folium.GeoJson`` whose features' properties (names, popups) never become template source."""


class LiteralGeoJsonTooltip(folium.GeoJsonTooltip, LiteralMacroElement):
    """``folium.GeoJsonTooltip`` rendered as finished text."""


class LiteralGeoJsonPopup(folium.GeoJsonPopup, LiteralMacroElement):
    """``folium.GeoJsonPopup`` rendered as finished text."""


class LiteralLayerControl(folium.LayerControl, LiteralMacroElement):
    """``folium.LayerControl`` rendered as finished text (layer names come from user layers' kinds)."""


class LiteralTileLayer(folium.TileLayer, LiteralMacroElement):
    """``folium.TileLayer`` rendered as finished text."""


class LiteralPane(CustomPane, LiteralMacroElement):
    """``folium.map.CustomPane`` rendered as finished text."""


class MapTitle(LiteralMacroElement):
    """A title box over the top of the map; the title is shown as text, never read as HTML.

    >>> m = folium.Map(tiles=None)
    >>> _ = MapTitle("<b>{{ 6*7 }}</b>").add_to(m)
    >>> page = m.get_root().render()
    >>> "{{ 6*7 }}" in page, "<b>{{" in page
    (True, False)
    """

    _template = Template("""
    {% macro header(this, kwargs) %}
    <style>
    .geo-map-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%); z-index: 800;
        background: rgba(255,255,255,0.92); padding: 4px 12px; border-radius: 5px; max-width: 60%;
        box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 600 15px/1.3 system-ui, sans-serif; text-align: center;
        pointer-events: none; }
    </style>
    {% endmacro %}
    {% macro script(this, kwargs) %}
    L.DomUtil.create("div", "geo-map-title", {{ this._parent.get_name() }}.getContainer()).textContent =
        {{ this.title|tojson }};
    {% endmacro %}
    """)

    def __init__(self, title: str) -> None:
        super().__init__()
        self._name = "MapTitle"
        self.title = str(title)


class MentionsLegend(LiteralMacroElement):
    """A colour ramp legend (colour, label) with a title, at the bottom right; all values are text.

    >>> m = folium.Map(tiles=None)
    >>> _ = MentionsLegend("{{ 6*7 }}", [("#e4e4e4", "0"), ("#ffffcc", "1+")]).add_to(m)
    >>> "<b>{{ 6*7 }}</b>" in m.get_root().render()
    True
    """

    _template = Template("""
    {% macro html(this, kwargs) %}
    <div class="geo-ramp-legend"><b>{{ this.title|e }}</b>
    {%- for colour, label in this.rows %}
    <div><i style="background:{{ colour|e }};"></i>{{ label|e }}</div>
    {%- endfor %}
    </div>
    <style>
    .geo-ramp-legend { position: absolute; bottom: 24px; right: 10px; z-index: 1000; background: #fff;
        padding: 6px 8px; font: 12px sans-serif; border: 1px solid #999; border-radius: 4px; }
    .geo-ramp-legend i { display: inline-block; width: 14px; height: 10px; margin-right: 5px; }
    </style>
    {% endmacro %}
    """)

    def __init__(self, title: str, rows: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "MentionsLegend"
        self.title = str(title)
        self.rows = [(str(colour), str(label)) for colour, label in rows]


# ---------------------------------------------------------------------------------------------
# Input


def _is_corpus_table(data: Any) -> bool:
    """A table of ``geoparse_corpus`` (one row per mention) or of ``summarise_places`` / ``geo corpus``."""
    cols = set(getattr(data, "columns", ()))
    return "place_id" in cols and ("doc_id" in cols or {"mentions", "documents"} <= cols)


def _corpus_places(data: gpd.GeoDataFrame, gazetteer: Any) -> tuple[gpd.GeoDataFrame, Any]:
    """A corpus table as places shaped like ``doc.places``: counts per place, shapes from the gazetteer.

    The table's point of each place stays its anchor; a place the gazetteer does not know
    (from a layer added elsewhere) is drawn at that point.
    """
    from geo.corpus import summarise_places
    from geo.gazetteer import load_gazetteer

    places = summarise_places(data) if "doc_id" in data.columns else data
    if places.crs is not None and not places.crs.equals("EPSG:4326"):
        places = places.to_crs(4326)
    places = places[places["place_id"].notna()].reset_index(drop=True)
    gaz = gazetteer if hasattr(gazetteer, "place") else load_gazetteer(gazetteer)
    points = places.geometry.values
    known, shapes, lats, lons = [], [], [], []
    for pid, pt in zip(places["place_id"].tolist(), points, strict=True):
        try:
            place = gaz.place(str(pid))
            shape = place.geometry
        except KeyError:
            place, shape = None, None
        point = pt if pt is not None and not pt.is_empty else None
        known.append(place)
        shapes.append(shape if shape is not None and not shape.is_empty else point)
        lats.append(point.y if point is not None else math.nan)
        lons.append(point.x if point is not None else math.nan)
    frame = gpd.GeoDataFrame({
        "id": places["place_id"].astype(str).tolist(), "name": places["name"].tolist(),
        "kind": places["kind"].tolist(), "country": places["country"].tolist(),
        "mentions": places["mentions"].tolist(), "first": list(range(len(places))),
        "lat": lats, "lon": lons, "place": known}, geometry=shapes, crs=4326)
    return frame, gaz


def _is_place(v: Any) -> bool:
    """A gazetteer ``Place`` (or a value like one), not a frame whose columns happen to have those names."""
    return not hasattr(v, "columns") and all(hasattr(v, a) for a in ("id", "name", "kind", "country", "geometry",
                                                                       "lat", "lon"))


def _listed_places(places: list) -> gpd.GeoDataFrame:
    """Gazetteer places (``gaz.lookup(...)``) as a frame shaped like ``doc.places``, without mentions."""
    return gpd.GeoDataFrame({
        "id": [p.id for p in places], "name": [p.name for p in places], "kind": [p.kind for p in places],
        "country": [p.country for p in places], "lat": [p.lat for p in places], "lon": [p.lon for p in places],
        "place": list(places)}, geometry=[p.geometry for p in places], crs=4326)


def _places_frame(data: Any, gazetteer: Any = None) -> tuple[gpd.GeoDataFrame, Any]:
    """A fresh GeoDataFrame in EPSG:4326 and the gazetteer the places came from (or None)."""
    gaz = None
    if isinstance(data, gpd.GeoDataFrame) and _is_corpus_table(data):
        gdf, gaz = _corpus_places(data, gazetteer)
    elif _is_place(data) or (isinstance(data, (list, tuple)) and all(_is_place(p) for p in data)):
        gdf = _listed_places([data] if _is_place(data) else list(data))
        gaz = getattr(gdf["place"].iloc[0], "_gaz", None) if len(gdf) else None
    elif isinstance(data, gpd.GeoDataFrame):
        gdf = data
    elif hasattr(type(data), "places") and hasattr(data, "mentions"):  # a geo Document (places is a property)
        gdf = data.places
        gaz = getattr(data, "gazetteer", None)
    elif data is None:
        raise InputError("map_places needs a geo Document or a GeoDataFrame of places, not None")
    else:
        raise InputError(f"map_places takes a geo Document, a corpus table, gazetteer places or a GeoDataFrame, "
                         f"not {type(data).__name__}")
    try:
        gdf.geometry  # noqa: B018 - raises if there is no active geometry column
    except AttributeError as e:
        raise InputError("the GeoDataFrame has no active geometry column") from e
    reproject = gdf.crs is not None and not gdf.crs.equals("EPSG:4326")
    gdf = gdf.to_crs(4326) if reproject else gdf.copy()  # a new frame either way: the input is left alone
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    keep = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    if not keep.all():
        warnings.warn(f"map_places: {int((~keep).sum())} places have no geometry and are not drawn",
                      UserWarning, stacklevel=3)
        gdf = gdf[keep]
    return gdf.reset_index(drop=True), gaz if gaz is not None else (gazetteer if hasattr(gazetteer, "table") else None)


def _text(v: Any, default: str = "") -> str:
    """``v`` as a string; ``default`` for None, NaN and pandas' NA."""
    import pandas as pd

    if v is None or (pd.api.types.is_scalar(v) and pd.isna(v)):
        return default
    return str(v)


def _clean_geometry(g):
    """Points, lines or polygons: a GeometryCollection keeps its parts of the highest dimension."""
    if g.geom_type != "GeometryCollection":
        return g
    parts = shapely.get_parts(g)
    dims = shapely.get_dimensions(parts)
    parts = parts[dims == dims.max()]
    return shapely.union_all(parts)


class _Place:
    """One row to draw, with every value the map needs already in plain Python."""

    __slots__ = ("i", "id", "name", "kind", "country", "mentions", "first", "sentences", "aliases", "lat",
                 "lon", "geometry", "dim", "counted", "style")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def _rows(gdf: gpd.GeoDataFrame, gaz: Any, *, names: bool = True) -> tuple[list[_Place], bool]:
    """The places as ``_Place`` rows, and whether the frame carries mention counts."""
    n = len(gdf)
    cols = set(gdf.columns)
    has_counts = "mentions" in cols

    def column(c: str) -> list:
        return gdf[c].tolist() if c in cols else [None] * n

    values = {c: column(c) for c in ("id", "name", "kind", "country", "mentions", "first", "lat", "lon",
                                      "sentences", "texts")}
    geoms = [_clean_geometry(g) for g in gdf.geometry.values]
    alias_map = _alternate_names(gaz, gdf, column("place")) if names else {}
    rows = []
    for i in range(n):
        rec = {c: v[i] for c, v in values.items()}
        g = geoms[i]
        dim = int(shapely.get_dimensions(g))
        lat, lon = _float(rec["lat"]), _float(rec["lon"])
        if lat is None or lon is None:
            pt = shapely.line_interpolate_point(g, 0.5, normalized=True) if dim == 1 else shapely.point_on_surface(g)
            lat, lon = pt.y, pt.x
        name = _text(rec["name"], "(unnamed)")
        mentions = _float(rec["mentions"])
        first = _float(rec["first"])
        rows.append(_Place(
            i=i, id=_text(rec["id"], f"row:{i}"), name=name, kind=_text(rec["kind"], "place") or "place",
            country=_text(rec["country"]), mentions=max(1, int(mentions)) if mentions else 1,
            first=int(first) if first is not None else i, sentences=_sentences_of(rec["sentences"], rec["texts"], name),
            aliases=alias_map.get(i, []), lat=float(lat), lon=float(lon), geometry=g, dim=dim))
    return rows, has_counts


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _sentences_of(raw: Any, texts: Any, name: str) -> list[tuple[str, list[str]]]:
    """``[(sentence, [mention texts in it]), ...]`` in text order, each sentence once.

    ``raw`` holds ``(sentence, mention text)`` pairs (as ``doc.places`` has them) or plain
    sentences, whose marked words are then ``texts`` (or the name).
    """
    sequence = (list, tuple, np.ndarray)
    default_texts = [str(t) for t in texts] if isinstance(texts, sequence) and len(texts) else [name]
    out: dict[str, list[str]] = {}
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, sequence):
        return []
    for item in raw:
        if isinstance(item, sequence) and len(item) == 2:
            sentence, text = str(item[0]), [str(item[1])]
        elif isinstance(item, str):
            sentence, text = item, default_texts
        else:
            continue
        out.setdefault(sentence, [])
        for t in text:
            if t not in out[sentence]:
                out[sentence].append(t)
    return list(out.items())


def _alternate_names(gaz: Any, gdf, places_col: list) -> dict[int, list[str]]:
    """Other names of each row: an ``aliases`` column, else the gazetteer's names table.

    Reads ``gazetteer.names`` for all rows at once: ``Place.aliases`` indexes every name in
    the gazetteer on first use, which takes about a second.
    """
    out: dict[int, list[str]] = {}
    if "aliases" in gdf.columns:
        for i, v in enumerate(gdf["aliases"].tolist()):
            if isinstance(v, str):
                v = v.split("|")
            if isinstance(v, (list, tuple, np.ndarray)):
                out[i] = [str(a).strip() for a in v if _text(a).strip()]
        return out
    wanted = {i: p for i, p in enumerate(places_col) if p is not None and hasattr(p, "id")}
    if not wanted:
        return out
    if gaz is None:
        from geo.gazetteer import load_gazetteer

        gaz = load_gazetteer()
    table, names = getattr(gaz, "table", None), getattr(gaz, "names", None)
    if table is None or names is None or not {"row", "name", "type"} <= set(names.columns):
        return {i: list(p.aliases) for i, p in wanted.items()}
    ids = table["id"].to_numpy()
    row_of = {ids[r]: int(r) for r in np.flatnonzero(np.isin(ids, [p.id for p in wanted.values()]))}
    sel = names[names["row"].isin(list(row_of.values())) & names["type"].isin([0, 1, 2])]
    by_row: dict[int, list[str]] = {}
    for r, nm in zip(sel["row"].tolist(), sel["name"].tolist(), strict=False):
        by_row.setdefault(int(r), []).append(str(nm))
    for i, p in wanted.items():
        r = row_of.get(p.id)
        out[i] = by_row.get(r, []) if r is not None else list(p.aliases)
    return out


def _pick_aliases(name: str, aliases: Iterable[str]) -> tuple[list[str], int]:
    """A few readable alternate names (no duplicates of the name), and how many were left out."""
    from geo.gazetteer import fold

    seen = {fold(name)}
    good = []
    for k, a in enumerate(aliases):
        a = a.strip()
        key = fold(a)
        if not a or len(a) > 40 or a.lower() in ("nan", "none") or key in seen:
            continue
        seen.add(key)
        good.append((not a[:1].isupper(), not a.isascii(), k, a))
    good.sort()
    return [a for *_, a in good[:MAX_ALIASES]], max(0, len(good) - MAX_ALIASES)


# ---------------------------------------------------------------------------------------------
# Bounds


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Distances between every point of the first set (rows) and of the second (columns)."""
    la1, lo1, la2, lo2 = (np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2))
    h = (np.sin((la1[:, None] - la2[None, :]) / 2) ** 2
         + np.cos(la1[:, None]) * np.cos(la2[None, :]) * np.sin((lo1[:, None] - lo2[None, :]) / 2) ** 2)
    return 2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _clusters(lat: np.ndarray, lon: np.ndarray, km: float) -> list[list[int]]:
    """Single-linkage clusters: places chained by steps shorter than ``km``.

    Up to 2,000 places are compared exactly; more (a corpus map) are first pooled by
    3-degree cell, which moves a step's length by at most about 250 km.
    """
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    if len(lat) > 2000:
        cells, cell_of = np.unique(np.stack([np.round(lat / 3), np.round(lon / 3)], axis=1), axis=0,
                                   return_inverse=True)
        cell_of = cell_of.reshape(-1)
        plat, plon = cells[:, 0] * 3, cells[:, 1] * 3
    else:
        cell_of = np.arange(len(lat))
        plat, plon = lat, lon
    n = len(plat)
    sources, targets = [], []
    for start in range(0, n, 256):  # blocks of rows keep memory at 256 x n distances
        a, b = np.nonzero(_haversine_km(plat[start:start + 256], plon[start:start + 256], plat, plon) < km)
        sources.append(a + start)
        targets.append(b)
    src, dst = np.concatenate(sources), np.concatenate(targets)
    label = np.arange(n)
    while True:  # connected components: every node takes the smallest label among its neighbours
        new = label.copy()
        np.minimum.at(new, src, label[dst])
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(label[cell_of].tolist()):
        groups.setdefault(c, []).append(i)
    return list(groups.values())


def _main_extent(g, lat: float, lon: float) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of the parts of ``g`` near its anchor point."""
    parts = shapely.get_parts(g)
    if len(parts) > 1:
        near = shapely.distance(parts, shapely.Point(lon, lat)) <= PART_DEGREES
        if near.any():
            parts = parts[near]
    b = shapely.bounds(parts)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _bounds_of(rows: list[_Place], members: list[int]) -> Bounds:
    """The view of a cluster: its anchor points plus the extents of members that are not huge."""
    lats = [rows[i].lat for i in members]
    lons = [rows[i].lon for i in members]
    spread = math.hypot(max(lons) - min(lons), max(lats) - min(lats))
    limit = max(20.0, 3.0 * spread)
    extents = {i: _main_extent(rows[i].geometry, rows[i].lat, rows[i].lon) for i in members}
    small = [i for i in members if math.hypot(extents[i][2] - extents[i][0], extents[i][3] - extents[i][1]) <= limit]
    if not small:  # only huge places (a story about Russia): show the most-mentioned one whole
        small = [max(members, key=lambda i: (rows[i].mentions, -rows[i].first))]
    w = min([extents[i][0] for i in small] + lons)
    s = min([extents[i][1] for i in small] + lats)
    e = max([extents[i][2] for i in small] + lons)
    n = max([extents[i][3] for i in small] + lats)
    return (max(-85.0, s), max(-180.0, w)), (min(85.0, n), min(180.0, e))


def _focus(rows: list[_Place]) -> tuple[Bounds, Bounds, list[int]]:
    """Focus bounds, bounds of all places, and the rows outside the focus cluster."""
    if not rows:
        world = ((-60.0, -170.0), (75.0, 170.0))
        return world, world, []
    lat = np.array([r.lat for r in rows])
    lon = np.array([r.lon for r in rows])
    clusters = _clusters(lat, lon, CLUSTER_KM)
    best = max(clusters, key=lambda c: (sum(rows[i].mentions for i in c), -min(rows[i].first for i in c)))
    everything = list(range(len(rows)))
    all_b = _bounds_of(rows, everything) if len(clusters) > 1 else _bounds_of(rows, best)
    members = set(best)
    return _bounds_of(rows, best), all_b, [i for i in everything if i not in members]


def focus_bounds(places: Any) -> Bounds:
    """Where a map of these places opens: ``((south, west), (north, east))``.

    The rule: places are clustered by their anchor points (the gazetteer's lat/lon), two
    places joining a cluster when a chain of steps shorter than 1,500 km links them. The
    cluster with the most mentions wins (ties: the one mentioned first). The view is the
    box around its anchor points and the extents of its members, leaving out far parts of
    multi-part places (Alaska, overseas departments) and members far larger than the
    cluster (Russia in a story about Kyiv), unless nothing else is left. Places outside the
    cluster stay on the map and are listed in the legend, with a button to show them all.

    >>> import geo
    >>> (s, w), (n, e) = focus_bounds(geo.geoparse("Washington backs talks between Baku and Yerevan in Baku."))
    >>> w > 40 and e < 51 and s > 39 and n < 42
    True
    >>> focus_bounds(gpd.GeoDataFrame({"name": [], "kind": []}, geometry=[], crs=4326))
    ((-60.0, -170.0), (75.0, 170.0))
    """
    gdf, _ = _places_frame(places)
    rows, _ = _rows(gdf, None, names=False)
    return _focus(rows)[0]


# ---------------------------------------------------------------------------------------------
# Geometry for the page: simplified, rounded, detailed only near the story


def _decimals(tolerance: float) -> int:
    return int(min(5, max(2, math.ceil(-math.log10(tolerance)) + 1)))


def _round(g, decimals: int):
    return shapely.transform(g, lambda c: np.round(c, decimals))


def _drop_small_parts(g, min_area: float):

    if shapely.get_dimensions(g) != 2:
        return g
    parts = shapely.get_parts(g)
    if len(parts) < 2:
        return g
    areas = shapely.area(parts)
    keep = areas >= min_area
    keep[int(np.argmax(areas))] = True
    return shapely.multipolygons(parts[keep]) if keep.sum() > 1 else parts[keep][0]


def _lod_line(xy: np.ndarray, box: tuple[float, float, float, float], fine: float) -> np.ndarray:
    """A line's coordinates simplified to ``fine`` inside ``box`` and coarsely outside.

    The line is cut into runs inside and outside the box; each run is simplified on its own
    (Douglas-Peucker keeps a run's end points), so the runs still join where they met and a
    ring stays closed: no seam at the box edge, and no overlay operation to pay for.
    """
    bx0, by0, bx1, by1 = box
    inside = (xy[:, 0] >= bx0) & (xy[:, 0] <= bx1) & (xy[:, 1] >= by0) & (xy[:, 1] <= by1)
    cuts = np.flatnonzero(inside[1:] != inside[:-1]) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [len(xy) - 1]])
    if len(starts) > 1 and starts[-1] == ends[-1]:  # a last run of one point is already the previous run's end
        starts, ends = starts[:-1], ends[:-1]
    runs = [xy[a:b + 1] for a, b in zip(starts, ends, strict=True)]  # each run shares its last point
    tolerance = np.where(inside[starts], fine, COARSE_TOLERANCE)
    index = np.repeat(np.arange(len(runs)), [len(r) for r in runs])
    simple = shapely.simplify(shapely.linestrings(np.vstack(runs), indices=index), tolerance,
                              preserve_topology=False)
    coords = [shapely.get_coordinates(s) for s in simple]
    return np.vstack([c[:-1] for c in coords] + [coords[-1][-1:]])


def _lod(g, box: tuple[float, float, float, float], fine: float):
    """``g`` simplified to ``fine`` degrees inside ``box``, to ``COARSE_TOLERANCE`` outside, and rounded."""
    dim = int(shapely.get_dimensions(g))
    if dim == 0:
        return _round(g, 5)
    x0, y0, x1, y1 = shapely.bounds(g)
    bx0, by0, bx1, by1 = box
    fine_dec = _decimals(fine)
    if fine >= COARSE_TOLERANCE or (x0 >= bx0 and x1 <= bx1 and y0 >= by0 and y1 <= by1):
        return _round(shapely.simplify(g, fine, preserve_topology=True), fine_dec)
    if x1 < bx0 or x0 > bx1 or y1 < by0 or y0 > by1:
        coarse = _drop_small_parts(g, COARSE_TOLERANCE ** 2)
        return _round(shapely.simplify(coarse, COARSE_TOLERANCE, preserve_topology=True),
                      _decimals(COARSE_TOLERANCE))
    parts = shapely.get_parts(g)
    if dim == 1:
        lines = [shapely.linestrings(_lod_line(shapely.get_coordinates(p), box, fine)) for p in parts]
        return _round(shapely.multilinestrings(lines) if len(lines) > 1 else lines[0], fine_dec)
    # Polygons: far small islands go; every ring is simplified run by run.
    pb = shapely.bounds(parts)
    touches = (pb[:, 2] >= bx0) & (pb[:, 0] <= bx1) & (pb[:, 3] >= by0) & (pb[:, 1] <= by1)
    areas = shapely.area(parts)
    keep = np.where(touches, areas >= fine * fine, areas >= COARSE_TOLERANCE ** 2)
    keep[int(np.argmax(areas))] = True
    polygons = []
    for p in parts[keep]:
        rings = []
        for k, ring in enumerate(shapely.get_rings(p)):
            xy = _lod_line(shapely.get_coordinates(ring), box, fine)
            if len(xy) < 4:
                if k == 0:
                    break  # the outline collapsed: the island is too small to draw here
                continue
            rings.append(xy)
        if rings:
            holes = [shapely.linearrings(h) for h in rings[1:]] or None  # holes differ in length
            polygons.append(shapely.polygons(rings[0], holes=holes))
    if not polygons:
        return shapely.simplify(g, fine, preserve_topology=True)
    return _round(shapely.multipolygons(polygons) if len(polygons) > 1 else polygons[0], fine_dec)


def _detail_box(focus: Bounds) -> tuple[tuple[float, float, float, float], float]:
    """The box drawn in detail around the focus, and the tolerance used inside it."""
    (s, w), (n, e) = focus
    span = max(e - w, n - s, 0.5)
    pad_x = max(4.0, 0.75 * span)
    pad_y = max(3.0, 0.5 * span)
    box = (max(-180.0, w - pad_x), max(-85.0, s - pad_y), min(180.0, e + pad_x), min(85.0, n + pad_y))
    fine = min(COARSE_TOLERANCE, max(0.001, span / 700.0))
    return box, fine


def _coarse_countries(gaz: Any) -> tuple[list[str], np.ndarray, list]:
    """Every country as a coarse GeoJSON geometry string, its bounds and full geometry (cached)."""

    cache = getattr(gaz, "cache", None)
    key = "geo.maps.coarse_countries"
    if isinstance(cache, dict) and key in cache:
        return cache[key]
    layer = gaz.layer("country")
    geoms = np.array([_clean_geometry(g) for g in layer.geometry.values if g is not None and not g.is_empty])
    geoms = shapely.clip_by_rect(geoms, -180.0, -85.0, 180.0, 85.0)
    geoms = geoms[~shapely.is_empty(geoms)]
    coarse = []
    for g in geoms:
        c = shapely.simplify(_drop_small_parts(g, 2 * COARSE_TOLERANCE ** 2), COARSE_TOLERANCE,
                             preserve_topology=False)  # drawn only, never overlaid: validity does not matter
        coarse.append(shapely.to_geojson(_round(c, _decimals(COARSE_TOLERANCE))) if not c.is_empty else "")
    out = (coarse, shapely.bounds(geoms), list(geoms))
    if isinstance(cache, dict):
        cache[key] = out
    return out


def _basemap_geojson(gaz: Any, box: tuple[float, float, float, float], fine: float) -> str:
    """The country polygons as compact GeoJSON: coarse everywhere, detailed inside ``box``."""

    coarse, bounds, geoms = _coarse_countries(gaz)
    bx0, by0, bx1, by1 = box
    near = (bounds[:, 2] >= bx0) & (bounds[:, 0] <= bx1) & (bounds[:, 3] >= by0) & (bounds[:, 1] <= by1)
    out = []
    for i, g in enumerate(geoms):
        if near[i] and fine < COARSE_TOLERANCE:
            geom = _lod(g, box, fine)
            text = shapely.to_geojson(geom) if not geom.is_empty else ""
        else:
            text = coarse[i]
        if text:
            out.append('{"type":"Feature","properties":{},"geometry":' + text + "}")
    return '{"type":"FeatureCollection","features":[' + ",".join(out) + "]}"


# ---------------------------------------------------------------------------------------------
# Popups, styles, legend


def _mark(sentence: str, texts: list[str]) -> str:
    """The sentence, HTML-escaped, with each mention wrapped in ``<mark>``."""
    texts = sorted({t for t in texts if t}, key=len, reverse=True)
    if not texts:
        return html.escape(sentence)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in texts) + r")(?!\w)")
    out, pos = [], 0
    for m in pattern.finditer(sentence):
        out.append(html.escape(sentence[pos:m.start()]))
        out.append("<mark>" + html.escape(m.group()) + "</mark>")
        pos = m.end()
    out.append(html.escape(sentence[pos:]))
    return "".join(out)


def _kind_label(kind: str) -> str:
    return KIND_STYLES[kind][0] if kind in KIND_STYLES else kind


def _country_names(gaz: Any) -> dict[str, str]:
    if gaz is None or getattr(gaz, "table", None) is None:
        return {}
    cache = getattr(gaz, "cache", None)
    key = "geo.maps.country_names"
    if isinstance(cache, dict) and key in cache:
        return cache[key]
    t = gaz.table
    c = t[t["kind"] == "country"]
    out = {str(k): str(v) for k, v in zip(c["country"], c["name"], strict=False) if isinstance(k, str)}
    if isinstance(cache, dict):
        cache[key] = out
    return out


def _popup_html(p: _Place, has_counts: bool, countries: dict[str, str]) -> str:
    """The popup of one place; every string from the text or a layer is escaped here."""
    e = html.escape
    kind = KIND_NAMES.get(p.kind) or e(p.kind)
    parts = [f'<div class="geo-popup"><div class="geo-popup-name">{e(p.name)}</div>',
             f'<div class="geo-popup-meta">{kind}']
    if p.country and p.kind != "country":
        full = countries.get(p.country)
        parts.append(f" in {e(full)} ({e(p.country)})" if full else f" in {e(p.country)}")
    elif p.country:
        parts.append(f" ({e(p.country)})")
    parts.append("</div>")
    shown, more = _pick_aliases(p.name, p.aliases)
    if shown:
        extra = f" and {more} more" if more else ""
        parts.append(f'<div class="geo-popup-aliases">Also called: {", ".join(e(a) for a in shown)}{extra}</div>')
    if has_counts:
        times = "once" if p.mentions == 1 else f"{p.mentions} times"
        parts.append(f'<div class="geo-popup-count">Mentioned {times}</div>')
    if p.sentences:
        items = "".join(f"<li>{_mark(s, texts)}</li>" for s, texts in p.sentences)
        parts.append(f'<ol class="geo-popup-sentences">{items}</ol>')
    parts.append("</div>")
    return "".join(parts)


def _radius(mentions: int, base: float) -> float:
    return round(min(4.0 * base, base * math.sqrt(max(1, mentions))), 1)


def _styles(kind: str, colour: str, hatch_id: str | None, p: _Place, opts: dict) -> tuple[dict, dict]:
    """Leaflet style and hover style of one feature."""
    weight = float(opts.get("weight", 2.0))
    fill_opacity = float(opts.get("fill_opacity", FILL_OPACITY.get(kind, 0.3)))
    if p.dim == 0:
        r = _radius(p.mentions, float(opts.get("radius", 6.0)))
        # pointToLayer copies the style into the marker's options: this is how it gets its pane.
        return ({"radius": r, "color": "#ffffff", "weight": 1.5, "fill": True, "fillColor": colour,
                 "fillOpacity": 0.9, "opacity": 1.0, "pane": "geo-points"},
                {"radius": r + 3, "color": "#222222", "weight": 2.5, "fill": True, "fillColor": colour,
                 "fillOpacity": 1.0})
    if p.dim == 1:
        return ({"color": colour, "weight": weight + 2, "opacity": 0.9, "lineCap": "round"},
                {"color": colour, "weight": weight + 5, "opacity": 1.0})
    style = {"color": colour, "weight": weight, "opacity": 0.9, "fill": True, "fillColor": colour,
             "fillOpacity": fill_opacity}
    hover = {"color": colour, "weight": weight + 2, "opacity": 1.0, "fillOpacity": min(1.0, fill_opacity + 0.25)}
    if hatch_id:
        style.update(fillColor=f"url(#{hatch_id})", fillOpacity=min(1.0, fill_opacity + 0.5), dashArray="6 4")
        hover.update(fillColor=f"url(#{hatch_id})", fillOpacity=1.0, dashArray="6 4")
    return style, hover


class Basemap(Layer, LiteralMacroElement):
    """The bundled country polygons as a grey, non-interactive layer in its own pane."""

    _template = Template("""
    {% macro header(this, kwargs) %}
    <style>#{{ this._parent.get_name() }} { background: {{ this.sea }}; }</style>
    {% endmacro %}
    {% macro script(this, kwargs) %}
    var {{ this.get_name() }} = L.geoJson({{ this.data }}, {
        pane: "geo-basemap", interactive: false,
        style: function (f) {
            return {{ this.style|tojson }};
        }
    });
    {% endmacro %}
    """)

    def __init__(self, data: str, *, name: str = "Countries (offline)", show: bool = True,
                 control: bool = False) -> None:
        super().__init__(name=name, overlay=False, control=control, show=show)
        self._name = "Basemap"
        self.data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        self.sea = SEA_COLOUR
        self.style = {"fillColor": LAND_COLOUR, "fillOpacity": 1.0, "color": BORDER_COLOUR, "weight": 0.8,
                      "opacity": 1.0}

class Legend(LiteralMacroElement):
    """A categorical legend as a Leaflet control, with the attribution and a 'show all' button."""

    _template = Template("""
    {% macro header(this, kwargs) %}
    <style>
    .geo-legend { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 5px;
        box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.45 system-ui, sans-serif; max-width: 260px; }
    .geo-legend-title { font-weight: 600; margin-bottom: 3px; cursor: pointer; user-select: none; }
    .geo-legend-title::after { content: " \\25BE"; color: #666; font-weight: 400; }
    .geo-legend.geo-collapsed > :not(.geo-legend-title) { display: none; }
    .geo-legend.geo-collapsed .geo-legend-title { margin-bottom: 0; }
    .geo-legend.geo-collapsed .geo-legend-title::after { content: " \\25B8"; }
    .geo-legend-row { display: flex; align-items: center; gap: 6px; }
    .geo-swatch { display: inline-block; width: 16px; height: 11px; box-sizing: border-box; flex: none; }
    .geo-swatch-line { display: inline-block; width: 16px; height: 0; flex: none; }
    .geo-swatch-point { display: inline-block; width: 11px; height: 11px; margin: 0 2px 0 3px;
        border-radius: 50%; border: 1px solid #fff; box-shadow: 0 0 0 1px rgba(0,0,0,0.2); flex: none; }
    .geo-legend-note { color: #555; margin-top: 4px; font-size: 11px; }
    .geo-legend button { font: inherit; font-size: 11px; margin: 4px 4px 0 0; padding: 1px 6px;
        cursor: pointer; }
    .geo-popup { font: 13px/1.4 system-ui, sans-serif; }
    .geo-popup-name { font-weight: 700; font-size: 14px; }
    .geo-popup-meta, .geo-popup-aliases, .geo-popup-count { color: #444; }
    .geo-popup-sentences { margin: 6px 0 0; padding-left: 18px; }
    .geo-popup-sentences li { margin-bottom: 4px; }
    .geo-popup mark { background: #ffe066; padding: 0 1px; }
    .geo-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%); z-index: 800;
        background: rgba(255,255,255,0.92); padding: 4px 12px; border-radius: 5px; max-width: 60%;
        box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 600 15px/1.3 system-ui, sans-serif; text-align: center;
        pointer-events: none; }
    .geo-notice { position: absolute; top: 45%; left: 50%; transform: translate(-50%, -50%); z-index: 800;
        background: rgba(255,255,255,0.95); padding: 10px 16px; border-radius: 6px;
        box-shadow: 0 1px 6px rgba(0,0,0,0.3); font: 15px/1.4 system-ui, sans-serif; pointer-events: none; }
    </style>
    {% endmacro %}
    {% macro html(this, kwargs) %}
    <svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false"><defs>
    {%- for id, colour in this.hatches %}
    <pattern id="{{ id|e }}" patternUnits="userSpaceOnUse" width="7" height="7" patternTransform="rotate(45)">
    <rect width="7" height="7" fill="{{ colour|e }}" fill-opacity="0.15"></rect>
    <line x1="0" y1="0" x2="0" y2="7" stroke="{{ colour|e }}" stroke-width="3"></line></pattern>
    {%- endfor %}
    </defs></svg>
    {% endmacro %}
    {% macro script(this, kwargs) %}
    (function () {
        var map = {{ this._parent.get_name() }};
        var focus = {{ this.focus|tojson }}, all = {{ this.all|tojson }};
        var legend = L.control({position: "bottomleft"});
        legend.onAdd = function () {
            var div = L.DomUtil.create("div", "geo-legend");
            div.innerHTML = {{ this.content|tojson }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            var showAll = div.querySelector(".geo-show-all"), back = div.querySelector(".geo-show-focus");
            function fit(bounds, maxZoom) {
                if (map.geoFit) { map.geoFit(bounds, maxZoom, true); }
                else { map.fitBounds(bounds, {padding: [30, 30], maxZoom: maxZoom == null ? undefined : maxZoom}); }
            }
            if (showAll) { showAll.onclick = function () { fit(all, null); }; }
            if (back) { back.onclick = function () { fit(focus, 9); }; }
            var title = div.querySelector(".geo-legend-title");
            title.setAttribute("role", "button");
            title.setAttribute("title", "Show or hide the legend");
            title.onclick = function () { div.classList.toggle("geo-collapsed"); };
            return div;
        };
        legend.addTo(map);
        {%- if this.title %}
        L.DomUtil.create("div", "geo-title", map.getContainer()).textContent = {{ this.title|tojson }};
        {%- endif %}
        {%- if this.notice %}
        L.DomUtil.create("div", "geo-notice", map.getContainer()).innerHTML = {{ this.notice|tojson }};
        {%- endif %}
        if (map.attributionControl) {
            map.attributionControl.addAttribution({{ this.attribution|tojson }});
        }
    })();
    {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "PlacesLegend"
        self.entries: list[tuple[str, str, str, bool]] = []  # (escaped label, colour, shape, hatch id)
        self.hatches: list[tuple[str, str]] = []
        self.outside: list[str] = []  # escaped names
        self.sized = False
        self.focus: Bounds | None = None
        self.all: Bounds | None = None
        self.title = ""  # shown as text
        self.notice = ""  # escaped
        self.attribution = ATTRIBUTION

    @property
    def content(self) -> str:
        rows = ['<div class="geo-legend-title">Places in the story</div>']
        for label, colour, shape, hatch in self.entries:
            if shape == "point":
                sw = f'<span class="geo-swatch-point" style="background:{colour}"></span>'
            elif shape == "line":
                sw = f'<span class="geo-swatch-line" style="border-top:4px solid {colour}"></span>'
            elif hatch:
                sw = (f'<span class="geo-swatch" style="border:2px dashed {colour};background:repeating-linear-'
                      f'gradient(45deg,{colour} 0 2px,transparent 2px 5px)"></span>')
            else:
                sw = (f'<span class="geo-swatch" style="border:2px solid {colour};background:{colour};'
                      'background-clip:padding-box;opacity:0.75"></span>')
            rows.append(f'<div class="geo-legend-row">{sw}<span>{label}</span></div>')
        if self.sized:
            rows.append('<div class="geo-legend-note">Circle size: how often a place is mentioned.</div>')
        if self.outside:
            names = ", ".join(self.outside[:5]) + (f" and {len(self.outside) - 5} more"
                                                   if len(self.outside) > 5 else "")
            rows.append(f'<div class="geo-legend-note">Also mentioned, farther away: {names}.</div>'
                        '<button type="button" class="geo-show-all">Show all places</button>'
                        '<button type="button" class="geo-show-focus">Back to the story</button>')
        rows.append(f'<div class="geo-legend-note">{html.escape(ATTRIBUTION_TEXT)}</div>')
        return "".join(rows)


class FitView(LiteralMacroElement):
    """Open the map on ``bounds``, and open it there again whenever its container gets a new size.

    The fit waits until the container has a size (a notebook's iframe may be laid out after
    the page's scripts ran) and runs again on every resize (``ResizeObserver``, the window's
    ``resize`` and ``load``) until the reader moves the map. It keeps the places clear of the
    controls: if the anchor point of a place in view would lie under the legend, the layer
    control, the title or the zoom buttons, it tries more room on that side, and keeps the
    closest zoom that clears them all. It collapses the layer control when that gives a
    closer view. It folds the legend too when nothing else clears the places, when that gives
    a closer view on a map narrower than 900 or lower than 400 pixels (a JupyterLab or VS Code
    notebook) or a view two zoom levels closer on a larger one, and always on a map under
    480 x 320 pixels; a click on the legend's title opens it again.
    ``map.geoFit(bounds, maxZoom, keepLegend)`` is the same fit, for the legend's buttons
    (which keep the legend open).
    """

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function () {
        var map = {{ this._parent.get_name() }};
        var focus = {{ this.bounds|tojson }}, focusZoom = {{ this.max_zoom|tojson }};
        var anchors = {{ this.anchors|tojson }};
        var container = map.getContainer(), MARGIN = 8, PAD = 30;
        var target = [focus, focusZoom], userMoved = false, lastSize = "", layersFolded = false;

        function rects() {
            var c = container.getBoundingClientRect(), out = [];
            var els = container.querySelectorAll(".leaflet-control, .geo-title, .geo-map-title, .geo-legend");
            for (var i = 0; i < els.length; i++) {
                var r = els[i].getBoundingClientRect();
                if (r.width > 0 && r.height > 0) {
                    out.push({x0: r.left - c.left, y0: r.top - c.top, x1: r.right - c.left, y1: r.bottom - c.top});
                }
            }
            return out;
        }
        function plan(box, zoom, pad) {
            // Where fitBounds would go with this padding, without moving the map.
            return map._getBoundsCenterZoom(box, {paddingTopLeft: [pad[0], pad[1]],
                                                  paddingBottomRight: [pad[2], pad[3]], maxZoom: zoom});
        }
        function hidden(view, rs) {
            // The controls that would cover the anchor point (and circle) of a place in that view.
            var size = map.getSize(), origin = map.project(view.center, view.zoom).subtract(size.divideBy(2)), out = [];
            for (var i = 0; i < anchors.length; i++) {
                var a = anchors[i], p = map.project([a[0], a[1]], view.zoom).subtract(origin), r = a[2];
                if (p.x < 0 || p.y < 0 || p.x > size.x || p.y > size.y) continue;
                for (var k = 0; k < rs.length; k++) {
                    var c = rs[k];
                    if (p.x + r > c.x0 && p.x - r < c.x1 && p.y + r > c.y0 && p.y - r < c.y1 && out.indexOf(c) < 0) {
                        out.push(c);
                    }
                }
            }
            return out;
        }
        function best(box, zoom) {
            // Breadth-first over paddings: each covering control gets room beside it, or above or below it.
            var size = map.getSize(), rs = rects(), queue = [[PAD, PAD, PAD, PAD]], seen = {};
            var found = null, fallback = null, tries = 0;
            while (queue.length && tries < 32) {
                var pad = queue.shift(), key = pad.join(",");
                if (seen[key]) continue;
                seen[key] = true;
                if (pad[0] + pad[2] > size.x - 40 || pad[1] + pad[3] > size.y - 40) continue;
                tries += 1;
                var view = plan(box, zoom, pad), hit = hidden(view, rs);
                if (!hit.length) {
                    if (!found || view.zoom > found.view.zoom) found = {view: view, n: 0};
                    continue;
                }
                if (!fallback || hit.length < fallback.n || (hit.length === fallback.n && view.zoom > fallback.view.zoom)) {
                    fallback = {view: view, n: hit.length};
                }
                if (found && view.zoom <= found.view.zoom) continue;
                var c = hit[0], left = (c.x0 + c.x1) / 2 < size.x / 2, top = (c.y0 + c.y1) / 2 < size.y / 2;
                var across = pad.slice(), down = pad.slice();
                if (left) across[0] = Math.max(pad[0], c.x1 + MARGIN); else across[2] = Math.max(pad[2], size.x - c.x0 + MARGIN);
                if (top) down[1] = Math.max(pad[1], c.y1 + MARGIN); else down[3] = Math.max(pad[3], size.y - c.y0 + MARGIN);
                if (c.x0 > size.x * 0.25 && c.x1 < size.x * 0.75) { queue.push(down); } else { queue.push(across, down); }
            }
            return found || fallback || {view: plan(box, zoom, [PAD, PAD, PAD, PAD]), n: 0};
        }
        function fold(layers, legend) {
            var box = container.querySelector(".geo-legend");
            if (box) box.classList.toggle("geo-collapsed", legend);
            var control = container.querySelector(".leaflet-control-layers");
            if (control) {
                layersFolded = layers;
                control.classList.toggle("leaflet-control-layers-expanded", !layers);
                if (!control.geoFoldable) {
                    control.geoFoldable = true;
                    var open = function () {
                        if (layersFolded) { control.classList.add("leaflet-control-layers-expanded"); relist(); }
                    };
                    control.addEventListener("mouseenter", open);
                    control.addEventListener("mouseleave", function () {
                        if (layersFolded) control.classList.remove("leaflet-control-layers-expanded");
                    });
                    var link = control.querySelector(".leaflet-control-layers-toggle");
                    if (link) link.addEventListener("click", open);
                }
            }
        }
        function relist() {
            // The layer control sized its list for the container it had when it was drawn (Leaflet's expand()).
            var control = container.querySelector(".leaflet-control-layers-expanded");
            var list = control && control.querySelector(".leaflet-control-layers-list");
            if (!list) return;
            list.style.height = "";
            var room = map.getSize().y - (control.offsetTop + 50);
            if (room < list.clientHeight) {
                list.classList.add("leaflet-control-layers-scrollbar");
                list.style.height = room + "px";
            } else {
                list.classList.remove("leaflet-control-layers-scrollbar");
            }
        }
        map.geoFit = function (bounds, maxZoom, keepLegend) {
            var box = L.latLngBounds(bounds), zoom = maxZoom == null ? map.getMaxZoom() : maxZoom;
            target = [bounds, maxZoom];
            userMoved = false;
            var size = map.getSize();
            if (!size.x || !size.y) return;
            if (typeof map._getBoundsCenterZoom !== "function") {  // (Leaflet 1.x has it; plain fit otherwise)
                map.fitBounds(box, {padding: [PAD, PAD], maxZoom: zoom, animate: false});
                return;
            }
            var small = size.x < 480 || size.y < 320, compact = size.x < 900 || size.y < 400;
            var choices = small ? [[true, true]] : [[false, false], [true, false], [true, true]];
            if (keepLegend) {  // the reader is using the legend's buttons: it stays open
                choices = small ? [[true, false]] : [[false, false], [true, false]];
            }
            var pick = null, folded = null;
            for (var i = 0; i < choices.length; i++) {
                fold(choices[i][0], choices[i][1]);
                relist();
                var p = best(box, zoom);
                // Fewer places under controls first, then a closer view; on a wide map the legend folds only
                // for a view at least two zoom levels (four times) closer.
                var gain = choices[i][1] && !(folded && folded[1]) && !compact ? 2 : 1;
                var better = !pick || p.n < pick.n || (p.n === pick.n && p.view.zoom >= pick.view.zoom + gain);
                if (better) { pick = p; folded = choices[i]; }
            }
            fold(folded[0], folded[1]);
            relist();
            map.setView(pick.view.center, pick.view.zoom, {animate: false});
        };
        function refit() {
            var w = container.clientWidth, h = container.clientHeight;
            if (!w || !h || w + "x" + h === lastSize) return;
            lastSize = w + "x" + h;
            map.invalidateSize({pan: false});
            relist();
            if (!userMoved) map.geoFit(target[0], target[1]);
        }
        function moved(e) {
            // The reader's own pan or zoom is kept; the legend's buttons choose a view with geoFit.
            if (!(e.target && e.target.closest && e.target.closest(".geo-legend, .leaflet-control-layers"))) {
                userMoved = true;
            }
        }
        ["mousedown", "touchstart", "wheel", "keydown", "dblclick"].forEach(function (name) {
            container.addEventListener(name, moved, {capture: true, passive: true});
        });
        refit();
        if (window.ResizeObserver) new ResizeObserver(refit).observe(container);
        window.addEventListener("resize", refit);
        window.addEventListener("load", function () { lastSize = ""; refit(); });
    })();
    {% endmacro %}
    """)

    def __init__(self, bounds: Bounds, *, max_zoom: int = 9, anchors: Iterable[Any] = ()) -> None:
        super().__init__()
        self._name = "FitView"
        self.bounds = [list(bounds[0]), list(bounds[1])]
        self.max_zoom = int(max_zoom)
        #: ``[lat, lon, radius in pixels]`` of each place: points the fit keeps clear of the controls.
        self.anchors = [[round(float(a), 5), round(float(b), 5), float(r)] for a, b, r in anchors]


class PlacesMap(folium.Map, LiteralMacroElement):
    """A ``folium.Map`` whose page needs no network.

    Its Leaflet and jQuery links are inlined by ``save``, ``_repr_html_`` and
    ``geo.save_map``; it loads no Bootstrap, Font Awesome or awesome-markers (use circle
    markers). ``kind_layers`` maps each kind to its ``folium.GeoJson`` layer;
    ``focus_bounds`` and ``all_bounds`` are the opening view and the box of every place.

    >>> m = PlacesMap()
    >>> [name for name, _ in m.default_js], [name for name, _ in folium.Map.default_js][2:]
    (['leaflet', 'jquery'], ['bootstrap', 'awesome_markers'])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("tiles", None)
        super().__init__(*args, **kwargs)
        # On the instance: JSCSSMixin.add_js_link would otherwise change every later map.
        self.default_js = [(name, url) for name, url in folium.Map.default_js if name in ("leaflet", "jquery")]
        self.default_css = [(name, url) for name, url in folium.Map.default_css if name == "leaflet_css"]
        self.kind_layers: dict[str, folium.GeoJson] = {}
        self.focus_bounds: Bounds | None = None
        self.all_bounds: Bounds | None = None

    def _repr_html_(self, **kwargs: Any) -> str:
        value, unit = self.height
        return notebook_html(self, height=f"{value:g}px" if unit == "px" else "480px")

    def save(self, outfile: Any, close_file: bool = True, **kwargs: Any) -> None:
        """Write the self-contained page (to a path atomically, or to an open file)."""
        if isinstance(outfile, (str, os.PathLike)):
            save_map(self, outfile)
            return
        outfile.write(standalone_html(self).encode("utf-8") if "b" in getattr(outfile, "mode", "")
                      else standalone_html(self))
        if close_file:
            outfile.close()


def _check_style(style: dict) -> dict:
    unknown = sorted(set(style) - set(STYLE_KEYS))
    if unknown:
        raise InputError(f"map_places got unknown style options {unknown}; valid: {', '.join(STYLE_KEYS)}")
    colours = style.get("colors") or {}
    if not isinstance(colours, dict):
        raise InputError("colors must be a dict of kind -> colour, e.g. {'city': '#d62728'}")
    for k, c in colours.items():
        if not isinstance(c, str) or not _COLOUR.fullmatch(c.strip()):
            raise InputError(f"colour for {k!r} must be '#rrggbb', a colour name or rgb(...), not {c!r}")
    for k in ("fill_opacity", "weight", "radius", "max_zoom"):
        if k in style and not isinstance(style[k], (int, float)):
            raise InputError(f"{k} must be a number, not {style[k]!r}")
    for k in ("width", "height"):
        if k in style and not (isinstance(style[k], (int, float)) or _SIZE.fullmatch(str(style[k]))):
            raise InputError(f"{k} must be pixels or a CSS size such as '100%' or '600px', not {style[k]!r}")
    return style


def _tile_layer(tiles: Any):
    if isinstance(tiles, folium.TileLayer):
        tiles.overlay, tiles.control = False, True
        return tiles
    try:
        return LiteralTileLayer(tiles, overlay=False, control=True)
    except ValueError as e:
        raise InputError(f"unknown tiles {tiles!r}: give an xyzservices provider name such as 'OpenStreetMap' "
                         "or 'CartoDB Positron', or None for the offline basemap") from e


def _children(element: Any) -> Iterator[Any]:
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _children(child)


def _unique_name(m: Any, name: str) -> str:
    taken = {c.layer_name for c in m._children.values() if isinstance(c, Layer)}
    out, k = name, 2
    while out in taken:
        out, k = f"{name} ({k})", k + 1
    return out


def map_places(document_or_gdf: Any, *, tiles: Any = None, title: str | None = None, m: Any = None,
               gazetteer: Any = None, **style: Any) -> folium.Map:
    """Draw the places of a geoparsed story, or of a corpus, on a Folium map.

    ``document_or_gdf`` is a ``geo.Document``; a corpus table: the mentions of
    ``geo.geoparse_corpus`` or the places of ``summarise_places`` (or the GeoParquet files
    that ``geo corpus`` writes, read with ``geopandas.read_parquet``), drawn with each
    place's real shape from ``gazetteer`` (default: the bundled one) and circles sized by
    mentions across the corpus; or a GeoDataFrame shaped like ``doc.places`` (a plain one
    with name/kind/geometry works; other columns get defaults); or gazetteer places, one
    or a list (``gaz.lookup("Lachin")``). The input is never modified.

    Each kind becomes one ``folium.GeoJson`` layer: areas
    (countries, regions, admin units, disputed areas, hatched and dashed) as polygons with a
    hover highlight, corridors as lines, cities and other points as circles sized by how
    often they are mentioned. Popups list the name, kind, country, a few other names, the
    number of mentions and every sentence naming the place with the mention marked; all
    text is HTML-escaped. The map opens on :func:`focus_bounds`, whenever its frame gets its
    size, with no place under a control (see :class:`FitView`).

    ``tiles=None`` draws the bundled country polygons as an offline basemap; a provider
    name such as ``"OpenStreetMap"`` adds web tiles as a switchable base layer (the page
    then loads tiles from the network). ``m`` draws onto an existing map: a kind drawn again
    stays one layer (one legend row, one layer-control entry), and a place already on the map
    (same gazetteer id) is not drawn twice. Style options:
    ``colors`` (kind -> colour), ``fill_opacity``, ``weight``, ``radius`` (circle size of a
    place mentioned once), ``width``, ``height``, ``max_zoom``.

    >>> import geo, warnings
    >>> m = map_places(geo.geoparse("Protests in Baku and Yerevan."), title="Caucasus")
    >>> list(m.kind_layers)
    ['city']
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     empty = map_places(geo.geoparse(""))
    >>> [str(x.message) for x in w]
    ['map_places: no places to draw']
    >>> corpus = geo.geoparse_corpus(["Talks in Baku.", "Baku and Armenia."], scheduler="synchronous")
    >>> m = map_places(corpus)
    >>> sorted(m.kind_layers), m.kind_layers["country"].data["features"][0]["geometry"]["type"]
    (['city', 'country'], 'MultiPolygon')
    >>> sorted(map_places(geo.load_gazetteer().lookup("Lachin"), m=m).kind_layers)
    ['admin1', 'city', 'country']
    """
    style = _check_style(dict(style))
    gdf, gaz = _places_frame(document_or_gdf, gazetteer)
    rows, has_counts = _rows(gdf, gaz)
    if not rows:
        warnings.warn("map_places: no places to draw", UserWarning, stacklevel=2)
    if m is not None and not isinstance(m, folium.Map):
        raise InputError(f"m must be a folium.Map, not {type(m).__name__}")
    # On an existing map, the view fits everything drawn on it so far. A place already drawn
    # (same gazetteer id) is not drawn twice; a kind drawn again becomes one layer with all its places.
    drawn = (getattr(m, "_geo_rows", None) or []) if m is not None else []
    ids = {p.id for p in drawn if not p.id.startswith("row:")}
    rows = [p for p in rows if p.id.startswith("row:") or p.id not in ids]
    for k, p in enumerate(rows):
        p.i, p.counted, p.style = len(drawn) + k, has_counts, style
    all_rows = drawn + rows
    focus, everything, outside = _focus(all_rows)
    (s, w), (n, e) = focus

    fresh = m is None
    if m is None:
        kw = {k: style[k] for k in ("width", "height") if k in style}
        m = PlacesMap(location=[(s + n) / 2, (w + e) / 2], zoom_start=3, tiles=None, control_scale=True,
                      min_zoom=1, **kw)
        m.options["max_zoom"] = int(style.get("max_zoom", 18 if tiles is not None else 12))
    if getattr(m, "kind_layers", None) is None:
        m.kind_layers = {}
    m._geo_rows = all_rows
    m.focus_bounds, m.all_bounds = focus, everything

    existing = list(_children(m))
    panes = {c.name for c in existing if isinstance(c, CustomPane)}
    for pane, z, events in (("geo-basemap", 250, False), ("geo-areas", 400, True), ("geo-lines", 410, True),
                            ("geo-points", 420, True)):
        if pane not in panes:
            m.add_child(LiteralPane(pane, z_index=z, pointer_events=events))

    # Base layers: web tiles if asked for; the offline basemap unless the map has one, or has tiles of its own.
    basemaps = [c for c in existing if isinstance(c, Basemap)]
    has_tiles = any(isinstance(c, folium.TileLayer) for c in existing)
    if tiles is not None:
        m.add_child(_tile_layer(tiles))
        for b in basemaps:  # the basemap's pane lies above the tiles: it becomes the other choice
            b.show, b.control = False, True
    if not basemaps and (fresh or tiles is not None or not has_tiles):
        if gaz is None:
            from geo.gazetteer import load_gazetteer

            gaz = load_gazetteer()
        box, fine = _detail_box(focus)
        m.add_child(Basemap(_basemap_geojson(gaz, box, fine), show=tiles is None, control=tiles is not None))

    legend = next((c for c in existing if isinstance(c, Legend)), None)
    if legend is None:
        legend = Legend()
    colours = {k: v.strip() for k, v in (style.get("colors") or {}).items()}
    known = {label for label, *_ in legend.entries}
    countries = _country_names(gaz)

    new_kinds = {p.kind for p in rows}
    by_kind: dict[str, list[_Place]] = {}
    for p in all_rows:
        if p.kind in new_kinds:
            by_kind.setdefault(p.kind, []).append(p)
    order = list(KIND_STYLES)

    def draw_order(kind: str) -> tuple:
        dim = max(p.dim for p in by_kind[kind])
        return (-dim, order.index(kind) if kind in order else len(order), kind)

    box, fine = _detail_box(focus)
    kind_colours = getattr(m, "_geo_colours", None)
    if kind_colours is None:
        kind_colours = m._geo_colours = {}
    for kind in sorted(by_kind, key=draw_order):
        places = by_kind[kind]
        colour = colours.get(kind) or kind_colours.get(kind) or KIND_STYLES.get(kind, (None, None))[1]
        if colour is None:
            extra = sum(1 for k in kind_colours if k not in KIND_STYLES)
            colour = EXTRA_COLOURS[extra % len(EXTRA_COLOURS)]
        kind_colours[kind] = colour
        hatch_id = None
        if kind in HATCHED_KINDS:
            hatch_id = next((h for h, c in legend.hatches if c == colour), None)
            if hatch_id is None:
                hatch_id = f"geo-hatch-{len(legend.hatches)}"
                legend.hatches.append((hatch_id, colour))
        old_layer = m.kind_layers.get(kind)
        slot = None
        if old_layer is not None:  # the kind was drawn before: one layer with its old and new places
            slot = list(m._children).index(old_layer.get_name())
            del m._children[old_layer.get_name()]
        features, styles, hovers = [], {}, {}
        for p in places:
            fid = f"p{p.i}"
            st, hv = _styles(kind, colour, hatch_id, p, p.style)
            styles[fid], hovers[fid] = st, hv
            geom = _lod(p.geometry, box, fine)
            features.append({"type": "Feature", "id": fid, "geometry": json.loads(shapely.to_geojson(geom)),
                             "properties": {"tip": html.escape(p.name),
                                            "popup": _popup_html(p, p.counted, countries)}})
        dim = max(p.dim for p in places)
        pane = {0: "geo-points", 1: "geo-lines"}.get(dim, "geo-areas")
        label = html.escape(_kind_label(kind))
        layer = LiteralGeoJson(
            {"type": "FeatureCollection", "features": features},
            name=_unique_name(m, f"{label} ({len(places)})"),
            style_function=lambda f, _s=styles: _s[f["id"]],
            highlight_function=lambda f, _h=hovers: _h[f["id"]],
            marker=folium.CircleMarker(radius=6, fill=True),
            tooltip=LiteralGeoJsonTooltip(fields=["tip"], labels=False, sticky=True, class_name="geo-tooltip"),
            popup=LiteralGeoJsonPopup(fields=["popup"], labels=False, localize=False, class_name="geo-popup-box",
                                      max_width=380, max_height=320),
            pane=pane,
        )
        m.add_child(layer)
        if slot is not None:  # in the old layer's place: the same stacking and layer-control order
            items = list(m._children.items())
            items.insert(slot, items.pop())
            m._children.clear()
            m._children.update(items)
        m.kind_layers[kind] = layer
        if label not in known:
            shape = "point" if dim == 0 else "line" if dim == 1 else "area"
            legend.entries.append((label, colour, shape, hatch_id is not None))
            known.add(kind)
        legend.sized = legend.sized or (dim == 0 and has_counts)

    legend.focus, legend.all = [list(focus[0]), list(focus[1])], [list(everything[0]), list(everything[1])]
    legend.outside = [html.escape(all_rows[i].name) for i in sorted(outside, key=lambda i: -all_rows[i].mentions)]
    if title is not None:
        legend.title = str(title)
        root = m.get_root()
        if hasattr(root, "title"):
            root.title = html.escape(str(title))
    legend.notice = "" if all_rows else html.escape("No places were found in this text.")
    if legend._parent is None:
        m.add_child(legend)
    # The layer control renders last so it lists every layer.
    for c in [c for c in m._children.values() if isinstance(c, folium.LayerControl)]:
        del m._children[c.get_name()]
    m.add_child(LiteralLayerControl(position="topright", collapsed=False))
    for c in [c for c in m._children.values() if isinstance(c, (FitBounds, FitView))]:
        del m._children[c.get_name()]
    anchors = [(p.lat, p.lon, _radius(p.mentions, float(p.style.get("radius", 6.0))) if p.dim == 0 else 4.0)
               for p in all_rows]
    m.add_child(FitView(focus, max_zoom=9 if all_rows else 3, anchors=anchors))
    return m


# ---------------------------------------------------------------------------------------------
# Self-contained HTML


def _xstatic_dir(package: str) -> Path:
    import importlib

    try:
        mod = importlib.import_module(f"xstatic.pkg.{package}")
    except ImportError as e:
        raise OfflineAssetError(f"cannot inline {package}: install xstatic-{package} (pip install "
                                f"xstatic-{package})") from e
    return Path(mod.BASE_DIR)


_ASSET_CACHE: dict[str, str] = {}


def _asset(name: str) -> str:
    """The text of a local asset: ``leaflet.js``, ``leaflet.css`` (images as data: URIs), ``jquery.js``."""
    if name in _ASSET_CACHE:
        return _ASSET_CACHE[name]
    if name == "leaflet.js":
        text = (_xstatic_dir("leaflet") / "leaflet.js").read_text("utf-8")
    elif name == "jquery.js":
        text = (_xstatic_dir("jquery") / "jquery.min.js").read_text("utf-8")
    elif name == "leaflet.css":
        base = _xstatic_dir("leaflet")
        text = (base / "leaflet.css").read_text("utf-8")

        def data_uri(mt: re.Match) -> str:
            path = base / mt.group(1)
            if not path.is_file():
                raise OfflineAssetError(f"leaflet.css refers to {mt.group(1)}, which xstatic-leaflet lacks")
            return "url(data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii") + ")"

        text = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, text)
    elif name == "marker-icons.js":
        base = _xstatic_dir("leaflet") / "images"

        def uri(f: str) -> str:
            return "data:image/png;base64," + base64.b64encode((base / f).read_bytes()).decode("ascii")

        text = ('L.Icon.Default.imagePath = "";\nL.Icon.Default.mergeOptions(' + json.dumps(
            {"iconUrl": uri("marker-icon.png"), "iconRetinaUrl": uri("marker-icon-2x.png"),
             "shadowUrl": uri("marker-shadow.png")}) + ");")
    else:  # pragma: no cover - internal names only
        raise KeyError(name)
    text = re.sub(r"\n?/[/*][#@] sourceMappingURL=[^\n]*", "", text)
    _ASSET_CACHE[name] = text
    return text


# Which local asset replaces a CDN file, by the file's name.
_LOCAL = [
    (re.compile(r"leaflet(?:-src)?(?:\.min)?\.js"), "leaflet.js"),
    (re.compile(r"leaflet(?:\.min)?\.css"), "leaflet.css"),
    (re.compile(r"jquery(?:-\d+(?:\.\d+)*)?(?:\.min)?\.js"), "jquery.js"),
]
# Files that only icon markers (folium.Icon) need: dropped when the map has none.
_ICON_ONLY = re.compile(r"bootstrap|glyphicons|fontawesome|font-awesome|awesome-markers|awesome\.rotate", re.I)
_LINK_TAG = re.compile(r'<script src="([^"]+)"></script>|<link rel="stylesheet" href="([^"]+)"\s*/?>')
# Anything else that would load from the network. Text from the story cannot match: in the
# page it is HTML-escaped inside JSON strings, where "<" is written \u003c and a quote \".
_EXTERNAL = [
    re.compile(r"<(?:script|img|iframe|source|audio|video|embed|track|input)\b[^>]*?\bsrc\s*=\s*[\"']?\s*"
               r"((?:https?:)?//[^\"'\s>]+)", re.I),
    re.compile(r"<(?:link|object)\b[^>]*?\b(?:href|data)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]+)", re.I),
    re.compile(r"\$\.ajax\(\s*\"((?:https?:)?//[^\"]+)\"", re.I),  # GeoJson(embed=False)
    re.compile(r"L\.(?:imageOverlay|videoOverlay)\(\s*\"((?:https?:)?//[^\"]+)\"", re.I),
    re.compile(r"\"(?:iconUrl|iconRetinaUrl|shadowUrl)\"\s*:\s*\"((?:https?:)?//[^\"]+)\"", re.I),
]
# In stylesheets (style elements and attributes) only.
_CSS_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>|\bstyle\s*=\s*\"([^\"]*)\"", re.I | re.S)
_CSS_EXTERNAL = re.compile(r"(?:url\(\s*[\"']?\s*|@import\s+[\"']?)((?:https?:)?//[^\"')\s;]+)", re.I)


def _render(m: Any) -> str:
    """The figure's HTML; the figure is left as it was, so rendering again gives the same page.

    (folium's elements add their scripts to the figure each time they render, so a map
    rendered twice would otherwise carry every ``addTo`` twice.)
    """
    root = m.get_root()
    parts = [p for p in (getattr(root, "header", None), getattr(root, "html", None), getattr(root, "script", None))
             if p is not None]
    saved = [p._children.copy() for p in parts]
    try:
        return root.render()
    finally:
        for p, children in zip(parts, saved, strict=True):
            p._children = children


def _has_icons(m: Any) -> bool:
    return any(isinstance(c, Icon) for c in _children(m))


def standalone_html(m: Any) -> str:
    """The map's page as one HTML string that loads nothing from the network.

    Leaflet (JS and CSS, its images as data: URIs) and jQuery are inlined from the installed
    ``xstatic-leaflet`` and ``xstatic-jquery``; Bootstrap and Font Awesome links, which only
    icon markers need, are dropped when the map has none. Raises ``OfflineAssetError`` if any
    other external script, stylesheet, image or data URL would remain. Web tiles that the
    user asked for (``tiles=...``) are the one thing still loaded from the network.

    >>> import folium
    >>> page = standalone_html(folium.Map(tiles=None))
    >>> "<script src=" in page, "cdn.jsdelivr" in page
    (False, False)
    """
    if not isinstance(m, folium.Map):
        raise InputError(f"expected a folium.Map, not {type(m).__name__}")
    page = _render(m)
    token = "geo-asset-" + secrets.token_hex(8) + "-"  # marks where an asset goes; no text can guess it
    icons = _has_icons(m)
    missing: list[str] = []
    used: list[str] = []

    def replace(mt: re.Match) -> str:
        url = mt.group(1) or mt.group(2)
        filename = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        for pattern, local in _LOCAL:
            if pattern.fullmatch(filename):
                if local in used:
                    return ""
                used.append(local)
                return f"{token}{local}{token}"
        if not icons and _ICON_ONLY.search(url):
            return ""
        missing.append(url)
        return mt.group(0)

    page = _LINK_TAG.sub(replace, page)
    for pattern in _EXTERNAL:
        missing.extend(mt.group(1) for mt in pattern.finditer(page))
    for block in _CSS_BLOCK.finditer(page):
        missing.extend(mt.group(1) for mt in _CSS_EXTERNAL.finditer(block.group(1) or block.group(2) or ""))
    if missing:
        hint = " (folium.Icon markers need Bootstrap and Font Awesome from a CDN: use CircleMarker)" if icons else ""
        raise OfflineAssetError("the page would load from the network, and geo has no local copy of: "
                                + ", ".join(dict.fromkeys(missing)) + hint)

    def inline(mt: re.Match) -> str:
        local = mt.group(1)
        if local.endswith(".css"):
            return "<style>" + _asset(local).replace("</style", "<\\/style") + "</style>"
        code = _asset(local)
        if local == "leaflet.js" and "L.marker(" in page:
            code += "\n" + _asset("marker-icons.js")
        return "<script>" + code.replace("</script", "<\\/script") + "</script>"

    return re.sub(token + r"([\w.-]+)" + token, inline, page)


def notebook_html(m: Any, *, width: str = "100%", height: str = "480px") -> str:
    """An ``<iframe srcdoc>`` of the self-contained page, for notebooks and nbconvert exports.

    Unlike folium's own repr it needs no CDN and no "trusted notebook", so an executed
    notebook converted to HTML still shows the map offline.

    >>> import folium
    >>> notebook_html(folium.Map(tiles=None)).startswith("<iframe srcdoc=")
    True
    """
    for v in (width, height):
        if not _SIZE.fullmatch(str(v)):
            raise InputError(f"width and height must be CSS sizes such as '100%' or '480px', not {v!r}")
    page = standalone_html(m)
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:{width};height:{height};'
            'border:none" sandbox="allow-scripts allow-popups" title="map"></iframe>')


def save_map(m: Any, path: str | os.PathLike) -> Path:
    """Write the map as one self-contained HTML file; returns its path.

    The page is built first (see :func:`standalone_html`, which raises ``OfflineAssetError``
    if something would still come from the network), then written to a temporary file in
    the same folder and moved into place with ``os.replace``: a failure leaves neither a
    partial file nor a changed old one. Refuses (``InputError``) a folder that does not exist.

    >>> import geo, tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = save_map(geo.map_places(geo.geoparse("Talks in Baku.")), pathlib.Path(d) / "baku.html")
    ...     out.name, out.stat().st_size < 1_500_000
    ('baku.html', True)
    """
    path = Path(path)
    folder = path.absolute().parent
    if not folder.is_dir():
        raise InputError(f"cannot save the map to {path}: folder {folder} does not exist")
    if path.is_dir():
        raise InputError(f"cannot save the map to {path}: it is a folder")
    from geo.io import write_text_atomic

    return write_text_atomic(path, standalone_html(m))
