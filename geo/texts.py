"""Texts: read articles from files, geoparse them, and write what was found.

``read_text`` reads a ``.txt``/``.md`` file, an ``.html`` page (its article text) or standard
input (``"-"``). It refuses, with a one-line ``InputError``, what is not a readable text file:
a missing path, a folder, a binary file (PDF, image, archive, mostly NUL bytes), a file over
``max_bytes``. Text that is not UTF-8 is decoded as Windows-1252 (then Latin-1) with an
``InputWarning``; NUL bytes inside text are removed with a warning. ``html_to_text`` extracts
an article's text with the standard library's ``html.parser`` in time linear in the page.

>>> html_to_text("<html><nav>Home | World</nav><p>Talks in <b>Baku</b>.</p><p>Then Yerevan.</p></html>")
'Talks in Baku.\\n\\nThen Yerevan.'
>>> html_to_text("")
''

``geoparse_text`` geoparses a text of any length in bounded memory (long texts in pieces of
about ``CHUNK_CHARS`` characters, cut at paragraph ends); ``merge_places`` builds one places
GeoDataFrame from several documents; ``format_mentions`` writes the mentions as an aligned
table, JSON, GeoJSON or CSV.

>>> article = geoparse_text("Talks in Baku and Yerevan.", name="a.txt")
>>> [(m.text, m.place.name) for m in article.mentions]
[('Baku', 'Baku'), ('Yerevan', 'Yerevan')]
>>> merge_places([article, geoparse_text("Baku replied.")])[["name", "mentions"]].values.tolist()
[['Baku', 2], ['Yerevan', 1]]
>>> merge_places([geoparse_text("")]).empty
True
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import re
import stat
import sys
import tempfile
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from geo.gazetteer import Gazetteer
    from geo.resolve import Document, Mention

__all__ = [
    "CHUNK_CHARS",
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "HTML_SUFFIXES",
    "MAX_BYTES_ENV",
    "MAX_MENTIONS",
    "Article",
    "InputWarning",
    "check_input_paths",
    "check_output_path",
    "decode_text",
    "format_mentions",
    "format_size",
    "geoparse_text",
    "html_to_text",
    "max_bytes_from_env",
    "merge_places",
    "parse_size",
    "places_geojson",
    "read_bytes",
    "read_text",
    "write_text_atomic",
]

#: Inputs larger than this (in bytes) are refused unless ``max_bytes`` (``geo --max-bytes``,
#: or the ``GEO_MAX_BYTES`` environment variable) raises the limit; 0 means no limit.
DEFAULT_MAX_BYTES = 10_000_000
MAX_BYTES_ENV = "GEO_MAX_BYTES"
#: Texts longer than this (in characters) are geoparsed in pieces cut at paragraph ends, so
#: memory stays bounded; shorter texts (every news article) are geoparsed whole.
CHUNK_CHARS = 100_000
#: Texts that name more places than this are geoparsed in pieces too: resolution compares
#: every mention with every other, so its cost grows with the square of their number.
MAX_MENTIONS = 1000
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
FORMATS = ("table", "json", "geojson", "csv")
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
def _display(path: str | os.PathLike) -> str:
    """A path as it can always be printed (undecodable bytes of a file name escaped)."""
    s = os.fspath(path)
    if s == "-":
        return "standard input"
    raw = s if isinstance(s, bytes) else os.fsencode(s)
    return raw.decode("utf-8", "backslashreplace")


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
    name = _display(path)
    if isinstance(e, FileNotFoundError):
        parent = Path(path).parent
        if str(parent) not in ("", ".") and not parent.is_dir():
            return InputError(f"{name}: no such file (folder {_display(parent)} does not exist)")
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
            raise InputError(f"{_display(p)} is a folder, not a file")


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
    name = _display(path_or_dash)
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
    name = _display(path_or_dash)
    data = read_bytes(path_or_dash, max_bytes=max_bytes)
    if html is None:
        if os.fspath(path_or_dash) == "-":
            html = _looks_like_html(data)
        else:
            html = Path(path_or_dash).suffix.lower() in HTML_SUFFIXES
    text = decode_text(data, name=name, encoding=encoding, html=html)
    return html_to_text(text) if html else text


# -- HTML ----------------------------------------------------------------------------------------
# Raw-text elements: their content is not HTML, and never article text; dropped whole.
_RAW = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"})
# Elements whose content is not the story.
_SKIP = frozenset({"nav", "header", "footer", "aside", "template", "svg", "math", "button", "select", "datalist",
                   "object", "embed", "canvas", "audio", "video", "menu", "dialog", "head"})
_PARAGRAPH = frozenset({"p", "div", "section", "article", "main", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5",
                        "h6", "ul", "ol", "dl", "table", "figure", "figcaption", "address", "hr", "body", "html",
                        "details", "summary", "fieldset", "center"})
_LINE = frozenset({"br", "li", "dt", "dd", "tr", "td", "th", "caption", "option", "label", "legend"})
# A start tag: its name, then attributes up to ">" (quoted values of bounded length, no bare "<"),
# so that a failed match stops at the next "<" and scanning a page stays linear in its length.
_START_TAG = re.compile(r"""<([a-zA-Z][a-zA-Z0-9:_.-]*)(?=[\s/>])(?:[^<>"']|"[^"]{0,8192}"|'[^']{0,8192}')*>""")
_END_TAG = re.compile(r"""</\s*([a-zA-Z][a-zA-Z0-9:_.-]*)(?![a-zA-Z0-9:_.-])[^<>]*>""")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _Ahead:
    """``str.find`` for a scan that only moves forward: each needle's last hit is reused."""

    def __init__(self, s: str) -> None:
        self.s = s
        self.hits: dict[str, int] = {}

    def find(self, needle: str, start: int) -> int:
        hit = self.hits.get(needle)
        if hit is None or (hit != -1 and hit < start):
            hit = self.hits[needle] = self.s.find(needle, start)
        return hit


def _simplify_html(html: str) -> str:
    """The page with comments, declarations and raw-text elements removed, every tag reduced
    to ``<name>``/``</name>`` and every stray ``<`` escaped: input ``html.parser`` reads in
    linear time (it is quadratic on some unclosed constructs, and raises on others)."""
    low = _Ahead(html.translate(_ASCII_LOWER))  # same length: ASCII letters only
    ahead = _Ahead(html)
    out: list[str] = []
    pos, n = 0, len(html)
    i = html.find("<")
    while i >= 0:
        out.append(html[pos:i])
        if html.startswith("<!--", i):
            j = ahead.find("-->", i + 4)
            nxt = n if j < 0 else j + 3
        elif html.startswith(("<!", "<?"), i):
            j = ahead.find(">", i + 2)
            nxt = n if j < 0 else j + 1
        elif html.startswith("</", i):
            m = _END_TAG.match(html, i)
            if m:
                out.append(f"</{m.group(1).translate(_ASCII_LOWER)}>")
                nxt = m.end()
            else:
                out.append("&lt;")
                nxt = i + 1
        else:
            m = _START_TAG.match(html, i)
            if m is None:
                out.append("&lt;")
                nxt = i + 1
            else:
                name = m.group(1).translate(_ASCII_LOWER)
                nxt = m.end()
                if name in _RAW:  # drop the element and its content
                    j = low.find(f"</{name}", nxt)
                    k = -1 if j < 0 else ahead.find(">", j)
                    nxt = n if k < 0 else k + 1
                    out.append("<br>")
                else:
                    out.append(f"<{name}>")
        pos = nxt
        i = html.find("<", pos)
    out.append(html[pos:])
    return "".join(out)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.article = 0
        self.open: dict[str, list[bool]] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "body" and self.open.get("head"):  # no </head>: the body ends it
            self.skipping -= sum(self.open.pop("head"))
        if tag in ("article", "main"):
            self.article += 1
        if tag in _SKIP:
            # A page's header and footer are not the story; an article's header holds its headline.
            skip = not (tag in ("header", "footer") and self.article > 0)
            self.open.setdefault(tag, []).append(skip)
            self.skipping += skip
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in _LINE:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("article", "main") and self.article:
            self.article -= 1
        if tag in _SKIP and self.open.get(tag):
            self.skipping -= self.open[tag].pop()
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in _LINE and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


_BLANKS = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """The readable text of an HTML page: paragraphs separated by blank lines.

    Drops scripts, styles, comments, the head, navigation, the page's header and footer (an
    ``<article>``'s own header and footer, with the headline, are kept), asides, buttons,
    SVG and templates. Never recurses, and runs in time linear in the page however deeply
    nested or malformed it is.

    >>> html_to_text("<header>My Site</header><article><h1>Baku talks</h1><p>Leaders met &amp; spoke.</p></article>")
    'Baku talks\\n\\nLeaders met & spoke.'
    >>> html_to_text("<div>" * 1000 + "Yerevan" + "</div>" * 1000)
    'Yerevan'
    >>> html_to_text("a < b and c<d")
    'a < b and c<d'
    """
    if "\x00" in html:
        html = html.replace("\x00", "")
    parser = _Extractor()
    parser.feed(_simplify_html(html))
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


# -- geoparsing -----------------------------------------------------------------------------------
def _pieces(text: str, size: int) -> list[tuple[int, str]]:
    """``(offset, piece)`` pairs of at most ``size`` characters, cut after a paragraph, line,
    sentence or word where there is one."""
    if len(text) <= size:
        return [(0, text)]
    out, pos, n = [], 0, len(text)
    while pos < n:
        end = pos + size
        if end >= n:
            out.append((pos, text[pos:]))
            break
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            k = text.rfind(sep, pos + size // 2, end)
            if k >= 0:
                cut = k + len(sep)
                break
        if cut <= pos:
            cut = end
        out.append((pos, text[pos:cut]))
        pos = cut
    return out


@dataclass(frozen=True)
class Article:
    """A geoparsed text: its name (a path, ``"-"``), the text, and the documents of its pieces.

    A text of up to ``CHUNK_CHARS`` characters is one ``geo.Document``; a longer one is
    geoparsed in pieces, and ``mentions`` gives their offsets into the whole text.
    """

    name: str
    text: str
    documents: tuple[Document, ...]
    offsets: tuple[int, ...]

    @property
    def mentions(self) -> list[Mention]:
        """Every mention, in text order, with offsets into ``text``."""
        if len(self.documents) == 1:
            return list(self.documents[0].mentions)
        out: list[Mention] = []
        for off, doc in zip(self.offsets, self.documents):
            for m in doc.mentions:
                out.append(dataclasses.replace(m, start=m.start + off, end=m.end + off, index=len(out)))
        return out

    @property
    def places(self) -> gpd.GeoDataFrame:
        """One row per place, like ``Document.places`` (``first``: an offset into ``text``)."""
        if len(self.documents) == 1:
            return self.documents[0].places
        frames = []
        for off, doc in zip(self.offsets, self.documents):
            p = doc.places
            p["first"] = p["first"] + off
            frames.append(p)
        return merge_places(frames)


def _dense_cuts(text: str, starts: list[int], ends: list[int], limit: int) -> list[int]:
    """Offsets that cut ``text`` into pieces of at most ``limit`` recognised spans, after a
    line or sentence where there is one, else in the gap between two spans."""
    cuts: list[int] = []
    first = 0  # index of the first span of the current piece
    while len(starts) - first > limit:
        k = first + limit  # the first span that must go to the next piece
        lo, hi = ends[first + limit // 2], starts[k]
        cut = -1
        for sep in ("\n", ". "):
            j = text.rfind(sep, lo, hi)
            if j >= 0:
                cut = j + len(sep)
                break
        if cut < 0:
            gap = text.rfind(" ", ends[k - 1], hi)
            cut = gap + 1 if gap >= 0 else hi
        cuts.append(cut)
        first = bisect.bisect_left(starts, cut)
    return cuts


def geoparse_text(text: str, *, name: str = "<text>", gazetteer: Gazetteer | None = None,
                  chunk_chars: int = CHUNK_CHARS, max_mentions: int = MAX_MENTIONS,
                  overrides: Mapping[str, str] | None = None) -> Article:
    """Geoparse a text of any length in bounded memory and linear time; see ``Article``.

    A text of at most ``chunk_chars`` characters and ``max_mentions`` recognised names (every
    news article) gives exactly ``geo.geoparse(text)``. A longer or denser one is geoparsed
    in pieces cut at paragraph, line or sentence ends; document context (one sense per name,
    nearby places) then works within each piece. ``overrides`` is ``geo.geoparse``'s house
    list of readings, ``{name: place id}``.

    >>> geoparse_text("Talks in Baku.").mentions[0].place.country
    'AZ'
    >>> len(geoparse_text("Baku and Yerevan. " * 300, max_mentions=100).documents)
    6
    >>> geoparse_text("").mentions
    []
    """
    from geo.gazetteer import load_gazetteer
    from geo.mentions import find_mentions
    from geo.resolve import geoparse

    gaz = gazetteer or load_gazetteer()
    limit = max(1, int(max_mentions))
    pieces: list[tuple[int, str]] = []
    for off, piece in _pieces(text, max(1, int(chunk_chars))):
        if len(piece) <= 3 * limit:  # too short to hold that many names
            pieces.append((off, piece))
            continue
        spans = find_mentions(piece, gaz)
        cuts = _dense_cuts(piece, [s.start for s in spans], [s.end for s in spans], limit)
        for a, b in zip([0, *cuts], [*cuts, len(piece)]):
            pieces.append((off + a, piece[a:b]))
    if overrides:
        from geo.resolve import check_overrides

        overrides = check_overrides(overrides, gaz)  # a bad id fails even on a text without names
    docs = tuple(geoparse(piece, gazetteer=gaz, overrides=overrides) for _, piece in pieces)
    return Article(name, text, docs, tuple(off for off, _ in pieces))


_PLACE_COLUMNS = ["id", "name", "kind", "country", "geonameid", "mentions", "first", "forms", "texts", "sentences",
                  "lat", "lon", "place", "geometry"]


def merge_places(items: Iterable[Any]) -> gpd.GeoDataFrame:
    """One places GeoDataFrame from several documents (``Document``, ``Article`` or places frames).

    Rows of one place id are merged: ``mentions`` summed, ``forms`` united, ``texts`` and
    ``sentences`` joined; the other columns (``first`` too) come from the first item that
    names the place. Places keep the order in which they first appear.

    >>> import geo
    >>> gdf = merge_places([geo.geoparse("Baku, then Baku."), geo.geoparse("Baku and Goris.")])
    >>> gdf[["name", "mentions"]].values.tolist()
    [['Baku', 3], ['Goris', 1]]
    >>> len(merge_places([]))
    0
    """
    import geopandas as gpd

    rows: dict[Any, dict[str, Any]] = {}
    columns = list(_PLACE_COLUMNS)
    for item in items:
        gdf = item if isinstance(item, gpd.GeoDataFrame) else item.places
        if gdf.empty:
            continue
        columns += [c for c in gdf.columns if c not in columns]
        for rec in gdf.to_dict("records"):
            r = rows.get(rec.get("id"))
            if r is None:
                r = rows[rec.get("id")] = dict(rec)
                r["texts"] = list(rec.get("texts") or [])
                r["sentences"] = list(rec.get("sentences") or [])
                continue
            r["mentions"] = int(r.get("mentions") or 0) + int(rec.get("mentions") or 0)
            forms = set(filter(None, str(r.get("forms") or "").split(","))) | set(
                filter(None, str(rec.get("forms") or "").split(",")))
            r["forms"] = ",".join(sorted(forms))
            r["texts"] += list(rec.get("texts") or [])
            r["sentences"] += list(rec.get("sentences") or [])
    return gpd.GeoDataFrame(list(rows.values()), columns=columns, geometry="geometry", crs=4326)


# -- output --------------------------------------------------------------------------------------
def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _json_default(v: Any) -> Any:
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return str(v)


def _mention_record(name: str, m: Mention) -> dict[str, Any]:
    p = m.place
    place = None if p is None else {"id": p.id, "name": p.name, "kind": p.kind, "country": p.country,
                                    "geonameid": p.geonameid, "lat": _num(p.lat), "lon": _num(p.lon)}
    return {"file": name, "start": m.start, "end": m.end, "text": m.text, "form": m.form, "score": _num(m.score),
            "place": place}


def places_geojson(places: gpd.GeoDataFrame) -> str:
    """The places as a GeoJSON FeatureCollection string (like ``Document.to_geojson``).

    >>> import geo, json
    >>> json.loads(places_geojson(geo.geoparse("Talks in Baku.").places))["features"][0]["properties"]["name"]
    'Baku'
    >>> places_geojson(merge_places([]))
    '{"type": "FeatureCollection", "features": []}'
    """
    import shapely

    feats = []
    for r in places.to_dict("records"):
        g = r.get("geometry")
        geom = None if g is None or shapely.is_missing(g) else json.loads(shapely.to_geojson(g))
        feats.append({"type": "Feature", "id": r.get("id"), "geometry": geom,
                      "properties": {"name": r.get("name"), "kind": r.get("kind"),
                                     "country": r.get("country") if isinstance(r.get("country"), str) else None,
                                     "geonameid": _gnid(r.get("geonameid")),
                                     "mentions": int(r.get("mentions") or 0), "first": r.get("first"),
                                     "forms": r.get("forms"), "texts": list(r.get("texts") or []),
                                     "lat": _num(r.get("lat")), "lon": _num(r.get("lon"))}})
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False, default=_json_default,
                      allow_nan=False)


def _gnid(v: Any) -> int | None:
    """A GeoNames id as an int, or None (missing, NA, 0)."""
    try:
        return int(v) if v is not None and v == v and int(v) > 0 else None
    except (TypeError, ValueError):
        return None


def _cell(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4f}"
    return " ".join(str(v).split()) or "-"


def _width(s: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


_TABLE = [("file", "<"), ("start", ">"), ("end", ">"), ("text", "<"), ("form", "<"), ("place", "<"), ("kind", "<"),
          ("country", "<"), ("lat", ">"), ("lon", ">"), ("id", "<")]
_CSV = ["file", "start", "end", "text", "form", "place_id", "place", "kind", "country", "geonameid", "lat", "lon",
        "score"]


def format_mentions(articles: Sequence[Article], fmt: str = "table") -> str:
    """The mentions of some articles as text: ``table`` (aligned columns), ``json`` (a list
    of mentions), ``geojson`` (a FeatureCollection of their places) or ``csv`` (a row per
    mention). With no mentions: ``"no places found"``, ``[]``, an empty collection, a header.

    >>> print(format_mentions([geoparse_text("Talks in Baku.", name="a.txt")]))
    start  end  text  form  place  kind  country      lat      lon  id
        9   13  Baku  name  Baku   city  AZ       40.3777  49.8920  city:587084
    >>> format_mentions([geoparse_text("", name="a.txt")], "json")
    '[]'
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "geojson":
        return places_geojson(merge_places(articles))
    records = [_mention_record(a.name if a.name == "-" else _display(a.name), m) for a in articles
               for m in a.mentions]
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2, default=_json_default)
    flat = []
    for r in records:
        p = r["place"] or {}
        flat.append({"file": r["file"], "start": r["start"], "end": r["end"], "text": r["text"], "form": r["form"],
                     "place_id": p.get("id"), "id": p.get("id"), "place": p.get("name"), "kind": p.get("kind"),
                     "country": p.get("country"), "geonameid": p.get("geonameid"), "lat": p.get("lat"),
                     "lon": p.get("lon"), "score": r["score"]})
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=_CSV, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(flat)
        return buf.getvalue().rstrip("\n")
    if not flat:
        return "no places found"
    cols = [c for c in _TABLE if c[0] != "file" or len(articles) > 1]
    cells = [[c for c, _ in cols]] + [[_cell(r[c]) for c, _ in cols] for r in flat]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(cols))]
    lines = []
    for row in cells:
        out = []
        for (_, align), w, v in zip(cols, widths, row):
            pad = " " * (w - _width(v))
            out.append(pad + v if align == ">" else v + pad)
        lines.append("  ".join(out).rstrip())
    return "\n".join(lines)


# -- writing -------------------------------------------------------------------------------------
def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def check_output_path(output: str | os.PathLike, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Check, before any work, that ``output`` can be written: its folder exists, it is not a
    folder, and it is none of ``inputs`` (which it would overwrite). Returns it as a Path.

    >>> check_output_path("no/such/folder/map.html")
    Traceback (most recent call last):
    ...
    geo.errors.InputError: cannot write no/such/folder/map.html: folder no/such/folder does not exist
    """
    path = Path(output)
    name = _display(path)
    if os.fspath(output) == "-":
        raise InputError("the output must be a file, not standard output ('-')")
    if path.is_dir():
        raise InputError(f"cannot write {name}: it is a folder")
    if not path.absolute().parent.is_dir():
        raise InputError(f"cannot write {name}: folder {_display(path.parent)} does not exist")
    for src in inputs:
        if os.fspath(src) != "-" and _same_file(src, path):
            raise InputError(f"refusing to write {name}: it is also an input file")
    return path


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and
    ``os.replace``: readers see the old file or the new one, never a partial one.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_text_atomic(pathlib.Path(d, "out.json"), "[]").read_text()
    '[]'
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.absolute().parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path
