#!/usr/bin/env python3
"""Iterative Multi-label Propagation (IMP) as an Apache Spark job (issue 21).

The paper (Indyk, Kajdanowicz, Kazienko, "Relational large scale multi-label classification method for video
categorization") ran IMP as a MapReduce job on 5.1 M videos: map emits (neighbour, w * P) from every labelled or
reached node, reduce sums and normalises per node, and the output plus the adjacency list feed the next iteration.
This script is that job on Spark's RDD API; camsift's own implementation (Sources/Learning/Propagation/
IterativePropagation.swift) is the reference it must agree with (Tests/LearningTests/PropagationSparkTests.swift,
max |dP| <= 1e-6, identical reached sets). Per label l (binary relevance), iteration t (synchronous: reads P of t-1):

    P_v <- (sum_{u in N(v), u reached} w_uv P_u + [v in V_L] Y_v) / (sum_{u in N(v), u reached} w_uv + [v in V_L])

The [v in V_L] terms are the dummy node v' with w_vv' = 1 and P_v' = Y_v (soft clamping). A node joins the reached
set the first iteration it hears from a reached neighbour; labelled nodes are reached at iteration 0.

Two granularities of the same job (--mode):
- node:  the paper's records literally. Keys are node ids; map emits (v, (w * P_u, w)) per entry of a reached u's
         adjacency row, plus (u, (Y_u, 1)) for the dummy node and a carry record with u's own state; reduceByKey
         sums per node (Spark's map-side combine is Hadoop's combiner); the reduce output is P of iteration t.
- block: the same map and reduce with the map task's emissions combined per destination before the shuffle:
         keys are node ranges (the partitions), values numpy blocks. One Python record per block instead of per
         edge, which is what makes the 5.1 M-node graph feasible in local mode (bench/propagation.sh).
Both read each partition's adjacency rows from the input files every iteration, as a Hadoop job re-reads its
adjacency list from HDFS: only P travels through Spark.

Input directory (camsift writes it: Learning.PropagationDump; all little-endian):
  meta.json {"format": "camsift-imp-1", "nodes": n, "labels": L, "entries": E, "labelled": R, "clampWeight": 1}
  indptr.i64 (n+1), indices.i32 (E), data.f32 (E): the symmetrised graph W + W^T in CSR (row v = v's neighbours)
  seedrow.i32 (n): row of Y for a labelled node, -1 otherwise;  seedy.f32 (R x L): Y, 0/1
Output directory, one subdirectory per mode: p.f64 (n x L, 0 for unreached nodes), reached.i32 (n, iteration first
reached, -1 never), steps.json (per iteration: reached, newlyReached, maxChange, seconds; peak RSS of the driver,
its JVM and the Python workers).
The files are opened by the tasks, so on a cluster the input and output directories must be on storage every
executor mounts (docs/propagation.md).

Usage: imp_spark.py --iterations N [--mode block|node|block,node] [--master local[2]] --job INPUT OUTPUT [--job ...]
"""
import argparse
import json
import os
import sys
import threading
import time

import numpy as np


def load_meta(d):
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    if meta.get("format") != "camsift-imp-1":
        sys.exit(f"imp_spark: {d}/meta.json: format {meta.get('format')!r}, expected 'camsift-imp-1'")
    return meta


class Graph:
    """Memory-mapped CSR and seeds of one input directory (opened lazily inside each task)."""

    def __init__(self, d, meta):
        n, L = meta["nodes"], meta["labels"]
        mm = lambda name, dt: np.memmap(os.path.join(d, name), dtype=dt, mode="r")
        self.indptr = mm("indptr.i64", np.int64)
        self.indices = mm("indices.i32", np.int32)
        self.data = mm("data.f32", np.float32)
        self.seedrow = mm("seedrow.i32", np.int32)
        r = meta["labelled"]
        self.seedy = mm("seedy.f32", np.float32).reshape(r, L) if r > 0 else np.zeros((0, L), np.float32)
        if len(self.indptr) != n + 1 or len(self.indices) != meta["entries"] or len(self.seedrow) != n:
            sys.exit(f"imp_spark: {d}: file sizes do not match meta.json (n={n}, E={meta['entries']})")


