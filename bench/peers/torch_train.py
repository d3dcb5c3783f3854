#!/usr/bin/python3
"""PyTorch CPU peer for `camsift-bench engine-train`: trains the identical small CNN (SmallCNN.swift) on the same
images with the same batch size, optimizer and thread count, and prints per-epoch images/s as JSON.

Architecture: [conv3x3(pad 1, no bias)-BN-ReLU-maxpool2] x2 (32, 64 ch), conv3x3(128)-BN-ReLU, global average
pool, dropout 0.25, linear(128 -> classes). SGD lr 0.01, momentum 0.9. Bench only: never used at run time.
"""
import argparse, gzip, json, os, sys, time

import numpy as np
import torch
import torch.nn as nn


def load_idx(images_path, labels_path, count):
    with gzip.open(images_path, "rb") as f:
        data = f.read()
    n, rows, cols = int.from_bytes(data[4:8], "big"), int.from_bytes(data[8:12], "big"), int.from_bytes(data[12:16], "big")
    images = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, 1, rows, cols)[:count]
    with gzip.open(labels_path, "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:count]
    x = (images.astype(np.float32) - 127.5) / 127.5
    return torch.from_numpy(x.copy()), torch.from_numpy(labels.astype(np.int64))


def make_model(in_ch, classes):
    layers, ch = [], in_ch
    for i, width in enumerate([32, 64, 128]):
        layers += [nn.Conv2d(ch, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        if i < 2:
            layers.append(nn.MaxPool2d(2))
        ch = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25), nn.Linear(ch, classes)]
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--count", type=int, default=6400)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, y = load_idx(args.images, args.labels, args.count)
    model = make_model(1, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    rates, losses = [], []
    for epoch in range(args.epochs + 1):  # epoch 0 is warm-up, not reported
        total, start = 0.0, time.perf_counter()
        for i in range(0, args.count - args.batch + 1, args.batch):
            opt.zero_grad(set_to_none=False)
            out = model(x[i:i + args.batch])
            loss = loss_fn(out, y[i:i + args.batch])
            loss.backward()
            opt.step()
            total += loss.item()
        elapsed = time.perf_counter() - start
        if epoch > 0:
            rates.append((args.count // args.batch) * args.batch / elapsed)
            losses.append(total / (args.count // args.batch))
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "mkldnn": torch.backends.mkldnn.is_available(), "images_per_s": rates, "loss": losses}))


if __name__ == "__main__":
    sys.exit(main())
