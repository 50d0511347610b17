#!/usr/bin/env bash
# resume.sh: the real PyTorch Lightning 2.2.5 (../shared/peers, beside the
# repository) resumes `fit` from lighter-host's checkpoints, at an epoch's end,
# mid-epoch (interrupted, and ModelCheckpoint's every n steps), with
# gradient accumulation and with a monitored ModelCheckpoint, and ends at the
# global_step and epoch of an uninterrupted Lightning run (resume.py). A
# user's clone has no peers: then it says so and passes.
set -uo pipefail
BUILD=${LT_BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
root=$(cd "$(dirname "$0")/../.." && pwd)
peers=$root/../shared/peers
if [ ! -d "$peers" ]; then
  echo "peers resume: skipped: no ../shared/peers"
  exit 0
fi
H=$root/$BUILD/bin/lighter-host
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export LT_NUM_THREADS=1,1
cat > base.yaml <<YAML
seed: 3
trainer:
  _target_: pytorch_lightning.Trainer
  max_epochs: 1
  default_root_dir: $work/out
  enable_progress_bar: false
  enable_model_summary: false
model:
  _target_: lighter.SupervisedModule
  network:
    _target_: torch.nn.Sequential
    _args_:
      - {_target_: torch.nn.Linear, in_features: 6, out_features: 16}
      - {_target_: torch.nn.ReLU}
      - {_target_: torch.nn.Linear, in_features: 16, out_features: 3}
  criterion: {_target_: torch.nn.CrossEntropyLoss}
  optimizer: {_target_: torch.optim.SGD, params: "\$@model::network.parameters()", lr: 0.1, momentum: 0.9}
data:
  _target_: lighter.LighterDataModule
  train_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 8
    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 64, input_shape: [6], num_classes: 3, seed: 1}
  val_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 16
    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 32, input_shape: [6], num_classes: 3, seed: 2}
YAML
fail=0
# run NAME ARGS...: a lighter-host fit in its own version_N; echoes that folder
run() {
  local name=$1; shift
  if ! "$H" fit base.yaml "trainer::default_root_dir=$work/$name" "$@" > "$name.log" 2>&1; then
    echo "FAIL: lighter-host fit ($name): $(tail -3 "$name.log")" >&2
    fail=1
  fi
  echo "$work/$name/lightning_logs/version_0/checkpoints"
}
end=$(run end)
steps=$(run steps "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, every_n_train_steps: 3, save_top_k: -1}]")
acc=$(run acc trainer::accumulate_grad_batches=3 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, every_n_train_steps: 2, save_top_k: -1}]")
early=$(run early "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.EarlyStopping, monitor: val/loss/epoch, patience: 100}]")
mon=$(run mon trainer::max_epochs=2 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, monitor: val/loss/epoch, save_top_k: 2, save_last: true}]")
# interrupted within an epoch (^C in the validation after batch 4): last.ckpt
# goes on at batch 4; a hook recorder says when the validation has begun
. "$root/tests/e2e/wait.sh"
mkdir -p plugins && cp "$root/$BUILD/tests/plugins/hook_recorder.so" plugins/
"$H" fit base.yaml --plugins plugins "trainer::default_root_dir=$work/intr" trainer::max_epochs=3 \
  trainer::val_check_interval=4 data::val_dataloader::dataset::num_samples=400000 \
  "=trainer::callbacks=[{_target_: test.HookRecorder, path: $work/hooks.txt}]" > intr.log 2>&1 & pid=$!
wait_line hooks.txt " on_validation_batch_end val " 3 $pid; kill -INT $pid; wait $pid; rc=$?
intr=$work/intr/lightning_logs/version_0/checkpoints/last.ckpt
if [ "$rc" != 130 ] || ! grep -qF "interrupted at epoch 0, batch 4 (during validation)" intr.log || [ ! -f "$intr" ]; then
  echo "FAIL: the interrupted fit: exit $rc, $(tail -2 intr.log)"
  fail=1
fi
[ "$fail" = 0 ] || exit 1
# the other way: lighter-host resumes Lightning's own checkpoints (an epoch's end,
# mid-epoch from its every-3-steps ModelCheckpoint, an EarlyStopping state) to step 16
if PYTHONPATH=$peers "$PY" "$root/tests/peers/resume.py" --write "$work" > write.log 2>&1; then
  n=0 es="=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.EarlyStopping, monitor: val/loss/epoch, patience: 100}]"
  for ck in "$(ls "$work"/pl-end/checkpoints/*.ckpt | head -1)" "$work/pl-steps/epoch=0-step=3.ckpt" \
    "$(ls "$work"/pl-early/checkpoints/*.ckpt | head -1)"; do
    name=from-pl-$((++n))
    extra=(); case $ck in *pl-early*) extra=("$es") ;; esac
    "$H" fit base.yaml "trainer::default_root_dir=$work/$name" trainer::max_epochs=2 "${extra[@]}" --ckpt_path "$ck" \
      > "$name.log" 2>&1
    step=$("$PY" -c "import torch, sys; print(torch.load(sys.argv[1])['global_step'])" \
      "$work/$name/lightning_logs/version_0/checkpoints/last.ckpt" 2>&1)
    if [ "$step" = 16 ]; then echo "ok: lighter-host resumes Lightning's $(basename "$ck"): step 16"
    else echo "FAIL: lighter-host resuming Lightning's $ck: step $step; $(tail -2 "$name.log")"; fail=1; fi
  done
else
  echo "FAIL: Lightning's checkpoints: $(tail -3 write.log)"
  fail=1
fi
PYTHONPATH=$peers "$PY" "$root/tests/peers/resume.py" "$work" \
  "epoch end|$end/last.ckpt|2|1|none|8" \
  "mid-epoch (every_n_train_steps)|$steps/epoch=0-step=3.ckpt|2|1|steps:3|3" \
  "mid-epoch (interrupted)|$intr|3|1|none|4" \
  "accumulate_grad_batches 3|$acc/epoch=0-step=2.ckpt|2|3|steps:2|6" \
  "EarlyStopping|$early/last.ckpt|2|1|early|8" \
  "monitored ModelCheckpoint|$mon/last.ckpt|4|1|monitor:$mon|16" || fail=1
exit $fail
