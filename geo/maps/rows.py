"""What a map draws: a story's places from a Document, a GeoDataFrame, a corpus table or gazetteer places, as plain rows.
"""

from __future__ import annotations

import contextlib
import math
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from geo.errors import InputError
from geo.io.write import number
from geo.places import _missing

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

#: Places as plain rows, one dict each with the columns of ``doc.places``: what the map of a
#: document, a few documents or gazetteer places is drawn from, without pandas.
Records = list[dict[str, Any]]

MAX_ALIASES = 5  # alternate names shown in a popup


# ---------------------------------------------------------------------------------------------
# Input


def _is_geodataframe(data: Any) -> bool:
    gpd = sys.modules.get("geopandas")  # a GeoDataFrame exists only once geopandas is imported
    return gpd is not None and isinstance(data, gpd.GeoDataFrame)


def _is_corpus_table(data: Any) -> bool:
    """A table of ``geoparse_corpus`` (one row per mention) or of ``summarise_places`` / ``geo corpus``."""
    cols = set(getattr(data, "columns", ()))
    return "place_id" in cols and ("doc_id" in cols or {"mentions", "documents"} <= cols)


def _corpus_places(data: gpd.GeoDataFrame, gazetteer: Any) -> tuple[gpd.GeoDataFrame, Any]:
    """A corpus table as places shaped like ``doc.places``: counts per place, shapes from the gazetteer.

    The table's point of each place stays its anchor; a place the gazetteer does not know
    (from a layer added elsewhere) is drawn at that point.
    """
    import geopandas as gpd

    from geo.gazetteer import load_gazetteer
    from geo.places import summarise_places

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


def _is_document(v: Any) -> bool:
    """A geo ``Document`` or ``Article`` (``places`` is a property of its class)."""
    return hasattr(type(v), "places") and hasattr(v, "mentions") and not hasattr(v, "columns")


def _listed_places(places: list) -> Records:
    """Gazetteer places (``gaz.lookup(...)``) as rows shaped like ``doc.places``, without mentions."""
    return [{"id": p.id, "name": p.name, "kind": p.kind, "country": p.country, "lat": p.lat, "lon": p.lon,
             "place": p, "geometry": p.geometry} for p in places]


def _documents_gazetteer(docs: list) -> Any:
    """The gazetteer the documents were geoparsed with, when they share one."""
    found = {id(g): g for d in docs
             for g in ([getattr(d, "gazetteer", None)] if hasattr(d, "gazetteer")
                       else [getattr(x, "gazetteer", None) for x in getattr(d, "documents", ())])}
    return next(iter(found.values())) if len(found) == 1 else None


def _places_frame(data: Any, gazetteer: Any = None) -> tuple[gpd.GeoDataFrame | Records, Any]:
    """The places to draw and the gazetteer they came from (or None): a fresh GeoDataFrame in
    EPSG:4326, or rows (``Records``) for a document, documents or gazetteer places."""
    gaz = None
    records: Records | None = None
    if _is_geodataframe(data) and _is_corpus_table(data):
        gdf, gaz = _corpus_places(data, gazetteer)
    elif _is_place(data) or (isinstance(data, (list, tuple)) and all(_is_place(p) for p in data)):
        listed = [data] if _is_place(data) else list(data)
        records = _listed_places(listed)
        gaz = getattr(listed[0], "_gaz", None) if listed else None
    elif _is_geodataframe(data):
        gdf = data
    elif _is_document(data) or (isinstance(data, (list, tuple)) and all(_is_document(d) for d in data)):
        from geo.texts import place_records

        docs = [data] if _is_document(data) else list(data)
        records = place_records(docs)
        gaz = _documents_gazetteer(docs)
    elif data is None:
        raise InputError("map_places needs a geo Document or a GeoDataFrame of places, not None")
    else:
        raise InputError(f"map_places takes a geo Document (or a list of them), a corpus table, gazetteer places "
                         f"or a GeoDataFrame, not {type(data).__name__}")
    if gaz is None and hasattr(gazetteer, "table"):
        gaz = gazetteer
    if records is not None:
        kept = [r for r in records if r["geometry"] is not None and not r["geometry"].is_empty]
        if len(kept) < len(records):
            warnings.warn(f"map_places: {len(records) - len(kept)} places have no geometry and are not drawn",
                          UserWarning, stacklevel=3)
        return kept, gaz
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
    return gdf.reset_index(drop=True), gaz


def _text(v: Any, default: str = "") -> str:
    """``v`` as a string; ``default`` for None, NaN and pandas' NA."""
    if _missing(v):
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


def _rows(table: gpd.GeoDataFrame | Records, gaz: Any, *, names: bool = True) -> tuple[list[_Place], bool]:
    """The places as ``_Place`` rows, and whether the table carries mention counts."""
    n = len(table)
    column: Callable[[str], list]
    if isinstance(table, list):
        cols = {c for r in table for c in r}

        def column(c: str) -> list:
            return [r.get(c) for r in table] if c in cols else [None] * n

        raw_geoms = column("geometry")
    else:
        cols = set(table.columns)

        def column(c: str) -> list:
            return table[c].tolist() if c in cols else [None] * n

        raw_geoms = list(table.geometry.values)
    has_counts = "mentions" in cols
    values = {c: column(c) for c in ("id", "name", "kind", "country", "mentions", "first", "lat", "lon",
                                      "sentences", "texts")}
    geoms = [_clean_geometry(g) for g in raw_geoms]
    alias_map = _alternate_names(gaz, column("aliases") if "aliases" in cols else None, column("place")) if names else {}
    rows = []
    for i in range(n):
        rec = {c: v[i] for c, v in values.items()}
        g = geoms[i]
        dim = int(shapely.get_dimensions(g))
        lat, lon = number(rec["lat"]), number(rec["lon"])
        if lat is None or lon is None:
            pt = shapely.line_interpolate_point(g, 0.5, normalized=True) if dim == 1 else shapely.point_on_surface(g)
            lat, lon = pt.y, pt.x
        name = _text(rec["name"], "(unnamed)")
        mentions = number(rec["mentions"])
        first = number(rec["first"])
        rows.append(_Place(
            i=i, id=_text(rec["id"], f"row:{i}"), name=name, kind=_text(rec["kind"], "place") or "place",
            country=_text(rec["country"]), mentions=max(1, int(mentions)) if mentions else 1,
            first=int(first) if first is not None else i, sentences=_sentences_of(rec["sentences"], rec["texts"], name),
            aliases=alias_map.get(i, []), lat=float(lat), lon=float(lon), geometry=g, dim=dim))
    return rows, has_counts


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


def _alternate_names(gaz: Any, aliases_col: list | None, places_col: list) -> dict[int, list[str]]:
    """Other names of each row: an ``aliases`` column, else the gazetteer's names table.

    Reads ``gazetteer.names`` for all rows at once: ``Place.aliases`` indexes every name in
    the gazetteer on first use, which takes about a second.
    """
    out: dict[int, list[str]] = {}
    if aliases_col is not None:
        for i, v in enumerate(aliases_col):
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
    row_of: dict[str, int] = {}
    for p in wanted.values():
        with contextlib.suppress(KeyError):  # not a place of this gazetteer: its own aliases below
            row_of[p.id] = gaz.row(p.id)
    by_row = gaz.names_of(row_of.values(), types=(0, 1, 2))
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
