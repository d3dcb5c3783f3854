#!/usr/bin/env python3
"""Replays the default bundle's λ choice (`Fusion.choosePriorWeight`: best class-balanced reference macro F1 among the
λ whose reference accuracy is ≥ M0's − slack) for several slacks, and scores every λ on t10k in both views
(bench/RESULTS.md, long-tail section, session 6).

    camsift eval --archive DATA/lt --model RUNS/default --split reference --seed 1 --threads 1 --json --dump-scores REF.json
    camsift eval --archive DATA/t10k --model RUNS/default --threads 1 --json --dump-scores T10K.json
    python3 bench/longtail_lambda.py REF.json T10K.json
"""
import json, sys
import numpy as np
def load(p):
    d = json.load(open(p))
    return np.array(d["labels"]), {k: np.array(v, dtype=np.float64) for k, v in d["scores"].items()}, np.array(d["trainCounts"], dtype=np.float64)
def metrics(y, pred, k, w=None):
    w = np.ones(len(y)) if w is None else w
    cm = np.zeros((k, k)); np.add.at(cm, (y, pred), w)
    tp = np.diag(cm)
    prec = np.where(cm.sum(0) > 0, tp / np.maximum(cm.sum(0), 1e-12), 0)
    rec = tp / np.maximum(cm.sum(1), 1e-12)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0)
    return tp.sum() / cm.sum(), f1.mean()
ref, t10k = sys.argv[1], sys.argv[2]
yr, Sr, counts = load(ref); yt, St, _ = load(t10k)
k = len(counts); pi = counts / counts.sum(); lpi = np.log(pi)
L = lambda p: np.log(np.clip(p, 1e-12, 1))
share_r = np.bincount(yr, minlength=k) / len(yr)
wbal_r = (1.0 / k / share_r)[yr]
wdep = (pi / (np.bincount(yt, minlength=k) / len(yt)))[yt]
m0acc = metrics(yr, Sr["M0"].argmax(1), k)[0]
lams = [i / 20 for i in range(21)]
rows = []
for lam in lams:
    pr = (L(Sr["M1"]) + lam * lpi).argmax(1)
    acc_r, _ = metrics(yr, pr, k); _, bal_r = metrics(yr, pr, k, wbal_r)
    pt = (L(St["M1"]) + lam * lpi).argmax(1)
    _, bal_t = metrics(yt, pt, k); dacc, dmf1 = metrics(yt, pt, k, wdep)
    rows.append((lam, acc_r, bal_r, bal_t, dacc, dmf1))
print("M0 ref acc %.4f" % m0acc)
for r in rows: print("λ %.2f  ref acc %.4f ref bal mF1 %.4f | t10k bal mF1 %.4f dep acc %.4f dep mF1 %.4f" % r)
for slack in [0.01, 0.0075, 0.005, 0.0025, 0.0]:
    ok = [r for r in rows if r[1] >= m0acc - slack - 1e-12]
    best = max(ok, key=lambda r: r[2]) if ok else max(rows, key=lambda r: r[1])
    print("slack %.4f → λ %.2f: bal %.4f dep acc %.4f dep mF1 %.4f" % (slack, best[0], best[3], best[4], best[5]))
