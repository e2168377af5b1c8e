#!/usr/bin/env python3
"""Learn the resolver's weights (``geo/resolver-weights.json``) from annotated corpora.

    python scripts/train_resolver.py                      # cross-validate, then train on all and write
    python scripts/train_resolver.py --cv-only            # only the cross-validated figures
    python scripts/train_resolver.py --eval-dir ../shared/eval --folds 5

The model is a conditional logit (a listwise logistic model): for each recognised name that
matches a gold toponym, a softmax over its candidate places, whose scores are weight x feature
sums (``geo.weights.FEATURES``); the correct candidate is the one with the gold's GeoNames id,
else the nearest within 161 km. It is fitted with L2 regularisation by full-batch Adam in
numpy: no training library is needed, and inference stays a few float operations per
candidate. The L2 penalty pulls the weights towards the hand-set ones of
``scripts/resolver-prior.json`` (a Gaussian prior around them, MAP estimate): evidence the
corpora hold little of (a cue word, a qualifier, a list) keeps about its hand-set weight,
while what they hold much of (priors, document context) is learned. Document context (the first guesses of the other names) depends on the weights,
so features are extracted again with the new weights and the model refitted (``--rounds``).

The corpora train the weights only. Nothing of their annotations (names, coordinates, ids)
goes into the gazetteer or the code, and no per-document data is written.

Figures are cross-validated by documents: each document's fold is fixed by a hash of its
corpus and id; the weights for a fold are learned on the other folds only (both corpora),
and the fold's documents are geoparsed with them and scored with the metrics of
``../shared/eval/score.py`` (its ``match`` and ``haversine`` are imported from there).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geo  # noqa: E402
from geo import resolve, weights  # noqa: E402

CORPORA = ("geowebnews.jsonl", "lgl.jsonl")
MAX_KM = 20039.0


def load_score_module(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("geo_eval_score", eval_dir / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fold_of(corpus: str, doc_id: str, k: int) -> int:
    return int(hashlib.md5(f"{corpus}/{doc_id}".encode()).hexdigest(), 16) % k


def load_docs(eval_dir: Path, k: int) -> list[dict]:
    docs = []
    for name in CORPORA:
        with open(eval_dir / name, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    d["corpus"] = name
                    d["fold"] = fold_of(name, str(d["id"]), k)
                    docs.append(d)
    return docs


# -- examples ----------------------------------------------------------------------------------
def examples(docs: list[dict], gaz, haversine) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X, starts, labels, weights)``: candidate feature rows, where each span's rows start,
    the index (within the span) of the correct candidate, and each span's weight (each corpus
    weighs the same in total, so that LGL's 2.3 times more names do not decide for GWN's kind
    of news). Spans without a correct candidate, or with one candidate only, teach nothing and
    are left out."""
    t = gaz.columns
    gnid, lat, lon = t["geonameid"], t["lat"], t["lon"]
    fi = {f: i for i, f in enumerate(weights.FEATURES)}
    rows_x: list[np.ndarray] = []
    starts, labels, corpus = [], [], []
    n = 0
    for d in docs:
        golds = [g for g in d["toponyms"] if not g.get("optional") and g.get("lat") is not None]
        if not golds:
            continue
        for start, end, rows, feats in resolve.training_features(d["text"], gaz):
            if len(rows) < 2:
                continue
            best, overlap = None, 0
            for g in golds:
                o = min(end, g["end"]) - max(start, g["start"])
                if o > overlap:
                    best, overlap = g, o
            if best is None:
                continue
            label = -1
            if best.get("geonameid") is not None:
                for j, r in enumerate(rows):
                    if int(gnid[r]) == int(best["geonameid"]):
                        label = j
                        break
            if label < 0:
                km = [haversine(best["lat"], best["lon"], float(lat[r]), float(lon[r])) for r in rows]
                j = int(np.argmin(km))
                if km[j] <= 161:
                    label = j
            if label < 0:
                continue
            x = np.zeros((len(rows), len(fi)), dtype=np.float64)
            for j, f in enumerate(feats):
                for name, v in f.items():
                    x[j, fi[name]] = v
            rows_x.append(x)
            starts.append(n)
            labels.append(label)
            corpus.append(d["corpus"])
            n += len(rows)
    names, counts = np.unique(corpus, return_counts=True)
    per = dict(zip(names.tolist(), (len(corpus) / (len(names) * counts)).tolist()))
    return np.vstack(rows_x), np.array(starts), np.array(labels), np.array([per[c] for c in corpus])


