"""The ``geo`` command: map or list the places that news articles mention.

A thin shell over the modules (reading: ``geo.texts``; geoparsing: ``geo.resolve``; maps:
``geo.maps``): it parses arguments and reports errors. Every error is one line,
``geo: error: ...`` on standard error, with exit status 2 for bad input or usage (1 for an
internal error, whose traceback ``-v`` shows); warnings are ``geo: warning: ...`` lines.

    geo map story.txt                        # writes map.html, prints its path
    geo map a.txt b.html - -o caucasus.html   # several files (and standard input), one map
    geo places story.txt --format csv         # one row per mention

>>> from click.testing import CliRunner
>>> r = CliRunner().invoke(main, ["places", "-"], input="Talks in Baku.")
>>> r.exit_code, r.output.splitlines()[1].split()[:4]
(0, ['9', '13', 'Baku', 'name'])
>>> r = CliRunner().invoke(main, ["places", "missing.txt"])
>>> r.exit_code, r.stderr
(2, 'geo: error: missing.txt: no such file\\n')
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import re
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

import geo
from geo.errors import GeoError

__all__ = ["main"]

log = logging.getLogger("geo")

# How many files make a progress bar worth showing (when standard error is a terminal).
PROGRESS_MIN_FILES = 4
EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _one_line(message: Any) -> str:
    return re.sub(r"\s*\n\s*", " ", str(message).strip()) or "unknown error"


def _error(message: Any) -> None:
    click.echo(f"geo: error: {_one_line(message)}", err=True)


def _os_error(e: OSError) -> str:
    if e.strerror and e.filename is not None:
        return f"{click.format_filename(e.filename)}: {e.strerror[:1].lower()}{e.strerror[1:]}"
    return str(e.strerror or e)


class _StderrHandler(logging.Handler):
    """Log records as ``geo: message`` lines on the current standard error."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(f"geo: {self.format(record)}", err=True)
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


@dataclass
class _State:
    verbosity: int = 0
    shapes: Path | None = None


_state = _State()


def _setup_logging(verbosity: int) -> None:
    for h in [h for h in log.handlers if isinstance(h, _StderrHandler)]:
        log.removeHandler(h)
    handler = _StderrHandler()
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.ERROR if verbosity < 0 else logging.WARNING if verbosity == 0
                 else logging.INFO if verbosity == 1 else logging.DEBUG)


def _show_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None,
                  line: str | None = None) -> None:
    if _state.verbosity >= 0:
        text = _one_line(message)
        click.echo(f"geo: warning: {text.removeprefix('map_places: ')}", err=True)


def _run(invoke: Callable[[], Any]) -> int:
    """Run the command line and turn every way it can fail into a one-line message and a status."""
    global _state
    _state = _State()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            rv = invoke()
            return rv if isinstance(rv, int) and not isinstance(rv, bool) else EXIT_OK
        except click.exceptions.NoArgsIsHelpError as e:  # plain `geo`: the help
            click.echo(e.format_message(), err=True)
            return EXIT_INPUT
        except click.UsageError as e:
            hint = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
            _error(e.format_message() + hint)
            return EXIT_INPUT
        except click.ClickException as e:
            _error(e.format_message())
            return EXIT_INPUT
        except (click.Abort, KeyboardInterrupt):
            _error("interrupted")
            return EXIT_INTERRUPTED
        except GeoError as e:
            _error(e)
            return EXIT_INPUT
        except UnicodeError as e:
            _error(f"cannot encode or decode text: {e}")
            return EXIT_INPUT
        except OSError as e:
            _error(_os_error(e))
            return EXIT_INPUT
        except MemoryError:
            _error("out of memory: give smaller inputs (see --max-bytes)")
            return EXIT_INTERNAL
        except Exception as e:
            if _state.verbosity > 0:
                traceback.print_exc(file=sys.stderr)
            e = e.error if isinstance(e, _Unexpected) else e
            _error(f"internal error: {type(e).__name__}: {_one_line(e)} (please report it; -v shows the traceback)")
            return EXIT_INTERNAL


class _Unexpected(Exception):
    """An exception click would misreport (it takes any EOFError for an interrupted prompt)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class _Group(click.Group):
    """A click group whose errors are one line, in click's runner and on the terminal alike."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EOFError as e:  # e.g. a truncated gzip file: a failure, not an interrupt
            raise _Unexpected(e) from e

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        code = _run(lambda: super(_Group, self).main(args, prog_name or "geo", complete_var,
                                                      standalone_mode=False, **extra))
        if standalone_mode:
            sys.exit(code)
        return code


class _Size(click.ParamType):
    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from geo.texts import parse_size

        try:
            return parse_size(value)
        except GeoError as e:
            self.fail(str(e), param, ctx)


def _input_options(f: Callable) -> Callable:
    """Options shared by the commands that read articles."""
    from geo.texts import DEFAULT_MAX_BYTES, MAX_BYTES_ENV

    f = click.option("--progress/--no-progress", default=None,
                     help=f"Progress bar on standard error [default: with {PROGRESS_MIN_FILES} or more files "
                          "and a terminal].")(f)
    f = click.option("--encoding", metavar="CODEC", default=None,
                     help="Decode the files with this codec [default: UTF-8, else Windows-1252 or Latin-1 "
                          "with a warning].")(f)
    f = click.option("--max-bytes", type=_Size(), default=DEFAULT_MAX_BYTES, envvar=MAX_BYTES_ENV,
                     show_envvar=True,
                     help="Refuse larger files [default: 10MB; e.g. 50MB, 2GiB; 0: no limit].")(f)
    f = overrides_option(f)
    f = click.argument("files", nargs=-1, required=True, metavar="FILE...")(f)
    return f


