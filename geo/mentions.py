"""Recognition: find the spans of a text that name a place in the gazetteer.

The gazetteer drives it. Every name of every place goes into one Aho-Corasick automaton
(pyahocorasick), matched case-sensitively over a length-preserving folded copy of the text,
so that offsets stay offsets into the original. Rules then drop matches that are not place
mentions: sentence-initial common words, person names, words inside longer names.

>>> from geo.mentions import find_mentions
>>> [s.text for s in find_mentions("Talks in Baku and Yerevan.")]
['Baku', 'Yerevan']
>>> find_mentions("")
[]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from geo.errors import GazetteerError
from geo.gazetteer import FOLD_TABLE, PHRASE_KINDS, Gazetteer, load_gazetteer

__all__ = ["Span", "find_mentions", "matcher"]

DEMONYM = 3


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Words before a name that make it a person's name ("Foreign Minister Ararat Mirzoyan").
TITLES = _words("""
President Premier Minister Secretary Senator Sen Rep Representative Gov Governor Mayor Mr Mrs Ms Miss Dr
General Gen Colonel Col Captain Capt Lieutenant Lt Sergeant Sgt Judge Justice King Queen Prince Princess Pope
Rev Reverend Sheikh Chancellor Ambassador spokesperson spokesman spokeswoman Spokesperson Spokesman
Spokeswoman Chairman Chairwoman Director Officer Commissioner Chief Coach coach Detective Det Deputy Sir Dame
Lord Lady Saint Sister Brother Father Bishop Archbishop Cardinal Rabbi Imam Professor Prof Agent Trooper
Sheriff Attorney Councilman Councilwoman Councillor Alderman Speaker Leader Emir Crown
""")
# Words after a name that make it part of an organisation or event, not a place mention.
ORG_HEADS = _words("""
Post Times Journal Tribune Herald Gazette Chronicle Review Daily Press News Observer Examiner Inquirer
Sentinel Courier Dispatch Star Sun Globe Telegraph Guardian Independent Mirror Standard Record Register
University College School Academy Institute Hospital Clinic Airport Station Stadium Arena Park Hotel Museum
Library Church Cathedral Mosque Temple Bank Company Corporation Corp Inc Ltd Group Holdings Club FC United
Rovers Wanderers Athletic Lakers Giants Jets Rangers Redskins Warriors Bulls Heat Braves Cubs Agreement Accord
Accords Declaration Protocol Convention Treaty Summit Conference Process Format Council Commission Committee
Department Ministry Police Army Navy Court Tribunal Parliament Senate Assembly Congress Party Movement Front
Foundation Fund Association Society Union League Federation Airlines Airways Air Railway Railways Motors
Energy Oil Gas Telecom Media Television TV Radio Network Tech State Street Avenue Road Boulevard Square Bridge
Tower Center Centre Hall Building Mall Market
""")
# Words before a name that belong to it ("North Carolina" is matched whole; these qualify others).
NAME_PREFIXES = _words("""
North South East West Northern Southern Eastern Western Central Greater Upper Lower Inner Outer Metro Downtown
Old New Lake Mount Mt Port Fort Ft Saint St San Santa Cape Gulf Bay Isle Rio Los Las El La Le Del Des Al The
""")
# Capitalised words that name no place in news, though a village somewhere bears the name.
NOT_PLACES = _words("""
January February March April May June July August September October November December Jan Feb Mar Apr Jun Jul
Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday Saturday Sunday Christmas Easter Police
Council Court Congress Commerce Industry Bank Post Research Justice Supreme University College Street Road
Avenue City Town County State Center Centre Hall Metro Olympic Central North South East West Northern Southern
Eastern Western Northeast Northwest Southeast Southwest Midwest Gulf Bay Lake River Island Mount Coast Valley
Sound Park Beach Harbor Harbour Port Airport Station Square God Jesus Christ Allah Lord We You They He She It
Our Their His Her This That These Those There Here Hamas Hezbollah Taliban Senate House Parliament Ministry
Department Agency Office Government Republic Kingdom Empire Federal National International General Royal
Public Chapel Church Cathedral Abbey English Olympics Games Cup League Premier Champions Super Bowl World Pack
Wal Mart Via Jewish Force Leader Chamber Man Home One Village Reserve Region Ridge Titan Rodeo Continental
Officer Vice Media Market Rail Star Chief Team Club Group Press Daily Weekly Times Guard Army Navy Marine
Marines Corps Fire To From Mill Bridge Eagle Red Lot Evens But And Or If So Yet More Less Many Some Any All
Each Every Other Such Union Drug Area Hill
""") | {"White House", "El Niño", "El Nino", "La Niña", "La Nina"}
# Words after a name that make it a person: "Obama said".
SPEECH_VERBS = _words("""
said says told added asked announced stated explained noted wrote argued insisted replied warned claimed
admitted testified tweeted acknowledged recalled urged vowed denied confirmed
""")
# Demonyms that, alone, mostly name a language.
LANGUAGE_DEMONYMS = frozenset({"English"})
# A common given name or surname alone is a person's, unless a place of this size bears it.
PERSON_NAME_MAX_POPULATION = 40_000
# A one-word place named like a common English word needs a locative unless it is this big.
COMMON_WORD_MAX_POPULATION = 50_000
# A one-word name at the start of a sentence, said nowhere else, is a place only if this big.
SENTENCE_INITIAL_MIN_POPULATION = 100_000
# Words before a name that show it is a place: "in Lincoln", "near Jordan".
LOCATIVES = _words("""
in at from to near outside across into toward towards around between through via throughout inside within over
of off along beyond past and
""")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-\.]*")
_CAPS = re.compile(r"\b[A-Z][A-Z]{3,}\b")
_SENT_END = re.compile(r"[.!?:;\"“”»)\]]\s*$|^\s*$")


@dataclass(frozen=True, slots=True)
class Span:
    """A recognised place name in a text, before resolution."""

    start: int
    end: int
    text: str
    candidates: tuple[tuple[int, int], ...]  # (gazetteer row, name type)
    form: str = "name"


class Matcher:
    """An Aho-Corasick automaton over the surface forms of every name in a gazetteer.

    Its values are group numbers; ``candidates(g)`` gives the ``(row, name type)`` pairs.
    """

    def __init__(self, gaz: Gazetteer) -> None:
        import ahocorasick

        surf = gaz.surfaces
        forms = surf["surface"].to_numpy()
        starts = np.flatnonzero(np.r_[True, forms[1:] != forms[:-1]])
        self.starts = np.r_[starts, len(forms)]
        self.rows = surf["row"].to_numpy()
        self.types = surf["type"].to_numpy()
        auto = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        keys = forms[starts].tolist()
        for g, key in enumerate(keys):
            auto.add_word(key, g)
        self.lengths = np.fromiter(map(len, keys), dtype=np.int32, count=len(keys))
        auto.make_automaton()
        self.automaton = auto

    def candidates(self, group: int) -> tuple[tuple[int, int], ...]:
        a, b = self.starts[group], self.starts[group + 1]
        return tuple(zip(self.rows[a:b].tolist(), self.types[a:b].tolist()))

    def __contains__(self, surface: str) -> bool:
        return surface in self.automaton


def matcher(gaz: Gazetteer) -> Matcher:
    """The matcher over every name of ``gaz``, built once and cached on it."""
    m = gaz.cache.get("matcher")
    if m is None:
        with gaz._lock:
            m = gaz.cache.get("matcher")
            if m is None:
                m = gaz.cache["matcher"] = Matcher(gaz)
    return m


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_chars(m: re.Match) -> str:
    s = m.group(0)
    t = s.translate(FOLD_TABLE)
    return t if len(t) == len(s) else s


def _fold_text(text: str) -> str:
    t = text if text.isascii() else _NON_ASCII.sub(_fold_chars, text)
    # All-caps words (datelines, headlines) are matched in title case: "BEIRUT" -> "Beirut".
    return _CAPS.sub(lambda m: m.group(0).capitalize(), t)


def _is_boundary(t: str, i: int) -> bool:
    return i < 0 or i >= len(t) or not t[i].isalnum()


_PREV_REVERSED = re.compile(r"[ \t]*((?:[^\W_]|['.\-])*)")


def _prev_word(text: str, start: int) -> str:
    """The word before ``start`` (spaces and tabs between), without a final full stop."""
    m = _PREV_REVERSED.match(text[max(0, start - 60):start][::-1])
    return m.group(1)[::-1].rstrip(".")


def _next_word(text: str, end: int) -> str:
    m = _WORD.match(text, end + 1) if end < len(text) and text[end] == " " else None
    return m.group(0).rstrip(".") if m else ""


def sentence_initial(text: str, start: int) -> bool:
    """True when ``start`` begins a sentence, a line or a quotation."""
    head = text[max(0, start - 4) : start]
    return bool(_SENT_END.search(head)) or "\n" in head


def title_case_line(text: str, start: int, _cache: dict | None = None) -> bool:
    """True when the line around ``start`` is a headline in Title Case."""
    a = text.rfind("\n", 0, start) + 1
    if _cache is not None:
        if a not in _cache:
            _cache[a] = title_case_line(text, a)
        return _cache[a]
    b = text.find("\n", start)
    line = text[a : b if b >= 0 else len(text)]
    if len(line) >= 200:
        return False
    if line.rstrip().endswith((".", "?", "!", ",", ";", ":")):
        return False
    words = [w for w in _WORD.findall(line) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def personal_names(gaz: Gazetteer) -> tuple[frozenset[str], frozenset[str]]:
    """Common given names and surnames (US Census 1990 lists, shipped in ``shapes/``)."""
    cached = gaz.cache.get("personal_names")
    if cached is None:
        import pandas as pd

        path = gaz.folder / "personal-names.csv.gz"
        if path.exists():
            try:
                df = pd.read_csv(path, keep_default_na=False)
                cached = (frozenset(df["name"][df["first"] > 0]), frozenset(df["name"][df["last"] > 0]))
            except (OSError, EOFError, ValueError, KeyError) as e:
                raise GazetteerError(f"cannot read gazetteer word list {path}: {e}") from e
        else:
            cached = (frozenset(), frozenset())
        gaz.cache["personal_names"] = cached
    return cached


def common_words(gaz: Gazetteer) -> frozenset[str]:
    """One-word place names that are also lowercase English words ("most", "reading")."""
    cached = gaz.cache.get("common_words")
    if cached is None:
        import gzip

        path = gaz.folder / "common-words.txt.gz"
        try:
            cached = frozenset(gzip.decompress(path.read_bytes()).decode().split()) if path.exists() else frozenset()
        except (OSError, EOFError, UnicodeDecodeError) as e:
            raise GazetteerError(f"cannot read gazetteer word list {path}: {e}") from e
        gaz.cache["common_words"] = cached
    return cached


def find_mentions(text: str, gazetteer: Gazetteer | None = None, *, demonyms: bool = True) -> list[Span]:
    """Spans of ``text`` that name gazetteer places, in text order, not overlapping.

    >>> [s.form for s in find_mentions("Armenian and Azerbaijani talks")]
    ['demonym', 'demonym']
    """
    gaz = gazetteer or load_gazetteer()
    m = matcher(gaz)
    firsts, lasts = personal_names(gaz)
    common = common_words(gaz)
    if not text:
        return []
    t = _fold_text(text)
    spans: list[Span] = []
    persons: set[str] = set()
    lines: dict[int, bool] = {}
    # iter_long yields the leftmost-longest matches, in order and not overlapping.
    for end_idx, group in m.automaton.iter_long(t):
        start, end = end_idx - int(m.lengths[group]) + 1, end_idx + 1
        if not (_is_boundary(t, start - 1) and _is_boundary(t, end)):
            continue
        cands = m.candidates(group)
        if not demonyms:
            cands = tuple(c for c in cands if c[1] != DEMONYM)
        if not cands:
            continue
        # A name matches either as a demonym or as a place name, never both.
        names = tuple(c for c in cands if c[1] != DEMONYM)
        if names and len(names) < len(cands) and not _strong(gaz, names):
            names = ()  # "Arab", "Ismaili": the demonym, not a village of that name
        form = "name" if names else "demonym"
        span = Span(start, end, text[start:end], names or cands, form)
        span = _check(text, span, gaz, persons, spans[-1].end if spans else -1, firsts, lasts, lines, common)
        if span is not None:
            spans.append(span)
        elif spans and spans[-1].text in persons and text[spans[-1].end:start] == " ":
            spans.pop()
    return _drop_name_pairs(text, spans, persons, firsts, lasts, lines)


def _drop_name_pairs(text: str, spans: list[Span], persons: set[str], firsts: frozenset[str],
                     lasts: frozenset[str], lines: dict) -> list[Span]:
    """Two one-word names side by side are a person's: "Jordan Henderson", "Chelsea Clinton"."""
    drop = set()
    for i in range(len(spans) - 1):
        a, b = spans[i], spans[i + 1]
        if (a.form == b.form == "name" and text[a.end:b.start] == " " and " " not in a.text and " " not in b.text
                and (a.text in firsts or b.text in lasts)
                and a.text not in NAME_PREFIXES and b.text not in ORG_HEADS and not a.text.isupper()
                and not b.text.isupper() and not title_case_line(text, a.start, lines)):
            drop.update((i, i + 1))
            persons.add(b.text)
    spans = [s for i, s in enumerate(spans) if i not in drop]
    return [s for s in spans if s.text not in persons or s.form != "name" or " " in s.text]


