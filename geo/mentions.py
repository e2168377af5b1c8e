"""Recognition: find the spans of a text that name a place in the gazetteer.

The gazetteer drives it. Every name of every place goes into an Aho-Corasick automaton
(daachorse's double array, leftmost-longest), matched case-sensitively over a length-preserving
folded copy of the text, so that offsets stay offsets into the original. The bundled
gazetteer's automaton is built with ``shapes/`` (``save_matcher``) and loaded from it in tens
of milliseconds. Rules then drop matches that are not place mentions: sentence-initial common
words, person names, words inside longer names. What a rule needs to know of a name alone is
computed once per distinct name (``Surface``); the context around each match is read only
where a rule needs it.

>>> from geo.mentions import find_mentions
>>> [s.text for s in find_mentions("Talks in Baku and Yerevan.")]
['Baku', 'Yerevan']
>>> find_mentions("")
[]
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from geo.errors import GazetteerError
from geo.gazetteer import FOLD_TABLE, NAME_TYPES, PHRASE_KINDS, Gazetteer, _open_mapped, _write_mapped, load_gazetteer

__all__ = ["MATCHER_FILE", "Matcher", "Span", "find_mentions", "matcher", "save_matcher"]

ALIAS: Final = NAME_TYPES.index("alias")
DEMONYM: Final = NAME_TYPES.index("demonym")


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Words before a name that make it a person's name ("Foreign Minister Ararat Mirzoyan").
TITLES: Final = _words("""
President Premier Minister Secretary Senator Sen Rep Representative Gov Governor Mayor Mr Mrs Ms Miss Dr
General Gen Colonel Col Captain Capt Lieutenant Lt Sergeant Sgt Judge Justice King Queen Prince Princess Pope
Rev Reverend Sheikh Chancellor Ambassador spokesperson spokesman spokeswoman Spokesperson Spokesman
Spokeswoman Chairman Chairwoman Director Officer Commissioner Chief Coach coach Detective Det Deputy Sir Dame
Lord Lady Saint Sister Brother Father Bishop Archbishop Cardinal Rabbi Imam Professor Prof Agent Trooper
Sheriff Attorney Councilman Councilwoman Councillor Alderman Speaker Leader Emir Crown
""")
# Titles written short with a full stop ("Sen. Warner"); after any other title a full stop ends a sentence.
TITLE_ABBREVIATIONS: Final = _words("Sen Rep Gov Gen Col Capt Lt Sgt Dr Mr Mrs Ms Rev Prof Det Supt Maj Adm Cpl Pvt")
# Words after a name that make it part of an organisation or event, not a place mention.
ORG_HEADS: Final = _words("""
Post Times Journal Tribune Herald Gazette Chronicle Review Daily Press News Observer Examiner Inquirer
Sentinel Courier Dispatch Star Sun Globe Telegraph Guardian Independent Mirror Standard Record Register
University College School Academy Institute Hospital Clinic Airport Station Stadium Arena Park Hotel Museum
Library Church Cathedral Mosque Temple Bank Company Corporation Corp Inc Ltd Group Holdings Club FC United
Rovers Wanderers Athletic Lakers Giants Jets Rangers Redskins Warriors Bulls Heat Braves Cubs Agreement Accord
Accords Declaration Protocol Convention Treaty Summit Conference Process Format Council Commission Committee
Department Ministry Police Army Navy Court Tribunal Parliament Senate Assembly Congress Party Movement Front
Foundation Fund Association Society Union League Federation Airlines Airways Air Railway Railways Motors
Energy Oil Gas Telecom Media Television TV Radio Network Tech State Street Avenue Road Boulevard Square Bridge
Tower Center Centre Hall Building Mall Market Fire High Elementary Middle Volunteer Community Board Town City
Township Public Municipal Memorial Regional Area District Mayor Selectman Councilman Sheriff Superintendent
Chamber Parks Recreation Republican Democrat Circuit Lions Rotary Elks
""")
# Words after a name that show it is a place: "a Chapin man", "Dunbar police", "DeKalb residents".
PLACE_NOUNS_AFTER: Final = _words("""
man woman men women resident residents native natives police mayor council officials schools teen teenager
teenagers couple boy girl area
""")
# Words before a name that belong to it ("North Carolina" is matched whole; these qualify others).
NAME_PREFIXES: Final = _words("""
North South East West Northern Southern Eastern Western Central Greater Upper Lower Inner Outer Metro Downtown
Old New Lake Mount Mt Port Fort Ft Saint St San Santa Cape Gulf Bay Isle Rio Los Las El La Le Del Des Al The
""")
# Capitalised words that name no place in news, though a village somewhere bears the name.
NOT_PLACES: Final = _words("""
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
SPEECH_VERBS: Final = _words("""
said says told added asked announced stated explained noted wrote argued insisted replied warned claimed
admitted testified tweeted acknowledged recalled urged vowed denied confirmed
""")
# Demonyms that, alone, mostly name a language.
LANGUAGE_DEMONYMS: Final = frozenset({"English"})
# A common given name or surname alone is a person's, unless a place of this size bears it.
PERSON_NAME_MAX_POPULATION: Final = 40_000
# A one-word place named like a common English word needs a locative unless it is this big.
COMMON_WORD_MAX_POPULATION: Final = 50_000
# A one-word name at the start of a sentence, said nowhere else, is a place only if this big.
SENTENCE_INITIAL_MIN_POPULATION: Final = 100_000
# Words before a name that show it is a place: "in Lincoln", "near Jordan".
LOCATIVES: Final = _words("""
in at from to near outside across into toward towards around between through via throughout inside within over
of off along beyond past and
""")
# What follows an all-caps dateline: "BEIRUT (AP) -", "BAKU, Azerbaijan".
DATELINE_NEXT: Final = (",", " ", "(", "-", "—")
_WORD: Final = re.compile(r"[A-Za-z][A-Za-z'\-\.]*")
# Characters that end a sentence, a clause or a quotation, before a sentence-initial word.
SENTENCE_END_CHARS: Final = frozenset('.!?:;"“”»)]')


