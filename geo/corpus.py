"""Corpora: geoparse many documents in parallel with Dask, into GeoParquet and an aggregate map.

Inputs are folders, globs, text files (``.txt``, ``.md``), JSONL files with ``id`` and
``text`` fields, or texts given in Python. Work is split into partitions of many documents,
so that each Dask worker loads the gazetteer once. Bad documents (undecodable, text that is
not a str, a geoparse exception) are reported and skipped, never abort the run.

>>> import geo
>>> gdf = geo.geoparse_corpus(["Talks in Baku.", "Yerevan replied."], scheduler="synchronous")
>>> gdf[["doc_id", "text", "country"]].values.tolist()
[['text-0', 'Baku', 'AZ'], ['text-1', 'Yerevan', 'AM']]
>>> summarise_places(gdf)[["name", "mentions", "documents"]].values.tolist()
[['Baku', 1, 1], ['Yerevan', 1, 1]]
>>> len(geo.geoparse_corpus([], scheduler="synchronous"))
0

From the shell: ``geo corpus articles/ -o mentions.parquet --map map.html``.

Larger than memory: ``write_corpus`` (what the command runs) streams partitions into the
GeoParquet file as they finish, and ``mentions_bag``/``mentions_frame`` are lazy Dask
collections, e.g. ``mentions_frame("corpus/*.jsonl").to_parquet("mentions/")``. On a
remote cluster (``scheduler="tcp://host:8786"``) every worker needs geo installed and the
input paths on a shared file system.
"""

from __future__ import annotations

import glob
import html
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from geo.errors import GeoError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import dask.bag
    import dask.dataframe
    import folium
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "CorpusRun",
    "aggregate_map",
    "corpus_command",
    "geoparse_corpus",
    "mentions_bag",
    "mentions_frame",
    "plan_partitions",
    "summarise_places",
    "write_corpus",
]

#: Suffixes picked up inside folders: text files, and JSONL files of ``{"id", "text"}``.
TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
#: Columns of the mention table, in order (``geometry`` is built from ``lon``/``lat``).
MENTION_COLUMNS = ["doc_id", "start", "end", "text", "form", "place_id", "name", "kind", "country", "admin1",
                   "geonameid", "score"]
#: Columns of the per-place summary, in order.
PLACE_COLUMNS = ["place_id", "name", "kind", "country", "admin1", "geonameid", "mentions", "documents"]
_STR = ["doc_id", "text", "form", "place_id", "name", "kind", "country", "admin1"]
_MIN_BLOCK, _MAX_BLOCK = 16 * 1024, 8 * 1024 * 1024
#: With neither ``scheduler`` nor ``workers`` given, a corpus smaller than this (in bytes, about
#: 100 news articles) is geoparsed in this process: starting worker processes would take longer.
SMALL_CORPUS = 256 * 1024

# A unit of input, small and picklable, read on the worker:
#   ("text", doc_id, text)          a document given in Python
#   ("file", path, size, name)          a whole text file; its doc_id is the path as given
#   ("jsonl", path, start, end, name)   the lines of a JSONL file that begin in [start, end)
# ``path`` is absolute, so that workers with another working directory find the file.
Unit = tuple


# -- inputs ------------------------------------------------------------------------------------
def _looks_like_path(s: str) -> bool:
    """One line with no spaces that ends like a corpus file or holds glob characters."""
    if "\n" in s or any(c.isspace() for c in s.strip()):
        return False
    return s.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES) or glob.has_magic(s)


def _file_unit(path: Path) -> list[Unit]:
    size = path.stat().st_size
    if path.suffix.lower() in JSONL_SUFFIXES:
        return [("jsonl", str(path.absolute()), 0, size, str(path))]
    return [("file", str(path.absolute()), size, str(path))]


def _path_units(item: str | os.PathLike) -> list[Unit]:
    s = os.fspath(item)
    p = Path(s)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES + JSONL_SUFFIXES
                       and not any(part.startswith(".") for part in f.relative_to(p).parts))
        return [u for f in files for u in _file_unit(f)]
    if p.is_file():
        return _file_unit(p)
    if glob.has_magic(s):
        hits = sorted(glob.glob(s, recursive=True))
        if hits:
            return [u for h in hits for u in _path_units(h)]
    raise InputError(f"no such file or folder, and no file matches: {s!r}")


class _Units(list):
    """Inputs already expanded into units (``_expand`` passes them through)."""


def _expand(inputs: Any, *, paths_only: bool = False) -> list[Unit]:
    """Units of work for ``inputs``: see ``geoparse_corpus`` for what an input may be."""
    if isinstance(inputs, _Units):
        return list(inputs)
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if isinstance(inputs, Mapping):
        return [("text", str(k), v) for k, v in inputs.items()]
    units: list[Unit] = []
    for i, item in enumerate(inputs):
        if isinstance(item, os.PathLike) or paths_only:
            units += _path_units(item)
        elif isinstance(item, str):
            is_path = "\n" not in item and len(item) < 4096 and (
                os.path.exists(item) or (glob.has_magic(item) and bool(glob.glob(item, recursive=True))))
            if is_path:
                units += _path_units(item)
            elif _looks_like_path(item):
                raise InputError(f"no such file or folder, and no file matches: {item!r} "
                                 "(pass texts as (id, text) pairs to be explicit)")
            else:
                units.append(("text", f"text-{i}", item))
        elif isinstance(item, tuple) and len(item) == 2:
            units.append(("text", str(item[0]), item[1]))
        else:  # a bad document: reported by the worker, not an error of the whole run
            units.append(("text", f"text-{i}", item))
    return units


