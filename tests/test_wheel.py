"""`pip install .` (not only -e): the wheel carries the shapes and loads them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_wheel_installs_and_loads_its_shapes(installed_wheel, tmp_path):
    target = installed_wheel
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
