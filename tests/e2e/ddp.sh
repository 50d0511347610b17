#!/usr/bin/env bash
# ddp.sh: distributed data parallel end to end (part of make check), on
# loopback with the demo MLP (dropout off so that runs can be compared):
#   - 2 ranks x batch 64 (self-spawned by trainer devices: 2) follow the
#     same loss curve as 1 rank x batch 128, end with the same weights, and
#     reduce validation loss and accuracy over both shards; also with a
#     Freezer thawing a layer mid-run (DDP's reducer made anew), and bit for
#     bit as the average after backward (LIGHTER_DDP_REDUCER=0);
#   - torchrun (single node, and two "nodes" of one process each), SLURM's
#     variables and the self-spawn with NODE_RANK give that very curve;
#   - test under ddp scores what one process scores; rank 0 alone writes
#     metrics.csv and the TensorBoard event file;
#   - SIGKILL of a rank mid-epoch ends the run at once naming the rank, the
#     last checkpoint stays loadable and a resume completes; a hung rank
#     fails the others after the collective timeout; ^C saves and exits 130;
#   - launch errors (strategy single_device with 2 devices, a launcher that
#     disagrees with devices, an unknown strategy) exit 2 with the reason;
#     a worker whose fork fails stops the others at once (exit 1).
set -uo pipefail
BUILD=${LT_BUILD:-build}
H=$(pwd)/$BUILD/bin/lighter-host
CFG=$(pwd)/configs/fashion_mnist_mlp.yaml
SRC=$(pwd)
PY=${PYTHON:-/usr/bin/python3}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'pkill -KILL -P $$ 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/wait.sh"
cd "$work"

# The curves of the launch modes are compared bit for bit, so every rank of every
# run gets the same threads: 1 libtorch thread and 1 OpenBLAS thread. Left to
# themselves the launchers differ (the self-spawn splits the cores between its
# ranks, torchrun's ranks follow LOCAL_WORLD_SIZE, one rank alone takes every
# core), and on some CPUs OpenBLAS's kernels sum in another order with another
# thread count: the curves then differ in the last bits.
export LT_NUM_THREADS=1,1

# Debian's torchrun (1.13 on Python 3.11) fails on its default --redirects 0
# ("'NoneType' object has no attribute 'get'"); -r 2 -t 2 sends each rank's
# stderr through with a [defaultN] prefix.
TR="torchrun -r 2 -t 2 --no_python"
port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
COMMON=("$CFG" =trainer::max_epochs=1 =trainer::limit_train_batches=30 model::network::_args_::3::p=0.0
        =trainer::log_every_n_steps=1 =trainer::enable_progress_bar=false =trainer::enable_model_summary=false)

run() { # NAME WANT_RC ARGS... (output in $out)
  local name=$1 want=$2; shift 2
  out=$(timeout 300 "$@" 2>&1); local rc=$?
  if [ "$rc" != "$want" ]; then bad "$name: exit $rc, expected $want: $(tail -20 <<<"$out")"; return 1; fi
  ok
}

run "1 rank x 128" 0 "$H" fit "${COMMON[@]}" trainer::default_root_dir=one data::train_dataloader::batch_size=128 \
  =trainer::limit_val_batches=2
run "2 ranks x 64" 0 "$H" fit "${COMMON[@]}" trainer::default_root_dir=two data::train_dataloader::batch_size=64 \
  =trainer::limit_val_batches=1 =trainer::devices=2 =trainer::strategy=ddp
grep -qF "started 2 workers (ranks 0..1 of 2" <<<"$out" && ok || bad "spawn: no start line: $out"
[ "$(ls two)" = lightning_logs ] && [ "$(ls two/lightning_logs)" = version_0 ] && ok \
  || bad "spawn: rank 0 alone makes the run folder: $(find two)"
