#!/usr/bin/python3
"""py_train.py: the Python side of `make bench`: the demo's MLP or CNN
trained on Fashion-MNIST in plain eager PyTorch (Debian's /usr/bin/python3),
the same work as scripts/bench/raw_train.cpp and lighter-host on
configs/fashion_mnist_{mlp,cnn}.yaml: same layers, seed, batch, SGD with
momentum, normalisation, one epoch of BATCHES batches, then the test set.
Prints one JSON line for scripts/bench/run.py (times are CLOCK_MONOTONIC).

    /usr/bin/python3 py_train.py mlp|cnn BATCHES BATCH_SIZE LR [T,B]

T,B sets libtorch's threads (torch.set_num_threads) and OpenBLAS's (matched
to lighter-host's policy); without it PyTorch keeps its own defaults.
"""
import ctypes
import gzip
import json
import sys
import time

import numpy as np
import torch
from torch import nn

ROOT = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(f"{ROOT}/{name}.gz", "rb") as f:
        data = f.read()
    if "images" in name:
        n = int.from_bytes(data[4:8], "big")
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)


def tensors(split):
    x = torch.from_numpy(idx(f"{split}-images-idx3-ubyte").copy()).float() / 255.0
    y = torch.from_numpy(idx(f"{split}-labels-idx1-ubyte").copy())
    return (x - 0.2860) / 0.3530, y


def set_threads(spec):
    t, b = (int(v) for v in spec.split(","))
    torch.set_num_threads(t)
    for lib in ("libopenblas.so.0", "libblas.so.3"):
        try:
            ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL).openblas_set_num_threads(b)
            return
        except (OSError, AttributeError):
            continue


def make_net(model):
    if model == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    model, batches, bs, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    if len(sys.argv) > 5:
        set_threads(sys.argv[5])
    torch.manual_seed(0)
    net = make_net(model)
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    crit = nn.CrossEntropyLoss()
    xtr, ytr = tensors("train")
    xte, yte = tensors("t10k")
    net.train()
    perm = torch.randperm(len(xtr))
    batches = min(batches, len(xtr) // bs)
    t_epoch, t_first, loss_sum = time.monotonic(), 0.0, 0.0
    for b in range(batches):
        i = perm[b * bs:(b + 1) * bs]
        loss = crit(net(xtr[i]), ytr[i])
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss_sum += loss.item()
        if b == 0:
            t_first = time.monotonic()
    t_last = time.monotonic()
    net.eval()
    eb = 512 if model == "mlp" else 256
    with torch.no_grad():
        correct = sum((net(xte[i:i + eb]).argmax(1) == yte[i:i + eb]).sum().item() for i in range(0, len(xte), eb))
    print(json.dumps({"first_step": t_first, "epoch_start": t_epoch,
                      "train_sps": (batches - 1) * bs / (t_last - t_first) if batches > 1 else 0.0,
                      "loss": loss_sum / batches, "acc": correct / len(xte)}))


if __name__ == "__main__":
    main()