def _cores() -> int:
    """Cores this process may run on (its CPU affinity), else the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _unit_size(u: Unit) -> int:
    if u[0] == "text":
        return len(u[2]) if isinstance(u[2], str) else 1
    if u[0] == "file":
        return u[2]
    return u[3] - u[2]


def plan_partitions(inputs: Any, *, workers: int | None = None, blocksize: int | None = None) -> list[list[Unit]]:
    """Split ``inputs`` into partitions of many documents, about ``blocksize`` bytes each.

    The default block size gives each of ``workers`` about four partitions, between 16 KiB
    and 8 MiB. Large JSONL files are split at line boundaries, so no partition holds a whole
    corpus.

    >>> plan_partitions(["Talks in Baku.", "Yerevan replied."], blocksize=10)
    [[('text', 'text-0', 'Talks in Baku.')], [('text', 'text-1', 'Yerevan replied.')]]
    >>> plan_partitions([])
    []
    """
    units = _expand(inputs)
    total = sum(_unit_size(u) for u in units)
    if blocksize is None:
        n = workers or _cores()
        blocksize = min(_MAX_BLOCK, max(_MIN_BLOCK, math.ceil(total / (4 * n))))
    blocksize = max(1, int(blocksize))
    split: list[Unit] = []
    for u in units:
        if u[0] == "jsonl" and u[3] > blocksize:
            split += [("jsonl", u[1], a, min(a + blocksize, u[3]), u[4]) for a in range(0, u[3], blocksize)]
        else:
            split.append(u)
    parts: list[list[Unit]] = []
    current: list[Unit] = []
    size = 0
    for u in split:
        current.append(u)
        size += _unit_size(u)
        if size >= blocksize:
            parts.append(current)
            current, size = [], 0
    if current:
        parts.append(current)
    return parts


def _read_jsonl(path: str, start: int, end: int, name: str) -> Iterator[tuple[str, Any, str | None]]:
    with open(path, "rb") as f:
        if start > 0:
            f.seek(start - 1)
            f.readline()  # the line that began before start belongs to the previous range
        while True:
            offset = f.tell()
            if offset >= end:
                return
            line = f.readline()
            if not line:
                return
            if not line.strip():
                continue
            doc_id = f"{name}@{offset}"  # unless the line has an id
            try:
                rec = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError as e:
                yield doc_id, None, f"not UTF-8: {e}"
                continue
            except ValueError as e:
                yield doc_id, None, f"not a JSON line: {e}"
                continue
            if not isinstance(rec, dict):
                yield doc_id, None, f"a JSON line is a {type(rec).__name__}, not an object"
                continue
            if rec.get("id") is not None:
                doc_id = str(rec["id"])
            if "text" not in rec:
                yield doc_id, None, "no 'text' field"
                continue
            yield doc_id, rec["text"], None


def _read_units(units: list[Unit]) -> Iterator[tuple[str, Any, str | None]]:
    """``(doc_id, text, error)`` for each document of a partition."""
    for u in units:
        if u[0] == "text":
            yield u[1], u[2], None
        elif u[0] == "file":
            text, error = None, None
            try:
                with open(u[1], encoding="utf-8") as f:
                    text = f.read()
            except UnicodeDecodeError as e:
                error = f"not UTF-8: {e}"
            except OSError as e:
                error = f"cannot read: {e.strerror or e}"
            yield u[3], text, error
        else:
            try:
                yield from _read_jsonl(u[1], u[2], u[3], u[4])
            except OSError as e:
                yield f"{u[4]}@{u[2]}", None, f"cannot read: {e.strerror or e}"


# -- the work of one partition ----------------------------------------------------------------------
def _gazetteer(shapes: str | None):
    """The gazetteer of ``shapes`` (a folder), or None for the bundled one; cached per process."""
    if shapes is None:
        return None
    from geo.gazetteer import load_gazetteer

    return load_gazetteer(shapes)


def _warm(shapes: str | None = None) -> None:
    """Load the gazetteer and build the name matcher in this process (once; cached)."""
    from geo.resolve import geoparse

    geoparse("Baku", gazetteer=_gazetteer(shapes))


def _parse_doc(doc_id: str, text: Any, error: str | None, on_error: str,
               shapes: str | None = None, overrides: dict[str, str] | None = None) -> tuple[list[tuple], str | None]:
    from geo.resolve import geoparse

    if error is None and not isinstance(text, str):
        error = f"text is {type(text).__name__}, not str"
    if error is not None:
        if on_error == "raise":
            raise InputError(f"document {doc_id}: {error}")
        return [], error
    try:
        doc = geoparse(text, gazetteer=_gazetteer(shapes), overrides=overrides)
    except Exception as e:  # any failure of one document is that document's, reported by the caller
        if on_error == "raise":
            raise
        return [], f"geoparse failed: {type(e).__name__}: {e}"
    rows = []
    for m in doc.mentions:
        p = m.place
        if p is None:
            rows.append((doc_id, m.start, m.end, m.text, m.form, None, None, None, None, None, None, m.score,
                         math.nan, math.nan))
        else:
            rows.append((doc_id, m.start, m.end, m.text, m.form, p.id, p.name, p.kind, p.country, p.admin1,
                         p.geonameid, m.score, p.lon, p.lat))
    return rows, None


def _frame(rows: list[tuple]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(rows, columns=MENTION_COLUMNS + ["lon", "lat"])
    for c in _STR:
        df[c] = df[c].astype(object)
    for c in ("start", "end"):
        df[c] = df[c].astype("int64")
    df["geonameid"] = df["geonameid"].astype("Int64")  # None where the place has no GeoNames id
    for c in ("score", "lon", "lat"):
        df[c] = df[c].astype("float64")
    return df


@dataclass
class _Part:
    mentions: Any  # pandas DataFrame: MENTION_COLUMNS + lon, lat
    skipped: list[tuple[str, str]]
    documents: int


def _parse_partition(units: list[Unit], on_error: str = "skip", shapes: str | None = None,
                     overrides: dict[str, str] | None = None) -> _Part:
    """Geoparse the documents of one partition (runs on a worker)."""
    rows: list[tuple] = []
    skipped: list[tuple[str, str]] = []
    n = 0
    for doc_id, text, error in _read_units(units):
        n += 1
        r, err = _parse_doc(doc_id, text, error, on_error, shapes, overrides)
        if err is not None:
            skipped.append((doc_id, err))
        rows += r
    return _Part(_frame(rows), skipped, n)


def _parse_docs(units: list[Unit], on_error: str = "skip", shapes: str | None = None) -> list[dict]:
    out = []
    for doc_id, text, error in _read_units(units):
        rows, err = _parse_doc(doc_id, text, error, on_error, shapes)
        out.append({"doc_id": doc_id, "mentions": [dict(zip(MENTION_COLUMNS + ["lon", "lat"], r, strict=True)) for r in rows],
                    "error": err})
    return out


# -- running on Dask ---------------------------------------------------------------------------
def _plugin(shapes: str | None = None):
    from distributed import WorkerPlugin

    class GazetteerPlugin(WorkerPlugin):
        """Loads the gazetteer once when a worker starts, before its first partition."""

        name = "geo-gazetteer"

        def __init__(self, shapes: str | None) -> None:
            self.shapes = shapes

        def setup(self, worker) -> None:
            _warm(self.shapes)

    return GazetteerPlugin(shapes)


def _client(scheduler: Any, workers: int | None):
    """``(client, close)`` for a scheduler address, a Client, or a new local cluster."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise GeoError("parallel corpora need Dask: pip install 'geo[corpus]' "
                       "(or pass scheduler='synchronous')") from e
    if scheduler is None:
        n = workers or _cores()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "port in use" and similar notes of a private cluster
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                   host="127.0.0.1", silence_logs=40)
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
    if isinstance(scheduler, str):
        if workers is not None:
            raise InputError("workers= applies to a local cluster, not to a scheduler address")
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as e:
            raise GeoError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e
        return client, client.close
    if hasattr(scheduler, "submit") and hasattr(scheduler, "scheduler_info"):
        if workers is not None:
            raise InputError("workers= applies to a local cluster, not to a Client")
        return scheduler, lambda: None
    raise InputError(f"scheduler must be None, 'synchronous', an address such as 'tcp://host:8786' "
                     f"or a distributed.Client, not {scheduler!r}")


