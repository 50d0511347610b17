#!/usr/bin/env bash
# callback_books.sh: a callback that keeps its books (SDK 1.5,
# tests/plugins/hook_counter.c): its counters are a buffer, saved and
# restored through lt_module_state_save/_load with no code of its own. A
# run of 2 epochs stopped after 1 and resumed counts what an uninterrupted
# run counts; a checkpoint whose counter has another shape is refused by
# name.
set -uo pipefail
BUILD=${LT_BUILD:-build}
H=$(pwd)/$BUILD/bin/lighter-host
PY=${PYTHON:-/usr/bin/python3}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/plugins" && chmod 755 "$work/plugins" && cp "$BUILD/tests/plugins/hook_counter.so" "$work/plugins/"
cd "$work"
cat > c.yaml <<'YAML'
seed: 1
trainer:
  _target_: pytorch_lightning.Trainer
  max_epochs: 2
  enable_progress_bar: false
  limit_val_batches: 1
  callbacks: [{_target_: test.HookCounter}]
model:
  _target_: lighter.SupervisedModule
  network: {_target_: torch.nn.Linear, in_features: 4, out_features: 2}
  criterion: {_target_: torch.nn.CrossEntropyLoss}
  optimizer: {_target_: torch.optim.SGD, params: "$@model::network.parameters()", lr: 0.1}
data:
  _target_: lighter.LighterDataModule
  train_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 8
    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 40, input_shape: [4], num_classes: 2, seed: 1}
  val_dataloader: "%data::train_dataloader"
YAML
last() { "$PY" -c "import csv,sys; v=[r[sys.argv[2]] for r in csv.DictReader(open(sys.argv[1])) if r.get(sys.argv[2])]; print(v[-1] if v else '')" "$@"; }
"$H" fit c.yaml --plugins plugins trainer::default_root_dir=full >full.log 2>&1 || bad "uninterrupted run: $(tail -3 full.log)"
"$H" fit c.yaml --plugins plugins trainer::default_root_dir=part =trainer::max_epochs=1 >part.log 2>&1 \
  && "$H" fit c.yaml --plugins plugins trainer::default_root_dir=part --ckpt_path last >resume.log 2>&1 \
  || bad "stop and resume: $(tail -3 part.log resume.log)"
a=$(last full/lightning_logs/version_0/metrics.csv counter/train_batches)
b=$(last part/lightning_logs/version_1/metrics.csv counter/train_batches)
c=$(last part/lightning_logs/version_1/metrics.csv counter/val_epochs)
if [ "${a%.0}" = 10 ] && [ "$b" = "$a" ] && [ "${c%.0}" = 2 ]; then ok; else bad "counts: uninterrupted '$a', resumed '$b' (val epochs '$c')"; fi
# the counter's state in the checkpoint, as a tensor under the callback's key
"$PY" - part/lightning_logs/version_0/checkpoints/last.ckpt <<'PY' && ok || bad "the counter's state in last.ckpt"
import sys, torch
ck = torch.load(sys.argv[1])
states = [v for k, v in ck["callbacks"].items() if "HookCounter" in k]
assert len(states) == 1 and states[0]["counts"].tolist() == [5, 1], ck["callbacks"]
key = [k for k in ck["callbacks"] if "HookCounter" in k][0]
ck["callbacks"][key]["counts"] = torch.zeros(3, dtype=torch.int64)
torch.save(ck, "bad.ckpt")
PY
out=$("$H" fit c.yaml --plugins plugins trainer::default_root_dir=bad --ckpt_path bad.ckpt 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -qF "'counts' is of another shape in the checkpoint" <<<"$out"; then ok; else bad "a counter of another shape: rc=$rc: $out"; fi
echo "callback_books: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
