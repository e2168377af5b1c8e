"""Resolution: choose, for each recognised span, the place it means.

Each candidate gets a score: a prior from its kind, population and name type, plus evidence
from the document: the countries and first-level regions the other mentions are in, comma
qualifiers ("Paris, Texas"), words such as "the town of", and one sense per name.
``explain`` shows the scores and the evidence.

>>> from geo import geoparse
>>> doc = geoparse("Talks in Baku and Yerevan.")
>>> [(m.text, m.place.country) for m in doc.mentions]
[('Baku', 'AZ'), ('Yerevan', 'AM')]
>>> geoparse("").mentions
[]
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from mypy_extensions import mypyc_attr

from geo.distance import chord_for_km, chord_km, unit_vectors
from geo.gazetteer import Gazetteer, Place, fold, load_gazetteer
from geo.mentions import Span, find_mentions
from geo.weights import _FI, _GEN, _HOT, _SET, _W, FEATURES, _prior_features, prior

__all__ = ["OVERRIDE", "Document", "Mention", "check_overrides", "explain", "geoparse", "load_overrides", "prior"]

#: What an override adds to its place's score in ``explain``: more than any evidence can.
#: An overridden mention takes its place whatever the other scores are.
OVERRIDE: Final = 1000.0

# Words next to a name that say what kind of place it is.
CITY_CUES: Final = re.compile(r"(?:\b(?:town|city|village|capital|suburb|port|municipality) of\s+$)", re.I)
CITY_AFTER: Final = re.compile(r"^\s+(?:city|town|village)\b", re.I)
ADMIN_CUES: Final = re.compile(r"(?:\b(?:state|province|region|district|county|governorate|oblast|prefecture) of\s+$)",
                        re.I)
CITY_AFTER_LETTERS: Final = frozenset("ctv")  # first letters of the words CITY_AFTER looks for
ADMIN_AFTER_LETTERS: Final = frozenset("sprdogal")
# "the New York attorney general", "Ohio lawmakers": offices of a state, not of a city.
ADMIN_AFTER: Final = re.compile(r"^\s+(?:state|province|region|district|rayon|oblast|governorate|prefecture|attorney general"
                         r"|governor|legislature|lawmakers|general assembly)\b", re.I)
# A dateline opens a news story with the city it was filed from: "PORTLAND — The board ...",
# "LEBANON, Ohio (AP) — ...", "WASHINGTON—President ...". After the name: an optional state
# or country, an optional agency in brackets, then a dash.
DATELINE_AFTER: Final = re.compile(r"^(?:,\s*[A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)?)?\s*(?:\([A-Z][A-Za-z .]*\)\s*)?"
                                   r"(?:(?:—|–|\x97)(?:\s|(?=[A-Z]))|(?<=\s)--?\s)")
_DATELINE_FIRST: Final = frozenset(",(—–-\x97")  # how DATELINE_AFTER can start, after spaces
# A newspaper is named for its city: "The Washington Post", "the Suffolk Times".
NEWSPAPER_AFTER: Final = re.compile(r"^[ -](?:(?:Daily|Morning|Evening|Sunday) )?(?:Post|Times|Journal|Tribune|Herald|Gazette"
                                    r"|Chronicle|Globe|Star|Sun|Observer|Examiner|Inquirer|Sentinel|Courier|Dispatch"
                                    r"|Telegraph|Register|Record|News|Press|Bee|Statesman|Free Press)\b")
_NEWSPAPER_FIRST: Final = frozenset("DMESPTJHGCOIRNBF")  # first letters of what NEWSPAPER_AFTER looks for
# Where a sentence ends: after . ! ? (and closing quotes) before a capital, or at line breaks.
# The first character is a plain set, which lets the regex engine skip ahead quickly.
_SENTENCE_END: Final = re.compile(r"[.!?\n](?:(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9])|(?<=\n)\n*)")


#: Columns of ``Document.places``, in order.
PLACES_COLUMNS = ["id", "name", "kind", "country", "geonameid", "mentions", "first", "forms", "texts", "sentences",
                  "lat", "lon", "place", "geometry"]
_MENTION_ROW = ["id", "name", "kind", "country", "geonameid", "first", "forms", "texts", "sentences", "lat", "lon",
                "place"]


def place_rows(mentions: Iterable[Mention]) -> list[dict[str, Any]]:
    """One row per resolved mention, in the columns (``_MENTION_ROW``) that ``geo.places``
    counts into the rows of ``Document.places``: its place's, its offset as ``first``, its form,
    text and sentence.

    >>> [(r["name"], r["first"], r["forms"]) for r in place_rows(geoparse("Talks in Baku.").mentions)]
    [('Baku', 9, 'name')]
    """
    return [{"id": p.id, "name": p.name, "kind": p.kind, "country": p.country, "geonameid": p.geonameid,
             "first": m.start, "forms": m.form, "texts": [m.text], "sentences": [(m.sentence, m.text)],
             "lat": p.lat, "lon": p.lon, "place": p}
            for m in mentions if (p := m.place) is not None]


@mypyc_attr(native_class=False)  # a plain Python class where compiled (mypyc's frozen classes are slower to make)
@dataclass(frozen=True, slots=True, init=False)
class Mention:
    """A place mention: where it stands, how it was written and what it resolved to. Immutable."""

    start: int
    end: int
    text: str
    form: str
    place: Place | None
    sentence: str
    score: float
    qualifier: Place | None = None
    index: int = field(default=-1, compare=False)

    def __init__(self, start: int, end: int, text: str, form: str, place: Place | None, sentence: str,
                 score: float, qualifier: Place | None = None, index: int = -1) -> None:
        # The slots' own setters, as a frozen dataclass's __init__ does with object.__setattr__
        # but without looking each name up.
        set_ = _MENTION_SETTERS
        set_[0](self, start)
        set_[1](self, end)
        set_[2](self, text)
        set_[3](self, form)
        set_[4](self, place)
        set_[5](self, sentence)
        set_[6](self, score)
        set_[7](self, qualifier)
        set_[8](self, index)

    def __repr__(self) -> str:
        where = self.place.name if self.place else None
        return f"Mention({self.text!r} [{self.start}:{self.end}] {self.form} -> {where!r})"


_MENTION_SETTERS: Final[tuple[Any, ...]] = tuple(Mention.__dict__[f].__set__ for f in (
    "start", "end", "text", "form", "place", "sentence", "score", "qualifier", "index"))


@mypyc_attr(native_class=False)
class _MentionSlots:
    """A Mention's slots without its frozen ``__setattr__``: ``_mention`` fills one and makes it
    a Mention, a third of the cost of Mention's own ``__init__`` (nine calls of slot setters)."""

    __slots__ = ("start", "end", "text", "form", "place", "sentence", "score", "qualifier", "index")


def _mention(start: int, end: int, text: str, form: str, place: Place | None, sentence: str, score: float,
             qualifier: Place | None, index: int) -> Mention:
    """``Mention(start, end, text, form, place, sentence, score, qualifier, index)``, made faster:
    the same slots set plainly, then the object's class changed to Mention (same layout)."""
    m: Any = _MentionSlots()
    m.start = start
    m.end = end
    m.text = text
    m.form = form
    m.place = place
    m.sentence = sentence
    m.score = score
    m.qualifier = qualifier
    m.index = index
    m.__class__ = Mention
    return m