[ -z "$(grep -c '\[rank' <<<"$out" | grep -v '^0$')" ] && ok || bad "spawn: a clean run prints no rank errors: $out"
# a callback's log_sync (sync_dist=True): the mean of the ranks' values
mkdir -p plugins && cp "$(dirname "$H")/../tests/plugins/hook_recorder.so" plugins/
# (with a TensorBoardLogger beside the CSVLogger: rank 0 alone writes its one event file, the same rows)
run "log_sync" 0 "$H" fit "${COMMON[@]}" trainer::default_root_dir=ls --plugins plugins \
  =trainer::limit_val_batches=1 =trainer::devices=2 "=trainer::callbacks=[{_target_: test.HookRecorder, path: h.txt, name: sync}]" \
  "=trainer::logger=[{_target_: pytorch_lightning.loggers.CSVLogger, save_dir: ls}, {_target_: pytorch_lightning.loggers.TensorBoardLogger, save_dir: ls}]"
[ "$(find ls -name 'events.out.tfevents.*' | wc -l)" = 1 ] && ok || bad "ddp TensorBoard: one event file expected: $(find ls)"
if command -v protoc >/dev/null && "$PY" -c "import google.protobuf" 2>/dev/null; then
  res=$("$PY" "$SRC/tests/tensorboard/read_events.py" check ls/lightning_logs/version_0 ls/lightning_logs/version_0/metrics.csv \
    ls/lightning_logs/version_0/hparams.yaml 2>&1) && ok || bad "ddp TensorBoard: $res"
fi
"$PY" -c "
import csv; v = [r['sync/rank_mean'] for r in csv.DictReader(open('ls/lightning_logs/version_0/metrics.csv')) if r.get('sync/rank_mean')]
assert v == ['0.5'], v" && ok || bad "log_sync: $(cat ls/lightning_logs/version_0/metrics.csv)"
[ "$(grep -c on_fit_start h.txt)" = 2 ] && ok || bad "log_sync: callbacks run on both ranks: $(grep -c on_fit_start h.txt)"

compare() { # A B WHAT: loss curves, epoch values and weights of two runs
  "$PY" - "$1" "$2" <<'PY'
import csv, sys, torch
def rows(d): return list(csv.DictReader(open(d + '/lightning_logs/version_0/metrics.csv')))
a, b = rows(sys.argv[1]), rows(sys.argv[2])
def col(r, k): return [float(x[k]) for x in r if x.get(k)]
la, lb = col(a, 'train/loss/step'), col(b, 'train/loss/step')
assert len(la) == len(lb) == 30, (len(la), len(lb))
d = max(abs(x - y) for x, y in zip(la, lb))
assert d < 1e-5, f'loss curves differ by {d}'
for k in ['train/loss/epoch', 'val/loss/epoch', 'val/metrics/MulticlassAccuracy/epoch']:
    x, y = col(a, k), col(b, k)
    assert len(x) == len(y) == 1 and abs(x[0] - y[0]) < 1e-5, (k, x, y)
wa = torch.load(sys.argv[1] + '/lightning_logs/version_0/checkpoints/last.ckpt')['state_dict']
wb = torch.load(sys.argv[2] + '/lightning_logs/version_0/checkpoints/last.ckpt')['state_dict']
w = max((wa[k] - wb[k]).abs().max().item() for k in wa)
assert w < 1e-5, f'weights differ by {w}'
print(f'max loss diff {d:.2e}, max weight diff {w:.2e}')
PY
}
if o=$(compare one two 2>&1); then ok; echo "ddp: 2x64 vs 1x128: $o"; else bad "2x64 vs 1x128: $o"; fi

# DDP's reducer (c10d::Reducer) when the trainable parameters change: the
# first Linear frozen for 10 steps, then thawed (a new reducer): still the
# curve of one rank with twice the batch
FRZ="=trainer::callbacks=[{_target_: lighter.callbacks.Freezer, name_starts_with: network.1., until_step: 10}]"
run "1 rank x 128, Freezer" 0 "$H" fit "${COMMON[@]}" trainer::default_root_dir=onef data::train_dataloader::batch_size=128 \
  =trainer::limit_val_batches=2 "$FRZ"
run "2 ranks x 64, Freezer" 0 "$H" fit "${COMMON[@]}" trainer::default_root_dir=twof data::train_dataloader::batch_size=64 \
  =trainer::limit_val_batches=1 =trainer::devices=2 =trainer::strategy=ddp "$FRZ"