def range_bounds(indptr, n, parts):
    """Node ranges with about equal numbers of entries (a map task's cost is its entries on a power-law graph)."""
    e = int(indptr[n])
    goals = [e * k // parts for k in range(1, parts)]
    inner = [int(np.searchsorted(indptr[: n + 1], g, side="left")) for g in goals]
    b = [0] + inner + [n]
    for k in range(1, len(b)):  # keep ranges non-empty where possible and monotone
        b[k] = max(b[k], b[k - 1])
    return b


class RangePartitioner:
    """Key -> partition for node keys (node mode): the partition whose range holds the node."""

    def __init__(self, bounds):
        self.inner = np.asarray(bounds[1:-1], dtype=np.int64)

    def __call__(self, v):
        return int(np.searchsorted(self.inner, v, side="right"))


def identity(k):
    return k


def run_node_mode(sc, d, meta, iters, parts, clamp, log, out_p, out_r, budget):
    n, L = meta["nodes"], meta["labels"]
    g = Graph(d, meta)
    bounds = range_bounds(g.indptr, n, parts)
    part = RangePartitioner(bounds)
    big = 1 << 30

    def seeds(k):
        gg = Graph(d, meta)
        lo, hi = bounds[k], bounds[k + 1]
        rows = np.asarray(gg.seedrow[lo:hi])
        for i in np.nonzero(rows >= 0)[0]:
            yield (lo + int(i), (np.asarray(gg.seedy[rows[i]], dtype=np.float64), 0, 0.0))

    # P_0: labelled nodes, P = Y, reached at iteration 0. Values: (P_v, first reached, last |dP|).
    P = sc.parallelize(range(parts), parts).flatMap(seeds).partitionBy(parts, part).cache()

    def mapper(k, it):
        gg = Graph(d, meta)
        ip, nb, wt = gg.indptr, gg.indices, gg.data
        for u, (p, first, _) in it:
            yield (u, (None, 0.0, first, p))  # carry: u's state for the reduce
            r = gg.seedrow[u]
            if r >= 0:
                yield (u, (clamp * gg.seedy[r].astype(np.float64), clamp, big, None))  # dummy node v'
            a, b = int(ip[u]), int(ip[u + 1])
            for v, w in zip(nb[a:b].tolist(), wt[a:b].tolist()):
                yield (v, (w * p, w, big, None))

    def combine(x, y):
        s = x[0] if y[0] is None else (y[0] if x[0] is None else x[0] + y[0])
        return (s, x[1] + y[1], min(x[2], y[2]), x[3] if x[3] is not None else y[3])

    steps = []
    start = time.time()
    for t in range(1, iters + 1):
        t0 = time.time()
        if budget and t0 - start > budget:
            log(f"time budget {budget:.0f} s spent after {t - 1} iterations: stopping")
            break

        def finish(rec, t=t):
            s, w, first, old = rec
            if w <= 0:  # only the carry arrived: nothing to average (cannot happen for a reached node)
                return (old, first, 0.0)
            p = s / w
            change = float(np.abs(p - old).max()) if old is not None else 0.0
            return (p, min(first, t), change)

        Pn = (P.mapPartitionsWithIndex(mapper)
              .reduceByKey(combine, parts, part).mapValues(finish).cache())
        reached, newly, change = Pn.map(lambda r: (1, int(r[1][1] == t), r[1][2])).reduce(
            lambda a, b: (a[0] + b[0], a[1] + b[1], max(a[2], b[2])))
        P.unpersist()
        P = Pn
        steps.append(step_record(t, reached, newly, change, time.time() - t0, n, log))

    def write(k, it):
        pm = np.memmap(out_p, dtype=np.float64, mode="r+", shape=(n, L))
        rm = np.memmap(out_r, dtype=np.int32, mode="r+", shape=(n,))
        for v, (p, first, _) in it:
            pm[v] = p
            rm[v] = first
        pm.flush()
        rm.flush()
        return iter(())

    return P, write, steps


def run_block_mode(sc, d, meta, iters, parts, clamp, log, out_p, out_r, budget):
    n, L = meta["nodes"], meta["labels"]
    g = Graph(d, meta)
    bounds = range_bounds(g.indptr, n, parts)

    def initial(k):
        gg = Graph(d, meta)
        lo, hi = bounds[k], bounds[k + 1]
        rows = np.asarray(gg.seedrow[lo:hi])
        p = np.zeros((hi - lo, L), np.float64)
        lab = rows >= 0
        p[lab] = gg.seedy[rows[lab]]
        first = np.where(lab, 0, -1).astype(np.int32)
        yield (k, (p, first, 0.0))

    P = sc.parallelize(range(parts), parts).flatMap(initial).partitionBy(parts, identity).cache()

    def mapper(it):
        gg = Graph(d, meta)
        for k, (p, first, _) in it:
            lo, hi = bounds[k], bounds[k + 1]
            a, b = int(gg.indptr[lo]), int(gg.indptr[hi])
            deg = np.diff(np.asarray(gg.indptr[lo:hi + 1]))
            src = np.repeat(np.arange(hi - lo, dtype=np.int64), deg)
            keep = first[src] >= 0  # only reached nodes emit
            src = src[keep]
            dst = np.asarray(gg.indices[a:b])[keep]
            w = np.asarray(gg.data[a:b], dtype=np.float64)[keep]
            del keep
            wsum = np.bincount(dst, weights=w, minlength=n).astype(np.float64)  # int64 when empty
            sums = np.empty((n, L), np.float64)
            for l in range(L):  # per label: emit w * P_u to v, combined per destination v
                sums[:, l] = np.bincount(dst, weights=w * p[src, l], minlength=n)
            del src, dst, w
            rows = np.asarray(gg.seedrow[lo:hi])  # dummy nodes of this range's labelled nodes
            lab = np.nonzero(rows >= 0)[0]
            sums[lo + lab] += clamp * gg.seedy[rows[lab]]
            wsum[lo + lab] += clamp
            for j in range(parts):
                x, y = bounds[j], bounds[j + 1]
                if x < y and (wsum[x:y] > 0).any():
                    yield (j, (sums[x:y].copy(), wsum[x:y].copy(), None))
            yield (k, (None, None, (p, first)))  # carry

    def combine(x, y):
        add = lambda a, b: a if b is None else (b if a is None else a + b)
        return (add(x[0], y[0]), add(x[1], y[1]), x[2] if x[2] is not None else y[2])

    steps = []
    start = time.time()
    for t in range(1, iters + 1):
        t0 = time.time()
        if budget and t0 - start > budget:
            log(f"time budget {budget:.0f} s spent after {t - 1} iterations: stopping")
            break

        def finish(rec, t=t):
            s, w, (old, first) = rec
            if s is None:
                return (old, first, 0.0)
            got = w > 0
            p = old.copy()
            p[got] = s[got] / w[got][:, None]
            was = first >= 0
            change = float(np.abs(p[was] - old[was]).max()) if was.any() else 0.0
            first = np.where(~was & got, t, first).astype(np.int32)
            return (p, first, change)

        Pn = P.mapPartitions(mapper).reduceByKey(combine, parts, identity) \
              .mapValues(finish).cache()
        reached, newly, change = Pn.map(lambda r: (int((r[1][1] >= 0).sum()), int((r[1][1] == t).sum()),
                                                   r[1][2])).reduce(
            lambda a, b: (a[0] + b[0], a[1] + b[1], max(a[2], b[2])))
        P.unpersist()
        P = Pn
        steps.append(step_record(t, reached, newly, change, time.time() - t0, n, log))

    def write(k, it):
        pm = np.memmap(out_p, dtype=np.float64, mode="r+", shape=(n, L))
        rm = np.memmap(out_r, dtype=np.int32, mode="r+", shape=(n,))
        for j, (p, first, _) in it:
            pm[bounds[j]:bounds[j + 1]] = p
            rm[bounds[j]:bounds[j + 1]] = first
        pm.flush()
        rm.flush()
        return iter(())

    return P, write, steps


def step_record(t, reached, newly, change, seconds, n, log):
    rec = {"iteration": t, "reached": reached, "newlyReached": newly, "maxChange": change, "seconds": seconds,
           "rssPeakGiB": RSS.peak / 2**30}
    log(f"iteration {t}: {seconds:.2f} s, reached {reached}/{n} ({100.0 * reached / n:.2f} %), new {newly}, "
        f"max dP {change:.3g}, RSS peak {RSS.peak / 2**30:.2f} GiB (driver + JVM + Python workers)")
    return rec


class RSSSampler(threading.Thread):
    """Peak of the summed resident set of this process and all its descendants (the JVM, Python workers),
    sampled every 0.5 s from /proc (Linux)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0

    def tree_rss(self):
        me = os.getpid()
        parent, rss = {}, {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                parent[int(pid)] = int(fields[1])
                rss[int(pid)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
        total = 0
        for pid in rss:
            p, hops = pid, 0
            while p not in (0, 1, me) and hops < 64:
                p, hops = parent.get(p, 0), hops + 1
            if p == me:
                total += rss[pid]
        return total

    def run(self):
        while True:
            self.peak = max(self.peak, self.tree_rss())
            time.sleep(0.5)


RSS = RSSSampler()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--job", nargs=2, action="append", metavar=("INPUT", "OUTPUT"), required=True)
    ap.add_argument("--iterations", type=int, required=True)
    ap.add_argument("--mode", default="block", help="block, node, or both as 'block,node'")
    ap.add_argument("--master", default=None, help="e.g. local[2]; default: what spark-submit was given")
    ap.add_argument("--partitions", type=int, default=0, help="node ranges (default: 2 x default parallelism)")
    ap.add_argument("--driver-memory", default="2g")
    ap.add_argument("--local-dir", default=None, help="Spark's scratch (shuffle) directory")
    ap.add_argument("--time-budget", type=float, default=0,
                    help="seconds per job after which no further iteration is started (0: none); the result is then "
                         "that of the last finished iteration")
    a = ap.parse_args()
    modes = a.mode.split(",")
    for m in modes:
        if m not in ("block", "node"):
            sys.exit(f"imp_spark: unknown --mode {m!r} (block or node)")

    from pyspark import SparkConf, SparkContext
    RSS.start()
    conf = SparkConf().setAppName("camsift-imp")
    if a.master:
        conf.setMaster(a.master)
    # Local mode: the executors are threads of the driver's JVM, so driver memory is the job's JVM heap; numpy
    # blocks live in the Python workers (spark.python.worker.memory bounds their aggregation before spilling).
    conf.set("spark.driver.memory", a.driver_memory).set("spark.python.worker.memory", "2g")
    conf.set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
    if a.local_dir:
        conf.set("spark.local.dir", a.local_dir)
    t0 = time.time()
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    parts = a.partitions or 2 * sc.defaultParallelism
    log = lambda s: print(f"imp_spark: {s}", flush=True)
    log(f"Spark {sc.version}, master {sc.master}, {parts} partitions, started in {time.time() - t0:.1f} s")
    for inp, outp in a.job:
        meta = load_meta(inp)
        n, L = meta["nodes"], meta["labels"]
        clamp = float(meta.get("clampWeight", 1.0))
        for mode in modes:
            out = os.path.join(outp, mode)
            os.makedirs(out, exist_ok=True)
            out_p, out_r = os.path.join(out, "p.f64"), os.path.join(out, "reached.i32")
            with open(out_p, "wb") as f:  # zeros (sparse file) for unreached nodes
                f.truncate(n * L * 8)
            np.full(n, -1, np.int32).tofile(out_r)
            log(f"{inp}: {n} nodes, {meta['entries']} entries, {L} labels, {meta['labelled']} labelled, "
                f"mode {mode}, {a.iterations} iterations")
            run = run_block_mode if mode == "block" else run_node_mode
            t1 = time.time()
            P, write, steps = run(sc, inp, meta, a.iterations, min(parts, n), clamp, log, out_p, out_r, a.time_budget)
            P.mapPartitionsWithIndex(write).count()
            P.unpersist()
            with open(os.path.join(out, "steps.json"), "w") as f:
                json.dump({"mode": mode, "partitions": min(parts, n), "master": sc.master, "sparkVersion": sc.version,
                           "seconds": time.time() - t1, "rssPeakGiB": RSS.peak / 2**30, "steps": steps}, f)
    sc.stop()


if __name__ == "__main__":
    main()