def _shapes(shapes: str | os.PathLike | None) -> str | None:
    """An absolute gazetteer folder (workers may have another working directory), checked here."""
    if shapes is None:
        return None
    p = Path(shapes).resolve()
    if not p.is_dir():
        raise InputError(f"gazetteer folder {shapes} does not exist")
    return str(p)


def _overrides(overrides: Mapping[str, str] | None, shapes: str | os.PathLike | None) -> dict[str, str] | None:
    """``overrides`` checked against the gazetteer here, before any worker starts."""
    if not overrides:
        return None
    from geo.resolve import check_overrides

    return check_overrides(overrides, _gazetteer(None if shapes is None else str(shapes)))


def _run(inputs: Any, *, scheduler: Any, workers: int | None, progress: bool, on_error: str,
         paths_only: bool = False, blocksize: int | None = None,
         on_skip: Callable[[str, str], None] | None = None, shapes: str | None = None,
         overrides: dict[str, str] | None = None) -> Iterator[_Part]:
    """The partitions' results, in input order, as they complete."""
    if on_error not in ("skip", "raise"):
        raise InputError(f"on_error must be 'skip' or 'raise', not {on_error!r}")
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1, not {workers}")
    units = _expand(inputs, paths_only=paths_only)
    from tqdm.auto import tqdm

    small = scheduler is None and workers is None and sum(_unit_size(u) for u in units) < SMALL_CORPUS
    if scheduler in ("synchronous", "sync") or small:  # starting processes costs more than a small corpus
        parts = plan_partitions(_Units(units), workers=1, blocksize=blocksize)
        bar = tqdm(total=len(parts), unit="part", disable=not progress, file=sys.stderr)
        docs = 0
        for p in parts:
            r = _parse_partition(p, on_error, shapes, overrides)
            docs += r.documents
            _report(r, on_skip, bar, docs)
            yield r
        bar.close()
        return
    client, close = _client(scheduler, workers)
    try:
        n = sum(client.nthreads().values()) or workers or 1  # every thread of every worker gets partitions
        parts = plan_partitions(_Units(units), workers=n, blocksize=blocksize)
        if not parts:
            return
        try:
            client.register_plugin(_plugin(shapes))
        except Exception as e:  # a worker without geo, or with an unreadable gazetteer
            raise GeoError(f"the Dask workers cannot load geo's gazetteer: {type(e).__name__}: {e}") from e
        from distributed import KilledWorker, as_completed

        futures = client.map(_parse_partition, parts, on_error=on_error, shapes=shapes, overrides=overrides,
                             pure=False, key=[
            f"geo-partition-{i}-{os.getpid()}-{time.monotonic_ns()}" for i in range(len(parts))])
        index = {f.key: i for i, f in enumerate(futures)}
        pending: dict[int, _Part] = {}
        nxt, docs = 0, 0
        bar = tqdm(total=len(parts), unit="part", disable=not progress, file=sys.stderr)
        try:
            for fut in as_completed(futures, loop=client.loop):  # client may not be the default one
                i = index[fut.key]
                try:
                    r = fut.result()
                except KilledWorker as e:  # a document crashed its worker process, every time it was tried
                    if on_error == "raise":
                        raise
                    r = _lost_partition(parts[i], f"its worker process died: {e}")
                pending[i] = r
                fut.release()
                docs += r.documents
                _report(r, on_skip, bar, docs)
                while nxt in pending:
                    yield pending.pop(nxt)
                    nxt += 1
        finally:
            bar.close()
            client.cancel([f for f in futures if not f.done()])
    finally:
        close()


