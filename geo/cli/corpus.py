"""``geo corpus``: many articles in parallel (Dask) into GeoParquet, and their aggregate map."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import click

from geo.corpus import _expand, _Units, write_corpus


@click.command("corpus")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="GeoParquet file of mentions, one row per mention.")
@click.option("--places", "places_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="GeoParquet file of places with counts [default: <output stem>.places.parquet].")
@click.option("--map", "map_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write an aggregate map as self-contained HTML.")
@click.option("--top", type=click.IntRange(min=0), default=50, show_default=True,
              help="Most mentioned places drawn as circles on the map.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 [default: local processes].")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes [default: all cores; a corpus under 256 KB runs in one process].")
@click.option("--blocksize", type=click.IntRange(min=1), default=None, hidden=True)
@click.option("--progress/--no-progress", default=None, help="Progress bar [default: when stderr is a terminal].")
@click.option("--max-bytes", metavar="SIZE", default=None, envvar="GEO_MAX_BYTES", show_envvar=True,
              help="Skip larger files and JSONL lines [default: 10MB; e.g. 50MB, 2GiB; 0: no limit].")
@click.option("--encoding", metavar="CODEC", default=None,
              help="Decode the files with this codec [default: UTF-8, else Windows-1252 or Latin-1 with a warning].")
@click.option("--overrides", "overrides_file", metavar="FILE", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="A house list of readings, a CSV file with columns name,place_id (e.g. Georgia,country:GE).")
@click.pass_context
def corpus_command(ctx: click.Context, paths: tuple[str, ...], output: Path, places_out: Path | None,
                   map_out: Path | None, top: int, scheduler: str | None, workers: int | None, blocksize: int | None,
                   progress: bool | None, max_bytes: str | None, encoding: str | None,
                   overrides_file: Path | None = None) -> None:
    """Geoparse a corpus in parallel: folders, globs, .txt/.md/.html files or JSONL (id, text).

    Writes one row per mention to OUTPUT and one row per place to <stem>.places.parquet
    (GeoParquet, EPSG:4326), each only when the run has succeeded (an earlier file is
    kept until then). Files are read as `geo places` reads them. Bad documents (binary,
    over --max-bytes, not decodable) are reported and skipped. With --scheduler, the
    workers need geo installed and the PATHS on a shared file system. Prints the paths
    written.
    """
    from geo.io import printable
    if scheduler is not None and workers is not None:
        raise click.UsageError("--workers applies to the local cluster; leave it out with --scheduler")
    group = ctx.parent.params if ctx.parent is not None else {}  # the geo group's --shapes and -q/-v
    quiet = group.get("quiet", 0) - group.get("verbose", 0) > 0
    if progress is None:
        progress = sys.stderr.isatty() and not quiet
    shapes = group.get("shapes")
    overrides = None
    if overrides_file is not None:
        from geo.resolve import load_overrides

        overrides = load_overrides(overrides_file)
    # A missing path or a bad --max-bytes/--encoding fails here, before a cluster starts.
    units = _expand(list(paths), paths_only=True, read=(max_bytes, encoding))
    skipped: list[str] = []

    def on_skip(doc_id: str, reason: str) -> None:
        skipped.append(doc_id)
        click.echo(f"geo: skipped {printable(doc_id)}: {printable(reason)}", err=True)

    def on_warning(message: str) -> None:
        if not quiet:
            click.echo(f"geo: warning: {printable(message)}", err=True)

    run = write_corpus(_Units(units), output, places=places_out, scheduler=scheduler, workers=workers,
                       progress=progress, on_skip=on_skip, on_warning=on_warning, blocksize=blocksize,
                       shapes=shapes, overrides=overrides)
    click.echo(f"geo: {run.documents} documents, {run.mentions} mentions of {run.places} places in "
               f"{run.seconds:.1f} s ({run.docs_per_second:.0f} docs/s)", err=True)
    written = [run.outputs["mentions"], run.outputs["places"]]
    if map_out is not None:
        from geo.maps import aggregate_map, save_map

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            m = aggregate_map(run.place_table, top=top, title=f"{run.documents} documents, {run.mentions} mentions",
                              gazetteer=shapes)
        written.append(save_map(m, map_out))
    for path in written:
        click.echo(click.format_filename(os.fspath(path)))
    click.echo(f"geo: skipped {len(run.skipped)} documents", err=True)
