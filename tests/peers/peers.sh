#!/usr/bin/env bash
# peers.sh: the peer suite. When ../shared/peers (the real PyTorch Lightning
# 2.2.5 and torchmetrics 1.2.1, pure Python; see its README) sits beside the
# repository, the same small experiment (tests/peers/mlp.yaml, and
# lightning_mlp.py for Lightning) runs in both on several schedules, and
# their metrics.csv files must hold values in the same (epoch, step, key)
# cells (compare_cells.py). Without the peers it says so and passes: a
# user's fresh clone has none.
set -uo pipefail
BUILD=${LT_BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
root=$(pwd)
peers=${LT_PEERS:-$root/../shared/peers}
if [ ! -d "$peers/lightning" ]; then
  echo "peers: skipped: no ../shared/peers"
  exit 0
fi
peers=$(cd "$peers" && pwd)
H="$root/$BUILD/bin/lighter-host"
here="$root/tests/peers"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LT_NUM_THREADS=1,1 OMP_NUM_THREADS=1
pass=0 fail=0 xfail=0

# Schedules known to differ still (issue 19, item 3: step numbering, the
# epoch rows, Lighter's per-step metrics and val/test step logging, the
# optimizer stats): run and reported, and they pass only while they differ.
XFAIL=${PEERS_XFAIL-}

# schedule NAME STAGE "HOST_OVERRIDE|..." "LIGHTNING_ARG|..."
schedule() {
  local name=$1 stage=$2 dir="$work/$1" host_args pl_args
  IFS='|' read -r -a host_args <<<"$3"
  IFS='|' read -r -a pl_args <<<"$4"
  mkdir -p "$dir"
  (cd "$dir" && PYTHONPATH="$peers" "$PY" "$here/lightning_mlp.py" pl "$stage" "${pl_args[@]}") >"$dir/pl.log" 2>&1 \
    || { fail=$((fail + 1)); echo "FAIL: peers $name: Lightning did not run:"; tail -5 "$dir/pl.log"; return; }
  (cd "$dir" && "$H" "$stage" "$here/mlp.yaml" "${host_args[@]}") >"$dir/host.log" 2>&1 \
    || { fail=$((fail + 1)); echo "FAIL: peers $name: lighter-host did not run:"; tail -5 "$dir/host.log"; return; }
  local out rc
  out=$("$PY" "$here/compare_cells.py" "$dir/pl/mlp/version_0/metrics.csv" "$dir/host/mlp/version_0/metrics.csv" \
        lightning lighter-host)
  rc=$?
  case " $XFAIL " in
  *" $name "*)
    if [ $rc -ne 0 ]; then xfail=$((xfail + 1)); echo "peers $name: differs (expected for now):$(echo "$out" | tail -1)"
    else fail=$((fail + 1)); echo "FAIL: peers $name: now equal; take it off PEERS_XFAIL"; fi ;;
  *)
    if [ $rc -eq 0 ]; then pass=$((pass + 1))
    else fail=$((fail + 1)); echo "FAIL: peers $name: metrics.csv cells differ from Lightning's:"; echo "$out"; fi ;;
  esac
}

# 2 epochs x 30 batches, log_every_n_steps 10, 4 validation batches
schedule every_epoch fit "" ""
schedule val_half fit "trainer::val_check_interval=0.5" "val_check_interval=0.5"
schedule accumulate fit "trainer::accumulate_grad_batches=2" "accumulate_grad_batches=2"
schedule weight_decay fit "model::optimizer::weight_decay=0.0001|trainer::max_epochs=1" \
  "model.weight_decay=0.0001|max_epochs=1"
# LearningRateMonitor: its rows (step, no epoch) at each epoch's start and,
# by default, every log_every_n_steps batches too (the optimizer has no scheduler)
LRM="trainer::callbacks=[{_target_: pytorch_lightning.callbacks.LearningRateMonitor, log_momentum: true"
schedule lr_monitor fit "$LRM}]|trainer::limit_val_batches=0" "lr_monitor=null|limit_val_batches=0"
schedule lr_monitor_step fit "$LRM, logging_interval: step}]|trainer::limit_val_batches=0" \
  "lr_monitor=step|limit_val_batches=0"
schedule test test "trainer::limit_test_batches=4" "limit_test_batches=4"

echo "peers: $pass passed, $fail failed${xfail:+, $xfail known to differ}"
[ $fail -eq 0 ]
