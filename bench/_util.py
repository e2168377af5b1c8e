"""Shared helpers of the benchmarks: the corpus, timing, subprocesses, machine facts."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SHARED = Path(os.environ.get("GEO_SHARED", ROOT.parent / "shared"))
GWN = SHARED / "eval" / "geowebnews.jsonl"
PEER = SHARED / "eval" / "geotext_peer.py"
EXAMPLE = ROOT / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"
PYTHON = sys.executable
#: Where results are written: bench/ of this tree, or of the tree that ran ``run_all.py --at REV``.
OUT = Path(os.environ.get("GEO_BENCH_OUT", BENCH))


def revision() -> str:
    """The commit measured, and whether the working tree had changes."""
    if os.environ.get("GEO_BENCH_REV"):
        return os.environ["GEO_BENCH_REV"] + " (a clean snapshot: `bench/run_all.py --at`)"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!bench/RESULTS.md", ":!bench/CORPUS.md"],  # what the bench itself writes
                               capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" plus uncommitted changes in the working tree" if dirty else "")


def is_compiled() -> bool:
    """Whether ``import geo`` here gets the geoparser compiled by mypyc (see setup.py)."""
    import geo.mentions

    return not geo.mentions.__file__.endswith(".py")


@contextlib.contextmanager
def pure_python_tree():
    """A temporary copy of the package's Python source, no compiled modules, beside the shapes:
    put it on PYTHONPATH to measure the pure-Python geoparser (what installs without a C compiler)."""
    import geo

    src = Path(geo.__file__).resolve().parent
    with tempfile.TemporaryDirectory(prefix="geo-pure-") as tmp:
        shutil.copytree(src, Path(tmp) / "geo", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
        (Path(tmp) / "shapes").symlink_to(ROOT / "shapes")
        yield Path(tmp)


def gwn_texts() -> list[tuple[str, str]]:
    """``(id, text)`` of the GeoWebNews articles, read at bench time (never copied into the repo)."""
    if not GWN.exists():
        raise SystemExit(f"bench: {GWN} is missing; set GEO_SHARED to the shared/ folder")
    with open(GWN, encoding="utf-8") as f:
        return [(r["id"], r["text"]) for r in map(json.loads, f)]


def median_time(fn: Callable[[], object], runs: int = 5) -> tuple[float, list[float]]:
    """Median wall time of ``fn()`` over ``runs`` runs, and all the times."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMP_")}  # Dask sets OMP_NUM_THREADS=1
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False, env=env).stdout.strip() \
        or str(os.cpu_count())
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "nproc": nproc,
            "cpu": cpu, "memory": mem, "python": platform.python_version(), "platform": platform.platform()}


def machine_md(m: dict[str, str] | None = None) -> str:
    m = m or machine()
    return (f"- date: {m['date']}; commit {revision()}\n- machine: `nproc` = {m['nproc']}, CPU: {m['cpu']}, RAM: {m['memory']}\n"
            f"- Python {m['python']} on {m['platform']}\n"
            f"- load average when written: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1 / 5 / 15 min; "
            "other work on the machine slows the figures)\n")


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"
