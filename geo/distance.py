"""Great-circle distance on a spherical Earth: the one formula every part of ``geo`` uses.

Points are compared as unit vectors: the straight chord between two of them gives the arc
exactly, stays precise for short distances (unlike the cosine formula), and a squared chord
is a few multiplications, cheap enough for the resolver's inner loop.

>>> baku, yerevan = (40.41, 49.87), (40.18, 44.51)
>>> round(float(great_circle_km(*baku, *yerevan)))
455
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["EARTH_RADIUS_KM", "chord_for_km", "chord_km", "great_circle_km", "unit_vectors"]

#: The mean radius of the Earth, in km.
EARTH_RADIUS_KM = 6371.0


def unit_vectors(lat: Any, lon: Any) -> np.ndarray:
    """Points given in degrees as unit vectors: an array of shape ``(..., 3)``.

    >>> unit_vectors([0.0], [90.0]).round(6).tolist()
    [[0.0, 1.0, 0.0]]
    """
    la, lo = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def chord_km(chord2: float) -> float:
    """The great-circle distance in km for a squared chord between two unit vectors.

    >>> round(chord_km(2.0))  # a quarter of the way round
    10008
    """
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(chord2) / 2.0))


def chord_for_km(km: float) -> float:
    """The chord between two unit vectors ``km`` apart along the surface (the inverse of ``chord_km``).

    >>> round(chord_km(chord_for_km(300.0) ** 2), 6)
    300.0
    """
    return 2.0 * math.sin(min(km, math.pi * EARTH_RADIUS_KM) / (2.0 * EARTH_RADIUS_KM))


def great_circle_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distances in km between points in degrees; the arguments broadcast like numpy's.

    Pass ``lat1[:, None], lon1[:, None], lat2, lon2`` for every pair of two sets.

    >>> great_circle_km([0.0, 0.0], [0.0, 1.0], 0.0, 0.0).round(1).tolist()
    [0.0, 111.2]
    """
    chord = np.linalg.norm(unit_vectors(lat1, lon1) - unit_vectors(lat2, lon2), axis=-1)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, chord / 2.0))