# -- the model -----------------------------------------------------------------------------------
def fit(X: np.ndarray, starts: np.ndarray, labels: np.ndarray, w0: np.ndarray, l2: float,
        steps: int = 600, lr: float = 0.05, centre: np.ndarray | None = None,
        span_weights: np.ndarray | None = None) -> np.ndarray:
    """Conditional logit, L2-regularised towards ``centre`` (0 by default), by full-batch Adam from ``w0``.

    With the hand-set weights as the centre, this is the MAP estimate under a Gaussian prior
    around them: evidence the corpora hold little of (a cue word, a qualifier) keeps about its
    hand-set weight, and what they hold much of is learned."""
    c = np.zeros_like(w0) if centre is None else centre
    sw = np.ones(len(starts)) if span_weights is None else span_weights
    seg = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(X))))
    target = starts + labels
    m_spans = len(starts)
    w = w0.astype(np.float64).copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        s = X @ w
        smax = np.maximum.reduceat(s, starts)
        e = np.exp(s - smax[seg])
        z = np.add.reduceat(e, starts)
        p = e / z[seg] * sw[seg]
        grad = (X.T @ p - (X[target] * sw[:, None]).sum(axis=0)) / m_spans + l2 * (w - c)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps)
    return w


def loss(X, starts, labels, w, sw=None) -> float:
    seg = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(X))))
    s = X @ w
    smax = np.maximum.reduceat(s, starts)
    lse = np.log(np.add.reduceat(np.exp(s - smax[seg]), starts)) + smax
    sw = np.ones(len(starts)) if sw is None else sw
    return float(np.mean(sw * (lse - s[starts + labels])))


def weights_data(w: np.ndarray, base: dict, **info) -> dict:
    return {**{k: v for k, v in base.items() if k not in ("weights",)}, **info,
            "weights": {f: round(float(x), 4) for f, x in zip(weights.FEATURES, w)}}


def train(docs: list[dict], gaz, haversine, base: dict, l2: float, rounds: int, log=print,
          centre: dict | None = None) -> np.ndarray:
    w = np.array([base["weights"].get(f, 0.0) for f in weights.FEATURES])
    c = None if centre is None else np.array([centre.get(f, 0.0) for f in weights.FEATURES])
    for r in range(rounds):
        weights._set_weights(weights_data(w, base))
        X, starts, labels, sw = examples(docs, gaz, haversine)
        before = loss(X, starts, labels, w, sw)
        w = fit(X, starts, labels, w, l2, centre=c, span_weights=sw)
        log(f"    round {r + 1}: {len(starts)} spans, {len(X)} candidates, loss {before:.4f} -> "
            f"{loss(X, starts, labels, w, sw):.4f}")
    return w


