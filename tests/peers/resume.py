"""resume.py: the real PyTorch Lightning 2.2.5 resumes fit from lighter-host's
checkpoints. Each case names one of our checkpoints and the Trainer settings
of the run that wrote it; Lightning resumes from it to max_epochs and must end
at the global_step and epoch of an uninterrupted Lightning run of the same
length, with our callback states restored where its callbacks look for them.

    resume.py WORK CASE...   (CASE: name|ckpt|max_epochs|accumulate|callback|batches)
batches: the training batches our run did before the checkpoint; the resumed
run must train exactly the others.
callback: "none", "steps:N" (ModelCheckpoint(every_n_train_steps=N)),
"monitor:DIR" (ModelCheckpoint(dirpath=DIR, monitor="val/loss/epoch", save_top_k=2))
or "early" (EarlyStopping(monitor="val/loss/epoch", patience=100)).
"""
import logging
import os
import sys
import warnings

import torch
import lightning.pytorch as pl
from torch.utils.data import DataLoader, TensorDataset

warnings.filterwarnings("ignore")
logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)  # only our own lines


class Model(pl.LightningModule):
    """The network of tests/peers/resume.sh's config, under the same names."""

    def __init__(self):
        super().__init__()
        self.batches = 0
        self.network = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))

    def training_step(self, batch, i):
        self.batches += 1
        x, y = batch
        return torch.nn.functional.cross_entropy(self.network(x), y)

    def validation_step(self, batch, i):
        x, y = batch
        self.log("val/loss/epoch", torch.nn.functional.cross_entropy(self.network(x), y), on_epoch=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)


def loaders():
    g = torch.Generator().manual_seed(0)
    train = TensorDataset(torch.randn(64, 6, generator=g), torch.randint(0, 3, (64,), generator=g))
    val = TensorDataset(torch.randn(32, 6, generator=g), torch.randint(0, 3, (32,), generator=g))
    return DataLoader(train, batch_size=8), DataLoader(val, batch_size=16)


def callbacks(spec, root):
    if spec.startswith("steps:"):
        return [pl.callbacks.ModelCheckpoint(dirpath=root, every_n_train_steps=int(spec[6:]), save_top_k=-1)]
    if spec.startswith("monitor:"):
        return [pl.callbacks.ModelCheckpoint(dirpath=spec[8:], monitor="val/loss/epoch", save_top_k=2)]
    if spec == "early":
        return [pl.callbacks.EarlyStopping(monitor="val/loss/epoch", patience=100)]
    return []


def fit(root, max_epochs, acc, spec, ckpt=None):
    torch.manual_seed(0)
    trainer = pl.Trainer(max_epochs=max_epochs, accumulate_grad_batches=acc, default_root_dir=root, logger=False,
                         enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                         callbacks=callbacks(spec, root + "/ckpts"))
    model = Model()
    train, val = loaders()
    trainer.fit(model, train, val, ckpt_path=ckpt)
    return trainer, model.batches


def write(work):
    """Lightning's own checkpoints for lighter-host to resume: one epoch
    (also with an EarlyStopping state) and one every 3 steps (mid-epoch)."""
    fit(f"{work}/pl-end", 1, 1, "none")
    fit(f"{work}/pl-early", 1, 1, "early")
    torch.manual_seed(0)
    trainer = pl.Trainer(max_epochs=1, default_root_dir=f"{work}/pl-steps", logger=False, enable_progress_bar=False,
                         enable_model_summary=False, num_sanity_val_steps=0,
                         callbacks=[pl.callbacks.ModelCheckpoint(dirpath=f"{work}/pl-steps", every_n_train_steps=3,
                                                                 save_top_k=-1)])
    trainer.fit(Model(), *loaders())
    return 0


def main():
    if sys.argv[1] == "--write":
        return write(sys.argv[2])
    work, cases = sys.argv[1], sys.argv[2:]
    failed = 0
    for case in cases:
        name, ckpt, max_epochs, acc, spec, done = case.split("|")
        max_epochs, acc, done = int(max_epochs), int(acc), int(done)
        try:
            if spec.startswith("monitor:"):  # our ModelCheckpoint's state as Lightning keeps it
                ours = torch.load(ckpt)["callbacks"]
                key = ("ModelCheckpoint{'monitor': 'val/loss/epoch', 'mode': 'min', 'every_n_train_steps': 0, "
                       "'every_n_epochs': 1, 'train_time_interval': None}")
                st = ours[key]
                assert isinstance(st["best_model_score"], torch.Tensor) and isinstance(st["kth_value"], torch.Tensor), st
                assert len(st["best_k_models"]) == 2 and all(os.path.exists(p) for p in st["best_k_models"]), st
            ref, ref_batches = fit(f"{work}/ref-{name}", max_epochs, acc, spec)
            res, res_batches = fit(f"{work}/res-{name}", max_epochs, acc, spec, ckpt)
            assert res_batches == ref_batches - done, (
                f"resumed: {res_batches} batches trained; uninterrupted {ref_batches}, ours before {done}")
            assert (res.global_step, res.current_epoch) == (ref.global_step, ref.current_epoch), (
                f"resumed: step {res.global_step}, epoch {res.current_epoch}; "
                f"uninterrupted: step {ref.global_step}, epoch {ref.current_epoch}")
            print(f"ok: {name}: step {res.global_step}, epoch {res.current_epoch}")
        except Exception as e:  # one line per case, then the next
            failed += 1
            print(f"FAIL: {name}: {type(e).__name__}: {e}")
    print(f"peers resume: {len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