@mypyc_attr(native_class=False)  # a plain Python class where compiled, so that it pickles as it does in Python
class Document:
    """The result of ``geoparse``: the text, its mentions in text order, and their places.

    >>> doc = geoparse("Talks in Baku.")
    >>> doc.places[["name", "kind", "mentions"]].values.tolist()
    [['Baku', 'city', 1]]
    """

    def __init__(self, text: str, mentions: list[Mention], gazetteer: Gazetteer, demonyms: bool = True,
                 overrides: Mapping[str, str] | None = None) -> None:
        self.text = text
        self.mentions = mentions
        self.gazetteer = gazetteer
        # How it was geoparsed: explain() geoparses the text again to show why.
        self.demonyms = demonyms
        self.overrides = dict(overrides) if overrides else {}

    def __eq__(self, other: object) -> bool:
        """Equal when the same text gave the same mentions from the same gazetteer (also after pickling)."""
        return (isinstance(other, Document) and self.text == other.text and self.mentions == other.mentions
                and self.gazetteer is other.gazetteer and self.overrides == other.overrides)

    def __len__(self) -> int:
        return len(self.mentions)

    def __iter__(self):
        return iter(self.mentions)

    def __repr__(self) -> str:
        places = {m.place.name for m in self.mentions if m.place}
        return f"<Document: {len(self.text)} chars, {len(self.mentions)} mentions of {len(places)} places>"

    @property
    def places(self) -> Any:
        """One row per distinct place: name, kind, country, mention count, first offset, geometry.

        The mentions counted by ``geo.places.aggregate_places``, as every per-place table is.
        """
        import geopandas as gpd
        import pandas as pd

        from geo.places import aggregate_places

        df = aggregate_places(pd.DataFrame(place_rows(self.mentions), columns=_MENTION_ROW), key="id")
        df["geometry"] = [p.geometry for p in df["place"]]
        gdf = gpd.GeoDataFrame(df[PLACES_COLUMNS], geometry="geometry", crs=4326)
        gdf["geonameid"] = gdf["geonameid"].astype("Int64")  # <NA> where the place has no GeoNames id
        return gdf

    def to_geojson(self) -> str:
        """The places as a GeoJSON FeatureCollection string (``geo.io.places_geojson``, the one GeoJSON writer)."""
        from geo.io.write import places_geojson

        return places_geojson(self.places)

    def table(self):
        """The mentions as a pandas DataFrame."""
        import pandas as pd

        df = pd.DataFrame([dict(start=m.start, end=m.end, text=m.text, form=m.form,
                                place=m.place.name if m.place else None, kind=m.place.kind if m.place else None,
                                country=m.place.country if m.place else None, id=m.place.id if m.place else None,
                                geonameid=m.place.geonameid if m.place else None,
                                score=round(m.score, 2)) for m in self.mentions],
                          columns=["start", "end", "text", "form", "place", "kind", "country", "id", "geonameid",
                                   "score"])
        df["geonameid"] = df["geonameid"].astype("Int64")
        return df

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
            for r in self.table()[["text", "form", "place", "kind", "country", "score"]].itertuples(index=False))
        head = "".join(f"<th>{h}</th>" for h in ["text", "form", "place", "kind", "country", "score"])
        return f"<p>{html.escape(repr(self))}</p><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def explain(self, mention: Mention | int | str):
        """Candidate places of one mention with their scores and evidence (a DataFrame)."""
        return explain(self, mention)


def explain(document: Document, mention: Mention | int | str):
    """Candidate places of one mention, best first: one row per candidate, one column per
    feature's contribution (weight x value), and ``score``, their sum (plus ``override``).

    ``df.attrs["evidence"]`` lists the contribution columns; for every row they add up to
    ``score``. When one sense per name decided (the name's unqualified mentions share one
    place), the contributions are those of all these mentions summed: the total that decided.
    ``notes`` puts the main evidence into words. ``mention`` is a Mention, its index, or a
    name as written (the first mention with that text, letter case and accents aside).

    >>> doc = geoparse("Atlanta is the capital of Georgia.")
    >>> table = explain(doc, "Georgia")
    >>> table.iloc[0][["name", "kind", "country"]].tolist()
    ['Georgia', 'admin1', 'US']
    >>> bool((table[table.attrs["evidence"]].sum(axis=1) - table["score"]).abs().max() < 1e-9)
    True
    >>> explain(geoparse("Talks in Baku."), "baku").iloc[0]["id"]
    'city:587084'
    """
    import pandas as pd

    if isinstance(mention, str):
        key = fold(mention)
        found = ([m for m in document.mentions if m.text == mention]
                 or [m for m in document.mentions if fold(m.text) == key]
                 or [m for m in document.mentions if fold(m.text).startswith(key + " ")])
        if not found:
            from geo.errors import UnknownMentionError

            raise UnknownMentionError(f"no mention with text {mention!r}")
        mention = found[0]
    idx = mention if isinstance(mention, int) else mention.index
    rows = []
    if 0 <= idx < len(document.mentions):
        # Geoparsing is deterministic: parse the text again, keeping what the scores were made of.
        # A document keeps only its mentions, which is what most of them ever need.
        _, kept = _resolve(document.text, document.gazetteer, document.demonyms, keep=True,
                           overrides=_override_rows(document.gazetteer, document.overrides))
        if kept is not None:
            rows = _evidence_rows(document.gazetteer, kept, idx)
    evidence = [*FEATURES, "override"]
    cols = ["id", "name", "kind", "country", "population", "name_type", "geonameid", "score", *evidence, "notes"]
    df = pd.DataFrame(rows, columns=cols).sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    df.attrs["evidence"] = evidence
    return df


def _best(scores: dict[int, float]) -> int:
    """The row with the highest score (the first of equals)."""
    best_row, best = -1, -math.inf
    for row, v in scores.items():
        if v > best or best_row < 0:
            best_row, best = row, v
    return best_row


def _sentences(text: str, until: int = -1) -> list[int]:
    """Where the sentences of ``text`` start: 0 and the end of every _SENTENCE_END match; with
    ``until``, only up to the first start after that offset (the sentences up to ``until`` and
    the end of the last of them: what a mention up to ``until`` needs)."""
    # _SENTENCE_END is tried only at . ! ? and line breaks, found by str.find one character
    # at a time; line breaks, which always end one, and a . ! ? that has neither a closing
    # quote nor a space after it, which never does, need no regular expression.
    n = len(text)
    big = n + 1
    dot, bang, ask, line = (_find_or(text, ".", 0, big), _find_or(text, "!", 0, big), _find_or(text, "?", 0, big),
                            _find_or(text, "\n", 0, big))
    starts = [0]
    while True:
        p = dot if dot < bang else bang  # the nearest of them (min() would box the four)
        if ask < p:
            p = ask
        if line < p:
            p = line
        if p >= big:
            break
        end = -1
        if p == line:
            end = p + 1
            while end < n and text[end] == "\n":
                end += 1
        elif p + 1 < n and (text[p + 1].isspace() or text[p + 1] in _SENTENCE_CLOSERS):
            m = _SENTENCE_END.match(text, p)
            if m:
                end = m.end()
        if end >= 0:
            starts.append(end)
            if 0 <= until < end:
                break
            q = end
        else:
            q = p + 1
        if dot < q:
            dot = _find_or(text, ".", q, big)
        if bang < q:
            bang = _find_or(text, "!", q, big)
        if ask < q:
            ask = _find_or(text, "?", q, big)
        if line < q:
            line = _find_or(text, "\n", q, big)
    return starts


def _find_or(text: str, char: str, start: int, missing: int) -> int:
    """``text.find(char, start)``, or ``missing`` where it is not found."""
    i = text.find(char, start)
    return i if i >= 0 else missing


#: What may stand between a sentence's final . ! ? and the space after it (see _SENTENCE_END).
_SENTENCE_CLOSERS: Final = "\"'”’)"


def _sentence_at(text: str, starts: list[int], pos: int, cache: dict[int, str]) -> str:
    """The sentence around ``pos``; mentions of one sentence share one string."""
    i = _bisect_right_int(starts, pos) - 1
    got = cache.get(i)
    if got is None:
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        sentence = text[starts[i]:end].strip()
        got = cache[i] = sentence if len(sentence) <= MAX_SENTENCE else _clip(text, starts[i], end, pos)
    return got


def _bisect_right_int(a: list[int], x: int) -> int:
    """``bisect.bisect_right(a, x)``, the same comparisons: compiled, with no int boxed."""
    lo, hi = 0, len(a)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


#: A "sentence" longer than this (text with no full stops) is clipped around the mention.
MAX_SENTENCE: Final = 600


