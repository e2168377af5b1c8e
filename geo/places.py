"""Places from mentions: one set of rules counts mentions per place, in two forms:
``aggregate_places`` over a pandas table and ``aggregate_records`` over plain rows (for a map
of a few articles, which needs no pandas). Both read the rules from ``SUMMED``, ``JOINED``,
``UNITED`` and ``DROPPED`` and share their combining functions; ``tests/test_places.py``
checks that they agree.

Every per-place table of ``geo`` comes from them:

- ``Document.places`` (one document's mentions);
- ``geo.merge_places`` (several documents' places);
- ``summarise_places`` and ``geo corpus`` (a corpus's mention table, one partition at a time,
  then the partitions' partial counts);
- ``geo map`` (``aggregate_records`` over the articles' mentions).

The input is a table with one row per mention, or per place of a part already counted; the
output has one row per place, in the order places first appear. The rules are the same for
both inputs, so counting in parts and then summing the parts gives what counting at once gives.

>>> import geo
>>> gdf = geo.geoparse_corpus({"a": "Baku and Baku.", "b": "Baku, then Paris."}, scheduler="synchronous")
>>> summarise_places(gdf)[["name", "mentions", "documents"]].values.tolist()
[['Baku', 3, 2], ['Paris', 1, 1]]
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

__all__ = ["PLACE_COLUMNS", "aggregate_places", "aggregate_records", "summarise_places"]

#: Columns of a corpus's per-place summary, in order (then ``geometry``, the place's point).
PLACE_COLUMNS = ["place_id", "name", "kind", "country", "admin1", "geonameid", "mentions", "documents"]

#: How ``aggregate_places`` combines the rows of one place, by column; any other column keeps
#: the first value that is not missing (the place's name, kind, point, geometry, ``first`` offset).
SUMMED = ("mentions", "documents")  # counts: a document lies in one part only
JOINED = ("texts", "sentences")  # lists, concatenated in order
UNITED = ("forms",)  # comma-separated sets, united and sorted
DROPPED = ("doc_id", "start", "end", "text", "form", "score", "sentence")  # per mention only


def aggregate_places(rows: pd.DataFrame, key: str = "place_id") -> pd.DataFrame:
    """One row per place of ``rows``: mentions and documents counted, other columns merged.

    ``rows`` has one row per mention (a count of 1 each, and a document counted once per
    place when there is a ``doc_id``), or per place of a part already counted (its
    ``mentions`` and ``documents``). Rows without a ``key`` are left out. See ``SUMMED``,
    ``JOINED`` and ``UNITED`` for how the other columns combine.

    >>> import pandas as pd
    >>> mentions = pd.DataFrame({"doc_id": ["a", "a", "b"], "place_id": ["city:1", "city:1", "city:1"],
    ...                          "name": ["Baku"] * 3, "form": ["name", "name", "demonym"]})
    >>> aggregate_places(mentions)[["place_id", "name", "mentions", "documents"]].values.tolist()
    [['city:1', 'Baku', 3, 2]]
    >>> parts = pd.concat([aggregate_places(mentions.iloc[:2]), aggregate_places(mentions.iloc[2:])])
    >>> aggregate_places(parts).equals(aggregate_places(mentions))
    True
    """
    df = rows[rows[key].notna()] if key in rows else rows.iloc[:0].assign(**{key: []})
    df = df.assign(**({} if "mentions" in df else {"mentions": 1}))
    if "documents" not in df and "doc_id" in df:  # each (document, place) pair once
        df = df.assign(documents=(~df.duplicated(["doc_id", key])).astype("int64"))
    groups = df.groupby(key, sort=False)
    kept = [c for c in df.columns if c != key and c not in DROPPED]
    parts = {}
    for c in kept:
        g = groups[c]
        if c in SUMMED:
            parts[c] = g.sum().astype("int64")
        elif c in JOINED:
            parts[c] = g.agg(_joined)
        elif c in UNITED:
            parts[c] = g.agg(_united)
        else:  # the place's own columns, and the ``first`` offset
            parts[c] = g.first()
    import pandas as pd

    out = pd.DataFrame(parts) if parts else pd.DataFrame(index=pd.Index(pd.unique(df[key]), name=key))
    out = out.reset_index()
    if out.empty:
        out = out.astype({c: "int64" for c in SUMMED if c in out})
    for c in ("name", "kind", "country", "admin1"):
        if c in out:
            out[c] = _strings(out[c])
    return out


def _joined(values: Iterable[Any]) -> list:
    """A ``JOINED`` column of one place: the lists concatenated in order."""
    return [x for part in values for x in (part or [])]


def _united(values: Iterable[Any]) -> str:
    """A ``UNITED`` column of one place: the comma-separated sets united, sorted."""
    return ",".join(sorted({f for v in values if isinstance(v, str) for f in v.split(",") if f}))


def _missing(v: Any) -> bool:
    """None or NaN (and pandas' NA and NaT, which only exist once pandas is imported)."""
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    pd = sys.modules.get("pandas")
    return pd is not None and bool(pd.api.types.is_scalar(v) and pd.isna(v))


def aggregate_records(rows: Iterable[Mapping[str, Any]], key: str = "place_id") -> list[dict[str, Any]]:
    """``aggregate_places`` for plain rows (dicts), without pandas: the same rules, the same places
    in the same order, each a dict (what one map of a few articles needs; ``tests/test_places.py``
    checks that both agree).

    >>> mentions = [{"doc_id": d, "place_id": "city:1", "name": "Baku", "forms": f}
    ...             for d, f in [("a", "name"), ("a", "name"), ("b", "demonym")]]
    >>> [(r["place_id"], r["name"], r["mentions"], r["documents"], r["forms"]) for r in aggregate_records(mentions)]
    [('city:1', 'Baku', 3, 2, 'demonym,name')]
    """
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    columns: dict[str, None] = {}
    for r in rows:
        columns.update(dict.fromkeys(r))
        k = r.get(key)
        if not _missing(k):
            groups.setdefault(k, []).append(r)
    counted = "mentions" in columns
    documents = "documents" not in columns and "doc_id" in columns  # each (document, place) pair once
    kept = [c for c in columns if c != key and c not in DROPPED]
    out = []
    for k, group in groups.items():
        rec: dict[str, Any] = {key: k}
        for c in kept:
            values = [r.get(c) for r in group]
            if c in SUMMED:
                rec[c] = int(sum(v for v in values if not _missing(v)))
            elif c in JOINED:
                rec[c] = _joined(values)
            elif c in UNITED:
                rec[c] = _united(values)
            else:  # the place's own columns, and the ``first`` offset
                rec[c] = next((v for v in values if not _missing(v)), None)
                if c in ("name", "kind", "country", "admin1") and not isinstance(rec[c], str):
                    rec[c] = None
        if not counted:
            rec["mentions"] = len(group)
        if documents:
            rec["documents"] = len({None if _missing(r.get("doc_id")) else r.get("doc_id") for r in group})
        out.append(rec)
    return out


def _strings(col: pd.Series) -> list:
    """A string column as a list, with every missing value (NaN, None) as None."""
    return [v if isinstance(v, str) else None for v in col.tolist()]


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


def corpus_summary(mentions: pd.DataFrame) -> pd.DataFrame:
    """A corpus's per-place counts (``PLACE_COLUMNS`` and ``lon``/``lat``), most mentioned first,
    from a mention table or from partial summaries of its parts (``geo corpus`` sums its partitions').

    >>> import pandas as pd
    >>> m = pd.DataFrame({"doc_id": ["a", "b", "b"], "place_id": ["city:1", "city:2", "city:2"]})
    >>> corpus_summary(m)[["place_id", "mentions", "documents"]].values.tolist()
    [['city:2', 2, 1], ['city:1', 1, 1]]
    """
    df = mentions
    if "documents" not in df and "doc_id" not in df:
        df = df.assign(doc_id=None)
    for c in PLACE_COLUMNS + ["lon", "lat"]:
        if c not in df and c not in ("mentions", "documents"):
            df = df.assign(**{c: math.nan if c in ("lon", "lat") else None})
    out = aggregate_places(df[[c for c in df.columns if c in PLACE_COLUMNS + ["lon", "lat", "doc_id"]]])
    out = out[PLACE_COLUMNS + ["lon", "lat"]]
    out = out.astype({"mentions": "int64", "documents": "int64", "geonameid": "Int64", "lon": "float64",
                      "lat": "float64"})
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
    df = mentions
    if "lon" not in df:
        pts = df.geometry.values
        df = df.assign(lon=[p.x if p is not None and not p.is_empty else math.nan for p in pts],
                       lat=[p.y if p is not None and not p.is_empty else math.nan for p in pts])
    return _to_gdf(corpus_summary(df), PLACE_COLUMNS)

