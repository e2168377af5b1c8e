"""Speed and memory of geo, side by side with the geotext peer and the targets of the speed issue.

Run: ``.venv/bin/python bench/speed.py`` (prints a table; ``bench/run_all.py`` puts it in
RESULTS.md). Every figure that depends on a cold process is measured in a fresh interpreter;
times are medians over several runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import EXAMPLE, GWN, PEER, PYTHON, ROOT, is_compiled, pure_python_tree, table  # noqa: E402

RUNS = 7


# -- measurements, each run in a fresh interpreter by ``_isolated`` -------------------------------------
def _m_throughput() -> dict:
    """docs/s of geo.geoparse and of the geotext peer over the GeoWebNews texts (warm)."""
    from _util import gwn_texts, median_time

    import geo

    texts = [t for _, t in gwn_texts()]
    sys.path.insert(0, str(PEER.parent))
    import geotext_peer

    geo.geoparse("Talks in Baku")
    geotext_peer.geoparse("Talks in Baku")
    def cpu_time(fn) -> float:  # CPU seconds: what other work on a shared machine changes least
        t0 = time.process_time()
        fn()
        return time.process_time() - t0

    ours_all, peer_all, ours_wall = [], [], []
    for _ in range(RUNS):  # interleaved, so that both see the same load on the machine
        ours_all.append(cpu_time(lambda: [geo.geoparse(t) for t in texts]))
        peer_all.append(cpu_time(lambda: [geotext_peer.geoparse(t) for t in texts]))
        ours_wall.append(median_time(lambda: [geo.geoparse(t) for t in texts], 1)[0])
    ours, peer = statistics.median(ours_all), statistics.median(peer_all)
    return {"docs": len(texts), "ours_docs_s": len(texts) / ours, "peer_docs_s": len(texts) / peer,
            "ours_wall_docs_s": len(texts) / statistics.median(ours_wall), "ours_runs": ours_all,
            "peer_runs": peer_all, "compiled": is_compiled()}


def _m_corpus_peak() -> dict:
    """Peak RSS of a process that has geoparsed the whole GeoWebNews corpus."""
    import resource

    from _util import gwn_texts

    import geo

    n = sum(len(geo.geoparse(t).mentions) for _, t in gwn_texts())
    return {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "mentions": n}


def _m_peer_peak() -> dict:
    import resource

    from _util import gwn_texts

    sys.path.insert(0, str(PEER.parent))
    import geotext_peer

    n = sum(len(geotext_peer.geoparse(t).mentions) for _, t in gwn_texts())
    return {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "mentions": n}


def _m_load_gazetteer() -> dict:
    """load_gazetteer() cold, then the first geoparse (which builds the name matcher)."""
    import geo

    t0 = time.perf_counter()
    geo.load_gazetteer()
    t1 = time.perf_counter()
    geo.geoparse("Talks in Baku")
    t2 = time.perf_counter()
    return {"load_s": t1 - t0, "first_geoparse_s": t2 - t1}


def _m_everything_loaded() -> dict:
    """RSS once the gazetteer, the matcher, the example's geoparse and its map are all loaded."""
    import resource

    import psutil

    import geo

    doc = geo.geoparse(EXAMPLE.read_text(encoding="utf-8"))
    done = ["gazetteer", "matcher", "geoparse"]
    _ = doc.places
    done.append("places")
    try:
        m = geo.map_places(doc)
        with tempfile.TemporaryDirectory() as tmp:
            geo.save_map(m, Path(tmp) / "m.html")
        done.append("map")
    except (ImportError, AttributeError):
        pass
    return {"rss_mb": psutil.Process().memory_info().rss / 2**20,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "loaded": done}


def _m_import_geo() -> dict:
    t0 = time.perf_counter()
    import geo  # noqa: F401

    dt = time.perf_counter() - t0
    heavy = [m for m in ("geo.gazetteer", "geo.resolve", "pandas", "geopandas", "pyarrow", "folium", "dask")
             if m in sys.modules]
    return {"import_s": dt, "heavy_modules": heavy}


