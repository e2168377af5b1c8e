"""One way in and one way out: reading articles and writing results, for every command and function.

- ``geo.io.read``: paths, standard input and bytes as text: size limits, encodings, binary
  files refused, HTML pages' article text (``read_text``, ``decode_text``, ``read_bytes``).
- ``geo.io.html``: the article text of an HTML page (``html_to_text``).
- ``geo.io.jsonl``: the documents of a JSONL file, or of a byte range of it (``read_jsonl``).
- ``geo.io.write``: output paths checked before the work, atomic writes, the GeoJSON writer and
  the GeoParquet writer.

>>> from geo.io import decode_text
>>> decode_text("Talks in Bogotá".encode("utf-8"))
'Talks in Bogotá'
"""

from geo.io.html import html_to_text
from geo.io.jsonl import read_jsonl
from geo.io.read import (
    DEFAULT_MAX_BYTES,
    HTML_SUFFIXES,
    MAX_BYTES_ENV,
    InputWarning,
    check_input_paths,
    decode_text,
    display_name,
    format_size,
    max_bytes_from_env,
    parse_size,
    printable,
    read_bytes,
    read_text,
)
from geo.io.write import (
    GeoParquetWriter,
    atomic_output,
    check_output_path,
    json_default,
    number,
    places_geojson,
    write_text_atomic,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "GeoParquetWriter",
    "HTML_SUFFIXES",
    "MAX_BYTES_ENV",
    "InputWarning",
    "atomic_output",
    "check_input_paths",
    "check_output_path",
    "decode_text",
    "display_name",
    "format_size",
    "html_to_text",
    "json_default",
    "max_bytes_from_env",
    "number",
    "parse_size",
    "places_geojson",
    "printable",
    "read_bytes",
    "read_jsonl",
    "read_text",
    "write_text_atomic",
]
