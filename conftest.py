"""pytest, whole repository: where geo.mentions and geo.resolve are compiled (setup.py), pytest
cannot collect doctests from their .py files; tests/test_compiled.py runs those doctests
against the Python source instead, and checks that both builds give the same results."""

import importlib.util

COMPILED_MODULES = ("mentions", "resolve")


def _is_compiled(module: str) -> bool:
    spec = importlib.util.find_spec(f"geo.{module}")
    return spec is not None and spec.origin is not None and not spec.origin.endswith(".py")


collect_ignore = [f"geo/{m}.py" for m in COMPILED_MODULES if _is_compiled(m)]
