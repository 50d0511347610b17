#!/usr/bin/env bash
# corpus.sh: the bad-input corpus (tests/corpus): each case composed on
# base.yaml must end with its exit status and message (expect.txt); then
# generated ones: config inputs too big or too odd to keep in the tree, an
# IDX file truncated at every 10% mark, a truncated checkpoint, a plugin
# step that crashes, a dataset plugin that breaks its contract. Never a
# hang, never a silent run.
set -uo pipefail
BUILD=${LT_BUILD:-build}
H=$(pwd)/$BUILD/bin/lighter-host
C=$(pwd)/tests/corpus
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/wait.sh"
cd "$work"
check() { # NAME WANT_RC NEEDLE ARGS...
  local name=$1 want=$2 needle=$3; shift 3
  out=$(timeout 120 "$H" "$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ]; then bad "$name: exit $rc, expected $want: $out"; return; fi
  grep -qF -- "$needle" <<<"$out" && ok || bad "$name: no '$needle' in: $out"
}
while IFS='|' read -r file want needle; do
  case "$file" in '#'*|'') continue ;; esac
  check "$file" "$want" "$needle" fit "$C/base.yaml" "$C/$file"
done < "$C/expect.txt"

# Overrides add keys as sparkwheel's CLI does (Lighter's commonest one is
# trainer::fast_dev_run=True); a typo in a component's key is still caught
# by its parameter spec.
check "override adds trainer::fast_dev_run" 0 "" fit "$C/base.yaml" trainer::fast_dev_run=True
check "override with a typo" 2 "pytorch_lightning.Trainer has no parameter 'max_epoch'" fit "$C/base.yaml" trainer::max_epoch=3

# Generated bad inputs of the config layer. A $ sum of 300,000 terms is an
# error message (freeing its tree overflowed the stack).
{ printf 'seed: "$1'; yes +1 | head -n 300000 | tr -d '\n'; printf '"\n'; } > long_sum.yaml
check "sum of 300,000 terms" 2 "long_sum.yaml:1:808: error: in expression: expression nested too deeply: more than 400 levels" \
  fit "$C/base.yaml" long_sum.yaml
# A FIFO, a directory or a device as a config file or a % reference is
# refused (a FIFO blocked the open forever).
mkfifo fifo.yaml && mkdir dir.yaml && ln -s /dev/null null.yaml
check "FIFO config" 2 "fifo.yaml: error: 'fifo.yaml' is a FIFO (named pipe), not a regular file" fit "$C/base.yaml" fifo.yaml
check "FIFO % reference" 2 "cannot read 'fifo.yaml' for a % reference: 'fifo.yaml' is a FIFO (named pipe), not a regular file" \
  fit "$C/base.yaml" "=seed=%fifo.yaml::seed"
check "directory config" 2 "dir.yaml: error: 'dir.yaml' is a directory, not a regular file" fit "$C/base.yaml" dir.yaml
check "device config" 2 "null.yaml: error: 'null.yaml' is a character device, not a regular file" fit "$C/base.yaml" null.yaml
# A 2 MB key gets a message about its length (libyaml's was "mapping values
# are not allowed in this context").
{ printf 'trainer:\n  '; head -c 2000000 /dev/zero | tr '\0' k; printf ': 1\n'; } > long_key.yaml
check "2 MB key" 2 "long_key.yaml:2:3: error: a key of 2000000 characters: YAML allows at most 1024 in a key" \
  fit "$C/base.yaml" long_key.yaml