@dataclass(slots=True, init=False)
class Span:
    """A recognised place name in a text, before resolution: a plain record, cheap to make."""

    start: int
    end: int
    text: str
    candidates: tuple[tuple[int, int], ...]  # (gazetteer row, name type)
    form: str = "name"
    surface: Surface | None = field(default=None, compare=False, repr=False)

    # Written out rather than made by dataclass, so that mypyc compiles it.
    def __init__(self, start: int, end: int, text: str, candidates: tuple[tuple[int, int], ...], form: str = "name",
                 surface: Surface | None = None) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.candidates = candidates
        self.form = form
        self.surface = surface


class Surface:
    """What a matched text says by itself, before its context is read: its candidates and
    the facts the recognition rules test. Computed once per distinct text and shared."""

    __slots__ = ("group", "text", "candidates", "form", "reject", "one_word", "strong", "largest", "first",
                 "last", "is_word", "upper", "caps_word", "abbrev", "state_abbrev", "plural_demonym", "language",
                 "resolution")

    def __init__(self, gaz: Gazetteer, m: Matcher, group: int, text: str, demonyms: bool) -> None:
        firsts, lasts = personal_names(gaz)
        kinds = gaz.columns["kind"]
        self.group, self.text = group, text
        self.resolution: Any = None
        cands = m.candidates(group)
        if not demonyms:
            cands = tuple(c for c in cands if c[1] != DEMONYM)
        # A name matches either as a demonym or as a place name, never both.
        names = tuple(c for c in cands if c[1] != DEMONYM)
        if names and len(names) < len(cands) and not _strong(gaz, names):
            names = ()  # "Arab", "Ismaili": the demonym, not a village of that name
        self.candidates = names or cands
        self.form = "name" if names else "demonym"
        first = text[:1]
        # Lowercase matches count only as multi-word names of regions ("the West Bank").
        self.reject = not cands or (not (first.isupper() or first.isdigit()) and (
            " " not in text or not all(kinds[r] in PHRASE_KINDS for r, _ in self.candidates)))
        self.one_word = len(text.split()) == 1
        self.strong = _strong(gaz, self.candidates) if cands else False
        self.largest = _largest(gaz, self.candidates) if cands else 0
        self.first, self.last = text in firsts, text in lasts
        self.is_word = self.one_word and text.lower() in common_words(gaz)
        self.upper = text.isupper()
        self.caps_word = self.upper and text.isalpha() and len(text) >= 4  # NATO, FIFA
        self.abbrev = any(t == 2 for _, t in self.candidates)
        self.state_abbrev = (text.count(".") < 2 and bool(self.candidates)
                             and all(t == 2 and kinds[r] == "admin1" for r, t in self.candidates))
        # "Americans", "Mexicans": people, not a place.
        self.plural_demonym = text.endswith("s") and text[:-1].translate(FOLD_TABLE) in m
        self.language = text in LANGUAGE_DEMONYMS
        if self.form == "name" and text in NOT_PLACES:
            self.reject = True
        # "The Bank said", "The Point is": a town's nickname of "The" and a word, never its own name.
        if text[:4] == "The " and all(t == ALIAS and kinds[r] == "city" for r, t in self.candidates):
            self.reject = True