def _clip(text: str, start: int, end: int, pos: int) -> str:
    a, b = max(start, pos - MAX_SENTENCE // 2), min(end, pos + MAX_SENTENCE // 2)
    return ("…" if a > start else "") + text[a:b].strip() + ("…" if b < end else "")


def _qualifiers(text: str, spans: list[Span], pri: list[_Priors]) -> dict[int, int]:
    """``{head span: qualifier span}`` for "Paris, Texas" and "Washington, DC"."""
    out = {}
    for i in range(len(spans) - 1):
        a, b = spans[i], spans[i + 1]
        if text[a.end:b.start] not in (", ", ",", " in ") or not pri[i].head:
            continue
        if b.form == "name" and a.form == "name" and pri[i].key != pri[i + 1].key and pri[i + 1].qualifier:
            after = text[b.end:b.end + 2]
            if not (after[:1] == "," and i + 2 < len(spans) and spans[i + 2].start == b.end + 2
                    and pri[i + 2].first_kind == pri[i + 1].first_kind == "city"):
                out[i] = i + 1
    return out


def _cues(text: str, span: Span, pri: _Priors) -> dict[str, float] | None:
    """``{kind: bonus}`` when a word beside the span names its kind ("the town of", "Lachin
    district"); None when none does."""
    if not (pri.city or pri.admin):
        return None  # no candidate of a kind a word could name
    city = admin = dateline = paper = False
    before = text[max(0, span.start - 30):span.start]
    # Cheap tests before the regular expressions: "... of " before, or a word after.
    of_before = before[-1:].isspace() and before.rstrip()[-2:].lower() == "of"
    after = text[span.end:span.end + 25]
    next_letter = after.lstrip()[:1].lower() if after[:1].isspace() else ""
    if pri.city:
        city = bool((of_before and CITY_CUES.search(before)) or (next_letter in CITY_AFTER_LETTERS
                                                                 and CITY_AFTER.match(after)))
        dateline = not city and after.lstrip()[:1] in _DATELINE_FIRST and _dateline(text, span)
        paper = not (city or dateline) and after[1:2] in _NEWSPAPER_FIRST and bool(NEWSPAPER_AFTER.match(after))
    if pri.admin:
        admin = bool((of_before and ADMIN_CUES.search(before)) or (next_letter in ADMIN_AFTER_LETTERS
                                                                   and ADMIN_AFTER.match(after)))
    if not (city or admin or dateline or paper):
        return None
    # At most one cue says "a city": a word naming the kind, else a dateline, else a newspaper.
    city_cue = "cue.city" if city else "cue.dateline" if dateline else "cue.newspaper" if paper else ""
    wcity = _W[_FI[city_cue]] if city_cue else 0.0
    wa = _W[_FI["cue.admin"]]
    out = {k: wcity if k == "city" else wa if (k in ADMIN_KINDS and admin) else 0.0 for k in pri.kinds}
    # Which cues fired, by feature name (no kind of place is named like a feature).
    if city_cue:
        out[city_cue] = 1.0
    if admin:
        out["cue.admin"] = 1.0
    return out


#: The cues that say "a city is meant", as their features are named in a cue record (see _cues).
CITY_CUE_FEATURES: Final = ("cue.city", "cue.dateline", "cue.newspaper")


def _dateline(text: str, span: Span) -> bool:
    """Whether the span is a dateline's city: in capitals, or at the start of a line, before a
    dash ("PORTLAND — The board voted ...").

    >>> from geo.mentions import find_mentions
    >>> [_dateline(t, find_mentions(t)[0]) for t in ("PORTLAND — The board met.", "Portland — a city.",
    ...                                              "Talks in Portland - and more.")]
    [True, True, False]
    """
    after = text[span.end:span.end + 40]
    if not DATELINE_AFTER.match(after):
        return False
    capitals = span.text.isupper() and sum(1 for c in span.text if c.isalpha()) >= 3
    return capitals or span.start == 0 or text[span.start - 1] == "\n"


ADMIN_KINDS: Final = ("admin1", "admin2")
#: Kinds of place whose confident first guess is evidence of nearness for the others.
ANCHOR_KINDS: Final = ("city", "admin2", "admin1", "physical")


class _Priors:
    """What a span's candidates say before its context is read: each row's prior and the facts
    the context rules look up. Computed once per distinct name and shared."""

    __slots__ = ("base", "types", "row_ids", "countries", "admin1s", "region_keys", "row_kinds", "xs",
                 "ys", "zs", "kinds", "no_cues", "top", "margin", "top_kind", "top_country", "top_region", "key",
                 "city", "admin", "head", "qualifier", "first_kind", "region_primary", "gen", "dwarf", "towns",
                 "capitals", "all_js", "town_js", "primary_pairs")

    def __init__(self, gaz: Gazetteer, span: Span) -> None:
        self.gen = _GEN[0]
        t = gaz.columns
        kinds, countries, admin1s = t["kind"], t["country"], t["admin1"]
        b: dict[int, float] = {}
        ty: dict[int, int] = {}
        for row, typ in span.candidates:
            p = prior(gaz, row, typ)
            if row not in b or p > b[row]:
                b[row], ty[row] = p, typ
        # A town beside a namesake city 100 times its size ("Moscow", Pennsylvania): log10 of the ratio.
        pops = {r: int(t["population"][r]) for r in b if kinds[r] == "city"}
        largest = max(pops.values(), default=0)
        self.dwarf: dict[int, float] = {r: v for r, p in pops.items()
                                        if (v := math.log10((largest + 10) / (p + 10))) > 0.0}
        w_dwarf = _W[_FI["prior.namesake_larger"]]
        if w_dwarf:
            for r, v in self.dwarf.items():
                b[r] += w_dwarf * v
        # A town (under 100,000) that bears the primary name of a country or first-level region.
        # Not a region named for the city inside it ("Paris", the département): the city is meant.
        citylike = t["citylike"]
        region_primary = any(typ == 0 and kinds[r] in ("country", "admin1") and not citylike[r]
                             for r, typ in span.candidates)
        self.towns: set[int] = {r for r, p in pops.items() if p < 100_000} if region_primary else set()
        w_town = _W[_FI["prior.town_named_like_region"]]
        for r in self.towns:
            b[r] += w_town
        self.base, self.types = b, ty
        # Per candidate row, in the order of ``base``: the facts the context rules look up.
        self.row_ids: list[int] = list(b)
        self.countries: list[str | None] = [countries[r] for r in b]
        self.admin1s: list[str | None] = [admin1s[r] for r in b]
        self.region_keys: list[str] = [_region_key(admin1s[r]) for r in b]
        self.row_kinds: list[str] = [kinds[r] for r in b]
        capital = t["capital"]
        self.capitals: list[bool] = [bool(capital[r]) and kinds[r] == "city" for r in b]
        # Positions of every candidate and of the town and county candidates, for _nearness.
        self.all_js: list[int] = list(range(len(b)))
        self.town_js: list[int] = [j for j, k in enumerate(self.row_kinds) if k == "city" or k == "admin2"]
        # The places the name is the primary name of, as (kind, country) pairs, for _list_readings.
        self.primary_pairs: frozenset[tuple[str, str]] = frozenset(
            (_kind_class(kinds[r]), countries[r] or "") for r, typ in span.candidates if typ == 0)
        x, y, z = _unit_vectors(gaz)
        self.xs: list[float] = [x[r] for r in b]
        self.ys: list[float] = [y[r] for r in b]
        self.zs: list[float] = [z[r] for r in b]
        self.kinds = {kinds[r] for r, _ in span.candidates}
        self.no_cues = dict.fromkeys(self.kinds, 0.0)
        self.top, self.margin = _top(b)
        # The first guess's facts, for document context when no cue word changes the priors.
        self.top_kind: str = kinds[self.top]
        self.top_country: str | None = countries[self.top]
        self.top_region: str = _region_key(admin1s[self.top])
        self.key = fold(span.text)
        self.city, self.admin = "city" in self.kinds, not self.kinds.isdisjoint(ADMIN_KINDS)
        self.head = not self.kinds.isdisjoint(("city", "admin2", "admin1"))  # "Paris" of "Paris, Texas"
        self.qualifier = any(kinds[r] in ("admin1", "country", "admin2", "disputed") or typ == 2
                             or (kinds[r] == "region" and countries[r])
                             for r, typ in span.candidates)  # "Texas", "DC", "England"
        self.first_kind = kinds[span.candidates[0][0]]
        # The name is the primary name of a country or first-level region ("Vietnam", "Michigan").
        self.region_primary = region_primary


def _priors(gaz: Gazetteer, span: Span) -> _Priors:
    s = span.surface
    if s is None:
        return _Priors(gaz, span)
    if s.resolution is None or s.resolution.gen != _GEN[0]:
        s.resolution = _Priors(gaz, span)
    return s.resolution


def _top(b: dict[int, float]) -> tuple[int, float]:
    """The best row and its lead over the next."""
    ranked = sorted(b.items(), key=lambda kv: -kv[1])
    return ranked[0][0], (ranked[0][1] - ranked[1][1] if len(ranked) > 1 else 3.0)


def geoparse(text: object, *, gazetteer: Gazetteer | None = None, demonyms: bool = True,
             overrides: Mapping[str, str] | None = None) -> Document:
    """Find and resolve every place ``text`` (a str) mentions; anything else is an InputError.

    ``overrides`` is a house list of readings, ``{name: place id}``: every mention whose text
    is that name (letter case and accents aside) resolves to that place, whatever the
    evidence says. An id the gazetteer does not have raises ``UnknownPlaceError``.

    >>> doc = geoparse("Paris, Texas is not Paris, France.")
    >>> [(m.text, m.place.country, m.qualifier.name) for m in doc.mentions if m.qualifier]
    [('Paris', 'US', 'Texas'), ('Paris', 'FR', 'France')]
    >>> geoparse("Talks in Georgia.", overrides={"Georgia": "country:GE"}).mentions[0].place.id
    'country:GE'
    >>> geoparse("", overrides={"Georgia": "country:GE"}).mentions
    []
    """
    if not isinstance(text, str):
        from geo.errors import InputError

        raise InputError(f"geoparse takes a str, not {type(text).__name__}")
    gaz = gazetteer or load_gazetteer()
    forced = _override_rows(gaz, overrides)
    mentions, _ = _resolve(text, gaz, demonyms, overrides=forced)
    return Document(text, mentions, gaz, demonyms, overrides)


def _override_rows(gaz: Gazetteer, overrides: Mapping[str, str] | None) -> dict[str, int]:
    """``{folded name: row}`` for ``overrides``; an unknown place id is an UnknownPlaceError."""
    if not overrides:
        return {}
    from geo.errors import InputError, UnknownPlaceError

    if not isinstance(overrides, Mapping):
        raise InputError(f"overrides must be a mapping of name to place id, not {type(overrides).__name__}")
    out: dict[str, int] = {}
    for name, pid in overrides.items():
        if not isinstance(name, str) or not isinstance(pid, str) or not fold(name):
            raise InputError(f"override {name!r}: {pid!r} is not a name and a place id (both str)")
        try:
            out[fold(name)] = gaz.row(pid.strip())
        except UnknownPlaceError:
            raise UnknownPlaceError(f"override {name!r}: unknown place id {pid!r} (ids look like 'country:GE'; "
                                    "see load_gazetteer().table['id'])") from None
    return out


def check_overrides(overrides: Mapping[str, str] | None, gazetteer: Gazetteer | None = None) -> dict[str, str]:
    """``overrides`` as a plain dict, once every place id is known to be in the gazetteer.

    >>> check_overrides({"Georgia": "country:GE"})
    {'Georgia': 'country:GE'}
    >>> check_overrides(None)
    {}
    """
    if overrides:
        _override_rows(gazetteer or load_gazetteer(), overrides)
    return dict(overrides) if overrides else {}


def load_overrides(path: str | Any) -> dict[str, str]:
    """Read a house list of readings: a CSV file with columns ``name,place_id``.

    Returns ``{name: place id}`` for ``geoparse(text, overrides=...)``. A missing file, a
    file without those columns or a row without both values is an InputError. Place ids
    are checked when the list is used.

    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "house.csv"
    >>> _ = f.write_text("name,place_id\\nGeorgia,country:GE\\n")
    >>> load_overrides(f)
    {'Georgia': 'country:GE'}
    >>> _ = f.write_text("name,place_id\\n")
    >>> load_overrides(f)
    {}
    """
    import csv

    from geo.errors import InputError

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip() for f in reader.fieldnames or []]
            if "name" not in fields or "place_id" not in fields:
                raise InputError(f"{path}: overrides need the columns name,place_id (found {','.join(fields)})")
            out: dict[str, str] = {}
            for n, rec in enumerate(reader, start=2):
                rec = {(k or "").strip(): (v or "").strip() for k, v in rec.items() if isinstance(v, str)}
                name, pid = rec.get("name", ""), rec.get("place_id", "")
                if not name and not pid:
                    continue
                if not name or not pid:
                    raise InputError(f"{path}, line {n}: an override needs a name and a place_id")
                out[name] = pid
            return out
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: overrides are not UTF-8 text") from e
    except csv.Error as e:
        raise InputError(f"{path}: not a CSV file: {e}") from e
    except FileNotFoundError as e:
        raise InputError(f"{path}: no such file") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from e


