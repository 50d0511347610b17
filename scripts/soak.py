#!/usr/bin/env python3
"""soak.py: make soak: lighter-host fits a tiny synthetic config for
SOAK_MINUTES (default 5) with validation twice per epoch and checkpoints
every half epoch (an epoch is sized to take about SOAK_EPOCH_SECONDS, 4 by
default, on this machine), sampling the host's resident memory (VmRSS) and
open file descriptors (/proc/PID/fd) every second. After a warm-up (the
first 20%, at least 30 s) and before the teardown (the last 5 s) the
median RSS of the last 10% of the samples may exceed that of the first 10%
by less than 1%, and the median count of open descriptors must not grow;
else it exits 1. Not part of make check.
    SOAK_MINUTES=5 LT_BUILD=build python3 scripts/soak.py"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("LT_BUILD", "build")
HOST = os.path.abspath(os.path.join(BUILD, "bin", "lighter-host"))
MINUTES = float(os.environ.get("SOAK_MINUTES", "5"))
EPOCH_SECONDS = float(os.environ.get("SOAK_EPOCH_SECONDS", "4"))
MAX_RSS_GROWTH = float(os.environ.get("SOAK_MAX_RSS_GROWTH", "1.0"))  # percent
BATCH = 32

CONFIG = """seed: 7
trainer:
  _target_: pytorch_lightning.Trainer
  max_epochs: 100000
  max_time: "{max_time}"
  default_root_dir: out
  log_every_n_steps: 10
  val_check_interval: 0.5
  enable_progress_bar: false
  enable_model_summary: false
  callbacks:
    - {{_target_: pytorch_lightning.callbacks.ModelCheckpoint, every_n_train_steps: {ckpt_steps}, save_top_k: 1, save_last: true}}
    - {{_target_: pytorch_lightning.callbacks.ModelCheckpoint, monitor: val/loss/epoch, save_top_k: 2, filename: "best-{{epoch}}"}}
model:
  _target_: lighter.SupervisedModule
  network:
    _target_: torch.nn.Sequential
    _args_:
      - {{_target_: torch.nn.Linear, in_features: 16, out_features: 64}}
      - {{_target_: torch.nn.ReLU}}
      - {{_target_: torch.nn.Linear, in_features: 64, out_features: 4}}
  criterion: {{_target_: torch.nn.CrossEntropyLoss}}
  optimizer: {{_target_: torch.optim.Adam, params: "$@model::network.parameters()", lr: 0.001}}
  scheduler: {{_target_: torch.optim.lr_scheduler.StepLR, optimizer: "@model::optimizer", step_size: 5, gamma: 0.99}}
  train_metrics: [{{_target_: torchmetrics.Accuracy, task: multiclass, num_classes: 4}}]
  val_metrics: [{{_target_: torchmetrics.Accuracy, task: multiclass, num_classes: 4}}]
data:
  _target_: lighter.LighterDataModule
  train_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: {batch}
    shuffle: true
    num_workers: 2
    dataset: {{_target_: lighter.datasets.SyntheticDataset, num_samples: {samples}, input_shape: [16], num_classes: 4, seed: 1}}
  val_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 64
    dataset: {{_target_: lighter.datasets.SyntheticDataset, num_samples: 512, input_shape: [16], num_classes: 4, seed: 2}}
