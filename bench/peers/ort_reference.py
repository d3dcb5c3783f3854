#!/usr/bin/env python3
"""Correctness reference for camsift's EfficientNet-Lite0: ONNX Runtime on the same weights and the same
preprocessed tensors. Runs `camsift classify --dump-input --dump-logits` on the images, feeds the dumped
input to ONNX Runtime, and requires max |logit difference| ≤ 1e-3 and the same top-1 on every image.

usage: ort_reference.py --camsift BIN --model FILE.csm --wheel WHEEL [--tol 1e-3] IMAGE...
Exit 0 when every image agrees, 1 otherwise.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import effnet_onnx  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--camsift", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--wheel", required=True)
    ap.add_argument("--classes", default=effnet_onnx.import_effnet.CLASSES_DEFAULT)
    ap.add_argument("--tol", type=float, default=1e-3)
    ap.add_argument("images", nargs="+")
    a = ap.parse_args()
    classes = effnet_onnx.import_effnet.read_classes(a.classes)
    with tempfile.TemporaryDirectory() as d:
        xin, xlog = os.path.join(d, "input.f32"), os.path.join(d, "logits.f32")
        subprocess.run([a.camsift, "classify", "--model", a.model, "--top", "1", "--dump-input", xin,
                        "--dump-logits", xlog, *a.images], check=True, stdout=subprocess.DEVNULL)
        n = len(a.images)
        x = np.fromfile(xin, dtype="<f4").reshape(n, 3, 224, 224)
        mine = np.fromfile(xlog, dtype="<f4").reshape(n, -1)
    ref = effnet_onnx.session(a.wheel, threads=2).run(["logits"], {"input": x})[0]
    worst, bad = 0.0, 0
    print(f"{'image':28} {'max|Δlogit|':>12}  {'top-1 camsift':28} {'top-1 onnxruntime':28}")
    for i, path in enumerate(a.images):
        diff = float(np.max(np.abs(mine[i] - ref[i])))
        c, r = int(np.argmax(mine[i])), int(np.argmax(ref[i]))
        ok = diff <= a.tol and c == r
        bad += not ok
        worst = max(worst, diff)
        short = lambda k: classes[k].split(",")[0][:27]  # noqa: E731
        print(f"{os.path.basename(path)[:28]:28} {diff:12.2e}  {short(c):28} {short(r):28}{'' if ok else '  MISMATCH'}")
    print(f"{n} images, worst max|Δlogit| {worst:.2e} (tolerance {a.tol:g}), {n - bad} agree, {bad} disagree")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