if o=$(compare onef twof 2>&1); then ok; echo "ddp: 2x64 vs 1x128 with a Freezer: $o"; else bad "2x64 vs 1x128, Freezer: $o"; fi
# the reducer and the old average after backward (LIGHTER_DDP_REDUCER=0) give the same bits
LIGHTER_DDP_REDUCER=0 run "2 ranks x 64, no reducer" 0 "$H" fit "${COMMON[@]}" trainer::default_root_dir=twoh \
  data::train_dataloader::batch_size=64 =trainer::limit_val_batches=1 =trainer::devices=2 =trainer::strategy=ddp
cmp -s two/lightning_logs/version_0/metrics.csv twoh/lightning_logs/version_0/metrics.csv && ok \
  || bad "the reducer's run differs from the average after backward: $(diff two/lightning_logs/version_0/metrics.csv twoh/lightning_logs/version_0/metrics.csv | head -5)"
# a NaN loss on rank 1 alone (its third step): the step's loss is exchanged
# while backward runs, and every rank stops before the optimizer's step
cp "$(dirname "$H")/../tests/plugins/bad_steps.so" plugins/
run "NaN on rank 1" 1 "$H" fit "${COMMON[@]}" trainer::default_root_dir=nan --plugins plugins \
  model::_target_=test.BadSteps =model::mode=nan_rank1 data::train_dataloader::batch_size=64 \
  =trainer::limit_val_batches=0 =trainer::devices=2 =trainer::strategy=ddp
grep -qF "training_step of test.BadSteps (epoch 0, batch 2) gave a NaN loss; stopping before it reaches the weights" \
  <<<"$out" && ok || bad "NaN on rank 1: $(tail -5 <<<"$out")"

# torchrun, one node of two processes: the very same numbers as the self-spawn
P=$(port)
run "torchrun" 0 $TR --nproc_per_node=2 --master_port="$P" "$H" fit "${COMMON[@]}" trainer::default_root_dir=tr \
  data::train_dataloader::batch_size=64 =trainer::limit_val_batches=1
same_curve() {
  "$PY" -c "
import csv, sys
c = lambda d: [r['train/loss/step'] for r in csv.DictReader(open(d + '/lightning_logs/version_0/metrics.csv')) if r['train/loss/step']]
sys.exit(0 if c('$1') == c('$2') and len(c('$1')) == 30 else 1)"
}
same_curve two tr && ok || bad "torchrun: a different curve than the self-spawn"

# two nodes of one process each (torchrun's static rendezvous over loopback)
P=$(port)
for nr in 0 1; do
  timeout 300 $TR --nnodes=2 --node_rank=$nr --nproc_per_node=1 --master_addr=127.0.0.1 --master_port="$P" \
    "$H" fit "${COMMON[@]}" trainer::default_root_dir=mn data::train_dataloader::batch_size=64 \
    =trainer::limit_val_batches=1 =trainer::num_nodes=2 >mn$nr.log 2>&1 &
done
wait %1; r0=$?; wait %2; r1=$?
[ "$r0$r1" = 00 ] && ok || bad "torchrun 2 nodes: exit $r0/$r1: $(tail -5 mn0.log mn1.log)"
same_curve two mn && ok || bad "torchrun 2 nodes: a different curve"

# the self-spawn across "nodes": devices 1 x num_nodes 2, NODE_RANK per node
P=$(port)
for nr in 0 1; do
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$P NODE_RANK=$nr timeout 300 "$H" fit "${COMMON[@]}" trainer::default_root_dir=sn \
    data::train_dataloader::batch_size=64 =trainer::limit_val_batches=1 =trainer::devices=1 =trainer::num_nodes=2 \
    =trainer::strategy=ddp >sn$nr.log 2>&1 &
done
wait %1; r0=$?; wait %2; r1=$?
[ "$r0$r1" = 00 ] && ok || bad "spawn 2 nodes: exit $r0/$r1: $(tail -5 sn0.log sn1.log)"
same_curve two sn && ok || bad "spawn 2 nodes: a different curve"