class Matcher:
    """A leftmost-longest Aho-Corasick automaton over the surface forms of every name in a
    gazetteer (daachorse's double array, over UTF-8), and the candidates of each form.

    ``find`` gives group numbers and offsets; ``candidates(g)`` gives the ``(row, name type)``
    pairs of a group. The bundled gazetteer's matcher is built once, with ``shapes/``, into
    ``MATCHER_FILE`` and loaded from it in tens of milliseconds (``load``); ``build`` makes one for any
    gazetteer.

    >>> m = matcher(load_gazetteer())
    >>> [(a, b) for _, a, b in m.find("Talks in Baku and Yerevan")]  # "Tal" too: the rules drop it
    [(0, 3), (9, 13), (18, 25)]
    >>> "Baku" in m, "Baku and Yerevan" in m
    (True, False)
    """

    def __init__(self, automaton: Any, starts: np.ndarray, rows: np.ndarray, types: np.ndarray) -> None:
        self.automaton = automaton  # None when the gazetteer has no names
        self.starts = starts  # group g's candidates are rows[starts[g]:starts[g + 1]]
        self.rows = rows
        self.types = types
        self.surfaces: tuple[dict[str, Surface], dict[str, Surface]] = ({}, {})  # without, with demonyms
        self.known: dict[str, bool] = {}  # word: whether it is a name (_is_known)

    @staticmethod
    def build(gaz: Gazetteer) -> Matcher:
        """Build the matcher of ``gaz`` from its surface forms (about half a second for the bundled one)."""
        import daachorse

        surf = gaz.surface_columns()
        forms = surf["surface"]
        starts = _group_starts(forms)
        keys = forms[starts].tolist()
        # One automaton over every name, lowercase phrases too ("the West Bank"): its pattern
        # numbers are the group numbers, and leftmost-longest is over every name at once.
        automaton = daachorse.DoubleArrayAhoCorasick([k.encode("utf-8") for k in keys],
                                                     daachorse.MATCH_KIND_LEFTMOST_LONGEST) if keys else None
        return Matcher(automaton, np.r_[starts, len(forms)].astype(np.int32), np.asarray(surf["row"], np.int32),
                       np.asarray(surf["type"], np.int8))

    def save(self, path: Path, layers_hash: str, probe: str) -> None:
        """Write this matcher to ``path`` (atomically), keyed by the hash of the layers it was made
        from, with what it finds in ``probe`` (some of its names) to check it when loaded."""
        blob = self.automaton.serialize() if self.automaton is not None else b""
        header = {"format": MATCHER_FORMAT, "layers_hash": layers_hash, "automaton": len(blob),
                  "groups": len(self.starts), "rows": len(self.rows), "probe": probe,
                  "probe_matches": [list(t) for t in self.find(probe)]}
        _write_mapped(path, MATCHER_MAGIC, header, [
            blob + b"\0" * (-len(blob) % 8), np.ascontiguousarray(self.starts, dtype="<i4").tobytes(),
            np.ascontiguousarray(self.rows, dtype="<i4").tobytes(), np.ascontiguousarray(self.types, "i1").tobytes()])

    @staticmethod
    def load(path: Path, layers_hash: str) -> Matcher | None:
        """The matcher saved at ``path``, or None if it is missing, damaged, or made from other layers."""
        import daachorse

        mapped = _open_mapped(path, MATCHER_MAGIC, layers_hash, MATCHER_FORMAT)
        if mapped is None:
            return None
        mm, header, at = mapped
        try:
            n, groups, rows_n = header["automaton"], header["groups"], header["rows"]
            blob = mm[at:at + n]
            at += n + (-n % 8)
            starts = np.frombuffer(mm, dtype="<i4", count=groups, offset=at)
            rows = np.frombuffer(mm, dtype="<i4", count=rows_n, offset=at + 4 * groups)
            types = np.frombuffer(mm, dtype="i1", count=rows_n, offset=at + 4 * (groups + rows_n))
            if len(blob) != n:
                return None
            automaton = daachorse.DoubleArrayAhoCorasick.deserialize(blob) if blob else None
        except (ValueError, KeyError, TypeError):  # truncated, or another daachorse's format
            return None
        m = Matcher(automaton, starts, rows, types)
        # The same matches on a text of its own names, or it is not the matcher it was.
        if [list(t) for t in m.find(header.get("probe", ""))] != header.get("probe_matches"):
            return None
        return m

    def find(self, folded: str) -> list[tuple[int, int, int]]:
        """``(group, start, end)`` of the leftmost-longest matches of a folded text, in order and
        not overlapping."""
        return [(g, a, b) for a, b, g in self.matches(folded)]

    def matches(self, folded: str) -> list[tuple[int, int, int]]:
        """``find`` in the order the automaton gives them, ``(start, end, group)``: for the hot path."""
        if self.automaton is None:
            return []
        data = folded.encode("utf-8")
        found: list[tuple[int, int, int]] = self.automaton.find(data)
        if len(data) == len(folded) or not found:  # ASCII, the usual case: byte offsets are character offsets
            return found
        # Matches start and end on characters (the names are UTF-8 too): a byte offset less the
        # continuation bytes before it is a character offset.
        extra = len(data) - len(folded)
        if extra > MAX_SCANNED_EXTRA:  # mostly non-ASCII text: count every byte, in numpy
            chars = np.r_[0, np.cumsum((np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80)].tolist()
            return [(chars[a], chars[b], g) for a, b, g in found]
        # A few non-ASCII characters (quotes, dashes) in English: the continuation bytes, found
        # one by one in a copy of the text where they alone are b"c".
        marks = data.translate(_CONTINUATION_AS_C)
        cont: list[int] = []
        p = marks.find(b"c")
        while p >= 0:
            cont.append(p)
            p = marks.find(b"c", p + 1)
        # Matches come in text order: one walk along ``cont`` counts the continuation bytes before
        # each offset (what bisect_left would find), stepping back should an offset come earlier.
        out: list[tuple[int, int, int]] = []
        k, nc = 0, len(cont)
        for a, b, g in found:
            while k < nc and cont[k] < a:
                k += 1
            while k > 0 and cont[k - 1] >= a:
                k -= 1
            ka = k
            while k < nc and cont[k] < b:
                k += 1
            while k > 0 and cont[k - 1] >= b:
                k -= 1
            out.append((a - ka, b - k, g))
        return out

    def candidates(self, group: int) -> tuple[tuple[int, int], ...]:
        a, b = self.starts[group], self.starts[group + 1]
        return tuple(zip(self.rows[a:b].tolist(), self.types[a:b].tolist()))

    def surface(self, gaz: Gazetteer, group: int, text: str, demonyms: bool) -> Surface:
        """The shared :class:`Surface` of a matched text."""
        cache = self.surfaces[demonyms]
        s = cache.get(text)
        if s is None or s.group != group:
            if len(cache) >= MAX_SURFACES:
                cache.clear()
            s = cache[text] = Surface(gaz, self, group, text, demonyms)
        return s

    def __contains__(self, surface: str) -> bool:
        try:
            found = self.find(surface)
        except UnicodeEncodeError:  # lone surrogates: no name has them
            return False
        # The leftmost-longest match covers the whole text only if the text is a name.
        return bool(found) and found[0][1] == 0 and found[0][2] == len(surface)


#: Continuation bytes above which ``Matcher.matches`` maps byte offsets in numpy rather than one
#: continuation byte at a time.
MAX_SCANNED_EXTRA: Final = 256
_CONTINUATION_AS_C: Final = bytes(0x63 if 0x80 <= i < 0xC0 else 0x20 for i in range(256))
#: Distinct matched texts whose facts are kept; more and the cache starts again.
MAX_SURFACES: Final = 200_000
#: The prebuilt matcher of a gazetteer folder, written by ``save_matcher`` (scripts/build_shapes.py).
MATCHER_FILE: Final = "index-matcher.bin"
MATCHER_MAGIC: Final = b"geo-matcher\x00\n"  # a NUL byte: git and other tools see a binary file
MATCHER_FORMAT: Final = 3  # 3: byte-wise automaton over UTF-8, in the gazetteer's mapped-file layout


def _probe_text(keys: list[str]) -> str:
    """One name in every thousand: a text to check that a loaded matcher finds what it found when saved."""
    return " , ".join(keys[::1000])


def _load_or_build(gaz: Gazetteer) -> Matcher:
    key = gaz.layers_hash
    if key is None:  # user layers: the folder's matcher lacks their names
        return Matcher.build(gaz)
    path = gaz.folder / MATCHER_FILE
    m = Matcher.load(path, key)
    if m is None:
        m = Matcher.build(gaz)
        if os.access(gaz.folder, os.W_OK):  # an editable install builds it once, then loads it
            with contextlib.suppress(OSError):
                m.save(path, key, _probe_text(_keys(gaz)))
    return m


def save_matcher(gaz: Gazetteer) -> Path:
    """Build the matcher of ``gaz`` and write it into its folder, as scripts/build_shapes.py does."""
    key = gaz.layers_hash
    if key is None:
        raise GazetteerError("a gazetteer with user layers has no prebuilt matcher")
    m = Matcher.build(gaz)
    path = gaz.folder / MATCHER_FILE
    m.save(path, key, _probe_text(_keys(gaz)))
    return path


def _group_starts(forms: np.ndarray) -> np.ndarray:
    """Where each distinct form starts in the sorted surface forms: its group."""
    return np.flatnonzero(np.r_[True, forms[1:] != forms[:-1]])


def _keys(gaz: Gazetteer) -> list[str]:
    """The distinct surface forms of ``gaz``, in group order."""
    forms = gaz.surface_columns()["surface"]
    return forms[_group_starts(forms)].tolist()


def matcher(gaz: Gazetteer) -> Matcher:
    """The matcher over every name of ``gaz``, made once and kept with it: loaded from the
    gazetteer folder's prebuilt ``MATCHER_FILE`` when it was made from the same layers, else
    built (and then saved there, when the folder is writable)."""
    return gaz.derived(_load_or_build)


_ASCII_BYTES: Final = bytes(range(128))


def _fold_text(text: str) -> str:
    """``text`` with letters folded one for one ("Xankəndi" -> "Xankendi"), all-caps words in
    title case ("BEIRUT" -> "Beirut": datelines and headlines), and the same length."""
    if "\x00" in text:
        text = text.replace("\x00", " ")  # the matcher keeps NUL for names that must not match
    if not text.isascii():
        # Its distinct non-ASCII characters: drop the ASCII bytes of its UTF-8 (fast), decode the rest.
        rest = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
        for ch in set(rest):
            folded = FOLD_TABLE.get(ord(ch)) or ("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else None)
            if folded is not None:  # lone surrogates, which cannot be matched, become U+FFFD
                text = text.replace(ch, folded)
    # Runs of four or more capitals: one byte per character, capitals as "A", all else a space.
    caps = text.encode("latin-1", "replace").translate(_CAPITALS_AS_A)
    a = caps.find(b"AAAA")
    if a < 0:
        return text  # the usual case
    parts: list[str] = []
    done, n = 0, len(text)
    run_end = -1  # where the last word made title case ends
    while a >= 0:
        b = caps.find(b" ", a)
        b = n if b < 0 else b
        if not ((a and _is_word_char(text[a - 1])) or (b < n and _is_word_char(text[b]))):  # a whole word
            seg = text[done:a]
            # The short word before it, of the same name: "ST. PAUL", "NEW JERSEY", "ISLE OF PALMS".
            if len(seg) >= 3 and seg[-1] == " ":
                k = len(seg) - 1
                while k > 0 and (seg[k - 1].isalpha() or seg[k - 1] == "."):
                    k -= 1
                word = seg[k:-1]
                at = done + k
                if word in _CAPS_NAME_HEADS and (at == 0 or not (_is_word_char(text[at - 1]) or text[at - 1] == ".")):
                    seg = seg[:k] + word.capitalize() + " "
                elif word == "OF" and at - 1 == run_end:
                    seg = seg[:k] + "of "
            parts += (seg, text[a:b].capitalize())
            done = run_end = b
        a = caps.find(b"AAAA", b)
    return "".join(parts) + text[done:] if parts else text


#: Short words that begin all-caps names, made title case beside a word that is: "ST. PAUL".
_CAPS_NAME_HEADS: Final = frozenset({"NEW", "ST.", "STE.", "FT.", "MT.", "PT.", "SAN", "LOS", "LAS", "EL", "DEL", "DES"})


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


_CAPITALS_AS_A: Final = bytes(0x41 if 0x41 <= i <= 0x5A else 0x20 for i in range(256))


_PREV_REVERSED: Final = re.compile(r"[ \t]*((?:[^\W_]|['.\-])*)")
# What _PREV_REVERSED reads as part of the word, or skips before it, besides letters and digits.
_PREV_WORD_CHARS: Final = "'.-\t"


def _prev_word(text: str, start: int) -> str:
    """The word before ``start`` (spaces and tabs between), without a final full stop."""
    if start >= 2:
        c = text[start - 1]
        if c == " ":  # the usual case first: one space after a plain word
            j = text.rfind(" ", max(0, start - 60), start - 1)
            if j >= 0:
                word = text[j + 1:start - 1]
                if word.isalpha():
                    return word
                last = word[-1:]
                if last and not (last.isalnum() or last in _PREV_WORD_CHARS):
                    return ""  # "said, Baku": no word right before it
        elif not (c.isalnum() or c in _PREV_WORD_CHARS):
            return ""  # "(Baku", a line break
    elif start == 0:
        return ""
    m = _PREV_REVERSED.match(text[max(0, start - 60):start][::-1])
    return m.group(1)[::-1].rstrip(".") if m else ""


def _next_word(text: str, end: int) -> str:
    m = _WORD.match(text, end + 1) if end < len(text) and text[end] == " " else None
    return m.group(0).rstrip(".") if m else ""


def sentence_initial(text: str, start: int) -> bool:
    """True when ``start`` begins a sentence, a line or a quotation."""
    head = text[max(0, start - 4) : start]
    last = head.rstrip()[-1:]
    return not last or last in SENTENCE_END_CHARS or "\n" in head


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
    return gaz.derived(_read_personal_names)


def _read_personal_names(gaz: Gazetteer) -> tuple[frozenset[str], frozenset[str]]:
    import csv
    import gzip
    import io

    path = gaz.folder / "personal-names.csv.gz"
    if not path.exists():
        return frozenset(), frozenset()
    try:
        rows = list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode())))
        return (frozenset(r["name"] for r in rows if float(r["first"]) > 0),
                frozenset(r["name"] for r in rows if float(r["last"]) > 0))
    except (OSError, EOFError, ValueError, KeyError, TypeError) as e:
        raise GazetteerError(f"cannot read gazetteer word list {path}: {e}") from e


