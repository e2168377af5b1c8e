"""Writing results: output paths checked before the work, files replaced atomically, one GeoJSON writer.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     write_text_atomic(pathlib.Path(d, "out.json"), "[]").read_text()
'[]'
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import InputError
from geo.io.read import display_name

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["atomic_output", "check_output_path", "json_default", "number", "places_geojson", "write_text_atomic"]


def number(v: Any) -> float | None:
    """``v`` as a finite float, or None (None, NaN, infinities and what is not a number).

    >>> number("1.5"), number(float("nan")), number(None)
    (1.5, None, None)
    """
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def json_default(v: Any) -> Any:
    """``json.dumps(default=...)``: numpy scalars as Python numbers, anything else as its text."""
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return str(v)


def places_geojson(places: gpd.GeoDataFrame) -> str:
    """The places as a GeoJSON FeatureCollection string (like ``Document.to_geojson``).

    >>> import geo, json
    >>> json.loads(places_geojson(geo.geoparse("Talks in Baku.").places))["features"][0]["properties"]["name"]
    'Baku'
    >>> import geopandas
    >>> places_geojson(geopandas.GeoDataFrame(geometry=[], crs=4326))
    '{"type": "FeatureCollection", "features": []}'
    """
    import shapely

    feats = []
    for r in places.to_dict("records"):
        g = r.get("geometry")
        geom = None if g is None or shapely.is_missing(g) else json.loads(shapely.to_geojson(g))
        feats.append({"type": "Feature", "id": r.get("id"), "geometry": geom,
                      "properties": {"name": r.get("name"), "kind": r.get("kind"),
                                     "country": r.get("country") if isinstance(r.get("country"), str) else None,
                                     "geonameid": _geonameid(r.get("geonameid")),
                                     "mentions": int(r.get("mentions") or 0), "first": r.get("first"),
                                     "forms": r.get("forms"), "texts": list(r.get("texts") or []),
                                     "lat": number(r.get("lat")), "lon": number(r.get("lon"))}})
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False, default=json_default,
                      allow_nan=False)


def _geonameid(v: Any) -> int | None:
    """A GeoNames id as an int, or None (missing, NA, 0)."""
    try:
        return int(v) if v is not None and v == v and int(v) > 0 else None
    except (TypeError, ValueError):
        return None


def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def check_output_path(output: str | os.PathLike, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Check, before any work, that ``output`` can be written: its folder exists, it is not a
    folder, and it is none of ``inputs`` (which it would overwrite). Returns it as a Path.

    >>> check_output_path("no/such/folder/map.html")
    Traceback (most recent call last):
    ...
    geo.errors.InputError: cannot write no/such/folder/map.html: folder no/such/folder does not exist
    """
    path = Path(output)
    name = display_name(path)
    if os.fspath(output) == "-":
        raise InputError("the output must be a file, not standard output ('-')")
    if path.is_dir():
        raise InputError(f"cannot write {name}: it is a folder")
    if not path.absolute().parent.is_dir():
        raise InputError(f"cannot write {name}: folder {display_name(path.parent)} does not exist")
    for src in inputs:
        if os.fspath(src) != "-" and _same_file(src, path):
            raise InputError(f"refusing to write {name}: it is also an input file")
    return path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary file in ``path``'s folder to write to; moved onto ``path`` with ``os.replace``
    when the block ends, removed when it fails. Readers see the old file or the new one, never a
    partial one, and a failed or killed run leaves an earlier ``path`` as it was.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = pathlib.Path(d, "out.txt")
    ...     _ = out.write_text("old")
    ...     try:
    ...         with atomic_output(out) as tmp:
    ...             _ = tmp.write_text("half")
    ...             raise OSError("disk full")
    ...     except OSError:
    ...         pass
    ...     out.read_text(), sorted(p.name for p in pathlib.Path(d).iterdir())
    ('old', ['out.txt'])
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.absolute().parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through ``atomic_output``: never a partial file.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_text_atomic(pathlib.Path(d, "out.json"), "[]").read_text()
    '[]'
    """
    path = Path(path)
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return path
