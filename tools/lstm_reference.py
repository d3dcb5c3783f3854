#!/usr/bin/python3
"""PyTorch reference values for camsift's recurrent layers (issue 18: "outputs + gradients within 1e-4 of
torch.nn.LSTM(bidirectional=True) on the same weights").

A set-up tool only: `make test` runs it (Debian's python3-torch) to write a JSON fixture that
Tests/NNTests/LSTMTorchParityTests.swift loads into camsift's LSTM / BiLSTM / BatchNorm1d / WindowNetwork by
PyTorch state-dict name and compares. Nothing at run time depends on Python.

Cases (all float32, seeded, PyTorch's default initialisation):
  bilstm      nn.LSTM(F, H, batch_first=True, bidirectional=True)
  lstm        nn.LSTM(F, H, batch_first=True)
  batchnorm1d nn.BatchNorm1d(F), one training step on [N, F] (output, grads, running stats), then eval output
  window      the residual BiLSTM window network with WindowNetwork's child names and dropout 0:
              proj(Linear) → 2 × [h = BiLSTM(h) + h] → h[:, -1] → bn → fc1 → ReLU → fc
Each case stores the weights, the input x, a random upstream gradient dy, the output y = f(x), dx and the gradient
of every weight and bias for the loss L = Σ y ⊙ dy. Floats are written with Python's shortest round-trip repr of
the float32 value, so they load back bit-exactly.

Usage: lstm_reference.py --out .build/fixtures/lstm_reference.json
"""
import argparse
import json
import os
import tempfile

import torch
from torch import nn


def tensor(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "values": t.reshape(-1).tolist()}


def run(module, x, dy, train=True):
    """Forward + backward of L = Σ y·dy; returns the case's record."""
    module.train(train)
    weights = {k: tensor(v) for k, v in module.state_dict().items() if k != "num_batches_tracked"
               and not k.endswith(".num_batches_tracked")}
    x = x.clone().requires_grad_(True)
    y = module(x)
    if isinstance(y, tuple):  # nn.LSTM returns (output, (h_n, c_n))
        y = y[0]
    (y * dy).sum().backward()
    grads = {k: tensor(p.grad) for k, p in module.named_parameters()}
    return {"weights": weights, "input": tensor(x), "gradOutput": tensor(dy), "output": tensor(y),
            "gradInput": tensor(x.grad), "grads": grads}


class Window(nn.Module):
    """WindowNetwork(kind: resbilstm, dropout 0) with its child names."""

    def __init__(self, features, projection, dense, classes, layers=2):
        super().__init__()
        self.proj = nn.Linear(features, projection)
        self.layers = layers
        for i in range(layers):
            setattr(self, f"lstm{i}", nn.LSTM(projection, projection // 2, batch_first=True, bidirectional=True))
        self.bn = nn.BatchNorm1d(projection)
        self.fc1 = nn.Linear(projection, dense)
        self.fc = nn.Linear(dense, classes)

    def forward(self, x):
        h = self.proj(x)
        for i in range(self.layers):
            h = getattr(self, f"lstm{i}")(h)[0] + h
        h = self.bn(h[:, -1])
        return self.fc(torch.relu(self.fc1(h)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.manual_seed(18)
    torch.set_num_threads(1)
    cases = {}

    n, t, f, h = 3, 7, 5, 4
    bi = nn.LSTM(f, h, batch_first=True, bidirectional=True)
    cases["bilstm"] = dict(run(bi, torch.randn(n, t, f), torch.randn(n, t, 2 * h)), N=n, T=t, F=f, H=h)

    n, t, f, h = 2, 6, 4, 3
    uni = nn.LSTM(f, h, batch_first=True)
    cases["lstm"] = dict(run(uni, torch.randn(n, t, f), torch.randn(n, t, h)), N=n, T=t, F=f, H=h)

    n, f = 6, 5
    bn = nn.BatchNorm1d(f)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    x = torch.randn(n, f) * 2 + 0.5
    record = run(bn, x, torch.randn(n, f))
    record["runningMean"] = tensor(bn.running_mean)
    record["runningVar"] = tensor(bn.running_var)
    bn.eval()
    with torch.no_grad():
        record["evalOutput"] = tensor(bn(x))
    cases["batchnorm1d"] = dict(record, N=n, F=f)

    n, t, f, p, d, c = 4, 6, 10, 8, 12, 3
    window = Window(f, p, d, c)
    cases["window"] = dict(run(window, torch.randn(n, t, f), torch.randn(n, c)), N=n, T=t, F=f, P=p, D=d, C=c)

    document = {"generatedBy": "tools/lstm_reference.py", "torch": torch.__version__, "cases": cases}
    directory = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".lstm_reference.")
    with os.fdopen(fd, "w") as out:
        json.dump(document, out)
    os.chmod(tmp, 0o644)
    os.replace(tmp, args.out)  # readers see the old file or the whole new one
    print(f"wrote {args.out} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
