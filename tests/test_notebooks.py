"""The teaching notebooks in ``notebooks/`` run top to bottom in a fresh kernel.

Each notebook is executed with nbclient (cwd = ``notebooks/``, as when a reader opens it
there); a cell that raises fails the test. The notebooks are committed without outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
OUT = NOTEBOOKS / "out"
NAMES = ["01-example-article.ipynb", "02-map-your-own-text.ipynb", "03-small-corpus.ipynb"]


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
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}, timeout=300
    )
    client.execute()  # raises CellExecutionError if a cell fails
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
    (OUT / "01-blinken-map.html").unlink(missing_ok=True)
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
    for f in ("route.geojson", "02-places.geojson", "02-mentions.csv", "02-middle-corridor.html"):
        (OUT / f).unlink(missing_ok=True)
    text = _text(_execute(NAMES[1]))
    assert "Middle Corridor" in text
    places = json.loads((OUT / "02-places.geojson").read_text(encoding="utf-8"))
    by_name = {f["properties"]["name"]: f for f in places["features"]}
    assert by_name["Middle Corridor"]["geometry"]["type"] == "LineString"
    assert "Middle Corridor" in (OUT / "02-mentions.csv").read_text(encoding="utf-8")
    assert (OUT / "route.geojson").is_file()
    assert (OUT / "02-middle-corridor.html").is_file()


@pytest.mark.slow
def test_03_small_corpus():
    (OUT / "03-corpus-map.html").unlink(missing_ok=True)
    text = _text(_execute(NAMES[2]))
    assert "6 documents" in text
    # "Georgia" is the country in the Caucasus stories and the US state in the storm story.
    assert "admin1" in text and "GE" in text
    assert (OUT / "03-corpus-map.html").is_file()
