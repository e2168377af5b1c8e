"""The aggregate map of a corpus: countries and first-level regions shaded by mentions, the most mentioned places as circles.

This is the map ``geo corpus --map`` draws. Names and the title are shown as text, never read
as HTML or template (every element is a ``LiteralMacroElement``).

>>> import geo
>>> gdf = geo.geoparse_corpus(["Baku and Yerevan.", "Baku again."], scheduler="synchronous")
>>> sorted(layer.layer_name for layer in aggregate_map(gdf)._children.values() if getattr(layer, "control", False))
['Countries', 'Most mentioned places', 'Regions (admin-1)']
"""

from __future__ import annotations

import html
import math
import warnings
from typing import TYPE_CHECKING, Any

import folium
import shapely

from geo.maps.detail import coarse_geometries
from geo.maps.draw import _tile_layer
from geo.maps.elements import (
    FitView,
    LiteralElement,
    LiteralGeoJson,
    LiteralGeoJsonTooltip,
    LiteralLayerControl,
    MapTitle,
    MentionsLegend,
    PlacesMap,
)
from geo.places import summarise_places

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["aggregate_map"]


_COLOURS = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"]
_NO_MENTIONS = "#e4e4e4"


def _colour(count: float, vmax: float) -> str:
    """A colour of the YlOrRd ramp on a log scale; grey for no mentions."""
    if count <= 0:
        return _NO_MENTIONS
    x = math.log1p(count) / math.log1p(max(vmax, 1))
    return _COLOURS[min(len(_COLOURS) - 1, int(x * (len(_COLOURS) - 1) + 0.5))]


def _area_layer(gdf: gpd.GeoDataFrame, label: str, vmax: float, tolerance: float, *, show: bool = True,
                opacity: float = 0.75):
    gdf = gdf.copy()
    gdf["geometry"] = coarse_geometries(gdf.geometry.values, tolerance)
    geoms = gdf.geometry.values
    gdf = gdf[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    gdf["colour"] = [_colour(v, vmax) for v in gdf["mentions"]]
    gdf["tip"] = [_tip(name, [f"{n:,} mentions"]) for name, n in zip(gdf["name"], gdf["mentions"], strict=True)]
    return LiteralGeoJson(
        gdf[["name", "mentions", "tip", "colour", "geometry"]], name=label, show=show,
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#777", "weight": 0.5,
                                  "fillOpacity": opacity},
        highlight_function=lambda f: {"weight": 2, "color": "#222"},
        tooltip=LiteralGeoJsonTooltip(["tip"], labels=False) if len(gdf) else None)  # folium checks the fields


def _tip(name: Any, lines: list[str]) -> str:
    """A tooltip's HTML: the name in bold, then a line each; every value escaped here."""
    return "<b>" + html.escape(str(name)) + "</b>" + "".join("<br>" + html.escape(line) for line in lines)


def _legend(vmax: float, title: str):
    steps = sorted({max(1, math.ceil(math.expm1(math.log1p(max(vmax, 1)) * (k - 0.5) / (len(_COLOURS) - 1))))
                    for k in range(1, len(_COLOURS))})
    return MentionsLegend(title, [(_NO_MENTIONS, "0")] + [(_colour(s, vmax), f"{s:,}+") for s in steps])