def _lost_partition(units: list[Unit], reason: str) -> _Part:
    """A partition whose documents cannot be parsed: each of its inputs is reported as skipped."""
    names = []
    for u in units:
        if u[0] == "text":
            names.append(u[1])
        elif u[0] == "file":
            names.append(u[3])
        else:
            names.append(f"{u[4]}@{u[2]}-{u[3]}")
    return _Part(_frame([]), [(n, f"partition skipped: {reason}") for n in names], 0)


def _report(r: _Part, on_skip: Callable[[str, str], None] | None, bar: Any, docs: int) -> None:
    for doc_id, err in r.skipped:
        if on_skip is not None:
            on_skip(doc_id, err)
    bar.update(1)
    bar.set_postfix(docs=docs, refresh=False)


# -- assembling the results ---------------------------------------------------------------------
def _points(lon, lat):
    import numpy as np
    import shapely

    lon, lat = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    pts = shapely.points(lon, lat)
    pts[np.isnan(lon) | np.isnan(lat)] = None
    return pts


def _to_gdf(df: pd.DataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame(df[columns].reset_index(drop=True), geometry=_points(df["lon"], df["lat"]), crs=4326)


def _strings(col: pd.Series) -> list:
    """A string column as a list, with every missing value (NaN, None) as None."""
    return [v if isinstance(v, str) else None for v in col.tolist()]


def _summary_frame(mentions: pd.DataFrame) -> pd.DataFrame:
    """Per-place counts of one partition (or of a whole table), with ``lon``/``lat``."""
    import pandas as pd

    df = mentions[mentions["place_id"].notna()]
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("mentions", "documents") else
                                          "Int64" if c == "geonameid" else object)
                             for c in PLACE_COLUMNS} | {"lon": pd.Series(dtype="float64"),
                                                         "lat": pd.Series(dtype="float64")})
    g = df.groupby("place_id", sort=False)
    out = g[["name", "kind", "country", "admin1", "geonameid", "lon", "lat"]].first()
    out["mentions"] = g.size()
    out["documents"] = g["doc_id"].nunique()
    out = out.reset_index()[PLACE_COLUMNS + ["lon", "lat"]]
    for c in ("name", "kind", "country", "admin1"):
        out[c] = _strings(out[c])
    return out


