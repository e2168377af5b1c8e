"""Reading articles: paths, standard input, bytes, encodings and size limits, one way for every command.

``read_text`` reads a ``.txt``/``.md`` file, an ``.html`` page (its article text, see
``geo.io.html``) or standard input (``"-"``). It refuses, with a one-line ``InputError``, what
is not a readable text file: a missing path, a folder, a binary file (PDF, image, archive,
mostly NUL bytes), a file over ``max_bytes``. Text that is not UTF-8 is decoded as
Windows-1252 (then Latin-1) with an ``InputWarning``; NUL bytes inside text are removed with a
warning. ``geo places``, ``geo map``, ``geo corpus`` and ``geo.geoparse_corpus`` all read
through here.

>>> decode_text("Bakı".encode())
'Bakı'
>>> parse_size("10MB"), format_size(10_000_000)
(10000000, '10 MB')
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import stat
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from geo.errors import InputError
from geo.io.html import html_to_text

__all__ = [
    "DEFAULT_MAX_BYTES",
    "HTML_SUFFIXES",
    "MAX_BYTES_ENV",
    "InputWarning",
    "check_input_paths",
    "decode_text",
    "display_name",
    "format_size",
    "max_bytes_from_env",
    "parse_size",
    "printable",
    "read_bytes",
    "read_text",
]

#: Inputs larger than this (in bytes) are refused unless ``max_bytes`` (``geo --max-bytes``,
#: or the ``GEO_MAX_BYTES`` environment variable) raises the limit; 0 means no limit.
DEFAULT_MAX_BYTES = 10_000_000
MAX_BYTES_ENV = "GEO_MAX_BYTES"
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_READ_BLOCK = 1 << 20
_SNIFF = 1 << 16


class InputWarning(UserWarning):
    """The input was read, but not as it stood: another encoding, NUL bytes removed."""


# -- sizes ---------------------------------------------------------------------------------------
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
          "t": 10**12, "tb": 10**12, "ki": 2**10, "kib": 2**10, "mi": 2**20, "mib": 2**20, "gi": 2**30,
          "gib": 2**30, "ti": 2**40, "tib": 2**40}


def parse_size(value: str | int) -> int:
    """Bytes in a size such as ``"20MB"``, ``"500k"``, ``"1.5GiB"`` or ``1048576`` (0: no limit).

    >>> parse_size("20MB"), parse_size("1KiB"), parse_size(0)
    (20000000, 1024, 0)
    >>> parse_size("lots")
    Traceback (most recent call last):
    ...
    geo.errors.InputError: 'lots' is not a size: give bytes, or a number with kB, MB or GB, e.g. 20MB
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise InputError(f"{value} is not a size: it must not be negative")
        return value
    m = _SIZE.match(str(value))
    unit = (m.group(2) or "").lower() if m else ""
    if not m or unit not in _UNITS:
        raise InputError(f"{value!r} is not a size: give bytes, or a number with kB, MB or GB, e.g. 20MB")
    return int(float(m.group(1)) * _UNITS[unit])


def format_size(n: int) -> str:
    """A byte count for people.

    >>> format_size(10_000_000), format_size(20_971_520), format_size(1_500), format_size(512)
    ('10 MB', '21 MB', '1.5 kB', '512 bytes')
    """
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            v = n / size
            return f"{v:.0f} {unit}" if v >= 10 or v == int(v) else f"{v:.1f} {unit}"
    return f"{n} bytes"


def max_bytes_from_env(default: int = DEFAULT_MAX_BYTES) -> int:
    """The input size limit: ``$GEO_MAX_BYTES`` if set, else ``default``.

    >>> max_bytes_from_env(5) if "GEO_MAX_BYTES" not in os.environ else 5
    5
    """
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return default
    try:
        return parse_size(raw)
    except InputError as e:
        raise InputError(f"{MAX_BYTES_ENV}: {e}") from None


