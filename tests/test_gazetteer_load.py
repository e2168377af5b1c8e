"""Loading the gazetteer from its index: without pandas, and to the same arrays as through pandas."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from geo.gazetteer import Gazetteer, _column, load_gazetteer


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tolist() == b.tolist()


def test_loading_the_index_imports_no_pandas() -> None:
    code = ("import sys, geo; gaz = geo.load_gazetteer(); gaz.surface_columns(); gaz.candidates('Baku');"
            "assert 'pandas' not in sys.modules, 'pandas was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_columns_as_pandas_gives_them(gaz) -> None:
    for c, values in gaz.columns.items():
        assert same(values, _column(gaz.table[c])), c
    kinds = gaz.columns["kind"]
    assert len({id(k) for k in kinds}) == len(set(kinds))  # repeated strings share one object
    assert gaz.columns["admin1"].tolist().count(None) == gaz.table["admin1"].isna().sum()
    assert same(gaz._name_keys, gaz.names["key"].to_numpy())
    cols = gaz.surface_columns()
    assert list(cols) == ["surface", "row", "type"]
    for c, values in cols.items():
        assert same(values, gaz.surfaces[c].to_numpy()), c
    assert gaz.table is gaz.table and len(gaz) == len(gaz.table)


def test_surface_columns_follow_user_layers() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    base = Gazetteer()
    n = len(base.surface_columns()["surface"])
    gaz = base.with_layer(gpd.GeoDataFrame({"name": ["Qwertyville"]}, geometry=[Point(1, 2)], crs=4326), kind="city")
    assert len(base.surface_columns()["surface"]) == n
    cols = gaz.surface_columns()
    assert len(cols["surface"]) == n + 1 and "Qwertyville" in cols["surface"].tolist()
    assert gaz.candidates("Qwertyville") == [(len(gaz) - 1, 0)]
    assert gaz.place("user:city:0").name == "Qwertyville"