# Fashion-MNIST-style IDX files cut at every 10% of their length
PY=${PYTHON:-/usr/bin/python3}
mkdir -p idx
"$PY" - <<'PY'
import struct
n, r, c = 20, 6, 6
open("idx/train-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 0x803, n, r, c) + bytes((i * 7) % 256 for i in range(n * r * c)))
open("idx/train-labels-idx1-ubyte", "wb").write(struct.pack(">II", 0x801, n) + bytes(i % 2 for i in range(n)))
PY
cat > idx.yaml <<'YAML'
=data::train_dataloader::dataset:
  _target_: torchvision.datasets.FashionMNIST
  root: idx
  transform: {_target_: torchvision.transforms.ToTensor}
=model::network::_args_::0: {_target_: torch.nn.Flatten}
=model::network::_args_::1: {_target_: torch.nn.Linear, in_features: 36, out_features: 2}
=model::network::_args_::2: {_target_: torch.nn.ReLU}
YAML
check "IDX whole" 0 "" fit "$C/base.yaml" idx.yaml
size=$(stat -c %s idx/train-images-idx3-ubyte)
cp idx/train-images-idx3-ubyte whole
for p in 0 10 20 30 40 50 60 70 80 90; do
  head -c $((size * p / 100)) whole > idx/train-images-idx3-ubyte
  check "IDX cut at $p%" 2 "idx/train-images-idx3-ubyte" fit "$C/base.yaml" idx.yaml
done
cp whole idx/train-images-idx3-ubyte

# a checkpoint cut in half
check "fit for a checkpoint" 0 "" fit "$C/base.yaml"
ck=$(ls out/lightning_logs/version_*/checkpoints/last.ckpt | head -1)
head -c $(( $(stat -c %s "$ck") / 2 )) "$ck" > half.ckpt
check "truncated checkpoint" 1 "cannot load checkpoint 'half.ckpt'" test "$C/base.yaml" --ckpt_path half.ckpt
printf 'not a zip' > junk.ckpt
check "junk checkpoint" 1 "cannot load checkpoint 'junk.ckpt'" test "$C/base.yaml" --ckpt_path junk.ckpt
# a checkpoint whose progress is negative: refused, never trained from (epoch -5 once trained six epochs)
good=$(ls -t out/lightning_logs/version_*/checkpoints/last.ckpt | head -1) # the fit just above
for f in "epoch=-5|damaged: epoch -5," "global_step=-1|global_step -1, next batch -1 (none may be negative)"; do
  "$PY" -c "import torch, sys; c = torch.load(sys.argv[1]); k, v = sys.argv[2].split('='); c[k] = int(v); torch.save(c, 'neg.ckpt')" \
    "$good" "${f%%|*}"
  check "checkpoint with ${f%%|*}" 1 "${f#*|}" fit "$C/base.yaml" --ckpt_path neg.ckpt
done
# ... nor past any run, nor of the wrong type, nor with a loss tally that
# does not fit (epoch 2^63 - 1 wrapped to -2^63 and trained on and on; a
# float epoch was read as 0)
for f in "c['epoch'] = 2**63 - 1|, next batch -1 (more than any run reaches: at most 9007199254740992 each)" \
         "c['global_step'] = 0.5|damaged: global_step is a float, not an integer" \
         "c['loops'] = [1]|damaged: loops is a list, not a dict" \
         "c['loops'] = dict(batch_next=2, loss_count=7)|damaged: loops' loss_count 7 does not fit its batch_next 2" \
         "c['loops'] = dict(batch_next=1, loss_count=1, loss_sum=float('nan'))|damaged: loops' loss_sum is NaN" \
         "c['loops']['fit_loop']['epoch_progress']['current']['ready'] = -1|damaged: loops' fit_loop.epoch_progress.current.ready is -1 (counts go from 0 to 9007199254740992)" \
         "c['loops']['fit_loop']['epoch_loop.batch_progress']['total']['completed'] = 'x'|damaged: loops' fit_loop.epoch_loop.batch_progress.total.completed is a string, not an integer" \
         "c['loops']['fit_loop']['epoch_progress'] = [1]|damaged: loops' fit_loop.epoch_progress is a list, not a dict" \
         "c['loops']['fit_loop']['epoch_progress']['current'].update(ready=2, started=2, processed=1, completed=1); c['loops']['lighter_host'].update(loss_count=99)|damaged: loops' loss_count 99 does not fit its batch_next 4"; do
  "$PY" -c "import torch, sys; c = torch.load(sys.argv[1]); exec(sys.argv[2]); torch.save(c, 'odd.ckpt')" "$good" "${f%%|*}"
  check "checkpoint with ${f%%|*}" 1 "${f#*|}" fit "$C/base.yaml" --ckpt_path odd.ckpt
done

# a plugin whose step crashes: the host names the plugin, component and step
mkdir -p plugins && cp "$OLDPWD/$BUILD/tests/plugins/bad_steps.so" plugins/ 2>/dev/null || cp "$(dirname "$H")/../tests/plugins/bad_steps.so" plugins/
out=$(timeout 120 "$H" fit "$C/base.yaml" --plugins plugins "model::_target_=test.BadSteps" "=model::mode=crash" 2>&1); rc=$?
[ "$rc" -ne 0 ] && grep -qF "in plugin plugins/bad_steps.so, component test.BadSteps, during training_step" <<<"$out" && ok \
  || bad "crashing step: exit $rc: $out"

# abort() or exit(0) in a plugin's step: named, and never a success
cp "$(dirname "$H")/../tests/plugins/null_ops.so" plugins/
out=$(timeout 120 "$H" fit "$C/base.yaml" --plugins plugins "model::_target_=test.BadSteps" "=model::mode=abort" 2>&1); rc=$?
[ "$rc" = 134 ] && grep -qF "crashed with SIGABRT (abort) in plugin plugins/bad_steps.so, component test.BadSteps, during training_step" <<<"$out" \
  && ok || bad "abort in a step: exit $rc: $out"
out=$(timeout 120 "$H" fit "$C/base.yaml" --plugins plugins "model::_target_=test.BadSteps" "=model::mode=exit0" 2>&1); rc=$?
[ "$rc" = 1 ] && grep -qF "lighter-host: plugin plugins/bad_steps.so, component test.BadSteps, called exit() during training_step; the run did not finish" <<<"$out" \
  && ok || bad "exit(0) in a step: exit $rc: $out"
# Crash attribution: a crash in a callback's hook, in a dataset's get (on
# the main thread and on loader threads) or in a network that a built-in
# calls names the innermost plugin, component and hook, for every fatal
# signal (these were "in lighter-host itself", or blamed on
# lighter.SupervisedModule), and the process still dies of that signal.
for f in crash_hook crash_dataset crash_net; do cp "$(dirname "$H")/../tests/plugins/$f.so" plugins/; done
for s in "segv 139 SIGSEGV (invalid memory access)" "bus 135 SIGBUS (bus error)" "fpe 136 SIGFPE (arithmetic error)" \
         "ill 132 SIGILL (illegal instruction)" "abort 134 SIGABRT (abort)"; do
  read -r how rc_want name <<<"$s"
  check "crash in a callback hook ($how)" "$rc_want" \
    "crashed with $name in plugin plugins/crash_hook.so, component test.CrashHook, during on_validation_epoch_end." \
    fit "$C/base.yaml" --plugins plugins "=data::val_dataloader=%data::train_dataloader" \
    "=trainer::callbacks=[{_target_: test.CrashHook, hook: on_validation_epoch_end, how: $how}]"
done
crash_ds() { # WORKERS HOW WANT_RC NEEDLE CALLER
  check "crash in a dataset's get ($1 workers)" "$3" "$4" fit "$C/base.yaml" --plugins plugins \
    "=data::train_dataloader::dataset={_target_: test.CrashDataset, at: 5, how: $2}" "=data::train_dataloader::num_workers=$1"
  grep -qF -- "$5" <<<"$out" && ok || bad "crash in a dataset's get ($1 workers): no '$5' in: $out"
}
crash_ds 0 segv 139 "crashed with SIGSEGV (invalid memory access) in plugin plugins/crash_dataset.so, component test.CrashDataset, during get." \
  "It was called by plugin $(cd "$(dirname "$H")/../lib/lighter/plugins" && pwd -P)/data_dataloader.so, component torch.utils.data.DataLoader, during next."
crash_ds 2 abort 134 "crashed with SIGABRT (abort) in plugin plugins/crash_dataset.so, component test.CrashDataset, during get (on a worker thread)." \
  "/data_dataloader.so, component torch.utils.data.DataLoader."
check "crash in a network under lighter.SupervisedModule" 139 \
  "crashed with SIGSEGV (invalid memory access) in plugin plugins/crash_net.so, component test.CrashNet, during forward." \
  fit "$C/base.yaml" --plugins plugins "=model::network={_target_: test.CrashNet}"
grep -qF "It was called by plugin $(cd "$(dirname "$H")/../lib/lighter/plugins" && pwd -P)/lighter_supervised.so, component lighter.SupervisedModule, during training_step." <<<"$out" \
  && ok || bad "crash in a network: caller not named: $out"
check "crash in a network inside torch.nn.Sequential" 132 \
  "crashed with SIGILL (illegal instruction) in plugin plugins/crash_net.so, component test.CrashNet, during forward." \
  fit "$C/base.yaml" --plugins plugins "=model::network::_args_::1={_target_: test.CrashNet, how: ill}"
grep -qF "/core_sequential.so, component torch.nn.Sequential, during forward." <<<"$out" \
  && ok || bad "crash in a network in Sequential: caller not named: $out"
# a callback whose kind table is NULL: refused when built, not a crash at its first hook
check "callback without a kind table" 2 "test.NullOps (kind callback, plugin plugins/null_ops.so) has no operations table: the plugin is incomplete" \
  fit "$C/base.yaml" --plugins plugins "=trainer::callbacks=[{_target_: test.NullOps}]"
# parameter or buffer names that a checkpoint cannot key (tests/plugins/bad_names.c):
# refused when the module is built, naming the plugin, the component and the name
# (last.ckpt got keys that could never be resumed)
cp "$(dirname "$H")/../tests/plugins/bad_names.so" plugins/
bad_names() { # MODE NEEDLE [WHERE]
  check "parameter names $1" 2 "$2" fit "$C/base.yaml" --plugins plugins "=model::network${3:-}={_target_: test.BadNames, mode: $1}"
}
bad_names duplicate "module test.BadNames (plugin plugins/bad_names.so) names two tensors 'weight' (entries 0 and 1 of its parameters()); a checkpoint would keep one and could never be resumed"
bad_names null_name "module test.BadNames (plugin plugins/bad_names.so) gives entry 1 of its parameters() no (NULL) name"
bad_names empty "module test.BadNames (plugin plugins/bad_names.so) gives entry 0 of its parameters() an empty name"
bad_names clash "names two tensors 'bias' (entry 1 of its parameters() and entry 0 of its buffers())"
bad_names state_duplicate "names two tensors 'bias' (entries 1 and 2 of its state())"
bad_names duplicate "at key model::network::modules::1" "::_args_::1"
check "parameter names ok" 0 "" fit "$C/base.yaml" --plugins plugins "=model::network={_target_: test.BadNames, mode: ok}"

# a dataset plugin that breaks its contract (tests/plugins/bad_dataset.c):
# the loader names the dataset and the sample instead of corrupting memory
cp "$OLDPWD/$BUILD/tests/plugins/bad_dataset.so" plugins/ 2>/dev/null || cp "$(dirname "$H")/../tests/plugins/bad_dataset.so" plugins/
bad_ds() { # MODE WANT_RC NEEDLE
  check "bad dataset $1" "$2" "$3" fit "$C/base.yaml" --plugins plugins \
    "=data::train_dataloader::dataset={_target_: test.BadDataset, mode: $1}"
}
bad_ds too_many 1 "train data, batch 0: sample 0 (batch 0 of epoch 0): dataset test.BadDataset returned 17 values, more than the 16 it was given room for"
bad_ds null_name 1 "sample 0 (batch 0 of epoch 0): dataset test.BadDataset returned value 1 with no name (NULL)"
bad_ds null_tensor 1 "sample 0 (batch 0 of epoch 0): dataset test.BadDataset returned value 1 with no tensor (NULL)"
bad_ds silent 1 "sample 0 (batch 0 of epoch 0): dataset test.BadDataset failed to give it and said nothing more"
bad_ds huge 1 "cannot order epoch 0: dataset test.BadDataset has 9223372036854775807 samples; a DataLoader takes at most 281474976710656"
bad_ds negative 1 "the train loader gives no batches (-5 samples)"
bad_ds ok 0 ""
# ... and through get_batch (a whole batch at once): a wrong batch is named;
# a failing one is taken again sample by sample (these samples work)
bad_ds batch_short 1 "train data, batch 0: samples 0, ... (epoch 0): dataset test.BadDataset's get_batch returned a value whose first dim is not the batch (a bug in its plugin: each value needs a tensor whose first dim is the batch's size, and a name)"
bad_ds batch_null_name 1 "(epoch 0): dataset test.BadDataset's get_batch returned a value with no name (NULL) (a bug in its plugin"
bad_ds batch_fails 0 ""

# safe defaults: a run folder is never reused silently. An explicit CSVLogger
# version whose folder holds a run: a fresh fit is an error; resuming it
# (--ckpt_path), LIGHTER_OVERWRITE_RUN=1 or another stage warns loudly.
L="=trainer::logger={_target_: pytorch_lightning.loggers.CSVLogger, save_dir: logs, name: exp, version: 5}"
check "explicit version, first run" 0 "" fit "$C/base.yaml" "$L"
check "explicit version reused" 2 \
  "the run folder 'logs/exp/version_5' (CSVLogger version 5) already holds a run's metrics.csv; a run folder is never reused silently" \
  fit "$C/base.yaml" "$L"
check "explicit version resumed" 0 "WARNING: the run folder 'logs/exp/version_5' is not empty" \
  fit "$C/base.yaml" "$L" trainer::max_epochs=2 --ckpt_path logs/exp/version_5/checkpoints/last.ckpt
check "explicit version tested" 0 "WARNING: the run folder 'logs/exp/version_5' is not empty" test "$C/base.yaml" "$L"
LIGHTER_OVERWRITE_RUN=1 check "explicit version overwritten" 0 "WARNING: the run folder 'logs/exp/version_5' is not empty" \
  fit "$C/base.yaml" "$L"
# two fits into one explicit version at once: the second is refused while the first
# runs (it holds the folder's lock from its start: here, once it records a step)
cp "$(dirname "$H")/../tests/plugins/hook_recorder.so" plugins/
L9="=trainer::logger={_target_: pytorch_lightning.loggers.CSVLogger, save_dir: logs, name: exp, version: 9}"
"$H" fit "$C/base.yaml" "$L9" --plugins plugins =trainer::max_epochs=100000 \
  "=trainer::callbacks=[{_target_: test.HookRecorder, path: first.txt}]" > first.log 2>&1 & first=$!
wait_line first.txt " on_train_batch_end " 1 $first
check "explicit version in use" 2 "the run folder 'logs/exp/version_9' is in use by another lighter-host run (pid $first)" \
  fit "$C/base.yaml" "$L9" --plugins plugins
kill -INT $first; wait $first
# and runs started together without a version never share a version_N
for i in 1 2 3; do "$H" fit "$C/base.yaml" trainer::default_root_dir=together > together$i.log 2>&1 & done
wait
[ "$(ls together/lightning_logs | sort | tr '\n' ' ')" = "version_0 version_1 version_2 " ] && \
  [ "$(cat together/lightning_logs/version_*/metrics.csv | grep -c '^epoch')" = 3 ] && ok \
  || bad "runs started together: $(ls together/lightning_logs) $(cat together*.log)"

# a version_N folder whose N is past the 64-bit range made the next version
# negative (version_-9223372036854775808): it is skipped, saying so, and the
# new run is one past the largest countable version
mkdir -p bigver/lightning_logs/version_99999999999999999999 bigver/lightning_logs/version_7
check "version folder past int64" 0 \
  "warning: 'bigver/lightning_logs/version_99999999999999999999' is not counted when numbering the new run: its number is past 9223372036854775806" \
  fit "$C/base.yaml" trainer::default_root_dir=bigver
[ "$(ls bigver/lightning_logs | tr '\n' ' ')" = "version_7 version_8 version_99999999999999999999 " ] && ok \
  || bad "version folder past int64: $(ls bigver/lightning_logs)"

# safe defaults: writers and checkpoints inside the run folder. A relative
# ModelCheckpoint dirpath lands in the run folder; an absolute one is used as given.
check "relative dirpath" 0 "" fit "$C/base.yaml" \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, dirpath: ckpts, save_last: true}]"
ls out/lightning_logs/version_*/ckpts/last.ckpt >/dev/null 2>&1 && [ ! -e ckpts ] && ok || bad "relative dirpath: not in the run folder"
check "absolute dirpath" 0 "" fit "$C/base.yaml" \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, dirpath: $work/abs, save_last: true}]"
[ -f "$work/abs/last.ckpt" ] && ok || bad "absolute dirpath: no $work/abs/last.ckpt"

