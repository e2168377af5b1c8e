"""The prebuilt matcher (``shapes/index-matcher.bin``, written by scripts/build_shapes.py) finds
exactly what a matcher built from scratch finds, and geoparse gives the same mentions, places
and scores with either. Always on the project's own passages; on the shared GeoWebNews and LGL
corpora too when ``../shared/eval`` is beside the checkout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import geo
from geo.gazetteer import Gazetteer, load_gazetteer
from geo.mentions import MATCHER_FILE, MATCHER_FORMAT, MATCHER_MAGIC, Matcher, _fold_text, find_mentions, matcher

ROOT = Path(__file__).resolve().parents[1]
PASSAGES = ROOT / "tests" / "data" / "passages.jsonl"
EXAMPLE = ROOT / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"
EVAL = ROOT.parent / "shared" / "eval"


def _texts(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def _corpus(name: str) -> list[str]:
    if name == "passages":
        return [EXAMPLE.read_text(encoding="utf-8"), *_texts(PASSAGES),
                "the West Bankthe West Bank", "seven districtsseven", "BEIRUT (AP) - in the West Bank", "",
                # Characters of two, three and four bytes before names: offsets are characters, not bytes.
                "Xankəndi (Степанакерт) → talks in Baku 🙂 and Yerevan; 東京 and Tōkyō, São Paulo €5 Zürich"]
    path = EVAL / f"{name}.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return _texts(path)


CORPORA = ["passages", pytest.param("geowebnews", marks=pytest.mark.eval), pytest.param("lgl", marks=pytest.mark.eval)]


@pytest.fixture(scope="module")
def prebuilt() -> Matcher:
    gaz = load_gazetteer()
    m = Matcher.load(gaz.folder / MATCHER_FILE, gaz.layers_hash)
    assert m is not None, "shapes/index-matcher.bin is missing or stale: run scripts/build_shapes.py"
    return m


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Gazetteer:
    """A second gazetteer of the same layers whose matcher is built from its names, not loaded:
    its folder has no matcher file, and it is not written there."""
    folder = tmp_path_factory.mktemp("shapes")
    for f in load_gazetteer().folder.iterdir():
        if f.name != MATCHER_FILE:
            (folder / f.name).symlink_to(f)
    gaz = Gazetteer(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "access", lambda path, mode, **kw: False)
        matcher(gaz)
    assert not (folder / MATCHER_FILE).exists()
    return gaz


def test_the_shared_gazetteer_uses_the_prebuilt_matcher(prebuilt) -> None:
    m = matcher(load_gazetteer())
    assert m.rows.tolist() == prebuilt.rows.tolist() and m.starts.tolist() == prebuilt.starts.tolist()


@pytest.mark.parametrize("corpus", CORPORA)
def test_prebuilt_matcher_finds_the_same_spans(corpus, prebuilt, rebuilt) -> None:
    built = matcher(rebuilt)
    assert built is not prebuilt
    assert built.starts.tolist() == prebuilt.starts.tolist()
    assert built.rows.tolist() == prebuilt.rows.tolist() and built.types.tolist() == prebuilt.types.tolist()
    texts = _corpus(corpus)
    found = 0
    for text in texts:
        folded = _fold_text(text)
        got = prebuilt.find(folded)
        assert got == built.find(folded), text[:80]
        found += len(got)
        # And after the rules: the same spans, byte for byte.
        a = [(s.start, s.end, s.text, s.form, s.candidates) for s in find_mentions(text)]
        b = [(s.start, s.end, s.text, s.form, s.candidates) for s in find_mentions(text, rebuilt)]
        assert a == b, text[:80]
    assert found > 3 * len(texts)


@pytest.mark.parametrize("corpus", CORPORA)
def test_geoparse_is_the_same_with_the_prebuilt_matcher(corpus, rebuilt) -> None:
    def rows(doc) -> list[tuple]:
        return [(m.start, m.end, m.text, m.form, m.place.id, m.score, m.qualifier.id if m.qualifier else None)
                for m in doc.mentions]

    n = 0
    for text in _corpus(corpus):
        a, b = rows(geo.geoparse(text)), rows(geo.geoparse(text, gazetteer=rebuilt))
        assert a == b, text[:80]
        n += len(a)
    assert n > 0


def test_a_stale_or_damaged_matcher_file_is_not_loaded(tmp_path, prebuilt) -> None:
    gaz = load_gazetteer()
    src = gaz.folder / MATCHER_FILE
    data = src.read_bytes()
    assert Matcher.load(src, "0" * 32) is None  # made from other layers
    for name, damaged in [("truncated", data[: len(data) // 2]), ("empty", b""), ("not-a-matcher", b"PAR1" + data[4:]),
                          ("other-format", data.replace(f'"format": {MATCHER_FORMAT}'.encode(), b'"format": 99', 1))]:
        path = tmp_path / name
        path.write_bytes(damaged)
        assert Matcher.load(path, gaz.layers_hash) is None, name
    # A matcher whose automaton finds otherwise than when it was saved (another daachorse's format).
    header_end = data.index(b"\n", len(MATCHER_MAGIC)) + 1
    header = json.loads(data[len(MATCHER_MAGIC):header_end])
    header["probe_matches"] = header["probe_matches"][1:]
    path = tmp_path / "probe"
    path.write_bytes(MATCHER_MAGIC + json.dumps(header).encode() + b"\n" + data[header_end:])
    assert Matcher.load(path, gaz.layers_hash) is None
    path.write_bytes(data)
    assert Matcher.load(path, gaz.layers_hash) is not None  # the copy itself loads


def test_a_folder_without_the_matcher_builds_it_once_and_caches_it(tmp_path) -> None:
    """An editable install whose shapes/ lacks the file (or has a stale one) builds it and saves it."""
    folder = load_gazetteer().folder
    for f in folder.iterdir():
        if f.name != MATCHER_FILE:
            (tmp_path / f.name).symlink_to(f)
    (tmp_path / MATCHER_FILE).write_bytes(b"geo-matcher\n{}\n")  # stale: no hash
    gaz = Gazetteer(tmp_path)
    text = "Talks in Baku, Yerevan and the West Bank."
    assert [s.text for s in find_mentions(text, gaz)] == ["Baku", "Yerevan", "the West Bank"]
    saved = Matcher.load(tmp_path / MATCHER_FILE, gaz.layers_hash)
    assert saved is not None
    assert saved.find(_fold_text(text)) == matcher(gaz).find(_fold_text(text))


def test_a_read_only_folder_still_gets_a_matcher(tmp_path, monkeypatch) -> None:
    folder = load_gazetteer().folder
    for f in folder.iterdir():
        if f.name != MATCHER_FILE:
            (tmp_path / f.name).symlink_to(f)
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False)  # as for a user, not root, in site-packages
    gaz = Gazetteer(tmp_path)
    assert [s.text for s in find_mentions("Talks in Baku.", gaz)] == ["Baku"]
    assert not (tmp_path / MATCHER_FILE).exists()


def test_user_layers_get_a_matcher_with_their_names() -> None:
    import geopandas as gpd
    from shapely.geometry import LineString

    route = gpd.GeoDataFrame({"name": ["Zangezur Route Nine", "Baku"]},
                             geometry=[LineString([(45.0, 39.2), (46.4, 39.0)]), LineString([(49.8, 40.4), (49.9, 40.5)])],
                             crs=4326)
    base = load_gazetteer()
    gaz = base.with_layer(route, kind="corridor")
    assert gaz.layers_hash is None and base.layers_hash is not None
    text = "Trucks on the Zangezur Route Nine reached Baku."
    spans = find_mentions(text, gaz)
    assert [s.text for s in spans] == ["Zangezur Route Nine", "Baku"]
    baku = spans[1].candidates
    assert any(gaz.place(r).id.startswith("user:") for r, _ in baku)  # the user's Baku is a candidate too
    assert len(baku) == len([s for s in find_mentions(text) if s.text == "Baku"][0].candidates) + 1
    assert [s.text for s in find_mentions(text)] == ["Baku"]  # the shared gazetteer is unchanged
