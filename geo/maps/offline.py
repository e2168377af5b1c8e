"""Self-contained HTML: Leaflet and jQuery inlined from the installed XStatic packages, nothing loaded from the network.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import folium
from folium.map import Icon

from geo.errors import InputError, OfflineAssetError
from geo.maps.style import _SIZE

# ---------------------------------------------------------------------------------------------
# Self-contained HTML


def _children(element: Any) -> Iterator[Any]:
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _children(child)


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
