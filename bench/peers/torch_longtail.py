#!/usr/bin/python3
"""PyTorch peer of `make bench-longtail`: the reference protocol of issue 16 (/work/shared/notes/longtail-calibration.md)
on exactly the images camsift trained and is scored on, so the two engines differ only in how they train.

Input (written by `camsift-bench longtail run` for each peer run, see LongtailPeer.swift): DIR/peer-input.json
  {"classes": [...], "shape": [C, H, W], "sets": {"train": {"file": "train.f32", "labels": [...]}, "reference": ..., "test": ...}}
and one raw little-endian float32 file per set (N x C x H x W, 0...255). train/reference are the split `camsift train`
wrote to its bundle's split.json (same archive, same seed), decoded by camsift's own archive reader at the bundle's
geometry; test is the t10k archive decoded the same way. Reading decoded pixels instead of the JPEGs keeps the peer
free of an image library and makes both engines see bit-identical inputs.

Protocol: conv3x3(32)-BN-ReLU x2, maxpool, conv3x3(64)-BN-ReLU x2, maxpool, dense 128-ReLU, dropout 0.3, dense K (no conv
bias; 468,010 parameters for 1x28x28 and 10 classes); inputs (x/255 - 0.286)/0.353; SGD Nesterov momentum 0.9, peak lr
0.05, weight decay 5e-4, batch 64; linear warm-up over the first 5 % of the steps then cosine to 0; budget
iterations x N_train draws (one stream, cut into batches of 64); augmentation pad 2 px (background) + random crop back
to HxW + horizontal flip p=1/2; the last iteration is kept. Samplers: plain (a shuffled pass per iteration) and
balanced (round(N_train/K) draws per class per pass, without replacement where the class has that many).

Output (--out): JSON with the predicted class index of every test and reference image (the harness scores them with
camsift's own metric code), the per-pass history (loss, lr, reference macro F1), time and settings. Bench only.
"""
import argparse, json, math, os, sys, time


def arguments():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True, help="directory with peer-input.json and the .f32 sets")
    ap.add_argument("--out", required=True, help="predictions JSON to write")
    ap.add_argument("--sampler", choices=["plain", "balanced"], default="plain")
    ap.add_argument("--iterations", type=int, default=15, help="budget in passes of N_train draws")
    ap.add_argument("--seed", type=int, default=1, help="initialisation, draws, augmentation and dropout")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N training images only (smoke tests)")
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--warmup", type=float, default=0.05, help="fraction of the steps warming the rate up linearly")
    return ap.parse_args()


# Parsed before numpy and torch load: one engine thread means one. torch.set_num_threads covers OpenMP, but Debian's
# torch runs its dense layers through OpenBLAS, whose own pool (one thread per core) would otherwise spin beside the
# lane (measured: 1.12 cores per peer run, taken from the camsift lane next to it).
ARGS = arguments() if __name__ == "__main__" else None
if ARGS is not None:
    for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_v] = str(ARGS.threads)

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.286, 0.353


def make_model(channels, size, classes):
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return nn.Sequential(
        *block(channels, 32), *block(32, 32), nn.MaxPool2d(2),
        *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * (size // 4) ** 2, 128), nn.ReLU(inplace=True), nn.Dropout(0.3),
        nn.Linear(128, classes))


def load_sets(d):
    with open(os.path.join(d, "peer-input.json")) as f:
        meta = json.load(f)
    c, h, w = meta["shape"]
    sets = {}
    for name, s in meta["sets"].items():
        labels = np.asarray(s["labels"], dtype=np.int64)
        x = np.fromfile(os.path.join(d, s["file"]), dtype="<f4")
        if x.size != labels.size * c * h * w:
            sys.exit(f"torch_longtail: {s['file']} holds {x.size} floats, expected {labels.size} x {c}x{h}x{w}")
        x = (x.reshape(labels.size, c, h, w) / 255.0 - MEAN) / STD
        sets[name] = (torch.from_numpy(x.astype(np.float32)), torch.from_numpy(labels))
    return meta, sets


def pass_draws(sampler, labels, classes, rng):
    """One pass (N_train draws) of training indices, shuffled."""
    n = labels.size
    if sampler == "plain":
        return rng.permutation(n)
    per = int(round(n / classes))
    out = []
    for c in range(classes):
        members = np.flatnonzero(labels == c)
        if members.size == 0:
            continue
        out.append(rng.choice(members, per, replace=members.size < per))
    return rng.permutation(np.concatenate(out))


def learning_rate(step, steps, warmup, peak):
    if step < warmup:
        return peak * (step + 1) / warmup
    t = min(step - warmup, steps - warmup) / max(1, steps - warmup)
    return 0.5 * peak * (1 + math.cos(math.pi * t))


def augment(x, rng, pad=2):
    """Pad `pad` px with the (normalised) background, random crop back to the input size, flip with p = 1/2."""
    b, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), value=(0.0 - MEAN) / STD)
    dy, dx = rng.integers(0, 2 * pad + 1, size=b), rng.integers(0, 2 * pad + 1, size=b)
    out = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(b)])
    flip = torch.from_numpy(rng.random(b) < 0.5)
    return torch.where(flip[:, None, None, None], out.flip(3), out)