def _resolve(text: str, gaz: Gazetteer, demonyms: bool, keep: bool = False,
             overrides: dict[str, int] | None = None) -> tuple[list[Mention], tuple | None]:
    """The mentions of ``text``; with ``keep``, also what their scores were made of (for explain).

    ``overrides`` is ``{folded name: row}`` (see ``_override_rows``).
    """
    spans = find_mentions(text, gaz, demonyms=demonyms)  # on "" too: the first call builds the matcher
    if not spans:
        return [], None
    pri = [_priors(gaz, s) for s in spans]
    quals = _qualifiers(text, spans, pri)
    key_of = [p.key for p in pri]
    # A house list's readings: {span: row}, whatever the evidence says.
    forced = {i: overrides[k] for i, k in enumerate(key_of) if k in overrides} if overrides else {}

    # 1. Priors (with a word beside a name that names its kind), and the first guess of each span.
    # 2. Document context: countries and first-level regions of the first guesses, confident
    #    ones weighing more; confident cities and regions are also evidence of nearness.
    base: list[dict[int, float]] = []
    cues: list[dict[str, float]] = []
    tops: list[int] = []
    margins: list[float] = []
    for i, (s, p) in enumerate(zip(spans, pri)):
        cue = _cues(text, s, p)
        if cue is None:
            b, top, margin = p.base, p.top, p.margin
            cue = p.no_cues
        else:
            b = {row: v + cue[kind] for (row, v), kind in zip(p.base.items(), p.row_kinds)}
            top, margin = _top(b)
        if forced and i in forced:  # an override is as confident as evidence gets
            top, margin = forced[i], OVERRIDE
        base.append(b)
        cues.append(cue)
        tops.append(top)
        margins.append(margin)
    first_quals = dict(quals)
    # 2. Document context from the first guesses; then, where a decision differs from its
    #    first guess ("Georgia" read as the state once "Atlanta" is read), once more from the
    #    decisions, so that every name is read in the context of the others' readings.
    possible = _near_possible(gaz, spans, pri, base, key_of)  # the same in both passes
    county_towns = _county_towns(gaz, spans, pri, key_of) if _W[_FI["context.county_holds_town"]] else {}  # the same too
    passes = max(1, int(_SET["passes"]))
    prev: _Context | None = None
    for pass_ in range(passes):
        quals = dict(first_quals)
        context = _context(text, gaz, spans, pri, base, quals, key_of, forced, tops, margins, possible,
                           county_towns, prev)
        prev = context
        # A span with one candidate needs no score unless one sense per name sums it (below).
        scores: list[dict[int, float] | None] = []
        for i in range(len(spans)):
            if len(base[i]) == 1 and i not in quals:
                scores.append(None)
                continue
            sc, qualified = _scores(context, i)
            scores.append(sc)
            if i in quals and _best(sc) not in qualified:
                del quals[i]  # "Yerevan, Baku": a list, not a qualifier
        context.quals = quals
        choice, sense_bonus, group_of = _one_sense(spans, pri, base, cues, quals, forced, key_of, scores, context)
        if pass_ == passes - 1 or all(choice[i] == tops[i] for i in range(len(spans))):
            break
        # Read again only if some decision says something else about the text than its first
        # guess did: another country or region, another kind, or confident where it was not.
        changed = False
        for i in range(len(spans)):
            sc_i = scores[i]
            row = choice[i]
            margin = margins[i]
            if i in forced:
                margin = OVERRIDE
            elif sc_i is not None and len(sc_i) > 1:
                margin = sc_i[row] - max(v for r, v in sc_i.items() if r != row)
            if not changed and (row != tops[i]) and _says(gaz, row, margin) != _says(gaz, tops[i], margins[i]):
                changed = True
            tops[i], margins[i] = row, margin
        if not changed:
            break

    mentions: list[Mention] = []
    starts = _sentences(text, spans[-1].start)  # no mention after the last span's sentence
    sentence_cache: dict[int, str] = {}
    places = _places(gaz)
    # Mentions never overlap: "Paris, Texas" is "Paris" (qualified by Texas) and "Texas";
    # "Washington, DC" is one mention, the city's own name, never the city twice.
    merged: set[int] = set()
    span_of: list[int] = []  # each mention's span, for explain
    for i, s in enumerate(spans):
        if i in merged:
            continue
        row = choice[i]
        final = scores[i]
        if final is not None and len(final) > 1:
            first = second = -math.inf  # the two best scores
            for v in final.values():
                if v > first:
                    first, second = v, first
                elif v > second:
                    second = v
            margin = first - second
        else:
            margin = 5.0
        conf = 1.0 / (1.0 + math.exp(-margin)) if i not in forced else 1.0
        qual = None
        text_, start, end = s.text, s.start, s.end
        if i in quals:
            q = quals[i]
            qs = spans[q]
            qrow = _qualifier_row(context, q)
            qual = _place(gaz, places, qrow)
            if qrow == row and text[s.end:qs.start] != " in ":  # "Washington, DC": one name of one place
                text_, end = text[start:qs.end], qs.end
                merged.add(q)
        sentence = _sentence_at(text, starts, start, sentence_cache)
        m = _mention(start, end, text_, s.form, _place(gaz, places, row), sentence, _round4(conf), qual,
                    len(mentions))
        mentions.append(m)
        span_of.append(i)
    return mentions, ((context, sense_bonus, cues, choice, forced, span_of, group_of) if keep else None)


def _round4(x: float) -> float:
    """``round(x, 4)`` for a confidence, without the decimal conversion ``round`` makes.

    Away from a tie (which ``round`` settles on the exact decimal value), the nearest integer
    to ``x * 10000`` is the one ``round`` finds, and dividing it by 10000 gives the float
    nearest to that decimal, as ``round`` does."""
    y = x * 10000.0
    k = math.floor(y + 0.5)
    if 0.0 <= x <= 1.0 and abs(y - k) < 0.4999:
        return k / 10000.0
    return round(x, 4)


