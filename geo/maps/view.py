"""Where a map opens: the places clustered by distance, and the box around the busiest cluster.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely

from geo.distance import great_circle_km
from geo.maps.rows import _Place, _places_frame, _rows

Bounds = tuple[tuple[float, float], tuple[float, float]]
"""``((south, west), (north, east))`` in degrees, the order Leaflet's ``fitBounds`` takes."""

CLUSTER_KM = 1500.0  # places closer than this (chained) form one cluster for the opening view
PART_DEGREES = 12.0  # parts of a multi-geometry this far from its anchor (Alaska, Réunion) are left out


# ---------------------------------------------------------------------------------------------
# Bounds


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
        a, b = np.nonzero(great_circle_km(plat[start:start + 256, None], plon[start:start + 256, None], plat, plon) < km)
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
    >>> import geopandas as gpd
    >>> focus_bounds(gpd.GeoDataFrame({"name": [], "kind": []}, geometry=[], crs=4326))
    ((-60.0, -170.0), (75.0, 170.0))
    """
    gdf, _ = _places_frame(places)
    rows, _ = _rows(gdf, None, names=False)
    return _focus(rows)[0]
