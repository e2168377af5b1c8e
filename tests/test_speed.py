"""What keeps geo light to import (speed itself is measured in bench/, never timed in tests)."""

from __future__ import annotations

import subprocess
import sys


def test_import_loads_no_data_and_no_pandas() -> None:
    # `import geo` loads no data: the gazetteer module is imported on first use only.
    code = "import geo, sys; assert 'geo.gazetteer' not in sys.modules and 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_geoparse_imports_no_pandas_geopandas_or_pyarrow() -> None:
    # The features are mapped from index-features.bin and the matcher loaded from index-matcher.bin.
    code = ("import geo, sys; geo.geoparse('Talks in Baku.'); "
            "assert not {'pandas', 'geopandas', 'folium', 'pyarrow', 'shapely'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