def _places(gaz: Gazetteer) -> dict[int, Place]:
    """The gazetteer's Place values made so far, by row: a Place is immutable, so mentions share them."""
    return gaz.derived(_no_places)


def _no_places(gaz: Gazetteer) -> dict[int, Place]:
    return {}


def _place(gaz: Gazetteer, places: dict[int, Place], row: int) -> Place:
    p = places.get(row)
    if p is None:
        p = places[row] = Place(gaz, row)
    return p


def _says(gaz: Gazetteer, row: int, margin: float) -> tuple:
    """What a reading tells the context rules: its country, region, kind and confidence."""
    t = gaz.columns
    return t["country"][row], t["admin1"][row], t["kind"][row], margin >= _SET["confident_margin"]


def _near_possible(gaz: Gazetteer, spans: list[Span], pri: list[_Priors], base: list[dict[int, float]],
                   key_of: list[str]) -> dict[int, dict[int, float]]:
    """Possible places: every town or county reading of a name of few readings ("Platte County":
    Nebraska, Missouri or Wyoming). ``{span: {row: km}}`` to the nearest of another name's."""
    few = int(_SET["possible_max_readings"])
    if few < 2 or not _W[_FI["context.near_possible"]]:
        return {}
    possible = [(i, pri[i].row_ids[j]) for i in range(len(spans)) if 1 < len(base[i]) <= few
                for j in pri[i].town_js]
    if not possible:
        return {}
    return _nearness(gaz, pri, base, possible, key_of, _SET["near_local_km"] * 4.0, towns=True)


def _county_towns(gaz: Gazetteer, spans: list[Span], pri: list[_Priors], key_of: list[str]) -> dict[int, set[int]]:
    """Readings that hold or lie in a reading of another name: "Paris and Henry County" are
    Paris, Tennessee and Henry County, Tennessee, which holds it. ``{span: {row, ...}}``."""
    # Each name's facts are in its priors (plain lists): no lookup in the big tables per candidate.
    counties: list[tuple[int, int, str]] = []
    for i in range(len(spans)):
        p = pri[i]
        if len(p.row_ids) > 1 and "admin2" in p.kinds:
            counties += [(i, r, a or "") for r, k, a in zip(p.row_ids, p.row_kinds, p.admin1s) if k == "admin2"]
    if not counties:
        return {}
    states = {a for _, _, a in counties}
    out: dict[int, set[int]] = {}
    for j in range(len(spans)):
        p = pri[j]
        if "city" not in p.kinds:
            continue
        for r, k, a in zip(p.row_ids, p.row_kinds, p.admin1s):
            if k != "city" or a not in states:
                continue
            for i, c, ca in counties:
                if ca == a and key_of[i] != key_of[j] and _covers(gaz, c, r):
                    out.setdefault(i, set()).add(c)
                    out.setdefault(j, set()).add(r)
    return out


def _context(text: str, gaz: Gazetteer, spans: list[Span], pri: list[_Priors], base: list[dict[int, float]],
             quals: dict[int, int], key_of: list[str], forced: dict[int, int], tops: list[int],
             margins: list[float], near_possible: dict[int, dict[int, float]],
             county_towns: dict[int, set[int]], again: _Context | None = None) -> _Context:
    """Document context from each span's current reading (``tops``) and its lead (``margins``):
    the countries and first-level regions they are in, confident ones weighing more; confident
    cities and regions are also evidence of nearness. Read ``again`` (the second pass), the
    nearness and the lists of the first are kept: they cost the most, and change the least."""
    t = gaz.columns
    kinds, countries, admin1s = t["kind"], t["country"], t["admin1"]
    anchors: list[tuple[int, int]] = []  # (span, row) of confident readings
    total_c: dict[str, float] = {}
    total_a: dict[str, float] = {}
    group_c: dict[str, dict[str, float]] = {}  # per name: the weights of its own spans
    group_a: dict[str, dict[str, float]] = {}
    confident, weak = _SET["confident_margin"], _SET["weak_weight"]
    top_kinds: list[str] = []
    for i in range(len(spans)):
        top, margin = tops[i], margins[i]
        p = pri[i]
        if top == p.top:  # the first guess, whose facts the name's priors hold
            top_kind, cc, ak = p.top_kind, p.top_country, p.top_region
        else:
            top_kind, cc, ak = kinds[top], countries[top], _region_key(admin1s[top])
        top_kinds.append(top_kind if margin >= confident else "")
        w = 1.0 if margin >= confident else weak
        if margin >= confident and top_kind in ANCHOR_KINDS:
            anchors.append((i, top))
        key = key_of[i]
        if cc:
            total_c[cc] = total_c.get(cc, 0.0) + w
            own_c = group_c.get(key)
            if own_c is None:
                own_c = group_c[key] = {}
            own_c[cc] = own_c.get(cc, 0.0) + w
        total_a[ak] = total_a.get(ak, 0.0) + w
        own_a = group_a.get(key)
        if own_a is None:
            own_a = group_a[key] = {}
        own_a[ak] = own_a.get(ak, 0.0) + w
    # Spans of one name are no evidence for each other: the scores subtract the whole name's weights.
    if again is not None:
        near, lists, members = again.near, again.lists, again.list_members
    else:
        near = _nearness(gaz, pri, base, anchors, key_of, _SET["near_km"] * 5.8)  # km, where nearness > 0.003
        lists, members = _lists(text, spans, top_kinds)
    ctx = _Context(gaz, spans, pri, base, quals, key_of, total_c, total_a, group_c, group_a, near, forced, lists)
    ctx.list_members = members
    ctx.list_readings = (again.list_readings if again is not None else
                         _list_readings(pri, members, tops, top_kinds, countries))
    ctx.near_possible = near_possible
    ctx.county_towns = county_towns
    return ctx


def _one_sense(spans: list[Span], pri: list[_Priors], base: list[dict[int, float]], cues: list[dict[str, float]],
               quals: dict[int, int], forced: dict[int, int], key_of: list[str],
               scores: list[dict[int, float] | None],
               context: _Context) -> tuple[dict[int, int], dict[int, dict[int, float]], dict[int, list[int]]]:
    """3. One sense per name: unqualified spans of one name share the best summed score.
    Spans with their own evidence (a qualifier, or "the town of") keep their own sense.
    Returns each span's row, the sense bonuses given and the groups that decided."""
    own = set(quals)
    own.update(forced)
    for i in range(len(spans)):
        cue = cues[i]
        # A word that names the kind ("the town of") gives a span its own sense; a dateline says
        # only that a city is meant, so its span reads with the other spans of its name.
        if cue is not pri[i].no_cues and (cue.get("cue.city") or cue.get("cue.admin")):
            own.add(i)
    groups: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for i, s in enumerate(spans):
        if i not in own:
            groups[(s.form, key_of[i])].append(i)
    choice: dict[int, int] = {}
    sense_bonus: defaultdict[int, dict[int, float]] = defaultdict(dict)
    group_of: dict[int, list[int]] = {}  # the spans whose summed scores decided a span's sense
    w_sense = _W[_FI["sense.qualified_elsewhere"]]
    for i in own:
        own_scores = scores[i]
        if i in forced:
            choice[i] = forced[i]
        else:
            choice[i] = _best(own_scores) if own_scores is not None else pri[i].row_ids[0]  # base[i]'s first
    qualified_choice: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for i in own:
        qualified_choice[(spans[i].form, key_of[i])].add(choice[i])
    for name, idxs in groups.items():
        if len(idxs) == 1 and name not in qualified_choice:
            one = scores[idxs[0]]
            choice[idxs[0]] = _best(one) if one is not None else pri[idxs[0]].row_ids[0]
            continue
        if name not in qualified_choice and all(len(base[i]) == 1 for i in idxs):
            rows = {pri[i].row_ids[0] for i in idxs}
            if len(rows) == 1:  # "Baku" five times: one place, nothing to decide
                row = rows.pop()
                for i in idxs:
                    choice[i] = row
                continue
        total: defaultdict[int, float] = defaultdict(float)
        for i in idxs:
            member = scores[i]
            if member is None:
                member = scores[i] = _scores(context, i)[0]
            for row, v in member.items():
                total[row] += v
        for row in qualified_choice.get(name, ()):  # "Paris, Texas" ... later "Paris"
            if row in total:
                total[row] += w_sense * len(idxs)
                for i in idxs:
                    sense_bonus[i][row] = w_sense
        best = _best(total)
        for i in idxs:
            choice[i] = best
            group_of[i] = idxs
    return choice, sense_bonus, group_of


