"""geo.places: aggregate_records (plain rows, what one map of a few articles is drawn from) gives
what aggregate_places (pandas) gives, on real articles and a real corpus table."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import geo
from geo.places import aggregate_places, aggregate_records
from geo.texts import geoparse_text, merge_places, place_records

DATA = Path(__file__).resolve().parents[1] / "notebooks" / "data"
TEXTS = [DATA / "blinken-armenia-azerbaijan.txt", *sorted((DATA / "corpus").glob("*.txt"))]


def _same(a, b) -> bool:
    missing = lambda v: v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))  # noqa: E731
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return a == b


@pytest.fixture(scope="module")
def articles():
    arts = [geoparse_text(p.read_text(encoding="utf-8"), name=p.name) for p in TEXTS]
    # One long article, geoparsed in pieces (offsets into the whole text).
    arts.append(geoparse_text("\n\n".join(p.read_text(encoding="utf-8") for p in TEXTS), name="all",
                              chunk_chars=800))
    assert len(arts[-1].documents) >= 4
    return arts


@pytest.mark.parametrize("which", ["each", "all", "reversed"])
def test_place_records_are_merge_places_rows(articles, which) -> None:
    groups = {"each": [[a] for a in articles], "all": [articles], "reversed": [articles[::-1]]}[which]
    for items in groups:
        frame, records = merge_places(items), place_records(items)
        assert len(records) == len(frame) > 0
        assert [list(r) for r in records] == [list(frame.columns)] * len(records)
        for r, (_, row) in zip(records, frame.iterrows()):
            for c in frame.columns:
                assert _same(r[c], row[c]), (c, r[c], row[c])


def test_aggregate_records_is_aggregate_places_on_a_corpus_table() -> None:
    table = geo.geoparse_corpus([str(p) for p in TEXTS], scheduler="synchronous")
    df = pd.DataFrame(table.drop(columns="geometry"))
    want = aggregate_places(df)
    got = aggregate_records(df.to_dict("records"))
    assert len(got) == len(want) > 10 and {r["documents"] for r in got} != {1}
    for r, (_, row) in zip(got, want.iterrows()):
        assert list(r) == list(want.columns)
        for c in want.columns:
            assert _same(r[c], row[c]), (c, r[c], row[c])
    # Partial counts of parts (a document in one part only) sum to the counts of the whole.
    parts = [aggregate_records(part.to_dict("records")) for _, part in df.groupby("doc_id", sort=False)]
    again = aggregate_records([r for p in parts for r in p])
    assert [(r["place_id"], r["mentions"], r["documents"]) for r in again] == \
        [(r["place_id"], r["mentions"], r["documents"]) for r in got]


def test_rows_without_a_key_are_left_out() -> None:
    rows = [{"place_id": None, "name": "x"}, {"place_id": float("nan"), "name": "y"}, {"place_id": "a", "name": None},
            {"place_id": "a", "name": "A"}]
    assert aggregate_records(rows) == [{"place_id": "a", "name": "A", "mentions": 2}]
    assert aggregate_records([]) == []
