"""Options and steps the commands share: input options, house lists of readings, reading and geoparsing files."""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import click

import geo
from geo.cli.main import PROGRESS_MIN_FILES, _state, log
from geo.errors import GeoError


class _Size(click.ParamType):
    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from geo.io import parse_size

        try:
            return parse_size(value)
        except GeoError as e:
            self.fail(str(e), param, ctx)


def input_options(f: Callable) -> Callable:
    """Options shared by the commands that read articles."""
    from geo.io import DEFAULT_MAX_BYTES, MAX_BYTES_ENV

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


class _Without(importlib.abc.MetaPathFinder):
    """Makes the modules ``names`` (and their submodules) unimportable, in one thread only."""

    def __init__(self, names: Sequence[str], thread: int) -> None:
        self.names, self.thread = tuple(names), thread

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() == self.thread and name.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{name} is left out of this import", name=name)
        return None


def import_in_background(module: str, without: Sequence[str] = ()) -> threading.Thread:
    """Start importing ``module`` in a thread: building the name matcher releases the GIL, so a
    second core imports meanwhile. Join the thread, then import as usual (errors show there).

    ``without``: modules that ``module`` imports only if they are there (folium imports pandas
    that way), left out of this import; other threads import them as usual.

    >>> import sys
    >>> import_in_background("colorsys", without=("pandas",)).join()
    >>> "colorsys" in sys.modules
    True
    """

    def run() -> None:
        finder = _Without(without, threading.get_ident())
        if without:
            sys.meta_path.insert(0, finder)
        try:
            with contextlib.suppress(Exception):
                importlib.import_module(module)
        finally:
            if finder in sys.meta_path:
                sys.meta_path.remove(finder)

    thread = threading.Thread(target=run, name=f"import {module}", daemon=True)
    thread.start()
    return thread


def _gazetteer():
    return geo.load_gazetteer(_state.shapes) if _state.shapes is not None else None


def geoparse_files(files: Sequence[str], *, max_bytes: int, encoding: str | None, progress: bool | None,
                    overrides_file: Path | None = None) -> list:
    """Read and geoparse each file (all of them, before any output)."""
    from geo.io import check_input_paths, read_text
    from geo.texts import geoparse_text

    check_input_paths(files)
    gaz = _gazetteer()
    overrides = read_overrides(overrides_file, gaz)
    if progress is None:
        progress = len(files) >= PROGRESS_MIN_FILES and sys.stderr.isatty()
    progress = progress and _state.verbosity >= 0
    names: Iterable[str] = files
    if progress:  # tqdm is imported only to be shown: it takes as long as geoparsing a long article
        from tqdm import tqdm

        names = tqdm(files, desc="geoparsing", unit="file", file=sys.stderr, leave=False)
    articles = []
    for name in names:
        shown = "standard input" if name == "-" else click.format_filename(name)
        text = read_text(name, max_bytes=max_bytes, encoding=encoding)
        if not text.strip():
            warnings.warn(f"{shown} has no text", UserWarning, stacklevel=2)
        article = geoparse_text(text, name=name, gazetteer=gaz, overrides=overrides)
        log.info("%s: %d characters, %d mentions", shown, len(text), len(article.mentions))
        articles.append(article)
    return articles