def _combine_summaries(frames: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    frames = [f for f in frames if not f.empty]
    if not frames:
        return _summary_frame(_frame([]))
    df = pd.concat(frames, ignore_index=True)
    g = df.groupby("place_id", sort=False)
    out = g[["name", "kind", "country", "admin1", "geonameid", "lon", "lat"]].first()
    out["mentions"] = g["mentions"].sum().astype("int64")
    out["documents"] = g["documents"].sum().astype("int64")  # a document lies in one partition only
    out = out.reset_index()[PLACE_COLUMNS + ["lon", "lat"]]
    for c in ("name", "kind", "country", "admin1"):
        out[c] = _strings(out[c])
    return out.sort_values(["mentions", "documents", "place_id"], ascending=[False, False, True],
                           kind="stable").reset_index(drop=True)


def summarise_places(mentions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per place of a mention table: its mention and document counts, most mentioned first.

    >>> import geo
    >>> gdf = geo.geoparse_corpus({"a": "Baku and Baku.", "b": "Baku, then Paris."}, scheduler="synchronous")
    >>> summarise_places(gdf)[["name", "mentions", "documents"]].values.tolist()
    [['Baku', 3, 2], ['Paris', 1, 1]]
    >>> len(summarise_places(gdf.iloc[:0]))
    0
    """
    df = mentions.copy()
    if "lon" not in df:
        pts = df.geometry.values
        df["lon"] = [p.x if p is not None and not p.is_empty else math.nan for p in pts]
        df["lat"] = [p.y if p is not None and not p.is_empty else math.nan for p in pts]
    if "admin1" not in df:
        df["admin1"] = None
    return _to_gdf(_combine_summaries([_summary_frame(df)]), PLACE_COLUMNS)


def geoparse_corpus(paths_or_texts: Any, *, scheduler: Any = None, workers: int | None = None,
                    progress: bool = False, on_error: str = "skip", blocksize: int | None = None,
                    shapes: str | os.PathLike | None = None,
                    overrides: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Geoparse a corpus in parallel: one row per mention, in EPSG:4326.

    ``paths_or_texts`` is a folder, glob, file or text, or a list of them; a ``dict`` of
    ``{id: text}``; or ``(id, text)`` pairs. A ``str`` is a path when it names an existing
    file or folder or a glob that matches; otherwise it is a text (``text-<i>``). Folders are
    searched for ``.txt``, ``.md`` and ``.jsonl`` files; JSONL lines carry ``id`` and ``text``.

    ``scheduler`` is ``None`` (a local cluster of ``workers`` processes, all cores by default;
    without ``workers``, a corpus under ``SMALL_CORPUS`` bytes runs in this process),
    ``"synchronous"`` (this process, no Dask), a scheduler address such as
    ``"tcp://10.0.0.5:8786"`` or a ``distributed.Client``. Paths are read by the workers, so
    on a remote cluster they must be on a shared file system (like ``dask.bag.read_text``).

    Columns: ``doc_id, start, end, text, form, place_id, name, kind, country, admin1, score``
    and ``geometry``, the place's representative point. With ``on_error="skip"`` bad documents
    are skipped with a warning and listed in ``gdf.attrs["skipped"]`` as ``(doc_id, reason)``;
    ``gdf.attrs["documents"]`` counts the documents read. ``on_error="raise"`` stops at the first.
    ``shapes`` is a gazetteer folder to use instead of the bundled one (``geo --shapes``).
    ``overrides`` is ``geo.geoparse``'s house list of readings, ``{name: place id}``.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     gdf = geoparse_corpus([("a", "Talks in Baku."), ("b", None)], scheduler="synchronous")
    >>> gdf["name"].tolist(), gdf.attrs["skipped"]
    (['Baku'], [('b', 'text is NoneType, not str')])
    """
    import pandas as pd

    frames, skipped, docs = [], [], 0
    for r in _run(paths_or_texts, scheduler=scheduler, workers=workers, progress=progress, on_error=on_error,
                  blocksize=blocksize, shapes=_shapes(shapes), overrides=_overrides(overrides, shapes)):
        frames.append(r.mentions)
        skipped += r.skipped
        docs += r.documents
    df = pd.concat(frames, ignore_index=True) if frames else _frame([])
    gdf = _to_gdf(df, MENTION_COLUMNS)
    gdf.attrs["skipped"] = skipped
    gdf.attrs["documents"] = docs
    if skipped:
        warnings.warn(f"skipped {len(skipped)} of {docs} documents; the first: {skipped[0][0]}: {skipped[0][1]} "
                      "(all are in .attrs['skipped'])", UserWarning, stacklevel=2)
    return gdf


# -- Dask collections ---------------------------------------------------------------------------
def mentions_bag(paths_or_texts: Any, *, blocksize: int | None = None, on_error: str = "skip",
                 shapes: str | os.PathLike | None = None) -> dask.bag.Bag:
    """A lazy ``dask.bag`` with one record per document, for corpora larger than memory.

    Each record is ``{"doc_id", "mentions": [row dicts with lon/lat], "error": None or reason}``.
    Compute it with any Dask scheduler; each worker process loads the gazetteer once.

    >>> bag = mentions_bag({"a": "Talks in Baku.", "b": 7})
    >>> [(d["doc_id"], [m["name"] for m in d["mentions"]], d["error"])
    ...  for d in bag.compute(scheduler="synchronous")]
    [('a', ['Baku'], None), ('b', [], 'text is int, not str')]
    >>> mentions_bag([]).count().compute(scheduler="synchronous")
    0
    """
    import dask.bag as db

    parts = plan_partitions(paths_or_texts, blocksize=blocksize)
    if not parts:
        return db.from_sequence([], npartitions=1)
    folder = _shapes(shapes)
    return db.from_sequence(parts, npartitions=len(parts)).map_partitions(
        lambda ps: [d for units in ps for d in _parse_docs(units, on_error, folder)])


def _mentions_part(units: list[Unit], shapes: str | None = None) -> pd.DataFrame:
    return _parse_partition(units, "skip", shapes).mentions


def mentions_frame(paths_or_texts: Any, *, blocksize: int | None = None,
                   shapes: str | os.PathLike | None = None) -> dask.dataframe.DataFrame:
    """A lazy ``dask.dataframe`` of mention rows (``lon``/``lat`` columns, no geometry).

    Bad documents yield no rows; use ``mentions_bag`` to see why they failed. Write it with
    ``.to_parquet(folder)`` without holding the corpus in memory.

    >>> df = mentions_frame(["Talks in Baku.", "Yerevan replied."]).compute(scheduler="synchronous")
    >>> df[["doc_id", "name", "lon"]].round(1).values.tolist()
    [['text-0', 'Baku', 49.9], ['text-1', 'Yerevan', 44.5]]
    >>> len(mentions_frame([]).compute(scheduler="synchronous"))
    0
    """
    import dask.dataframe as dd

    parts = plan_partitions(paths_or_texts, blocksize=blocksize) or [[]]
    return dd.from_map(_mentions_part, parts, shapes=_shapes(shapes), meta=_frame([]), enforce_metadata=False)


# -- GeoParquet, written as partitions arrive ---------------------------------------------------
class _GeoParquetSink:
    """Writes mention or place frames with ``lon``/``lat`` as one GeoParquet file, in row groups."""

    def __init__(self, path: Path, columns: list[str], row_group: int = 65536) -> None:
        import pyarrow.parquet as pq

        self.path, self.columns, self.row_group = path, columns, row_group
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(path, self._schema(), compression="zstd")
        except OSError as e:
            raise InputError(f"cannot write {path}: {e.strerror or e}") from e
        self.buffer: list[pd.DataFrame] = []
        self.buffered = 0
        self.rows = 0
        self.bbox = [math.inf, math.inf, -math.inf, -math.inf]

    def _schema(self):
        import pyarrow as pa

        types = {"start": pa.int64(), "end": pa.int64(), "mentions": pa.int64(), "documents": pa.int64(),
                 "score": pa.float64(), "geonameid": pa.int64()}
        fields = [pa.field(c, types.get(c, pa.string())) for c in self.columns]
        return pa.schema(fields + [pa.field("geometry", pa.binary())])

    def write(self, df: pd.DataFrame) -> None:
        if len(df):
            self.buffer.append(df)
            self.buffered += len(df)
        if self.buffered >= self.row_group:
            self._flush()

    def _flush(self) -> None:
        import pandas as pd
        import pyarrow as pa
        import shapely

        if not self.buffer:
            return
        df = pd.concat(self.buffer, ignore_index=True)
        self.buffer, self.buffered = [], 0
        lon, lat = df["lon"].to_numpy("float64"), df["lat"].to_numpy("float64")
        ok = ~(pd.isna(lon) | pd.isna(lat))
        if ok.any():
            self.bbox = [min(self.bbox[0], lon[ok].min()), min(self.bbox[1], lat[ok].min()),
                         max(self.bbox[2], lon[ok].max()), max(self.bbox[3], lat[ok].max())]
        wkb = shapely.to_wkb(_points(lon, lat))
        arrays = [pa.array(_strings(df[c]) if c in _STR else df[c].to_numpy(), type=f.type)
                  for c, f in zip(self.columns, self._schema(), strict=False)]
        table = pa.Table.from_arrays(arrays + [pa.array(wkb.tolist(), type=pa.binary())], schema=self._schema())
        self.writer.write_table(table)
        self.rows += len(df)

    def close(self) -> None:
        import pyproj

        self._flush()
        col: dict[str, Any] = {"encoding": "WKB", "geometry_types": ["Point"],
                               "crs": pyproj.CRS.from_epsg(4326).to_json_dict()}
        if self.bbox[0] <= self.bbox[2]:
            col["bbox"] = [float(v) for v in self.bbox]
        meta = {"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": col},
                "creator": {"library": "geo", "version": _version()}}
        self.writer.add_key_value_metadata({"geo": json.dumps(meta)})
        self.writer.close()


def _version() -> str:
    import geo

    return geo.__version__


@dataclass
class CorpusRun:
    """What ``write_corpus`` did: counts, time and output files."""

    documents: int = 0
    mentions: int = 0
    places: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    outputs: dict[str, Path] = field(default_factory=dict)
    place_table: Any = None  # the per-place summary GeoDataFrame

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def places_path_for(output: str | os.PathLike) -> Path:
    """``mentions.parquet`` -> ``mentions.places.parquet``, beside it."""
    p = Path(output)
    return p.with_name(p.stem + ".places" + (p.suffix or ".parquet"))


def write_corpus(paths: Any, output: str | os.PathLike, *, places: str | os.PathLike | None = None,
                 scheduler: Any = None, workers: int | None = None, progress: bool = False,
                 on_skip: Callable[[str, str], None] | None = None, blocksize: int | None = None,
                 shapes: str | os.PathLike | None = None, overrides: Mapping[str, str] | None = None) -> CorpusRun:
    """Geoparse a corpus into GeoParquet files, streaming: memory holds partitions, not the corpus.

    ``output`` gets one row per mention; ``places`` (default ``<stem>.places.parquet``) one
    row per place: ``place_id, name, kind, country, admin1, mentions, documents, geometry``.
    Bad documents are skipped; ``on_skip(doc_id, reason)`` hears of each. The other
    arguments are those of ``geoparse_corpus``.

    >>> import tempfile, geopandas
    >>> out = Path(tempfile.mkdtemp()) / "m.parquet"
    >>> run = write_corpus(["Talks in Baku."], out, scheduler="synchronous")
    >>> run.documents, run.mentions, geopandas.read_parquet(out)["name"].tolist()
    (1, 1, ['Baku'])
    >>> write_corpus([], out, scheduler="synchronous").mentions
    0
    """
    output = Path(output)
    shapes = _shapes(shapes)
    places_out = Path(places) if places is not None else places_path_for(output)
    if places_out.resolve() == output.resolve():
        raise InputError(f"the places file would overwrite the mentions file {output}")
    for p in (output, places_out):  # fail before the work, not after it
        if p.is_dir() or (p.parent.exists() and not os.access(p.parent, os.W_OK)):
            raise InputError(f"cannot write {p}: {'a folder' if p.is_dir() else 'permission denied'}")
    t0 = time.perf_counter()
    run = CorpusRun()
    sink = _GeoParquetSink(output, MENTION_COLUMNS)
    summaries = []
    try:
        for r in _run(paths, scheduler=scheduler, workers=workers, progress=progress, on_error="skip",
                      paths_only=False, blocksize=blocksize, on_skip=on_skip, shapes=shapes,
                      overrides=_overrides(overrides, shapes)):
            sink.write(r.mentions)
            summaries.append(_summary_frame(r.mentions))
            run.documents += r.documents
            run.mentions += len(r.mentions)
            run.skipped += r.skipped
        sink.close()
    except BaseException:
        sink.writer.close()
        output.unlink(missing_ok=True)
        raise
    summary = _combine_summaries(summaries)
    psink = _GeoParquetSink(places_out, PLACE_COLUMNS)
    psink.write(summary)
    psink.close()
    run.places = len(summary)
    run.place_table = _to_gdf(summary, PLACE_COLUMNS)
    run.seconds = time.perf_counter() - t0
    run.outputs = {"mentions": output, "places": places_out}
    return run


# -- the aggregate map --------------------------------------------------------------------------
_COLOURS = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"]
_NO_MENTIONS = "#e4e4e4"


def _colour(count: float, vmax: float) -> str:
    """A colour of the YlOrRd ramp on a log scale; grey for no mentions."""
    if count <= 0:
        return _NO_MENTIONS
    x = math.log1p(count) / math.log1p(max(vmax, 1))
    return _COLOURS[min(len(_COLOURS) - 1, int(x * (len(_COLOURS) - 1) + 0.5))]


def _simplify(geoms: Any, tolerance: float) -> Any:
    """Polygons light enough for a world map: simplified, tiny islands dropped, 0.01 degree grid."""
    import numpy as np
    import shapely

    g = shapely.simplify(np.asarray(geoms, dtype=object), tolerance, preserve_topology=True)
    parts, idx = shapely.get_parts(g, return_index=True)
    out = np.full(len(g), None, dtype=object)
    if not len(parts):
        return out
    area = shapely.area(parts)
    keep = area >= (2 * tolerance) ** 2
    order = np.lexsort((-area, idx))
    keep[order[np.r_[True, idx[order][1:] != idx[order][:-1]]]] = True  # the largest part of each always stays
    parts = shapely.transform(parts[keep], lambda xy: np.round(xy, 2))
    res = shapely.multipolygons(parts, indices=idx[keep])
    out[: len(res)] = res
    return out


def _area_layer(gdf: gpd.GeoDataFrame, label: str, vmax: float, tolerance: float, *, show: bool = True,
                opacity: float = 0.75):
    import folium

    gdf = gdf.copy()
    gdf["geometry"] = _simplify(gdf.geometry.values, tolerance)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    gdf["colour"] = [_colour(v, vmax) for v in gdf["mentions"]]
    kind = "country" if label == "Countries" else "region"
    return folium.GeoJson(
        gdf[["name", "mentions", "colour", "geometry"]], name=label, show=show,
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#777", "weight": 0.5,
                                  "fillOpacity": opacity},
        highlight_function=lambda f: {"weight": 2, "color": "#222"},
        tooltip=folium.GeoJsonTooltip(["name", "mentions"], aliases=[kind, "mentions"]))


