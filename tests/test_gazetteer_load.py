"""Loading the gazetteer from its index: without pandas, and to the same arrays as through pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from geo.errors import GazetteerError
from geo.gazetteer import _FEATURES_MAGIC, FEATURES_FILE, NAMES_INDEX_FILE, Gazetteer, _column, load_gazetteer


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tolist() == b.tolist()


def test_loading_the_index_imports_no_pandas() -> None:
    code = ("import sys, geo; gaz = geo.load_gazetteer(); gaz.surface_columns(); gaz.candidates('Baku');"
            "assert 'pandas' not in sys.modules, 'pandas was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_geoparsing_imports_neither_pandas_nor_pyarrow() -> None:
    """The features come from index-features.bin (numbers memory-mapped) and the matcher from its own
    file: a text is geoparsed without pyarrow, pandas or geopandas, and without the other tables."""
    code = ("import sys, geo; doc = geo.geoparse('Talks in Baku and Yerevan.'); "
            "assert [m.place.name for m in doc.mentions] == ['Baku', 'Yerevan'], doc.mentions; "
            "gaz = geo.load_gazetteer(); "
            "assert all(gaz._frames[t]._data is None for t in ('table', 'names', 'surfaces')); "
            "loaded = {m.split('.')[0] for m in sys.modules} & {'pandas', 'pyarrow', 'geopandas', 'shapely'}; "
            "assert not loaded, loaded")
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


def _linked_copy(src: Path, dst: Path, but: str) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        if f.name != but:
            (dst / f.name).symlink_to(f)
    return dst


def test_without_the_features_file_the_columns_come_from_parquet(gaz, tmp_path) -> None:
    folder = _linked_copy(gaz.folder, tmp_path / "shapes", FEATURES_FILE)
    (folder / FEATURES_FILE).write_bytes(_FEATURES_MAGIC + b"{}\n")  # damaged, or from other layers: not used
    other = Gazetteer(folder)
    assert other._frames["table"]._data is not None  # read from index.parquet
    assert list(other.columns) == list(gaz.columns)
    for c, values in gaz.columns.items():
        assert same(values, other.columns[c]), c
    assert other.lookup("Stepanakert")[0].name == "Khankendi"


def test_a_replaced_part_of_the_index_is_an_error_when_read(gaz, tmp_path) -> None:
    """The features file is current, but the names table was made from other layers."""
    import pyarrow.parquet as pq

    folder = _linked_copy(gaz.folder, tmp_path / "shapes", NAMES_INDEX_FILE)
    t = pq.read_table(gaz.folder / NAMES_INDEX_FILE)
    pq.write_table(t.replace_schema_metadata({b"geo.layers_hash": b"0" * 32}), folder / NAMES_INDEX_FILE)
    other = Gazetteer(folder)
    assert other.place("country:AM").name == "Armenia"  # the features are fine
    with pytest.raises(GazetteerError, match="does not match its layers"):
        other.lookup("Yerevan")
    # A truncated file is refused at once, as when it was read whole.
    (folder / NAMES_INDEX_FILE).write_bytes((gaz.folder / NAMES_INDEX_FILE).read_bytes()[:1000])
    with pytest.raises(GazetteerError, match="index-names.parquet"):
        Gazetteer(folder)


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


def test_names_by_row_are_those_of_the_names_table(gaz) -> None:
    """``names_of`` and ``Place.aliases`` read the mapped names by row; through pandas they are the same."""
    rng = np.random.default_rng(16)
    rows = [0, len(gaz) - 1, *rng.choice(len(gaz), 2000, replace=False).tolist()]
    gaz = Gazetteer(gaz.folder)  # one whose names were not made a DataFrame by an earlier test
    other = Gazetteer(gaz.folder)
    other._frames["names"].by_row = None  # the names table itself, as before the mapped file
    assert gaz._frames["names"].by_row is not None
    fast, slow = gaz.names_of(rows), other.names_of(rows)
    assert fast == slow and sum(map(len, fast.values())) > len(rows)
    assert gaz.names_of(rows, types=(3,)) == other.names_of(rows, types=(3,))  # demonyms
    assert [gaz._aliases(r) for r in rows[:300]] == [other._aliases(r) for r in rows[:300]]
    assert "Stepanakert" in gaz.lookup("Khankendi")[0].aliases


def test_a_layer_is_read_without_the_whole_table(gaz) -> None:
    import pandas as pd

    other = Gazetteer(gaz.folder)
    countries = other.layer("country")
    assert other._frames["table"]._data is None  # no parquet read: the rows come from the mapped columns
    want = gaz.table.iloc[np.flatnonzero(gaz.columns["layer"] == "country")].reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.DataFrame(countries.drop(columns="geometry")), want)
    assert countries.geometry.notna().all()


def test_geometries_read_one_by_one_are_those_of_the_layer(gaz) -> None:
    from geo.gazetteer import FEW_GEOMETRIES

    other = Gazetteer(gaz.folder)
    other._wkb = None  # as without index-geometries.bin: read from the layer file
    rows = np.flatnonzero(other.columns["layer"] == "admin1")
    few = [int(r) for r in rows[:: max(1, len(rows) // (FEW_GEOMETRIES - 2))][: FEW_GEOMETRIES - 1]]
    one_by_one = [other.geometry(r) for r in few]
    assert "admin1" not in other._geoms and len(other._geoms["few:admin1"]) == len(few)
    whole = gaz.layer("admin1").set_index("id").geometry
    for r, g in zip(few, one_by_one):
        assert g.equals_exact(whole[other.columns["id"][r]], 0), r
    for r in rows[FEW_GEOMETRIES: FEW_GEOMETRIES + 3]:  # many: then the whole layer is read
        other.geometry(int(r))
    assert "admin1" in other._geoms


def test_mapped_geometries_are_those_of_the_layer_files(gaz) -> None:
    from geo.gazetteer import GEOMETRIES_FILE, LAYERS, POINT_LAYERS, _read_geometries

    other = Gazetteer(gaz.folder)
    assert other._wkb is not None, f"{GEOMETRIES_FILE} is missing or stale: run scripts/build_shapes.py"
    assert _read_geometries(gaz.folder / GEOMETRIES_FILE, "0" * 32) is None  # made from other layers
    rng = np.random.default_rng(16)
    for layer in LAYERS:
        if layer in POINT_LAYERS:
            continue
        whole = other._load_geometries(layer)  # the layer file itself
        rows = np.flatnonzero(other.columns["layer"] == layer)
        for r in rng.choice(rows, min(len(rows), 60), replace=False):
            g = other.geometry(int(r))
            assert g is not None and g.equals_exact(whole[other.columns["id"][r]], 0), r
            assert other.geometry(int(r)) is g  # decoded once
    assert other._frames["table"]._data is None


def test_a_map_of_one_article_reads_no_whole_table(tmp_path) -> None:
    example = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"
    out = tmp_path / "map.html"
    code = (f"import geo, geo.maps; doc = geo.geoparse(open({str(example)!r}, encoding='utf-8').read()); "
            f"m = geo.maps.map_places(doc); geo.maps.save_map(m, {str(out)!r}); gaz = geo.load_gazetteer(); "
            "assert all(gaz._frames[t]._data is None for t in ('table', 'names', 'surfaces')), gaz._frames; "
            "assert not any(layer in gaz._geoms for layer in ('admin1', 'city', 'region')); "
            "import sys; assert 'pyogrio' not in sys.modules")  # no layer file read: geometries are mapped
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
    assert out.stat().st_size > 100_000
