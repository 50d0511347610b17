#!/usr/bin/env bash
# weights.sh: the checkpoint flags as Lightning and Lighter mean them.
# --weights_only is Lightning's (torch.load without code; every load here is
# that already): a fit given it still resumes the whole run. A new run from
# a checkpoint's weights has its own name, --init_weights: epoch 0, a fresh
# optimizer, the network's weights from the file. Both at once is an error.
set -uo pipefail
BUILD=${LT_BUILD:-build}
H=$(pwd)/$BUILD/bin/lighter-host
PY=${PYTHON:-/usr/bin/python3}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > c.yaml <<'YAML'
seed: 1
trainer:
  _target_: pytorch_lightning.Trainer
  max_epochs: 1
  enable_progress_bar: false
  limit_val_batches: 1
model:
  _target_: lighter.SupervisedModule
  network: {_target_: torch.nn.Linear, in_features: 4, out_features: 2}
  criterion: {_target_: torch.nn.CrossEntropyLoss}
  optimizer: {_target_: torch.optim.SGD, params: "$@model::network.parameters()", lr: 0.1, momentum: 0.9}
data:
  _target_: lighter.LighterDataModule
  train_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 8
    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 40, input_shape: [4], num_classes: 2, seed: 1}
  val_dataloader: "%data::train_dataloader"
YAML
ck=a/lightning_logs/version_0/checkpoints/last.ckpt
"$H" fit c.yaml trainer::default_root_dir=a >a.log 2>&1 || bad "first fit: $(tail -3 a.log)"
# --weights_only: the run resumes (epoch 1 follows epoch 0)
out=$("$H" fit c.yaml trainer::default_root_dir=a =trainer::max_epochs=2 --ckpt_path last --weights_only 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -qF "loaded the run from" <<<"$out" \
   && "$PY" -c "import csv,sys; e={r['epoch'] for r in csv.DictReader(open('a/lightning_logs/version_1/metrics.csv')) if r['epoch']}; sys.exit(e != {'1'})"; then ok
else bad "--weights_only did not resume the run: rc=$rc: $out"; fi
# --init_weights: a new run from the weights (lr 0 keeps them: the new last.ckpt holds them unchanged)
out=$("$H" fit c.yaml trainer::default_root_dir=b =model::optimizer::lr=0.0 --init_weights "$ck" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -qF "loaded weights from" <<<"$out" && "$PY" - "$ck" b/lightning_logs/version_0/checkpoints/last.ckpt <<'PY'; then ok
import sys, torch
a, b = torch.load(sys.argv[1]), torch.load(sys.argv[2])
assert b["epoch"] == 0 and b["global_step"] == 5, (b["epoch"], b["global_step"])
assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"]), "weights changed"
# a fresh optimizer: SGD's momentum buffers start again (the first run's are not carried)
ma = a["optimizer_states"][0]["state"][0]["momentum_buffer"]; mb = b["optimizer_states"][0]["state"][0]["momentum_buffer"]
assert not torch.equal(ma, mb)
PY
else bad "--init_weights: rc=$rc: $out"; fi
out=$("$H" fit c.yaml trainer::default_root_dir=c --ckpt_path "$ck" --init_weights "$ck" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -qF "give --ckpt_path (resume a run) or --init_weights (a new run from weights), not both" <<<"$out"; then ok
else bad "both flags: rc=$rc: $out"; fi
echo "weights: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