def _legend(vmax: float, title: str):
    from branca.element import MacroElement, Template

    steps = sorted({max(1, math.ceil(math.expm1(math.log1p(max(vmax, 1)) * (k - 0.5) / (len(_COLOURS) - 1))))
                    for k in range(1, len(_COLOURS))})
    rows = f'<div><i style="background:{_NO_MENTIONS};"></i>0</div>' + "".join(
        f'<div><i style="background:{_colour(s, vmax)};"></i>{s:,}+</div>' for s in steps)
    legend = MacroElement()
    legend._template = Template(
        "{% macro html(this, kwargs) %}"
        '<div class="geo-legend" style="position:absolute;bottom:24px;right:10px;z-index:1000;background:#fff;'
        'padding:6px 8px;font:12px sans-serif;border:1px solid #999;border-radius:4px;">'
        f"<b>{html.escape(title)}</b>{rows}</div>"
        "<style>.geo-legend i{display:inline-block;width:14px;height:10px;margin-right:5px;}</style>"
        "{% endmacro %}")
    return legend


def aggregate_map(data: gpd.GeoDataFrame, *, top: int = 50, tiles: str | None = None,
                  title: str | None = None, gazetteer: Any = None) -> folium.Map:
    """An aggregate map of a corpus: mentions by country and by admin-1 region, top places as circles.

    ``data`` is a mention table (``geoparse_corpus``) or a place summary (``summarise_places``).
    Countries and first-level regions are shaded, on one log scale, by the mentions of the
    places in them; the ``top`` most mentioned places are circles whose area grows with their
    count. ``tiles=None`` draws no tiles: the countries are the base map, so it works offline.
    The country and region shapes come from ``gazetteer`` (a Gazetteer or a folder; default:
    the bundled one).
    Save it self-contained with ``geo.save_map(m, "map.html")``.

    >>> import geo
    >>> gdf = geo.geoparse_corpus(["Baku and Yerevan.", "Baku again."], scheduler="synchronous")
    >>> m = aggregate_map(gdf, title="Two documents")
    >>> sorted(layer.layer_name for layer in m._children.values() if getattr(layer, "control", False))
    ['Countries', 'Most mentioned places', 'Regions (admin-1)']
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     empty = aggregate_map(gdf.iloc[:0])
    >>> str(w[0].message)
    'no places to draw'
    """
    import folium
    import pandas as pd

    from geo.gazetteer import load_gazetteer

    places = data if {"mentions", "documents"} <= set(data.columns) else summarise_places(data)
    if places.empty:
        warnings.warn("no places to draw", UserWarning, stacklevel=2)
    places = places[places["place_id"].notna()]
    # Each place counts for its own country and its own first-level region.
    by_country = places.groupby("country")["mentions"].sum() if len(places) else pd.Series(dtype="int64")
    by_admin1 = places.dropna(subset=["admin1"]).groupby("admin1")["mentions"].sum() if len(places) \
        else pd.Series(dtype="int64")
    gaz = gazetteer if hasattr(gazetteer, "layer") else load_gazetteer(gazetteer)

    m = folium.Map(location=[25, 10], zoom_start=2, tiles=tiles, control_scale=True, min_zoom=1)
    if tiles is None:
        m.get_root().header.add_child(_css(".leaflet-container{background:#d4e6f4 !important;}"))
    if title:
        from branca.element import Element

        m.get_root().html.add_child(Element(
            '<div style="position:absolute;top:8px;left:54px;z-index:1000;background:#fffd;padding:2px 8px;'
            f'font:bold 15px sans-serif;border-radius:4px;">{html.escape(title)}</div>'))
    countries = gaz.layer("country")
    countries["mentions"] = countries["country"].map(by_country).fillna(0).astype("int64")
    vmax = float(by_country.max()) if len(by_country) else 1.0
    _area_layer(countries, "Countries", vmax, 0.1, opacity=0.85 if tiles is None else 0.6).add_to(m)
    admin1 = gaz.layer("admin1")
    admin1["mentions"] = admin1["admin1"].map(by_admin1).fillna(0).astype("int64")
    shaded = admin1[admin1["mentions"] > 0]
    _area_layer(shaded, "Regions (admin-1)", vmax, 0.05 if len(shaded) <= 500 else 0.1, show=False).add_to(m)

    top_places = places.head(top)
    top_places = top_places[top_places.geometry.notna()].copy()
    biggest = float(top_places["mentions"].max()) if len(top_places) else 1.0
    top_places["radius"] = [round(4 + 26 * math.sqrt(v / biggest), 1) for v in top_places["mentions"]]
    folium.GeoJson(
        top_places[["name", "kind", "country", "mentions", "documents", "radius", "geometry"]],
        name="Most mentioned places",
        marker=folium.CircleMarker(radius=6, fill=True),
        style_function=lambda f: {"radius": f["properties"]["radius"], "color": "#08306b", "weight": 1,
                                  "fillColor": "#2171b5", "fillOpacity": 0.55},
        tooltip=folium.GeoJsonTooltip(["name", "kind", "country", "mentions", "documents"]),
    ).add_to(m)
    _legend(vmax, "mentions (log scale)").add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    shown = countries[countries["mentions"] > 0]
    if len(shown):
        b = shown.total_bounds
        m.fit_bounds([[max(-60.0, b[1]), b[0]], [min(80.0, b[3]), b[2]]])
    return m


