"""Errors raised by geo: one root, each also a builtin so callers can catch either."""

__all__ = ["GazetteerError", "GeoError", "InputError", "OfflineAssetError", "UnknownPlaceError"]


class GeoError(Exception):
    """Base of all geo errors."""


class GazetteerError(GeoError, OSError):
    """A gazetteer layer is missing, corrupt or stale; the message names the file."""


class InputError(GeoError, ValueError):
    """The input text or file cannot be used; the message says why."""


class UnknownPlaceError(InputError, LookupError):
    """A place id (in an override, say) that the gazetteer does not have; the message names it."""


class OfflineAssetError(GeoError, ValueError):
    """A map page would load something from the network and geo has no local copy of it."""