def common_words(gaz: Gazetteer) -> frozenset[str]:
    """One-word place names that are also lowercase English words ("most", "reading")."""
    return gaz.derived(_read_common_words)


def _read_common_words(gaz: Gazetteer) -> frozenset[str]:
    import gzip

    path = gaz.folder / "common-words.txt.gz"
    try:
        return frozenset(gzip.decompress(path.read_bytes()).decode().split()) if path.exists() else frozenset()
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise GazetteerError(f"cannot read gazetteer word list {path}: {e}") from e


def find_mentions(text: str, gazetteer: Gazetteer | None = None, *, demonyms: bool = True) -> list[Span]:
    """Spans of ``text`` that name gazetteer places, in text order, not overlapping.

    >>> [s.form for s in find_mentions("Armenian and Azerbaijani talks")]
    ['demonym', 'demonym']
    """
    gaz = gazetteer or load_gazetteer()
    m = matcher(gaz)
    firsts, lasts = personal_names(gaz)
    common_words(gaz)  # read now, so that a damaged word list fails here whatever the text
    if not text:
        return []
    t = _fold_text(text)
    n = len(t)
    spans: list[Span] = []
    persons: set[str] = set()
    lines: dict[int, bool] = {}
    for start, end, group in m.matches(t):
        if (start and t[start - 1].isalnum()) or (end < n and t[end].isalnum()):
            continue  # inside a longer word
        stext = text[start:end]
        surface = m.surface(gaz, group, stext, demonyms)
        if not surface.candidates:
            continue
        prev_end = spans[-1].end if spans else -1
        if not surface.reject and _is_mention(text, start, end, surface, gaz, persons, prev_end, firsts, lasts,
                                              lines):
            spans.append(Span(start, end, stext, surface.candidates, surface.form, surface))
        elif spans and spans[-1].text in persons and text[prev_end:start] == " ":
            spans.pop()
    spans = _drop_name_pairs(text, spans, persons, firsts, lasts, lines)
    if "ounties" in text or "arishes" in text:
        spans = _county_lists(text, spans, gaz)
    return spans


