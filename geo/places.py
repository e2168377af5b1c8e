"""Places from mentions: a table of mentions (of one document or of a corpus) counted per place.

``summarise_places`` turns a mention table (``geoparse_corpus``, the GeoParquet files ``geo
corpus`` writes) into one row per place, most mentioned first; ``geo corpus`` sums partial
summaries of its partitions with the same functions.

>>> import geo
>>> gdf = geo.geoparse_corpus({"a": "Baku and Baku.", "b": "Baku, then Paris."}, scheduler="synchronous")
>>> summarise_places(gdf)[["name", "mentions", "documents"]].values.tolist()
[['Baku', 3, 2], ['Paris', 1, 1]]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

__all__ = ["PLACE_COLUMNS", "summarise_places"]

#: Columns of the per-place summary, in order (then ``geometry``, the place's point).
PLACE_COLUMNS = ["place_id", "name", "kind", "country", "admin1", "geonameid", "mentions", "documents"]


def _empty_summary() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("mentions", "documents") else
                                      "Int64" if c == "geonameid" else object)
                         for c in PLACE_COLUMNS} | {"lon": pd.Series(dtype="float64"), "lat": pd.Series(dtype="float64")})


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

    df = mentions[mentions["place_id"].notna()]
    if df.empty:
        return _empty_summary()
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
        return _empty_summary()
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
    if "geonameid" not in df:  # a table written before places carried GeoNames ids
        df["geonameid"] = None
    return _to_gdf(_combine_summaries([_summary_frame(df)]), PLACE_COLUMNS)
