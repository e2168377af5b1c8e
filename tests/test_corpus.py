"""Tests of geo.corpus: inputs, bad documents, local and Dask-cluster runs, GeoParquet, the map."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

from geo.cli.corpus import corpus_command
from geo.corpus import (
    MENTION_COLUMNS,
    PLACE_COLUMNS,
    geoparse_corpus,
    mentions_bag,
    mentions_frame,
    plan_partitions,
    summarise_places,
    write_corpus,
)
from geo.errors import InputError, UnknownPlaceError
from geo.maps import aggregate_map

distributed = pytest.importorskip("distributed")

TEXTS = {
    "baku": "Talks in Baku and Yerevan ended without a deal.",
    "paris": "Ministers met in Paris and then in Berlin.",
    "tbilisi": "The delegation flew from Tbilisi to Baku on Monday.",
    "none": "Nothing here names a place at all.",
}


def _write_corpus(folder: Path) -> Path:
    """A small corpus: text files, a Markdown file, JSONL with bad lines, a binary file."""
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(TEXTS["baku"], encoding="utf-8")
    (folder / "b.md").write_text("# Notes\n\n" + TEXTS["paris"], encoding="utf-8")
    (folder / "sub" / "c.txt").write_text(TEXTS["tbilisi"], encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"%PDF-1.7\n\x00\x01\x02 binary")
    (folder / "ignored.csv").write_text("id,text\n1,Baku\n", encoding="utf-8")
    lines = [json.dumps({"id": "j1", "text": TEXTS["baku"]}),
             json.dumps({"id": "j2", "text": 42}),  # not a str
             "{not json",
             json.dumps({"id": "j3"}),  # no text
             json.dumps({"id": 4, "text": TEXTS["none"]}),
             json.dumps({"id": "j5", "text": TEXTS["tbilisi"]})]
    (folder / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return _write_corpus(tmp_path / "corpus")


@pytest.fixture(scope="module")
def cluster():
    """A real Dask scheduler and one threaded worker on 127.0.0.1, in this process (fast)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
                                     dashboard_address=None)
    yield c
    c.close()


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


# -- inputs ---------------------------------------------------------------------------------------
def test_folder_reads_text_markdown_and_jsonl(corpus: Path) -> None:
    gdf = _quiet(geoparse_corpus, corpus, scheduler="synchronous")
    assert list(gdf.columns) == MENTION_COLUMNS + ["geometry"]
    assert gdf.crs.to_epsg() == 4326
    ids = set(gdf["doc_id"])
    assert {str(corpus / "a.txt"), str(corpus / "b.md"), str(corpus / "sub" / "c.txt"), "j1", "j5"} == ids
    assert gdf.attrs["documents"] == 10  # 3 text files, the binary one, 6 JSONL lines
    baku = gdf[gdf["name"] == "Baku"].iloc[0]
    assert baku["country"] == "AZ" and baku["kind"] == "city"
    assert baku.geometry.geom_type == "Point" and 49 < baku.geometry.x < 51


def test_glob_and_single_jsonl(corpus: Path) -> None:
    gdf = _quiet(geoparse_corpus, str(corpus / "**" / "*.txt"), scheduler="synchronous")
    assert set(gdf["doc_id"]) == {str(corpus / "a.txt"), str(corpus / "sub" / "c.txt")}
    assert gdf.attrs["documents"] == 3  # bad.txt is read and skipped
    gdf = _quiet(geoparse_corpus, [corpus / "docs.jsonl"], scheduler="synchronous")
    assert list(dict.fromkeys(gdf["doc_id"])) == ["j1", "j5"]


def test_relative_paths_keep_their_name(corpus: Path, monkeypatch) -> None:
    monkeypatch.chdir(corpus)
    gdf = geoparse_corpus(["a.txt", Path("sub")], scheduler="synchronous")
    assert list(dict.fromkeys(gdf["doc_id"])) == ["a.txt", str(Path("sub") / "c.txt")]