class _Context:
    """What the scores of one text's spans are made from; kept so that explain() can put each
    candidate's evidence into words later."""

    __slots__ = ("gaz", "spans", "pri", "base", "quals", "key_of", "total_c", "total_a", "group_c", "group_a",
                 "all_c", "near", "forced", "lists", "list_members", "list_readings", "heads", "near_possible", "county_towns",
                 "shared")

    def __init__(self, gaz: Gazetteer, spans: list[Span], pri: list[_Priors], base: list[dict[int, float]],
                 quals: dict[int, int], key_of: list[str], total_c: dict[str, float], total_a: dict[str, float],
                 group_c: dict[str, dict[str, float]], group_a: dict[str, dict[str, float]],
                 near: dict[int, dict[int, float]], forced: dict[int, int],
                 lists: dict[int, dict[str, float]]) -> None:
        self.gaz, self.spans, self.pri, self.base, self.quals = gaz, spans, pri, base, dict(quals)
        self.key_of, self.total_c, self.total_a, self.group_c, self.group_a = key_of, total_c, total_a, group_c, group_a
        self.all_c, self.near, self.forced = sum(total_c.values(), 0.0), near, forced
        self.lists = lists
        self.list_members: dict[int, list[int]] = {}
        self.list_readings: dict[int, frozenset[tuple[str, str]]] = {}
        self.near_possible: dict[int, dict[int, float]] = {}
        self.county_towns: dict[int, set[int]] = {}
        self.shared: dict[_Priors, tuple[dict[int, float], set[int]]] = {}  # see _scores
        # For the second name of a pair ("Syracuse, New York"): the countries and first-level
        # regions the first name's candidates lie in.
        self.heads: dict[int, tuple[set[str], set[str]]] = {}
        for h, q in quals.items():
            ph = pri[h]
            self.heads[q] = ({c for c in ph.countries if c}, {a for a in ph.admin1s if a})


_NONE: Final[dict[str, float]] = {}  # read only


def _scores(c: _Context, i: int, evidence: list[tuple] | None = None) -> tuple[dict[int, float], set[int]]:
    """Each candidate row's score for span ``i``, and whether its qualifier agreed with one.

    With ``evidence``, also appends each candidate's pieces of evidence to it. Spans of one
    name, with its priors as they are and no qualifier, pair or list of their own, score alike:
    they share one result (read only).
    """
    pr = c.pri[i]
    shared = (evidence is None and c.base[i] is pr.base and i not in c.quals and i not in c.lists
              and i not in c.heads)
    if shared:
        done = c.shared.get(pr)
        if done is not None:
            return done
    t = c.gaz.columns
    kinds, countries, admin1s = t["kind"], t["country"], t["admin1"]
    total_c, total_a = c.total_c, c.total_a
    gc, ga = c.group_c.get(c.key_of[i], _NONE), c.group_a.get(c.key_of[i], _NONE)
    others = c.all_c - sum(gc.values(), 0.0)
    q_span = c.quals.get(i)
    qrow = -1 if q_span is None else _qualifier_row(c, q_span)
    qkind = kinds[qrow] if qrow >= 0 else ""
    b = c.base[i]
    priors = list(b.values())
    near = c.near.get(i, _NONE_ROWS)
    in_list = c.lists.get(i)
    head = c.heads.get(i)
    w = _W
    h = _HOT  # the weights and settings read for every candidate, by position (see _set_weights)
    w_c, w_share, w_a, w_near, w_lonely, w_possible, w_abroad = h[0], h[1], h[2], h[3], h[4], h[5], h[6]
    near_km, local_km, qual_km = h[7], h[8], h[10]
    lonely = others >= h[9]
    near_possible = c.near_possible.get(i, _NONE_ROWS)
    held = c.county_towns.get(i) if c.county_towns else None
    w_held = w[_FI["context.county_holds_town"]] if held else 0.0
    # A national capital in a story told from elsewhere ("Washington" beside Moscow and Russia):
    # the share of the other names' weight in countries where no reading of this name lies.
    elsewhere = 0.0
    if others > 0.0 and True in pr.capitals:
        own = set(pr.countries)
        elsewhere = sum([v - gc.get(k, 0.0) for k, v in total_c.items() if k not in own], 0.0) / others
    sc: dict[int, float] = {}
    qualified: set[int] = set()
    for j in range(len(priors)):
        row, cc, kind = pr.row_ids[j], pr.countries[j], pr.row_kinds[j]
        c_other = total_c.get(cc, 0.0) - gc.get(cc, 0.0) if cc else 0.0
        c_other = c_other if c_other > 0.0 else 0.0
        a_other = total_a.get(pr.region_keys[j], 0.0) - ga.get(pr.region_keys[j], 0.0)
        a_other = a_other if a_other > 0.0 else 0.0
        share = c_other / others if others else 0.0
        km = near.get(row, -1.0) if near else -1.0  # most spans have none: no row boxed to look up
        prox = math.exp(-km / near_km) if km >= 0.0 else 0.0
        c1 = c_other if c_other < 1.0 else 1.0
        a1 = a_other if a_other < 1.0 else 1.0
        lone = 1.0 if lonely and not c_other and kind == "country" else 0.0
        km2 = near_possible.get(row, -1.0) if near_possible else -1.0
        possible = math.exp(-km2 / local_km) if km2 >= 0.0 else 0.0
        abroad = elsewhere if pr.capitals[j] else 0.0
        in_county = 1.0 if held and row in held else 0.0
        score = (priors[j] + w_c * c1 + w_share * share + w_a * a1 + w_near * prox + w_possible * possible
                 + w_lonely * lone + w_abroad * abroad + w_held * in_county)
        f: dict[str, float] | None = None
        if evidence is not None:
            f = {"context.country": c1, "context.country_share": share, "context.admin1": a1,
                 "context.near": prox, "context.near_possible": possible,
                 "context.lonely_country": lone, "context.capital_abroad": abroad,
                 "context.county_holds_town": in_county}
        if qrow >= 0:
            contains = ((qkind in ADMIN_KINDS and bool(admin1s[qrow]) and admin1s[qrow] == pr.admin1s[j])
                        or (qkind == "country" and countries[qrow] == cc)
                        or (qkind == "region" and countries[qrow] == cc and _covers(c.gaz, qrow, row))) and qrow != row
            near_city = (not contains and qkind == "city" and cc == countries[qrow] and kind == "city"
                         and qrow != row and _near(c.gaz, row, qrow, qual_km))
            if qrow == row or contains or near_city:
                qualified.add(row)
                qf = "qualifier.same" if qrow == row else "qualifier.contains" if contains else "qualifier.near_city"
                score += w[_FI[qf]]
                if f is not None:
                    f[qf] = 1.0
                if in_list is not None and q_span is not None:  # "Vietnam, Thailand, Laos": a list, not a town in Thailand
                    listed = _list_of_qualifier_kind(c, i, q_span, qkind, countries[qrow] or "")
                    score += w[_FI["qualifier.in_list"]] * listed
                    if f is not None and listed:
                        f["qualifier.in_list"] = listed
                if kind == "city" and pr.region_primary:  # a town named like a country or state
                    score += w[_FI["qualifier.over_region"]]
                    if f is not None:
                        f["qualifier.over_region"] = 1.0
        if head is not None and kind in ("admin1", "admin2", "country", "disputed") and (
                (kind == "country" and cc in head[0]) or (kind != "country" and pr.admin1s[j] in head[1])):
            score += w[_FI["pair.contains_head"]]
            if f is not None:
                f["pair.contains_head"] = 1.0
        if in_list is not None:
            same = in_list.get(_kind_class(kind), 0.0)
            score += w[_FI["list.same_kind"]] * same + w[_FI["list.other_kind"]] * (1.0 - same)
            if f is not None:
                f["list.same_kind"], f["list.other_kind"] = same, 1.0 - same
        sc[row] = score
        if evidence is not None and f is not None:
            evidence.append((row, priors[j], f))
    if shared:
        c.shared[pr] = (sc, qualified)
    return sc, qualified


_NONE_ROWS: Final[dict[int, float]] = {}  # read only


def _qualifier_row(c: _Context, q: int) -> int:
    """The place a qualifier span stands for: its override; else its best reading that
    contains a reading of the name before it ("Syracuse, New York": the state); else its best."""
    if q in c.forced:
        return c.forced[q]
    head = c.heads.get(q)
    best, best_score = -1, -math.inf
    if head is not None:
        pr = c.pri[q]
        for j, (row, v) in enumerate(c.base[q].items()):
            kind = pr.row_kinds[j]
            if v > best_score and ((kind == "country" and pr.countries[j] in head[0])
                                   or (kind in ADMIN_KINDS and pr.admin1s[j] in head[1])):
                best, best_score = row, v
    return best if best >= 0 else _best(c.base[q])


def _kind_class(kind: str) -> str:
    """Kinds that read alike in a list: a country and a disputed territory are both countries."""
    return "country" if kind == "disputed" else kind