def _m_html_size() -> dict:
    import geo

    try:
        from geo.maps import save_map  # noqa: F401
    except ImportError:
        return {"skipped": "geo.maps does not exist yet"}
    doc = geo.geoparse(EXAMPLE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        path = geo.save_map(geo.map_places(doc), Path(tmp) / "example.html")
        data = Path(path).read_bytes()
    return {"bytes": len(data), "network_refs": data.count(b"https://") + data.count(b"http://")}


MEASURES = {name[3:]: fn for name, fn in globals().items() if name.startswith("_m_")}


def _isolated(name: str, timeout: float = 600, pythonpath: Path | None = None) -> dict:
    """Run one measurement in a fresh interpreter (``python bench/speed.py --one NAME``)."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath)) if pythonpath else None
    out = subprocess.run([PYTHON, __file__, "--one", name], capture_output=True, text=True, timeout=timeout,
                         cwd=ROOT, check=False, env=env)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _wall(args: list[str], runs: int = RUNS) -> tuple[float, list[float], str]:
    times, err = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)
        times.append(time.perf_counter() - t0)
        if p.returncode != 0:
            err = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
            break
    return statistics.median(times), times, err


def _peak_run(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall time (s) and peak RSS (MB) of one fresh process, and its last error line if it failed."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        # Not in the repository, where `python -c` would import its geo/ rather than the installed one.
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, cwd=tempfile.gettempdir(), env=env)
        _, status, usage = os.wait4(p.pid, 0)  # this child's own rusage: its peak RSS
        dt = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        msg = "" if p.returncode == 0 else ((err.read().decode(errors="replace").strip().splitlines() or
                                             [f"exit {p.returncode}"])[-1])
    return dt, usage.ru_maxrss / 1024, msg


def processes(pure: Path | None = None) -> dict:
    """Whole processes, wall time and peak RSS, each command in turn RUNS times (interleaved, so that
    all see the same load): geo's one line, one article, ``geo map``, beside ``import geopandas`` and the
    geotext peer; with ``pure``, geo's commands also run the pure-Python tree at that path."""
    tmp = tempfile.mkdtemp(prefix="geo-bench-")
    out = Path(tmp) / "map.html"
    geo_cmds = {
        "one_line": [PYTHON, "-c", "import geo; geo.geoparse('Talks in Baku')"],
        "article": [PYTHON, "-c", f"import geo; geo.geoparse(open({str(EXAMPLE)!r}, encoding='utf-8').read())"],
        "geo_map": [PYTHON, "-c", "import sys; from geo.cli import main; sys.exit(main())", "-q", "map",
                    str(EXAMPLE), "-o", str(out)],
    }
    cmds: dict[str, tuple[list[str], dict | None]] = {k: (v, None) for k, v in geo_cmds.items()}
    if pure is not None:
        env = dict(os.environ, PYTHONPATH=str(pure))
        cmds.update({f"pure_{k}": (v, env) for k, v in geo_cmds.items()})
    cmds["geopandas"] = ([PYTHON, "-c", "import geopandas"], None)
    cmds["peer"] = ([PYTHON, "-c", f"import sys; sys.path.insert(0, {str(PEER.parent)!r}); import geotext_peer; "
                                   "geotext_peer.geoparse('Talks in Baku')"], None)
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    errors: dict[str, str] = {}
    try:
        for _ in range(RUNS):
            for k, (cmd, env) in cmds.items():
                dt, mb, err = _peak_run(cmd, env)
                if err:
                    errors[k] = err
                runs[k].append((dt, mb))
    finally:
        out.unlink(missing_ok=True)
        os.rmdir(tmp)
    return {k: {"s": statistics.median(t for t, _ in v), "peak_mb": statistics.median(m for _, m in v),
                "runs_s": [t for t, _ in v], "error": errors.get(k, "")} for k, v in runs.items()}


def measure() -> dict:
    """Every figure of the speed issues (issue 16's targets in particular)."""
    with pure_python_tree() as pure:
        pure_throughput = _isolated("throughput", pythonpath=pure)
        procs = processes(pure)
        pure_corpus_peak = _isolated("corpus_peak", pythonpath=pure)
    r = {"throughput": _isolated("throughput"), "throughput_pure": pure_throughput, "processes": procs,
         "html": _isolated("html_size"), "corpus_peak": _isolated("corpus_peak"),
         "corpus_peak_pure": pure_corpus_peak,
         "peer_peak": _isolated("peer_peak"), "everything": _isolated("everything_loaded"),
         "import_geo": _isolated("import_geo")}
    loads = [_isolated("load_gazetteer") for _ in range(RUNS)]
    ok = [x for x in loads if "error" not in x]
    r["load"] = {"load_s": statistics.median(x["load_s"] for x in ok),
                 "first_geoparse_s": statistics.median(x["first_geoparse_s"] for x in ok),
                 "runs": [x["load_s"] for x in ok]} if ok else loads[0]
    return r


def _ok(flag: bool) -> str:
    return "yes" if flag else "**NO**"


def rows(r: dict) -> list[list[str]]:
    out = []
    t, tp = r["throughput"], r.get("throughput_pure", {})
    if not t.get("error"):
        ratio = t["ours_docs_s"] / t["peer_docs_s"]
        build = "compiled by mypyc" if t.get("compiled") else "pure Python"
        out.append([f"geoparse throughput, GeoWebNews (warm), per CPU-second; {build}",
                    f"{t['ours_docs_s']:.0f} docs/s ({t['ours_wall_docs_s']:.0f} wall clock)",
                    f"geotext peer {t['peer_docs_s']:.0f} docs/s", f"{ratio:.2f}x", ">= 1.5x", _ok(ratio >= 1.5)])
    if t.get("compiled") and tp and not tp.get("error"):
        ratio = tp["ours_docs_s"] / tp["peer_docs_s"]
        out.append(["the same, pure-Python modules (an install without a C compiler)",
                    f"{tp['ours_docs_s']:.0f} docs/s", f"geotext peer {tp['peer_docs_s']:.0f} docs/s",
                    f"{ratio:.2f}x", "(for reference)", ""])
    p = r["processes"]
    gpd, peer = p["geopandas"], p["peer"]
    builds = [("", "compiled" if t.get("compiled") else "pure Python")]
    if t.get("compiled") and "pure_one_line" in p:
        builds.append(("pure_", "pure Python"))
    for prefix, build in builds:
        one, art, gm = p[prefix + "one_line"], p[prefix + "article"], p[prefix + "geo_map"]
        ratio = one["s"] / gpd["s"]
        out.append([f"cold start: `import geo; geo.geoparse(\"Talks in Baku\")`, whole process; {build}",
                    f"{one['s']:.2f} s", f"`import geopandas` {gpd['s']:.2f} s (geotext peer {peer['s']:.2f} s)",
                    f"{ratio:.2f}x", "<= 1.5x", _ok(ratio <= 1.5)])
        ratio = gm["s"] / gpd["s"]
        out.append([f"`geo map` on the example article, whole process; {build}", f"{gm['s']:.2f} s",
                    f"`import geopandas` {gpd['s']:.2f} s", f"{ratio:.2f}x", "<= 2.0x", _ok(ratio <= 2.0)])
        out.append([f"peak RSS, parsing one line (the cold start above); {build}", f"{one['peak_mb']:.0f} MB",
                    f"`import geopandas` {gpd['peak_mb']:.0f} MB (geotext peer {peer['peak_mb']:.0f} MB)", "",
                    "<= 250 MB", _ok(one["peak_mb"] <= 250)])
        out.append([f"peak RSS, `geo map` on the example article; {build}", f"{gm['peak_mb']:.0f} MB", "", "",
                    "<= 300 MB", _ok(gm["peak_mb"] <= 300)])
        out.append([f"one article (the example, 7 kB): whole process; {build}",
                    f"{art['s']:.2f} s, peak {art['peak_mb']:.0f} MB", "", "", "(for reference)", ""])
    h = r["html"]
    if "skipped" in h or "error" in h:
        out.append(["example map, self-contained HTML", "not measured", h.get("skipped", h.get("error")), "",
                    "<= 1.5 MB", "n/a"])
    else:
        out.append(["example map, self-contained HTML", f"{h['bytes'] / 1e6:.2f} MB",
                    f"{h['network_refs']} http(s):// strings in the page", "", "<= 1.5 MB", _ok(h["bytes"] <= 1.5e6)])
    cp, q = r["corpus_peak"], r["peer_peak"]
    if "error" not in cp:
        pure = r.get("corpus_peak_pure", {})
        extra = f"; pure Python {pure['peak_mb']:.0f} MB" if pure and "error" not in pure else ""
        out.append(["peak RSS of a process that geoparsed the 200 GeoWebNews documents", f"{cp['peak_mb']:.0f} MB",
                    f"geotext peer {q.get('peak_mb', float('nan')):.0f} MB{extra}", "", "<= 1 GB",
                    _ok(cp["peak_mb"] <= 1024)])
    ld = r["load"]
    if "error" not in ld:
        out.append(["`load_gazetteer()` cold, fresh process", f"{ld['load_s']:.2f} s",
                    f"then the first geoparse (matcher loaded) {ld['first_geoparse_s']:.2f} s", "", "<= 1.0 s",
                    _ok(ld["load_s"] <= 1.0)])
    e = r["everything"]
    if "error" not in e:
        out.append(["RSS with everything loaded", f"{e['rss_mb']:.0f} MB",
                    f"peak {e['peak_mb']:.0f} MB; loaded: {', '.join(e['loaded'])}", "", "<= 600 MB",
                    _ok(e["rss_mb"] <= 600)])
    i = r["import_geo"]
    if "error" not in i:
        out.append(["`import geo` loads no data", f"{i['import_s'] * 1000:.0f} ms",
                    "heavy modules imported: " + (", ".join(i["heavy_modules"]) or "none"), "", "no data",
                    _ok(not i["heavy_modules"])])
    for name, v in [*r.items(), *(("process " + k, v) for k, v in p.items())]:
        if isinstance(v, dict) and v.get("error"):
            out.append([f"{name}", "failed", v["error"], "", "", "**NO**"])
    return out


def markdown(r: dict) -> str:
    return table(["measure", "geo", "peer / reference", "ratio", "target", "met"], rows(r))


def main() -> dict:
    if not GWN.exists():
        raise SystemExit(f"bench: {GWN} is missing")
    r = measure()
    print(markdown(r))
    return r


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        os.chdir(ROOT)
        print(json.dumps(MEASURES[sys.argv[2]]()))
    else:
        main()

