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
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import GeoError, InputError
from geo.io.write import GeoParquetWriter
from geo.places import PLACE_COLUMNS, _to_gdf, corpus_summary, summarise_places

if TYPE_CHECKING:  # pragma: no cover
    import dask.bag
    import dask.dataframe
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "CorpusRun",
    "geoparse_corpus",
    "mentions_bag",
    "mentions_frame",
    "plan_partitions",
    "summarise_places",
    "write_corpus",
]

#: Suffixes picked up inside folders: text files, HTML pages (their article text is read, as
#: ``geo places`` does), and JSONL files of ``{"id", "text"}``.
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".xhtml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
#: Columns of the mention table, in order (``geometry`` is built from ``lon``/``lat``).
MENTION_COLUMNS = ["doc_id", "start", "end", "text", "form", "place_id", "name", "kind", "country", "admin1",
                   "geonameid", "score"]
_STR = ["doc_id", "text", "form", "place_id", "name", "kind", "country", "admin1"]
_MIN_BLOCK, _MAX_BLOCK = 16 * 1024, 8 * 1024 * 1024
#: With neither ``scheduler`` nor ``workers`` given, a corpus smaller than this (in bytes, about
#: 100 news articles) is geoparsed in this process: starting worker processes would take longer.
SMALL_CORPUS = 256 * 1024

# A unit of input, small and picklable, read on the worker:
#   ("text", doc_id, text)                      a document given in Python
#   ("file", path, size, name, read)            a whole text file; its doc_id is the path as given
#   ("jsonl", path, start, end, name, read)     the lines of a JSONL file that begin in [start, end)
# ``path`` is absolute, so that workers with another working directory find the file. ``read`` is
# ``(max_bytes, encoding)``, what ``geo.io.read_text`` takes: the same limit and decoding as
# ``geo places``, per file or per JSONL line.
Unit = tuple
Read = tuple  # (max_bytes: int | str | None, encoding: str | None)
_DEFAULT_READ: Read = (None, None)


# -- inputs ------------------------------------------------------------------------------------
def _looks_like_path(s: str) -> bool:
    """One line with no spaces that ends like a corpus file or holds glob characters."""
    if "\n" in s or any(c.isspace() for c in s.strip()):
        return False
    return s.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES) or glob.has_magic(s)


def _file_unit(path: Path, read: Read) -> list[Unit]:
    size = path.stat().st_size
    if path.suffix.lower() in JSONL_SUFFIXES:
        return [("jsonl", str(path.absolute()), 0, size, str(path), read)]
    return [("file", str(path.absolute()), size, str(path), read)]


def _path_units(item: str | os.PathLike, read: Read = _DEFAULT_READ) -> list[Unit]:
    s = os.fspath(item)
    p = Path(s)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES + JSONL_SUFFIXES
                       and not any(part.startswith(".") for part in f.relative_to(p).parts))
        return [u for f in files for u in _file_unit(f, read)]
    if p.is_file():
        return _file_unit(p, read)
    if glob.has_magic(s):
        hits = sorted(glob.glob(s, recursive=True))
        if hits:
            return [u for h in hits for u in _path_units(h, read)]
    raise InputError(f"no such file or folder, and no file matches: {s!r}")


class _Units(list):
    """Inputs already expanded into units (``_expand`` passes them through)."""


def _expand(inputs: Any, *, paths_only: bool = False, read: Read = _DEFAULT_READ) -> list[Unit]:
    """Units of work for ``inputs``: see ``geoparse_corpus`` for what an input may be."""
    if isinstance(inputs, _Units):
        return list(inputs)
    if read != _DEFAULT_READ:
        from geo.io import decode_text, parse_size

        read = (None if read[0] is None else parse_size(read[0]), read[1])
        if read[1] is not None:
            decode_text(b"", encoding=read[1])  # an unknown codec fails here, once, not per document
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if isinstance(inputs, Mapping):
        return [("text", str(k), v) for k, v in inputs.items()]
    units: list[Unit] = []
    for i, item in enumerate(inputs):
        if isinstance(item, os.PathLike) or paths_only:
            units += _path_units(item, read)
        elif isinstance(item, str):
            is_path = "\n" not in item and len(item) < 4096 and (
                os.path.exists(item) or (glob.has_magic(item) and bool(glob.glob(item, recursive=True))))
            if is_path:
                units += _path_units(item, read)
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


