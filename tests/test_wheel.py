"""`pip install .` (not only -e): the wheel carries the shapes and loads them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"


@pytest.mark.slow
def test_wheel_installs_and_loads_its_shapes(installed_wheel, tmp_path):
    target = installed_wheel
    code = (
        "import geo, pathlib, sys; "
        # The wheel carries the prebuilt matcher and the mapped features: no build, no pyarrow to parse.
        "assert [m.text for m in geo.geoparse('Talks in Baku').mentions] == ['Baku']; "
        "assert 'pyarrow' not in sys.modules and 'pandas' not in sys.modules; "
        "g = geo.load_gazetteer(); "
        "import geo.mentions as gm; "
        "assert gm.Matcher.load(g.folder / gm.MATCHER_FILE, g.layers_hash) is not None; "
        "assert not any(p.name.startswith('.') for p in g.folder.iterdir()); "  # nothing was written there
        f"assert pathlib.Path(geo.__file__).is_relative_to({str(target)!r}), geo.__file__; "
        f"assert g.folder.is_relative_to({str(target)!r}), g.folder; "
        "assert g.lookup('Stepanakert')[0].name == 'Khankendi'; "
        "assert g.place('disputed:nagorno-karabakh').geometry.area > 0; "
        "import geo.weights as w; "
        "assert pathlib.Path(w.__file__).with_name('resolver-weights.json').exists(); "  # learned weights ship
        "assert w.weights()['version'] >= 1, w.weights(); "
        "assert geo.geoparse('Paris, Texas').mentions[0].place.geonameid == 4717560; "
        # Every subpackage is in the wheel, and the command maps the example article from it.
        "import geo.cli, geo.io, geo.maps, geo.corpus, pkgutil; "
        "assert {m.name for m in pkgutil.iter_modules(geo.__path__)} >= {'cli', 'io', 'maps'}; "
        f"code = geo.cli.main(['-q', 'map', {str(EXAMPLE)!r}, '-o', 'map.html'], standalone_mode=False); "
        "assert code == 0 and pathlib.Path('map.html').stat().st_size > 100_000, code; "
        "print(len(g))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert int(out.stdout.split()[-1]) > 100_000  # the places in the gazetteer (the map printed its path first)