STRONG_KINDS = ("country", "region", "disputed", "admin1", "corridor", "physical")


def _strong_rows(gaz: Gazetteer) -> tuple[np.ndarray, np.ndarray]:
    """Per gazetteer row: a strong kind (not a city's own unit), and a capital or a city of a million."""
    cached = gaz.cache.get("strong_rows")
    if cached is None or len(cached[0]) != len(gaz):
        t = gaz._table
        kind_ok = np.isin(t["kind"].astype(str), STRONG_KINDS) & (t["citylike"] == 0)
        big = (t["population"] >= 1_000_000) | (t["capital"] == 1)  # "Vilnius said": a government
        cached = gaz.cache["strong_rows"] = (kind_ok, big)
    return cached


def _strong(gaz: Gazetteer, cands) -> bool:
    """Some candidate is a country, region, state-level unit, capital or city of a million."""
    kind_ok, big = _strong_rows(gaz)
    return any(big[r] or (kind_ok[r] and typ in (0, 2)) for r, typ in cands)


def _check(text: str, span: Span, gaz: Gazetteer, persons: set[str], prev_end: int,
           firsts: frozenset[str] = frozenset(), lasts: frozenset[str] = frozenset(),
           lines: dict | None = None, common: frozenset[str] = frozenset()) -> Span | None:
    """Apply the rules that tell a place mention from a word that looks like one.

    ``persons`` collects the names found to be people's, so that "Miller added" is not a
    place once "Matthew Miller" was a person.
    """
    kinds = gaz._table["kind"]
    first = span.text[0]
    if not (first.isupper() or first.isdigit()):
        if " " not in span.text or not all(kinds[r] in PHRASE_KINDS for r, _ in span.candidates):
            return None
    word_count = len(span.text.split())
    prev = _prev_word(text, span.start)
    nxt = _next_word(text, span.end)
    initial = sentence_initial(text, span.start)
    headline = title_case_line(text, span.start, lines)
    strong = _strong(gaz, span.candidates)
    # A word beside it shows a place: "in Lincoln", "Paris, Texas".
    placed = prev.lower() in LOCATIVES or text[span.end:span.end + 2] == ", "
    if span.form == "demonym":
        if prev in TITLES and nxt[:1].isupper():
            return None
        if span.text.endswith("s") and span.text[:-1].translate(FOLD_TABLE) in matcher(gaz):
            return None  # "Americans", "Mexicans": people, not a place
        if span.text in LANGUAGE_DEMONYMS and not nxt[:1].isupper():
            return None  # "in English": the language
        return span
    if span.text in NOT_PLACES:
        return None
    # "Obama said", "Flores told reporters": people speak, small places do not.
    if word_count == 1 and not strong and nxt.lower() in SPEECH_VERBS \
            and _largest(gaz, span) < SENTENCE_INITIAL_MIN_POPULATION:  # "Liverpool said": the club, a metonym
        persons.add(span.text)
        return None
    dateline = (span.text.isupper() and len(span.text) >= 4 and (span.start == 0 or initial)
                and text[span.end:span.end + 3][:1] in (",", " ", "(", "-", "—"))
    if dateline:
        return span
    if span.text.isupper() and span.text.isalpha() and len(span.text) >= 4 and not strong and not headline:
        return None  # acronyms: NATO, FIFA
    # Person names: "Foreign Minister Ararat Mirzoyan", "Ani Badalyan", "Matthew Miller".
    if span.text in persons and not strong:
        return None
    if prev in TITLES:
        persons.add(span.text)
        return None
    if word_count == 1 and span.text in firsts and nxt in lasts and not headline:
        persons.add(span.text)
        return None  # "Victoria Beckham", "Georgia Davis"
    if nxt[:1].isupper() and nxt not in ORG_HEADS and word_count == 1 and not headline and not strong:
        if (not _is_known(gaz, nxt) or nxt in lasts) and not nxt.isupper() \
                and (nxt in lasts or _largest(gaz, span) < SENTENCE_INITIAL_MIN_POPULATION):
            return None  # "Ani Badalyan"; but "Cambridge Analytica" names a place
    if (word_count == 1 and prev in firsts and prev not in NAME_PREFIXES and not _follows_place(text, prev_end, span)
            and not text[max(0, span.start - 40):span.start].rstrip(" \t").endswith(".")):  # not "Shelby. Montana"
        persons.add(span.text)
        if prev_end >= 0 and text[prev_end:span.start] == " ":
            persons.add(prev)  # the given name was taken for a place: "Jordan Henderson"
        return None
    # A common given name or surname standing alone is a person unless a word shows a place.
    if (word_count == 1 and not strong and (span.text in firsts or span.text in lasts) and not placed
            and _largest(gaz, span) < PERSON_NAME_MAX_POPULATION):
        return None
    # Common words with a capital only because they begin a sentence or a headline word.
    is_word = word_count == 1 and span.text.lower() in common
    if (initial or headline) and word_count == 1 and not strong \
            and (is_word or _largest(gaz, span) < SENTENCE_INITIAL_MIN_POPULATION) \
            and not _mentioned_elsewhere(text, span):
        return None
    # A small place named like a common word ("Chamber", "Force") needs a word that shows a place.
    if (is_word and not strong and not initial and not headline and not placed
            and _largest(gaz, span) < COMMON_WORD_MAX_POPULATION):
        return None
    if span.text.isupper() and len(span.text) <= 3 and not any(t == 2 for _, t in span.candidates):
        return None  # short all-caps tokens are codes unless they are known abbreviations
    if (span.text.count(".") < 2 and all(t == 2 and kinds[r] == "admin1" for r, t in span.candidates)
            and text[max(0, span.start - 2):span.start] != ", "):
        return None  # state abbreviations ("Ga.", "Wash.") only as qualifiers: "Atlanta, Ga."; "S.C." anywhere
    return span


def _follows_place(text: str, prev_end: int, span: Span) -> bool:
    """The word before ``span`` was itself read as a place ("Victoria" in "Victoria Australia")."""
    return prev_end >= 0 and text[prev_end:span.start].strip() == ""


def _largest(gaz: Gazetteer, span: Span) -> int:
    """The population of the largest place that bears the span's text as its own name."""
    pops = gaz._table["population"]
    own = [int(pops[r]) for r, typ in span.candidates if typ in (0, 2)]
    return max(own) if own else max(int(pops[r]) for r, _ in span.candidates)


def _is_known(gaz: Gazetteer, word: str) -> bool:
    return word.translate(FOLD_TABLE) in matcher(gaz)


def _mentioned_elsewhere(text: str, span: Span) -> bool:
    """The same name stands elsewhere in the text, not at a sentence start."""
    for m in re.finditer(r"\b" + re.escape(span.text) + r"\b", text):
        if m.start() != span.start and not sentence_initial(text, m.start()):
            return True
    return False
