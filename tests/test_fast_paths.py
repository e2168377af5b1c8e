"""The geoparser's shortcuts give what the plain definitions they replace give.

Each shortcut skips work on the hot path (issue 16's throughput); the outputs on the corpora
are compared in tests/test_mentions_prebuilt.py and tests/test_compiled.py, these check the
shortcuts themselves on the cases they treat apart.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import pickle
import random

import pytest

from geo.gazetteer import load_gazetteer
from geo.mentions import _PREV_REVERSED, MAX_SCANNED_EXTRA, _fold_text, _prev_word, matcher
from geo.resolve import (
    _SENTENCE_END,
    Mention,
    _bisect_left,
    _bisect_right,
    _bisect_right_int,
    _mention,
    _MentionSlots,
    _round4,
    _sentences,
)


def _prev_word_by_regex(text: str, start: int) -> str:
    """The word before ``start`` as its definition reads it: the regex over the reversed text."""
    m = _PREV_REVERSED.match(text[max(0, start - 60):start][::-1])
    return m.group(1)[::-1].rstrip(".") if m else ""


@pytest.mark.parametrize("text", [
    "Talks in Baku, said U.S. officials in\tYerevan (Tbilisi) and “Kyiv”.",
    "Minister.  Baku x_ Baku 12 Baku 3,4 Baku ab-  Baku ’Baku \t Baku e\u0301 Baku",
    "\nBaku\n\nYerevan-Baku O'Neill Baku Sankt-Peterburg, Москва Baku",
])
def test_prev_word_is_the_regex_reading_at_every_offset(text: str) -> None:
    for start in range(len(text) + 1):
        assert _prev_word(text, start) == _prev_word_by_regex(text, start), (text[:start][-15:], start)


def test_round4_is_round_to_four_places() -> None:
    rng = random.Random(16)
    values = [rng.random() for _ in range(20_000)]
    values += [1.0 / (1.0 + math.exp(-m / 100.0)) for m in range(-2000, 2000)]  # confidences
    values += [k / 10_000 + d for k in range(0, 10_001, 7) for d in (0.0, 5e-5, -5e-5, 4.9999e-5, 5.0001e-5)]
    values += [0.0, 1.0, 5e-5, 1.5e-4, 2.5e-4, 0.99995]
    for x in values:
        assert _round4(x) == round(x, 4), x
        assert math.copysign(1.0, _round4(x)) == math.copysign(1.0, round(x, 4)), x


@pytest.mark.parametrize("text", [
    "Talks in Baku and Yerevan.",  # ASCII
    "“Baku” — Yerevan’s talks in Tbilisi 😀 and Stepanakert/Xankəndi, Москва",  # a few non-ASCII characters
    "Москва и Київ " * 40 + "then Baku and 北京 " * 3 + "Yerevan",  # more than MAX_SCANNED_EXTRA of them
])
def test_matches_are_character_offsets(text: str) -> None:
    m = matcher(load_gazetteer())
    folded = _fold_text(text)
    data = folded.encode("utf-8")
    found = m.automaton.find(data)
    assert found
    # The character offset of a byte offset is the length of the text those bytes decode to.
    expected = [(len(data[:a].decode()), len(data[:b].decode()), g) for a, b, g in found]
    assert m.matches(folded) == expected
    assert m.find(folded) == [(g, a, b) for a, b, g in expected]
    assert (len(data) - len(folded) > MAX_SCANNED_EXTRA) == (text.startswith("Москва"))


def test_sentences_until_an_offset_are_the_first_of_all() -> None:
    text = ("Talks in Baku. “Then Yerevan.” He said: no!\n\nNew York (AP) — U.S. officials met in Paris. "
            "2024 was the year?  Yes. the end.\u3000Then 3.5 km.) (Baku)! ‘Quote’? x.\u2029Z ends.")
    every = _sentences(text)
    assert len(every) > 5
    # The definition: the ends of the pattern's matches, left to right.
    assert every == [0, *[m.end() for m in _SENTENCE_END.finditer(text)]]
    for until in range(len(text) + 1):
        some = _sentences(text, until)
        later = [s for s in every if s > until]
        # Every start up to ``until`` and the first one after it (which ends the last sentence needed).
        assert some == [s for s in every if s <= until] + later[:1], until


def test_a_fast_mention_is_a_mention() -> None:
    """``_mention`` (a slotted twin given Mention's class) makes what ``Mention(...)`` makes."""
    assert _MentionSlots.__slots__ == Mention.__slots__
    place = load_gazetteer().place("country:AZ")
    for args in [(9, 13, "Baku", "name", place, "Talks in Baku.", 0.9526, None, 0),
                 (0, 11, "Azerbaijani", "demonym", None, "Azerbaijani talks.", 1.0, place, 3)]:
        made, fast = Mention(*args), _mention(*args)
        assert type(fast) is Mention and isinstance(fast, Mention)
        assert fast == made and hash(fast) == hash(made) and repr(fast) == repr(made)
        assert [getattr(fast, f.name) for f in dataclasses.fields(Mention)] == list(args)
        assert pickle.loads(pickle.dumps(fast)) == made
        assert dataclasses.replace(fast, index=7) == dataclasses.replace(made, index=7)
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.start = 1  # type: ignore[misc]


def test_bisects_are_the_bisect_modules() -> None:
    rng = random.Random(16)
    for n in (0, 1, 2, 3, 8, 50):
        a = sorted(rng.choice([rng.uniform(-1.0, 1.0), 0.25, -0.5]) for _ in range(n))
        for x in [*a, *(v + 1e-12 for v in a), *(v - 1e-12 for v in a), -2.0, 2.0, 0.25, 0.0]:
            assert _bisect_left(a, x) == bisect.bisect_left(a, x), (a, x)
            assert _bisect_right(a, x) == bisect.bisect_right(a, x), (a, x)
    for n in (0, 1, 2, 5, 40):
        a = sorted(rng.randrange(0, 30) for _ in range(n))
        for x in range(-2, 33):
            assert _bisect_right_int(a, x) == bisect.bisect_right(a, x), (a, x)
