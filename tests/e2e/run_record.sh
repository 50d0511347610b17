#!/usr/bin/env bash
# run_record.sh: run.yaml, the record each run leaves in its run folder
# (host/run_record.c): status and exit code as the run ended (finished,
# failed, interrupted; "running" while it runs), the command split into
# config files, overrides and options, and the best value of the monitored
# metric, which must be metrics.csv's best of that column.
set -uo pipefail
. "$(dirname "$0")/wait.sh"
BUILD=${LT_BUILD:-build}
H=$(pwd)/$BUILD/bin/lighter-host
PY=${PYTHON:-/usr/bin/python3}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'kill %1 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
cat > c.yaml <<'YAML'
seed: 1
trainer:
  _target_: pytorch_lightning.Trainer
  max_epochs: 3
  enable_progress_bar: false
  limit_val_batches: 2
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
  test_dataloader: "%data::train_dataloader"
YAML
# check DIR KEY=VALUE...: run.yaml's fields (Python reads it back as YAML)
check() {
  "$PY" - "$@" <<'PY'
import csv, math, sys, yaml
d = sys.argv[1]
rec = yaml.safe_load(open(d + "/run.yaml"))
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    got = rec.get(k)
    if str(got) != v:
        sys.exit(f"{k}: {got!r}, want {v}")
if rec.get("best") is not None:  # the best must be metrics.csv's
    rows = [r for r in csv.DictReader(open(d + "/metrics.csv")) if r.get(rec["monitor"])]
    pick = max if rec["mode"] == "max" else min
    b = pick(rows, key=lambda r: float(r[rec["monitor"]]))
    if abs(float(b[rec["monitor"]]) - rec["best"]) > 1e-8 * abs(rec["best"]) or int(b["step"]) != rec["best_step"]:
        sys.exit(f"best {rec['best']} at {rec['best_step']}; metrics.csv: {b[rec['monitor']]} at {b['step']}")
assert rec["pid"] > 0 and rec["started_unix"] > 1e9, rec
PY
}
# a run that finishes: its overrides and options, the default monitor (val/loss/epoch, min)
"$H" fit c.yaml model::optimizer::lr=0.05 trainer::default_root_dir=a --verbose=false >a.log 2>&1 || bad "fit: $(tail -3 a.log)"
check a/lightning_logs/version_0 status=finished exit_code=0 stage=fit "overrides=['model::optimizer::lr=0.05', 'trainer::default_root_dir=a']" \
  "configs=['c.yaml']" "options=['--verbose=false']" monitor=val/loss/epoch mode=min global_step=15 && ok || bad "finished run's record"
# ModelCheckpoint's monitor and mode come first
"$H" fit c.yaml trainer::default_root_dir=b \
  'trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, monitor: train/loss/epoch, mode: max}]' >b.log 2>&1 \
  || bad "fit with a ModelCheckpoint: $(tail -3 b.log)"
check b/lightning_logs/version_0 status=finished monitor=train/loss/epoch mode=max && ok || bad "ModelCheckpoint's monitor"
# a run that fails after its folder was made
"$H" fit c.yaml trainer::default_root_dir=c --ckpt_path "$work/none.ckpt" >c.log 2>&1 && bad "a missing checkpoint was a success"
check c/lightning_logs/version_0 status=failed exit_code=1 "options=['--ckpt_path', '$work/none.ckpt']" && ok || bad "failed run's record"
# a test run has its own record
"$H" test c.yaml trainer::default_root_dir=a --ckpt_path last >t.log 2>&1 || bad "test: $(tail -3 t.log)"
check a/lightning_logs/version_1 status=finished stage=test && ok || bad "test run's record"
# running, then interrupted (SIGINT once the record says running)
"$H" fit c.yaml trainer::default_root_dir=d trainer::max_epochs=100000 >d.log 2>&1 &
pid=$!
if wait_line d/lightning_logs/version_0/run.yaml '^status: running' 1 $pid; then
  check d/lightning_logs/version_0 status=running exit_code=None && ok || bad "running record"
  wait_line d/lightning_logs/version_0/metrics.csv '.' 1 $pid
  kill -INT $pid
  wait $pid; rc=$?
  [ $rc = 130 ] && ok || bad "interrupted run exited $rc"
  check d/lightning_logs/version_0 status=interrupted exit_code=130 && ok || bad "interrupted run's record"
else
  bad "no running record: $(tail -3 d.log)"
fi
[ -z "$(find . -name 'run.yaml.tmp*')" ] && ok || bad "temporary files left: $(find . -name 'run.yaml.tmp*')"
echo "run_record.sh: $pass passed, $fail failed"
[ $fail = 0 ]
