#!/usr/bin/env bash
# tensorboard.sh: pytorch_lightning.loggers.TensorBoardLogger end to end.
# A short fit of the Fashion-MNIST MLP (configs/fashion_mnist_mlp.yaml, a
# few batches) with logger: [CSVLogger, TensorBoardLogger], then a test
# from its last.ckpt: every event file is read back as TensorBoard reads it
# (tests/tensorboard/read_events.py: Python's protobuf on the suite's own
# .proto files, both CRCs of every record checked), every scalar equal to
# a metrics.csv cell and the other way round, hp_metric and the hparams
# plugin listing the hyperparameters of hparams.yaml. Then the arguments
# (name '' or null, a version given as a string, sub_dir, prefix,
# default_hp_metric, log_graph, the lightning.pytorch name), where the
# files go when the TensorBoardLogger comes first, and every bad argument
# with its message.
set -uo pipefail
BUILD=${LT_BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
SRC=$(pwd)
H=$SRC/$BUILD/bin/lighter-host
READ="$PY $SRC/tests/tensorboard/read_events.py"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
if ! command -v protoc >/dev/null || ! "$PY" -c "import google.protobuf, yaml" 2>/dev/null; then
  echo "tensorboard: SKIPPED: needs protoc and Python's protobuf and yaml (scripts/setup installs protobuf-compiler," \
       "python3-protobuf, python3-yaml)"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

CSV="{_target_: pytorch_lightning.loggers.CSVLogger, save_dir: logs}"
TB="{_target_: pytorch_lightning.loggers.TensorBoardLogger, save_dir: logs}"
SHORT=(trainer::max_epochs=2 trainer::limit_train_batches=12 trainer::limit_val_batches=3 trainer::limit_test_batches=3
       trainer::log_every_n_steps=4 trainer::enable_progress_bar=false trainer::enable_model_summary=false)

# run NAME WANT_RC NEEDLE ARGS...: lighter-host ARGS, its exit status and a line of its output
run() {
  local name=$1 want=$2 needle=$3; shift 3
  out=$("$H" "$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ]; then bad "$name: exit $rc, expected $want: $out"; return 1; fi
  if [ -n "$needle" ] && ! grep -qF -- "$needle" <<<"$out"; then bad "$name: output lacks '$needle': $out"; return 1; fi
  ok
}
# check NAME LOG_DIR METRICS_CSV HPARAMS_YAML [read_events options]: the event files against metrics.csv
check() {
  local name=$1; shift
  local res
  if res=$($READ check "$@" 2>&1); then ok; echo "$name:$res"; else bad "$name: $res"; fi
}

# A fit with both loggers: one run folder, version_0, with metrics.csv and the event file side by side.
MLP=$SRC/configs/fashion_mnist_mlp.yaml
run "fit [CSV, TensorBoard]" 0 "" fit "$MLP" "${SHORT[@]}" "=trainer::logger=[$CSV, $TB]"
v=logs/lightning_logs/version_0
for f in metrics.csv hparams.yaml config.yaml checkpoints/last.ckpt; do [ -e "$v/$f" ] && ok || bad "fit: no $v/$f"; done
[ ! -e logs/lightning_logs/version_1 ] && ok || bad "fit: the TensorBoardLogger did not share version_0: $(ls logs/lightning_logs)"
check "fit" "$v" "$v/metrics.csv" "$v/hparams.yaml"
# the keys Lighter logs are all there (the comparison above is cell for cell)
for k in train/loss/step train/loss/epoch val/loss/epoch val/metrics/MulticlassAccuracy/epoch epoch; do
  head -1 "$v/metrics.csv" | tr ',' '\n' | grep -qx "$k" && ok || bad "fit: no $k in metrics.csv"
done

# A test from that fit's last.ckpt: a new version_1 of both, with rows without an epoch (the test batches).
run "test [CSV, TensorBoard]" 0 "" test "$MLP" "${SHORT[@]}" "=trainer::logger=[$CSV, $TB]" --ckpt_path "$v/checkpoints/last.ckpt"
check "test" logs/lightning_logs/version_1 logs/lightning_logs/version_1/metrics.csv logs/lightning_logs/version_1/hparams.yaml

# A damaged record is caught: the reader checks what it claims to check.
f=$(ls $v/events.out.tfevents.* | head -1)
cp "$f" damaged && printf '\x7f' | dd of=damaged bs=1 seek=40 conv=notrunc 2>/dev/null
$READ records damaged >/dev/null 2>&1 && bad "a damaged event file read as good" || ok
head -c $(($(stat -c %s "$f") - 3)) "$f" > torn
$READ records torn >/dev/null 2>&1 && bad "a torn event file read as good" || ok

# The TensorBoardLogger first (lightning.pytorch's name): its version folder is the run folder; a version
# given as a string names the folder; sub_dir holds the event file (and hparams.yaml); name '' means no
# name folder; a CSVLogger after it with the same save_dir and no version gets its own version_N there.
TB2="{_target_: lightning.pytorch.loggers.TensorBoardLogger, save_dir: tb, name: '', version: exp_a, sub_dir: events}"
run "TensorBoard first" 0 "" fit "$MLP" "${SHORT[@]}" trainer::max_epochs=1 \
  "=trainer::logger=[$TB2, {_target_: pytorch_lightning.loggers.CSVLogger, save_dir: tb, name: null}]"
for f in tb/exp_a/checkpoints/last.ckpt tb/exp_a/config.yaml tb/exp_a/hparams.yaml tb/exp_a/events/hparams.yaml \
         tb/version_0/metrics.csv; do
  [ -e "$f" ] && ok || bad "TensorBoard first: no $f: $(find tb | sort | tr '\n' ' ')"
done
check "TensorBoard first" tb/exp_a/events tb/version_0/metrics.csv tb/exp_a/events/hparams.yaml

# prefix, default_hp_metric: false (no hp_metric, no hparams: Lightning logs hyperparameters only with a
# metric), log_graph: true (accepted, said), SummaryWriter's max_queue and filename_suffix.
TB3="{_target_: pytorch_lightning.loggers.TensorBoardLogger, save_dir: logs, name: p, prefix: pre, default_hp_metric: false, log_graph: true, max_queue: 1, filename_suffix: .x}"
run "prefix, no hp_metric, log_graph" 0 "TensorBoardLogger(log_graph=True): no graph is written" \
  fit "$MLP" "${SHORT[@]}" trainer::max_epochs=1 "=trainer::logger=[$CSV, $TB3]"
v=$(ls -d logs/lightning_logs/version_* | sort -t_ -k3 -n | tail -1)
ls logs/p/version_0/events.out.tfevents.*.x >/dev/null 2>&1 && ok || bad "filename_suffix: $(ls logs/p/version_0)"
check "prefix" logs/p/version_0 "$v/metrics.csv" "$v/hparams.yaml" --prefix pre --suffix .x --no-hparams

# The TensorBoardLogger alone (name null: no name folder): the run folder is its version_0, no metrics.csv.
run "TensorBoard alone" 0 "" fit "$MLP" "${SHORT[@]}" trainer::max_epochs=1 \
  "=trainer::logger={_target_: pytorch_lightning.loggers.TensorBoardLogger, save_dir: alone, name: null}"
f=$(ls alone/version_0/events.out.tfevents.* 2>/dev/null | head -1)
[ -n "$f" ] && [ -e alone/version_0/checkpoints/last.ckpt ] && [ ! -e alone/version_0/metrics.csv ] && ok \
  || bad "TensorBoard alone: $(find alone | sort | tr '\n' ' ')"
n=$($READ records "$f" 2>&1) && [ "$n" -gt 20 ] && grep -q 'tag: "val/loss/epoch"' <<<"$($READ dump "$f")" && ok \
  || bad "TensorBoard alone: $n records, or no val/loss/epoch scalar"

# inspect shows the component and its parameters
out=$("$H" inspect pytorch_lightning.loggers.TensorBoardLogger 2>&1)
for p in save_dir name version log_graph default_hp_metric prefix sub_dir max_queue flush_secs filename_suffix; do
  grep -q "^  $p " <<<"$out" && ok || bad "inspect: no parameter $p: $out"
done

# A fresh fit into an explicit TensorBoardLogger version that holds a run's event files is refused.
run "reuse" 2 "already holds a run's event files; a run folder is never reused silently" \
  fit "$MLP" "${SHORT[@]}" "=trainer::logger=$TB2"

# A symlink planted in a run folder never sends the event file elsewhere.
mkdir -p planted/lightning_logs/version_3 elsewhere && ln -s "$work/elsewhere" planted/lightning_logs/version_3/tb
run "planted symlink" 2 "would leave the run folder" fit "$MLP" "${SHORT[@]}" \
  "=trainer::logger={_target_: pytorch_lightning.loggers.TensorBoardLogger, save_dir: planted, version: 3, sub_dir: tb}"
[ -z "$(ls elsewhere)" ] && ok || bad "planted symlink: files written through it: $(ls elsewhere)"

# Bad arguments: exit 2, saying what and where.
L="pytorch_lightning.loggers.TensorBoardLogger"
run "version -1" 2 "version must be an int >= 0 (the folder version_N), a folder name" \
  fit "$MLP" "=trainer::logger={_target_: $L, save_dir: x, version: -1}"
run "version a/b" 2 "version must be an int >= 0" fit "$MLP" "=trainer::logger={_target_: $L, save_dir: x, version: a/b}"
run "sub_dir .." 2 "sub_dir '../up' climbs out of the version folder" \
  fit "$MLP" "=trainer::logger={_target_: $L, save_dir: x, sub_dir: ../up}"
run "filename_suffix /" 2 "filename_suffix 'a/b' must not hold a '/'" \
  fit "$MLP" "=trainer::logger={_target_: $L, save_dir: x, filename_suffix: a/b}"
run "typo" 2 "did you mean 'sub_dir'" fit "$MLP" "=trainer::logger={_target_: $L, save_dir: x, subdir: y}"
run "no save_dir" 2 "save_dir" fit "$MLP" "=trainer::logger={_target_: $L}"
run "two CSVLoggers" 2 "'trainer::logger::1' is a second CSVLogger" fit "$MLP" "=trainer::logger=[$CSV, $CSV]"
run "not a logger" 2 "'trainer::logger::1' is " \
  fit "$MLP" "=trainer::logger=[$TB, {_target_: pytorch_lightning.callbacks.EarlyStopping, monitor: x}]"
[ ! -e x ] && ok || bad "a refused logger made files: $(find x)"

echo "tensorboard: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
