#!/usr/bin/env python3
"""Peer of `camsift-bench propagation` (issue 21): scikit-learn's LabelSpreading on exactly camsift's graph.

camsift writes its symmetrised k-NN graph (W + W^T, weights 1/k) as CSR arrays; this script hands that very matrix
to LabelSpreading through a callable kernel (sklearn calls kernel(X, X) and builds its normalised Laplacian from the
returned sparse matrix), so both methods see the same nodes, edges and weights. X is a dummy column of node ids.

Input dir: graph.json {"n", "classes", "entries"}, indptr.i64, indices.i32, data.f32, and one labels file per
split given on the command line (int32, -1 = hidden). Output: JSON {"predictions": [...], "seconds": s}.
"""
import argparse, json, time
import numpy as np
import scipy.sparse as sp
from sklearn.semi_supervised import LabelSpreading

ap = argparse.ArgumentParser()
ap.add_argument("--input", required=True)
ap.add_argument("--labels", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--alpha", type=float, default=0.2)
ap.add_argument("--max-iter", type=int, default=100)
ap.add_argument("--tol", type=float, default=1e-3)
a = ap.parse_args()

meta = json.load(open(a.input + "/graph.json"))
n = meta["n"]
indptr = np.fromfile(a.input + "/indptr.i64", dtype=np.int64)
indices = np.fromfile(a.input + "/indices.i32", dtype=np.int32)
data = np.fromfile(a.input + "/data.f32", dtype=np.float32).astype(np.float64)
W = sp.csr_matrix((data, indices, indptr), shape=(n, n))
W.sum_duplicates()
y = np.fromfile(a.labels, dtype=np.int32).astype(np.int64)
X = np.arange(n, dtype=np.float64).reshape(-1, 1)
t = time.time()
m = LabelSpreading(kernel=lambda _a, _b: W, alpha=a.alpha, max_iter=a.max_iter, tol=a.tol)
m.fit(X, y)
sec = time.time() - t
json.dump({"predictions": m.transduction_.astype(int).tolist(), "seconds": sec, "iterations": int(m.n_iter_)},
          open(a.out, "w"))
