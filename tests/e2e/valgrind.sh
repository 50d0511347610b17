#!/usr/bin/env bash
# valgrind.sh: make check-valgrind: lighter-host fits a tiny synthetic
# config (3 training batches, 2 validation batches, a checkpoint) under
# memcheck. Clean means: no memcheck error, no definitely lost byte (with
# tests/valgrind.supp for the loader's, libtorch's and libcpuinfo's own
# quirks) and no tensor handle alive at exit (LIGHTER_CHECK_HANDLES).
# About 50 s on an idle machine (libtorch's ~280 libraries load under
# valgrind), minutes on a busy one.
set -uo pipefail
BUILD=${LT_BUILD:-build}
H=$(pwd)/$BUILD/bin/lighter-host
SUPP=$(pwd)/tests/valgrind.supp
VALGRIND=${VALGRIND:-valgrind}
command -v "$VALGRIND" >/dev/null || { echo "check-valgrind: $VALGRIND not found (make setup installs it)"; exit 1; }
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cd "$work"
cat > tiny.yaml <<'YAML'
seed: 3
trainer:
  _target_: pytorch_lightning.Trainer
  max_epochs: 1
  limit_train_batches: 3
  limit_val_batches: 2
  default_root_dir: out
  log_every_n_steps: 1
  enable_progress_bar: false
  callbacks: [{_target_: pytorch_lightning.callbacks.ModelCheckpoint, save_last: true}]
model:
  _target_: lighter.SupervisedModule
  network:
    _target_: torch.nn.Sequential
    _args_:
      - {_target_: torch.nn.Linear, in_features: 6, out_features: 8}
      - {_target_: torch.nn.ReLU}
      - {_target_: torch.nn.Linear, in_features: 8, out_features: 3}
  criterion: {_target_: torch.nn.CrossEntropyLoss}
  optimizer: {_target_: torch.optim.SGD, params: "$@model::network.parameters()", lr: 0.1, momentum: 0.9}
  train_metrics: [{_target_: torchmetrics.Accuracy, task: multiclass, num_classes: 3}]
  val_metrics: [{_target_: torchmetrics.Accuracy, task: multiclass, num_classes: 3}]
data:
  _target_: lighter.LighterDataModule
  train_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 8
    shuffle: true
    num_workers: 1
    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 32, input_shape: [6], num_classes: 3, seed: 1}
  val_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 8
    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 16, input_shape: [6], num_classes: 3, seed: 2}
YAML
start=$(date +%s)
LIGHTER_CHECK_HANDLES=1 "$VALGRIND" --tool=memcheck --leak-check=full --show-leak-kinds=definite \
  --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=30 --suppressions="$SUPP" -v \
  --log-file=memcheck.log "$H" fit tiny.yaml > host.log 2>&1
rc=$?
# Some CPUs (virtual ones among them) run RDTSCP without advertising it in CPUID;
# libhwy, which libtorch's image libraries pull in, executes it in a constructor
# and valgrind, going by CPUID, refuses it (SIGILL) before any code of ours runs.
# That says nothing about our memory: skip, naming the library and the instruction.
# An unrecognised instruction anywhere else is still a failure.
if [ "$rc" = 132 ] && where=$(grep -A1 "Unrecognised instruction" memcheck.log | sed -n 's/.*at 0x[0-9A-F]*: \(.*\)/\1/p' | head -1) \
   && [ -n "$where" ] && ! grep -qE "lighter|plugins/" <<<"$where"; then
  echo "check-valgrind: SKIPPED: valgrind cannot run libtorch on this CPU: $(grep -m1 'unhandled instruction bytes' memcheck.log \
    | sed 's/^vex amd64->IR: //') in $where (valgrind $(valgrind --version | sed 's/valgrind-//') follows CPUID; this CPU does not advertise it)"
  exit 0
fi
fail=0
summary=$(grep -E "ERROR SUMMARY|definitely lost|possibly lost|in use at exit" memcheck.log | sed 's/^==[0-9]*== *//' | awk '!seen[$0]++'
  grep -F "tensor handles alive at exit" host.log | sed 's/^lighter-host: //')
if [ "$rc" != 0 ]; then
  echo "FAIL: lighter-host under memcheck exited $rc"
  sed 's/^/  /' host.log | tail -20
  grep -vE "^==[0-9]+== *$" memcheck.log | grep -A30 -E "Invalid|uninitialised|Overlap|definitely lost in|Mismatched|Syscall" | head -120
  fail=1
fi
grep -qF "lighter-host: 0 tensor handles alive at exit" host.log || { echo "FAIL: tensor handles alive at exit: $(grep 'handles alive' host.log)"; fail=1; }
grep -qE "definitely lost: 0 bytes|All heap blocks were freed" memcheck.log || { echo "FAIL: memory definitely lost"; fail=1; }
echo "$summary" | sed 's/^/check-valgrind: /'
echo "check-valgrind: $(( $(date +%s) - start )) s; suppressions used (count, name):"
grep "used_suppression:" memcheck.log | grep -F "$SUPP" | sed -E 's/.*used_suppression: *([0-9]+) (.*) [^ ]*valgrind.supp:[0-9]+.*/  \1 \2/'
[ "$fail" = 0 ] && echo "check-valgrind: clean (no errors, nothing definitely lost, no tensor handle alive)"
exit "$fail"