def test_texts_in_python() -> None:
    gdf = geoparse_corpus({"x": TEXTS["baku"], "y": TEXTS["paris"]}, scheduler="synchronous")
    assert gdf.groupby("doc_id")["name"].apply(list).to_dict() == {
        "x": ["Baku", "Yerevan"], "y": ["Paris", "Berlin"]}
    assert gdf[gdf["doc_id"] == "y"]["country"].tolist() == ["FR", "DE"]
    gdf = geoparse_corpus([TEXTS["baku"], ("own-id", TEXTS["tbilisi"])], scheduler="synchronous")
    assert list(dict.fromkeys(gdf["doc_id"])) == ["text-0", "own-id"]


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        geoparse_corpus([tmp_path / "nowhere"], scheduler="synchronous")
    with pytest.raises(InputError, match="no such file"):
        geoparse_corpus(str(tmp_path / "missing.jsonl"), scheduler="synchronous")
    with pytest.raises(InputError, match="no such file"):
        geoparse_corpus(str(tmp_path / "*.txt"), scheduler="synchronous")


def test_empty_corpus() -> None:
    gdf = geoparse_corpus([], scheduler="synchronous")
    assert len(gdf) == 0 and list(gdf.columns) == MENTION_COLUMNS + ["geometry"]
    assert len(summarise_places(gdf)) == 0


# -- bad documents ---------------------------------------------------------------------------------
def test_bad_documents_are_skipped_and_counted(corpus: Path) -> None:
    with pytest.warns(UserWarning, match="skipped 4 of 10 documents"):
        gdf = geoparse_corpus(corpus, scheduler="synchronous")
    reasons = dict(gdf.attrs["skipped"])
    assert set(reasons) == {str(corpus / "bad.txt"), "j2", f"{corpus / 'docs.jsonl'}@{_offset(corpus, 2)}", "j3"}
    assert reasons[str(corpus / "bad.txt")] == f"{corpus / 'bad.txt'} is not a text file: it looks like a PDF document"
    assert reasons["j2"] == "text is int, not str"
    assert reasons["j3"] == "no 'text' field"
    assert len(gdf) > 0  # the good documents are all there


def _offset(corpus: Path, line: int) -> int:
    data = (corpus / "docs.jsonl").read_bytes()
    return sum(len(x) + 1 for x in data.split(b"\n")[:line])


def test_geoparse_exception_is_skipped(monkeypatch) -> None:
    import geo.resolve

    real = geo.resolve.geoparse

    def flaky(text, **kw):
        if "boom" in text:
            raise RuntimeError("parser bug")
        return real(text, **kw)

    monkeypatch.setattr(geo.resolve, "geoparse", flaky)
    with pytest.warns(UserWarning, match="skipped 1 of 2"):
        gdf = geoparse_corpus({"ok": TEXTS["baku"], "bad": "boom in Baku"}, scheduler="synchronous")
    assert gdf.attrs["skipped"] == [("bad", "geoparse failed: RuntimeError: parser bug")]
    with pytest.raises(RuntimeError, match="parser bug"):
        geoparse_corpus({"bad": "boom"}, scheduler="synchronous", on_error="raise")


# -- partitions and Dask ---------------------------------------------------------------------------
def test_jsonl_is_split_at_line_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": f"Talks in Baku, day {i}."}) + "\n"
                            for i in range(40)), encoding="utf-8")
    parts = plan_partitions([path], blocksize=100)
    assert len(parts) > 10
    gdf = geoparse_corpus([path], scheduler="synchronous", blocksize=100)
    assert gdf["doc_id"].tolist() == [f"d{i}" for i in range(40)]
    assert gdf.attrs["documents"] == 40


def test_local_and_cluster_runs_give_identical_rows(corpus: Path, cluster) -> None:
    local = _quiet(geoparse_corpus, corpus, scheduler="synchronous", blocksize=60)
    by_address = _quiet(geoparse_corpus, corpus, scheduler=cluster.scheduler_address, blocksize=60)
    assert_geodataframe_equal(local, by_address)
    with distributed.Client(cluster, set_as_default=False) as client:
        by_client = _quiet(geoparse_corpus, corpus, scheduler=client, blocksize=60)
        # the worker plugin loaded the gazetteer on the worker before the first partition
        plugins = client.run(lambda dask_worker: list(dask_worker.plugins))
        assert all("geo-gazetteer" in p for p in plugins.values())
    assert_geodataframe_equal(local, by_client)
    assert by_address.attrs["skipped"] == local.attrs["skipped"]