# -- reading -------------------------------------------------------------------------------------
# C0 and C1 control characters, DEL, and the bidirectional overrides that can reorder a line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: Any) -> str:
    r"""``text`` safe to print on a terminal: control characters (ANSI escapes, carriage returns,
    bidirectional overrides) written as ``\x1b``-style escapes, so a file name or an id from a
    corpus cannot rewrite the user's screen or forge a line of output.

    >>> printable("story\x1b[2J.txt")
    'story\\x1b[2J.txt'
    >>> printable("Bakı\nYerevan"), printable("")
    ('Bakı\\nYerevan', '')
    """
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def display_name(path: str | os.PathLike) -> str:
    """A path as it can always be printed (undecodable bytes of a file name and control characters escaped)."""
    s = os.fspath(path)
    if s == "-":
        return "standard input"
    raw = s if isinstance(s, bytes) else os.fsencode(s)
    return printable(raw.decode("utf-8", "backslashreplace"))


def _too_big(name: str, size: str, limit: int) -> InputError:
    return InputError(f"{name} is {size}, over the {format_size(limit)} input limit; raise it with --max-bytes "
                      f"(or {MAX_BYTES_ENV}), e.g. --max-bytes 50MB")


def _read_limited(f: Any, name: str, limit: int) -> bytes:
    """Read a stream to its end, but never more than ``limit`` bytes (0: no limit)."""
    buf = bytearray()
    while True:
        want = _READ_BLOCK if not limit else min(_READ_BLOCK, limit + 1 - len(buf))
        block = f.read(want)
        if not block:
            return bytes(buf)
        buf += block
        if limit and len(buf) > limit:
            raise _too_big(name, f"more than {format_size(limit)}", limit)


def _open_error(path: str | os.PathLike, e: OSError) -> InputError:
    name = display_name(path)
    if isinstance(e, FileNotFoundError):
        parent = Path(path).parent
        if str(parent) not in ("", ".") and not parent.is_dir():
            return InputError(f"{name}: no such file (folder {display_name(parent)} does not exist)")
        return InputError(f"{name}: no such file")
    if isinstance(e, IsADirectoryError):
        return InputError(f"{name} is a folder, not a file")
    if isinstance(e, PermissionError):
        return InputError(f"{name}: permission denied")
    return InputError(f"{name}: cannot open it ({e.strerror or e})")


def check_input_paths(paths: Iterable[str | os.PathLike]) -> None:
    """Fail early, before any work, on a path that is missing or a folder (``"-"`` is fine).

    >>> check_input_paths(["-", "missing.txt"])
    Traceback (most recent call last):
    ...
    geo.errors.InputError: missing.txt: no such file
    """
    seen_dash = False
    for p in paths:
        if os.fspath(p) == "-":
            if seen_dash:
                raise InputError("standard input ('-') can be read only once")
            seen_dash = True
            continue
        try:
            st = os.stat(p)
        except OSError as e:
            raise _open_error(p, e) from None
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{display_name(p)} is a folder, not a file")


