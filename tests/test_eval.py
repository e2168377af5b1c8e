"""Accuracy floors on a slice of the shared evaluation corpora, when ../shared/eval exists.

The floors sit a little under the figures measured on the first 80 documents of each corpus,
so that a regression in recognition or resolution fails CI. The full-corpus figures are in
README.md; ../shared/eval/score.py reproduces them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"

# corpus: (precision, recall, f1, acc161) floors on the first 80 documents.
FLOORS = {
    "geowebnews.jsonl": (0.82, 0.84, 0.83, 0.75),
    "lgl.jsonl": (0.79, 0.81, 0.80, 0.73),
}

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not (EVAL / "score.py").exists(), reason="../shared/eval is not here"),
]


@pytest.fixture(scope="module")
def score():
    spec = importlib.util.spec_from_file_location("geo_eval_score", EVAL / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("corpus", sorted(FLOORS))
def test_accuracy_floor(score, corpus, capsys):
    out = score.main([str(EVAL / corpus), "--limit", "80", "--json"])
    capsys.readouterr()
    p, r, f1, acc = FLOORS[corpus]
    assert out["docs"] == 80
    assert out["precision"] >= p, out
    assert out["recall"] >= r, out
    assert out["f1"] >= f1, out
    assert out["acc161"] >= acc, out
