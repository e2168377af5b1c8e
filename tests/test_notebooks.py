"""The teaching notebooks in ``notebooks/`` run top to bottom in a fresh kernel, and show what they say.

Each notebook is executed once per test session with nbclient (cwd = ``notebooks/``, as
when a reader opens it there); a cell that raises, including a hidden ``assert`` cell that
checks a claim of the prose, fails the test. The executed notebook is then converted to
HTML (as ``jupyter nbconvert --to html --execute`` does) and opened in headless Chromium:
every map in it must open on the story's places, with none under a control, and list
each layer once. The notebooks are committed without outputs.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
OUT = NOTEBOOKS / "out"
NAMES = ["01-example-article.ipynb", "02-map-your-own-text.ipynb", "03-small-corpus.ipynb",
         "04-explain-and-correct.ipynb"]
# Files each notebook writes: removed before it runs, so a test sees this run's files.
WRITES = {
    NAMES[0]: ["01-blinken-map.html"],
    NAMES[1]: ["route.geojson", "02-places.geojson", "02-mentions.csv", "02-middle-corridor.html"],
    NAMES[2]: ["03-corpus-map.html"],
    NAMES[3]: ["04-house-list.csv"],
}
_EXECUTED: dict = {}


def _text(nb) -> str:
    """Every text and plain/HTML output of the executed notebook, joined."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append(out["text"])
            data = out.get("data", {})
            parts.extend(str(data[k]) for k in ("text/plain", "text/html") if k in data)
    return "\n".join(parts)


def _execute(name: str):
    """The notebook executed in a fresh kernel (once per session; its output files are written anew)."""
    if name in _EXECUTED:
        return _EXECUTED[name]
    for f in WRITES[name]:
        (OUT / f).unlink(missing_ok=True)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}, timeout=300
    )
    client.execute()  # raises CellExecutionError if a cell fails
    _EXECUTED[name] = nb
    return nb


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code)


def test_corpus_ships():
    files = sorted((NOTEBOOKS / "data" / "corpus").glob("*.txt"))
    assert 5 <= len(files) <= 6
    for f in files:
        assert f.read_text(encoding="utf-8").strip()


@pytest.mark.slow
def test_01_example_article():
    text = _text(_execute(NAMES[0]))
    assert "Nagorno-Karabakh" in text
    assert "Lachin corridor" in text
    assert "Khankendi" in text
    assert "seven districts around Nagorno-Karabakh" in text
    html = OUT / "01-blinken-map.html"
    assert html.is_file() and html.stat().st_size > 10_000
    page = html.read_text(encoding="utf-8")
    assert "Lachin corridor" in page and "Washington" in page


@pytest.mark.slow
def test_02_map_your_own_text():
    text = _text(_execute(NAMES[1]))
    assert "Middle Corridor" in text
    assert "Georgia's government said on Monday" in _source_cells(_execute(NAMES[1]))[1]  # the hidden check ran
    places = json.loads((OUT / "02-places.geojson").read_text(encoding="utf-8"))
    by_name = {f["properties"]["name"]: f for f in places["features"]}
    assert by_name["Middle Corridor"]["geometry"]["type"] == "LineString"
    assert "Middle Corridor" in (OUT / "02-mentions.csv").read_text(encoding="utf-8")
    assert (OUT / "route.geojson").is_file()
    assert (OUT / "02-middle-corridor.html").is_file()


@pytest.mark.slow
def test_03_small_corpus():
    text = _text(_execute(NAMES[2]))
    assert "6 documents" in text
    # "Georgia" is the country in the Caucasus stories and the US state in the storm story.
    assert "admin1" in text and "GE" in text
    assert (OUT / "03-corpus-map.html").is_file()


