"""Articles: geoparse texts of any length, merge their places, and format their mentions.

Reading files and writing results is ``geo.io``'s (one way in, one way out); this module
holds what the commands do with the texts in between. ``geoparse_text`` geoparses a text of
any length in bounded memory (long texts in pieces of about ``CHUNK_CHARS`` characters, cut
at paragraph ends); ``merge_places`` builds one places GeoDataFrame from several documents
(``place_records``, the same rows as dicts, without pandas);
``format_mentions`` writes the mentions as an aligned table, JSON, GeoJSON or CSV.

>>> article = geoparse_text("Talks in Baku and Yerevan.", name="a.txt")
>>> [(m.text, m.place.name) for m in article.mentions]
[('Baku', 'Baku'), ('Yerevan', 'Yerevan')]
>>> merge_places([article, geoparse_text("Baku replied.")])[["name", "mentions"]].values.tolist()
[['Baku', 2], ['Yerevan', 1]]
>>> merge_places([geoparse_text("")]).empty
True
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import io
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geo.errors import InputError
from geo.io.read import display_name, printable
from geo.io.write import json_default, number, places_geojson

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from geo.gazetteer import Gazetteer
    from geo.resolve import Document, Mention

__all__ = [
    "CHUNK_CHARS",
    "FORMATS",
    "MAX_MENTIONS",
    "Article",
    "format_mentions",
    "geoparse_text",
    "merge_places",
    "place_records",
]

#: Texts longer than this (in characters) are geoparsed in pieces cut at paragraph ends, so
#: memory stays bounded; shorter texts (every news article) are geoparsed whole.
CHUNK_CHARS = 100_000
#: Texts that name more places than this are geoparsed in pieces too: resolution compares
#: every mention with every other, so its cost grows with the square of their number.
MAX_MENTIONS = 1000
FORMATS = ("table", "json", "geojson", "csv")


# -- geoparsing -----------------------------------------------------------------------------------
def _pieces(text: str, size: int) -> list[tuple[int, str]]:
    """``(offset, piece)`` pairs of at most ``size`` characters, cut after a paragraph, line,
    sentence or word where there is one."""
    if len(text) <= size:
        return [(0, text)]
    out, pos, n = [], 0, len(text)
    while pos < n:
        end = pos + size
        if end >= n:
            out.append((pos, text[pos:]))
            break
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            k = text.rfind(sep, pos + size // 2, end)
            if k >= 0:
                cut = k + len(sep)
                break
        if cut <= pos:
            cut = end
        out.append((pos, text[pos:cut]))
        pos = cut
    return out


@dataclass(frozen=True)
class Article:
    """A geoparsed text: its name (a path, ``"-"``), the text, and the documents of its pieces.

    A text of up to ``CHUNK_CHARS`` characters is one ``geo.Document``; a longer one is
    geoparsed in pieces, and ``mentions`` gives their offsets into the whole text.
    """

    name: str
    text: str
    documents: tuple[Document, ...]
    offsets: tuple[int, ...]

    @property
    def mentions(self) -> list[Mention]:
        """Every mention, in text order, with offsets into ``text``."""
        if len(self.documents) == 1:
            return list(self.documents[0].mentions)
        out: list[Mention] = []
        for off, doc in zip(self.offsets, self.documents):
            for m in doc.mentions:
                out.append(dataclasses.replace(m, start=m.start + off, end=m.end + off, index=len(out)))
        return out

    @property
    def places(self) -> gpd.GeoDataFrame:
        """One row per place, like ``Document.places`` (``first``: an offset into ``text``)."""
        if len(self.documents) == 1:
            return self.documents[0].places
        frames = []
        for off, doc in zip(self.offsets, self.documents):
            p = doc.places
            p["first"] = p["first"] + off
            frames.append(p)
        return merge_places(frames)


def _dense_cuts(text: str, starts: list[int], ends: list[int], limit: int) -> list[int]:
    """Offsets that cut ``text`` into pieces of at most ``limit`` recognised spans, after a
    line or sentence where there is one, else in the gap between two spans."""
    cuts: list[int] = []
    first = 0  # index of the first span of the current piece
    while len(starts) - first > limit:
        k = first + limit  # the first span that must go to the next piece
        lo, hi = ends[first + limit // 2], starts[k]
        cut = -1
        for sep in ("\n", ". "):
            j = text.rfind(sep, lo, hi)
            if j >= 0:
                cut = j + len(sep)
                break
        if cut < 0:
            gap = text.rfind(" ", ends[k - 1], hi)
            cut = gap + 1 if gap >= 0 else hi
        cuts.append(cut)
        first = bisect.bisect_left(starts, cut)
    return cuts


def geoparse_text(text: str, *, name: str = "<text>", gazetteer: Gazetteer | None = None,
                  chunk_chars: int = CHUNK_CHARS, max_mentions: int = MAX_MENTIONS,
                  overrides: Mapping[str, str] | None = None) -> Article:
    """Geoparse a text of any length in bounded memory and linear time; see ``Article``.

    A text of at most ``chunk_chars`` characters and ``max_mentions`` recognised names (every
    news article) gives exactly ``geo.geoparse(text)``. A longer or denser one is geoparsed
    in pieces cut at paragraph, line or sentence ends; document context (one sense per name,
    nearby places) then works within each piece. ``overrides`` is ``geo.geoparse``'s house
    list of readings, ``{name: place id}``.

    >>> geoparse_text("Talks in Baku.").mentions[0].place.country
    'AZ'
    >>> len(geoparse_text("Baku and Yerevan. " * 300, max_mentions=100).documents)
    6
    >>> geoparse_text("").mentions
    []
    """
    from geo.gazetteer import load_gazetteer
    from geo.mentions import find_mentions
    from geo.resolve import geoparse

    gaz = gazetteer or load_gazetteer()
    limit = max(1, int(max_mentions))
    pieces: list[tuple[int, str]] = []
    for off, piece in _pieces(text, max(1, int(chunk_chars))):
        if len(piece) <= 3 * limit:  # too short to hold that many names
            pieces.append((off, piece))
            continue
        spans = find_mentions(piece, gaz)
        cuts = _dense_cuts(piece, [s.start for s in spans], [s.end for s in spans], limit)
        for a, b in zip([0, *cuts], [*cuts, len(piece)]):
            pieces.append((off + a, piece[a:b]))
    if overrides:
        from geo.resolve import check_overrides

        overrides = check_overrides(overrides, gaz)  # a bad id fails even on a text without names
    docs = tuple(geoparse(piece, gazetteer=gaz, overrides=overrides) for _, piece in pieces)
    return Article(name, text, docs, tuple(off for off, _ in pieces))


def merge_places(items: Iterable[Any]) -> gpd.GeoDataFrame:
    """One places GeoDataFrame from several documents (``Document``, ``Article`` or places frames).

    Rows of one place id are merged by ``geo.places.aggregate_places``: ``mentions`` summed,
    ``forms`` united, ``texts`` and ``sentences`` joined; the other columns (``first`` too)
    come from the first item that names the place. Places keep the order in which they first
    appear.

    >>> import geo
    >>> gdf = merge_places([geo.geoparse("Baku, then Baku."), geo.geoparse("Baku and Goris.")])
    >>> gdf[["name", "mentions"]].values.tolist()
    [['Baku', 3], ['Goris', 1]]
    >>> len(merge_places([]))
    0
    """
    import geopandas as gpd
    import pandas as pd

    from geo.places import aggregate_places
    from geo.resolve import PLACES_COLUMNS

    frames = [item if isinstance(item, gpd.GeoDataFrame) else item.places for item in items]
    frames = [pd.DataFrame(f) for f in frames if not f.empty]
    if not frames:
        return gpd.GeoDataFrame(columns=PLACES_COLUMNS, geometry="geometry", crs=4326)
    df = aggregate_places(pd.concat(frames, ignore_index=True), key="id")
    columns = PLACES_COLUMNS + [c for c in df.columns if c not in PLACES_COLUMNS]
    return gpd.GeoDataFrame(df.reindex(columns=columns), geometry="geometry", crs=4326)


def place_records(items: Iterable[Any]) -> list[dict[str, Any]]:
    """The rows of ``merge_places(items)`` as dicts, made without pandas (``Document`` or ``Article``
    items): what a map of a few articles draws. Each has the columns of ``doc.places``, ``geometry``
    the place's shape; ``geonameid`` is None where a place has none.

    >>> recs = place_records([geoparse_text("Baku, then Baku."), geoparse_text("Baku and Goris.")])
    >>> [(r["name"], r["mentions"], r["forms"]) for r in recs]
    [('Baku', 3, 'name'), ('Goris', 1, 'name')]
    """
    from geo.places import aggregate_records
    from geo.resolve import PLACES_COLUMNS, place_rows

    records = aggregate_records(place_rows(m for item in items for m in item.mentions), key="id")
    for r in records:
        r["geometry"] = r["place"].geometry
    return [{c: r[c] for c in PLACES_COLUMNS} for r in records]


# -- output --------------------------------------------------------------------------------------
def _mention_record(name: str, m: Mention) -> dict[str, Any]:
    p = m.place
    place = None if p is None else {"id": p.id, "name": p.name, "kind": p.kind, "country": p.country,
                                    "geonameid": p.geonameid, "lat": number(p.lat), "lon": number(p.lon)}
    return {"file": name, "start": m.start, "end": m.end, "text": m.text, "form": m.form, "score": number(m.score),
            "place": place}


def _cell(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4f}"
    return printable(" ".join(str(v).split())) or "-"


def _width(s: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


_TABLE = [("file", "<"), ("start", ">"), ("end", ">"), ("text", "<"), ("form", "<"), ("place", "<"), ("kind", "<"),
          ("country", "<"), ("lat", ">"), ("lon", ">"), ("id", "<")]
_CSV = ["file", "start", "end", "text", "form", "place_id", "place", "kind", "country", "geonameid", "lat", "lon",
        "score"]


def format_mentions(articles: Sequence[Article], fmt: str = "table") -> str:
    """The mentions of some articles as text: ``table`` (aligned columns), ``json`` (a list
    of mentions), ``geojson`` (a FeatureCollection of their places) or ``csv`` (a row per
    mention). With no mentions: ``"no places found"``, ``[]``, an empty collection, a header.

    >>> print(format_mentions([geoparse_text("Talks in Baku.", name="a.txt")]))
    start  end  text  form  place  kind  country      lat      lon  id
        9   13  Baku  name  Baku   city  AZ       40.3777  49.8920  city:587084
    >>> format_mentions([geoparse_text("", name="a.txt")], "json")
    '[]'
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "geojson":
        return places_geojson(merge_places(articles))
    records = [_mention_record(a.name if a.name == "-" else display_name(a.name), m) for a in articles
               for m in a.mentions]
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2, default=json_default)
    flat = []
    for r in records:
        p = r["place"] or {}
        flat.append({"file": r["file"], "start": r["start"], "end": r["end"], "text": r["text"], "form": r["form"],
                     "place_id": p.get("id"), "id": p.get("id"), "place": p.get("name"), "kind": p.get("kind"),
                     "country": p.get("country"), "geonameid": p.get("geonameid"), "lat": p.get("lat"),
                     "lon": p.get("lon"), "score": r["score"]})
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=_CSV, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(flat)
        return buf.getvalue().rstrip("\n")
    if not flat:
        return "no places found"
    cols = [c for c in _TABLE if c[0] != "file" or len(articles) > 1]
    cells = [[c for c, _ in cols]] + [[_cell(r[c]) for c, _ in cols] for r in flat]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(cols))]
    lines = []
    for row in cells:
        out = []
        for (_, align), w, v in zip(cols, widths, row):
            pad = " " * (w - _width(v))
            out.append(pad + v if align == ">" else v + pad)
        lines.append("  ".join(out).rstrip())
    return "\n".join(lines)
