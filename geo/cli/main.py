"""The ``geo`` command group: shared options (-v/-q, --shapes, --version), and every way a command
can fail turned into one line on standard error and an exit status."""

from __future__ import annotations

import logging
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

import geo
from geo.errors import GeoError

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "main"]

log = logging.getLogger("geo")

# How many files make a progress bar worth showing (when standard error is a terminal).
PROGRESS_MIN_FILES = 4
EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _one_line(message: Any) -> str:
    """The message on one line, with any control character from a file name or text escaped."""
    from geo.io import printable

    return printable(re.sub(r"\s*\n\s*", " ", str(message).strip())) or "unknown error"


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
    _state.verbosity, _state.shapes = 0, None  # in place: the command modules hold this object
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
