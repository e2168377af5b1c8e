"""``geo places``: the mentions of the files and their places, as a table, JSON, GeoJSON or CSV."""

from __future__ import annotations

import os
from pathlib import Path

import click

from geo.cli.main import log
from geo.cli.options import geoparse_files, input_options


@click.command("places")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "geojson", "csv"]), default="table",
              show_default=True,
              help="table: aligned columns; json: a list of mentions; geojson: a FeatureCollection of the "
                   "places; csv: one row per mention.")
@click.option("-o", "--output", default=None, metavar="PATH",
              help="Write to this file (atomically) instead of standard output.")
@input_options
def places_command(files: tuple[str, ...], fmt: str, output: str | None, max_bytes: int, encoding: str | None,
                   progress: bool | None, overrides_file: Path | None) -> None:
    """List the place mentions in FILE... and the places they resolve to.

    Each mention gives its file, character offsets (into the file's text; into the
    extracted text for HTML), text, form (name or demonym) and its place: id, name, kind,
    country, lat, lon. An input that names no place prints "no places found" (table),
    [] (json), an empty FeatureCollection (geojson) or only the header (csv).

    Inputs: a file over --max-bytes (10 MB) is refused, saying how to raise the limit;
    longer or denser texts are geoparsed in pieces (100,000 characters, 1,000 names) in
    bounded memory. Text that is not UTF-8 is read as Windows-1252 or Latin-1, with a
    warning; NUL bytes are removed, with a warning. Binary files are refused.
    """
    from geo.io import check_output_path, write_text_atomic
    from geo.texts import format_mentions

    path = check_output_path(output, files) if output is not None else None
    articles = geoparse_files(files, max_bytes=max_bytes, encoding=encoding, progress=progress,
                               overrides_file=overrides_file)
    if not any(a.mentions for a in articles):
        log.info("no places found")
    text = format_mentions(articles, fmt)
    if path is None:
        click.echo(text)
    else:
        write_text_atomic(path, text + "\n")
        click.echo(click.format_filename(os.fspath(path)), err=True)