def _is_mention(text: str, start: int, end: int, s: Surface, gaz: Gazetteer, persons: set[str], prev_end: int,
                firsts: frozenset[str], lasts: frozenset[str], lines: dict[int, bool]) -> bool:
    """Apply the rules that tell a place mention from a word that looks like one.

    ``persons`` collects the names found to be people's, so that "Miller added" is not a
    place once "Matthew Miller" was a person. Context is read only where a rule needs it.
    """
    prev = _prev_word(text, start)
    if s.form == "demonym":
        nxt_upper = _next_word(text, end)[:1].isupper()
        if prev in TITLES and nxt_upper:
            return False
        if s.plural_demonym:
            return False  # "Americans", "Mexicans": people, not a place
        return not (s.language and not nxt_upper)  # "in English": the language
    stext, one, strong = s.text, s.one_word, s.strong
    nxt = _next_word(text, end) if one and (s.first or not strong) else ""
    # "Obama said", "Flores told reporters": people speak, small places do not.
    if one and not strong and nxt.lower() in SPEECH_VERBS and prev.lower() not in LOCATIVES \
            and s.largest < SENTENCE_INITIAL_MIN_POPULATION:  # "Liverpool said": the club; not "from Dewsbury said"
        persons.add(stext)
        return False
    initial = sentence_initial(text, start) if s.upper or (one and not strong) else False
    if s.upper and len(stext) >= 4 and (start == 0 or initial) and text[end:end + 1] in DATELINE_NEXT:
        return True  # a dateline: "BEIRUT (AP) -"
    headline = (title_case_line(text, start, lines)
                if (not strong and (s.caps_word or one)) or (one and s.first and nxt in lasts) else False)
    if s.caps_word and not strong and not headline:
        return False  # acronyms: NATO, FIFA
    # Person names: "Foreign Minister Ararat Mirzoyan", "Ani Badalyan", "Matthew Miller".
    if stext in persons and not strong:
        return False
    if prev in TITLES and (prev in TITLE_ABBREVIATIONS or text[start - 2:start] != ". "):  # not "... Judge. Columbus"
        persons.add(stext)
        return False
    if one and s.first and nxt in lasts and not headline:
        persons.add(stext)
        return False  # "Victoria Beckham", "Georgia Davis"
    if nxt[:1].isupper() and nxt not in ORG_HEADS and one and not headline and not strong:
        if (not _is_known(gaz, nxt) or nxt in lasts) and not nxt.isupper() \
                and (nxt in lasts or s.largest < SENTENCE_INITIAL_MIN_POPULATION):
            return False  # "Ani Badalyan"; but "Cambridge Analytica" names a place
    if (one and prev in firsts and prev not in NAME_PREFIXES and not _follows_place(text, prev_end, start)
            and not text[max(0, start - 40):start].rstrip(" \t").endswith(".")):  # not "Shelby. Montana"
        persons.add(stext)
        if prev_end >= 0 and text[prev_end:start] == " ":
            persons.add(prev)  # the given name was taken for a place: "Jordan Henderson"
        return False
    if one and not strong:
        # A word beside it shows a place: "in Lincoln", "Paris, Texas".
        placed = (prev.lower() in LOCATIVES or text[end:end + 2] == ", "
                  or (text[end + 1:end + 2].islower() and _next_word(text, end) in PLACE_NOUNS_AFTER))
        # A common given name or surname standing alone is a person unless a word shows a place.
        if (s.first or s.last) and not placed and s.largest < PERSON_NAME_MAX_POPULATION:
            return False
        # Common words with a capital only because they begin a sentence or a headline word.
        if (initial or headline) and (s.is_word or s.largest < SENTENCE_INITIAL_MIN_POPULATION) \
                and not _mentioned_elsewhere(text, stext, start):
            return False
        # "Faubourg Marigny", "Brands Hatch": after a capitalised word that is no place, no title
        # and no sentence start, a small place's name is part of another name.
        if (not placed and not initial and not headline and prev[:1].isupper() and prev not in NAME_PREFIXES
                and text[start - 1:start] == " " and s.largest < SENTENCE_INITIAL_MIN_POPULATION
                and not sentence_initial(text, start - 1 - len(prev))  # "Yesterday Lewisburg ..."
                and not _is_known(gaz, prev) and not _mentioned_elsewhere(text, stext, start)):
            return False
        # A small place named like a common word ("Chamber", "Force") needs a word that shows a place.
        if s.is_word and not initial and not headline and not placed and s.largest < COMMON_WORD_MAX_POPULATION:
            return False
    if s.upper and len(stext) <= 3 and not s.abbrev:
        return False  # short all-caps tokens are codes unless they are known abbreviations
    # State abbreviations ("Ga.", "Wash.") only as qualifiers: "Atlanta, Ga."; "S.C." anywhere.
    return not (s.state_abbrev and text[max(0, start - 2):start] != ", ")