@pytest.mark.slow
def test_04_explain_and_correct():
    text = _text(_execute(NAMES[3]))
    assert "override: the house list reads 'Lachin' as corridor:lachin" in text
    assert "user:corridor:0" in text
    assert (OUT / "04-house-list.csv").read_text(encoding="utf-8").splitlines()[:2] == [
        "name,place_id", "Lachin,corridor:lachin"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_no_cell_shows_a_warning_or_an_error(name):
    # A tutorial shows what the package does, not a DeprecationWarning or a traceback.
    shown = [(k, out.get("text", "")[:300]) for k, cell in enumerate(_execute(name).cells)
             for out in cell.get("outputs", []) if out.get("name") == "stderr" or out.get("output_type") == "error"]
    assert shown == []


# -- what a reader sees: the executed notebooks as HTML, in a real browser -------------------------


def _html(nb) -> str:
    """The executed notebook as ``jupyter nbconvert --to html`` writes it."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    return body


def _source_cells(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def map_views(browser, page: Path, *, shots: Path | None = None) -> list[dict]:
    """Open a page and read, in each map's frame, its opening view (``browser.map_view()``)."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.open_html(page, timeout=30)
    frames = browser.find_elements("css selector", "iframe")
    views = []
    for k, frame in enumerate(frames):
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
        browser.switch_to.frame(frame)
        try:
            WebDriverWait(browser.driver, 10).until(lambda d: d.execute_script(
                "return typeof L !== 'undefined' && document.readyState === 'complete'"
                " && document.querySelector('.leaflet-container') !== null"
                " && document.querySelector('.leaflet-container').clientWidth > 0"))
            browser.execute_script("return new Promise(r => setTimeout(r, 250))")
            views.append(browser.map_view())
        finally:
            browser.switch_to.default_content()
        if shots is not None:
            frame.screenshot(str(shots / f"{page.stem}-map{k + 1}.png"))
    return views


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name", NAMES)
def test_every_map_opens_on_the_story(browser, name, tmp_path):
    nb = _execute(name)
    # No cell catches an exception; no cell or prose mentions a bug or a workaround.
    assert not any(re.search(r"\btry\s*:|\bexcept\b|\bsuppress\(|\bworkaround\b|\bbug\b", src, re.I)
                   for src in _source_cells(nb))
    prose = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not re.search(r"\bworkaround\b|\bbug\b", prose, re.I)
    page = tmp_path / (Path(name).stem + ".html")
    page.write_text(_html(nb), encoding="utf-8")
    shots = Path(os.environ["GEO_SCREENSHOTS"]) if os.environ.get("GEO_SCREENSHOTS") else None
    views = map_views(browser, page, shots=shots)
    maps = sum(1 for c in nb.cells for o in c.get("outputs", []) if "srcdoc=" in str(o.get("data", {}).get("text/html", "")))
    assert len(views) == maps >= 1
    problems = {k + 1: browser.view_problems(v) for k, v in enumerate(views)}
    assert not any(problems.values()), problems
    assert browser.console_errors() == []


# -- the same notebooks in JupyterLab, where the map's frame is laid out by the notebook panel --------


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on a free port; yields its URL, the folder it serves and its environment.

    Its configuration, data (the notebook signatures that make outputs trusted) and runtime
    folders are temporary, so the reader's own Jupyter setup is neither used nor changed.
    """
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    base = tmp_path_factory.mktemp("jupyterlab")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_DATA_DIR=str(base / "data"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"))
    root = base / "notebooks"
    root.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
         "--ServerApp.allow_root=True", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab did not start")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", root, env
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _lab_frames(driver) -> list:
    """The map frames in the notebook JupyterLab shows."""
    return driver.find_elements("css selector", ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output iframe")


@pytest.mark.slow
@pytest.mark.browser
def test_every_map_opens_on_the_story_in_jupyterlab(browser, jupyterlab):
    from nbformat.sign import NotebookNotary
    from selenium.webdriver.support.ui import WebDriverWait

    url, root, env = jupyterlab
    notary = NotebookNotary(data_dir=env["JUPYTER_DATA_DIR"])
    problems = {}
    for name in NAMES:
        nb = _execute(name)
        notary.sign(nb)  # outputs the reader made are trusted: JupyterLab shows their HTML as it is
        nbformat.write(nb, root / name)
        expected = sum(1 for c in nb.cells for o in c.get("outputs", [])
                       if "srcdoc=" in str(o.get("data", {}).get("text/html", "")))
        browser.get(f"{url}/lab/tree/{name}?reset")
        WebDriverWait(browser.driver, 60).until(lambda d, n=expected: len(_lab_frames(d)) >= n,
                                                f"{name}: JupyterLab shows fewer than {expected} maps")
        for k in range(expected):
            frame = _lab_frames(browser.driver)[k]
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
            browser.switch_to.frame(frame)
            try:
                WebDriverWait(browser.driver, 15).until(lambda d: d.execute_script(
                    "return typeof L !== 'undefined' && document.readyState === 'complete'"
                    " && document.querySelector('.leaflet-container') !== null"
                    " && document.querySelector('.leaflet-container').clientWidth > 0"))
                browser.execute_script("return new Promise(r => setTimeout(r, 300))")
                found = browser.view_problems(browser.map_view())
            finally:
                browser.switch_to.default_content()
            if found:
                problems[f"{name} map {k + 1}"] = found
    assert not problems, problems