@pytest.mark.slow
def test_multiprocess_local_cluster(corpus: Path) -> None:
    local = _quiet(geoparse_corpus, corpus, scheduler="synchronous")
    parallel = _quiet(geoparse_corpus, corpus, workers=2, progress=True)
    assert_geodataframe_equal(local, parallel)
    assert len(parallel.attrs["skipped"]) == 4


def test_a_lost_partition_is_reported(corpus: Path) -> None:
    from geo.corpus import _lost_partition

    [units] = plan_partitions(corpus, blocksize=10**9)
    part = _lost_partition(units, "its worker process died")
    assert len(part.mentions) == 0 and len(part.skipped) == len(units) == 5
    assert part.skipped[0] == (str(corpus / "a.txt"), "partition skipped: its worker process died")
    assert any(name.startswith(str(corpus / "docs.jsonl") + "@0-") for name, _ in part.skipped)


def test_shapes_folder_on_a_cluster(corpus: Path, cluster) -> None:
    from geo.gazetteer import load_gazetteer

    default = _quiet(geoparse_corpus, corpus, scheduler="synchronous")
    named = _quiet(geoparse_corpus, corpus, scheduler=cluster.scheduler_address, shapes=load_gazetteer().folder)
    assert_geodataframe_equal(default, named)
    with pytest.raises(InputError, match="gazetteer folder"):
        geoparse_corpus(corpus, scheduler="synchronous", shapes=corpus / "nowhere")


def test_dask_collections(corpus: Path) -> None:
    local = _quiet(geoparse_corpus, corpus, scheduler="synchronous")
    frame = mentions_frame(corpus, blocksize=60)
    assert frame.npartitions > 1
    df = frame.compute(scheduler="synchronous")
    assert df["doc_id"].tolist() == local["doc_id"].tolist()
    assert df["place_id"].tolist() == local["place_id"].tolist()
    docs = mentions_bag(corpus, blocksize=60).compute(scheduler="synchronous")
    assert len(docs) == 10
    assert sum(d["error"] is not None for d in docs) == 4
    assert sum(len(d["mentions"]) for d in docs) == len(local)


def test_bad_scheduler_arguments(corpus: Path) -> None:
    with pytest.raises(InputError, match="scheduler must be"):
        geoparse_corpus(corpus, scheduler=42)
    with pytest.raises(InputError, match="on_error"):
        geoparse_corpus(corpus, scheduler="synchronous", on_error="ignore")
    with pytest.raises(InputError, match="workers"):
        geoparse_corpus(corpus, workers=0)


