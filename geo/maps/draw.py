"""Drawing a story's places: ``map_places`` puts each kind in one GeoJSON layer, with popups, a legend and the opening view.
"""

from __future__ import annotations

import html
import json
import math
import re
import warnings
from typing import Any

import folium
import numpy as np
import shapely
from folium.map import CustomPane, FitBounds, Layer

from geo.errors import InputError
from geo.maps.detail import _basemap_geojson, _detail_box, _lod
from geo.maps.elements import (
    Basemap,
    FitView,
    Legend,
    LiteralGeoJson,
    LiteralGeoJsonPopup,
    LiteralGeoJsonTooltip,
    LiteralLayerControl,
    LiteralPane,
    LiteralTileLayer,
    PlacesMap,
)
from geo.maps.offline import _children
from geo.maps.rows import _pick_aliases, _Place, _places_frame, _rows
from geo.maps.style import (
    EXTRA_COLOURS,
    FILL_OPACITY,
    HATCHED_KINDS,
    KIND_NAMES,
    KIND_STYLES,
    _check_style,
    _kind_label,
)
from geo.maps.view import _focus

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


def _country_names(gaz: Any) -> dict[str, str]:
    """Country code -> the country's name, from the gazetteer's columns (no DataFrame of every feature)."""
    return {} if gaz is None else gaz.derived(_make_country_names)


def _make_country_names(gaz: Any) -> dict[str, str]:
    cols = gaz.columns
    rows = np.flatnonzero(cols["kind"] == "country")
    pairs = zip(cols["country"][rows].tolist(), cols["name"][rows].tolist())
    return {str(k): str(v) for k, v in pairs if isinstance(k, str)}


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


def _tile_layer(tiles: Any):
    if isinstance(tiles, folium.TileLayer):
        tiles.overlay, tiles.control = False, True
        return tiles
    try:
        return LiteralTileLayer(tiles, overlay=False, control=True)
    except ValueError as e:
        raise InputError(f"unknown tiles {tiles!r}: give an xyzservices provider name such as 'OpenStreetMap' "
                         "or 'CartoDB Positron', or None for the offline basemap") from e


def _unique_name(m: Any, name: str) -> str:
    taken = {c.layer_name for c in m._children.values() if isinstance(c, Layer)}
    out, k = name, 2
    while out in taken:
        out, k = f"{name} ({k})", k + 1
    return out


def map_places(document_or_gdf: Any, *, tiles: Any = None, title: str | None = None, m: Any = None,
               gazetteer: Any = None, **style: Any) -> folium.Map:
    """Draw the places of a geoparsed story, or of a corpus, on a Folium map.

    ``document_or_gdf`` is a ``geo.Document``, or a list of them (several articles on one map,
    their places merged as ``geo.texts.merge_places`` merges them, mention counts summed; drawn
    from plain rows, without pandas); a corpus table: the mentions of
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
    >>> two = map_places([geo.geoparse("Talks in Baku."), geo.geoparse("Baku and Yerevan.")])
    >>> [(f["properties"]["tip"], "Mentioned 2 times" in f["properties"]["popup"])
    ...  for f in two.kind_layers["city"].data["features"]]
    [('Baku', True), ('Yerevan', False)]
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
