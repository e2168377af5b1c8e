"""Level of detail: geometry simplified finely near the story and coarsely elsewhere, rounded, small parts dropped.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geo.errors import InputError
from geo.maps.rows import _clean_geometry
from geo.maps.view import Bounds

COARSE_TOLERANCE = 0.15  # degrees; geometry far from the story's focus


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


def coarse_geometries(geoms: Any, tolerance: float) -> np.ndarray:
    """Geometries light enough for a world map: parts under ``2 * tolerance**2`` square degrees
    dropped (the largest part of each always stays), simplified to ``tolerance`` degrees and
    rounded to match. For drawing only: the result need not be valid for overlays.

    >>> from shapely.geometry import box, MultiPolygon
    >>> [g.geom_type for g in coarse_geometries([MultiPolygon([box(0, 0, 5, 5), box(9, 9, 9.01, 9.01)])], 0.15)]
    ['Polygon']
    >>> len(coarse_geometries([], 0.15))
    0
    """
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            out[i] = g
            continue
        c = shapely.simplify(_drop_small_parts(_clean_geometry(g), 2 * tolerance ** 2), tolerance,
                             preserve_topology=False)
        out[i] = _round(c, _decimals(tolerance))
    return out


#: The coarse country basemap of a gazetteer folder, written by ``save_basemap`` (scripts/build_shapes.py).
BASEMAP_FILE = "index-basemap.json"
BASEMAP_FORMAT = 1


class _Countries:
    """Every country of a gazetteer for the basemap: its row, bounds and coarse GeoJSON, and its full
    geometry (clipped to +-85 degrees) decoded only when a map draws it in detail."""

    def __init__(self, gaz: Any, rows: list[int], bounds: np.ndarray, coarse: list[str],
                 geoms: list | None = None) -> None:
        self.gaz, self.rows, self.bounds, self.coarse = gaz, rows, bounds, coarse
        self._geoms: dict[int, Any] = dict(enumerate(geoms)) if geoms is not None else {}

    def geometry(self, i: int):
        """The full geometry of the ``i``-th country."""
        if i not in self._geoms:
            self._geoms[i] = _country_geometry(self.gaz, self.rows[i])
        return self._geoms[i]


def _country_geometry(gaz: Any, row: int):
    g = gaz.geometry(row, whole_layer=True)
    if g is None or g.is_empty:
        return None
    return shapely.clip_by_rect(_clean_geometry(g), -180.0, -85.0, 180.0, 85.0)


def _make_countries(gaz: Any) -> _Countries:
    """The basemap's countries computed from the gazetteer's geometries (about 0.2 s)."""
    rows, geoms = [], []
    for r in np.flatnonzero(gaz.columns["layer"] == "country").tolist():
        g = _country_geometry(gaz, r)
        if g is not None and not g.is_empty:
            rows.append(r)
            geoms.append(g)
    arr = np.array(geoms, dtype=object)
    coarse = [shapely.to_geojson(c) if not c.is_empty else "" for c in coarse_geometries(arr, COARSE_TOLERANCE)]
    return _Countries(gaz, rows, shapely.bounds(arr).reshape(-1, 4), coarse, geoms)


def _read_countries(gaz: Any, path: Path, layers_hash: str) -> _Countries | None:
    """The countries saved at ``path``, or None if it is missing, damaged or made from other layers."""
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != BASEMAP_FORMAT or data.get("layers_hash") != layers_hash:
            return None
        rows, coarse = [int(r) for r in data["rows"]], [str(c) for c in data["coarse"]]
        bounds = np.array(data["bounds"], dtype=float).reshape(-1, 4)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not (len(rows) == len(coarse) == len(bounds)) or any(r >= len(gaz.columns["layer"]) for r in rows):
        return None
    return _Countries(gaz, rows, bounds, coarse)


def _write_countries(countries: _Countries, path: Path, layers_hash: str) -> None:
    data = {"format": BASEMAP_FORMAT, "layers_hash": layers_hash, "tolerance": COARSE_TOLERANCE,
            "rows": countries.rows, "bounds": countries.bounds.tolist(), "coarse": countries.coarse}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _load_or_make_countries(gaz: Any) -> _Countries:
    key = getattr(gaz, "layers_hash", None)
    folder = getattr(gaz, "folder", None)
    if key is None or folder is None:  # user layers (or not a geo gazetteer): made in memory
        return _make_countries(gaz)
    path = Path(folder) / BASEMAP_FILE
    countries = _read_countries(gaz, path, key)
    if countries is None:
        countries = _make_countries(gaz)
        if os.access(folder, os.W_OK):  # an editable install makes it once, then reads it
            with contextlib.suppress(OSError):
                _write_countries(countries, path, key)
    return countries


def _coarse_countries(gaz: Any) -> _Countries:
    """Every country of ``gaz`` for the basemap, made once per gazetteer: read from its folder's
    prebuilt ``BASEMAP_FILE`` when that was made from the same layers, else made (and saved there,
    when the folder is writable)."""
    if hasattr(gaz, "derived"):
        return gaz.derived(_load_or_make_countries)
    return _make_countries(gaz)


def save_basemap(gaz: Any) -> Path:
    """Make the coarse basemap of ``gaz`` and write it into its folder, as scripts/build_shapes.py does.

    >>> import geo, tempfile, pathlib
    >>> from geo.gazetteer import Gazetteer
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for f in geo.load_gazetteer().folder.iterdir():
    ...         _ = (pathlib.Path(d) / f.name).symlink_to(f)
    ...     (pathlib.Path(d) / BASEMAP_FILE).unlink(missing_ok=True)
    ...     save_basemap(Gazetteer(d)).name
    'index-basemap.json'
    """
    key = gaz.layers_hash
    if key is None:
        raise InputError("a gazetteer with user layers has no prebuilt basemap")
    path = Path(gaz.folder) / BASEMAP_FILE
    _write_countries(_make_countries(gaz), path, key)
    return path


def _basemap_geojson(gaz: Any, box: tuple[float, float, float, float], fine: float) -> str:
    """The country polygons as compact GeoJSON: coarse everywhere, detailed inside ``box``."""

    countries = _coarse_countries(gaz)
    bounds = countries.bounds
    bx0, by0, bx1, by1 = box
    near = (bounds[:, 2] >= bx0) & (bounds[:, 0] <= bx1) & (bounds[:, 3] >= by0) & (bounds[:, 1] <= by1)
    out = []
    for i, coarse in enumerate(countries.coarse):
        if near[i] and fine < COARSE_TOLERANCE:
            geom = _lod(countries.geometry(i), box, fine)
            text = shapely.to_geojson(geom) if not geom.is_empty else ""
        else:
            text = coarse
        if text:
            out.append('{"type":"Feature","properties":{},"geometry":' + text + "}")
    return '{"type":"FeatureCollection","features":[' + ",".join(out) + "]}"
