#!/usr/bin/env python3
"""ONNX Runtime peer for `make bench-engine`: EfficientNet-Lite0 224×224 images/s on the same preprocessed
tensors camsift-bench reads (float32 N×3×224×224 from `camsift classify --dump-input`), same batch sizes,
same thread count (intra_op_num_threads), same repetition scheme. Prints one JSON line per batch size.

usage: ort_bench.py --wheel WHEEL --inputs FILE [--batch 1,16] [--threads 2] [--reps 5] [--seconds 2]
"""
import argparse
import json
import resource
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import effnet_onnx  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--batch", default="1,16")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    a = ap.parse_args()
    pool = np.fromfile(a.inputs, dtype="<f4").reshape(-1, 3, 224, 224)
    sess = effnet_onnx.session(a.wheel, a.threads)
    import onnxruntime
    for n in [int(b) for b in a.batch.split(",")]:
        x = np.ascontiguousarray(pool[np.arange(n) % len(pool)])
        for _ in range(2):
            sess.run(["logits"], {"input": x})
        rates, cpu = [], []
        for _ in range(a.reps):
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            images, start = 0, time.perf_counter()
            while True:
                sess.run(["logits"], {"input": x})
                images += n
                elapsed = time.perf_counter() - start
                if elapsed >= a.seconds or images >= 100_000:
                    break
            rates.append(round(images / elapsed, 2))
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            used = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
            cpu.append(round(used * 1000 / images, 2))
        print(json.dumps({"engine": "onnxruntime " + onnxruntime.__version__, "batch": n, "threads": a.threads,
                          "ips": rates, "cpu_ms_per_image": cpu}), flush=True)


if __name__ == "__main__":
    main()