#: What joins the items of a coordinated list.
_LIST_SEPARATORS: Final = (", ", " and ", ", and ", " or ", ", or ", " & ")


def _lists(text: str, spans: list[Span], top_kinds: list[str]) -> tuple[dict[int, dict[str, float]],
                                                                          dict[int, list[int]]]:
    """``{span: {kind: share}}`` for spans in a coordinated list ("Michigan, Ohio, Kansas and
    Nevada"): the share of the list's other items confidently read as each kind (``top_kinds``,
    "" where not confident). A list has three items or more, or two joined by "and"/"or".
    Also ``{span: [other items of its list]}``."""
    out: dict[int, dict[str, float]] = {}
    members: dict[int, list[int]] = {}
    n = len(spans)
    i = 0
    while i < n:
        j = i
        joined = False
        while j + 1 < n and spans[j + 1].form == spans[i].form and text[spans[j].end:spans[j + 1].start] in \
                _LIST_SEPARATORS:
            joined = joined or text[spans[j].end:spans[j + 1].start] != ", "
            j += 1
        size = j - i + 1
        if size >= 3 or (size == 2 and joined):
            classes = [_kind_class(top_kinds[k]) for k in range(i, j + 1)]
            for k in range(i, j + 1):
                share: dict[str, float] = {}
                for m, cls in enumerate(classes):
                    if m != k - i and cls:
                        share[cls] = share.get(cls, 0.0) + 1.0 / (size - 1)
                out[k] = share
                members[k] = [m for m in range(i, j + 1) if m != k]
        i = j + 1
    return out, members


def _list_readings(pri: list[_Priors], members: dict[int, list[int]], tops: list[int], top_kinds: list[str],
                   countries: Any) -> dict[int, frozenset[tuple[str, str]]]:
    """What each item of a list may be, as (kind, country) pairs: its confident first guess,
    and the places it is the primary name of ("Georgia": the country or the US state)."""
    out: dict[int, frozenset[tuple[str, str]]] = {}
    for k in members:
        pairs = pri[k].primary_pairs
        if top_kinds[k]:
            pairs = pairs | {(_kind_class(top_kinds[k]), countries[tops[k]] or "")}
        out[k] = pairs
    return out


def _list_of_qualifier_kind(c: _Context, i: int, q: int, qkind: str, qcountry: str) -> float:
    """How much "X, Y" (span ``i``, then ``q``) reads as two items of a list rather than a place
    and its qualifier: the share of the list's other items (neither X nor Y) that may be Y's
    siblings, places of its kind (in its country, below the national level). "Vietnam,
    Thailand, Laos and Korea": 1; "Oregon, Ohio and Georgia": 1 (Georgia may be a US state);
    "Baku and Paris, Texas": 0; "Lagos and Paris, Texas": 0 (Lagos State is not in the US)."""
    qcls = _kind_class(qkind)
    national = qcls == "country" or qcls == "region"
    others = [k for k in c.list_members.get(i, ()) if k != q]
    n = 0.0
    for k in others:
        for kind, cc in c.list_readings[k]:
            if kind == qcls and (national or cc == qcountry):
                n += 1.0
                break
    return n / len(others) if others else 0.0


NATIONAL: Final = "(national or larger)"
#: At most this many confident places serve as evidence of nearness (an even sample).
MAX_ANCHORS: Final = 200


def _region_key(admin1: str | None) -> str:
    """The first-level region a place is in; countries and larger regions share one key, so
    that a text about several countries reads an ambiguous name as one more country."""
    return admin1 if admin1 else NATIONAL


def _nearness(gaz: Gazetteer, pri: list[_Priors], base: list[dict[int, float]], anchors: list[tuple[int, int]],
              key_of: list[str], max_km: float = 1740.0, towns: bool = False) -> dict[int, dict[int, float]]:
    """``{span: {row: km}}``: how far each candidate lies from the nearest confident place of
    another span (left out beyond ``max_km``); with ``towns``, for town and county candidates only."""
    if not anchors:
        return {}
    if len(anchors) > MAX_ANCHORS:  # long texts: an even sample keeps the work linear in the text
        step = len(anchors) / MAX_ANCHORS
        anchors = [anchors[int(k * step)] for k in range(MAX_ANCHORS)]
    ambiguous = [i for i, b in enumerate(base) if len(b) > 1]
    if not ambiguous:  # no span to decide: nothing is near anything
        return {}
    if not towns and sum(len(base[i]) for i in ambiguous) * len(anchors) > 5000:  # long texts: numpy
        # One distance per name and candidate, shared by every span of that name.
        km_of: dict[str, dict[int, float]] = {}
        pairs = list(dict.fromkeys((key_of[i], r) for i in ambiguous for r in base[i]))
        for (key, r), d in zip(pairs, _nearest_km_numpy(gaz, pairs, anchors, key_of)):
            km_of.setdefault(key, {})[r] = d
        out: dict[int, dict[int, float]] = {}
        for i in ambiguous:
            kms = km_of[key_of[i]]
            near = {r: v for r in base[i] if (v := kms[r]) <= max_km}
            if near:
                out[i] = near
        return out
    # Up to a few thousand distances: plain floats beat numpy's cost per call.
    # Each name's candidates carry their unit vectors (see _Priors): no lookups in the big tables.
    # Anchors sorted by z (the sine of latitude): an anchor within max_km differs in z by at
    # most the chord of max_km, so each candidate scans only that band of them.
    # A place that is an anchor twice for one name ("Springfield" read twice) counts once.
    seen: set[tuple[str, int]] = set()
    keys0: list[str] = []
    xs0: list[float] = []
    ys0: list[float] = []
    zs0: list[float] = []
    for i, r in anchors:
        key = key_of[i]
        if (key, r) in seen:
            continue
        seen.add((key, r))
        pa = pri[i]
        j = pa.row_ids.index(r)
        keys0.append(key)
        xs0.append(pa.xs[j])
        ys0.append(pa.ys[j])
        zs0.append(pa.zs[j])
    order = sorted(range(len(zs0)), key=zs0.__getitem__)
    a_keys = [keys0[k] for k in order]
    ax = [xs0[k] for k in order]
    ay = [ys0[k] for k in order]
    az = [zs0[k] for k in order]
    band = chord_for_km(max_km) + 1e-9
    # A squared chord beyond the band's is farther than max_km: left out below, so its km is not needed.
    band2 = band * band
    # One distance per name and candidate (the same for every span of the same priors), by the
    # candidate's position; infinite where not measured (``towns``) or beyond the band.
    km_at: dict[_Priors, list[float]] = {}
    for i in ambiguous:
        p = pri[i]
        if p in km_at:
            continue
        key = key_of[i]
        kms_j = [math.inf] * len(p.row_ids)
        for j in (p.town_js if towns else p.all_js):
            px, py, pz = p.xs[j], p.ys[j], p.zs[j]
            best = band2
            for k in range(_bisect_left(az, pz - band), _bisect_right(az, pz + band)):
                # The squared chord summed one axis at a time, as dx*dx + dy*dy + dz*dz
                # adds up: an anchor no nearer than the best is left after the first term
                # that shows it.
                dx = px - ax[k]
                d2 = dx * dx
                if d2 < best:
                    dy = py - ay[k]
                    d2 += dy * dy
                    if d2 < best:
                        dz = pz - az[k]
                        d2 += dz * dz
                        if d2 < best and a_keys[k] != key:
                            best = d2
            if best < band2:
                kms_j[j] = chord_km(best)
        km_at[p] = kms_j
    found: dict[int, dict[int, float]] = {}
    for i in ambiguous:
        p = pri[i]
        kms_j = km_at[p]
        near = {}
        for j in (p.town_js if towns else p.all_js):  # base[i]'s rows, in its order (see _Priors)
            v = kms_j[j]
            if v <= max_km:
                near[p.row_ids[j]] = v
        if near:
            found[i] = near
    return found



def _bisect_left(a: list[float], x: float) -> int:
    """``bisect.bisect_left(a, x)``, the same comparisons: compiled, with no float boxed."""
    lo, hi = 0, len(a)
    while lo < hi:
        mid = (lo + hi) // 2
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _bisect_right(a: list[float], x: float) -> int:
    """``bisect.bisect_right(a, x)``, the same comparisons: compiled, with no float boxed."""
    lo, hi = 0, len(a)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _unit_vectors(gaz: Gazetteer) -> tuple[list[float], list[float], list[float]]:
    """Every row's position as a unit vector: lists of x, y and z."""
    return gaz.derived(_unit_vector_lists)


def _unit_vector_lists(gaz: Gazetteer) -> tuple[list[float], list[float], list[float]]:
    xyz = _unit_vector_array(gaz)
    return xyz[:, 0].tolist(), xyz[:, 1].tolist(), xyz[:, 2].tolist()