# -- GeoParquet and the command ------------------------------------------------------------------------
def test_write_corpus_reads_back_with_geopandas(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "mentions.parquet"
    run = write_corpus(corpus, out, scheduler="synchronous", blocksize=60)
    mentions = gpd.read_parquet(out)
    local = _quiet(geoparse_corpus, corpus, scheduler="synchronous")
    assert_geodataframe_equal(mentions, local, check_dtype=False)
    assert mentions.crs.to_epsg() == 4326
    places = gpd.read_parquet(tmp_path / "out" / "mentions.places.parquet")
    assert list(places.columns) == PLACE_COLUMNS + ["geometry"]
    assert places.crs.to_epsg() == 4326
    baku = places.set_index("name").loc["Baku"]
    assert (baku["mentions"], baku["documents"]) == (4, 4)
    assert places["mentions"].sum() == len(mentions) == run.mentions
    assert run.documents == 10 and len(run.skipped) == 4
    assert_geodataframe_equal(places, summarise_places(local), check_dtype=False)


def test_write_corpus_edge_cases(tmp_path: Path) -> None:
    run = write_corpus([], tmp_path / "empty.parquet", scheduler="synchronous")
    empty = gpd.read_parquet(tmp_path / "empty.parquet")
    assert run.documents == 0 and len(empty) == 0 and list(empty.columns) == MENTION_COLUMNS + ["geometry"]
    assert len(gpd.read_parquet(tmp_path / "empty.places.parquet")) == 0
    with pytest.raises(InputError, match="cannot write"):
        write_corpus(["Talks in Baku."], tmp_path, scheduler="synchronous")
    with pytest.raises(InputError, match="would overwrite"):
        write_corpus(["Talks in Baku."], tmp_path / "m.parquet", places=tmp_path / "m.parquet",
                     scheduler="synchronous")


# -- one way in: the corpus reads files as geo places does -------------------------------------------
def _same_files(folder: Path) -> list[Path]:
    """Files that the two commands used to read differently: cp1252, a BOM, an HTML page."""
    folder.mkdir()
    files = [folder / "cp1252.txt", folder / "bom.txt", folder / "page.html", folder / "plain.md"]
    files[0].write_bytes("Protests in Bogotá and Medellín; the mayor of Bogotá spoke.".encode("cp1252"))
    files[1].write_bytes(b"\xef\xbb\xbf" + b"Talks in Baku and Yerevan.")
    files[2].write_text("<html><head><title>x</title><script>var Paris;</script></head><body><nav>Home</nav>"
                        "<p>Ministers met in <b>Tbilisi</b>.</p><p>Then Berlin.</p></body></html>", encoding="utf-8")
    files[3].write_text("# Notes\n\nKyiv and Lviv.", encoding="utf-8")
    return files


def test_corpus_and_places_give_identical_rows(tmp_path: Path) -> None:
    from geo.cli import main

    files = _same_files(tmp_path / "docs")
    runner = CliRunner()
    result = runner.invoke(main, ["places", *map(str, files), "--format", "json"])
    assert result.exit_code == 0, result.output
    places_rows = sorted((r["file"], r["start"], r["end"], r["place"]["id"])
                         for r in json.loads(result.stdout))
    with pytest.warns(UserWarning, match="cp1252.txt is not UTF-8: read it as Windows-1252"):
        gdf = geoparse_corpus(tmp_path / "docs", scheduler="synchronous")
    corpus_rows = sorted(zip(gdf["doc_id"], gdf["start"], gdf["end"], gdf["place_id"], strict=True))
    assert corpus_rows == places_rows
    assert {Path(d).name for d in gdf["doc_id"]} == {"cp1252.txt", "bom.txt", "page.html", "plain.md"}
    assert "Paris" not in set(gdf["name"])  # the page's script is not article text


def test_corpus_applies_the_size_limit_and_refuses_binary(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "big.txt").write_text("Talks in Baku. " * 1000, encoding="utf-8")  # 15 kB
    (folder / "small.txt").write_text("Talks in Yerevan.", encoding="utf-8")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    lines = [json.dumps({"id": "long", "text": "Talks in Baku. " * 1000}), json.dumps({"id": "short", "text": "Kyiv."}),
             json.dumps({"id": "latin", "text": "x"}).replace('"x"', '"Bogot\\u00e1"')]
    (folder / "docs.jsonl").write_bytes("\n".join(lines).encode() + b"\n" + '{"id": "cp", "text": "Medellín"}'.encode("cp1252"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gdf = geoparse_corpus(folder, scheduler="synchronous", max_bytes="10kB")
    reasons = dict(gdf.attrs["skipped"])
    assert reasons[str(folder / "big.txt")].startswith(f"{folder / 'big.txt'} is 15 kB, over the 10 kB input limit")
    assert reasons[str(folder / "image.txt")].endswith("is not a text file: it looks like a PNG image")
    assert reasons[f"{folder / 'docs.jsonl'}@0"] == "the line is over the 10 kB input limit (see --max-bytes)"
    assert set(gdf["doc_id"]) == {str(folder / "small.txt"), "short", "latin", "cp"}
    assert set(gdf["name"]) == {"Yerevan", "Kyiv", "Bogotá", "Medellín"}
    assert any("is not UTF-8: read it as Windows-1252" in str(w.message) for w in caught)
    # The default limit is geo places' default (10 MB), and 0 means none.
    gdf = _quiet(geoparse_corpus, folder, scheduler="synchronous", max_bytes=0)
    assert "long" in set(gdf["doc_id"]) and str(folder / "big.txt") in set(gdf["doc_id"])
    with pytest.raises(InputError, match="unknown encoding"):
        geoparse_corpus(folder, scheduler="synchronous", encoding="no-such-codec")


def test_command_max_bytes_and_encoding(tmp_path: Path) -> None:
    from geo.cli import main

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "big.txt").write_text("Talks in Baku. " * 1000, encoding="utf-8")
    (folder / "latin.txt").write_bytes("Protests in Bogotá.".encode("latin-1"))
    out = tmp_path / "m.parquet"
    result = CliRunner().invoke(main, ["corpus", str(folder), "-o", str(out), "--max-bytes", "10kB", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"geo: skipped {folder / 'big.txt'}: {folder / 'big.txt'} is 15 kB, over the 10 kB input limit" in result.output
    assert f"geo: warning: {folder / 'latin.txt'} is not UTF-8: read it as Windows-1252" in result.output
    result = CliRunner().invoke(main, ["corpus", str(folder), "-o", str(out), "--encoding", "latin-1",
                                       "--max-bytes", "1MB", "--workers", "1"])
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    assert sorted(gpd.read_parquet(out)["name"]) == ["Baku"] * 1000 + ["Bogotá"]
    result = CliRunner().invoke(main, ["corpus", str(folder), "-o", str(out), "--max-bytes", "lots"])
    assert result.exit_code == 2 and result.output.startswith("geo: error:") and "lots" in result.output


# -- outputs: atomic, never an input ------------------------------------------------------------------
def test_failed_run_leaves_earlier_outputs_untouched(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    import geo.corpus

    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "m.parquet"
    _quiet(write_corpus, corpus, out, scheduler="synchronous")
    before = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    real, calls = geo.corpus._parse_partition, []

    def fails_on_the_third(units, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as a Ctrl-C halfway through would
        return real(units, *args, **kwargs)

    monkeypatch.setattr(geo.corpus, "_parse_partition", fails_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        _quiet(write_corpus, corpus, out, scheduler="synchronous", blocksize=40)
    assert len(calls) == 3
    assert {p.name: p.read_bytes() for p in out.parent.iterdir()} == before  # same files, same bytes, no temp file


def test_killed_run_leaves_earlier_outputs_untouched(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    out = tmp_path / "m.parquet"
    write_corpus(["Talks in Baku."], out, scheduler="synchronous")
    before = out.read_bytes(), (tmp_path / "m.places.parquet").read_bytes()
    script = (
        "import time, geo.corpus as c\n"
        "real = c._parse_partition\n"
        "def slow(*a, **k):\n"
        "    r = real(*a, **k); print('partition', flush=True); time.sleep(60); return r\n"
        "c._parse_partition = slow\n"
        f"c.write_corpus(['Talks in Yerevan.', 'Kyiv.'], {str(out)!r}, scheduler='synchronous', blocksize=1)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "partition"  # it is writing the new files now
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert (out.read_bytes(), (tmp_path / "m.places.parquet").read_bytes()) == before


def test_output_that_is_an_input_is_refused(corpus: Path) -> None:
    from geo.cli import main

    target = corpus / "a.txt"
    before = target.read_bytes()
    result = CliRunner().invoke(main, ["corpus", str(corpus), "-o", str(target)])
    assert result.exit_code == 2 and "it is also an input file" in result.output
    result = CliRunner().invoke(main, ["corpus", str(corpus), "-o", str(corpus / "m.parquet"),
                                       "--places", str(corpus / "docs.jsonl")])
    assert result.exit_code == 2 and "it is also an input file" in result.output
    assert target.read_bytes() == before


def test_command_writes_parquet_and_map(corpus: Path, tmp_path: Path, cluster) -> None:
    out, places, html = tmp_path / "m.parquet", tmp_path / "p.parquet", tmp_path / "map.html"
    result = CliRunner().invoke(corpus_command, [str(corpus / "*.txt"), str(corpus / "docs.jsonl"), "-o", str(out),
                                                 "--places", str(places), "--map", str(html),
                                                 "--scheduler", cluster.scheduler_address])
    assert result.exit_code == 0, result.output
    assert "skipped 4 documents" in result.output
    assert "skipped j2: text is int, not str" in result.output
    assert set(gpd.read_parquet(out)["doc_id"]) == {str(corpus / "a.txt"), "j1", "j5"}
    assert gpd.read_parquet(places)["name"].iloc[0] == "Baku"
    assert html.stat().st_size > 10_000


def test_command_errors(corpus: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(corpus_command, [str(tmp_path / "nowhere"), "-o", str(tmp_path / "m.parquet")])
    assert isinstance(result.exception, InputError)  # the geo group prints it as "geo: error: ..." (exit 2)
    result = runner.invoke(corpus_command, [str(corpus), "-o", str(tmp_path / "m.parquet"), "--workers", "2",
                                            "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "--workers applies to the local cluster" in result.output
    result = runner.invoke(corpus_command, [str(corpus)])
    assert result.exit_code == 2 and "-o" in result.output


def test_group_mounts_command(corpus: Path, tmp_path: Path) -> None:
    cli = pytest.importorskip("geo.cli")
    main = getattr(cli, "main", None)
    if main is None or "corpus" not in getattr(main, "commands", {}):
        pytest.skip("geo.cli does not mount the corpus command yet")
    runner = CliRunner()
    result = runner.invoke(main, ["corpus", str(tmp_path / "nowhere"), "-o", str(tmp_path / "m.parquet")])
    assert result.exit_code == 2
    assert "geo: error:" in result.output and "nowhere" in result.output
    result = runner.invoke(main, ["--shapes", str(tmp_path / "no-shapes"), "corpus", str(corpus), "-o",
                                  str(tmp_path / "m.parquet")])
    assert result.exit_code == 2 and "gazetteer folder" in result.output
    # The group's --shapes reaches the workers: the bundled folder, named, gives the same rows.
    from geo.gazetteer import load_gazetteer

    out = tmp_path / "m.parquet"
    result = runner.invoke(main, ["-q", "--shapes", str(load_gazetteer().folder), "corpus", str(corpus / "a.txt"),
                                  "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert gpd.read_parquet(out)["name"].tolist() == ["Baku", "Yerevan"]
    assert str(out) in result.output.splitlines()


# -- the aggregate map -------------------------------------------------------------------------------
def test_aggregate_map_layers(corpus: Path) -> None:
    gdf = _quiet(geoparse_corpus, corpus, scheduler="synchronous")
    m = aggregate_map(gdf, top=3, title="Test corpus")
    html = m.get_root().render()
    assert "Countries" in html and "Regions (admin-1)" in html and "Most mentioned places" in html
    assert "Test corpus" in html and "mentions (log scale)" in html
    circles = [c for c in m._children.values() if getattr(c, "layer_name", "") == "Most mentioned places"][0]
    names = [f["properties"]["name"] for f in circles.data["features"]]
    assert len(names) == 3 and names[0] == "Baku"
    assert len(html) < 1_500_000


@pytest.mark.browser
def test_aggregate_map_renders_in_browser(request, corpus: Path, tmp_path: Path) -> None:
    try:
        from geo.maps import save_map
    except ImportError:
        pytest.skip("geo.maps (save_map, self-contained HTML) does not exist yet")
    try:
        browser = request.getfixturevalue("browser")
    except pytest.FixtureLookupError:
        pytest.skip("tests/conftest.py provides no 'browser' fixture yet")
    gdf = _quiet(geoparse_corpus, corpus, scheduler="synchronous")
    path = save_map(aggregate_map(gdf, top=3, title="Test corpus"), tmp_path / "aggregate.html")
    if hasattr(browser, "open_html"):  # the helpers of tests/conftest.py
        page = browser.open_html(path)
        assert page.console_errors == []
        assert page.network_requests == []  # self-contained: no tiles, no CDN
        drawn = browser.leaflet_layers()
        assert drawn["maps"] == 1 and drawn["circles"] == 3 and drawn["polygons"] > 200, drawn
    else:  # a plain Selenium WebDriver
        browser.get(Path(path).resolve().as_uri())
        assert browser.execute_script("return typeof L") == "object"
        assert [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"] == []


def test_overrides_in_corpus(tmp_path: Path) -> None:
    texts = {"a": "Storms hit Atlanta and much of Georgia.", "b": "Georgia votes."}
    gdf = geoparse_corpus(texts, scheduler="synchronous", overrides={"Georgia": "country:GE"})
    assert set(gdf.loc[gdf["text"] == "Georgia", "place_id"]) == {"country:GE"}
    with pytest.raises(UnknownPlaceError, match="country:XX"):
        geoparse_corpus(texts, scheduler="synchronous", overrides={"Georgia": "country:XX"})
    house = tmp_path / "house.csv"
    house.write_text("name,place_id\nGeorgia,country:GE\n", encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(texts["a"], encoding="utf-8")
    out = tmp_path / "m.parquet"
    result = CliRunner().invoke(corpus_command, [str(tmp_path / "in"), "-o", str(out), "--overrides", str(house)])
    assert result.exit_code == 0, result.output
    import geopandas

    df = geopandas.read_parquet(out)
    assert set(df.loc[df["text"] == "Georgia", "place_id"]) == {"country:GE"}
    assert df.loc[df["text"] == "Georgia", "geonameid"].tolist() == [614540]  # GeoNames ids travel too
    places = geopandas.read_parquet(out.with_name("m.places.parquet"))
    assert 614540 in places["geonameid"].tolist()


# -- one way out: one function counts mentions per place ------------------------------------------------
def test_document_places_merge_places_and_the_corpus_summary_agree(tmp_path: Path) -> None:
    import pandas as pd

    import geo
    from geo.places import aggregate_places, corpus_summary
    from geo.texts import merge_places

    texts = {"a": "Baku, then Baku. Armenia and Yerevan.", "b": "Baku and Goris; the Azerbaijani side.",
             "c": "Nothing here.", "d": "Goris, Goris and Yerevan."}
    docs = {k: geo.geoparse(t) for k, t in texts.items()}
    merged = merge_places(docs.values()).set_index("id")
    mentions = geoparse_corpus(texts, scheduler="synchronous")
    whole = summarise_places(mentions).set_index("place_id")
    # Counted at once, and counted per document then merged: the same places and counts.
    assert sorted(merged.index) == sorted(whole.index)
    for pid, row in merged.iterrows():
        assert row["mentions"] == whole.loc[pid, "mentions"]
        assert row["mentions"] == sum(d.places.set_index("id")["mentions"].get(pid, 0) for d in docs.values())
        assert sorted(row["texts"]) == sorted(m.text for d in docs.values() for m in d.mentions
                                              if m.place and m.place.id == pid)
        assert whole.loc[pid, "documents"] == sum(any(m.place and m.place.id == pid for m in d.mentions)
                                                  for d in docs.values())
    # Partial summaries of any split of the mention table add up to the summary of the whole.
    df = mentions.drop(columns="geometry").assign(lon=mentions.geometry.x, lat=mentions.geometry.y)
    for cut in range(len(df) + 1):
        halves = [corpus_summary(df.iloc[:cut]), corpus_summary(df.iloc[cut:])]
        again = corpus_summary(pd.concat(halves, ignore_index=True))
        if 0 < cut < len(df) and df["doc_id"].iloc[cut - 1] == df["doc_id"].iloc[cut]:
            continue  # a document split across parts would be counted twice: partitions never do that
        assert again.equals(corpus_summary(df)), cut
    assert aggregate_places(df.iloc[:0]).empty


def test_geoparquet_in_row_groups_is_what_geopandas_writes_at_once(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from geo.io.write import GeoParquetWriter

    texts = {f"d{i}": t for i, t in enumerate(TEXTS.values())} | {"far": "From Lima to Auckland."}
    frame = mentions_frame(texts).compute(scheduler="synchronous")
    sink = GeoParquetWriter(tmp_path / "groups.parquet", MENTION_COLUMNS, types={"start": "int64", "end": "int64", "score": "float64", "geonameid": "int64"}, row_group=2)
    for _, part in frame.groupby("doc_id", sort=False):
        sink.write(gpd.GeoDataFrame(part[MENTION_COLUMNS], geometry=gpd.points_from_xy(part["lon"], part["lat"]), crs=4326))
    sink.close()
    at_once = geoparse_corpus(texts, scheduler="synchronous")
    at_once.to_parquet(tmp_path / "once.parquet", index=False)
    assert pq.ParquetFile(tmp_path / "groups.parquet").metadata.num_row_groups > 1
    meta = [json.loads(pq.ParquetFile(tmp_path / f).metadata.metadata[b"geo"]) for f in ("groups.parquet", "once.parquet")]
    assert meta[0] == meta[1]  # geopandas' own metadata: bbox and geometry types united over the row groups
    assert meta[0]["columns"]["geometry"]["bbox"] == pytest.approx(list(at_once.total_bounds))
    assert_geodataframe_equal(gpd.read_parquet(tmp_path / "groups.parquet"), at_once, check_dtype=False)
