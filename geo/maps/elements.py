"""The folium elements geo draws with; each renders a constant template, and its output is finished text.

branca renders an element's output a second time as a Jinja template unless the element is a
:class:`LiteralMacroElement`; every element here is one, so no article text, title or layer
name is ever template source. ``Legend`` and ``FitView`` declare their CSS in their header
macros; ``PlacesMap`` declares the only JS and CSS it needs (Leaflet, jQuery).
"""

from __future__ import annotations

import html
import importlib
import os
import sys
from collections.abc import Iterable
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import CustomPane, Layer
from folium.template import Template

from geo.errors import InputError
from geo.maps.style import ATTRIBUTION, ATTRIBUTION_TEXT, BORDER_COLOUR, LAND_COLOUR, SEA_COLOUR
from geo.maps.view import Bounds


class _PandasOnceLoaded:
    """pandas for ``folium.utilities`` when folium was imported without it (``geo map`` leaves pandas
    out: a map of articles needs none). folium asks whether a value is a DataFrame; no value is one
    before pandas is imported, so it gets the same answers; anything else imports pandas then."""

    class _NoValue:  # nothing is an instance of it
        pass

    def __getattr__(self, name: str) -> Any:
        if "pandas" not in sys.modules and name in ("DataFrame", "Series", "Index"):
            return self._NoValue
        return getattr(importlib.import_module("pandas"), name)


def _folium_pandas() -> None:
    """Give folium pandas back if it was imported without it (if pandas is not installed at all,
    folium's checks still say that nothing is a DataFrame)."""
    utilities = sys.modules.get("folium.utilities")
    if utilities is not None and getattr(utilities, "pd", False) is None:
        utilities.pd = _PandasOnceLoaded()


_folium_pandas()

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
        from geo.maps.offline import notebook_html

        value, unit = self.height
        return notebook_html(self, height=f"{value:g}px" if unit == "px" else "480px")

    def save(self, outfile: Any, close_file: bool = True, **kwargs: Any) -> None:
        """Write the self-contained page (to a path atomically, or to an open file)."""
        from geo.maps.offline import save_map, standalone_html

        if isinstance(outfile, (str, os.PathLike)):
            save_map(self, outfile)
            return
        outfile.write(standalone_html(self).encode("utf-8") if "b" in getattr(outfile, "mode", "")
                      else standalone_html(self))
        if close_file:
            outfile.close()