def _css(rule: str):
    from branca.element import Element

    return Element(f"<style>{rule}</style>")


def _save_map(m: folium.Map, path: Path) -> Path:
    try:
        from geo.maps import save_map
    except ImportError:
        warnings.warn("geo.maps is not available: the map was saved with folium and loads Leaflet from the "
                      "network", UserWarning, stacklevel=2)
        m.save(str(path))
        return path
    return save_map(m, path)


# -- the command ----------------------------------------------------------------------------------
@click.command("corpus")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="GeoParquet file of mentions, one row per mention.")
@click.option("--places", "places_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="GeoParquet file of places with counts [default: <output stem>.places.parquet].")
@click.option("--map", "map_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write an aggregate map as self-contained HTML.")
@click.option("--top", type=click.IntRange(min=0), default=50, show_default=True,
              help="Most mentioned places drawn as circles on the map.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 [default: local processes].")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes [default: all cores; a corpus under 256 KB runs in one process].")
@click.option("--blocksize", type=click.IntRange(min=1), default=None, hidden=True)
@click.option("--progress/--no-progress", default=None, help="Progress bar [default: when stderr is a terminal].")
@click.option("--overrides", "overrides_file", metavar="FILE", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="A house list of readings, a CSV file with columns name,place_id (e.g. Georgia,country:GE).")
@click.pass_context
def corpus_command(ctx: click.Context, paths: tuple[str, ...], output: Path, places_out: Path | None,
                   map_out: Path | None, top: int, scheduler: str | None, workers: int | None, blocksize: int | None,
                   progress: bool | None, overrides_file: Path | None = None) -> None:
    """Geoparse a corpus in parallel: folders, globs, .txt/.md files or JSONL (id, text).

    Writes one row per mention to OUTPUT and one row per place to <stem>.places.parquet
    (GeoParquet, EPSG:4326). Bad documents are reported and skipped. With --scheduler,
    the workers need geo installed and the PATHS on a shared file system. Prints the
    paths written.
    """
    if scheduler is not None and workers is not None:
        raise click.UsageError("--workers applies to the local cluster; leave it out with --scheduler")
    group = ctx.parent.params if ctx.parent is not None else {}  # the geo group's --shapes and -q/-v
    quiet = group.get("quiet", 0) - group.get("verbose", 0) > 0
    if progress is None:
        progress = sys.stderr.isatty() and not quiet
    shapes = group.get("shapes")
    overrides = None
    if overrides_file is not None:
        from geo.resolve import load_overrides

        overrides = load_overrides(overrides_file)
    units = _expand(list(paths), paths_only=True)  # a missing path fails here, before a cluster starts
    skipped: list[str] = []

    def on_skip(doc_id: str, reason: str) -> None:
        skipped.append(doc_id)
        click.echo(f"geo: skipped {doc_id}: {reason}", err=True)

    run = write_corpus(_Units(units), output, places=places_out, scheduler=scheduler, workers=workers,
                       progress=progress, on_skip=on_skip, blocksize=blocksize, shapes=shapes, overrides=overrides)
    click.echo(f"geo: {run.documents} documents, {run.mentions} mentions of {run.places} places in "
               f"{run.seconds:.1f} s ({run.docs_per_second:.0f} docs/s)", err=True)
    written = [run.outputs["mentions"], run.outputs["places"]]
    if map_out is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            m = aggregate_map(run.place_table, top=top, title=f"{run.documents} documents, {run.mentions} mentions",
                              gazetteer=shapes)
        written.append(_save_map(m, map_out))
    for path in written:
        click.echo(click.format_filename(os.fspath(path)))
    click.echo(f"geo: skipped {len(run.skipped)} documents", err=True)