def _drop_name_pairs(text: str, spans: list[Span], persons: set[str], firsts: frozenset[str],
                     lasts: frozenset[str], lines: dict) -> list[Span]:
    """Two one-word names side by side are a person's: "Jordan Henderson", "Chelsea Clinton"."""
    drop: set[int] = set()
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


# "Becker, Clay and Otter Tail counties": each name of the list is a county's.
_COUNTY_NAME: Final = r"[A-Z][\w'.]*(?:[ -][A-Z][\w'.]*){0,2}"
COUNTY_LIST: Final = re.compile(rf"((?:{_COUNTY_NAME},\s+)*{_COUNTY_NAME},?\s+(?:and|or|&)\s+{_COUNTY_NAME})\s+$")
_COUNTY_WORDS: Final = re.compile(r"\b(counties|parishes)\b", re.I)
_COUNTY_LIST_ITEM: Final = re.compile(_COUNTY_NAME)
_COUNTY_WORD: Final = {"counties": "County", "parishes": "Parish"}


def _county_lists(text: str, spans: list[Span], gaz: Gazetteer) -> list[Span]:
    """Read each name of "Jackson and Barrow counties" as a county ("Jackson County"), in
    place of what else it matched ("Jackson", a city), or of nothing.

    >>> [(s.text, s.candidates != ()) for s in find_mentions("Floods in Becker, Clay and Otter Tail counties.")]
    [('Becker', True), ('Clay', True), ('Otter Tail', True)]
    """
    kinds = gaz.columns["kind"]
    found: list[Span] = []
    for w in _COUNTY_WORDS.finditer(text):
        word = _COUNTY_WORD[w.group(1).lower()]
        offset = max(0, w.start() - 300)  # the list before the word, read in a window of its own
        m = COUNTY_LIST.search(text, offset, w.start())
        if m is None:
            continue
        for item in _COUNTY_LIST_ITEM.finditer(m.group(1)):
            words = item.group(0).split(" ")
            for k in range(len(words)):  # "Small Hitchcock and Hayes counties": the longest name that is one
                name = " ".join(words[k:])
                cands = tuple(c for c in gaz.candidates(f"{name} {word}") if kinds[c[0]] == "admin2")
                if cands:
                    start = m.start(1) + item.end() - len(name)
                    found.append(Span(start, start + len(name), name, cands))
                    break
    if not found:
        return spans
    covered = [(s.start, s.end) for s in found]
    kept = [s for s in spans if not any(a < s.end and s.start < b for a, b in covered)]
    return sorted(kept + found, key=lambda s: s.start)