# A symlink planted in a reused run folder does not send anything the run
# writes out of it: the trainer's last.ckpt, a relative ModelCheckpoint
# dirpath, CsvWriter and FileWriter paths (a dangling link too); nothing
# lands outside.
L3="=trainer::logger={_target_: pytorch_lightning.loggers.CSVLogger, save_dir: logs, name: exp, version: 3}"
V3=logs/exp/version_3
check "run folder for the symlink cases" 0 "" fit "$C/base.yaml" "$L3"
mkdir -p outside && rm -rf "$V3/checkpoints"
for l in checkpoints ckpts preds; do ln -s ../../../outside "$V3/$l"; done
ln -s ../../../nowhere "$V3/files"
esc_tail="a run folder is only written inside (remove the symlink, or give an absolute"
LIGHTER_OVERWRITE_RUN=1 check "symlinked checkpoints folder" 1 \
  "cannot save checkpoint: '$V3/checkpoints/epoch=0-step=4.ckpt' would leave the run folder '$V3': '$V3/checkpoints' is a symlink to '../../../outside', outside it; $esc_tail path to write there on purpose)" \
  fit "$C/base.yaml" "$L3"
LIGHTER_OVERWRITE_RUN=1 check "symlinked ModelCheckpoint dirpath" 1 \
  "ModelCheckpoint: dirpath 'ckpts/sub' would leave the run folder '$V3': '$V3/ckpts' is a symlink to '../../../outside', outside it; $esc_tail dirpath to write there on purpose)" \
  fit "$C/base.yaml" "$L3" "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, dirpath: ckpts/sub, save_last: true}]"
P3="=data::predict_dataloader=%data::train_dataloader"
check "symlinked CsvWriter path" 1 \
  "CsvWriter: path 'preds/p.csv' would leave the run folder '$V3': '$V3/preds' is a symlink to '../../../outside', outside it; $esc_tail path to write there on purpose)" \
  predict "$C/base.yaml" "$L3" "$P3" "=trainer::callbacks=[{_target_: lighter.callbacks.CsvWriter, path: preds/p.csv, keys: [pred]}]"
check "dangling FileWriter directory" 1 \
  "FileWriter: directory 'files' would leave the run folder '$V3': '$V3/files' is a symlink to '../../../nowhere', which does not exist; $esc_tail directory to write there on purpose)" \
  predict "$C/base.yaml" "$L3" "$P3" "=trainer::callbacks=[{_target_: lighter.callbacks.FileWriter, directory: files, value_key: pred}]"
[ -z "$(ls -A outside)" ] && [ ! -e nowhere ] && ok || bad "symlinked run folder: written outside: $(ls -A outside nowhere 2>&1)"

echo "corpus: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
