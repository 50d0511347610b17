#!/usr/bin/env python3
"""The demo's network trained in Python PyTorch (Debian's python3-torch), for
comparison with `make demo` (configs/fashion_mnist_cnn.yaml): the same
architecture, optimizer, batch size, normalisation, seed and epochs on the
same Fashion-MNIST files. Prints the test accuracy and the wall time.

    /usr/bin/python3 scripts/fashion_mnist_cnn.py [EPOCHS]
"""
import gzip
import sys
import time

import numpy as np
import torch
from torch import nn

ROOT = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(f"{ROOT}/{name}.gz", "rb") as f:
        data = f.read()
    if name.find("images") >= 0:
        n = int.from_bytes(data[4:8], "big")
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)


def tensors(split):
    x = torch.from_numpy(idx(f"{split}-images-idx3-ubyte").copy()).float() / 255.0
    y = torch.from_numpy(idx(f"{split}-labels-idx1-ubyte").copy())
    return (x - 0.2860) / 0.3530, y


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    t0 = time.time()
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    crit = nn.CrossEntropyLoss()
    xtr, ytr = tensors("train")
    xte, yte = tensors("t10k")
    g = torch.Generator().manual_seed(0)
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), 64):
            idxs = perm[i:i + 64]
            opt.zero_grad(set_to_none=True)
            loss = crit(net(xtr[idxs]), ytr[idxs])
            loss.backward()
            opt.step()
        print(f"epoch {epoch}: last loss {loss.item():.4f}", file=sys.stderr)
    net.eval()
    with torch.no_grad():
        correct = sum((net(xte[i:i + 256]).argmax(1) == yte[i:i + 256]).sum().item() for i in range(0, len(xte), 256))
    print(f"python test accuracy {correct / len(xte):.4f} in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