STRONG_KINDS: Final = ("country", "region", "disputed", "admin1", "corridor", "physical")


def _strong_rows(gaz: Gazetteer) -> tuple[np.ndarray, np.ndarray]:
    """Per gazetteer row: a strong kind (not a city's own unit), and a capital or a city of a million."""
    return gaz.derived(_find_strong_rows)


def _find_strong_rows(gaz: Gazetteer) -> tuple[np.ndarray, np.ndarray]:
    t = gaz.columns
    kind_ok = np.isin(t["kind"].astype(str), STRONG_KINDS) & (t["citylike"] == 0)
    big = (t["population"] >= 1_000_000) | (t["capital"] == 1)  # "Vilnius said": a government
    return kind_ok, big


def _strong(gaz: Gazetteer, cands) -> bool:
    """Some candidate is a country, region, state-level unit, capital or city of a million."""
    kind_ok, big = _strong_rows(gaz)
    return any(big[r] or (kind_ok[r] and typ in (0, 2)) for r, typ in cands)


def _follows_place(text: str, prev_end: int, start: int) -> bool:
    """The word before ``start`` was itself read as a place ("Victoria" in "Victoria Australia")."""
    return prev_end >= 0 and text[prev_end:start].strip() == ""


def _largest(gaz: Gazetteer, candidates: tuple[tuple[int, int], ...]) -> int:
    """The population of the largest candidate that bears the matched text as its own name."""
    pops = gaz.columns["population"]
    own = [int(pops[r]) for r, typ in candidates if typ in (0, 2)]
    return max(own) if own else max(int(pops[r]) for r, _ in candidates)


def _is_known(gaz: Gazetteer, word: str) -> bool:
    m = matcher(gaz)
    known = m.known.get(word)
    if known is None:
        if len(m.known) >= MAX_SURFACES:
            m.known.clear()
        known = m.known[word] = word.translate(FOLD_TABLE) in m
    return known


def _mentioned_elsewhere(text: str, name: str, start: int) -> bool:
    """The same name stands elsewhere in the text as a whole word, not at a sentence start."""
    n, i = len(name), text.find(name)
    while i >= 0:
        j = i + n
        if (i != start and _word_boundary(text, i) and _word_boundary(text, j)
                and not sentence_initial(text, i)):
            return True
        i = text.find(name, i + 1)
    return False


def _word_boundary(text: str, i: int) -> bool:
    """A regex ``\\b`` at ``i``: a word character on one side only."""
    before = i > 0 and _is_word_char(text[i - 1])
    after = i < len(text) and _is_word_char(text[i])
    return before != after