@torch.no_grad()
def predict(model, x, batch=1000):
    model.eval()
    out = [model(x[i:i + batch].contiguous(memory_format=torch.channels_last)).argmax(1) for i in range(0, len(x), batch)]
    model.train()
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.int64)


def macro_f1(truth, pred, classes):
    f1 = []
    for c in range(classes):
        tp = int(((pred == c) & (truth == c)).sum())
        p, a = int((pred == c).sum()), int((truth == c).sum())
        prec, rec = (tp / p if p else 0.0), (tp / a if a else 0.0)
        f1.append(2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0)
    return sum(f1) / classes


def main():
    args = ARGS
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()

    meta, sets = load_sets(args.input)
    classes = len(meta["classes"])
    c, h, w = meta["shape"]
    x_train, y_train = sets["train"]
    if args.limit > 0:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    x_ref, y_ref = sets["reference"]
    x_test, y_test = sets["test"]
    labels = y_train.numpy()

    model = make_model(c, h, classes).to(memory_format=torch.channels_last)
    parameters = sum(p.numel() for p in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    per_pass = len(labels) if args.sampler == "plain" else int(round(len(labels) / classes)) * int((np.bincount(labels, minlength=classes) > 0).sum())
    stream = np.concatenate([pass_draws(args.sampler, labels, classes, rng) for _ in range(args.iterations)])
    steps = math.ceil(len(stream) / args.batch)
    warmup = int(round(steps * args.warmup))
    history, loss_sum, loss_n, next_pass = [], 0.0, 0, 1
    model.train()
    for step in range(steps):
        idx = torch.from_numpy(stream[step * args.batch:(step + 1) * args.batch])
        lr = learning_rate(step, steps, warmup, args.lr)
        for g in opt.param_groups:
            g["lr"] = lr
        xb = augment(x_train[idx], rng).contiguous(memory_format=torch.channels_last)
        loss = F.cross_entropy(model(xb), y_train[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_sum += float(loss) * len(idx)
        loss_n += len(idx)
        if min((step + 1) * args.batch, len(stream)) >= next_pass * per_pass or step == steps - 1:
            ref_f1 = macro_f1(y_ref, predict(model, x_ref), classes)
            history.append({"iteration": next_pass, "lr": lr, "loss": loss_sum / max(loss_n, 1), "referenceMacroF1": ref_f1})
            print(f"torch_longtail: pass {next_pass}/{args.iterations} loss {loss_sum / max(loss_n, 1):.4f} "
                  f"reference macro F1 {ref_f1:.4f} ({time.time() - t0:.0f} s)", flush=True)
            loss_sum, loss_n, next_pass = 0.0, 0, next_pass + 1

    test_pred, ref_pred = predict(model, x_test), predict(model, x_ref)
    out = {"engine": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(), "sampler": args.sampler,
           "seed": args.seed, "iterations": args.iterations, "draws": int(len(stream)), "steps": steps, "warmupSteps": warmup,
           "parameters": parameters, "trainImages": int(len(labels)), "seconds": time.time() - t0,
           "history": history, "reference": ref_pred.tolist(), "test": test_pred.tolist(),
           "testAccuracy": float((test_pred == y_test).float().mean()) if len(y_test) else None}
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, args.out)
    print(f"torch_longtail: {parameters} parameters, {steps} steps, test accuracy {out['testAccuracy']}, "
          f"{out['seconds']:.1f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
