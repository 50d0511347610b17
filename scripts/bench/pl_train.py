#!/usr/bin/python3
"""pl_train.py: what a Lighter user runs today, in `make bench`: the demo's MLP
or CNN as a LightningModule trained by the real PyTorch Lightning 2.2.5
(../shared/peers, on Debian's torch 1.13) from torchvision's FashionMNIST
with per-sample ToTensor + Normalize in DataLoader workers (num_workers=2, as
the demo config sets its own loader). The same work as py_train.py and
lighter-host in scripts/bench/run.py: same layers, seed, batch, SGD with
momentum, one epoch of BATCHES batches, then the test set. Prints one JSON
line (times are CLOCK_MONOTONIC).

    PYTHONPATH=../shared/peers /usr/bin/python3 pl_train.py mlp|cnn BATCHES BATCH_SIZE LR WORKDIR

torchvision reads the IDX files uncompressed from WORKDIR/FashionMNIST/raw;
they are written there from Debian's dataset-fashion-mnist once.
"""
import gzip
import json
import os
import shutil
import sys
import time
import warnings

import torch
from torch import nn

import lightning.pytorch as pl
import torchvision
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from py_train import make_net  # noqa: E402  (the same networks)

ROOT = "/usr/share/datasets/fashion-mnist"
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def prepare(workdir):
    raw = os.path.join(workdir, "FashionMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for name in FILES:
        dst = os.path.join(raw, name)
        if not os.path.exists(dst):
            with gzip.open(f"{ROOT}/{name}.gz", "rb") as src, open(dst + ".part", "wb") as out:
                shutil.copyfileobj(src, out)
            os.replace(dst + ".part", dst)


class Timer(pl.Callback):
    """The clock at the first and the last training batch's end."""

    def __init__(self):
        self.first, self.last, self.n, self.loss_sum = 0.0, 0.0, 0, 0.0

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        now = time.monotonic()
        self.n += 1
        self.loss_sum += float(outputs["loss"])
        if self.n == 1:
            self.first = now
        self.last = now


class Module(pl.LightningModule):
    def __init__(self, model, lr):
        super().__init__()
        self.net, self.lr, self.crit = make_net(model), lr, nn.CrossEntropyLoss()

    def training_step(self, batch, batch_idx):
        x, y = batch
        return self.crit(self.net(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)


def main():
    model, batches, bs, lr, workdir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    warnings.filterwarnings("ignore")
    prepare(workdir)
    torch.manual_seed(0)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
    train = torchvision.datasets.FashionMNIST(workdir, train=True, transform=tf)
    test = torchvision.datasets.FashionMNIST(workdir, train=False, transform=tf)
    loader = torch.utils.data.DataLoader(train, batch_size=bs, shuffle=True, num_workers=2, persistent_workers=True)
    module, timer = Module(model, lr), Timer()
    trainer = pl.Trainer(max_epochs=1, limit_train_batches=batches, limit_val_batches=0, num_sanity_val_steps=0,
                         logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[timer], accelerator="cpu", devices=1,
                         default_root_dir=workdir)
    trainer.fit(module, loader)
    module.eval()
    eb = 512 if model == "mlp" else 256
    correct = 0
    with torch.no_grad():
        for x, y in torch.utils.data.DataLoader(test, batch_size=eb, num_workers=2):
            correct += (module.net(x).argmax(1) == y).sum().item()
    n = timer.n
    print(json.dumps({"first_step": timer.first,
                      "train_sps": (n - 1) * bs / (timer.last - timer.first) if n > 1 else 0.0,
                      "loss": timer.loss_sum / max(n, 1), "acc": correct / len(test)}))


if __name__ == "__main__":
    main()
