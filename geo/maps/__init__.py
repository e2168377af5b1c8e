"""Maps: draw a story's places with Folium and save them as one self-contained HTML page.

``map_places`` draws each kind of place as one ``folium.GeoJson`` layer over an offline
basemap of the bundled country polygons; ``save_map`` writes a single HTML file with
Leaflet and jQuery inlined from the installed XStatic packages, so the page loads nothing
from the network. ``aggregate_map`` draws a whole corpus.

Where each part is decided, in the order a map is made:

- ``rows``: what is drawn (a Document, a GeoDataFrame, a corpus table, gazetteer places);
- ``view``: where the map opens (``focus_bounds``);
- ``detail``: how finely each geometry is drawn (one simplifier, shared with the corpus map);
- ``style``: colours and labels of each kind, and the style options;
- ``elements``: the folium elements (legend, title, fit, basemap), each rendering a constant
  template whose output is finished text, never read as a template again;
- ``draw``: ``map_places``, which puts it together;
- ``corpus_map``: ``aggregate_map``, the map of a corpus;
- ``offline``: ``standalone_html``, ``notebook_html`` and ``save_map``.

>>> import geo
>>> m = geo.map_places(geo.geoparse("Talks in Baku and Yerevan on the Lachin corridor."))
>>> sorted(m.kind_layers)
['city', 'corridor']
>>> page = standalone_html(m)
>>> "<script src=" in page, "cdn.jsdelivr.net" in page
(False, False)
"""

from geo.errors import OfflineAssetError
from geo.maps.corpus_map import aggregate_map
from geo.maps.draw import map_places
from geo.maps.elements import (
    Basemap,
    FitView,
    Legend,
    LiteralElement,
    LiteralGeoJson,
    LiteralGeoJsonPopup,
    LiteralGeoJsonTooltip,
    LiteralLayerControl,
    LiteralMacroElement,
    LiteralPane,
    LiteralTileLayer,
    MapTitle,
    MentionsLegend,
    PlacesMap,
)
from geo.maps.offline import notebook_html, save_map, standalone_html
from geo.maps.style import KIND_STYLES
from geo.maps.view import Bounds, focus_bounds

__all__ = [
    "KIND_STYLES",
    "Basemap",
    "Bounds",
    "FitView",
    "Legend",
    "LiteralElement",
    "LiteralGeoJson",
    "LiteralGeoJsonPopup",
    "LiteralGeoJsonTooltip",
    "LiteralLayerControl",
    "LiteralMacroElement",
    "LiteralPane",
    "LiteralTileLayer",
    "MapTitle",
    "MentionsLegend",
    "OfflineAssetError",
    "PlacesMap",
    "aggregate_map",
    "focus_bounds",
    "map_places",
    "notebook_html",
    "save_map",
    "standalone_html",
]