# -- scoring, as ../shared/eval/score.py does it ------------------------------------------------
class Tally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = self.n_coord = self.hits = self.far = self.n_id = self.hits_id = 0
        self.errs: list[float] = []

    def add(self, d: dict, doc, score_mod) -> None:
        preds = list(doc.mentions)  # demonyms count for GWN and LGL (score.py's "auto")
        golds = [g for g in d["toponyms"] if not g.get("optional")]
        optional = [g for g in d["toponyms"] if g.get("optional")]
        m = score_mod.match(golds, preds)
        matched = {id(p) for p in m.values()}
        opt = {id(p) for p in score_mod.match(optional, [p for p in preds if id(p) not in matched]).values()}
        self.tp += len(m)
        self.fn += len(golds) - len(m)
        self.fp += sum(1 for p in preds if id(p) not in matched and id(p) not in opt)
        for gi, g in enumerate(golds):
            if g.get("geonameid") is not None:
                self.n_id += 1
                got = getattr(getattr(m.get(gi), "place", None), "geonameid", None)
                self.hits_id += got is not None and int(got) == int(g["geonameid"])
            if g.get("lat") is None:
                continue
            self.n_coord += 1
            p = m.get(gi)
            place = getattr(p, "place", None) if p is not None else None
            if place is None:
                self.errs.append(MAX_KM)
                continue
            e = score_mod.haversine(g["lat"], g["lon"], place.lat, place.lon)
            self.errs.append(e)
            self.hits += e <= 161
            self.far += e > 1000

    def figures(self) -> dict:
        prec = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        rec = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return {"precision": round(prec, 4), "recall": round(rec, 4),
                "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
                "acc161": round(self.hits / self.n_coord, 4), "acc_id": round(self.hits_id / self.n_id, 4),
                "far1000": round(self.far / self.n_coord, 4)}


def evaluate(docs: list[dict], gaz, score_mod) -> dict[str, dict]:
    tallies = {c: Tally() for c in CORPORA}
    for d in docs:
        tallies[d["corpus"]].add(d, geo.geoparse(d["text"], gazetteer=gaz), score_mod)
    return {c: t.figures() for c, t in tallies.items()}


def cross_validate(docs, gaz, score_mod, base, k, l2, rounds, log=print, centre=None) -> dict[str, dict]:
    tallies = {c: Tally() for c in CORPORA}
    for f in range(k):
        log(f"  fold {f + 1}/{k}: training on {sum(d['fold'] != f for d in docs)} documents")
        w = train([d for d in docs if d["fold"] != f], gaz, score_mod.haversine, base, l2, rounds, log, centre)
        weights._set_weights(weights_data(w, base))
        for d in docs:
            if d["fold"] == f:
                tallies[d["corpus"]].add(d, geo.geoparse(d["text"], gazetteer=gaz), score_mod)
    return {c: t.figures() for c, t in tallies.items()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=0.1, help="strength of the pull towards the prior weights")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--cv-only", action="store_true", help="report cross-validated figures; write nothing")
    ap.add_argument("--prior", type=Path, default=ROOT / "scripts" / "resolver-prior.json",
                    help="the hand-set weights to start from and to centre the regularisation on (their settings "
                         "are kept)")
    ap.add_argument("--out", type=Path, default=ROOT / "geo" / weights.WEIGHTS_FILE)
    a = ap.parse_args(argv)
    if not (a.eval_dir / "score.py").exists():
        sys.exit(f"no evaluation corpora in {a.eval_dir}")
    score_mod = load_score_module(a.eval_dir)
    gaz = geo.load_gazetteer()
    docs = load_docs(a.eval_dir, a.folds)
    base = json.loads(a.prior.read_text(encoding="utf-8"))
    centre = base["weights"]
    t0 = time.perf_counter()
    print(f"{len(docs)} documents, {a.folds} folds by document, l2 {a.l2}, {a.rounds} rounds")
    cv = cross_validate(docs, gaz, score_mod, base, a.folds, a.l2, a.rounds, centre=centre)
    for c, fig in cv.items():
        print(f"cross-validated {c}: {json.dumps(fig)}")
    if a.cv_only:
        return
    print("training on all documents")
    w = train(docs, gaz, score_mod.haversine, base, a.l2, a.rounds, centre=centre)
    data = weights_data(w, base, version=1,
                        model="conditional logit (softmax over each name's candidates), L2 "
                              f"{a.l2} towards scripts/resolver-prior.json, {a.rounds} rounds of feature extraction; "
                              "scripts/train_resolver.py",
                        trained={"corpora": list(CORPORA), "documents": len(docs),
                                 "date": datetime.date.today().isoformat()},
                        cross_validated={"folds": a.folds, "by": "document", **cv})
    a.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {a.out} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
