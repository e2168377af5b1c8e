"""The documents of a JSONL file (one ``{"id", "text"}`` object per line), or of a byte range of it.

A corpus is split into byte ranges at line boundaries, so that each worker reads only its
part: a range holds the lines that *begin* in it. Each line is decoded as ``geo places``
decodes a file (``geo.io.read.decode_text``), and a line over ``max_bytes`` is skipped
without ever being held whole.

>>> import tempfile, pathlib, json
>>> with tempfile.TemporaryDirectory() as d:
...     p = pathlib.Path(d, "docs.jsonl")
...     _ = p.write_text(json.dumps({"id": "a", "text": "Talks in Baku."}) + "\\n[1]\\n")
...     list(read_jsonl(p))
[('a', 'Talks in Baku.', None), ('docs.jsonl@38', None, 'a JSON line is a list, not an object')]
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from geo.errors import InputError
from geo.io.read import decode_text, format_size, max_bytes_from_env, parse_size

__all__ = ["read_jsonl"]


def _line(f: Any, limit: int) -> bytes | None:
    """The next line of ``f`` (None at the end), or ``b""`` for a line over ``limit`` bytes,
    which is read past in blocks and never held whole."""
    line = f.readline(limit + 1) if limit else f.readline()
    if not line:
        return None
    if not limit or len(line) <= limit or line.endswith(b"\n"):
        return line
    while True:  # the rest of an over-long line
        block = f.readline(1 << 20)
        if not block or block.endswith(b"\n"):
            return b""


def read_jsonl(path: str | os.PathLike, start: int = 0, end: int | None = None, *, name: str | None = None,
               max_bytes: int | str | None = None,
               encoding: str | None = None) -> Iterator[tuple[str, Any, str | None]]:
    """``(doc_id, text, error)`` for each line that begins in bytes ``[start, end)`` of ``path``.

    ``doc_id`` is the line's ``id``, else ``<name>@<byte offset>`` (``name``: the path's file
    name). ``error`` says why a line gives no document (not JSON, no ``text``, over the size
    limit, not decodable); then ``text`` is None. ``text`` is whatever the line holds: the
    caller checks that it is a str. ``max_bytes``: ``None`` for ``$GEO_MAX_BYTES`` or 10 MB, 0
    for no limit. Blank lines are passed over.
    """
    limit = max_bytes_from_env() if max_bytes is None else parse_size(max_bytes)
    name = name if name is not None else os.path.basename(os.fspath(path))
    with open(path, "rb") as f:
        if end is None:
            end = os.fstat(f.fileno()).st_size
        if start > 0:
            f.seek(start - 1)
            f.readline()  # the line that began before start belongs to the previous range
        while True:
            offset = f.tell()
            if offset >= end:
                return
            line = _line(f, limit)
            if line is None:
                return
            doc_id = f"{name}@{offset}"  # unless the line has an id
            if line == b"":
                yield doc_id, None, f"the line is over the {format_size(limit)} input limit (see --max-bytes)"
                continue
            if not line.strip():
                continue
            try:
                rec = json.loads(decode_text(line, name=doc_id, encoding=encoding))
            except InputError as e:
                yield doc_id, None, str(e)
                continue
            except ValueError as e:
                yield doc_id, None, f"not a JSON line: {e}"
                continue
            if not isinstance(rec, dict):
                yield doc_id, None, f"a JSON line is a {type(rec).__name__}, not an object"
                continue
            if rec.get("id") is not None:
                doc_id = str(rec["id"])
            if "text" not in rec:
                yield doc_id, None, "no 'text' field"
                continue
            yield doc_id, rec["text"], None
