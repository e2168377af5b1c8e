"""The layout holds: the modules import one way, in the order the data flows (import-linter).

The contracts are in pyproject.toml (``[tool.importlinter]``): ``geo.errors`` at the bottom,
then ``geo.io``, the gazetteer, recognition, resolution, texts and places, maps, the corpus
and the command line at the top; only the command line imports click.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold(monkeypatch, capsys):
    cli = pytest.importorskip("importlinter.cli")
    monkeypatch.chdir(ROOT)  # where pyproject.toml is
    code = cli.lint_imports(no_cache=True)
    report = capsys.readouterr().out
    assert code == 0, report
    assert "2 kept, 0 broken" in report
