"""The ``geo`` command: each command and format, and every error as one line with exit status 2.

Most tests run the command in-process with click's CliRunner; a few run the installed
``.venv/bin/geo`` for real, to prove that no traceback ever reaches a terminal.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import geo
from geo import cli
from geo.cli import main

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"
GEO = Path(sys.executable).with_name("geo")
HTML = """<!DOCTYPE html><html><head><title>Site name</title><script>var Paris = 1;</script>
<style>.Berlin {}</style></head><body><header><nav>Home | London | Tokyo</nav></header>
<article><header><h1>Talks in Baku</h1></header><p>Leaders met in <b>Yerevan</b> &amp; Tbilisi.</p></article>
<footer>Copyright Madrid</footer></body></html>"""


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty current folder with the example article in it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "story.txt").write_bytes(ARTICLE.read_bytes())
    return tmp_path


def run(runner, *args, input=None, env=None):
    r = runner.invoke(main, [str(a) for a in args], input=input, env=env, catch_exceptions=False)
    assert "Traceback" not in r.stdout + r.stderr
    return r


def listing(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_input_error(r, *words: str) -> None:
    """Exit 2, nothing on stdout, one line ``geo: error: ...`` naming ``words``."""
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("geo: error: ")
    for w in words:
        assert w in lines[0], lines[0]


# -- help and version --------------------------------------------------------------------------
@pytest.mark.parametrize("args", [["--help"], ["-h"], ["map", "--help"], ["places", "--help"]])
def test_help(runner, args):
    r = run(runner, *args)
    assert r.exit_code == 0
    assert "Usage: geo" in r.stdout


def test_help_documents_the_choices(runner):
    text = run(runner, "map", "--help").stdout + run(runner, "places", "--help").stdout
    for word in ("--max-bytes", "GEO_MAX_BYTES", "--encoding", "--progress", "empty", "no places", "-o, --output",
                 "--tiles", "--title", "--format", "geojson", "csv"):
        assert word in text, word
    assert "--shapes" in run(runner, "--help").stdout


def test_version(runner):
    r = run(runner, "--version")
    assert r.exit_code == 0
    assert r.stdout.strip() == f"geo {geo.__version__}"


def test_no_command_shows_help(runner):
    r = run(runner)
    assert r.exit_code == 2
    assert "Commands:" in r.stderr and "map" in r.stderr


def test_corpus_command_is_hooked_in():
    from geo.cli.corpus import corpus_command

    assert main.commands["corpus"] is corpus_command


def test_only_the_command_line_imports_click():
    import grimp

    graph = grimp.build_graph("geo", "click")
    importers = {m for m in graph.find_modules_that_directly_import("click")}
    assert importers and all(m.startswith("geo.cli") for m in importers), sorted(importers)
# -- geo places ---------------------------------------------------------------------------------
def test_places_table(runner, workdir):
    r = run(runner, "places", "story.txt")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["start", "end", "text", "form", "place", "kind", "country", "lat", "lon", "id"]
    assert any(" Baku " in line and "AZ" in line for line in lines)
    assert any("Lachin corridor" in line and "corridor" in line for line in lines)
    # aligned: every row's "kind" column starts where the header's does
    col = lines[0].index("kind")
    assert all(line[col - 2:col] == "  " for line in lines[1:])
    assert r.stderr == ""


def test_places_json_offsets_point_into_the_file(runner, workdir):
    r = run(runner, "places", "story.txt", "--format", "json")
    assert r.exit_code == 0
    mentions = json.loads(r.stdout)
    text = ARTICLE.read_text(encoding="utf-8")
    assert len(mentions) > 20
    for m in mentions:
        assert set(m) >= {"file", "start", "end", "text", "form", "place"}
        assert m["file"] == "story.txt"
        assert text[m["start"]:m["end"]] == m["text"]
        assert set(m["place"]) == {"id", "name", "kind", "country", "geonameid", "lat", "lon"}
    assert {"Baku", "Yerevan", "Lachin corridor"} <= {m["place"]["name"] for m in mentions}


def test_places_csv_has_a_row_per_mention(runner, workdir):
    as_json = json.loads(run(runner, "places", "story.txt", "-f", "json").stdout)
    r = run(runner, "places", "story.txt", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == len(as_json)
    assert list(rows[0]) == ["file", "start", "end", "text", "form", "place_id", "place", "kind", "country",
                             "geonameid", "lat", "lon", "score"]
    assert [(int(x["start"]), x["place_id"]) for x in rows] == [(m["start"], m["place"]["id"]) for m in as_json]


def test_places_geojson(runner, workdir):
    r = run(runner, "places", "story.txt", "-f", "geojson")
    fc = json.loads(r.stdout)
    assert fc["type"] == "FeatureCollection"
    ids = [f["id"] for f in fc["features"]]
    assert len(ids) == len(set(ids))
    n = len(json.loads(run(runner, "places", "story.txt", "-f", "json").stdout))
    assert sum(f["properties"]["mentions"] for f in fc["features"]) == n
    kinds = {f["properties"]["kind"]: f["geometry"]["type"] for f in fc["features"]}
    assert kinds["city"] == "Point" and kinds["corridor"] in ("LineString", "MultiLineString")


def test_several_files_are_merged(runner, workdir):
    (workdir / "b.txt").write_text("Baku replied from Baku.", encoding="utf-8")
    one = {f["id"]: f["properties"]["mentions"]
           for f in json.loads(run(runner, "places", "story.txt", "-f", "geojson").stdout)["features"]}
    both = {f["id"]: f["properties"]["mentions"]
            for f in json.loads(run(runner, "places", "story.txt", "b.txt", "-f", "geojson").stdout)["features"]}
    assert both["city:587084"] == one["city:587084"] + 2
    assert set(both) == set(one)
    table = run(runner, "places", "story.txt", "b.txt").stdout.splitlines()
    assert table[0].split()[0] == "file"
    assert table[-1].startswith("b.txt ")


def test_standard_input(runner, workdir):
    r = run(runner, "places", "-", "-f", "json", input="Talks in Baku and Yerevan.")
    assert [(m["file"], m["text"]) for m in json.loads(r.stdout)] == [("-", "Baku"), ("-", "Yerevan")]
    r = run(runner, "places", "-", "-f", "json", input=HTML.encode("utf-8"))  # HTML is recognised
    assert [m["text"] for m in json.loads(r.stdout)] == ["Baku", "Yerevan", "Tbilisi"]


def test_html_article(runner, workdir):
    (workdir / "page.html").write_text(HTML, encoding="utf-8")
    r = run(runner, "places", "page.html", "-f", "json")
    assert r.exit_code == 0
    assert [m["text"] for m in json.loads(r.stdout)] == ["Baku", "Yerevan", "Tbilisi"]  # no nav, script, footer


def test_markdown_is_read_as_text(runner, workdir):
    (workdir / "notes.md").write_text("# Baku\n\n*Talks* in [Yerevan](https://example.org).\n", encoding="utf-8")
    r = run(runner, "places", "notes.md", "-f", "json")
    assert [m["text"] for m in json.loads(r.stdout)] == ["Baku", "Yerevan"]


def test_places_output_file_is_written_atomically(runner, workdir):
    r = run(runner, "places", "story.txt", "-f", "geojson", "-o", "places.geojson")
    assert r.exit_code == 0
    assert r.stdout == ""
    assert json.loads((workdir / "places.geojson").read_text())["type"] == "FeatureCollection"
    assert sorted(p.name for p in workdir.iterdir()) == ["places.geojson", "story.txt"]  # no temporary file left


def test_empty_file(runner, workdir):
    (workdir / "empty.txt").write_bytes(b"")
    r = run(runner, "places", "empty.txt")
    assert r.exit_code == 0
    assert r.stdout.strip() == "no places found"
    assert r.stderr.startswith("geo: warning: empty.txt has no text")
    assert json.loads(run(runner, "places", "empty.txt", "-f", "json").stdout) == []
    assert json.loads(run(runner, "places", "empty.txt", "-f", "geojson").stdout)["features"] == []
    assert run(runner, "places", "empty.txt", "-f", "csv").stdout.startswith("file,start,end")
    r = run(runner, "-q", "places", "empty.txt")
    assert r.exit_code == 0 and r.stderr == ""


def test_non_utf8_text_is_read_with_a_warning(runner, workdir):
    (workdir / "latin.txt").write_bytes("Talks in Bogotá and Baku – “quoted”.".encode("cp1252"))
    r = run(runner, "places", "latin.txt", "-f", "json")
    assert r.exit_code == 0
    assert [m["text"] for m in json.loads(r.stdout)] == ["Bogotá", "Baku"]
    assert r.stderr == "geo: warning: latin.txt is not UTF-8: read it as Windows-1252\n"
    r = run(runner, "places", "latin.txt", "--encoding", "latin-1", "-f", "json")
    assert r.stderr == "" and json.loads(r.stdout)[0]["text"] == "Bogotá"


def test_nul_bytes_are_removed_with_a_warning(runner, workdir):
    (workdir / "nul.txt").write_bytes(b"Talks in Baku\x00 and\x00 Yerevan.")
    r = run(runner, "places", "nul.txt", "-f", "json")
    assert r.exit_code == 0
    assert [m["text"] for m in json.loads(r.stdout)] == ["Baku", "Yerevan"]
    assert r.stderr == "geo: warning: nul.txt: removed 2 NUL bytes\n"


def test_verbose_and_quiet(runner, workdir):
    r = run(runner, "-v", "places", "story.txt")
    assert r.exit_code == 0
    assert f"geo: story.txt: {len(ARTICLE.read_text(encoding='utf-8'))} characters" in r.stderr
    (workdir / "latin.txt").write_bytes("Bogotá".encode("cp1252"))
    assert run(runner, "-q", "places", "latin.txt").stderr == ""


def test_progress_bar(runner, workdir):
    files = []
    for i in range(4):
        (workdir / f"{i}.txt").write_text("Talks in Baku.", encoding="utf-8")
        files.append(f"{i}.txt")
    assert run(runner, "places", *files).stderr == ""  # standard error is not a terminal here
    r = run(runner, "places", *files, "--progress")
    assert r.exit_code == 0 and "geoparsing" in r.stderr and "/4" in r.stderr
    assert run(runner, "places", *files, "--no-progress").stderr == ""


# -- geo map ------------------------------------------------------------------------------------
def test_map_writes_map_html_in_the_current_folder(runner, workdir):
    before = listing(workdir)
    r = run(runner, "map", "story.txt")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "map.html"
    page = (workdir / "map.html").read_text(encoding="utf-8")
    assert "<html" in page.lower() and "Lachin corridor" in page and "Yerevan" in page
    after = listing(workdir)
    assert after.pop("map.html") and after == before  # the input is unchanged, nothing else written


def test_map_of_several_files_with_options(runner, workdir):
    (workdir / "b.txt").write_text("Protests in Tbilisi.", encoding="utf-8")
    (workdir / "out").mkdir()
    r = run(runner, "map", "story.txt", "b.txt", "-o", "out/caucasus.html", "--title", "South Caucasus <talks>")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == os.path.join("out", "caucasus.html")
    page = (workdir / "out" / "caucasus.html").read_text(encoding="utf-8")
    assert "Tbilisi" in page and "Baku" in page
    assert "South Caucasus &lt;talks&gt;" in page and "South Caucasus <talks>" not in page


def test_map_of_an_empty_file(runner, workdir):
    (workdir / "empty.txt").write_bytes(b"")
    r = run(runner, "map", "empty.txt", "-o", "empty.html")
    assert r.exit_code == 0
    assert r.stdout.strip() == "empty.html"
    assert "geo: warning: no places found; the map is empty" in r.stderr
    assert "No places were found" in (workdir / "empty.html").read_text(encoding="utf-8")


def test_map_from_standard_input(runner, workdir):
    r = run(runner, "map", "-", "-o", "stdin.html", input="Talks in Baku.")
    assert r.exit_code == 0
    assert "Baku" in (workdir / "stdin.html").read_text(encoding="utf-8")


def test_map_unknown_tiles(runner, workdir):
    r = run(runner, "map", "story.txt", "--tiles", "NoSuchTiles")
    assert_input_error(r, "NoSuchTiles")
    assert not (workdir / "map.html").exists()


# -- errors: each one line on standard error, exit 2, nothing written ---------------------------------
@pytest.mark.parametrize("command", ["map", "places"])
def test_missing_file(runner, workdir, command):
    before = listing(workdir)
    assert_input_error(run(runner, command, "story.txt", "nope.txt"), "nope.txt", "no such file")
    assert listing(workdir) == before


def test_bad_paths_fail_before_any_work(runner, workdir, monkeypatch):
    calls = []
    monkeypatch.setattr("geo.texts.geoparse_text", lambda *a, **k: calls.append(a))
    assert_input_error(run(runner, "map", "story.txt", "story.txt", "nope.txt"), "nope.txt: no such file")
    assert calls == []


@pytest.mark.parametrize("command", ["map", "places"])
def test_folder_instead_of_a_file(runner, workdir, command):
    (workdir / "folder").mkdir()
    assert_input_error(run(runner, command, "folder"), "folder is a folder, not a file")
    assert not (workdir / "map.html").exists()


@pytest.mark.parametrize("command", ["map", "places"])
def test_binary_file(runner, workdir, command):
    (workdir / "story.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256)))
    assert_input_error(run(runner, command, "story.pdf"), "story.pdf", "not a text file", "PDF")
    (workdir / "random.txt").write_bytes(bytes(range(256)) * 40)
    assert_input_error(run(runner, command, "random.txt"), "random.txt", "not a text file")
    (workdir / "utf16.txt").write_bytes("Talks in Baku.".encode("utf-16-le"))  # no BOM: mostly NUL
    assert_input_error(run(runner, command, "utf16.txt"), "NUL bytes", "UTF-16")
    assert not (workdir / "map.html").exists()


def test_unreadable_file(runner, workdir, monkeypatch):
    real_open = open

    def deny(path, *args, **kwargs):
        if str(path).endswith("secret.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    (workdir / "secret.txt").write_text("Talks in Baku.", encoding="utf-8")
    monkeypatch.setattr("builtins.open", deny)
    assert_input_error(run(runner, "places", "secret.txt"), "secret.txt: permission denied")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_chmod(runner, workdir):
    p = workdir / "secret.txt"
    p.write_text("Talks in Baku.", encoding="utf-8")
    p.chmod(0)
    try:
        assert_input_error(run(runner, "places", "secret.txt"), "secret.txt: permission denied")
    finally:
        p.chmod(0o644)


def test_output_folder_missing(runner, workdir):
    before = listing(workdir)
    assert_input_error(run(runner, "map", "story.txt", "-o", "no/such/map.html"), "folder no/such does not exist")
    assert_input_error(run(runner, "places", "story.txt", "-o", "no/such/p.json"), "folder no/such does not exist")
    assert listing(workdir) == before and not (workdir / "no").exists()


def test_output_is_a_folder(runner, workdir):
    (workdir / "out").mkdir()
    assert_input_error(run(runner, "map", "story.txt", "-o", "out"), "out", "folder")


@pytest.mark.parametrize("command", ["map", "places"])
def test_output_equal_to_an_input_is_refused(runner, workdir, command):
    before = listing(workdir)
    os.link(workdir / "story.txt", workdir / "hardlink.html")
    (workdir / "symlink.html").symlink_to(workdir / "story.txt")
    for out in ("story.txt", "./story.txt", str(workdir / "story.txt"), "hardlink.html", "symlink.html"):
        assert_input_error(run(runner, command, "story.txt", "-o", out), "it is also an input file")
    assert listing(workdir)["story.txt"] == before["story.txt"]


def test_standard_input_only_once(runner, workdir):
    assert_input_error(run(runner, "places", "-", "-", input="Baku"), "standard input")


def test_too_large_file_is_refused(runner, workdir):
    big = workdir / "big.txt"
    big.write_bytes(b"lorem ipsum dolor sit amet, " * 750_000)  # 21 MB
    r = run(runner, "places", "big.txt")
    assert_input_error(r, "big.txt is 21 MB", "10 MB", "--max-bytes", "GEO_MAX_BYTES")
    assert_input_error(run(runner, "places", "story.txt", "--max-bytes", "1kB"), "over the 1 kB input limit")
    assert_input_error(run(runner, "places", "story.txt", env={"GEO_MAX_BYTES": "1000"}), "1 kB")
    assert_input_error(run(runner, "places", "-", "--max-bytes", "100", input="Baku " * 100), "more than 100 bytes")


def test_large_file_with_a_raised_limit(runner, workdir):
    big = workdir / "big.txt"
    big.write_bytes(b"lorem ipsum dolor sit amet, " * 750_000 + b"Talks in Baku.")
    r = run(runner, "places", "big.txt", "-f", "json", "--max-bytes", "30MB")
    assert r.exit_code == 0, r.stderr
    [m] = json.loads(r.stdout)
    assert (m["text"], m["start"]) == ("Baku", 21_000_009)


@pytest.mark.parametrize("args, words", [
    (["frobnicate"], ["No such command 'frobnicate'"]),
    (["places", "story.txt", "--format", "xml"], ["'xml' is not one of", "--format"]),
    (["places", "story.txt", "--frobnicate"], ["No such option", "--frobnicate"]),
    (["places"], ["Missing argument 'FILE...'"]),
    (["places", "story.txt", "--max-bytes", "lots"], ["--max-bytes", "'lots' is not a size"]),
    (["places", "story.txt", "--encoding", "klingon"], ["unknown encoding 'klingon'"]),
    (["map", "story.txt", "-o"], ["requires an argument"]),
    (["map", "story.txt", "-o", "-"], ["not standard output"]),
    (["--verbose", "--frobnicate"], ["No such option"]),
])
def test_usage_errors(runner, workdir, args, words):
    before = listing(workdir)
    assert_input_error(run(runner, *args), *words)
    assert listing(workdir) == before


def test_bad_environment_value(runner, workdir):
    assert_input_error(run(runner, "places", "story.txt", env={"GEO_MAX_BYTES": "huge"}), "GEO_MAX_BYTES")


def test_missing_gazetteer_folder(runner, workdir):
    assert_input_error(run(runner, "--shapes", "no-such-shapes", "places", "story.txt"), "no-such-shapes")
    assert_input_error(run(runner, "places", "story.txt", env={"GEO_SHAPES": "nowhere"}), "nowhere")


def test_internal_error_is_one_line_with_status_1(runner, workdir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("geo.texts.geoparse_text", broken)
    r = run(runner, "places", "story.txt")
    assert r.exit_code == 1
    assert r.stderr == ("geo: error: internal error: RuntimeError: boom second line "
                        "(please report it; -v shows the traceback)\n")
    r = runner.invoke(main, ["-v", "places", "story.txt"])
    assert r.exit_code == 1 and "Traceback" in r.stderr


def test_interrupt(runner, workdir, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("geo.texts.geoparse_text", interrupted)
    r = run(runner, "places", "story.txt")
    assert r.exit_code == 130 and r.stderr.endswith("geo: error: interrupted\n")


def test_main_returns_the_status_outside_standalone_mode(workdir):
    assert main.main(["places", "nope.txt"], standalone_mode=False) == 2
    assert cli.EXIT_INPUT == 2


# -- the real command, in a real process ----------------------------------------------------------
def geo_run(*args, input=None, cwd=None):
    if not GEO.exists():
        pytest.skip(f"{GEO} is not installed")
    return subprocess.run([str(GEO), *map(str, args)], input=input, capture_output=True, cwd=cwd, timeout=120,
                          env={**os.environ, "PYTHONWARNINGS": "default"})


def test_subprocess_places_and_map(tmp_path):
    r = geo_run("places", ARTICLE, "-f", "json")
    assert r.returncode == 0, r.stderr
    assert {m["place"]["name"] for m in json.loads(r.stdout)} >= {"Baku", "Yerevan", "Armenia"}
    assert r.stderr == b""
    r = geo_run("map", ARTICLE, "-", "-o", "out.html", cwd=tmp_path, input=b"Protests in Tbilisi.")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == "out.html"
    assert "Tbilisi" in (tmp_path / "out.html").read_text(encoding="utf-8")


def test_subprocess_errors_never_show_a_traceback(tmp_path):
    (tmp_path / "story.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)))
    (tmp_path / "page.html").write_text("<div>" * 100_000 + "Talks in Baku" + "<a" * 50_000, encoding="utf-8")
    cases = [
        (["places", tmp_path / "missing.txt"], "no such file"),
        (["map", tmp_path / "story.pdf", "-o", tmp_path / "m.html"], "not a text file"),
        (["map", ARTICLE, "-o", tmp_path / "no" / "m.html"], "does not exist"),
        (["places", ARTICLE, "--format", "xml"], "'xml' is not one of"),
        (["nonsense"], "No such command"),
    ]
    for args, words in cases:
        r = geo_run(*args)
        err = r.stderr.decode()
        assert r.returncode == 2, (args, err)
        assert err.count("\n") == 1 and err.startswith("geo: error: ") and words in err, (args, err)
        assert r.stdout == b""
    r = geo_run("places", tmp_path / "page.html", "-f", "csv")  # 100k nested tags, an unclosed tag soup
    assert r.returncode == 0 and b"Baku" in r.stdout, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "story.pdf"]


def test_subprocess_broken_pipe(tmp_path):
    if not GEO.exists():
        pytest.skip(f"{GEO} is not installed")
    (tmp_path / "many.txt").write_text(ARTICLE.read_text(encoding="utf-8") * 40, encoding="utf-8")
    p = subprocess.Popen([str(GEO), "places", str(tmp_path / "many.txt")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()  # like `geo places ... | head -1`
    err = p.stderr.read()
    p.wait(timeout=120)
    assert b"Traceback" not in err


def test_subprocess_progress_bar_on_a_terminal(tmp_path):
    """With four files or more and standard error on a terminal, a progress bar is drawn there."""
    if not GEO.exists():
        pytest.skip(f"{GEO} is not installed")
    import fcntl
    import pty
    import select
    import struct
    import termios

    files = []
    for i in range(4):
        files.append(tmp_path / f"{i}.txt")
        files[-1].write_text("Talks in Baku.", encoding="utf-8")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    p = subprocess.Popen([str(GEO), "places", *map(str, files), "-f", "csv"], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    err = b""
    while select.select([master], [], [], 60)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        err += chunk
    out = p.communicate(timeout=60)[0]
    os.close(master)
    assert p.returncode == 0
    assert b"geoparsing:" in err and b"/4 [" in err
    assert out.count(b"\n") == 5 and b"geoparsing" not in out  # the bar is not on standard output


def test_geojson_output_is_strict_json(tmp_path):
    import json

    story = tmp_path / "sc.txt"
    story.write_text("Talks on the South Caucasus in Baku and Yerevan.", encoding="utf-8")
    r = CliRunner().invoke(main, ["places", str(story), "--format", "geojson"])
    assert r.exit_code == 0
    def no_nan(c):
        raise ValueError(c)
    fc = json.loads(r.stdout, parse_constant=no_nan)
    assert {f["properties"]["country"] for f in fc["features"]} == {None, "AZ", "AM"}


def test_overrides_option(runner, tmp_path):
    house = tmp_path / "house.csv"
    house.write_text("name,place_id\nGeorgia,country:GE\n", encoding="utf-8")
    text = "Storms hit Atlanta and much of Georgia."
    r = runner.invoke(main, ["places", "-", "--format", "json"], input=text)
    assert r.exit_code == 0 and "admin1:USA-3543" in r.output
    r = runner.invoke(main, ["places", "-", "--format", "json", "--overrides", str(house)], input=text)
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [m["place"]["id"] for m in rows if m["text"] == "Georgia"] == ["country:GE"]
    out = tmp_path / "m.html"
    r = runner.invoke(main, ["map", "-", "-o", str(out), "--overrides", str(house)], input=text)
    assert r.exit_code == 0 and out.exists()


def test_overrides_option_errors(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,place_id\nGeorgia,country:XX\n", encoding="utf-8")
    r = runner.invoke(main, ["places", "-", "--overrides", str(bad)], input="")
    assert r.exit_code == 2 and "country:XX" in r.stderr and "Traceback" not in r.stderr
    r = runner.invoke(main, ["places", "-", "--overrides", str(tmp_path / "nope.csv")], input="Baku")
    assert r.exit_code == 2 and "no such file" in r.stderr
