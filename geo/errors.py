"""Errors raised by geo: one root, each also a builtin so callers can catch either.

>>> issubclass(ConfigurationError, ValueError) and issubclass(InputError, GeoError)
True
"""

__all__ = ["ConfigurationError", "GazetteerError", "GeoError", "InputError", "OfflineAssetError", "UnknownMentionError", "UnknownPlaceError"]


class GeoError(Exception):
    """Base of all geo errors."""


class ConfigurationError(GeoError, ValueError):
    """A function was called with arguments it cannot use (an unknown option, a bad value, a wrong type)."""


class GazetteerError(GeoError, OSError):
    """A gazetteer layer is missing, corrupt or stale; the message names the file."""


class InputError(GeoError, ValueError):
    """The input text or file cannot be used; the message says why."""


class UnknownPlaceError(InputError, KeyError):
    """A place id (in an override, ``Gazetteer.place``) that the gazetteer does not have; the message names it.

    >>> str(UnknownPlaceError("no place with id 'city:0'"))
    "no place with id 'city:0'"
    """

    __str__ = Exception.__str__  # not KeyError's, which would quote the message


class UnknownMentionError(ConfigurationError, KeyError):
    """``explain(doc, mention)`` was given a mention the document does not have."""

    __str__ = Exception.__str__


class OfflineAssetError(GeoError, ValueError):
    """A map page would load something from the network and geo has no local copy of it."""
