"""What keeps geo light to import (speed itself is measured in bench/, never timed in tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"


def test_import_loads_no_data_and_no_pandas() -> None:
    # `import geo` loads no data: the gazetteer module is imported on first use only.
    code = "import geo, sys; assert 'geo.gazetteer' not in sys.modules and 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_geoparse_imports_no_pandas_geopandas_or_pyarrow() -> None:
    # The features are mapped from index-features.bin and the matcher loaded from index-matcher.bin.
    code = ("import geo, sys; geo.geoparse('Talks in Baku.'); "
            "assert not {'pandas', 'geopandas', 'folium', 'pyarrow', 'shapely'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_geo_map_imports_no_pandas_geopandas_pyproj_or_pyarrow(tmp_path) -> None:
    # A map of articles is drawn from the places' own shapes; folium is imported without pandas,
    # which it imports only if it is there.
    out = tmp_path / "map.html"
    code = ("import sys; from geo.cli import main; from pathlib import Path\n"
            f"main(['-q', 'map', {str(EXAMPLE)!r}, '-o', {str(out)!r}], standalone_mode=False)\n"
            "left = {'pandas', 'geopandas', 'pyproj', 'pyarrow', 'dask'} & set(sys.modules)\n"
            "assert not left, sorted(left)\n"
            "assert 'folium' in sys.modules and Path(sys.argv[1]).stat().st_size > 100_000\n")
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, timeout=120)


def test_folium_imported_without_pandas_still_takes_dataframes_once_pandas_is_there() -> None:
    code = """
import sys
from geo.cli.options import import_in_background
import_in_background("geo.maps", without=("pandas",)).join()
assert "geo.maps" in sys.modules and "pandas" not in sys.modules
import folium, folium.utilities as fu
folium.PolyLine([[40.4, 49.8], [40.2, 44.5]])  # a list is no DataFrame: pandas is not imported to say so
assert "pandas" not in sys.modules
import numpy as np, pandas as pd
got = fu.if_pandas_df_convert_to_numpy(pd.DataFrame([[40.4, 49.8], [40.2, 44.5]]))
assert isinstance(got, np.ndarray) and got.tolist() == [[40.4, 49.8], [40.2, 44.5]], got
assert fu.validate_location(pd.DataFrame([[40.4, 49.8]]).iloc[0].tolist()) == [40.4, 49.8]
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_import_left_out_is_left_out_in_its_thread_only() -> None:
    code = """
import sys, threading
from geo.cli.options import import_in_background
seen = {}
def other():
    import fractions  # another thread imports as usual meanwhile
    seen["other"] = "fractions" in sys.modules
t = import_in_background("statistics", without=("fractions",))
o = threading.Thread(target=other); o.start(); o.join(); t.join()
assert seen["other"], seen
assert not any(type(f).__name__ == "_Without" for f in sys.meta_path)  # removed once done
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
