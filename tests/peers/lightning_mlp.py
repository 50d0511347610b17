"""lightning_mlp.py: the peer suite's experiment (mlp.yaml) in the real
PyTorch Lightning 2.2.5 from ../shared/peers, logged the way Lighter logs:
loss and metrics twice (<mode>/.../step on the step, .../epoch on the
epoch), in train, val and test, and the optimizer's stats once an epoch
(weight_decay only when it is not zero).

    lightning_mlp.py OUT_DIR STAGE [key=value ...]

key=value are Trainer arguments (values read as YAML, as the host's
trainer::key=value overrides), model.key=value the model's (lr, momentum,
weight_decay), lr_monitor=INTERVAL adds a LearningRateMonitor with
log_momentum; STAGE is fit or test. The logs go to
OUT_DIR/mlp/version_0/metrics.csv (CSVLogger)."""
import gzip
import sys
import warnings

import torch
import yaml

import lightning.pytorch as pl
import torchmetrics
from lightning.pytorch.callbacks import LearningRateMonitor
from lightning.pytorch.loggers import CSVLogger

FASHION = "/usr/share/datasets/fashion-mnist"


def idx(name):
    """A gzipped IDX file as a tensor (its dimensions from its header)."""
    with gzip.open(f"{FASHION}/{name}", "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def fashion(train):
    prefix = "train" if train else "t10k"
    x = idx(f"{prefix}-images-idx3-ubyte.gz").float().div(255).unsqueeze(1)
    y = idx(f"{prefix}-labels-idx1-ubyte.gz").long()
    return torch.utils.data.TensorDataset(x, y)


class LighterLike(pl.LightningModule):
    """The model of mlp.yaml with Lighter's logging rules."""

    def __init__(self, lr=0.05, momentum=0.9, weight_decay=0.0):
        super().__init__()
        self.network = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
        self.criterion = torch.nn.CrossEntropyLoss()
        self.opt = dict(lr=lr, momentum=momentum, weight_decay=weight_decay)
        make = lambda: torchmetrics.MetricCollection([torchmetrics.Accuracy(task="multiclass", num_classes=10)])
        self.train_metrics, self.val_metrics, self.test_metrics = make(), make(), make()

    def configure_optimizers(self):
        return torch.optim.SGD(self.network.parameters(), **self.opt)

    def step(self, mode, batch, batch_idx):
        x, y = batch
        pred = self.network(x)
        loss = self.criterion(pred, y)
        n = x.shape[0]
        self.log(f"{mode}/loss/step", loss, on_step=True, on_epoch=False, batch_size=n)
        self.log(f"{mode}/loss/epoch", loss, on_step=False, on_epoch=True, batch_size=n)
        collection = getattr(self, f"{mode}_metrics")
        for name, value in collection(pred, y).items():
            self.log(f"{mode}/metrics/{name}/step", value, on_step=True, on_epoch=False, batch_size=n)
            self.log(f"{mode}/metrics/{name}/epoch", collection[name], on_step=False, on_epoch=True, batch_size=n)
        if mode == "train" and batch_idx == 0:
            opt = self.trainer.optimizers[0]
            name = type(opt).__name__
            for g, group in enumerate(opt.param_groups):
                suffix = f"/group{g + 1}" if len(opt.param_groups) > 1 else ""
                stats = {"lr": group["lr"]}
                if "momentum" in group:
                    stats["momentum"] = group["momentum"]
                if "betas" in group:
                    stats["beta1"], stats["beta2"] = group["betas"]
                if group.get("weight_decay", 0):
                    stats["weight_decay"] = group["weight_decay"]
                for stat, value in stats.items():
                    self.log(f"train/optimizer/{name}/{stat}{suffix}/epoch", float(value),
                             on_step=False, on_epoch=True, batch_size=n)
        return loss

    def training_step(self, batch, batch_idx):
        return self.step("train", batch, batch_idx)

    def validation_step(self, batch, batch_idx):
        return self.step("val", batch, batch_idx)

    def test_step(self, batch, batch_idx):
        return self.step("test", batch, batch_idx)


def main():
    out, stage = sys.argv[1], sys.argv[2]
    kw = dict(max_epochs=2, limit_train_batches=30, limit_val_batches=4, log_every_n_steps=10,
              enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
              accelerator="cpu", devices=1)
    model_kw, callbacks = {}, []
    for arg in sys.argv[3:]:
        key, value = arg.split("=", 1)
        if key == "lr_monitor":  # LearningRateMonitor(logging_interval=value, log_momentum=True)
            callbacks.append(LearningRateMonitor(logging_interval=yaml.safe_load(value), log_momentum=True))
        elif key.startswith("model."):
            model_kw[key[6:]] = yaml.safe_load(value)
        else:
            kw[key] = yaml.safe_load(value)
    warnings.filterwarnings("ignore")
    pl.seed_everything(0)
    trainer = pl.Trainer(logger=CSVLogger(out, name="mlp", version=0), callbacks=callbacks, **kw)
    model = LighterLike(**model_kw)
    train = torch.utils.data.DataLoader(fashion(True), batch_size=32, shuffle=True)
    val = torch.utils.data.DataLoader(fashion(False), batch_size=64)
    if stage == "fit":
        trainer.fit(model, train, val)
    else:
        trainer.test(model, val, verbose=False)


if __name__ == "__main__":
    main()