def plan_partitions(inputs: Any, *, workers: int | None = None, blocksize: int | None = None,
                    max_bytes: int | str | None = None, encoding: str | None = None) -> list[list[Unit]]:
    """Split ``inputs`` into partitions of many documents, about ``blocksize`` bytes each.

    The default block size gives each of ``workers`` about four partitions, between 16 KiB
    and 8 MiB. Large JSONL files are split at line boundaries, so no partition holds a whole
    corpus. Files are read as ``geo places`` reads them: ``max_bytes`` (per file, per JSONL
    line; ``None``: ``$GEO_MAX_BYTES`` or 10 MB) and ``encoding`` are ``read_text``'s.

    >>> plan_partitions(["Talks in Baku.", "Yerevan replied."], blocksize=10)
    [[('text', 'text-0', 'Talks in Baku.')], [('text', 'text-1', 'Yerevan replied.')]]
    >>> plan_partitions([])
    []
    """
    units = _expand(inputs, read=(max_bytes, encoding))
    total = sum(_unit_size(u) for u in units)
    if blocksize is None:
        n = workers or _cores()
        blocksize = min(_MAX_BLOCK, max(_MIN_BLOCK, math.ceil(total / (4 * n))))
    blocksize = max(1, int(blocksize))
    split: list[Unit] = []
    for u in units:
        if u[0] == "jsonl" and u[3] > blocksize:
            split += [("jsonl", u[1], a, min(a + blocksize, u[3]), u[4], u[5]) for a in range(0, u[3], blocksize)]
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


def _read_unit(u: Unit) -> Iterator[tuple[str, Any, str | None]]:
    from geo.io import read_jsonl, read_text

    if u[0] == "text":
        yield u[1], u[2], None
    elif u[0] == "file":
        text, error = None, None
        try:
            text = read_text(u[1], max_bytes=u[4][0], encoding=u[4][1])
        except InputError as e:
            error = str(e).replace(u[1], u[3])  # the path as the user gave it
        yield u[3], text, error
    else:
        try:
            yield from read_jsonl(u[1], u[2], u[3], name=u[4], max_bytes=u[5][0], encoding=u[5][1])
        except OSError as e:
            yield f"{u[4]}@{u[2]}", None, f"cannot read: {e.strerror or e}"


def _read_units(units: list[Unit], notes: list[str]) -> Iterator[tuple[str, Any, str | None]]:
    """``(doc_id, text, error)`` for each document of a partition, read as ``geo places`` reads
    files (``geo.io.read_text``: the size limit, binary files refused, UTF-8 with or without
    a BOM, else Windows-1252 with a warning, HTML pages' article text). The warnings of reading
    go to ``notes``."""
    from geo.io import InputWarning

    for u in units:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", InputWarning)
            docs = list(_read_unit(u))
        for w in caught:
            if issubclass(w.category, InputWarning):
                notes.append(str(w.message))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        yield from docs


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
    notes: list[str] = field(default_factory=list)  # warnings of reading, e.g. "a.txt is not UTF-8: ..."


def _parse_partition(units: list[Unit], on_error: str = "skip", shapes: str | None = None,
                     overrides: dict[str, str] | None = None) -> _Part:
    """Geoparse the documents of one partition (runs on a worker)."""
    rows: list[tuple] = []
    skipped: list[tuple[str, str]] = []
    notes: list[str] = []
    n = 0
    for doc_id, text, error in _read_units(units, notes):
        n += 1
        r, err = _parse_doc(doc_id, text, error, on_error, shapes, overrides)
        if err is not None:
            skipped.append((doc_id, err))
        rows += r
    return _Part(_frame(rows), skipped, n, notes)


