"""Profile ``geo.geoparse`` over the GeoWebNews texts with cProfile: where the time goes.

Run: ``.venv/bin/python bench/profile_geoparse.py [N]`` prints the top N functions by own
time and by cumulative time (warm: the gazetteer and the matcher are loaded first).
cProfile sees a function compiled by mypyc as one call, so ``run_all.py`` profiles the
pure-Python source (``profile_in_subprocess``); the shares are those of that source.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import ROOT, gwn_texts, pure_python_tree, table  # noqa: E402

PASSES = 3


def _where(func: tuple[str, int, str]) -> str:
    file, line, name = func
    p = Path(file)
    try:
        file = str(p.resolve().relative_to(ROOT))
    except ValueError:
        parts = p.parts
        if "site-packages" in parts:
            file = "/".join(parts[parts.index("site-packages") + 1:])
        elif "geo" in parts:  # a copy of the package elsewhere (the pure-Python source)
            file = "/".join(parts[len(parts) - 1 - parts[::-1].index("geo"):])
        else:
            file = p.name
    if file in ("~", "") or line == 0:
        return f"`{name}` (builtin)"
    return f"`{name}` {file}:{line}"


def profile(top: int = 15) -> dict:
    import geo

    texts = [t for _, t in gwn_texts()]
    geo.geoparse("Talks in Baku")  # load the gazetteer and build the matcher outside the profile
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(PASSES):
        for t in texts:
            geo.geoparse(t)
    prof.disable()
    wall = time.perf_counter() - t0
    stats = pstats.Stats(prof, stream=io.StringIO())
    total = stats.total_tt
    entries = stats.stats  # {func: (cc, nc, tt, ct, callers)}
    by_own = sorted(entries.items(), key=lambda kv: -kv[1][2])[:top]
    by_cum = sorted(((f, v) for f, v in entries.items() if "geo" in Path(f[0]).parts or f[0].endswith("resolve.py")
                     or f[0].endswith("mentions.py") or f[0].endswith("gazetteer.py")),
                    key=lambda kv: -kv[1][3])[:top]

    def rows(items):
        return [[_where(f), f"{v[1]:,}", f"{v[2]:.3f}", f"{100 * v[2] / total:.1f}%", f"{v[3]:.3f}",
                 f"{100 * v[3] / total:.1f}%"] for f, v in items]

    return {"docs": len(texts) * PASSES, "wall_s": wall, "profiled_s": total,
            "own": rows(by_own), "cumulative": rows(by_cum)}


def profile_cold(top: int = 12) -> dict:
    """cProfile of a fresh process's ``import geo; geo.geoparse(...)``: gazetteer load and matcher build."""
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    import geo

    geo.geoparse("Talks in Baku")
    prof.disable()
    wall = time.perf_counter() - t0
    stats = pstats.Stats(prof, stream=io.StringIO())
    total = stats.total_tt
    items = sorted(((f, v) for f, v in stats.stats.items() if v[3] >= 0.02), key=lambda kv: -kv[1][3])
    # Keep the geo functions and the biggest library calls under them.
    items = [kv for kv in items if "geo" in Path(kv[0][0]).parts or kv[1][2] >= 0.02][:top]
    return {"wall_s": wall, "profiled_s": total,
            "rows": [[_where(f), f"{v[1]:,}", f"{v[2]:.3f}", f"{v[3]:.3f}", f"{100 * v[3] / total:.0f}%"]
                     for f, v in items]}


def markdown_cold(p: dict) -> str:
    return (f"Cold start, `import geo; geo.geoparse(\"Talks in Baku\")` in a fresh process under cProfile "
            f"({p['wall_s']:.2f} s wall): geo functions and library calls of 20 ms or more, by cumulative time.\n\n"
            + table(["function", "calls", "own s", "cumulative s", "cum %"], p["rows"]))


def cold_in_subprocess() -> dict:
    import json
    import subprocess

    out = subprocess.run([sys.executable, __file__, "--cold-json"], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def profile_in_subprocess(top: int = 15) -> dict:
    """``profile(top)`` of the pure-Python source, in a fresh interpreter."""
    import json
    import os
    import subprocess

    with pure_python_tree() as pure:
        out = subprocess.run([sys.executable, __file__, "--json", str(top)], capture_output=True, text=True,
                             check=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(pure)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def markdown(p: dict) -> str:
    head = ["function", "calls", "own s", "own %", "cumulative s", "cum %"]
    return (f"cProfile of `geo.geoparse`, pure-Python source, over the GeoWebNews texts x{PASSES} ({p['docs']} documents, "
            f"{p['wall_s']:.2f} s wall under the profiler, {p['profiled_s']:.2f} s profiled; warm).\n\n"
            "Top by own time (where the CPU is spent):\n\n" + table(head, p["own"]) +
            "\nTop geo functions by cumulative time (which stage costs what):\n\n" + table(head, p["cumulative"]))


def main() -> dict:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    p = profile(top)
    print(markdown(p))
    return p


if __name__ == "__main__":
    if sys.argv[1:2] == ["--json"]:
        import json

        print(json.dumps(profile(int(sys.argv[2]))))
    elif sys.argv[1:] == ["--cold-json"]:
        import json

        print(json.dumps(profile_cold()))
    elif sys.argv[1:] == ["--cold"]:
        print(markdown_cold(profile_cold()))
    else:
        main()