def _unit_vector_array(gaz: Gazetteer) -> Any:
    return gaz.derived(_make_unit_vector_array)


def _make_unit_vector_array(gaz: Gazetteer) -> Any:
    t = gaz.columns
    return unit_vectors(t["lat"].astype(float), t["lon"].astype(float))


def _nearest_km_numpy(gaz: Gazetteer, pairs: list[tuple[str, int]], anchors: list[tuple[int, int]],
                      key_of: list[str]) -> list[float]:
    """For each (name, row) pair, the distance to the nearest anchor of another name; for long texts."""
    import numpy as np

    xyz = _unit_vector_array(gaz)
    names = {k: n for n, k in enumerate(dict.fromkeys(key_of))}
    p_rows, p_names = zip(*[(r, names[k]) for k, r in pairs])
    a_rows, a_names = zip(*[(r, names[key_of[i]]) for i, r in anchors])
    chord2 = np.square(xyz[list(p_rows)][:, None, :] - xyz[list(a_rows)][None, :, :]).sum(axis=2)
    chord2[np.equal.outer(p_names, a_names)] = np.inf  # a name is no evidence for itself
    return [chord_km(c) for c in chord2.min(axis=1).tolist()]


def _covers(gaz: Gazetteer, area: int, row: int) -> bool:
    """The polygon of row ``area`` (a region: England, Scotland) holds the point of row ``row``."""
    known = gaz.derived(_covers_known)
    key = (area, row)
    found = known.get(key)
    if found is None:
        import shapely

        geom = gaz.geometry(area)
        t = gaz.columns
        x, y = float(t["lon"][row]), float(t["lat"][row])
        if geom is None:
            found = False
        else:
            x0, y0, x1, y1 = geom.bounds  # most pairs are far apart: a cheap test first
            found = x0 <= x <= x1 and y0 <= y <= y1 and bool(shapely.intersects_xy(geom, x, y))
        if len(known) >= MAX_COVERS_KNOWN:
            known.clear()
        known[key] = found
    return found


#: Answers of ``_covers`` kept per gazetteer, at most this many (pairs recur from text to text).
MAX_COVERS_KNOWN: Final = 100_000


def _covers_known(gaz: Gazetteer) -> dict[tuple[int, int], bool]:
    return {}


def _near(gaz: Gazetteer, a: int, b: int, km: float = 60.0) -> bool:
    """Rows ``a`` and ``b`` lie within ``km`` of each other."""
    x, y, z = _unit_vectors(gaz)
    return chord_km((x[a] - x[b]) ** 2 + (y[a] - y[b]) ** 2 + (z[a] - z[b]) ** 2) <= km


def _evidence_rows(gaz: Gazetteer, kept: tuple, i: int) -> list[dict]:
    """The candidates of mention ``i`` with each feature's contribution to the score that decided,
    from ``_resolve(keep=True)``: the span's own, or its name's summed over the spans that
    share one sense."""
    context, sense_bonus, cues, choice, forced, span_of, group_of = kept
    i = span_of[i]
    members = group_of.get(i, [i])
    feats: dict[int, dict[str, float]] = {}  # row: {feature: value}, summed over the members
    for k in members:
        for row, f in _span_features(gaz, context, cues[k], k).items():
            into = feats.setdefault(row, {})
            for name, v in f.items():
                into[name] = into.get(name, 0.0) + v
            if sense_bonus.get(k, {}).get(row):
                into["sense.qualified_elsewhere"] = into.get("sense.qualified_elsewhere", 0.0) + 1.0
    types = dict(context.pri[i].types)
    forced_row = forced.get(i, -1)
    if forced_row >= 0 and forced_row not in feats:  # an override may name a place the name never reads as
        types[forced_row] = 0
        feats[forced_row] = {FEATURES[k]: v for k, v in _prior_features(gaz, forced_row)}
    return [_evidence_row(gaz, row, f, types.get(row, 0), choice[i], context.spans[i].text if row == forced_row
                          else None, len(members), context, i) for row, f in feats.items()]


def _span_features(gaz: Gazetteer, context: _Context, cue: dict[str, float], i: int) -> dict[int, dict[str, float]]:
    """``{row: {feature: value}}`` for span ``i``'s candidates: the values its score weighs."""
    evidence: list[tuple] = []
    _scores(context, i, evidence)
    kinds = gaz.columns["kind"]
    types = context.pri[i].types
    city_cue = next((f for f in CITY_CUE_FEATURES if cue.get(f)), "")
    cue_admin = cue.get("cue.admin", 0.0)
    out: dict[int, dict[str, float]] = {}
    dwarf = context.pri[i].dwarf
    for row, _, f in evidence:
        feats = {FEATURES[k]: v for k, v in _prior_features(gaz, row, types[row])}
        if row in dwarf:
            feats["prior.namesake_larger"] = dwarf[row]
        if row in context.pri[i].towns:
            feats["prior.town_named_like_region"] = 1.0
        kind = kinds[row]
        if kind == "city" and city_cue:
            feats[city_cue] = 1.0
        elif kind in ADMIN_KINDS and cue_admin:
            feats["cue.admin"] = 1.0
        feats.update({k: v for k, v in f.items() if v})
        out[row] = feats
    return out


def training_features(text: str, gazetteer: Gazetteer | None = None,
                      demonyms: bool = True) -> list[tuple[int, int, list[int], list[dict[str, float]]]]:
    """What the resolver weighs, for learning its weights: per span ``(start, end, rows,
    features)``, each candidate row with its features (the span's own, one sense per name apart).

    >>> [(s, e, len(rows) == len(f)) for s, e, rows, f in training_features("Talks in Baku.")]
    [(9, 13, True)]
    >>> training_features("")
    []
    """
    gaz = gazetteer or load_gazetteer()
    _, kept = _resolve(text, gaz, demonyms, keep=True)
    if kept is None:
        return []
    context, sense_bonus, cues = kept[0], kept[1], kept[2]
    out = []
    for i, span in enumerate(context.spans):
        feats = _span_features(gaz, context, cues[i], i)
        for row, w in sense_bonus.get(i, {}).items():
            if w and row in feats:
                feats[row]["sense.qualified_elsewhere"] = 1.0
        rows = list(feats)
        out.append((span.start, span.end, rows, [feats[r] for r in rows]))
    return out


def _evidence_row(gaz: Gazetteer, row: int, feats: dict[str, float], name_type: int, chosen: int,
                  override: str | None, members: int, context: _Context, i: int) -> dict:
    from geo.gazetteer import NAME_TYPES

    t = gaz.columns
    w = _W
    out: dict[str, Any] = dict(id=t["id"][row], name=t["name"][row], kind=t["kind"][row], country=t["country"][row],
                               population=int(t["population"][row]), name_type=NAME_TYPES[name_type],
                               geonameid=int(t["geonameid"][row]) or None if "geonameid" in t else None)
    contrib = {f: w[k] * v if (v := feats.get(f, 0.0)) else 0.0 for k, f in enumerate(FEATURES)}
    out.update(contrib)
    out["override"] = OVERRIDE if override is not None else 0.0
    out["score"] = sum(contrib.values(), 0.0) + out["override"]
    notes = []
    if feats.get("context.country"):
        notes.append(f"other mentions in {t['country'][row]}")
    if feats.get("context.admin1"):
        notes.append(f"other mentions in {t['admin1'][row]}" if t["admin1"][row] else
                     "other mentions of countries and larger regions")
    if feats.get("context.near"):
        notes.append("near other places")
    if feats.get("context.county_holds_town"):
        notes.append("a county and a town of the text, one inside the other")
    if feats.get("context.capital_abroad"):
        notes.append("a capital, in a story about other countries")
    q = context.quals.get(i)
    if q is not None and any(feats.get(f) for f in ("qualifier.contains", "qualifier.same", "qualifier.near_city")):
        notes.append(f"qualified by {context.spans[q].text!r}")
    if feats.get("pair.contains_head"):
        notes.append("contains the name before it")
    if feats.get("list.same_kind"):
        notes.append("in a list of places of its kind")
    if feats.get("cue.city") or feats.get("cue.admin"):
        notes.append("a word beside it names its kind")
    if feats.get("cue.dateline"):
        notes.append("a dateline: the city the story was filed from")
    if feats.get("cue.newspaper"):
        notes.append("a newspaper's name: the city it is named for")
    if feats.get("sense.qualified_elsewhere"):
        notes.append("the same name is qualified elsewhere")
    if override is not None:
        notes.append(f"override: the house list reads {override!r} as {t['id'][row]}")
    if members > 1:
        notes.append(f"summed over the {members} mentions of the name")
    if row == chosen:
        notes.append("chosen")
    out["notes"] = "; ".join(notes)
    return out