def _parse_docs(units: list[Unit], on_error: str = "skip", shapes: str | None = None) -> list[dict]:
    from geo.io import InputWarning

    out, notes = [], []
    for doc_id, text, error in _read_units(units, notes):
        rows, err = _parse_doc(doc_id, text, error, on_error, shapes)
        out.append({"doc_id": doc_id, "mentions": [dict(zip(MENTION_COLUMNS + ["lon", "lat"], r, strict=True)) for r in rows],
                    "error": err})
    for note in notes:  # seen in the worker's log
        warnings.warn(note, InputWarning, stacklevel=2)
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
         read: Read = _DEFAULT_READ, overrides: dict[str, str] | None = None) -> Iterator[_Part]:
    """The partitions' results, in input order, as they complete."""
    if on_error not in ("skip", "raise"):
        raise InputError(f"on_error must be 'skip' or 'raise', not {on_error!r}")
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1, not {workers}")
    units = _expand(inputs, paths_only=paths_only, read=read)
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


def geoparse_corpus(paths_or_texts: Any, *, scheduler: Any = None, workers: int | None = None,
                    progress: bool = False, on_error: str = "skip", blocksize: int | None = None,
                    shapes: str | os.PathLike | None = None, max_bytes: int | str | None = None,
                    encoding: str | None = None,
                    overrides: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Geoparse a corpus in parallel: one row per mention, in EPSG:4326.

    ``paths_or_texts`` is a folder, glob, file or text, or a list of them; a ``dict`` of
    ``{id: text}``; or ``(id, text)`` pairs. A ``str`` is a path when it names an existing
    file or folder or a glob that matches; otherwise it is a text (``text-<i>``). Folders are
    searched for ``.txt``, ``.md``, ``.html`` and ``.jsonl`` files; JSONL lines carry ``id`` and
    ``text``. Files are read as ``geo places`` reads them (``geo.io.read_text``): a file (or a
    JSONL line) over ``max_bytes`` (``None``: ``$GEO_MAX_BYTES`` or 10 MB; 0: no limit) and a
    binary file are skipped; text that is not UTF-8 is read as Windows-1252 with an
    ``InputWarning``, or with ``encoding``; an HTML page gives its article text.

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

    from geo.io import InputWarning

    frames, skipped, docs = [], [], 0
    for r in _run(paths_or_texts, scheduler=scheduler, workers=workers, progress=progress, on_error=on_error,
                  blocksize=blocksize, shapes=_shapes(shapes), read=(max_bytes, encoding),
                  overrides=_overrides(overrides, shapes)):
        frames.append(r.mentions)
        skipped += r.skipped
        docs += r.documents
        for note in r.notes:
            warnings.warn(note, InputWarning, stacklevel=2)
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
                 shapes: str | os.PathLike | None = None, max_bytes: int | str | None = None,
                 encoding: str | None = None) -> dask.bag.Bag:
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

    parts = plan_partitions(paths_or_texts, blocksize=blocksize, max_bytes=max_bytes, encoding=encoding)
    if not parts:
        return db.from_sequence([], npartitions=1)
    folder = _shapes(shapes)
    return db.from_sequence(parts, npartitions=len(parts)).map_partitions(
        lambda ps: [d for units in ps for d in _parse_docs(units, on_error, folder)])


def _mentions_part(units: list[Unit], shapes: str | None = None) -> pd.DataFrame:
    return _parse_partition(units, "skip", shapes).mentions


def mentions_frame(paths_or_texts: Any, *, blocksize: int | None = None,
                   shapes: str | os.PathLike | None = None, max_bytes: int | str | None = None,
                   encoding: str | None = None) -> dask.dataframe.DataFrame:
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

    parts = plan_partitions(paths_or_texts, blocksize=blocksize, max_bytes=max_bytes, encoding=encoding) or [[]]
    return dd.from_map(_mentions_part, parts, shapes=_shapes(shapes), meta=_frame([]), enforce_metadata=False)


