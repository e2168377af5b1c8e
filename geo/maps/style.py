"""How each kind of place looks: colours, opacities, legend labels, and the style options ``map_places`` takes.

>>> KIND_STYLES["city"]
('Cities', '#d62728')
"""

from __future__ import annotations

import re

from geo.errors import InputError

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

STYLE_KEYS = ("colors", "fill_opacity", "weight", "radius", "width", "height", "max_zoom")

_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\(\s*[\d.%\s,]+\)")
_SIZE = re.compile(r"\d+(\.\d+)?(px|%|em|rem|vh|vw)")


def _kind_label(kind: str) -> str:
    return KIND_STYLES[kind][0] if kind in KIND_STYLES else kind


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
