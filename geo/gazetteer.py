"""The gazetteer: the bundled shapefiles in ``shapes/`` and name lookup over them.

>>> from geo import load_gazetteer
>>> gaz = load_gazetteer()
>>> gaz.lookup("Xankəndi")[0].name
'Khankendi'
>>> gaz.lookup("")
[]
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import unicodedata
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import numpy as np

from geo.errors import ConfigurationError, GazetteerError, UnknownPlaceError
from geo.weights import prior

if TYPE_CHECKING:  # pandas is imported where it is used: loading the index needs only pyarrow and numpy
    import pandas as pd
    import pyarrow as pa

__all__ = ["LAYERS", "Gazetteer", "Place", "build_index", "fold", "load_gazetteer"]

#: Layer files in ``shapes/``, in the order their rows appear in the index.
LAYERS = ("country", "admin1", "admin2", "city", "disputed", "region", "corridor", "physical")
POINT_LAYERS = ("city", "physical")
#: Geometries read feature by feature from a layer before the whole layer is read.
FEW_GEOMETRIES = 32
T = TypeVar("T")
#: Kinds of name in the names table; a lower number is a stronger name.
NAME_TYPES = ("primary", "alias", "abbrev", "demonym", "code")
INDEX_FILE = "index.parquet"
NAMES_INDEX_FILE = "index-names.parquet"
SURFACES_INDEX_FILE = "index-surfaces.parquet"
#: The feature table's columns as geoparsing reads them: numbers memory-mapped, no pyarrow needed.
FEATURES_FILE = "index-features.bin"
_FEATURES_MAGIC = b"geo-features\x00\n"  # a NUL byte: git and other tools see a binary file
#: Every area's and line's geometry as WKB, by row, memory-mapped: a map decodes only what it draws.
GEOMETRIES_FILE = "index-geometries.bin"
_GEOMETRIES_MAGIC = b"geo-geometries\x00\n"
NAMES_FILE = "names.csv.gz"
FEATURE_COLUMNS = ["id", "name", "kind", "country", "admin1", "population", "capital", "citylike", "lat", "lon",
                   "source", "precision", "geonameid"]
#: String columns of few values: read from the index as dictionaries, so that equal values share one object.
SHARED_COLUMNS = ("kind", "country", "admin1", "source", "precision", "layer")



def _bundled_shapes() -> Path:
    """``geo/shapes`` in an installed wheel, ``shapes/`` beside ``geo/`` in a source tree."""
    here = Path(__file__).resolve().parent
    for p in (here / "shapes", here.parent / "shapes"):
        if (p / INDEX_FILE).exists() or (p / "country.shp.zip").exists():
            return p
    return here.parent / "shapes"


_SHAPES = _bundled_shapes().resolve()  # resolved once here: load_gazetteer() runs for every geoparse

# Length-preserving letter folding: one character in, one character out, so that offsets
# into a folded text are offsets into the original. Used for matching, not for display.
_EXTRA_FOLD = {"ə": "e", "Ə": "E", "ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
               "ß": "s", "æ": "a", "Æ": "A", "œ": "o", "Œ": "O", "ð": "d", "þ": "t", "’": "'", "‘": "'",
               "ʻ": "'", "ʼ": "'", "`": "'", "–": "-", "‑": "-", "‐": "-", "—": "-", "\u00a0": " "}


def _fold_table() -> dict[int, str]:
    table = {}
    for cp in range(0x00C0, 0x0250):
        c = chr(cp)
        base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
        if len(base) == 1 and base != c:
            table[cp] = base
    for k, v in _EXTRA_FOLD.items():
        table[ord(k)] = v
    return table


FOLD_TABLE = _fold_table()


@functools.lru_cache(maxsize=1 << 16)
def fold(name: str) -> str:
    """The lookup key of a name: no accents, case or punctuation differences.

    >>> fold("Xankəndi") == fold("xankendi")
    True
    >>> fold("Washington, D.C.") == fold("Washington DC")
    True
    >>> fold("")
    ''
    """
    s = unicodedata.normalize("NFKD", name.translate(FOLD_TABLE))
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    s = "".join(c if c.isalnum() else " " if c in " -,/&" else "" for c in s)
    return " ".join(s.split())


PHRASE_KINDS = ("region", "disputed", "corridor")


def surface_forms(name: str, *, phrases: bool = False) -> set[str]:
    """How a name can stand in a text, letter-folded but with its case: the matcher's keys.

    >>> sorted(surface_forms("Nagorno-Karabakh"))
    ['Nagorno Karabakh', 'Nagorno-Karabakh']
    >>> sorted(surface_forms("‘Afrīn"))
    ['Afrin']
    """
    s = name.translate(FOLD_TABLE)
    out = {s}
    if "-" in s:
        out.add(s.replace("-", " "))
    if " " in s and s[:1].isupper() and all(w[:1].isupper() for w in s.split()):
        out.add(s.replace(" ", "-"))
    if s.startswith(("the ", "The ")):
        out.add(s[4:])
    if s[:1] in "'`\u02bf\u02be" and s[1:2].isupper():
        s = s[1:]  # GeoNames' ‘Afrīn (an ayin) is written Afrin
        out.add(s)
    if "'" in s and s[:1].isupper():
        out |= {v.replace("'", "") for v in out}  # GeoNames' Ts'khinvali is written Tskhinvali
    if s.isupper() and s.isalpha() and len(s) >= 4:
        out.add(s.capitalize())  # the matcher reads all-caps words in title case: "DPRK" as "Dprk"
    return {v for v in out if len(v) >= 2 and (v[0].isupper() or v[0].isdigit() or phrases and " " in v)}


def _surfaces(names: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The matcher's keys. Curated regions may be lowercase phrases: "seven adjacent regions"."""
    import pandas as pd

    phrase_rows = set(np.flatnonzero(table["kind"].isin(PHRASE_KINDS).to_numpy()).tolist())
    rows, forms, types = [], [], []
    for name, row, typ in zip(names["name"].tolist(), names["row"].tolist(), names["type"].tolist()):
        if typ == 4:  # codes such as "US-TX" are for lookup, not for reading text
            continue
        for f in surface_forms(name, phrases=row in phrase_rows):
            rows.append(row)
            forms.append(f)
            types.append(typ)
    df = pd.DataFrame({"surface": forms, "row": np.array(rows, dtype="int32"), "type": np.array(types, dtype="int8")})
    return df.drop_duplicates(["surface", "row"]).sort_values(["surface", "type", "row"]).reset_index(drop=True)