def read_bytes(path_or_dash: str | os.PathLike, *, max_bytes: int | str | None = None) -> bytes:
    """The bytes of a file, or of standard input for ``"-"``, refusing more than ``max_bytes``.

    A regular file over the limit is refused before it is read; a pipe is read up to the
    limit. ``max_bytes=None`` means ``$GEO_MAX_BYTES`` or 10 MB; ``0`` means no limit.

    >>> read_bytes("no/such/file.txt")
    Traceback (most recent call last):
    ...
    geo.errors.InputError: no/such/file.txt: no such file (folder no/such does not exist)
    """
    limit = max_bytes_from_env() if max_bytes is None else parse_size(max_bytes)
    name = display_name(path_or_dash)
    if os.fspath(path_or_dash) == "-":
        if sys.stdin is None:
            raise InputError("standard input is closed")
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream put in place of stdin (notebooks, tests)
            return _read_limited(io.BytesIO(sys.stdin.read().encode("utf-8", "surrogateescape")), name, limit)
        return _read_limited(stream, name, limit)
    try:
        f = open(path_or_dash, "rb")  # noqa: SIM115 - closed below; open errors get their own messages
    except OSError as e:
        raise _open_error(path_or_dash, e) from None
    with f:
        try:
            st = os.fstat(f.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise InputError(f"{name} is a folder, not a file")
            if limit and stat.S_ISREG(st.st_mode) and st.st_size > limit:
                raise _too_big(name, format_size(st.st_size), limit)
            return _read_limited(f, name, limit)
        except IsADirectoryError:
            raise InputError(f"{name} is a folder, not a file") from None
        except OSError as e:
            raise InputError(f"{name}: cannot read it ({e.strerror or e})") from None


# Signatures of common binary formats: (prefix, offset, what it is).
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image"),
    (b"\xff\xd8\xff", 0, "a JPEG image"),
    (b"GIF87a", 0, "a GIF image"),
    (b"GIF89a", 0, "a GIF image"),
    (b"II*\x00", 0, "a TIFF image"),
    (b"MM\x00*", 0, "a TIFF image"),
    (b"PK\x03\x04", 0, "a zip archive (or .docx, .xlsx, .epub)"),
    (b"PK\x05\x06", 0, "an empty zip archive"),
    (b"\x1f\x8b", 0, "a gzip file"),
    (b"\xfd7zXZ\x00", 0, "an xz file"),
    (b"(\xb5/\xfd", 0, "a zstd file"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-zip archive"),
    (b"Rar!\x1a\x07", 0, "a RAR archive"),
    (b"\x7fELF", 0, "an executable"),
    (b"\xcf\xfa\xed\xfe", 0, "an executable"),
    (b"\xca\xfe\xba\xbe", 0, "a Java class or executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "an Office document (.doc, .xls)"),
    (b"SQLite format 3\x00", 0, "an SQLite database"),
    (b"PAR1", 0, "a Parquet file"),
    (b"ARROW1", 0, "an Arrow file"),
    (b"\x89HDF\r\n\x1a\n", 0, "an HDF5 file"),
    (b"OggS", 0, "an Ogg media file"),
    (b"fLaC", 0, "a FLAC audio file"),
    (b"wOFF", 0, "a web font"),
    (b"wOF2", 0, "a web font"),
    (b"\x00asm", 0, "a WebAssembly module"),
    (b"ftyp", 4, "an MP4/QuickTime media file"),
    (b"WEBP", 8, "a WebP image"),
    (b"WAVE", 8, "a WAV audio file"),
    (b"AVI ", 8, "an AVI video"),
)
# Bytes that no text has in any 8-bit encoding: C0 controls but tab, LF, VT, FF, CR and ESC.
_CONTROL = bytes([*range(0x01, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


def _binary_kind(data: bytes) -> str | None:
    """What a binary file looks like, or None if it may be text."""
    for magic, offset, what in _MAGIC:
        if data[offset:offset + len(magic)] == magic:
            return what
    sample = data[:_SNIFF]
    if not sample:
        return None
    nul = sample.count(0)
    if nul > 0.3 * len(sample):
        return f"binary data ({100 * nul // len(sample)}% NUL bytes; if it is UTF-16 text, save it as UTF-8)"
    rest = len(sample) - nul
    control = rest - len(sample.translate(None, _CONTROL + b"\x00"))
    if rest and control > 0.05 * rest:
        return f"binary data ({100 * control // rest}% control bytes)"
    return None


def _decode_error(name: str, encoding: str, e: UnicodeDecodeError) -> InputError:
    return InputError(f"{name}: cannot decode it as {encoding}: byte 0x{e.object[e.start]:02x} at offset {e.start} "
                      "(give the right --encoding)")


def _strip_nul(text: str, name: str) -> str:
    n = text.count("\x00")
    if n:
        warnings.warn(f"{name}: removed {n} NUL byte{'s' if n > 1 else ''}", InputWarning, stacklevel=3)
        text = text.replace("\x00", "")
    return text


def decode_text(data: bytes, *, name: str = "the input", encoding: str | None = None, html: bool = False) -> str:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16/32 with a BOM, else a fallback.

    Bytes that are not UTF-8 are decoded as Windows-1252, or Latin-1 if that fails (for an
    HTML page, as its ``<meta charset>`` first), with an ``InputWarning``; a mostly-UTF-8
    text with a few bad bytes keeps UTF-8 and gets U+FFFD for them, with a warning. NUL
    bytes are removed with a warning. Binary data (known file signatures, mostly NUL or
    control bytes) raises ``InputError``. ``encoding`` forces a codec.

    >>> decode_text("Bakı".encode())
    'Bakı'
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     decode_text("Talks in Bogotá".encode("cp1252"), name="a.txt")
    'Talks in Bogotá'
    >>> str(w[0].message)
    'a.txt is not UTF-8: read it as Windows-1252'
    >>> decode_text(b"%PDF-1.7 ...", name="story.pdf")
    Traceback (most recent call last):
    ...
    geo.errors.InputError: story.pdf is not a text file: it looks like a PDF document
    >>> decode_text(b"")
    ''
    """
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}: give a Python codec name such as utf-8, cp1252, "
                             "latin-1 or utf-16") from None
        kind = _binary_kind(data)
        if kind and not kind.startswith("binary data"):  # NUL bytes are fine in UTF-16
            raise InputError(f"{name} is not a text file: it looks like {kind}")
        try:
            return _strip_nul(data.decode(encoding), name)
        except UnicodeDecodeError as e:
            raise _decode_error(name, encoding, e) from None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _strip_nul(data.decode(codec), name)
            except UnicodeDecodeError as e:
                raise _decode_error(name, codec, e) from None
    kind = _binary_kind(data)
    if kind:
        raise InputError(f"{name} is not a text file: it looks like {kind}")
    try:
        return _strip_nul(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "replace")
    replaced = text.count("\ufffd")
    bad = replaced - data.count(b"\xef\xbf\xbd")
    good = len(text) - len(text.encode("ascii", "ignore")) - replaced
    if good > 2 * bad:  # UTF-8 with a few broken bytes: keep UTF-8
        warnings.warn(f"{name}: {bad} byte sequence{'s are' if bad > 1 else ' is'} not valid UTF-8; "
                      "replaced with U+FFFD", InputWarning, stacklevel=2)
        return _strip_nul(text, name)
    if html:
        m = _META_CHARSET.search(data[:4096])
        if m:
            declared = m.group(1).decode("ascii").lower()
            with contextlib.suppress(LookupError, UnicodeDecodeError):
                if codecs.lookup(declared).name not in ("utf-8", "utf-16", "utf-32"):
                    return _strip_nul(data.decode(declared), name)
    for codec, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        warnings.warn(f"{name} is not UTF-8: read it as {label}", InputWarning, stacklevel=2)
        return _strip_nul(text, name)
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _looks_like_html(data: bytes) -> bool:
    """Whether standard input holds an HTML page (it starts like one)."""
    head = data[:4096].removeprefix(codecs.BOM_UTF8).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<?xml") and b"<html" in head)


def read_text(path_or_dash: str | os.PathLike, *, max_bytes: int | str | None = None, encoding: str | None = None,
              html: bool | None = None) -> str:
    """The text of an article file (``"-"``: standard input), as one str.

    ``.html``/``.htm`` pages (and HTML on standard input) give their article text (see
    ``html_to_text``); everything else is read as plain text. Errors are one-line
    ``InputError``s: a missing path, a folder, an unreadable or binary file, a file over
    ``max_bytes`` (``None``: ``$GEO_MAX_BYTES`` or 10 MB; ``0``: no limit). An empty file
    gives ``""``. See ``decode_text`` for encodings. The file is only read, never changed.

    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d, "story.html")
    ...     _ = p.write_text("<p>Talks in <i>Baku</i>.</p><script>var x;</script>")
    ...     read_text(p)
    'Talks in Baku.'
    >>> read_text("missing.txt")
    Traceback (most recent call last):
    ...
    geo.errors.InputError: missing.txt: no such file
    """
    name = display_name(path_or_dash)
    data = read_bytes(path_or_dash, max_bytes=max_bytes)
    if html is None:
        if os.fspath(path_or_dash) == "-":
            html = _looks_like_html(data)
        else:
            html = Path(path_or_dash).suffix.lower() in HTML_SUFFIXES
    text = decode_text(data, name=name, encoding=encoding, html=html)
    return html_to_text(text) if html else text
