#!/usr/bin/env python3
"""Offline analysis of fusion rules on a long-tail benchmark bundle (bench/RESULTS.md, long-tail section).

Reads `camsift eval --dump-scores` files (class probabilities of every model + labels) and prints, for the
bundle's M0/M1, both views of the t10k set (balanced macro F1, deployed accuracy, deployed macro F1) for:
Eq. 3 at every candidate Tr; M1 + λ·log π (logit adjustment, Menon et al. 2021); the prior-corrected
ensemble ½(log p0 − log π) + ½ log p1 + λ·log π; and, as a feasibility bound, per-class score offsets fitted
on t10k itself (an oracle that overfits the test set: if even it cannot meet a target, no rule of that form can).

    camsift eval --archive DATA/t10k --model RUNS/default --threads 1 --json --dump-scores OUT/default.t10k.json
    camsift eval --archive DATA/t10k --model RUNS/balanced --threads 1 --json --dump-scores OUT/balanced.t10k.json
    python3 bench/longtail_frontier.py OUT/default.t10k.json [OUT/balanced.t10k.json]
"""
import json
import sys

import numpy as np


def load(path):
    d = json.load(open(path))
    return np.array(d["labels"]), {k: np.array(v, dtype=np.float64) for k, v in d["scores"].items()}, \
        np.array(d["trainCounts"], dtype=np.float64)


def metrics(y, pred, k, w=None):
    w = np.ones(len(y)) if w is None else w
    cm = np.zeros((k, k))
    np.add.at(cm, (y, pred), w)
    tp = np.diag(cm)
    prec = np.where(cm.sum(0) > 0, tp / np.maximum(cm.sum(0), 1e-12), 0)
    rec = tp / np.maximum(cm.sum(1), 1e-12)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0)
    return tp.sum() / cm.sum(), f1.mean()


def main():
    y, S, counts = load(sys.argv[1])
    extra = load(sys.argv[2])[1]["M0"] if len(sys.argv) > 2 else None
    k = len(counts)
    pi = counts / counts.sum()
    lpi = np.log(pi)
    ratios = counts / (counts.sum() - counts)
    test_share = np.bincount(y, minlength=k) / len(y)
    wdep = (pi / test_share)[y]  # camsift eval --weight-by: archive share over test share
    L = lambda p: np.log(np.clip(p, 1e-12, 1))

    def views(pred):
        _, bal = metrics(y, pred, k)
        acc, mf1 = metrics(y, pred, k, wdep)
        return bal, acc, mf1

    def show(name, pred):
        print("%-44s bal mF1 %.3f  dep acc %.3f  dep mF1 %.3f" % ((name,) + views(pred)))

    p0, p1 = S["M0"], S["M1"]
    show("M0", p0.argmax(1))
    show("M1", p1.argmax(1))
    rs = np.sort(np.unique(ratios))
    for t in [rs[0] / 2] + list((rs[1:] + rs[:-1]) / 2) + [rs[-1] * 2]:
        j0, j1 = p0.argmax(1), p1.argmax(1)
        out = np.where(p0.max(1) >= p1.max(1), j0, j1)
        out = np.where((ratios[j0] > t) & (ratios[j1] > t), j0, out)
        out = np.where((ratios[j0] < t) & (ratios[j1] < t), j1, out)
        show("Eq. 3, Tr = %.4f" % t, out)
    for lam in np.linspace(0, 1, 11):
        show("M1 + %.1f log pi" % lam, (L(p1) + lam * lpi).argmax(1))
    for lam in np.linspace(0, 1, 11):
        show("ens (log p0 - log pi, log p1) + %.1f log pi" % lam, (0.5 * (L(p0) - lpi) + 0.5 * L(p1) + lam * lpi).argmax(1))
    bases = [("M1", L(p1)), ("ens(M0 adj, M1)", 0.5 * (L(p0) - lpi) + 0.5 * L(p1))]
    if extra is not None:
        bases.append(("ens(M0 adj, M1, 2nd bundle M0)", (L(p0) - lpi + L(p1) + L(extra)) / 3))
    ce_acc = metrics(y, p0.argmax(1), k, wdep)[0]
    for name, base in bases:  # oracle: per-class offsets fitted on t10k, max bal mF1 s.t. dep acc ≥ CE − 0.01
        b = 0.5 * lpi

        def obj(b):
            r = views((base + b).argmax(1))
            return r[0] - 10 * max(0.0, ce_acc - 0.01 - r[1]), r
        cur, res = obj(b)
        for _ in range(6):
            for c in range(k):
                for d in [-1, -0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1]:
                    bb = b.copy()
                    bb[c] += d
                    o, r = obj(bb)
                    if o > cur:
                        cur, res, b = o, r, bb
        print("oracle offsets on %-26s bal mF1 %.3f  dep acc %.3f  dep mF1 %.3f" % ((name,) + res))


if __name__ == "__main__":
    main()