# SLURM's variables (as srun --ntasks=2 sets them): address from the node
# list, port 15000 + the job id's last four digits
free() { "$PY" -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
job=0
for _ in 1 2 3 4 5 6 7 8; do j=$((RANDOM % 9000 + 1000)); free $((15000 + j)) && { job=$j; break; }; done
if [ "$job" != 0 ]; then
  for pr in 0 1; do
    SLURM_NTASKS=2 SLURM_PROCID=$pr SLURM_LOCALID=$pr SLURM_NODEID=0 SLURM_NTASKS_PER_NODE=2 \
      SLURM_NODELIST=localhost SLURM_JOB_ID=$job SLURM_JOB_NAME=train timeout 300 "$H" fit "${COMMON[@]}" \
      trainer::default_root_dir=sl data::train_dataloader::batch_size=64 =trainer::limit_val_batches=1 \
      =trainer::devices=2 >sl$pr.log 2>&1 &
  done
  wait %1; r0=$?; wait %2; r1=$?
  [ "$r0$r1" = 00 ] && ok || bad "slurm: exit $r0/$r1: $(tail -5 sl0.log sl1.log)"
  same_curve two sl && ok || bad "slurm: a different curve"
else
  bad "slurm: no free port in 16000..24999"
fi

# test under ddp: metrics reduced over both shards = one process on all
ck=one/lightning_logs/version_0/checkpoints/last.ckpt
run "test 1 rank" 0 "$H" test "${COMMON[@]}" trainer::default_root_dir=t1 --ckpt_path "$ck"
a1=$(grep "test/metrics/MulticlassAccuracy/epoch" <<<"$out")
run "test 2 ranks" 0 "$H" test "${COMMON[@]}" trainer::default_root_dir=t2 --ckpt_path "$ck" =trainer::devices=2
a2=$(grep "test/metrics/MulticlassAccuracy/epoch" <<<"$out")
[ -n "$a1" ] && [ "$a1" = "$a2" ] && ok || bad "test: 1 rank '$a1', 2 ranks '$a2'"
[ "$(grep -c 'MulticlassAccuracy/epoch' <<<"$out")" = 1 ] && ok || bad "test: rank 0 alone prints the table, once: $out"

# a rank killed mid-epoch: the run ends at once (timeout 60 s), naming it
# (signals are sent once both ranks have recorded a training step of epoch 1: a state)
LONG=("$CFG" =trainer::max_epochs=3 =trainer::limit_train_batches=150 =trainer::limit_val_batches=1
      =trainer::enable_progress_bar=false =trainer::enable_model_summary=false trainer::default_root_dir=kl
      =trainer::devices=2 "=trainer::strategy={_target_: lightning.pytorch.strategies.DDPStrategy, timeout: 60}"
      --plugins plugins "=trainer::callbacks=[{_target_: test.HookRecorder, path: steps.txt}]")
EPOCH1=" on_train_batch_end train 1 "
"$H" fit "${LONG[@]}" >kill.log 2>&1 &
parent=$!
last=kl/lightning_logs/version_0/checkpoints/last.ckpt
wait_line steps.txt "$EPOCH1" 2 $parent || bad "the run ended before epoch 1: $(tail -5 ./*.log)"
victim=$(pgrep -P $parent | tail -1)
t0=$(date +%s.%N)
kill -KILL "$victim"
wait $parent; rc=$?
took=$("$PY" -c "print(round($(date +%s.%N) - $t0, 1))")
[ "$rc" = 137 ] && ok || bad "kill: exit $rc, expected 137 (the killed rank's status): $(cat kill.log)"
"$PY" -c "import sys; sys.exit(0 if $took < 20 else 1)" && ok || bad "kill: the run took $took s to end"
grep -qF "rank 1 (pid $victim) was killed by signal 9" kill.log && ok || bad "kill: the rank is not named: $(cat kill.log)"
grep -qF "[rank 0] the allreduce" kill.log || grep -qF "[rank 0] the reduction" kill.log && ok \
  || bad "kill: rank 0 does not say which collective failed: $(cat kill.log)"
echo "ddp: a killed rank ended the run in $took s"
"$PY" -c "import torch; c = torch.load('$last'); assert c['global_step'] >= 150" && ok || bad "kill: last.ckpt unreadable"
run "kill: resume" 0 "$H" fit "${LONG[@]}" --ckpt_path last
grep -qF "loaded the run from" <<<"$out" && ok || bad "kill: resume did not load: $out"
"$PY" -c "
import torch; c = torch.load('kl/lightning_logs/version_1/checkpoints/last.ckpt'); assert c['global_step'] == 450, c['global_step']" \
  && ok || bad "kill: the resumed run did not finish 3 epochs"

# a hung rank (SIGSTOP): the others fail after the 10 s collective timeout; the launcher
# then waits timeout + 5 s, sends SIGTERM (a stopped rank does not take it) and SIGKILL
# 5 s later: about 30 s, bounded at 60 s, far below the default 30 minutes. (A shorter
# timeout fails healthy ranks that a loaded machine keeps apart for seconds.)
HANG=("${LONG[@]}" trainer::default_root_dir=hg
      "=trainer::strategy={_target_: lightning.pytorch.strategies.DDPStrategy, timeout: {_target_: datetime.timedelta, seconds: 10}}")
rm -f steps.txt
"$H" fit "${HANG[@]}" >hang.log 2>&1 &
parent=$!
wait_line steps.txt "$EPOCH1" 2 $parent || bad "the run ended before epoch 1: $(tail -5 ./*.log)"
victim=$(pgrep -P $parent | tail -1)
t0=$(date +%s.%N)
kill -STOP "$victim"
wait $parent; rc=$?
took=$("$PY" -c "print(round($(date +%s.%N) - $t0, 1))")
[ "$rc" != 0 ] && ok || bad "hang: exit 0"
grep -qiF "timed out" hang.log && ok || bad "hang: no timeout message: $(cat hang.log)"
"$PY" -c "import sys; sys.exit(0 if $took < 60 else 1)" && ok || bad "hang: took $took s"
echo "ddp: a hung rank ended the run in $took s (timeout 10 s)"

# ^C reaches every rank: last.ckpt is saved, exit 130
rm -f steps.txt
"$H" fit "${LONG[@]}" trainer::default_root_dir=ic >int.log 2>&1 &
parent=$!
wait_line steps.txt "$EPOCH1" 2 $parent || bad "the run ended before epoch 1: $(tail -5 ./*.log)"
kill -INT $parent
wait $parent; rc=$?
[ "$rc" = 130 ] && ok || bad "interrupt: exit $rc: $(cat int.log)"
grep -qF "interrupted at epoch" int.log && ok || bad "interrupt: no message: $(cat int.log)"
"$PY" -c "import torch; torch.load('ic/lightning_logs/version_0/checkpoints/last.ckpt')" && ok || bad "interrupt: last.ckpt"

# launch errors: exit 2 with the reason, nothing started
run "single_device x2" 2 "$H" fit "${COMMON[@]}" =trainer::devices=2 =trainer::strategy=single_device
grep -qF "needs strategy ddp" <<<"$out" && ok || bad "single_device: $out"
out=$(RANK=0 WORLD_SIZE=3 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 timeout 60 "$H" fit "${COMMON[@]}" =trainer::devices=2 2>&1)
[ $? = 2 ] && grep -qF "make them agree" <<<"$out" && ok || bad "world mismatch: $out"
run "unknown strategy" 2 "$H" fit "${COMMON[@]}" =trainer::strategy=fsdp
grep -qF "strategy 'fsdp' is not available" <<<"$out" && ok || bad "fsdp: $out"

# a worker that cannot start (its fork fails: tests/dist/fail_fork.c makes the
# third fail): the two started are stopped at once and the launcher exits 1
# with the reason, instead of waiting out the 30-minute group timeout
t0=$(date +%s.%N)
out=$(LD_PRELOAD="$(dirname "$H")/../tests/fail_fork.so" LT_TEST_FAIL_FORK=3 timeout 120 "$H" fit "${COMMON[@]}" \
      trainer::default_root_dir=ff =trainer::devices=3 =trainer::strategy=ddp 2>&1); rc=$?
took=$("$PY" -c "print(round($(date +%s.%N) - $t0, 1))")
[ "$rc" = 1 ] && grep -qF "lighter-host: cannot start worker 2 (rank 2 of 3): fork: Resource temporarily unavailable; stopping the 2 already started" <<<"$out" \
  && ok || bad "fork fails: exit $rc: $out"
"$PY" -c "import sys; sys.exit(0 if $took < 30 else 1)" && ok || bad "fork fails: took $took s"
echo "ddp: a worker that could not start ended the launch in $took s"

echo "ddp: $pass passed, $fail failed"
[ "$fail" = 0 ]
