"""geo: maps of the places a news story mentions.

Find every place an article names, resolve each to a real geometry from the bundled
shapefiles, and draw them on a Folium map. No server, no network.

>>> import geo
>>> doc = geo.geoparse("Blinken spoke with leaders in Baku and Yerevan.")
>>> [m.place.name for m in doc.mentions]
['Baku', 'Yerevan']
>>> geo.load_gazetteer().lookup("Stepanakert")[0].name
'Khankendi'

Importing geo loads no data: the gazetteer is read on first use and cached per process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.errors import (
    ConfigurationError,
    GazetteerError,
    GeoError,
    InputError,
    OfflineAssetError,
    UnknownMentionError,
    UnknownPlaceError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "Document",
    "Gazetteer",
    "GazetteerError",
    "GeoError",
    "InputError",
    "InputWarning",
    "Mention",
    "OfflineAssetError",
    "Place",
    "UnknownMentionError",
    "UnknownPlaceError",
    "aggregate_map",
    "explain",
    "geoparse",
    "geoparse_corpus",
    "load_gazetteer",
    "load_overrides",
    "map_places",
    "save_map",
]

_LAZY = {
    "Gazetteer": "geo.gazetteer",
    "Place": "geo.gazetteer",
    "load_gazetteer": "geo.gazetteer",
    "Document": "geo.resolve",
    "Mention": "geo.resolve",
    "explain": "geo.resolve",
    "geoparse": "geo.resolve",
    "load_overrides": "geo.resolve",
    "map_places": "geo.maps",
    "save_map": "geo.maps",
    "geoparse_corpus": "geo.corpus",
    "InputWarning": "geo.io.read",
    "aggregate_map": "geo.maps",
}

if TYPE_CHECKING:  # pragma: no cover
    from geo.corpus import geoparse_corpus
    from geo.gazetteer import Gazetteer, Place, load_gazetteer
    from geo.io.read import InputWarning
    from geo.maps import aggregate_map, map_places, save_map
    from geo.resolve import Document, Mention, explain, geoparse, load_overrides


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
