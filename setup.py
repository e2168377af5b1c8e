"""Build hook: compile the geoparser's hot modules with mypyc when this machine can.

``geo.mentions``, ``geo.resolve`` and ``geo.distance`` are plain, type-annotated Python. Compiled by mypyc
(a C compiler and mypy at build time) the same code runs about 1.7 times faster. Wheels and
regular installs (``pip install .``) are compiled. An editable install (``pip install -e .``)
is not: its modules are the ``.py`` files themselves, so an edit takes effect at once and no
stale compiled module can shadow it (any left by an earlier build are removed). Without a
compiler, with a type error, or with ``GEO_PURE_PYTHON=1`` set, the pure-Python modules are
installed instead and everything works the same, only slower. Everything else is in
pyproject.toml.
"""

import glob
import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

COMPILED = ["geo/distance.py", "geo/mentions.py", "geo/resolve.py"]


def _note(message: str) -> None:
    print(f"geo: {message}; installing the pure-Python modules", file=sys.stderr)
    _remove_compiled()


def _remove_compiled() -> None:
    """Compiled modules an earlier in-place build left would shadow the .py files: remove them."""
    here = os.path.dirname(os.path.abspath(__file__))
    compiled = [f"{m[:-3]}.*.{ext}" for m in COMPILED for ext in ("so", "pyd")]
    for pattern in [*compiled, "*__mypyc.*.so", "*__mypyc.*.pyd"]:
        for path in glob.glob(os.path.join(here, pattern)):
            os.remove(path)


def _editable() -> bool:
    """Whether setuptools runs this for ``pip install -e`` (PEP 660: the ``editable_wheel`` command)."""
    return "editable_wheel" in sys.argv


def compiled_modules() -> list:
    if os.environ.get("GEO_PURE_PYTHON") or _editable():
        _remove_compiled()
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _note("mypyc is not available")
        return []
    try:
        return mypycify(["--ignore-missing-imports", "--follow-imports=silent", "--disable-error-code",
                         "annotation-unchecked", *COMPILED],
                        opt_level="3")
    except (Exception, SystemExit) as e:  # mypy found a type error, or could not run
        _note(f"mypyc could not compile ({e})")
        return []


class BuildExtOrNot(build_ext):
    """Build the compiled modules all together, or none: a partial build would not import."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as e:  # no C compiler, or it failed
            for path in self.get_outputs():
                if os.path.exists(path):
                    os.remove(path)
            _note(f"could not compile ({e})")


setup(ext_modules=compiled_modules(), cmdclass={"build_ext": BuildExtOrNot})
