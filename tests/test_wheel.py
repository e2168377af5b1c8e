"""`pip install .` (not only -e): the wheel carries the shapes and loads them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_loads_its_shapes(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(ROOT)], check=True, cwd=tmp_path)
    wheel = next(wheels.glob("geo-*.whl"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, cwd=tmp_path)
    code = (
        "import geo, pathlib; "
        "g = geo.load_gazetteer(); "
        f"assert pathlib.Path(geo.__file__).is_relative_to({str(target)!r}), geo.__file__; "
        f"assert g.folder.is_relative_to({str(target)!r}), g.folder; "
        "assert g.lookup('Stepanakert')[0].name == 'Khankendi'; "
        "assert g.place('disputed:nagorno-karabakh').geometry.area > 0; "
        "import geo.resolve as r; "
        "assert pathlib.Path(r.__file__).with_name('resolver-weights.json').exists(); "  # learned weights ship
        "assert r.weights()['version'] >= 1, r.weights(); "
        "assert geo.geoparse('Paris, Texas').mentions[0].place.geonameid == 4717560; "
        "print(len(g))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert int(out.stdout) > 100_000