class Place:
    """A gazetteer feature: a small immutable value.

    ``geometry`` and ``aliases`` are read from the gazetteer when first asked for.

    ``geonameid`` is the place's GeoNames id, the identifier the field uses, or None where
    no open source gives one (curated regions, corridors, user layers without the column).

    >>> p = load_gazetteer().lookup("Baku")[0]
    >>> p.kind, p.country, p.geonameid
    ('city', 'AZ', 587084)
    """

    __slots__ = ("_gaz", "_row", "id", "name", "kind", "country", "admin1", "lat", "lon", "population", "source",
                 "geonameid")
    id: str
    name: str
    kind: str
    country: str | None
    admin1: str | None
    lat: float
    lon: float
    population: int
    source: str
    geonameid: int | None

    def __init__(self, gaz: Gazetteer, row: int) -> None:
        t = gaz.columns
        set_ = object.__setattr__
        set_(self, "_gaz", gaz)
        set_(self, "_row", int(row))
        for col in ("id", "name", "kind", "country", "admin1", "source"):
            v = t[col][row]
            set_(self, col, None if v is None else str(v))  # _column gives None for missing values
        set_(self, "lat", float(t["lat"][row]))
        set_(self, "lon", float(t["lon"][row]))
        set_(self, "population", int(t["population"][row]))
        gid = t["geonameid"][row] if "geonameid" in t else 0
        set_(self, "geonameid", int(gid) if gid is not None and gid > 0 else None)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Place is immutable")

    @property
    def geometry(self):
        """The shapely geometry: a point, polygon or line, in EPSG:4326."""
        return self._gaz.geometry(self._row)

    @property
    def aliases(self) -> tuple[str, ...]:
        """Other names of this place, from the names table."""
        return self._gaz._aliases(self._row)

    @property
    def layer(self) -> str:
        """The gazetteer layer the place comes from: ``"city"``, ``"admin1"``, ``"user:corridor"``..."""
        return self._gaz.columns["layer"][self._row]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Place) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        cc = f", {self.country}" if self.country else ""
        return f"Place({self.name!r}, {self.kind}{cc}, {self.lat:.4f}, {self.lon:.4f})"

    def __iter__(self):
        """Unpacks as ``(name, (lat, lon))``, like geopy's Location."""
        return iter((self.name, (self.lat, self.lon)))

    def __reduce__(self) -> tuple:
        """Pickled as its gazetteer's identity and its id, like geopy's Location keeps its raw data.

        >>> import pickle
        >>> p = load_gazetteer().lookup("Baku")[0]
        >>> q = pickle.loads(pickle.dumps(p))
        >>> q == p, q.name, len(pickle.dumps(p)) < 500
        (True, 'Baku', True)
        """
        return (_restore_place, (self._gaz, self.id))


def _layer_file(folder: Path, layer: str) -> Path | None:
    for suffix in (".shp.zip", ".shp", ".gpkg", ".geojson"):
        p = folder / f"{layer}{suffix}"
        if p.exists():
            return p
    return None


def _read_layer(path: Path, *, geometry: bool = True):
    """Read a layer whole, or raise GazetteerError naming the file: a truncated file must not
    load quietly with features or geometries missing."""
    import pyogrio
    import shapely

    try:
        expected = pyogrio.read_info(path, encoding="UTF-8").get("features", -1)
        df = pyogrio.read_dataframe(path, read_geometry=geometry, use_arrow=True, encoding="UTF-8")
    except Exception as e:  # pyogrio raises several types; all mean the file is unusable
        raise GazetteerError(f"cannot read gazetteer layer {path}: {str(e).splitlines()[0]}") from e
    if expected is not None and expected >= 0 and len(df) != expected:
        raise GazetteerError(f"gazetteer layer {path} is truncated: {len(df)} of {expected} features could be read")
    if geometry and len(df):
        geoms = df.geometry.values
        bad = int((shapely.is_missing(geoms) | shapely.is_empty(geoms)).sum())
        if bad:
            raise GazetteerError(f"gazetteer layer {path} is corrupt: {bad} features have no geometry")
    return df


