"""Writing results: output paths checked before the work, files replaced atomically, one GeoJSON
writer and one GeoParquet writer.

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
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import InputError
from geo.io.read import display_name

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["GeoParquetWriter", "atomic_output", "check_output_path", "json_default", "number", "places_geojson", "write_text_atomic"]


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


class GeoParquetWriter:
    """One GeoParquet file, written in row groups as GeoDataFrames arrive: memory holds a row
    group, not the file.

    geopandas writes each row group (``GeoDataFrame.to_parquet``), so the geometry encoding and
    the GeoParquet metadata are its own; the file's metadata is that of its row groups, with
    their bounding boxes and geometry types united. ``columns`` are written in order, then
    ``geometry``; ``types`` gives the Arrow type of each column that is not a string.

    >>> import geopandas as gpd, shapely, tempfile, pathlib
    >>> gdf = gpd.GeoDataFrame({"name": ["Baku"]}, geometry=[shapely.Point(49.9, 40.4)], crs=4326)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     w = GeoParquetWriter(pathlib.Path(d, "out.parquet"), ["name"])
    ...     w.write(gdf); w.write(gdf); w.close()
    ...     gpd.read_parquet(pathlib.Path(d, "out.parquet"))["name"].tolist()
    ['Baku', 'Baku']
    """

    def __init__(self, path: Path, columns: list[str], *, types: Mapping[str, str] | None = None,
                 row_group: int = 65536, crs: Any = 4326) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path, self.columns, self.row_group, self.crs = Path(path), list(columns), row_group, crs
        types = dict(types or {})
        self.schema = pa.schema([pa.field(c, pa.type_for_alias(types.get(c, "string"))) for c in self.columns]
                                + [pa.field("geometry", pa.binary())])
        try:
            self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        except OSError as e:
            raise InputError(f"cannot write {display_name(self.path)}: {e.strerror or e}") from e
        self.buffer: list[gpd.GeoDataFrame] = []
        self.buffered = 0
        self.rows = 0
        self.geo: dict[str, Any] | None = None  # geopandas' GeoParquet metadata, united over row groups

    def write(self, gdf: gpd.GeoDataFrame) -> None:
        """Add these rows; a row group is written once enough have arrived."""
        if len(gdf):
            self.buffer.append(gdf)
            self.buffered += len(gdf)
        if self.buffered >= self.row_group:
            self._flush()

    def _flush(self, always: bool = False) -> None:
        import io

        import geopandas as gpd
        import pandas as pd
        import pyarrow.parquet as pq

        if not self.buffer and not always:
            return
        if self.buffer:
            gdf = pd.concat(self.buffer, ignore_index=True)
        else:
            gdf = gpd.GeoDataFrame({c: [] for c in self.columns}, geometry=[], crs=self.crs)
        self.buffer, self.buffered = [], 0
        gdf = gdf[self.columns + [gdf.geometry.name]]
        if gdf.geometry.name != "geometry":
            gdf = gdf.rename_geometry("geometry")
        buf = io.BytesIO()
        gdf.to_parquet(buf, index=False, compression=None)
        table = pq.read_table(buf)
        self._unite(json.loads(table.schema.metadata[b"geo"]))
        if len(table):
            self.writer.write_table(table.select(self.schema.names).cast(self.schema))
        self.rows += len(table)

    def _unite(self, meta: dict[str, Any]) -> None:
        if self.geo is None:
            self.geo = meta
            return
        mine, theirs = self.geo["columns"]["geometry"], meta["columns"]["geometry"]
        mine["geometry_types"] = sorted(set(mine.get("geometry_types", [])) | set(theirs.get("geometry_types", [])))
        boxes = [b for b in (mine.get("bbox"), theirs.get("bbox")) if b and all(map(math.isfinite, b))]
        if boxes:
            mine["bbox"] = [min(b[0] for b in boxes), min(b[1] for b in boxes),
                            max(b[2] for b in boxes), max(b[3] for b in boxes)]

    def close(self) -> None:
        """Write what is left and the file's metadata. An empty file still gets its metadata."""
        self._flush(always=self.geo is None)
        assert self.geo is not None
        self.writer.add_key_value_metadata({"geo": json.dumps(self.geo)})
        self.writer.close()

    def abandon(self) -> None:
        """Close the file after a failure, without writing what is left (its caller discards it)."""
        self.writer.close()