"""


def hms(seconds):
    s = int(seconds)
    return "%02d:%02d:%02d:%02d" % (s // 86400, s // 3600 % 24, s // 60 % 60, s % 60)


def write_config(path, seconds, samples, ckpt_steps):
    with open(path, "w") as f:
        f.write(CONFIG.format(max_time=hms(seconds), samples=samples, batch=BATCH, ckpt_steps=ckpt_steps))


def timed_fit(cfg, steps):
    t = time.time()
    subprocess.run([HOST, "fit", cfg, "=trainer::max_steps=%d" % steps, "=trainer::logger=false",
                    "=trainer::enable_checkpointing=false", "~trainer::callbacks", "~trainer::val_check_interval",
                    "~data::val_dataloader"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.time() - t


def sample(pid):
    rss = threads = None
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid)), threads


def main():
    work = tempfile.mkdtemp(prefix="lt-soak-")
    os.chdir(work)
    cfg = os.path.join(work, "soak.yaml")
    # Calibrate: the step rate of this machine, from two short fits.
    write_config(cfg, 3600, 100000, 1000)
    # (the difference cancels libtorch's loading time; long enough that
    # its noise does not matter)
    rate = 2700 / max(timed_fit(cfg, 3000) - timed_fit(cfg, 300), 0.05)
    batches = max(20, int(rate * EPOCH_SECONDS))
    ckpt_steps = max(10, batches // 2)
    seconds = MINUTES * 60
    write_config(cfg, seconds, batches * BATCH, ckpt_steps)
    print("soak: %.1f min, about %.0f steps/s: %d batches an epoch, validation every %d, checkpoint every %d steps"
          % (MINUTES, rate, batches, batches // 2, ckpt_steps), flush=True)
    env = dict(os.environ, LIGHTER_CHECK_HANDLES="1")
    log = open(os.path.join(work, "host.log"), "w")
    start = time.time()
    p = subprocess.Popen([HOST, "fit", cfg], stdout=log, stderr=subprocess.STDOUT, env=env)
    samples = []  # (t, rss kB, fds, threads)
    while p.poll() is None:
        try:
            rss, fds, threads = sample(p.pid)
            samples.append((time.time() - start, rss, fds, threads))
        except (OSError, TypeError):
            pass
        time.sleep(1)
    rc = p.wait()
    log.close()
    host_log = open(os.path.join(work, "host.log")).read()
    warm = max(30.0, 0.2 * seconds)
    # The last seconds are the teardown (workers joined, last.ckpt written):
    # not the steady state.
    end = samples[-1][0] - 5 if samples else 0
    after = [s for s in samples if warm <= s[0] <= end]
    ok = True
    if rc != 0:
        print("soak: FAIL: lighter-host exited %d:\n%s" % (rc, host_log[-3000:]))
        ok = False
    if "0 tensor handles alive at exit" not in host_log:
        print("soak: FAIL: tensor handles alive at exit: %s" % host_log[-500:])
        ok = False
    if len(after) < 20:
        print("soak: FAIL: only %d samples after warm-up (%.0f s); run longer" % (len(after), warm))
        return 1
    k = max(5, len(after) // 10)
    first, last = after[:k], after[-k:]
    rss0, rss1 = statistics.median(s[1] for s in first), statistics.median(s[1] for s in last)
    growth = 100.0 * (rss1 - rss0) / rss0
    # Medians: a checkpoint being written holds a file open for a moment; a
    # leak stays.
    fd0, fd1 = statistics.median(s[2] for s in first), statistics.median(s[2] for s in last)
    fd_max = max(s[2] for s in after)
    steps = 0
    for v in sorted(os.listdir("out/lightning_logs")):
        with open(os.path.join("out/lightning_logs", v, "metrics.csv")) as f:
            rows = f.read().splitlines()[1:]
        steps = max(steps, int(rows[-1].split(",")[1]) if rows else 0)
    ckpts = [f for _, _, fs in os.walk("out") for f in fs if f.endswith(".ckpt")]
    print("soak: %.0f s, %d samples (%d after %.0f s of warm-up), about %d steps, %d checkpoint files at the end"
          % (samples[-1][0] if samples else 0, len(samples), len(after), warm, steps, len(ckpts)))
    print("soak: RSS %.1f MiB after warm-up -> %.1f MiB at the end (median of %d samples each): %+.2f%% "
          "(max %.1f MiB, min %.1f MiB)"
          % (rss0 / 1024, rss1 / 1024, k, growth, max(s[1] for s in after) / 1024, min(s[1] for s in after) / 1024))
    print("soak: open fds %g after warm-up -> %g at the end (medians; max %d); threads %d -> %d"
          % (fd0, fd1, fd_max, first[-1][3], last[-1][3]))
    if growth >= MAX_RSS_GROWTH:
        print("soak: FAIL: RSS grew %.2f%% (limit %.1f%%)" % (growth, MAX_RSS_GROWTH))
        ok = False
    if fd1 > fd0:
        print("soak: FAIL: open file descriptors grew from %g to %g" % (fd0, fd1))
        ok = False
    print("soak: %s (run folder %s)" % ("ok" if ok else "FAILED", work))
    if ok:
        subprocess.run(["rm", "-rf", work])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
