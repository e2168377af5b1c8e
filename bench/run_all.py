"""Run every benchmark and write bench/RESULTS.md (and bench/CORPUS.md).

Run: ``.venv/bin/python bench/run_all.py`` from the repository (about 2 minutes on 2 cores).
``--at HEAD`` (or any revision) measures a clean ``git archive`` snapshot of that commit
instead of the working tree, which other work may be changing, and still writes here.
It needs ../shared/eval (or GEO_SHARED=/path/to/shared): GeoWebNews and the geotext peer
are read at bench time and never copied into the repository.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus_bench  # noqa: E402
import profile_geoparse  # noqa: E402
import speed  # noqa: E402
from _util import OUT, PYTHON, ROOT, SHARED, machine, machine_md  # noqa: E402


def summary(s: dict, c: dict) -> str:
    lines = []
    t = s["throughput"]
    if not t.get("error"):
        build = "compiled by mypyc" if t.get("compiled") else "pure Python"
        lines.append(f"- `geo.geoparse` ({build}): {t['ours_docs_s']:.0f} docs per CPU-second on GeoWebNews, vs "
                     f"{t['peer_docs_s']:.0f} for the geotext peer ({t['ours_docs_s'] / t['peer_docs_s']:.2f}x; "
                     "target >= 1.5x).")
        tp = s.get("throughput_pure", {})
        if t.get("compiled") and tp and not tp.get("error"):
            lines.append(f"- Pure-Python modules (an install without a C compiler): {tp['ours_docs_s']:.0f} vs "
                         f"{tp['peer_docs_s']:.0f} docs per CPU-second ({tp['ours_docs_s'] / tp['peer_docs_s']:.2f}x).")
    w1, w2 = c.get("w1"), c.get("w2")
    if w1 and w2:
        note, est = corpus_bench.estimate(c)
        at32 = next((r for r in est if r[0] == 32), est[-1])
        lines.append(f"- `geo corpus`: {w1['docs_s']:.0f} docs/s on 1 Dask worker, {w2['docs_s']:.0f} on 2 "
                     f"(wall clock on {machine()['nproc']} shared cores; {w1['docs_per_cpu_s']:.0f} docs per worker "
                     f"CPU-second); {w2['rss_after_mb']:.0f} MB RSS per worker; cluster start with the gazetteer "
                     f"loaded on every worker {w2['startup_s']:.1f} s.")
        lines.append(f"- 1M articles: about {at32[2]} on 32 workers ({note}; see Corpus below).")
    p, gpd = s["processes"], s["processes"]["geopandas"]
    for prefix, build in (("", "compiled" if t.get("compiled") else "pure Python"), ("pure_", "pure Python")):
        if prefix + "one_line" not in p or (prefix and not t.get("compiled")):
            continue
        one, gm = p[prefix + "one_line"], p[prefix + "geo_map"]
        lines.append(f"- {build[0].upper() + build[1:]}: cold start `import geo; geo.geoparse(...)` {one['s']:.2f} s and "
                     f"`geo map` {gm['s']:.2f} s vs `import geopandas` {gpd['s']:.2f} s in the same run "
                     f"({one['s'] / gpd['s']:.2f}x, target <= 1.5x; {gm['s'] / gpd['s']:.2f}x, target <= 2.0x); "
                     f"peak memory {one['peak_mb']:.0f} MB parsing one line (target <= 250), {gm['peak_mb']:.0f} MB "
                     f"for `geo map` (target <= 300), `import geopandas` {gpd['peak_mb']:.0f} MB.")
    memory = [f"one article {p['article']['peak_mb']:.0f} MB"]
    if "error" not in s["corpus_peak"]:
        memory.append(f"200 GeoWebNews documents {s['corpus_peak']['peak_mb']:.0f} MB")
    if w1:
        memory.append(f"a Dask worker {w1['peak_mb']:.0f} MB ({w1['rss_after_mb']:.0f} MB after its documents)")
    lines.append("- Peak memory per process: " + ", ".join(memory) + ".")
    ld, ev = s["load"], s["everything"]
    if not ld.get("error") and not ev.get("error"):
        lines.append(f"- `load_gazetteer()` {ld['load_s']:.2f} s cold; {ev['rss_mb']:.0f} MB RSS with everything "
                     "loaded.")
    return "\n".join(lines) + "\n"


def hotspots(p: dict) -> str:
    stages = [r for r in p["cumulative"] if not r[0].startswith("`geoparse`")][:4]
    return "Largest stages by cumulative time: " + "; ".join(f"{r[0]} {r[5]}" for r in stages) + ".\n"


def main() -> None:
    t0 = time.perf_counter()
    print("bench: speed and memory ...", file=sys.stderr)
    s = speed.measure()
    print("bench: corpus throughput ...", file=sys.stderr)
    c = corpus_bench.measure()
    (OUT / "CORPUS.md").write_text(corpus_bench.markdown(c), encoding="utf-8")
    print("bench: profile ...", file=sys.stderr)
    p = profile_geoparse.profile_in_subprocess(15)
    cold = profile_geoparse.cold_in_subprocess()
    corpus_body = corpus_bench.markdown(c).split("\n", 1)[1]
    corpus_body = corpus_body.split("Corpus: ", 1)[1] if "Corpus: " in corpus_body else corpus_body
    text = (
        "# Benchmarks\n\n" + machine_md() +
        f"\nWritten by `bench/run_all.py` in {time.perf_counter() - t0:.0f} s. Medians over several runs; "
        "GeoWebNews (200 articles) is read from ../shared/eval at bench time.\n\n"
        "## Summary\n\n" + summary(s, c) +
        "\n## Targets: speed and memory (`bench/speed.py`)\n\n" + speed.markdown(s) +
        "\n## Corpus throughput (`bench/corpus_bench.py`, details in CORPUS.md)\n\nCorpus: " + corpus_body.replace(
            "## Estimate", "### Estimate") +
        "\n## Profile hotspots (`bench/profile_geoparse.py`)\n\n" + hotspots(p) + "\n" + profile_geoparse.markdown(p)
        + "\n" + profile_geoparse.markdown_cold(cold)
    )
    text = keep_written_by_hand(text, OUT / "RESULTS.md")
    (OUT / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text)


#: The sections this script writes; any other ``## `` section of RESULTS.md was written by hand and is kept.
WRITTEN = ("Summary", "Targets: speed and memory", "Corpus throughput", "Profile hotspots")


def keep_written_by_hand(text: str, old: Path) -> str:
    """``text`` with the sections of the ``old`` RESULTS.md that were written by hand (such as
    "Resolution, cross-validated") put back after the summary, as they were."""
    if not old.exists():
        return text
    kept = [sec for sec in old.read_text(encoding="utf-8").split("\n## ")[1:]
            if not sec.startswith(WRITTEN)]
    if not kept:
        return text
    head, sep, rest = text.partition("\n## Targets")
    return head + "".join("\n## " + sec.rstrip("\n") + "\n" for sec in kept) + sep + rest


def at_revision(rev: str) -> None:
    """Run this script in a clean snapshot of ``rev`` (code and shapes), writing results here."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="geo-bench-") as tmp:
        archive = subprocess.run(["git", "archive", sha], capture_output=True, cwd=ROOT, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        # Compile the snapshot's geoparser as an install would (setup.py; pure Python if it cannot).
        subprocess.run([PYTHON, "setup.py", "-q", "build_ext", "--inplace"], cwd=tmp, check=False)
        env = dict(os.environ, PYTHONPATH=tmp, GEO_SHARED=str(SHARED.resolve()), GEO_BENCH_OUT=str(OUT.resolve()),
                   GEO_BENCH_REV=sha)
        subprocess.run([PYTHON, str(Path(tmp) / "bench" / "run_all.py")], env=env, cwd=tmp, check=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", metavar="REV", help="measure a clean snapshot of this commit")
    args = parser.parse_args()
    if args.at:
        at_revision(args.at)
    else:
        main()