def aggregate_map(data: gpd.GeoDataFrame, *, top: int = 50, tiles: str | None = None,
                  title: str | None = None, gazetteer: Any = None) -> folium.Map:
    """An aggregate map of a corpus: mentions by country and by admin-1 region, top places as circles.

    ``data`` is a mention table (``geoparse_corpus``) or a place summary (``summarise_places``).
    Countries and first-level regions are shaded, on one log scale, by the mentions of the
    places in them; the ``top`` most mentioned places are circles whose area grows with their
    count. ``tiles=None`` draws no tiles: the countries are the base map, so it works offline.
    The country and region shapes come from ``gazetteer`` (a Gazetteer or a folder; default:
    the bundled one). Names and the title are shown as text, never read as HTML or template.
    The map is a ``geo.maps.PlacesMap``: it shows offline in a notebook, and
    ``geo.save_map(m, "map.html")`` saves it self-contained.

    >>> import geo
    >>> gdf = geo.geoparse_corpus(["Baku and Yerevan.", "Baku again."], scheduler="synchronous")
    >>> m = aggregate_map(gdf, title="Two documents")
    >>> sorted(layer.layer_name for layer in m._children.values() if getattr(layer, "control", False))
    ['Countries', 'Most mentioned places', 'Regions (admin-1)']
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     empty = aggregate_map(gdf.iloc[:0])
    >>> str(w[0].message)
    'no places to draw'
    """
    import pandas as pd

    from geo.gazetteer import load_gazetteer

    places = data if {"mentions", "documents"} <= set(data.columns) else summarise_places(data)
    if places.empty:
        warnings.warn("no places to draw", UserWarning, stacklevel=2)
    places = places[places["place_id"].notna()]
    # Each place counts for its own country and its own first-level region.
    by_country = places.groupby("country")["mentions"].sum() if len(places) else pd.Series(dtype="int64")
    by_admin1 = places.dropna(subset=["admin1"]).groupby("admin1")["mentions"].sum() if len(places) \
        else pd.Series(dtype="int64")
    gaz = gazetteer if hasattr(gazetteer, "layer") else load_gazetteer(gazetteer)

    # A PlacesMap shows offline in a notebook too; FitView opens it on the places once its frame has a size.
    m = PlacesMap(location=[25, 10], zoom_start=2, tiles=None, control_scale=True, min_zoom=1)
    if tiles is None:
        m.get_root().header.add_child(LiteralElement("<style>.leaflet-container{background:#d4e6f4 !important;}"
                                                     "</style>"), name="geo_corpus_sea")
    else:
        m.add_child(_tile_layer(tiles))
    if title:
        m.add_child(MapTitle(title))
    countries = gaz.layer("country")
    countries["mentions"] = countries["country"].map(by_country).fillna(0).astype("int64")
    vmax = float(by_country.max()) if len(by_country) else 1.0
    _area_layer(countries, "Countries", vmax, 0.1, opacity=0.85 if tiles is None else 0.6).add_to(m)
    admin1 = gaz.layer("admin1")
    admin1["mentions"] = admin1["admin1"].map(by_admin1).fillna(0).astype("int64")
    shaded = admin1[admin1["mentions"] > 0]
    _area_layer(shaded, "Regions (admin-1)", vmax, 0.05 if len(shaded) <= 500 else 0.1, show=False).add_to(m)

    top_places = places.head(top)
    top_places = top_places[top_places.geometry.notna()].copy()
    biggest = float(top_places["mentions"].max()) if len(top_places) else 1.0
    top_places["radius"] = [round(4 + 26 * math.sqrt(v / biggest), 1) for v in top_places["mentions"]]
    top_places["tip"] = [
        _tip(r.name, [" · ".join(str(v) for v in (r.kind, r.country) if isinstance(v, str) and v),
                      f"{r.mentions:,} mentions in {r.documents:,} documents"])
        for r in top_places[["name", "kind", "country", "mentions", "documents"]].itertuples(index=False)]
    LiteralGeoJson(
        top_places[["name", "kind", "country", "mentions", "documents", "tip", "radius", "geometry"]],
        name="Most mentioned places",
        marker=folium.CircleMarker(radius=6, fill=True),
        style_function=lambda f: {"radius": f["properties"]["radius"], "color": "#08306b", "weight": 1,
                                  "fillColor": "#2171b5", "fillOpacity": 0.55},
        tooltip=LiteralGeoJsonTooltip(["tip"], labels=False),
    ).add_to(m)
    _legend(vmax, "mentions (log scale)").add_to(m)
    LiteralLayerControl(collapsed=False).add_to(m)
    shown = countries[countries["mentions"] > 0]
    if len(shown):
        b = shown.total_bounds
        anchors = [(p.y, p.x, r) for p, r in zip(top_places.geometry, top_places["radius"], strict=True)]
        m.add_child(FitView(((max(-60.0, b[1]), b[0]), (min(80.0, b[3]), b[2])), max_zoom=9, anchors=anchors))
    return m
