#!/usr/bin/python3
"""PyTorch peer of `camsift-bench temporal` (issue 18).

Trains the same six rows as camsift (LSTM, + class weighting, + oversampling, + both, ResBiLSTM + oversampling,
+ weighting; Pouyanfar, Chen & Shyu, "Deep Spatio-Temporal Representation Learning for Multi-Class Imbalanced
Data Classification") on the arrays camsift prepared (WORK/seed-S/{plain,oversampled,test}.f32 + input.json: the
imbalance cut, standardisation and Algorithm 1 oversampling are camsift's, so both engines see the same windows),
with the same architecture (camsift's NN.WindowNetwork, layer for layer, same initialisation scheme), optimiser
(Adam, L2 as weight_decay on weights only, as camsift's Parameter.decays), loss (CrossEntropyLoss with the same
inverse-frequency class weights) and hyper-parameters. Writes {"S/row": [predicted class per test window]}.

usage: temporal_peer.py --out FILE [--threads 1] SEED_DIR...
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def dense(fan_in, fan_out, gain=1.0):
    """camsift's Dense: Kaiming-uniform bound sqrt(6 / in) * gain, zero bias."""
    layer = nn.Linear(fan_in, fan_out)
    bound = gain * math.sqrt(6.0 / fan_in)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound)
        layer.bias.zero_()
    return layer


class ResBiLSTMNet(nn.Module):
    """proj (per-frame Linear F->P), 2 x [BiLSTM(P, P/2) + residual, dropout], last step, BatchNorm1d(P),
    Linear(P->D), ReLU, dropout 0.5, Linear(D->C) -- NN.WindowNetwork's `resbilstm`."""

    def __init__(self, features, classes, p, d, dropout, dense_dropout, layers):
        super().__init__()
        self.proj = dense(features, p)
        self.lstms = nn.ModuleList([nn.LSTM(p, p // 2, batch_first=True, bidirectional=True) for _ in range(layers)])
        self.drops = nn.ModuleList([nn.Dropout(dropout) for _ in range(layers)])
        self.bn = nn.BatchNorm1d(p, eps=1e-5, momentum=0.1)
        self.fc1 = dense(p, d)
        self.drop = nn.Dropout(dense_dropout)
        self.fc = dense(d, classes, gain=0.5)

    def forward(self, x):
        h = self.proj(x)
        for lstm, drop in zip(self.lstms, self.drops):
            h = drop(lstm(h)[0] + h)
        h = self.bn(h[:, -1])
        return self.fc(self.drop(torch.relu(self.fc1(h))))


class LSTMNet(nn.Module):
    """LSTM(F->P), dropout, last step, Linear(P->C) -- NN.WindowNetwork's `lstm`."""

    def __init__(self, features, classes, p, dropout, layers):
        super().__init__()
        self.lstm = nn.LSTM(features, p, num_layers=1, batch_first=True)
        assert layers == 1
        self.drop = nn.Dropout(dropout)
        self.fc = dense(p, classes, gain=0.5)

    def forward(self, x):
        return self.fc(self.drop(self.lstm(x)[0])[:, -1])


def load(seed_dir, meta, name):
    s = meta["sets"][name]
    x = np.fromfile(os.path.join(seed_dir, s["file"]), dtype="<f4")
    x = x.reshape(s["count"], meta["alpha"], meta["features"])
    return torch.from_numpy(x.copy()), torch.tensor(s["labels"], dtype=torch.long)


def inverse_frequency(labels, classes):
    """w_c = N / (C * n_c), 0 for an absent class (camsift's ClassStatistics.inverseFrequencyWeights)."""
    counts = np.bincount(labels.numpy(), minlength=classes).astype(np.float64)
    n = counts.sum()
    return torch.tensor([0.0 if c == 0 else n / (classes * c) for c in counts], dtype=torch.float32)


def train_row(meta, row, x, y, model_seed):
    h = meta["hyper"]
    torch.manual_seed(model_seed)
    if row["kind"] == "resbilstm":
        model = ResBiLSTMNet(meta["features"], meta["classes"], h["projection"], h["dense"], h["dropout"],
                             h["dense_dropout"], h["layers_resbilstm"])
    else:
        model = LSTMNet(meta["features"], meta["classes"], h["projection"], h["dropout"], h["layers_lstm"])
    decay = [p for n, p in model.named_parameters() if "weight" in n and not n.startswith("bn.")]
    rest = [p for n, p in model.named_parameters() if not ("weight" in n and not n.startswith("bn."))]
    opt = torch.optim.Adam([{"params": decay, "weight_decay": h["weight_decay"]}, {"params": rest, "weight_decay": 0.0}],
                           lr=h["lr"])
    weight = inverse_frequency(y, meta["classes"]) if row["weighted"] else None
    loss_fn = nn.CrossEntropyLoss(weight=weight)
    g = torch.Generator().manual_seed(model_seed)
    n, batch = x.shape[0], h["batch"]
    for _ in range(h["epochs"]):
        model.train()
        order = torch.randperm(n, generator=g)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            if idx.numel() < 2:  # BatchNorm needs 2 (camsift's trainer skips a trailing batch of one too)
                break
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = {}
    for seed_dir in a.dirs:
        with open(os.path.join(seed_dir, "input.json")) as f:
            meta = json.load(f)
        test_x, _ = load(seed_dir, meta, "test")
        for index, row in enumerate(meta["rows"]):
            t = time.time()
            x, y = load(seed_dir, meta, "oversampled" if row["oversampled"] else "plain")
            model = train_row(meta, row, x, y, meta["seed"] * 100 + index)
            model.eval()
            with torch.no_grad():
                pred = model(test_x).argmax(dim=1).tolist()
            out["%d/%s" % (meta["seed"], row["key"])] = pred
            print("peer seed %d %s: %.1f s" % (meta["seed"], row["key"], time.time() - t), file=sys.stderr, flush=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
