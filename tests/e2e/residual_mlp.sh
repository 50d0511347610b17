#!/usr/bin/env bash
# residual_mlp.sh: the module-style example plugin (plugins/examples/
# residual_mlp.c) against the PyTorch module it implements: a short fit and
# test here, then the checkpoint's state_dict loaded strictly into the
# Python class (same names, same shapes) and evaluated on the same 10,000
# test images: the accuracy must be the one lighter-host logged. A head
# given in the config replaces the default one (names "head.0.weight").
set -uo pipefail
BUILD=${LT_BUILD:-build}
H=$(pwd)/$BUILD/bin/lighter-host
PY=${PYTHON:-/usr/bin/python3}
CFG=$(pwd)/configs/examples/residual_mlp.yaml
EX=$(pwd)/$BUILD/examples
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

run=("$CFG" --plugins "$EX" "trainer::default_root_dir=$work/r" =trainer::logger=true)
if out=$("$H" fit "${run[@]}" =trainer::max_epochs=1 =trainer::limit_train_batches=60 =trainer::limit_val_batches=0 2>&1) \
  && out=$("$H" test "${run[@]}" --ckpt_path last 2>&1); then ok; else bad "fit/test: $out"; fi
acc=$(grep -o 'test/metrics/MulticlassAccuracy/epoch *[0-9.]*' <<<"$out" | tail -1 | awk '{print $2}')
"$PY" - r/lightning_logs/version_0/checkpoints/last.ckpt "${acc:-nan}" <<'PY' && ok || bad "strict load into the PyTorch module"
import gzip, sys, numpy as np, torch, torch.nn as nn, torch.nn.functional as F

class Block(nn.Module):
    def __init__(s, d): super().__init__(); s.norm = nn.LayerNorm(d); s.fc = nn.Linear(d, d)
    def forward(s, h): return h + F.relu(s.fc(s.norm(h)))

class ResidualMLP(nn.Module):
    def __init__(s, in_features, hidden=128, num_blocks=2, out_features=10, dropout=0.0, head=None):
        super().__init__()
        s.input = nn.Linear(in_features, hidden)
        s.blocks = nn.ModuleList([Block(hidden) for _ in range(num_blocks)])
        s.drop = nn.Dropout(dropout)
        s.head = head if head is not None else nn.Linear(hidden, out_features)
    def forward(s, x):
        h = F.relu(s.input(x.flatten(1)))
        for b in s.blocks: h = b(h)
        return s.head(s.drop(h))

ck = torch.load(sys.argv[1], map_location="cpu")
sd = {k[len("network."):]: v for k, v in ck["state_dict"].items() if k.startswith("network.")}
m = ResidualMLP(784, hidden=128, num_blocks=2, out_features=10, dropout=0.1)
m.load_state_dict(sd, strict=True)
m.eval()
root = "/usr/share/datasets/fashion-mnist/"
x = np.frombuffer(gzip.open(root + "t10k-images-idx3-ubyte.gz").read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
y = np.frombuffer(gzip.open(root + "t10k-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)
x = (torch.from_numpy(x.astype(np.float32)) / 255 - 0.2860) / 0.3530
with torch.no_grad():
    acc = (m(x).argmax(1) == torch.from_numpy(y.astype(np.int64))).float().mean().item()
ours = float(sys.argv[2])
print(f"residual_mlp: accuracy {acc:.4f} in PyTorch, {ours:.4f} in lighter-host")
sys.exit(not (acc > 0.5 and abs(acc - ours) <= 2e-4))  # two images of 10,000 may tie differently
PY

# A head from the config is a borrowed child: its names are the module's.
if out=$("$H" fit "${run[@]}" =trainer::max_epochs=1 =trainer::limit_train_batches=2 =trainer::limit_val_batches=0 \
  "trainer::default_root_dir=$work/h" "model::network::head={_target_: torch.nn.Sequential, _args_: [{_target_: torch.nn.Linear, in_features: 128, out_features: 10}]}" 2>&1) \
  && "$PY" -c "import torch,sys; k=list(torch.load('h/lightning_logs/version_0/checkpoints/last.ckpt')['state_dict']); sys.exit(k[-2:]!=['network.head.0.weight','network.head.0.bias'] or len(k)!=12)"; then ok
else bad "config head: $out"; fi

echo "residual_mlp: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