def overrides_option(f: Callable) -> Callable:
    """``--overrides FILE``: a house list of readings (CSV, columns name,place_id)."""
    return click.option("--overrides", "overrides_file", metavar="FILE", default=None,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="A house list of readings, a CSV file with columns name,place_id (e.g. "
                             "Georgia,country:GE): every mention of that name resolves to that place.")(f)


def read_overrides(path: Path | None, gazetteer: Any = None) -> dict[str, str]:
    """The overrides of ``--overrides`` (checked against the gazetteer), or {} without the option."""
    if path is None:
        return {}
    from geo.resolve import check_overrides, load_overrides

    return check_overrides(load_overrides(path), gazetteer)


def _import_in_background(module: str) -> threading.Thread:
    """Start importing ``module`` in a thread: building the name matcher releases the GIL, so a
    second core imports meanwhile. Join the thread, then import as usual (errors show there)."""

    def run() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module(module)

    thread = threading.Thread(target=run, name=f"import {module}", daemon=True)
    thread.start()
    return thread


def _gazetteer():
    return geo.load_gazetteer(_state.shapes) if _state.shapes is not None else None


def _geoparse_files(files: Sequence[str], *, max_bytes: int, encoding: str | None, progress: bool | None,
                    overrides_file: Path | None = None) -> list:
    """Read and geoparse each file (all of them, before any output)."""
    from geo.texts import check_input_paths, geoparse_text, read_text

    check_input_paths(files)
    gaz = _gazetteer()
    overrides = read_overrides(overrides_file, gaz)
    if progress is None:
        progress = len(files) >= PROGRESS_MIN_FILES and sys.stderr.isatty()
    progress = progress and _state.verbosity >= 0
    from tqdm import tqdm

    articles = []
    for name in tqdm(files, desc="geoparsing", unit="file", file=sys.stderr, disable=not progress,
                     leave=False):
        shown = "standard input" if name == "-" else click.format_filename(name)
        text = read_text(name, max_bytes=max_bytes, encoding=encoding)
        if not text.strip():
            warnings.warn(f"{shown} has no text", UserWarning, stacklevel=2)
        article = geoparse_text(text, name=name, gazetteer=gaz, overrides=overrides)
        log.info("%s: %d characters, %d mentions", shown, len(text), len(article.mentions))
        articles.append(article)
    return articles


@click.group("geo", cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", count=True, help="Say more (repeat for more; shows tracebacks of internal errors).")
@click.option("-q", "--quiet", count=True, help="Say less: no warnings, no progress bar.")
@click.option("--shapes", metavar="DIR", envvar="GEO_SHAPES", show_envvar=True, default=None,
              type=click.Path(path_type=Path),
              help="Gazetteer folder of shapefiles to use instead of the bundled one.")
@click.version_option(geo.__version__, "--version", prog_name="geo", message="%(prog)s %(version)s")
def main(verbose: int, quiet: int, shapes: Path | None) -> None:
    """Find the places news articles mention and map them, offline.

    FILE is a .txt or .md text, an .html page (its article text is read) or - for
    standard input. Errors are one line on standard error with exit status 2.
    """
    _state.verbosity = verbose - quiet
    _state.shapes = shapes
    _setup_logging(_state.verbosity)


@main.command("map")
@click.option("-o", "--output", default="map.html", show_default=True, metavar="PATH",
              help="The HTML file to write (its folder must exist; never one of the inputs).")
@click.option("--tiles", metavar="NAME", default=None,
              help="Web map tiles under the places, e.g. OpenStreetMap or 'CartoDB Positron' "
                   "[default: the offline country basemap; tiles need the network when viewed].")
@click.option("--title", metavar="TEXT", default=None, help="Title of the map.")
@_input_options
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
    from geo.texts import check_output_path, merge_places

    path = check_output_path(output, files)  # before any work
    maps_module = _import_in_background("geo.maps")  # folium takes ~0.5 s; geoparsing leaves a core free
    articles = _geoparse_files(files, max_bytes=max_bytes, encoding=encoding, progress=progress,
                               overrides_file=overrides_file)
    maps_module.join()
    places = merge_places(articles)
    if places.empty:
        warnings.warn("no places found; the map is empty", UserWarning, stacklevel=1)
    from geo.maps import map_places, save_map

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="map_places: no places to draw")
        m = map_places(places, tiles=tiles, title=title)
    written = save_map(m, path)
    log.info("%d places from %d files", len(places), len(articles))
    click.echo(click.format_filename(os.fspath(written)))


@main.command("places")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "geojson", "csv"]), default="table",
              show_default=True,
              help="table: aligned columns; json: a list of mentions; geojson: a FeatureCollection of the "
                   "places; csv: one row per mention.")
@click.option("-o", "--output", default=None, metavar="PATH",
              help="Write to this file (atomically) instead of standard output.")
@_input_options
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
    from geo.texts import check_output_path, format_mentions, write_text_atomic

    path = check_output_path(output, files) if output is not None else None
    articles = _geoparse_files(files, max_bytes=max_bytes, encoding=encoding, progress=progress,
                               overrides_file=overrides_file)
    if not any(a.mentions for a in articles):
        log.info("no places found")
    text = format_mentions(articles, fmt)
    if path is None:
        click.echo(text)
    else:
        write_text_atomic(path, text + "\n")
        click.echo(click.format_filename(os.fspath(path)), err=True)


def _add_corpus_command() -> None:
    """``geo corpus``, if ``geo.corpus`` provides it (it needs the optional Dask extra)."""
    try:
        from geo.corpus import corpus_command
    except ImportError:
        return
    if isinstance(corpus_command, click.Command):
        main.add_command(corpus_command, "corpus")


_add_corpus_command()


if __name__ == "__main__":  # pragma: no cover
    main()
