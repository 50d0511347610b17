#!/usr/bin/env bash
# cifar10.sh: configs/lighter_cifar10 (Lighter's CIFAR-10 example) runs as
# written, with its network from the C plugin plugins/examples/cifar_net.c:
# fit, test and predict (FileWriter) for a couple of batches over CIFAR-10
# binary batches generated here (Debian has no CIFAR-10; the files have the
# real format, random pixels), the checkpoint's weights load into the
# Python network it stands for, synthetic.yaml runs without any files, and
# a missing dataset says where to put it.
set -uo pipefail
BUILD=${LT_BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
H=$(pwd)/$BUILD/bin/lighter-host
EXD=$(pwd)/configs/lighter_cifar10
PLUG=$(pwd)/$BUILD/examples
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() { # expect NAME WANT_RC NEEDLE CMD...
  local name=$1 want=$2 needle=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ]; then bad "$name: exit $rc, expected $want: $(tail -5 <<<"$out")"; return; fi
  if [ -n "$needle" ] && ! grep -qF -- "$needle" <<<"$out"; then bad "$name: output lacks '$needle': $out"; return; fi
  ok
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LT_NUM_THREADS=1,1
cd "$work"

# data_batch_1..5 (128 records each: 640 training images, two batches of 512)
# and test_batch (600), in CIFAR-10's binary format: a label byte, then the
# 3x32x32 pixels channel by channel.
"$PY" - cifar/cifar-10-batches-bin <<'PY'
import os, random, sys
random.seed(0)
os.makedirs(sys.argv[1])
for name, n in [(f"data_batch_{i}.bin", 128) for i in range(1, 6)] + [("test_batch.bin", 600)]:
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        for _ in range(n):
            f.write(bytes([random.randrange(10)]) + os.urandom(3072))
PY

RUN=(vars::root=cifar trainer::default_root_dir=runs trainer::enable_progress_bar=false --plugins "$PLUG")
expect "cifar10 fit" 0 "" "$H" fit "$EXD/example.yaml" "${RUN[@]}" \
  trainer::max_epochs=1 trainer::limit_train_batches=2 trainer::limit_val_batches=1
csv=runs/lightning_logs/version_0/metrics.csv
for key in train/loss/epoch val/loss/epoch val/metrics/MulticlassF1Score/epoch train/metrics/MulticlassRecall/epoch \
  train/optimizer/Adam/weight_decay/epoch; do
  if head -1 "$csv" 2>/dev/null | tr ',' '\n' | grep -qx "$key"; then ok; else bad "cifar10 fit: no $key in $csv"; fi
done
# the network's weights are the Python class's (names and shapes)
if "$PY" - runs/lightning_logs/version_0/checkpoints/last.ckpt <<'PY'
import sys, torch
import torch.nn as nn, torch.nn.functional as F
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.pool, self.conv2 = nn.Conv2d(3, 6, 5), nn.MaxPool2d(2, 2), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
sd = torch.load(sys.argv[1])["state_dict"]
Net().load_state_dict({k[len("network."):]: v for k, v in sd.items()})
PY
then ok; else bad "cifar10: the checkpoint's network does not load into the Python Net"; fi
expect "cifar10 test" 0 "test/metrics/MulticlassPrecision/epoch" "$H" test "$EXD/example.yaml" "${RUN[@]}" \
  --ckpt_path runs/lightning_logs/version_0/checkpoints/last.ckpt trainer::limit_test_batches=1
expect "cifar10 predict" 0 "" "$H" predict "$EXD/example.yaml" "${RUN[@]}" \
  --ckpt_path runs/lightning_logs/version_0/checkpoints/last.ckpt trainer::limit_predict_batches=1
n=$(find runs/lightning_logs/version_2/predictions -name '*.pt' 2>/dev/null | wc -l)
if [ "$n" -eq 512 ]; then ok; else bad "cifar10 predict: FileWriter wrote $n files, not 512 (one per sample)"; fi
expect "cifar10 synthetic" 0 "" "$H" fit "$EXD/example.yaml" "$EXD/synthetic.yaml" "${RUN[@]}" \
  trainer::max_epochs=1 trainer::limit_train_batches=1 trainer::limit_val_batches=1
expect "cifar10 no data" 2 "lighter-host downloads nothing" "$H" fit "$EXD/example.yaml" "${RUN[@]}" vars::root=none

echo "cifar10: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
