"""Robustness: arbitrary text, hostile files, broken gazetteer data and threads.

Every case ends in a sensible result or a one-line error (``InputError``, ``GazetteerError``,
or ``geo: error: ...`` with exit status 2 from the command), never a traceback, and never a
changed input file.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import threading
import time
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geo
from geo.cli import main
from geo.errors import GazetteerError, InputError
from geo.gazetteer import Gazetteer
from geo.io import InputWarning, decode_text, html_to_text, read_text
from geo.texts import Article, format_mentions, geoparse_text, merge_places

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "shapes"
TEXTS = [ROOT / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt",
         *sorted((ROOT / "notebooks" / "data" / "corpus").glob("*.txt"))]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def key(doc) -> list[tuple]:
    return [(m.start, m.end, m.text, m.form, m.place.id if m.place else None, m.score,
             m.qualifier.id if m.qualifier else None) for m in doc.mentions]


# -- arbitrary text ----------------------------------------------------------------------------
NAMES = ["Baku", "Yerevan", "Paris, Texas", "Washington, DC", "Lachin corridor", "Nagorno-Karabakh", "Armenian",
         "Xankəndi", "Tbilisi", "Georgia", "New York", "the US", "Azerbaijan's"]
ODD = ["\u0301", "\u0308\u0301", "\u200d", "\u200b", "\u202e", "\u202c", "\u2067", "\u00a0", "\ufeff", "\ufffd",
       "\u05e9\u05dc\u05d5\u05dd", "\u0628\u0627\u0643\u0648", "\U0001f44d", "\U0001f1e6\U0001f1ff",
       "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\r\n", "\n\n", "\t", "\x00", "\x1b[31m", "İ", "ß", "ǅ", "’s",
       ", ", ". ", "\ud800", "\udfff", "\udc80Baku"]
any_char = st.one_of(st.characters(), st.characters(categories=["Cs"]), st.characters(categories=["Mn", "Me"]))
pieces = st.one_of(st.sampled_from(NAMES), st.sampled_from(ODD), st.text(any_char, max_size=12),
                   st.sampled_from([" ", " in ", " and ", "The ", ".\n"]))
texts = st.lists(pieces, max_size=30).map("".join)


@FAST
@given(texts)
def test_geoparse_never_raises_and_offsets_hold(text):
    doc = geo.geoparse(text)
    for m in doc.mentions:
        assert text[m.start:m.end] == m.text
        assert 0 <= m.start < m.end <= len(text)
    assert key(geo.geoparse(text)) == key(doc)  # deterministic


@FAST
@given(st.text(any_char, max_size=200))
def test_geoparse_of_pure_noise(text):
    doc = geo.geoparse(text)
    assert all(text[m.start:m.end] == m.text for m in doc.mentions)


@FAST
@given(texts)
def test_formats_never_raise(text):
    article = geoparse_text(text, name="x\udcff.txt")  # a file name that is not valid UTF-8
    for fmt in ("table", "json", "geojson", "csv"):
        assert isinstance(format_mentions([article], fmt), str)


def test_geoparse_is_deterministic_on_real_texts():
    for path in TEXTS:
        text = path.read_text(encoding="utf-8")
        assert key(geo.geoparse(text)) == key(geo.geoparse(text))


def test_geoparse_from_four_threads_on_one_gazetteer():
    """Threads share one fresh gazetteer (its lazy structures are built under contention)."""
    texts = [p.read_text(encoding="utf-8") for p in TEXTS]
    expected = [key(geo.geoparse(t)) for t in texts]
    gaz = Gazetteer()
    barrier = threading.Barrier(4)
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            order = texts[i:] + texts[:i]
            results[i] = [key(geo.geoparse(t, gazetteer=gaz)) for t in order * 2]
        except BaseException as e:  # reported below, in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    for i in range(4):
        assert results[i] == (expected[i:] + expected[:i]) * 2


def test_long_lines_and_long_words():
    text = "word " * 200_000 + "Baku " + "x" * 500_000 + " Yerevan"
    start = time.perf_counter()
    doc = geo.geoparse(text)
    assert [m.text for m in doc.mentions] == ["Baku", "Yerevan"]
    assert time.perf_counter() - start < 20


def test_dense_text_is_geoparsed_in_pieces_with_bounded_cost():
    text = "Baku and Paris, " * 5000  # 10,000 names on one line
    start = time.perf_counter()
    article = geoparse_text(text)
    elapsed = time.perf_counter() - start
    assert len(article.documents) >= 10
    mentions = article.mentions
    assert len(mentions) == 10_000
    assert all(text[m.start:m.end] == m.text for m in mentions)
    assert [m.index for m in mentions] == list(range(len(mentions)))
    places = article.places
    assert places.set_index("name").loc["Baku", "mentions"] == 5000
    assert elapsed < 45


def test_article_of_a_normal_text_is_exactly_geoparse():
    text = TEXTS[0].read_text(encoding="utf-8")
    article = geoparse_text(text)
    assert len(article.documents) == 1
    assert key(article.documents[0]) == key(geo.geoparse(text))
    assert article.places[["id", "mentions"]].values.tolist() == geo.geoparse(text).places[
        ["id", "mentions"]].values.tolist()


def test_long_text_in_pieces_keeps_offsets():
    para = TEXTS[0].read_text(encoding="utf-8")
    text = "\n\n".join([para] * 8)
    article = geoparse_text(text, chunk_chars=5000)
    assert len(article.documents) > 1
    assert all(text[m.start:m.end] == m.text for m in article.mentions)
    per_copy = len(geo.geoparse(para).mentions)
    assert len(article.mentions) == 8 * per_copy
    first = article.places.set_index("name")["first"]
    assert all(text[f:].startswith(t) for f, t in zip(first, article.places["texts"].str[0]))


def test_merge_places_sums_and_keeps_order():
    a, b = geo.geoparse("Baku and Yerevan."), geo.geoparse("Tbilisi and Baku. Baku again.")
    merged = merge_places([a, b])
    assert merged[["name", "mentions"]].values.tolist() == [["Baku", 3], ["Yerevan", 1], ["Tbilisi", 1]]
    assert merged.crs.to_epsg() == 4326
    assert merged.set_index("name").loc["Baku", "texts"] == ["Baku", "Baku", "Baku"]
    assert list(a.places["mentions"]) == [1, 1]  # the inputs are untouched
    assert merge_places([geo.geoparse("")]).empty


# -- hostile bytes ----------------------------------------------------------------------------------
@FAST
@given(st.binary(max_size=3000))
def test_decode_text_returns_text_or_a_one_line_input_error(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        try:
            text = decode_text(data, name="f.txt")
        except InputError as e:
            assert "\n" not in str(e) and str(e).startswith("f.txt")
            return
    assert isinstance(text, str) and "\x00" not in text
    text.encode("utf-8")  # no lone surrogates


@FAST
@given(st.text(st.one_of(st.sampled_from("<>/!?-=\"' &;#abcpdivscript"), st.characters()), max_size=400))
def test_html_to_text_never_raises(html):
    text = html_to_text(html)
    assert isinstance(text, str)


@pytest.mark.parametrize("html", [
    "<div>" * 100_000 + "Talks in Baku" + "</div>" * 100_000,
    "<a" * 200_000,  # html.parser alone takes minutes on these three
    "<?" * 300_000,
    "<!--a>" * 200_000,
    "</a" * 300_000,
    "<p x=\"" + "a" * 2_000_000,
    "<" + "a" * 2_000_000,
    "<![foo[" * 1000,  # html.parser alone raises AssertionError
    "<script>" + "var Baku;" * 100_000,
    "<p>" + "word " * 1_000_000,
    "&#" * 500_000,
])
def test_pathological_html_is_linear(html):
    start = time.perf_counter()
    html_to_text(html)
    assert time.perf_counter() - start < 5


def test_html_structure():
    page = ("<html><head><title>Paris</title><meta charset='utf-8'><style>p{}</style></head><body>"
            "<nav><ul><li>London</li></ul></nav><main><article><header><h1>Talks in Baku</h1></header>"
            "<p>Leaders&nbsp;met in <a href='/x?a=1&b=2'>Yerevan</a>.<br>Then Tbilisi.</p>"
            "<aside>Berlin</aside><footer>By a reporter in Rome</footer></article></main>"
            "<footer>Madrid</footer><script>if (a < b) { x = '</div>'; }</script></body></html>")
    assert html_to_text(page) == "Talks in Baku\n\nLeaders met in Yerevan.\nThen Tbilisi.\n\nBy a reporter in Rome"


def test_html_without_closing_head():
    assert html_to_text("<html><head><title>x</title><body><p>Baku</p>") == "Baku"


def test_encodings(tmp_path):
    text = "Talks in Bogotá, Zürich and Baku — “quoted”."
    for enc in ("utf-8", "utf-8-sig", "utf-16", "utf-32"):
        (tmp_path / "a.txt").write_bytes(text.encode(enc))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert read_text(tmp_path / "a.txt") == text
    (tmp_path / "a.txt").write_bytes(text.encode("cp1252"))
    with pytest.warns(InputWarning, match="not UTF-8: read it as Windows-1252"):
        assert read_text(tmp_path / "a.txt") == text
    (tmp_path / "a.txt").write_bytes("Talks in Bogotá \x81".encode("latin-1"))  # 0x81: not in Windows-1252
    with pytest.warns(InputWarning, match="Latin-1"):
        assert read_text(tmp_path / "a.txt").startswith("Talks in Bogotá")
    (tmp_path / "a.txt").write_bytes(("Baku, Bakı, Xankəndi " * 20).encode() + b"\xff")
    with pytest.warns(InputWarning, match="1 byte sequence is not valid UTF-8"):
        assert read_text(tmp_path / "a.txt").endswith("\ufffd")
    page = "<html><head><meta charset='windows-1251'></head><body><p>Баку</p></body></html>"
    (tmp_path / "a.html").write_bytes(page.encode("cp1251"))
    assert read_text(tmp_path / "a.html") == "Баку"


def test_read_text_never_changes_its_input(tmp_path):
    cases = {"a.txt": b"Baku\x00 and \xe9", "b.html": b"<div>" * 1000 + b"Baku", "c.md": b"# Baku\n",
             "d.txt": b"", "e.bin": bytes(range(256)) * 10}
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        p.chmod(0o444)
        before = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.suppress(InputError):
                read_text(p)
        assert (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) == before


def test_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    p = tmp_path / "big.txt"
    with open(p, "wb") as f:
        f.truncate(20_000_000)  # sparse: 20 MB without writing them
    with pytest.raises(InputError, match=r"big.txt is 20 MB, over the 10 MB input limit; raise it with --max-bytes"):
        read_text(p)
    monkeypatch.setenv("GEO_MAX_BYTES", "30MB")
    with pytest.raises(InputError, match="NUL bytes"):  # now read, and found to be binary
        read_text(p)
    monkeypatch.setenv("GEO_MAX_BYTES", "0")  # no limit
    with pytest.raises(InputError, match="NUL bytes"):
        read_text(p)


def test_fifo_is_read_like_a_pipe(tmp_path):
    import os

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb") as f:
            f.write(b"Talks in Baku. " * 100)

    t = threading.Thread(target=writer)
    t.start()
    try:
        with pytest.raises(InputError, match="more than 1 kB"):
            read_text(fifo, max_bytes=1000)
    finally:
        t.join(timeout=10)


# -- broken gazetteer data ---------------------------------------------------------------------------
@pytest.fixture
def shapes_copy(tmp_path):
    dst = tmp_path / "shapes"
    shutil.copytree(SHAPES, dst)
    return dst


def open_gazetteer(folder: Path, layer: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "the index does not match its layers": expected here
        gaz = Gazetteer(folder)
        gaz.layer(layer)
        _ = gaz.features


@pytest.mark.parametrize("layer", ["city", "country", "region"])
def test_truncated_layer_zip(shapes_copy, layer):
    p = shapes_copy / f"{layer}.shp.zip"
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(GazetteerError, match=f"{layer}.shp.zip"):
        open_gazetteer(shapes_copy, layer)


def test_corrupt_layer_zip(shapes_copy):
    p = shapes_copy / "city.shp.zip"
    data = bytearray(p.read_bytes())
    data[len(data) // 3: len(data) // 3 + 4096] = bytes(range(256)) * 16
    p.write_bytes(bytes(data))
    with pytest.raises(GazetteerError, match="city.shp.zip"):
        open_gazetteer(shapes_copy, "city")


def test_empty_and_missing_layers(shapes_copy):
    (shapes_copy / "region.shp.zip").write_bytes(b"")
    with pytest.raises(GazetteerError, match="region.shp.zip"):
        open_gazetteer(shapes_copy, "region")
    (shapes_copy / "city.shp.zip").unlink()
    with pytest.raises(GazetteerError, match="'city' is missing"):
        open_gazetteer(shapes_copy, "city")


@pytest.mark.parametrize("name", ["index.parquet", "names.csv.gz"])
def test_truncated_index_or_names(shapes_copy, name):
    p = shapes_copy / name
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(GazetteerError, match="index.parquet" if name.startswith("index") else name):
        open_gazetteer(shapes_copy, "city")


def unzip_layer(folder: Path, layer: str) -> None:
    z = folder / f"{layer}.shp.zip"
    with zipfile.ZipFile(z) as f:
        f.extractall(folder)
    z.unlink()


def test_unzipped_layer_with_truncated_shx(shapes_copy):
    unzip_layer(shapes_copy, "disputed")
    p = shapes_copy / "disputed.shx"
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(GazetteerError, match="disputed.shp"):
        open_gazetteer(shapes_copy, "disputed")


@pytest.mark.parametrize("ext", ["dbf", "shp"])
def test_unzipped_layer_with_truncated_dbf_or_shp(shapes_copy, ext):
    unzip_layer(shapes_copy, "disputed")
    p = shapes_copy / f"disputed.{ext}"
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(GazetteerError, match="disputed"):
        open_gazetteer(shapes_copy, "disputed")


@pytest.mark.parametrize("name", ["personal-names.csv.gz", "common-words.txt.gz"])
def test_truncated_word_lists(shapes_copy, name):
    p = shapes_copy / name
    if not p.exists():
        pytest.skip(f"{name} is not in this gazetteer")
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(GazetteerError, match=name), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        geo.geoparse("Talks in Baku.", gazetteer=Gazetteer(shapes_copy))


def test_command_reports_a_broken_gazetteer_in_one_line(shapes_copy, tmp_path):
    p = shapes_copy / "city.shp.zip"
    p.write_bytes(p.read_bytes()[:1000])
    story = tmp_path / "story.txt"
    story.write_text("Talks in Baku.", encoding="utf-8")
    r = CliRunner().invoke(main, ["--shapes", str(shapes_copy), "places", str(story)])
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert lines[-1].startswith("geo: error: cannot read gazetteer layer") and "city.shp.zip" in lines[-1]
    assert all(line.startswith("geo: ") for line in lines)  # the stale-index warning, then the error
    r = CliRunner().invoke(main, ["places", str(story)], env={"GEO_SHAPES": str(shapes_copy)})
    assert r.exit_code == 2 and "city.shp.zip" in r.stderr


def test_command_reports_a_truncated_word_list_in_one_line(shapes_copy, tmp_path):
    p = shapes_copy / "common-words.txt.gz"
    if not p.exists():
        pytest.skip("no common-words.txt.gz in this gazetteer")
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    story = tmp_path / "story.txt"
    story.write_text("Talks in Baku.", encoding="utf-8")
    r = CliRunner().invoke(main, ["--shapes", str(shapes_copy), "places", str(story)])
    assert r.exit_code in (1, 2)  # 1 while the EOFError above is not a GazetteerError
    last = r.stderr.splitlines()[-1]
    assert last.startswith("geo: error: ") and "interrupted" not in last and "Traceback" not in r.stderr


def test_command_with_another_gazetteer_folder(shapes_copy, tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("Talks in Baku.", encoding="utf-8")
    r = CliRunner().invoke(main, ["--shapes", str(shapes_copy), "places", str(story), "-f", "csv"])
    assert r.exit_code == 0, r.stderr
    assert "city:587084" in r.stdout


# -- a user's layer with invalid geometries ------------------------------------------------------------
@pytest.fixture(scope="module")
def bowtie_gazetteer():
    import geopandas as gpd
    from shapely.geometry import Polygon

    bowtie = Polygon([(44.0, 40.0), (46.0, 42.0), (46.0, 40.0), (44.0, 42.0), (44.0, 40.0)])  # self-intersecting
    assert not bowtie.is_valid
    gdf = gpd.GeoDataFrame({"name": ["Zangezur Bowtie", "Nothing Here"]}, geometry=[bowtie, Polygon()], crs=4326)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        gaz = geo.load_gazetteer().with_layer(gdf, kind="region")
        places = gaz.user_places("user:region")
    assert any("dropped 1" in str(x.message) for x in w)  # the empty polygon
    return gaz, places


def test_invalid_user_geometry_is_repaired(bowtie_gazetteer):
    gaz, places = bowtie_gazetteer
    [place] = places
    assert place.geometry.is_valid and not place.geometry.is_empty
    assert 40.0 <= place.lat <= 42.0 and 44.0 <= place.lon <= 46.0
    doc = geo.geoparse("The Zangezur Bowtie and Baku.", gazetteer=gaz)
    assert [m.place.name for m in doc.mentions] == ["Zangezur Bowtie", "Baku"]
    assert gaz.layer("user:region").geometry.is_valid.all()
    assert doc.to_geojson().startswith('{"type": "FeatureCollection"')


def test_invalid_user_geometry_is_mapped(bowtie_gazetteer, tmp_path):
    maps = pytest.importorskip("geo.maps")
    gaz, _ = bowtie_gazetteer
    doc = geo.geoparse("The Zangezur Bowtie and Baku.", gazetteer=gaz)
    out = maps.save_map(maps.map_places(doc), tmp_path / "bowtie.html")
    assert "Zangezur Bowtie" in out.read_text(encoding="utf-8")


def test_geoparse_text_returns_an_article():
    import geo.texts

    article = geoparse_text("Talks in Baku.", name="a.txt")
    assert isinstance(article, Article) and "Article" in geo.texts.__all__
    assert (article.name, [m.text for m in article.mentions]) == ("a.txt", ["Baku"])