def _layers_hash(folder: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    for layer in LAYERS:
        p = _layer_file(folder, layer)
        if p is None:
            continue
        files = [p] if p.suffix != ".shp" else sorted(p.parent.glob(p.name[:-4] + ".*"))
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    names = folder / NAMES_FILE
    if names.exists():
        h.update(names.read_bytes())
    return h.hexdigest()


def _table_from_layers(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Feature and name tables from the layer files (the slow path, and the build)."""
    import pandas as pd

    frames = []
    for layer in LAYERS:
        path = _layer_file(folder, layer)
        if path is None:
            if layer in ("country", "city"):
                raise GazetteerError(f"gazetteer layer {layer!r} is missing from {folder}")
            continue
        df = _read_layer(path)
        for col in ("id", "name"):
            if col not in df or df[col].isna().any() or (df[col].astype(str) == "").any():
                raise GazetteerError(f"gazetteer layer {path} is corrupt: features without {col!r}")
        if layer in POINT_LAYERS or "lat" not in df:
            import shapely

            pts = shapely.point_on_surface(df.geometry.values)
            df["lat"], df["lon"] = shapely.get_y(pts), shapely.get_x(pts)
        df = pd.DataFrame(df.drop(columns="geometry"))
        for c in FEATURE_COLUMNS:
            if c not in df:
                df[c] = None
        df = df[FEATURE_COLUMNS].copy()
        df["layer"] = layer
        frames.append(df)
    table = pd.concat(frames, ignore_index=True)
    for col in ("population", "capital", "citylike", "geonameid"):  # geonameid 0: none known
        table[col] = pd.to_numeric(table[col], errors="coerce").fillna(0).astype("int64")
    row_of = pd.Series(np.arange(len(table)), index=table["id"])
    names = [pd.DataFrame({"row": np.arange(len(table)), "name": table["name"], "type": 0})]
    npath = folder / NAMES_FILE
    if npath.exists():
        try:
            side = pd.read_csv(npath, dtype=str, keep_default_na=False)
        except Exception as e:
            raise GazetteerError(f"cannot read gazetteer names table {npath}: {e}") from e
        side = side[side["id"].isin(row_of.index)]
        names.append(pd.DataFrame({"row": row_of[side["id"]].to_numpy(), "name": side["name"].to_numpy(),
                                   "type": side["type"].map(NAME_TYPES.index).to_numpy()}))
    nm = pd.concat(names, ignore_index=True)
    nm["key"] = [fold(n) for n in nm["name"]]
    nm = nm[nm["key"] != ""].drop_duplicates(["row", "name"]).sort_values(["key", "type", "row"])
    nm["row"] = nm["row"].astype("int32")
    nm["type"] = nm["type"].astype("int8")
    nm = nm.reset_index(drop=True)
    return table, nm, _surfaces(nm, table)


def build_index(folder: Path | str) -> None:
    """Write the derived index files next to the layers in ``folder`` (used by scripts/)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    table, names, surfaces = _table_from_layers(folder)
    meta = {b"geo.layers_hash": _layers_hash(folder).encode()}
    for df, fname in ((table, INDEX_FILE), (names, NAMES_INDEX_FILE), (surfaces, SURFACES_INDEX_FILE)):
        t = pa.Table.from_pandas(df, preserve_index=False)
        t = t.replace_schema_metadata({**(t.schema.metadata or {}), **meta})
        pq.write_table(t, folder / fname, compression="zstd")
    _write_features(table, names, folder / FEATURES_FILE, meta[b"geo.layers_hash"].decode())
    _write_geometries(table, folder, folder / GEOMETRIES_FILE, meta[b"geo.layers_hash"].decode())


def _write_geometries(table: pd.DataFrame, folder: Path, path: Path, layers_hash: str) -> None:
    """The geometries of every row not in ``POINT_LAYERS`` as WKB, as ``_Geometries`` reads them."""
    import shapely

    layers, ids = table["layer"].to_numpy(dtype=object), table["id"].to_numpy(dtype=object)
    chunks = [b""] * len(table)
    for layer in dict.fromkeys(layers.tolist()):
        if layer in POINT_LAYERS:
            continue
        geoms = _layer_geometries(folder, layer)
        for r in np.flatnonzero(layers == layer):
            g = geoms.get(ids[r])
            chunks[r] = shapely.to_wkb(g) if g is not None else b""
    offsets = np.r_[0, np.cumsum([len(c) for c in chunks])].astype("<i8")
    header = {"format": 1, "layers_hash": layers_hash, "rows": len(table)}
    _write_mapped(path, _GEOMETRIES_MAGIC, header, [offsets.tobytes(), *chunks])


class _Geometries:
    """The geometries of ``GEOMETRIES_FILE``, memory-mapped; each decoded when asked for."""

    def __init__(self, mm: Any, start: int, rows: int) -> None:
        self.rows, self.mm = rows, mm
        self.offsets = np.frombuffer(mm, dtype="<i8", count=rows + 1, offset=start)
        self.base = start + 8 * (rows + 1)
        if self.base + int(self.offsets[-1]) > len(mm):
            raise ValueError("truncated")

    def get(self, row: int) -> Any:
        """The geometry of this row, or None (a point layer's row, or a feature without one)."""
        a, b = int(self.offsets[row]), int(self.offsets[row + 1])
        if a == b:
            return None
        import shapely

        return shapely.from_wkb(self.mm[self.base + a:self.base + b])


def _read_geometries(path: Path, layers_hash: str) -> _Geometries | None:
    """``GEOMETRIES_FILE``, or None if it is missing, damaged or made from other layers."""
    mapped = _open_mapped(path, _GEOMETRIES_MAGIC, layers_hash)
    if mapped is None:
        return None
    mm, header, start = mapped
    try:
        return _Geometries(mm, start, header["rows"])
    except (ValueError, KeyError, TypeError):
        return None


def _write_mapped(path: Path, magic: bytes, header: dict[str, Any], blocks: Iterable[bytes]) -> None:
    """A file ``_open_mapped`` reads: ``magic``, the header as one JSON line, spaces to a multiple
    of 8 bytes, then ``blocks``. Written atomically: a process loading it meanwhile sees the old
    file or the new one."""
    from geo.io.write import atomic_output

    head = magic + json.dumps(header).encode() + b"\n"
    with atomic_output(path) as tmp, open(tmp, "wb") as f:
        f.write(head + b" " * (-len(head) % 8))
        for b in blocks:
            f.write(b)


def _open_mapped(path: Path, magic: bytes, layers_hash: str,
                 fmt: int = 1) -> tuple[Any, dict[str, Any], int] | None:
    """The memory map of a file ``_write_mapped`` wrote, its header, and where its blocks start;
    None if it is missing, not such a file, of another ``format`` than ``fmt``, or made from
    other layers than ``layers_hash``."""
    import mmap

    try:
        with open(path, "rb") as f:
            if f.read(len(magic)) != magic:
                return None
            header = json.loads(f.readline())
            start = f.tell() + (-f.tell() % 8)
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # unreadable, not JSON, or empty
        return None
    if not isinstance(header, dict) or header.get("format") != fmt or header.get("layers_hash") != layers_hash:
        return None
    return mm, header, start


def _layer_geometries(folder: Path, layer: str) -> dict[str, Any]:
    """The geometry of each feature of one layer file, by id."""
    path = _layer_file(folder, layer)
    if path is None:
        raise GazetteerError(f"gazetteer layer {layer!r} is missing from {folder}")
    import pyogrio

    try:
        df = pyogrio.read_dataframe(path, columns=["id"], use_arrow=True, encoding="UTF-8")
    except Exception as e:
        raise GazetteerError(f"cannot read gazetteer layer {path}: {str(e).splitlines()[0]}") from e
    return dict(zip(df["id"], df.geometry.values))


def _write_features(table: pd.DataFrame, names: pd.DataFrame, path: Path, layers_hash: str) -> None:
    """The feature table and each row's names as ``_read_features`` maps them: a JSON header
    line, then the bytes of each column and of the names by row."""
    header: dict[str, Any] = {"format": 1, "layers_hash": layers_hash, "rows": len(table), "columns": []}
    blocks: list[bytes] = []

    def block(data: bytes, spec: dict[str, Any]) -> dict[str, Any]:
        spec.update(offset=sum(len(b) for b in blocks), nbytes=len(data))
        blocks.append(data + b"\0" * (-len(data) % 8))
        return spec

    for c in table.columns:
        col = table[c]
        if col.dtype.kind in "iuf":
            spec = block(np.ascontiguousarray(col.to_numpy()).tobytes(), {"name": c, "dtype": col.dtype.str})
        else:
            values = col.to_numpy(dtype=object, na_value=None).tolist()
            if c not in SHARED_COLUMNS and all(isinstance(v, str) and "\x00" not in v for v in values):
                spec = block("\x00".join(values).encode("utf-8"), {"name": c, "text": True})
            else:  # few distinct values, or missing ones: codes into a list of them
                uniques = list(dict.fromkeys(values))
                code = {v: i for i, v in enumerate(uniques)}
                spec = block(np.array([code[v] for v in values], dtype="<i4").tobytes(),
                             {"name": c, "dtype": "<i4", "values": uniques})
        header["columns"].append(spec)
    # Each row's names, in the order of the names table: decoded only for the rows asked for.
    rows = names["row"].to_numpy()
    order = np.argsort(rows, kind="stable")
    encoded = [str(n).encode("utf-8") for n in names["name"].to_numpy()[order]]
    header["by_row"] = {
        "count": len(order),
        "row_starts": block(np.searchsorted(rows[order], np.arange(len(table) + 1)).astype("<i8").tobytes(), {}),
        "types": block(names["type"].to_numpy()[order].astype("i1").tobytes(), {}),
        "name_starts": block(np.r_[0, np.cumsum([len(e) for e in encoded])].astype("<i8").tobytes(), {}),
        "text": block(b"".join(encoded), {}),
    }
    _write_mapped(path, _FEATURES_MAGIC, header, blocks)


class _NamesByRow:
    """Each feature's names (``names`` grouped by row, in its order), memory-mapped."""

    def __init__(self, mm: Any, start: int, spec: dict[str, Any], rows: int) -> None:
        def array(part: str, dtype: str, count: int) -> np.ndarray:
            a = start + spec[part]["offset"]
            if a + np.dtype(dtype).itemsize * count > len(mm):
                raise ValueError("truncated")
            return np.frombuffer(mm, dtype=dtype, count=count, offset=a)

        n = spec["count"]
        self.row_starts, self.types = array("row_starts", "<i8", rows + 1), array("types", "i1", n)
        self.name_starts = array("name_starts", "<i8", n + 1)
        self.text, self.text_start = mm, start + spec["text"]["offset"]
        if self.text_start + spec["text"]["nbytes"] > len(mm):
            raise ValueError("truncated")

    def names(self, row: int) -> list[tuple[str, int]]:
        """``(name, name type)`` of one row."""
        i, j = self.row_starts[row], self.row_starts[row + 1]
        ends, base = self.name_starts[i:j + 1].tolist(), self.text_start
        return [(self.text[base + a:base + b].decode("utf-8"), t)
                for a, b, t in zip(ends, ends[1:], self.types[i:j].tolist())]


def _read_features(path: Path, layers_hash: str) -> tuple[dict[str, np.ndarray], _NamesByRow] | None:
    """The columns of ``FEATURES_FILE`` as ``_arrow_column`` gives them (numbers memory-mapped, read-only;
    repeated strings sharing one object) and the names by row, or None if the file is missing,
    damaged or made from other layers."""
    mapped = _open_mapped(path, _FEATURES_MAGIC, layers_hash)
    if mapped is None:
        return None
    mm, header, start = mapped
    try:
        n = header["rows"]
        out: dict[str, np.ndarray] = {}
        for spec in header["columns"]:
            a, size = start + spec["offset"], spec["nbytes"]
            if a + size > len(mm):
                return None
            if spec.get("text"):
                values = mm[a:a + size].decode("utf-8").split("\x00") if n else []
                if len(values) != n:
                    return None
                col = np.empty(n, dtype=object)
                col[:] = values
            else:
                col = np.frombuffer(mm, dtype=spec["dtype"], count=n, offset=a)
                if "values" in spec:
                    shared = np.empty(len(spec["values"]), dtype=object)
                    shared[:] = spec["values"]
                    col = shared[col]
            out[spec["name"]] = col
        return out, _NamesByRow(mm, start, header["by_row"], n)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


class _IndexTable:
    """A table of the index: the schema it was written with, and its data as read (``SHARED_COLUMNS``
    as dictionaries). The data is read when first asked for: geoparsing needs only the features,
    and those from ``FEATURES_FILE`` (``columns``) when it is there.

    ``layers_hash`` is the hash of the layers the table must have been made from: a table read
    later that was not is an error (a part of the index was replaced)."""

    def __init__(self, path: Path, layers_hash: str, columns: dict[str, np.ndarray] | None = None,
                 by_row: _NamesByRow | None = None) -> None:
        self.path, self.layers_hash, self.columns, self.by_row = path, layers_hash, columns, by_row
        self.geometries: _Geometries | None = None  # GEOMETRIES_FILE, when it matches the layers
        self._lock = threading.Lock()
        self._data: pa.Table | None = None
        self._schema: pa.Schema | None = None

    def _read(self, data: bool) -> None:
        with self._lock:
            if self._schema is None or (data and self._data is None):
                try:
                    self._data, self._schema = _read_parquet(self.path, data=data)
                except Exception as e:
                    raise GazetteerError(f"cannot read gazetteer index {self.path}: {e}") from e
                if (self._schema.metadata or {}).get(b"geo.layers_hash") != self.layers_hash.encode():
                    raise GazetteerError(f"gazetteer index {self.path} does not match its layers "
                                         "(run scripts/build_shapes.py to update it)")

    @property
    def schema(self) -> pa.Schema:
        if self._schema is None:
            self._read(data=False)
        return self._schema

    @property
    def data(self) -> pa.Table:
        if self._data is None:
            self._read(data=True)
        return self._data

    def to_pandas(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The table (or these rows of it, in order) as a DataFrame."""
        import pyarrow as pa

        if rows is None:
            data = self.data
        elif self.columns is not None and self._data is None:  # from the mapped columns: no parquet read
            data = pa.Table.from_arrays([pa.array(self.columns[f.name][rows]) for f in self.schema],
                                        names=self.schema.names).cast(self.schema)
        else:
            data = self.data.take(np.asarray(rows, dtype=np.int64))
        same = data.schema.equals(self.schema)  # only the feature table has dictionaries to undo
        return (data if same else data.cast(self.schema)).to_pandas()


def _read_parquet(path: Path, data: bool = True) -> tuple[pa.Table | None, pa.Schema]:
    """``ParquetFile`` rather than ``pq.read_table``, which imports pyarrow.dataset and with it pandas."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pa.OSFile(str(path)) as file:
        f = pq.ParquetFile(file)
        schema = f.schema_arrow
        if not data:
            return None, schema
        shared = [c for c in SHARED_COLUMNS if c in schema.names
                  and (pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type))]
        return pq.ParquetFile(file, metadata=f.metadata, read_dictionary=shared).read(), schema


def _read_index(folder: Path) -> tuple[_IndexTable, _IndexTable, _IndexTable] | None:
    """The feature, name and surface tables of the index, or None if it is missing or stale.

    The features are read now, from ``FEATURES_FILE`` when it is there (no pyarrow); the rest
    when first used (lookups, a matcher build, the tables as DataFrames)."""
    paths = [folder / INDEX_FILE, folder / NAMES_INDEX_FILE, folder / SURFACES_INDEX_FILE]
    if not all(p.exists() for p in paths):
        return None
    want = _layers_hash(folder)
    features = _read_features(folder / FEATURES_FILE, want)
    if features is not None:
        for p in paths:  # a truncated file fails here, as when it is read: parquet files end in PAR1
            with open(p, "rb") as f:
                f.seek(max(0, p.stat().st_size - 4))
                if f.read(4) != b"PAR1":
                    raise GazetteerError(f"cannot read gazetteer index {p}: it is truncated")
        columns, by_row = features
        tables = [_IndexTable(paths[0], want, columns=columns), _IndexTable(paths[1], want, by_row=by_row),
                  _IndexTable(paths[2], want)]
        tables[0].geometries = _read_geometries(folder / GEOMETRIES_FILE, want)
        return tables[0], tables[1], tables[2]
    try:
        first = _read_parquet(paths[0])
        schemas = [first[1]] + [_read_parquet(p, data=False)[1] for p in paths[1:]]
    except Exception as e:
        raise GazetteerError(f"cannot read gazetteer index {paths[0]}: {e}") from e
    if any((schema.metadata or {}).get(b"geo.layers_hash") != want.encode() for schema in schemas):
        warnings.warn(f"the gazetteer index in {folder} does not match its layers; rebuilding it in memory "
                      "(run scripts/build_shapes.py to update it)", stacklevel=3)
        return None
    tables = [_IndexTable(p, want) for p in paths]
    tables[0]._data = first[0]
    tables[0].geometries = _read_geometries(folder / GEOMETRIES_FILE, want)
    for t, schema in zip(tables, schemas):
        t._schema = schema
    return tables[0], tables[1], tables[2]


def _column(col: pd.Series) -> np.ndarray:
    """A column as a numpy array; repeated strings (kind, country, source) share one object."""
    import pandas as pd

    if col.dtype.kind in "iufb":
        return col.to_numpy()
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    if len(uniques) > len(col) // 4:
        return col.to_numpy(dtype=object, na_value=None)
    values = np.empty(len(uniques) + 1, dtype=object)
    values[:-1] = uniques.to_numpy(dtype=object)
    values[-1] = None
    return values[codes]  # code -1 (missing) picks the trailing None


def _arrow_column(col: pa.ChunkedArray) -> np.ndarray:
    """An index column as a numpy array, as ``_column`` gives it, without pandas.

    pyarrow imports pandas to convert to numpy or from Python values, so this reads buffers and lists.
    """
    import pyarrow as pa

    arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    typ = arr.type
    if pa.types.is_dictionary(typ) and pa.types.is_signed_integer(typ.index_type) and len(arr):  # repeated strings
        values = np.empty(len(arr.dictionary) + 1, dtype=object)  # the trailing None is for missing values
        values[:-1] = arr.dictionary.to_pylist()
        width = typ.index_type.bit_width // 8
        codes = np.frombuffer(arr.buffers()[1], dtype=f"i{width}", count=len(arr), offset=arr.offset * width)
        if arr.null_count:
            valid = np.unpackbits(np.frombuffer(arr.buffers()[0], dtype=np.uint8), bitorder="little")
            codes = np.where(valid[arr.offset:arr.offset + len(arr)], codes, -1)
        return values[codes]
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        out = np.empty(len(arr), dtype=object)
        out[:] = arr.to_pylist()
        return out
    if (pa.types.is_integer(typ) or pa.types.is_floating(typ)) and not arr.null_count and len(arr):
        return np.from_dlpack(arr)  # read-only, as pandas gives it
    return _column(col.to_pandas())


class Gazetteer:
    """Places from the layers of one folder, looked up by name.

    >>> gaz = load_gazetteer()
    >>> [p.kind for p in gaz.lookup("Karabakh")][:1]
    ['disputed']
    """

    def __init__(self, folder: Path | str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else _SHAPES
        if not self.folder.is_dir():
            raise GazetteerError(f"gazetteer folder {self.folder} does not exist")
        self._lock = threading.RLock()
        loaded = _read_index(self.folder)
        if loaded is None:
            loaded = _table_from_layers(self.folder)
        self._set_tables(*loaded)
        # The hash of the layers the tables come from: what derived files of the folder are keyed by.
        self._index_hash = loaded[0].layers_hash if isinstance(loaded[0], _IndexTable) else None
        # The bundled rows' areas and lines, mapped (kept by with_layer: its rows come after them).
        self._wkb = loaded[0].geometries if isinstance(loaded[0], _IndexTable) else None
        self._geoms: dict[str, Any] = {}
        self._layer_starts: dict[str, int] = {}  # the first row of each layer read feature by feature
        self._user_geoms: dict[str, dict[str, Any]] = {}
        self._user_layers: tuple[_UserLayer, ...] = ()  # what with_layer added, in order: its identity
        self._token = ""  # identity of a gazetteer with user layers, across pickling
        self._features = None
        self._alias_rows: dict[int, tuple[str, ...]] | None = None
        self._derived: dict[Callable[[Gazetteer], Any], Any] = {}  # see derived()

    def __reduce__(self) -> tuple:
        """Pickled as its identity: the folder, and the user layers added with ``with_layer``.

        Unpickled in a process that has it already (by ``load_gazetteer``, or an earlier
        unpickling of the same gazetteer), it is that same object: no tables travel.
        """
        return (_restore_gazetteer, (str(self.folder.resolve()), self._user_layers, self._token))

    @property
    def layers_hash(self) -> str | None:
        """The hash of the folder's layer files that this gazetteer was read from, the key of files
        derived from them (the prebuilt matcher); None once user layers are added.

        >>> len(load_gazetteer().layers_hash)
        32
        """
        if self._user_layers:
            return None
        if self._index_hash is None:
            self._index_hash = _layers_hash(self.folder)
        return self._index_hash

    def _set_tables(self, table: pd.DataFrame | _IndexTable, names: pd.DataFrame | _IndexTable,
                    surfaces: pd.DataFrame | _IndexTable) -> None:
        """Take the three tables: DataFrames, or tables of the index, made DataFrames on first use."""
        self._frames = {"table": table, "names": names, "surfaces": surfaces}
        if isinstance(table, _IndexTable) and table.columns is not None:
            self._table = table.columns
        elif isinstance(table, _IndexTable):
            self._table = {c: _arrow_column(table.data.column(c)) for c in table.data.column_names}
        else:
            self._table = {c: _column(table[c]) for c in table.columns}
        for values in self._table.values():
            values.flags.writeable = False  # shared by every caller: nobody may change it
        self._columns = MappingProxyType(self._table)
        self._name_columns: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._surface_columns: dict[str, np.ndarray] | None = None
        self._row_index: dict[str, int] | None = None

    def _frame(self, name: str) -> pd.DataFrame:
        """One of the tables as a DataFrame, the same one each time."""
        with self._lock:
            df = self._frames[name]
            if isinstance(df, _IndexTable):
                df = self._frames[name] = df.to_pandas()
            return df

    @property
    def table(self) -> pd.DataFrame:
        """The features: one row each, the columns of ``FEATURE_COLUMNS`` and ``layer``."""
        return self._frame("table")

    @property
    def names(self) -> pd.DataFrame:
        """Every name of every feature, sorted by key: ``row``, ``name``, ``type`` (see NAME_TYPES), ``key``."""
        return self._frame("names")

    @property
    def surfaces(self) -> pd.DataFrame:
        """The matcher's keys, sorted: ``surface``, ``row``, ``type``. See also ``surface_columns``."""
        return self._frame("surfaces")

    def _arrays(self, name: str, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Columns of one of the tables as numpy arrays, without building its DataFrame."""
        df = self._frames[name]
        if isinstance(df, _IndexTable):
            return {c: _arrow_column(df.data.column(c)) for c in columns}
        return {c: df[c].to_numpy() for c in columns}

    def _once(self, attr: str, make: Any) -> Any:
        """``self.<attr>``, made by ``make()`` on first use, once even with threads."""
        value = getattr(self, attr)
        if value is None:
            with self._lock:
                value = getattr(self, attr)
                if value is None:
                    value = make()
                    setattr(self, attr, value)
        return value

    @property
    def columns(self) -> Mapping[str, np.ndarray]:
        """The features' columns as read-only numpy arrays, by name, indexed by row; no pandas needed.

        The fast way for later stages to read many rows: ``gaz.columns["kind"][row]``.

        >>> gaz = load_gazetteer()
        >>> row = gaz.row("city:587084")
        >>> gaz.columns["name"][row], gaz.columns["country"][row]
        ('Baku', 'AZ')
        """
        return self._columns

    def row(self, place_id: str) -> int:
        """The row of the place with this id; raises ``UnknownPlaceError`` (a ``KeyError``) if none has it.

        >>> gaz = load_gazetteer()
        >>> gaz.place(gaz.row("city:587084")).name
        'Baku'
        """
        try:
            return self._row_of[place_id]
        except (KeyError, TypeError):
            raise UnknownPlaceError(f"no place with id {place_id!r}") from None

    def derived(self, make: Callable[[Gazetteer], T]) -> T:
        """``make(self)``, computed once per gazetteer (even with threads) and kept with it.

        Later stages keep what they derive from the tables here, such as the name matcher,
        keyed by the function that makes it. A gazetteer from ``with_layer`` starts afresh.

        >>> gaz = load_gazetteer()
        >>> def countries(g): return int((g.columns["kind"] == "country").sum())
        >>> gaz.derived(countries) == gaz.derived(countries) > 200
        True
        """
        try:
            return self._derived[make]
        except KeyError:
            pass
        with self._lock:
            if make not in self._derived:
                self._derived[make] = make(self)
            return self._derived[make]

    def surface_columns(self) -> dict[str, np.ndarray]:
        """The columns of ``surfaces`` as numpy arrays: ``surface``, ``row``, ``type``. No pandas needed."""
        return dict(self._once("_surface_columns", lambda: self._arrays("surfaces", ("surface", "row", "type"))))

    def _name_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``key``, ``row`` and ``type`` of ``names``, made on first use."""
        return self._once("_name_columns", lambda: tuple(self._arrays("names", ("key", "row", "type")).values()))

    @property
    def _name_keys(self) -> np.ndarray:
        return self._name_arrays()[0]

    @property
    def _row_of(self) -> dict[str, int]:
        """The row of each feature id, made on first use."""
        return self._once("_row_index", lambda: {fid: i for i, fid in enumerate(self._table["id"])})

    def __len__(self) -> int:
        return len(self._table["id"])

    def __repr__(self) -> str:
        counts = self.table["layer"].value_counts()
        return f"<Gazetteer {self.folder}: " + ", ".join(f"{n} {layer}" for layer, n in counts.items()) + ">"

    # -- lookup ---------------------------------------------------------------------------
    def place(self, id_or_row: str | int) -> Place:
        """The place with this id (``"city:587084"``) or index row."""
        if isinstance(id_or_row, str):
            id_or_row = self.row(id_or_row)
        return Place(self, id_or_row)

    def candidates(self, name: str) -> list[tuple[int, int]]:
        """``(row, name_type)`` pairs for a name, strongest name type first."""
        key = fold(name)
        if not key:
            return []
        keys, rows, types = self._name_arrays()
        i, j = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
        return list(zip(rows[i:j].tolist(), types[i:j].tolist()))

    def lookup(self, name: str, *, kind: str | None = None, country: str | None = None) -> list[Place]:
        """Places called ``name``, best first: primary names before aliases, then by prominence.

        >>> gaz = load_gazetteer()
        >>> gaz.lookup("Stepanakert")[0] == gaz.lookup("Khankendi")[0]
        True
        >>> gaz.lookup("Goris")[0].country
        'AM'
        >>> gaz.lookup("nowhere-at-all")
        []
        """
        best: dict[int, int] = {}
        for row, typ in self.candidates(name):
            if typ == 3:  # demonyms are not names of a place
                continue
            best[row] = min(typ, best.get(row, 9))
        rows = [r for r in best if (kind is None or self._table["kind"][r] == kind)
                and (country is None or self._table["country"][r] == country)]
        rows.sort(key=lambda r: -prior(self, r, best[r]))  # the prior the geoparser starts from
        return [Place(self, r) for r in rows]

    def names_of(self, rows: Iterable[int], types: Iterable[int] = (0, 1, 2)) -> dict[int, list[str]]:
        """The names of several rows at once, of these name types (``NAME_TYPES``), in the order
        of ``names``. Reads only those rows' names: no DataFrame of every name is made.

        >>> gaz = load_gazetteer()
        >>> row = gaz.lookup("Khankendi")[0]._row
        >>> "Stepanakert" in gaz.names_of([row])[row]
        True
        """
        wanted, kinds = sorted({int(r) for r in rows}), sorted({int(t) for t in types})
        frame = self._frames["names"]
        by_row = frame.by_row if isinstance(frame, _IndexTable) else None
        if by_row is not None:  # the names of each row, mapped: only those asked for are decoded
            got = ((r, n) for r in wanted for n, t in by_row.names(r) if t in kinds)
        elif isinstance(frame, _IndexTable):
            import pyarrow as pa
            import pyarrow.compute as pc

            t = frame.data
            keep = pc.and_(pc.is_in(t["row"], value_set=pa.array(wanted, t["row"].type)),
                           pc.is_in(t["type"], value_set=pa.array(kinds, t["type"].type)))
            sel = t.filter(keep)
            got = zip(sel["row"].to_pylist(), sel["name"].to_pylist())
        else:
            sel = frame[frame["row"].isin(wanted) & frame["type"].isin(kinds)]
            got = zip(sel["row"].tolist(), sel["name"].tolist())
        out: dict[int, list[str]] = {}
        for r, n in got:
            out.setdefault(int(r), []).append(str(n))
        return out

    def _aliases(self, row: int) -> tuple[str, ...]:
        frame = self._frames["names"]
        if isinstance(frame, _IndexTable) and frame.by_row is not None:
            picked = self.names_of([row], (1, 2)).get(row, [])  # aliases and abbreviations
            return tuple(dict.fromkeys(n for n in picked if n != self._table["name"][row]))
        with self._lock:
            if self._alias_rows is None:
                rows = self.names["row"].to_numpy()
                order = np.argsort(rows, kind="stable")
                self._alias_rows = (rows[order], order)
        sorted_rows, order = self._alias_rows
        i, j = np.searchsorted(sorted_rows, row, "left"), np.searchsorted(sorted_rows, row, "right")
        names, types = self.names["name"].to_numpy(), self.names["type"].to_numpy()
        picked = [names[k] for k in order[i:j] if types[k] in (1, 2)]  # aliases and abbreviations
        return tuple(dict.fromkeys(n for n in picked if n != self._table["name"][row]))

    # -- geometry ---------------------------------------------------------------------------
    def geometry(self, row: int, *, whole_layer: bool = False):
        """The shapely geometry of the place in this row (read from its layer on first use), EPSG:4326.

        Decoded from ``GEOMETRIES_FILE`` when it is there. Else a few places' geometries are read
        from the layer file one by one; ``whole_layer`` reads the whole layer at once, as when many
        of its places will be asked for (and from the ``FEW_GEOMETRIES``-th on).
        """
        layer = self._table["layer"][row]
        if layer in POINT_LAYERS:
            from shapely.geometry import Point

            return Point(float(self._table["lon"][row]), float(self._table["lat"][row]))
        fid = self._table["id"][row]
        wkb = self._wkb
        if wkb is not None and row < wkb.rows and not layer.startswith("user:"):
            with self._lock:  # decoded once, and only the rows asked for: no layer file is read
                decoded = self._geoms.setdefault(f"wkb:{layer}", {})
                if fid not in decoded:
                    decoded[fid] = wkb.get(row)
                return decoded[fid]
        with self._lock:
            if layer not in self._geoms:
                # A few features are read one by one (a map of one article draws a dozen); from the
                # FEW_GEOMETRIES-th on, the whole layer, which many more need (a corpus, ``features``).
                few = self._geoms.setdefault(f"few:{layer}", {})
                if fid in few:
                    return few[fid]
                if len(few) < FEW_GEOMETRIES and not whole_layer and not layer.startswith("user:"):
                    g = self._read_geometry(layer, row, fid)
                    if g is not False:
                        few[fid] = g
                        return g
                self._geoms[layer] = self._load_geometries(layer)
        return self._geoms[layer].get(fid)

    def _read_geometry(self, layer: str, row: int, fid: str) -> Any:
        """The geometry of one row, read by its position in its layer's file; False if that is not it."""
        starts = self._layer_starts
        if layer not in starts:  # a layer's rows are consecutive, in the order of its file
            starts[layer] = int(np.argmax(self._table["layer"] == layer))
        path = _layer_file(self.folder, layer)
        if path is None:
            raise GazetteerError(f"gazetteer layer {layer!r} is missing from {self.folder}")
        import pyogrio

        try:
            df = pyogrio.read_dataframe(path, columns=["id"], fids=[row - starts[layer]], use_arrow=True,
                                        encoding="UTF-8")
        except Exception as e:
            raise GazetteerError(f"cannot read gazetteer layer {path}: {str(e).splitlines()[0]}") from e
        if len(df) != 1 or df["id"].iloc[0] != fid:
            return False
        return df.geometry.values[0]

    def _load_geometries(self, layer: str) -> dict:
        if layer.startswith("user:"):
            return self._user_geoms[layer]
        return _layer_geometries(self.folder, layer)

    @property
    def features(self):
        """Every feature as a GeoDataFrame in EPSG:4326 (read from the layers on first use)."""
        import geopandas as gpd

        with self._lock:
            if self._features is None:
                geoms = [self.geometry(r, whole_layer=True) for r in range(len(self.table))]
                self._features = gpd.GeoDataFrame(self.table.copy(), geometry=geoms, crs=4326)
            return self._features

    def layer(self, name: str):
        """One layer's features as a GeoDataFrame, e.g. ``gaz.layer("country")``."""
        import geopandas as gpd

        rows = np.flatnonzero(self._table["layer"] == name)
        geoms = [self.geometry(r, whole_layer=True) for r in rows]
        frame = self._frames["table"]
        if isinstance(frame, _IndexTable):  # only these rows become a DataFrame, as ``table`` gives them
            attrs = frame.to_pandas(rows)
        else:
            attrs = self.table.iloc[rows].reset_index(drop=True)
        return gpd.GeoDataFrame(attrs, geometry=geoms, crs=4326)

    # -- user layers -------------------------------------------------------------------------
    def with_layer(self, data: Any, *, kind: str = "region", name_column: str = "name",
                   alias_column: str | None = None, layer: str | None = None) -> Gazetteer:
        """A new gazetteer: this one and a user's layer (a GeoDataFrame or a path GDAL reads).

        This gazetteer is not changed (``load_gazetteer()`` is shared by every caller in the
        process). The layer's places get ids ``user:<layer>:<n>``, unique in the new
        gazetteer: a second layer of the same name becomes ``<layer>-2``. Invalid geometries
        are repaired with ``make_valid``; features with no geometry or no name are dropped
        with a warning. The new gazetteer pickles as the bundled one plus the layer.

        >>> import geopandas as gpd
        >>> from shapely.geometry import LineString
        >>> route = gpd.GeoDataFrame({"name": ["Middle Corridor"]},
        ...                          geometry=[LineString([(49.8, 40.4), (44.8, 41.7)])], crs=4326)
        >>> gaz = load_gazetteer().with_layer(route, kind="corridor")
        >>> gaz.lookup("Middle Corridor")[0].id, load_gazetteer().lookup("Middle Corridor")
        ('user:corridor:0', [])
        """
        user = _read_user_layer(data, kind=kind, name_column=name_column, alias_column=alias_column,
                                layer=layer, taken=set(self._user_geoms))
        new = object.__new__(Gazetteer)
        new.__dict__.update(self.__dict__)  # shares the bundled tables and the geometries read so far
        new._lock = threading.RLock()
        new._geoms = dict(self._geoms)
        new._user_geoms = dict(self._user_geoms)
        new._user_layers = (*self._user_layers, user)
        new._token = uuid.uuid4().hex
        new._features = None
        new._alias_rows = None
        new._derived = {}
        new._append(user)
        _restored[new._token] = new
        return new

    def user_places(self, layer: str) -> list[Place]:
        """The places of one user layer (``"user:corridor"``), in the order of its features."""
        return [self.place(fid) for fid in self._user_geoms.get(layer, {})]

    def _append(self, user: _UserLayer) -> None:
        """Add a user layer's rows to this gazetteer's tables (only while ``with_layer`` makes it)."""
        import pandas as pd
        import shapely

        gdf, layer = user.data, user.layer
        geoms = gdf.geometry.values
        n0 = len(self)
        ids = [f"{layer}:{i}" for i in range(len(gdf))]
        if user.kind == "corridor":
            pts = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
        else:
            pts = shapely.point_on_surface(geoms)
        rows = pd.DataFrame({
            "id": ids, "name": gdf[user.name_column].astype(str).to_numpy(), "kind": user.kind,
            "country": gdf["country"].to_numpy() if "country" in gdf else None, "admin1": None,
            "population": pd.to_numeric(gdf["population"], errors="coerce").fillna(0).astype("int64")
            if "population" in gdf else 0,
            "capital": 0, "citylike": 0, "lat": shapely.get_y(pts), "lon": shapely.get_x(pts),
            "source": f"user layer {layer[5:]}", "precision": "as given",
            "geonameid": pd.to_numeric(gdf["geonameid"], errors="coerce").fillna(0).astype("int64")
            if "geonameid" in gdf else 0, "layer": layer})
        new_names = [pd.DataFrame({"row": np.arange(n0, n0 + len(gdf)), "name": rows["name"], "type": 0})]
        if user.alias_column and user.alias_column in gdf:
            al = [(n0 + i, a.strip()) for i, v in enumerate(gdf[user.alias_column]) if isinstance(v, str)
                  for a in v.split("|") if a.strip()]
            if al:
                r, a = zip(*al)
                new_names.append(pd.DataFrame({"row": r, "name": a, "type": 1}))
        nm = pd.concat(new_names, ignore_index=True)
        nm["key"] = [fold(n) for n in nm["name"]]
        nm = nm[nm["key"] != ""].astype({"row": "int32", "type": "int8"})
        table = pd.concat([self.table, rows], ignore_index=True)
        names = pd.concat([self.names, nm], ignore_index=True).sort_values(["key", "type", "row"], kind="stable")
        surfaces = pd.concat([self.surfaces, _surfaces(nm, table)], ignore_index=True)
        surfaces = surfaces.sort_values(["surface", "type", "row"], kind="stable")
        self._set_tables(table, names.reset_index(drop=True), surfaces.reset_index(drop=True))
        self._user_geoms[layer] = dict(zip(ids, geoms))
        self._geoms[layer] = self._user_geoms[layer]

    def add_layer(self, data: Any, *, kind: str = "region", name_column: str = "name",
                  alias_column: str | None = None, layer: str | None = None) -> list[Place]:
        """Deprecated: changes this gazetteer in place, which every other caller of ``load_gazetteer()``
        shares. Use ``gaz = gaz.with_layer(...)``, which returns a new gazetteer."""
        if any(shared is self for shared in _cache.values()):
            raise ConfigurationError("add_layer would change the gazetteer that load_gazetteer() shares with every "
                                     "caller; use gaz = gaz.with_layer(data, kind=...) instead")
        warnings.warn("Gazetteer.add_layer changes a gazetteer that other callers share; use "
                      "gaz = gaz.with_layer(data, kind=...) instead", DeprecationWarning, stacklevel=2)
        user = _read_user_layer(data, kind=kind, name_column=name_column, alias_column=alias_column,
                                layer=layer, taken=set(self._user_geoms))
        with self._lock:
            self._append(user)
            self._user_layers = (*self._user_layers, user)
            self._token = self._token or uuid.uuid4().hex
            _restored[self._token] = self
            self._alias_rows = self._features = None
            self._derived.clear()
        return self.user_places(user.layer)


class _UserLayer(NamedTuple):
    """A user layer as ``with_layer`` keeps it: clean features in EPSG:4326 and how to read them."""

    data: Any  # GeoDataFrame: valid geometries, every feature named
    kind: str
    name_column: str
    alias_column: str | None
    layer: str  # "user:<name>", unique in its gazetteer


def _read_user_layer(data: Any, *, kind: str, name_column: str, alias_column: str | None, layer: str | None,
                     taken: set[str]) -> _UserLayer:
    import geopandas as gpd
    import shapely

    if not isinstance(kind, str) or not kind.strip():
        raise ConfigurationError(f"kind must be a non-empty string, not {kind!r}")
    if isinstance(data, gpd.GeoDataFrame):
        gdf = data
    else:
        try:
            path = Path(data)
        except TypeError:
            raise ConfigurationError(f"a user layer is a GeoDataFrame or a path, not {type(data).__name__}") from None
        if not path.exists():
            raise GazetteerError(f"user layer {path} does not exist")
        try:
            gdf = gpd.read_file(path)
        except Exception as e:
            raise GazetteerError(f"cannot read user layer {path}: {str(e).splitlines()[0]}") from e
        layer = layer or path.stem
    if name_column not in gdf:
        raise GazetteerError(f"user layer has no column {name_column!r}; columns: {list(gdf.columns)}")
    gdf = gdf.to_crs(4326) if gdf.crs is not None else gdf.set_crs(4326)
    geoms = shapely.make_valid(gdf.geometry.values)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & gdf[name_column].notna().to_numpy()
    if not keep.all():
        warnings.warn(f"user layer: dropped {int((~keep).sum())} features with no geometry or name", stacklevel=3)
    gdf = gdf[keep].copy()
    gdf = gdf.set_geometry(geoms[keep]).reset_index(drop=True)
    name = base = f"user:{layer or kind}"
    k = 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    return _UserLayer(gdf, kind, name_column, alias_column, name)


# Gazetteers with user layers, by token: unpickling the same one twice in a process gives one object.
_restored: weakref.WeakValueDictionary[str, Gazetteer] = weakref.WeakValueDictionary()


def _restore_gazetteer(folder: str, layers: tuple[_UserLayer, ...], token: str) -> Gazetteer:
    if token and token in _restored:
        return _restored[token]
    gaz = load_gazetteer(folder)
    for user in layers:
        gaz = gaz.with_layer(user.data, kind=user.kind, name_column=user.name_column,
                             alias_column=user.alias_column, layer=user.layer[5:])
    if token:
        gaz._token = token
        _restored[token] = gaz
    return gaz


def _restore_place(gaz: Gazetteer, place_id: str) -> Place:
    return gaz.place(place_id)


_cache: dict[Path, Gazetteer] = {}
_cache_lock = threading.Lock()


def load_gazetteer(path: Path | str | None = None) -> Gazetteer:
    """The gazetteer of the bundled ``shapes/`` (or of another folder), cached per process.

    >>> load_gazetteer() is load_gazetteer()
    True
    """
    key = _SHAPES if path is None else Path(path).resolve()  # one gazetteer per folder, links resolved
    with _cache_lock:
        gaz = _cache.get(key)
        if gaz is None:
            gaz = _cache[key] = Gazetteer(key)
        return gaz
