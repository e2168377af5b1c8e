"""The compiled geoparser (setup.py compiles geo.mentions and geo.resolve with mypyc) and its
pure-Python source give the same results; the compiled one is what a regular install (the wheel)
uses, and a checkout (an editable install) runs its own .py files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import geo
import geo.mentions
import geo.resolve

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"
GWN = ROOT.parent / "shared" / "eval" / "geowebnews.jsonl"
PASSAGES = ROOT / "tests" / "data" / "passages.jsonl"

# Prints, for each text of the JSON list on stdin, the geoparse results as JSON.
RESULTS = """
import json, pickle, sys
import geo, geo.mentions
out = []
for text in json.load(sys.stdin):
    doc = geo.geoparse(text)
    assert pickle.loads(pickle.dumps(doc)) == doc  # a compiled Document travels too
    out.append([[m.start, m.end, m.text, m.form, m.place.id, m.score, m.qualifier.id if m.qualifier else None,
                 m.sentence] for m in doc.mentions])
print(json.dumps({"compiled": not geo.mentions.__file__.endswith(".py"), "results": out}))
"""


def _texts() -> list[str]:
    texts = [EXAMPLE.read_text(encoding="utf-8"), "Paris, Texas is not Paris, France.",
             "BEIRUT (AP) - Talks in the town of Lachin and along the Lachin corridor.",
             "Foreign Minister Ararat Mirzoyan said Armenians in Yerevan.", "Obama said. Jordan Henderson won.",
             "Atlanta is the capital of Georgia. Springfield, Ill., and Springfield in Missouri.", "", "\ud800 Baku"]
    with open(PASSAGES, encoding="utf-8") as f:  # always here: 30 passages, over 100 mentions
        texts += [json.loads(line)["text"] for line in f]
    if GWN.exists():
        with open(GWN, encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for _, line in zip(range(40), f)]
    return texts


@pytest.fixture(scope="module")
def pure_python(tmp_path_factory) -> Path:
    """A copy of the package's Python source, without compiled modules, next to the shapes."""
    root = tmp_path_factory.mktemp("pure")
    shutil.copytree(ROOT / "geo", root / "geo", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    (root / "shapes").symlink_to(ROOT / "shapes")
    return root


def _run(args: list[str], pythonpath: Path, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, check=False,
                          cwd=pythonpath, timeout=600, **kw)


def _has_c_compiler() -> bool:
    return bool(shutil.which(str(sysconfig.get_config_var("CC") or "cc").split()[0]))


@pytest.mark.slow
def test_compiled_and_pure_python_give_the_same_results(installed_wheel, pure_python):
    """A regular install (the wheel) runs the compiled geoparser, with the same results as the source."""
    if os.environ.get("GEO_PURE_PYTHON"):
        pytest.skip("GEO_PURE_PYTHON asks for the pure-Python modules")
    if not _has_c_compiler():
        pytest.skip("no C compiler on this machine: the wheel holds the pure-Python modules")
    texts = _texts()
    runs = {}
    for name, path in (("wheel", installed_wheel), ("source", pure_python)):
        out = _run(["-c", RESULTS], path, input=json.dumps(texts))
        assert out.returncode == 0, out.stderr[-2000:]
        runs[name] = json.loads(out.stdout)
    assert runs["wheel"]["compiled"] is True, "the wheel should hold the mypyc-compiled geo.mentions"
    assert runs["source"]["compiled"] is False
    assert runs["wheel"]["results"] == runs["source"]["results"]
    assert sum(map(len, runs["source"]["results"])) > 100


def test_doctests_of_the_compiled_modules_pass_in_their_source(pure_python):
    """pytest cannot collect doctests from compiled modules (see conftest.py); run them here."""
    files = [str(pure_python / "geo" / f"{m}.py") for m in ("mentions", "resolve")]
    out = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--doctest-modules", "--rootdir",
                str(pure_python), *files], pure_python)
    assert out.returncode == 0, out.stdout[-3000:]
    assert " passed" in out.stdout


def test_the_source_tree_runs_its_own_python_files():
    """In a checkout (an editable install), an edit to geo/*.py takes effect: no compiled module shadows it."""
    if not Path(geo.__file__).resolve().is_relative_to(ROOT):
        pytest.skip("geo is imported from an installed copy, not from this checkout")
    assert geo.mentions.__file__.endswith(".py") and geo.resolve.__file__.endswith(".py")
    assert not [p.name for p in (ROOT / "geo").iterdir() if p.suffix in (".so", ".pyd")]