#: Arrow types of the GeoParquet columns that are not strings.
_ARROW_TYPES = {"start": "int64", "end": "int64", "score": "float64", "geonameid": "int64"}


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
                 on_skip: Callable[[str, str], None] | None = None,
                 on_warning: Callable[[str], None] | None = None, blocksize: int | None = None,
                 shapes: str | os.PathLike | None = None, max_bytes: int | str | None = None,
                 encoding: str | None = None,
                 overrides: Mapping[str, str] | None = None) -> CorpusRun:
    """Geoparse a corpus into GeoParquet files, streaming: memory holds partitions, not the corpus.

    ``output`` gets one row per mention; ``places`` (default ``<stem>.places.parquet``) one
    row per place: ``place_id, name, kind, country, admin1, mentions, documents, geometry``.
    Both are written to temporary files beside them and moved into place only when the whole
    run has succeeded: a failed or killed run leaves earlier outputs as they were. An output
    that is also an input is refused. Bad documents are skipped; ``on_skip(doc_id, reason)``
    hears of each, and ``on_warning(message)`` of each warning of reading (a file that is
    not UTF-8). The other arguments are those of ``geoparse_corpus``.

    >>> import tempfile, geopandas
    >>> out = Path(tempfile.mkdtemp()) / "m.parquet"
    >>> run = write_corpus(["Talks in Baku."], out, scheduler="synchronous")
    >>> run.documents, run.mentions, geopandas.read_parquet(out)["name"].tolist()
    (1, 1, ['Baku'])
    >>> write_corpus([], out, scheduler="synchronous").mentions
    0
    """
    from geo.io import InputWarning, atomic_output

    output = Path(output)
    shapes = _shapes(shapes)
    places_out = Path(places) if places is not None else places_path_for(output)
    if places_out.resolve() == output.resolve():
        raise InputError(f"the places file would overwrite the mentions file {output}")
    units = _Units(_expand(paths, read=(max_bytes, encoding)))
    inputs = {os.path.realpath(u[1]) for u in units if u[0] != "text"}
    for p in (output, places_out):  # fail before the work, not after it
        if os.path.realpath(p) in inputs:
            raise InputError(f"refusing to write {p}: it is also an input file")
        if p.is_dir():
            raise InputError(f"cannot write {p}: a folder")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot write {p}: {e.strerror or e}") from e
        if not os.access(p.parent, os.W_OK):
            raise InputError(f"cannot write {p}: permission denied")

    def warn(note: str) -> None:
        if on_warning is not None:
            on_warning(note)
        else:
            warnings.warn(note, InputWarning, stacklevel=3)

    t0 = time.perf_counter()
    run = CorpusRun()
    with atomic_output(output) as mentions_tmp, atomic_output(places_out) as places_tmp:
        sink = GeoParquetWriter(mentions_tmp, MENTION_COLUMNS, types=_ARROW_TYPES)
        summaries = []
        try:
            for r in _run(units, scheduler=scheduler, workers=workers, progress=progress, on_error="skip",
                          paths_only=False, blocksize=blocksize, on_skip=on_skip, shapes=shapes,
                          overrides=_overrides(overrides, shapes)):
                sink.write(_to_gdf(r.mentions, MENTION_COLUMNS))
                summaries.append(corpus_summary(r.mentions))
                run.documents += r.documents
                run.mentions += len(r.mentions)
                run.skipped += r.skipped
                for note in r.notes:
                    warn(note)
            sink.close()
        except BaseException:
            sink.abandon()
            raise
        import pandas as pd

        summary = corpus_summary(pd.concat(summaries, ignore_index=True) if summaries else pd.DataFrame({"place_id": []}))
        run.place_table = _to_gdf(summary, PLACE_COLUMNS)
        try:
            run.place_table.to_parquet(places_tmp, index=False, compression="zstd")
        except OSError as e:
            raise InputError(f"cannot write {places_out}: {e.strerror or e}") from e
    run.places = len(summary)
    run.seconds = time.perf_counter() - t0
    run.outputs = {"mentions": output, "places": places_out}
    return run
