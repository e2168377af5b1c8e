"""``geo map``: one self-contained offline page of the places the files mention."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import click

from geo.cli.main import log
from geo.cli.options import geoparse_files, import_in_background, input_options


@click.command("map")
@click.option("-o", "--output", default="map.html", show_default=True, metavar="PATH",
              help="The HTML file to write (its folder must exist; never one of the inputs).")
@click.option("--tiles", metavar="NAME", default=None,
              help="Web map tiles under the places, e.g. OpenStreetMap or 'CartoDB Positron' "
                   "[default: the offline country basemap; tiles need the network when viewed].")
@click.option("--title", metavar="TEXT", default=None, help="Title of the map.")
@input_options
def map_command(files: tuple[str, ...], output: str, tiles: str | None, title: str | None, max_bytes: int,
                encoding: str | None, progress: bool | None, overrides_file: Path | None) -> None:
    """Draw the places FILE... mention on one map, a self-contained HTML file.

    Several files make one map, mention counts summed. The page loads nothing from the
    network (unless --tiles is given). An empty file, or one that names no place, still
    gives a map (saying no places were found), with a warning. Prints the path written.

    Inputs: a file over --max-bytes (10 MB) is refused, saying how to raise the limit;
    longer or denser texts are geoparsed in pieces (100,000 characters, 1,000 names) in
    bounded memory. Text that is not UTF-8 is read as Windows-1252 or Latin-1, with a
    warning; NUL bytes are removed, with a warning. Binary files are refused.
    """
    from geo.io import check_output_path

    path = check_output_path(output, files)  # before any work
    # folium takes ~0.3 s to import, while the text is geoparsed; without pandas, which it imports
    # only if it is there: a map of articles needs neither pandas nor geopandas.
    maps_module = import_in_background("geo.maps", without=("pandas",))
    articles = geoparse_files(files, max_bytes=max_bytes, encoding=encoding, progress=progress,
                               overrides_file=overrides_file)
    places = len({m.place.id for a in articles for m in a.mentions if m.place is not None})
    if not places:
        warnings.warn("no places found; the map is empty", UserWarning, stacklevel=1)
    maps_module.join()
    from geo.maps import map_places, save_map

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="map_places: no places to draw")
        m = map_places(articles, tiles=tiles, title=title)
    written = save_map(m, path)
    log.info("%d places from %d files", places, len(articles))
    click.echo(click.format_filename(os.fspath(written)))
