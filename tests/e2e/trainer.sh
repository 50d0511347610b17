#!/usr/bin/env bash
# trainer.sh: lighter-host fit / validate / test / predict end to end on tiny
# synthetic configs: the run folder and every logged key name, each trainer
# flag's effect on steps and rows, checkpoints (Python loads them; test
# resumes from last), and every user-error path with its message and exit
# status.
set -uo pipefail
BUILD=${LT_BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
H=$(pwd)/$BUILD/bin/lighter-host
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'pkill -KILL -P $$ 2>/dev/null; rm -rf "$work"' EXIT
. "$(dirname "$0")/wait.sh"
# Resumed runs are compared with uninterrupted ones bit for bit: both get the same
# threads (1 libtorch, 1 OpenBLAS), whatever the CPU count, so that no sum is split
# differently between two runs (and two threads do not fight a loaded machine).
export LT_NUM_THREADS=1,1
mkdir -p "$work/plugins" && cp "$BUILD/tests/plugins/bad_steps.so" "$BUILD/tests/plugins/hook_recorder.so" "$BUILD/examples/fashion_cnn.so" \
  "$BUILD/tests/plugins/predict_outputs.so" \
  "$work/plugins/"
cd "$work"

cat > base.yaml <<'YAML'
seed: 3
trainer:
  _target_: pytorch_lightning.Trainer
  max_epochs: 2
  default_root_dir: out
  log_every_n_steps: 1
  enable_progress_bar: false
model:
  _target_: lighter.SupervisedModule
  network:
    _target_: torch.nn.Sequential
    _args_:
      - {_target_: torch.nn.Linear, in_features: 6, out_features: 16}
      - {_target_: torch.nn.ReLU}
      - {_target_: torch.nn.Linear, in_features: 16, out_features: 3}
  criterion: {_target_: torch.nn.CrossEntropyLoss}
  optimizer: {_target_: torch.optim.SGD, params: "$@model::network.parameters()", lr: 0.1, momentum: 0.9}
  train_metrics: [{_target_: torchmetrics.Accuracy, task: multiclass, num_classes: 3}]
  val_metrics: [{_target_: torchmetrics.Accuracy, task: multiclass, num_classes: 3}]
  test_metrics: "%model::val_metrics"
data:
  _target_: lighter.LighterDataModule
  train_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 8
    shuffle: true
    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 64, input_shape: [6], num_classes: 3, seed: 1}
  val_dataloader:
    _target_: torch.utils.data.DataLoader
    batch_size: 16
    dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 32, input_shape: [6], num_classes: 3, seed: 2}
  test_dataloader: "%data::val_dataloader"
  predict_dataloader: "%data::val_dataloader"
YAML

# run NAME WANT_RC NEEDLE ARGS...: lighter-host ARGS, exit status and a line of its output
run() {
  local name=$1 want=$2 needle=$3; shift 3
  out=$("$H" "$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ]; then bad "$name: exit $rc, expected $want: $out"; return 1; fi
  if [ -n "$needle" ] && ! grep -qF -- "$needle" <<<"$out"; then bad "$name: output lacks '$needle': $out"; return 1; fi
  ok
}
# csv_last COLUMN FILE: the last non-empty value of a column of metrics.csv
csv() { "$PY" - "$@" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[2])))
col = sys.argv[1]
if col == "@header": print(",".join(rows[0].keys()) if rows else ""); sys.exit()
if col == "@steps": print(" ".join(r["step"] for r in rows)); sys.exit()
if col == "@rows": print(len(rows)); sys.exit()
vals = [(r["step"], r[col]) for r in rows if r.get(col)]
print(" ".join(s for s, _ in vals))
PY
}
latest() { ls -d out/lightning_logs/version_* | sort -t_ -k3 -n | tail -1; }

# A fit: the run folder, the keys, the rows at Lightning's steps.
run "fit" 0 "" fit base.yaml
v=$(latest)
for f in metrics.csv hparams.yaml config.yaml config.resolved.yaml checkpoints/last.ckpt; do
  [ -f "$v/$f" ] && ok || bad "fit: no $v/$f"
done
hdr=$(csv @header "$v/metrics.csv")
for k in epoch step train/loss/step train/loss/epoch train/metrics/MulticlassAccuracy/step \
         train/metrics/MulticlassAccuracy/epoch train/optimizer/SGD/lr/epoch train/optimizer/SGD/momentum/epoch \
         val/loss/step val/loss/epoch val/metrics/MulticlassAccuracy/step val/metrics/MulticlassAccuracy/epoch; do
  grep -q "\(^\|,\)$k\(,\|$\)" <<<"$hdr" && ok || bad "fit: no column $k in $hdr"
done
# Lighter logs the weight decay only when there is one
grep -q "weight_decay" <<<"$hdr" && bad "fit: a weight_decay column without weight decay: $hdr" || ok
# Lightning's steps: training steps 0-based (every step here), validation batches at their running count
# (2 a validation), each epoch's validation and training rows at its last step
[ "$(csv train/loss/step "$v/metrics.csv")" = "$(seq -s ' ' 0 15)" ] && ok || bad "fit: train steps 0..15 expected: $(csv train/loss/step "$v/metrics.csv")"
[ "$(csv val/loss/step "$v/metrics.csv")" = "0 1 2 3" ] && ok || bad "fit: val batches 0..3 expected: $(csv val/loss/step "$v/metrics.csv")"
[ "$(csv val/loss/epoch "$v/metrics.csv")" = "7 15" ] && ok || bad "fit: val at the end of each epoch: $(csv val/loss/epoch "$v/metrics.csv")"
[ "$(csv train/loss/epoch "$v/metrics.csv")" = "7 15" ] && ok || bad "fit: train epoch rows: $(csv train/loss/epoch "$v/metrics.csv")"
grep -q "seed: 3" "$v/config.yaml" && grep -q "lighter.SupervisedModule" "$v/hparams.yaml" && ok || bad "fit: configs not saved"
# Python loads the checkpoint and the network's weights into the same nn.Sequential
"$PY" - "$v/checkpoints/last.ckpt" <<'PY' && ok || bad "fit: last.ckpt in Python"
import sys, torch
ck = torch.load(sys.argv[1])
sd = {k[len("network."):]: v for k, v in ck["state_dict"].items()}
net = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
net.load_state_dict(sd, strict=True)
assert ck["epoch"] == 1 and ck["global_step"] == 16, (ck["epoch"], ck["global_step"])
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
opt.load_state_dict(ck["optimizer_states"][0])
# Lightning's layout: the config as the hyperparameters, the version whose layout it is
assert ck["hyper_parameters"]["seed"] == 3 and ck["hyper_parameters"]["trainer"]["max_epochs"] == 2, ck["hyper_parameters"]
assert ck["hparams_name"] == "kwargs" and ck["pytorch-lightning_version"] == "2.2.5"
fit = ck["loops"]["fit_loop"]
assert fit["epoch_progress"]["current"] == {"ready": 2, "completed": 1, "started": 2, "processed": 2}, fit["epoch_progress"]
assert fit["epoch_loop.batch_progress"]["total"]["completed"] == 16 and fit["epoch_loop.batch_progress"]["is_last_batch"]
assert fit["epoch_loop.automatic_optimization.optim_progress"]["optimizer"]["step"]["total"]["completed"] == 16
PY
# the same seed, the same run
run "fit again" 0 "" fit base.yaml
v2=$(latest)
[ "$(csv train/loss/epoch "$v2/metrics.csv")" = "$(csv train/loss/epoch "$v/metrics.csv")" ] && \
  "$PY" -c "import csv,sys; a=[r['train/loss/epoch'] for r in csv.DictReader(open('$v/metrics.csv'))]; b=[r['train/loss/epoch'] for r in csv.DictReader(open('$v2/metrics.csv'))]; sys.exit(a!=b)" \
  && ok || bad "fit: the same seed gives another loss"
[ "$v2" != "$v" ] && ok || bad "fit: run folder reused"

# test and validate from the last checkpoint; predict saves its predictions
run "test" 0 "test/metrics/MulticlassAccuracy/epoch" test base.yaml --ckpt_path last
run "validate" 0 "val/loss/epoch" validate base.yaml --ckpt-path="$v/checkpoints/last.ckpt"
# the results table: once, on stdout, in Lightning's layout; --verbose=false (Lightning's verbose) leaves it out
"$H" test base.yaml --ckpt_path last >table.out 2>table.err
[ "$(grep -c 'Test metric *DataLoader 0' table.out)" = 1 ] && grep -q "^ *test/metrics/MulticlassAccuracy/epoch  *0\.[0-9]*$" table.out \
  && ! grep -q "test/" table.err && ok || bad "test: the results table: $(cat table.out table.err)"
"$H" test base.yaml --ckpt_path last --verbose=false >table.out 2>&1
grep -q "test/" table.out && bad "test --verbose=false: a table: $(cat table.out)" || ok
run "--verbose value" 2 "--verbose takes true or false, not 'yes'" test base.yaml --verbose=yes
# the model summary (the LighterModule's top-level modules, as Lightning's), the log-interval warning,
# fast_dev_run's notice
run "summary" 0 "1 | criterion     | CrossEntropyLoss | 0      | train" fit base.yaml trainer::max_epochs=1 \
  trainer::enable_model_summary=true
grep -q "^0 | network       | Sequential       | 163    | train$" <<<"$out" && grep -q "^163       Total params$" <<<"$out" \
  && grep -q "^2 | train_metrics | MetricCollection | 0      | train$" <<<"$out" && ok || bad "summary: $out"
run "log interval warning" 0 "The number of training batches (8) is smaller than the logging interval Trainer(log_every_n_steps=50)" \
  fit base.yaml trainer::max_epochs=1 trainer::log_every_n_steps=50
run "fast_dev_run notice" 0 "Running in \`fast_dev_run\` mode: will run the requested loop using 1 batch(es)" fit base.yaml \
  =trainer::fast_dev_run=true
# predictions.pt holds what each predict step returned, as Lightning's
# trainer.predict: a dict per batch with every key (it held only pred)
run "predict" 0 "2 batches of predictions (each a dict of pred, input) in" predict base.yaml --ckpt_path last --return_predictions
"$PY" -c "import torch,sys; p=torch.load('$(latest)/predictions.pt'); sys.exit(not (len(p)==2 and list(p[0])==['pred','input'] and p[0]['pred'].shape==(16,3) and p[1]['input'].shape==(16,6)))" \
  && ok || bad "predict: predictions.pt"
# a C model's predict step with more outputs (tests/plugins/predict_outputs.c): all of them, nested ones too
run "predict outputs" 0 "(each a dict of pred, probs, count, tag, extra)" predict base.yaml --plugins plugins \
  model::_target_=test.PredictOutputs --return_predictions
"$PY" - "$(latest)/predictions.pt" <<'PY' && ok || bad "predict outputs: predictions.pt"
import sys, torch
p = torch.load(sys.argv[1])
b = p[1]
assert len(p) == 2 and list(b) == ["pred", "probs", "count", "tag", "extra"], p
assert b["pred"].shape == (16, 3) and torch.allclose(b["probs"], torch.softmax(b["pred"], 1))
assert b["count"] == 16 and b["tag"] == "predict"
assert list(b["extra"]) == ["sum", "batch", "top"] and b["extra"]["batch"] == 1.0
assert torch.allclose(b["extra"]["sum"], b["pred"].sum()) and torch.equal(b["extra"]["top"][0], b["pred"].argmax(1))
PY

# flags: the steps and rows they give
run "limit_train_batches" 0 "" fit base.yaml =trainer::limit_train_batches=3 =trainer::max_epochs=1
[ "$(csv train/loss/step "$(latest)/metrics.csv")" = "0 1 2" ] && ok || bad "limit_train_batches: $(csv train/loss/step "$(latest)/metrics.csv")"
run "limit fraction" 0 "" fit base.yaml =trainer::limit_train_batches=0.5 =trainer::max_epochs=1
[ "$(csv train/loss/step "$(latest)/metrics.csv")" = "0 1 2 3" ] && ok || bad "limit fraction: $(csv train/loss/step "$(latest)/metrics.csv")"
run "max_steps" 0 "" fit base.yaml trainer::max_epochs=5 =trainer::max_steps=11
[ "$(csv train/loss/step "$(latest)/metrics.csv" | awk '{print $NF}')" = "10" ] && ok || bad "max_steps: $(csv train/loss/step "$(latest)/metrics.csv")"
run "accumulate" 0 "" fit base.yaml =trainer::accumulate_grad_batches=2
[ "$(csv train/loss/step "$(latest)/metrics.csv")" = "0 1 2 3 4 5 6 7" ] && ok || bad "accumulate: $(csv train/loss/step "$(latest)/metrics.csv")"
run "check_val_every_n_epoch" 0 "" fit base.yaml trainer::max_epochs=4 =trainer::check_val_every_n_epoch=2
[ "$(csv val/loss/epoch "$(latest)/metrics.csv")" = "15 31" ] && ok || bad "check_val_every_n_epoch: $(csv val/loss/epoch "$(latest)/metrics.csv")"
run "val_check_interval" 0 "" fit base.yaml =trainer::val_check_interval=3 trainer::max_epochs=1
[ "$(csv val/loss/epoch "$(latest)/metrics.csv")" = "2 5 7" ] && ok || bad "val_check_interval: $(csv val/loss/epoch "$(latest)/metrics.csv")"
run "log_every_n_steps" 0 "" fit base.yaml trainer::log_every_n_steps=5
[ "$(csv train/loss/step "$(latest)/metrics.csv")" = "4 9 14" ] && ok || bad "log_every_n_steps: $(csv train/loss/step "$(latest)/metrics.csv")"
run "overfit_batches" 0 "" fit base.yaml =trainer::overfit_batches=2 trainer::max_epochs=3
[ "$(csv train/loss/step "$(latest)/metrics.csv")" = "0 1 2 3 4 5" ] && \
  [ "$(csv val/loss/epoch "$(latest)/metrics.csv")" = "1 3 5" ] && ok || bad "overfit_batches: $(csv @steps "$(latest)/metrics.csv")"
# max_time cuts the first epoch of 50,000 steps short (its rows say so: no clock here)
run "max_time" 0 "max_time reached after epoch 0" fit base.yaml =trainer::max_time=00:00:00:02 \
  data::train_dataloader::dataset::num_samples=400000 trainer::max_epochs=3
[ "$(csv @rows "$(latest)/metrics.csv")" -lt 50000 ] && ok || bad "max_time: $(csv @rows "$(latest)/metrics.csv") rows"
run "gradient clipping" 0 "" fit base.yaml =trainer::gradient_clip_val=0.01 =trainer::gradient_clip_algorithm=value
n_before=$(ls -d out/lightning_logs/version_* | wc -l)
run "fast_dev_run" 0 "" fit base.yaml =trainer::fast_dev_run=true
[ "$(ls -d out/lightning_logs/version_* | wc -l)" = "$n_before" ] && ok || bad "fast_dev_run wrote a run folder"
run "logger false" 0 "" fit base.yaml =trainer::logger=false =trainer::enable_checkpointing=false trainer::max_epochs=1
run "own CSVLogger" 0 "" fit base.yaml trainer::max_epochs=1 \
  "=trainer::logger={_target_: pytorch_lightning.loggers.CSVLogger, save_dir: logs, name: exp, version: 7, flush_logs_every_n_steps: 3}"
[ -f logs/exp/version_7/metrics.csv ] && ok || bad "CSVLogger: no logs/exp/version_7/metrics.csv"
# flushed every 3 steps, still every step's row and every key in the header
[ "$(csv train/loss/step logs/exp/version_7/metrics.csv)" = "$(seq -s ' ' 0 7)" ] && \
  grep -q "val/metrics/MulticlassAccuracy/epoch" <<<"$(csv @header logs/exp/version_7/metrics.csv)" && ok \
  || bad "CSVLogger flushes: $(csv train/loss/step logs/exp/version_7/metrics.csv)"
# (the optimizer's settings are logged as Lighter reads them, in each epoch's first step: epoch 1 sees 8 steps)
run "scheduler per step" 0 "" fit base.yaml trainer::max_epochs=2 \
  "=model::scheduler={scheduler: {_target_: torch.optim.lr_scheduler.StepLR, optimizer: '@model::optimizer', step_size: 4, gamma: 0.5}, interval: step}"
"$PY" -c "import csv,sys; r=[float(x['train/optimizer/SGD/lr/epoch']) for x in csv.DictReader(open('$(latest)/metrics.csv')) if x['train/optimizer/SGD/lr/epoch']]; sys.exit(not (len(r) == 2 and abs(r[0]-0.1)<1e-9 and abs(r[1]-0.025)<1e-9))" \
  && ok || bad "scheduler per step: lr at the first step of epochs 0 and 1 (after 8 steps of StepLR(4, 0.5)) should be 0.1 and 0.025: $(csv train/optimizer/SGD/lr/epoch "$(latest)/metrics.csv")"

# user errors: message and exit status
run "model not a model" 2 "'model' is torch.nn.Linear; it must be a model" fit base.yaml \
  "=model={_target_: torch.nn.Linear, in_features: 1, out_features: 1}"
run "no trainer" 2 "the config has no 'trainer'" fit base.yaml "~trainer"
run "no optimizer" 1 "fit needs an optimizer: give model::optimizer" fit base.yaml "~model::optimizer"
run "no train data" 1 "fit needs a training loader" fit base.yaml "~data::train_dataloader"
run "unknown option" 2 "unknown option '--ckpt'" fit base.yaml --ckpt x
run "monitor misspelled" 1 "the scheduler monitors 'val/los/epoch', which is not logged; logged keys: " fit base.yaml \
  "=model::scheduler={scheduler: {_target_: torch.optim.lr_scheduler.ReduceLROnPlateau, optimizer: '@model::optimizer'}, monitor: val/los/epoch}"
grep -qF "val/loss/epoch" <<<"$out" && ok || bad "monitor: the available keys are not listed: $out"
run "wrong checkpoint" 1 "does not fit this model: 'network.0.weight' is [16, 6] there, [16, 7] here" test base.yaml \
  --ckpt_path "$v/checkpoints/last.ckpt" model::network::_args_::0::in_features=7
run "shape error in a step" 1 "validation_step of lighter.SupervisedModule (epoch 0, batch 0) failed: lt_linear" fit base.yaml \
  model::network::_args_::2::in_features=15
for m in "none:returned no 'loss'" "nototal:returned a loss dict without 'total'" \
         "vector:returned a loss of shape [8, 3]; it must be a scalar" "fail:failed: the step refuses this batch" \
         "nan:gave a NaN loss; stopping before it reaches the weights"; do
  run "bad step ${m%%:*}" 1 "${m#*:}" fit base.yaml --plugins plugins "model::_target_=test.BadSteps" "=model::mode=${m%%:*}"
done
grep -qF "training_step of test.BadSteps (epoch 0, batch 0)" <<<"$out" && ok || bad "bad step: where is missing: $out"

# a C model whose training loss is a dict: total and its parts, by name
run "loss dict" 0 "" fit base.yaml --plugins plugins "model::_target_=examples.FashionCNN" "=model::logit_l2=0.01" \
  trainer::max_epochs=1
hdr=$(csv @header "$(latest)/metrics.csv")
for k in train/loss/total/step train/loss/ce/step train/loss/total/epoch train/loss/ce/epoch val/loss/epoch; do
  grep -q "\(^\|,\)$k\(,\|$\)" <<<"$hdr" && ok || bad "loss dict: no column $k in $hdr"
done

# hooks: Lightning's order, callbacks in list order, then the model
cat > hooks.yaml <<'YAML'
trainer::max_epochs: 2
trainer::limit_train_batches: 2
trainer::limit_val_batches: 1
trainer::num_sanity_val_steps: 1
=trainer::callbacks:
  - {_target_: test.HookRecorder, path: hooks.txt, name: cb1}
  - {_target_: test.HookRecorder, path: hooks.txt, name: cb2}
model::_target_: test.HookModel
=model::path: hooks.txt
YAML
rm -f hooks.txt
run "hooks" 0 "" fit base.yaml hooks.yaml --plugins plugins
val="on_validation_start on_validation_epoch_start on_validation_batch_start on_validation_batch_end on_validation_epoch_end on_validation_end"
epoch="on_train_epoch_start on_train_batch_start on_train_batch_end on_train_batch_start on_train_batch_end $val on_train_epoch_end on_save_checkpoint"
want="setup on_fit_start on_sanity_check_start $val on_sanity_check_end on_train_start $epoch $epoch on_train_end on_fit_end teardown"
got=$(awk '$1 == "cb1" {print $2}' hooks.txt | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] && ok || bad "hook order: got $got"
"$PY" - hooks.txt <<'PY' && ok || bad "hooks: not cb1, cb2, model for each hook"
import sys
lines = [l.split() for l in open(sys.argv[1])]
assert len(lines) % 3 == 0
for i in range(0, len(lines), 3):
    assert [l[0] for l in lines[i:i + 3]] == ["cb1", "cb2", "model"], lines[i:i + 3]
    assert lines[i][1] == lines[i + 1][1] == lines[i + 2][1]
assert all(l[-1] == "loss" for l in lines if l[1] == "on_train_batch_end")
PY
run "hook fails" 1 "test.HookRecorder, hook setup (epoch 0, step 0): input/output error" fit base.yaml --plugins plugins \
  "=trainer::callbacks=[{_target_: test.HookRecorder, path: /nonexistent/dir/h.txt}]"

# EarlyStopping: a monitored value that cannot improve stops after patience checks
run "EarlyStopping" 0 "did not improve in the last 2 records" fit base.yaml trainer::max_epochs=20 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.EarlyStopping, monitor: val/loss/epoch, patience: 2}]" \
  "model::optimizer::lr=0.0"
[ "$(csv val/loss/epoch "$(latest)/metrics.csv" | wc -w)" = 3 ] && ok || bad "EarlyStopping: 3 validations expected: $(csv val/loss/epoch "$(latest)/metrics.csv")"
run "EarlyStopping strict" 1 "Early stopping conditioned on metric \`val/acc\` which is not available" fit base.yaml \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.EarlyStopping, monitor: val/acc}]"
grep -qF "val/metrics/MulticlassAccuracy/epoch" <<<"$out" && ok || bad "EarlyStopping strict: keys not listed: $out"
# LearningRateMonitor: Lightning's key names
run "LearningRateMonitor" 0 "" fit base.yaml \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.LearningRateMonitor, logging_interval: step, log_momentum: true}]"
hdr=$(csv @header "$(latest)/metrics.csv")
grep -q ",lr-SGD," <<<"$hdr,"  && grep -q ",lr-SGD-momentum," <<<"$hdr," && ok || bad "LearningRateMonitor: $hdr"
[ "$(csv lr-SGD "$(latest)/metrics.csv" | wc -w)" = 16 ] && ok || bad "LearningRateMonitor per step: $(csv lr-SGD "$(latest)/metrics.csv")"
# ... at the batches where the trainer logs (log_every_n_steps), in rows of their own without an epoch,
# and by default at each epoch's start too (the optimizer has no scheduler)
run "LearningRateMonitor log_every_n_steps" 0 "" fit base.yaml trainer::log_every_n_steps=4 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.LearningRateMonitor, logging_interval: step}]"
[ "$(csv lr-SGD "$(latest)/metrics.csv")" = "3 7 11 15" ] && ok || bad "LearningRateMonitor every 4 steps: $(csv lr-SGD "$(latest)/metrics.csv")"
"$PY" -c "import csv,sys; sys.exit(any(r['epoch'] for r in csv.DictReader(open('$(latest)/metrics.csv')) if r['lr-SGD']))" \
  && ok || bad "LearningRateMonitor: its rows have an epoch"
run "LearningRateMonitor default" 0 "" fit base.yaml trainer::log_every_n_steps=4 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.LearningRateMonitor}]"
[ "$(csv lr-SGD "$(latest)/metrics.csv")" = "0 3 7 8 11 15" ] && ok || bad "LearningRateMonitor default: $(csv lr-SGD "$(latest)/metrics.csv")"
# the optimizer's weight decay is logged when there is one
run "weight_decay logged" 0 "" fit base.yaml trainer::max_epochs=1 model::optimizer::weight_decay=0.01
[ "$(csv train/optimizer/SGD/weight_decay/epoch "$(latest)/metrics.csv")" = "7" ] && ok \
  || bad "weight_decay: $(csv @header "$(latest)/metrics.csv")"

# ModelCheckpoint: the best k by a monitor, named by the template; test from the best
run "ModelCheckpoint" 0 "" fit base.yaml trainer::max_epochs=4 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, monitor: val/loss/epoch, save_top_k: 2, filename: '{epoch}-{val/loss/epoch:.3f}'}]"
ck=$(ls "$(latest)/checkpoints" | grep -v last.ckpt | sort)
[ "$(wc -l <<<"$ck")" = 2 ] && grep -q "^epoch=[0-9]-val_loss_epoch=[0-9.]*\.ckpt$" <<<"$ck" && ok || bad "ModelCheckpoint files: $ck"
best=$("$PY" -c "
import csv
rows = [r for r in csv.DictReader(open('$(latest)/metrics.csv')) if r['val/loss/epoch']]
b = min(rows, key=lambda r: float(r['val/loss/epoch']))
print('epoch=%s-val_loss_epoch=%.3f.ckpt' % (b['epoch'], float(b['val/loss/epoch'])))")
grep -qx "$best" <<<"$ck" && ok || bad "ModelCheckpoint: the best ($best) is not kept: $ck"
run "ckpt_path best" 0 "$best" test base.yaml --ckpt_path best
run "ckpt_path best without runs" 1 "no run to take the best checkpoint of" test base.yaml --ckpt_path best \
  trainer::default_root_dir=other
run "fit without ModelCheckpoint" 0 "" fit base.yaml trainer::default_root_dir=other trainer::max_epochs=1
# Lightning's default checkpointing: the latest epoch=E-step=S.ckpt, and last.ckpt a link to it
newest_other() { echo "$(ls -d other/lightning_logs/version_* | sort -V | tail -1)/checkpoints"; }
dc=$(newest_other)
[ "$(ls "$dc" | tr '\n' ' ')" = "epoch=0-step=8.ckpt last.ckpt " ] && [ "$(readlink "$dc/last.ckpt")" = "epoch=0-step=8.ckpt" ] \
  && ok || bad "default checkpointing: $(ls -l "$dc")"
run "resume the default checkpoint" 0 "loaded the run from" fit base.yaml trainer::default_root_dir=other \
  trainer::max_epochs=3 --ckpt_path last
dc=$(newest_other)
[ "$(ls "$dc" | tr '\n' ' ')" = "epoch=2-step=24.ckpt last.ckpt " ] && [ "$(readlink "$dc/last.ckpt")" = "epoch=2-step=24.ckpt" ] \
  && ok || bad "default checkpointing, resumed: only the latest epoch's file: $(ls -l "$dc")"
# ... whose state, as Lightning's default ModelCheckpoint keeps it, names that file as the best
run "ckpt_path best without ModelCheckpoint" 0 "loaded weights from '$dc/epoch=2-step=24.ckpt'" test base.yaml \
  --ckpt_path best trainer::default_root_dir=other
# a last.ckpt that records no ModelCheckpoint (an older one of ours): no best to take
mkdir -p nobest/lightning_logs/version_0/checkpoints
"$PY" -c "import torch, sys; c = torch.load(sys.argv[1]); c['callbacks'] = {}; torch.save(c, sys.argv[2])" \
  "$dc/last.ckpt" nobest/lightning_logs/version_0/checkpoints/last.ckpt
run "ckpt_path best without a recorded best" 1 "records no best checkpoint" test base.yaml --ckpt_path best \
  trainer::default_root_dir=nobest

# resuming mid-epoch ends bit for bit where the uninterrupted run ends (dropout included)
cat > resume.yaml <<'YAML'
trainer::default_root_dir: rs
=model::network::_args_::1: {_target_: torch.nn.Dropout, p: 0.3}
=trainer::callbacks:
  - {_target_: pytorch_lightning.callbacks.ModelCheckpoint, every_n_train_steps: 3, save_top_k: -1}
YAML
run "fit with step checkpoints" 0 "" fit base.yaml resume.yaml
[ -f rs/lightning_logs/version_0/checkpoints/epoch=0-step=3.ckpt ] && ok || bad "every_n_train_steps: $(ls rs/lightning_logs/version_0/checkpoints)"
run "resume mid-epoch" 0 "loaded the run from" fit base.yaml resume.yaml \
  --ckpt_path rs/lightning_logs/version_0/checkpoints/epoch=0-step=3.ckpt
"$PY" - rs/lightning_logs/version_0 rs/lightning_logs/version_1 <<'PY' && ok || bad "resume mid-epoch: not the same run"
import csv, sys, torch
a, b = (torch.load(f"{d}/checkpoints/last.ckpt") for d in sys.argv[1:3])
assert a["global_step"] == b["global_step"] == 16
for k in a["state_dict"]:
    assert torch.equal(a["state_dict"][k], b["state_dict"][k]), k
la, lb = ([r["train/loss/epoch"] for r in csv.DictReader(open(f"{d}/metrics.csv")) if r["train/loss/epoch"]] for d in sys.argv[1:3])
assert la == lb, (la, lb)
PY

# Freezer: network.0 stays as it is until step 4, network.2 trains from the start
run "Freezer" 0 "" fit base.yaml trainer::max_epochs=1 trainer::default_root_dir=fz \
  "=trainer::callbacks=[{_target_: lighter.callbacks.Freezer, name_starts_with: network.0, until_step: 4}, {_target_: pytorch_lightning.callbacks.ModelCheckpoint, every_n_train_steps: 2, save_top_k: -1}]"
"$PY" - fz/lightning_logs/version_0/checkpoints <<'PY' && ok || bad "Freezer: frozen weights moved (or free ones did not)"
import sys, torch
c = {s: torch.load(f"{sys.argv[1]}/epoch=0-step={s}.ckpt")["state_dict"] for s in (2, 4, 6)}
assert torch.equal(c[2]["network.0.weight"], c[4]["network.0.weight"])
assert not torch.equal(c[4]["network.0.weight"], c[6]["network.0.weight"])
assert not torch.equal(c[2]["network.2.weight"], c[4]["network.2.weight"])
PY
run "Freezer names nothing" 1 "Freezer: no parameter matches names / name_starts_with; the model has: network.0.weight" fit base.yaml \
  "=trainer::callbacks=[{_target_: lighter.callbacks.Freezer, names: [net.0.weight]}]"

# predict writers: a CSV row per sample (ids from the data), a file per sample, PNG images
"$PY" -c "
import random
r = random.Random(0)
with open('ids.csv', 'w') as f:
    f.write('id,a,b,c,d,e,f\\n')
    for i in range(20): f.write(','.join([str(100 + i)] + ['%.3f' % r.gauss(0, 1) for _ in range(6)]) + '\\n')"
cat > writers.yaml <<'YAML'
=data::predict_dataloader:
  _target_: torch.utils.data.DataLoader
  batch_size: 8
  dataset: {_target_: lighter.datasets.CSVDataset, path: ids.csv, id_column: id}
=trainer::callbacks:
  - {_target_: lighter.callbacks.CsvWriter, path: preds.csv, keys: [id, pred]}
  - {_target_: lighter.callbacks.FileWriter, directory: files, value_key: pred, writer_fn: text, name_key: id}
  - {_target_: lighter.callbacks.FileWriter, directory: tensors, value_key: pred, writer_fn: tensor}
YAML
run "predict writers" 0 "CsvWriter: 20 rows in" predict base.yaml writers.yaml
v=$(latest)
[ "$(head -1 "$v/preds.csv")" = "id,pred" ] && [ "$(wc -l < "$v/preds.csv")" = 21 ] && grep -q "^119," "$v/preds.csv" && ok \
  || bad "CsvWriter: $(head -3 "$v/preds.csv")"
[ -f "$v/files/107.txt" ] && [ "$(wc -w < "$v/files/107.txt")" = 3 ] && ok || bad "FileWriter text: $(ls "$v/files" | head -3)"
"$PY" -c "import torch,sys; t=torch.load('$v/tensors/19.pt')['value']; sys.exit(t.shape != (3,))" && ok || bad "FileWriter tensor"
cat > images.yaml <<'YAML'
=model::network:
  _target_: torch.nn.Sequential
  _args_: [{_target_: torch.nn.Flatten}, {_target_: torch.nn.Linear, in_features: 20, out_features: 3}]
=data::predict_dataloader:
  _target_: torch.utils.data.DataLoader
  batch_size: 4
  dataset: {_target_: lighter.datasets.SyntheticDataset, num_samples: 6, input_shape: [1, 4, 5]}
=trainer::callbacks: [{_target_: lighter.callbacks.FileWriter, directory: img, value_key: input, writer_fn: image_2d}]
YAML
run "FileWriter image_2d" 0 "" predict base.yaml images.yaml
"$PY" - "$(latest)/img/5.png" <<'PY' && ok || bad "FileWriter image_2d: not a 5x4 grey PNG"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n"
w, h, depth, color = struct.unpack(">IIBB", b[16:26])
assert (w, h, depth, color) == (5, 4, 8, 0), (w, h, depth, color)
i = b.index(b"IDAT")
n = struct.unpack(">I", b[i - 4:i])[0]
assert len(zlib.decompress(b[i + 4:i + 4 + n])) == 4 * (1 + 5)
PY
run "writer key missing" 1 "CsvWriter: the predict step gives no 'probs'; it gives: pred" predict base.yaml \
  "=trainer::callbacks=[{_target_: lighter.callbacks.CsvWriter, path: p.csv, keys: [probs]}]"

# a checkpoint rebuilt in PyTorch scores the same test accuracy as lighter-host's test
"$PY" -c "
import random
r = random.Random(1)
with open('cls.csv', 'w') as f:
    f.write('a,b,c,d,e,f,y\\n')
    for i in range(96):
        y = i % 3
        f.write(','.join('%.3f' % (r.gauss(0, 1) + (1.5 if j == y else 0)) for j in range(6)) + ',%d\\n' % y)"
cat > cls.yaml <<'YAML'
trainer::default_root_dir: cls
=data::test_dataloader:
  _target_: torch.utils.data.DataLoader
  batch_size: 32
  dataset: {_target_: lighter.datasets.CSVDataset, path: cls.csv, target_column: y, target_dtype: int64}
YAML
run "fit for the accuracy check" 0 "" fit base.yaml cls.yaml
run "test for the accuracy check" 0 "test/metrics/MulticlassAccuracy/epoch" test base.yaml cls.yaml --ckpt_path last
acc=$(grep "^test/metrics/MulticlassAccuracy/epoch " <<<"$out" | head -1 | awk '{print $2}')
"$PY" - "$(ls -d cls/lightning_logs/version_0)/checkpoints/last.ckpt" "$acc" <<'PY' && ok || bad "Python accuracy differs from $acc"
import csv, sys, torch
sd = {k[len("network."):]: v for k, v in torch.load(sys.argv[1])["state_dict"].items()}
net = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
net.load_state_dict(sd, strict=True)
rows = list(csv.DictReader(open("cls.csv")))
x = torch.tensor([[float(r[k]) for k in "abcdef"] for r in rows])
y = torch.tensor([int(r["y"]) for r in rows])
acc = (net(x).argmax(1) == y).float().mean().item()
assert abs(acc - float(sys.argv[2])) < 1e-6, (acc, sys.argv[2])
PY

# SIGKILL at random moments (checkpoint writes included): a loadable last.ckpt is always
# left (or none yet), and the resumed run ends with the uninterrupted run's weights.
# The moment is a state, not a time: after the Nth training step's on_train_batch_end
# (N random in 0..150; the recorder comes before ModelCheckpoint, so the kill lands in
# or next to that step's checkpoint write), or for N=0 as soon as the run catches ^C.
cat > kill.yaml <<'YAML'
trainer::max_epochs: 3
data::train_dataloader::dataset::num_samples: 400
=model::network::_args_::1: {_target_: torch.nn.Dropout, p: 0.2}
=trainer::callbacks:
  - {_target_: test.HookRecorder, path: steps.txt}
  - {_target_: pytorch_lightning.callbacks.ModelCheckpoint, every_n_train_steps: 1, save_last: true}
YAML
run "uninterrupted" 0 "" fit base.yaml kill.yaml trainer::default_root_dir=k_ref --plugins plugins
kills=${KILL_TRIALS:-20}
for i in $(seq 1 "$kills"); do
  rm -f steps.txt
  n=$("$PY" -c "import random; random.seed($i); print(random.randint(0, 150))")
  "$H" fit base.yaml kill.yaml trainer::default_root_dir=k$i --plugins plugins > /dev/null 2>&1 & pid=$!
  if [ "$n" = 0 ]; then wait_catching $pid; else wait_line steps.txt " on_train_batch_end " "$n" $pid; fi
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  ck=$(ls k$i/lightning_logs/version_0/checkpoints/last.ckpt 2>/dev/null)
  if [ -n "$ck" ] && ! "$PY" -c "import torch; torch.load('$ck')" 2>/dev/null; then bad "kill $i: last.ckpt does not load"; continue; fi
  if ! "$H" fit base.yaml kill.yaml trainer::default_root_dir=k$i --plugins plugins --ckpt_path last > kill$i.log 2>&1; then
    bad "kill $i: the resume failed: $(tail -3 kill$i.log)"; continue
  fi
  "$PY" - k_ref/lightning_logs/version_0 "$(ls -d k$i/lightning_logs/version_* | sort -t_ -k3 -n | tail -1)" <<'PY' \
    && ok || bad "kill $i (after step $n): the resumed run ends elsewhere ($(head -1 kill$i.log))"
import sys, torch
a, b = (torch.load(f"{d}/checkpoints/last.ckpt")["state_dict"] for d in sys.argv[1:3])
assert all(torch.equal(a[k], b[k]) for k in a)
PY
done

# a full disk (here a file size limit) fails the save with a clear message and leaves
# the previous checkpoint as it was
# (dirpath is absolute: both runs share the folder; a relative one is inside each run)
cat > big.yaml <<YAML
trainer::max_epochs: 1
=model::network::_args_::0: {_target_: torch.nn.Linear, in_features: 6, out_features: 4000}
=model::network::_args_::2: {_target_: torch.nn.Linear, in_features: 4000, out_features: 3}
=trainer::callbacks: [{_target_: pytorch_lightning.callbacks.ModelCheckpoint, dirpath: $work/fixed, save_last: true}]
YAML
run "checkpoint before the disk fills" 0 "" fit base.yaml big.yaml
before=$(md5sum < fixed/last.ckpt)
out=$( (ulimit -f 100; "$H" fit base.yaml big.yaml trainer::max_epochs=2) 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q "cannot save checkpoint '$work/fixed/.*File too large (the previous one is intact)" <<<"$out" && ok \
  || bad "disk full: exit $rc: $out"
[ "$(md5sum < fixed/last.ckpt)" = "$before" ] && "$PY" -c "import torch; torch.load('fixed/last.ckpt')" && ok \
  || bad "disk full: the previous checkpoint changed"
ls fixed | grep -q tmp && bad "disk full: a temporary file is left: $(ls fixed)" || ok

# more callback options
run "EarlyStopping stopping_threshold" 0 "Stopping threshold reached: val/loss/epoch" fit base.yaml trainer::max_epochs=5 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.EarlyStopping, monitor: val/loss/epoch, stopping_threshold: 1.0e9}]"
[ "$(csv val/loss/epoch "$(latest)/metrics.csv" | wc -w)" = 1 ] && ok || bad "stopping_threshold: $(csv val/loss/epoch "$(latest)/metrics.csv")"
run "EarlyStopping divergence_threshold" 0 "Divergence threshold reached" fit base.yaml trainer::max_epochs=5 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.EarlyStopping, monitor: val/loss/epoch, divergence_threshold: -1.0}]"
run "EarlyStopping min_epochs" 0 "" fit base.yaml trainer::max_epochs=5 =trainer::min_epochs=3 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.EarlyStopping, monitor: val/loss/epoch, stopping_threshold: 1.0e9}]"
[ "$(csv val/loss/epoch "$(latest)/metrics.csv" | wc -w)" = 3 ] && ok || bad "min_epochs with a stop: $(csv val/loss/epoch "$(latest)/metrics.csv")"
run "ModelCheckpoint every_n_epochs" 0 "" fit base.yaml trainer::max_epochs=4 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, every_n_epochs: 2, save_top_k: -1}]"
[ "$(ls "$(latest)/checkpoints" | grep -v last | tr '\n' ' ')" = "epoch=1-step=16.ckpt epoch=3-step=32.ckpt " ] && ok \
  || bad "every_n_epochs: $(ls "$(latest)/checkpoints")"
run "ModelCheckpoint save_weights_only" 0 "" fit base.yaml trainer::max_epochs=1 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, save_weights_only: true, filename: w}]"
"$PY" -c "import torch,sys; c=torch.load('$(latest)/checkpoints/w.ckpt'); sys.exit(not ('state_dict' in c and 'optimizer_states' not in c))" \
  && ok || bad "save_weights_only: the checkpoint has more than the weights"
run "ModelCheckpoint mode max" 0 "" fit base.yaml trainer::max_epochs=3 \
  "=trainer::callbacks=[{_target_: pytorch_lightning.callbacks.ModelCheckpoint, monitor: val/loss/epoch, mode: max, filename: best}]"
"$PY" - "$(latest)" <<'PY' && ok || bad "ModelCheckpoint mode max: not the highest val loss"
import csv, sys, torch
rows = [r for r in csv.DictReader(open(f"{sys.argv[1]}/metrics.csv")) if r["val/loss/epoch"]]
worst = max(rows, key=lambda r: float(r["val/loss/epoch"]))
assert torch.load(f"{sys.argv[1]}/checkpoints/best.ckpt")["epoch"] == int(worst["epoch"])
PY
run "Freezer until_epoch" 0 "" fit base.yaml trainer::max_epochs=2 trainer::default_root_dir=fz2 \
  "=trainer::callbacks=[{_target_: lighter.callbacks.Freezer, name_starts_with: network., except_name_starts_with: network.2, until_epoch: 1}, {_target_: pytorch_lightning.callbacks.ModelCheckpoint, every_n_train_steps: 2, save_top_k: -1}]"
"$PY" - fz2/lightning_logs/version_0/checkpoints <<'PY' && ok || bad "Freezer until_epoch / except: wrong weights moved"
import sys, torch
c = {s: torch.load(f"{sys.argv[1]}/epoch={(s - 1) // 8}-step={s}.ckpt")["state_dict"] for s in (2, 8, 10)}
assert torch.equal(c[2]["network.0.weight"], c[8]["network.0.weight"])
assert not torch.equal(c[8]["network.0.weight"], c[10]["network.0.weight"])
assert not torch.equal(c[2]["network.2.weight"], c[8]["network.2.weight"])
PY

# precision: 64-true trains float64 weights; bf16-mixed runs the steps under CPU autocast
run "precision 64-true" 0 "" fit base.yaml trainer::max_epochs=1 =trainer::precision=64-true
"$PY" -c "import torch,sys; c=torch.load('$(latest)/checkpoints/last.ckpt'); sys.exit(c['state_dict']['network.0.weight'].dtype != torch.float64)" \
  && ok || bad "64-true: the weights are not float64"
l32=$(csv train/loss/epoch "$(latest)/metrics.csv")
run "precision 32-true" 0 "" fit base.yaml trainer::max_epochs=1
run "precision bf16-mixed" 0 "" fit base.yaml trainer::max_epochs=1 =trainer::precision=bf16-mixed
"$PY" - "$(ls -d out/lightning_logs/version_* | sort -t_ -k3 -n | tail -2 | head -1)" "$(latest)" <<'PY' && ok || bad "bf16-mixed: not a (slightly) different run"
import csv, sys
a, b = (float([r for r in csv.DictReader(open(f"{d}/metrics.csv")) if r["train/loss/epoch"]][0]["train/loss/epoch"]) for d in sys.argv[1:3])
assert a != b and abs(a - b) < 0.05 * abs(a), (a, b)
PY
run "precision 16-mixed" 2 "precision 16-mixed is not supported on the CPU here" fit base.yaml =trainer::precision=16-mixed

# an interrupted fit stops after the step, saves last.ckpt and exits 130 (^C is sent once
# the fifth step is recorded: a state, not a time)
cat > slow.yaml <<'YAML'
data::train_dataloader::dataset::num_samples: 200000
trainer::max_epochs: 50
=trainer::callbacks: [{_target_: test.HookRecorder, path: int_hooks.txt}]
YAML
"$H" fit base.yaml slow.yaml --plugins plugins > int.log 2>&1 & pid=$!
wait_line int_hooks.txt " on_train_batch_end " 5 $pid; kill -INT $pid; wait $pid; rc=$?
[ "$rc" = 130 ] && grep -q "interrupted at epoch 0, batch [0-9]*; saving last.ckpt" int.log && [ -f "$(latest)/checkpoints/last.ckpt" ] && ok \
  || bad "SIGINT: exit $rc, $(cat int.log)"
# and the run resumes from there and completes
run "resume after SIGINT" 0 "loaded the run from" fit base.yaml slow.yaml --plugins plugins =trainer::max_epochs=1 --ckpt_path last

# ^C in a validation (at the epoch's end, and within the epoch by val_check_interval):
# last.ckpt resumes where it came, and the resumed epoch logs what an uninterrupted one logs
cat > longval.yaml <<'YAML'
trainer::max_epochs: 1
trainer::default_root_dir: lv
data::val_dataloader::dataset::num_samples: 400000
=trainer::callbacks: [{_target_: test.HookRecorder, path: val_hooks.txt}]
YAML
run "uninterrupted epoch" 0 "" fit base.yaml longval.yaml --plugins plugins trainer::default_root_dir=lv_ref \
  data::val_dataloader::dataset::num_samples=32
for vc in end 4; do
  rm -f val_hooks.txt
  extra=(); want=8
  [ "$vc" = 4 ] && extra=(=trainer::val_check_interval=4) want=4
  "$H" fit base.yaml longval.yaml --plugins plugins "${extra[@]}" trainer::default_root_dir=lv$vc > val$vc.log 2>&1 & pid=$!
  wait_line val_hooks.txt " on_validation_batch_end val " 3 $pid; kill -INT $pid; wait $pid; rc=$?
  [ "$rc" = 130 ] && grep -qF "interrupted at epoch 0, batch $want (during validation); saving last.ckpt" val$vc.log && ok \
    || bad "SIGINT in validation ($vc): exit $rc, $(cat val$vc.log)"
  run "resume after SIGINT in validation ($vc)" 0 "loaded the run from" fit base.yaml longval.yaml --plugins plugins \
    "${extra[@]}" trainer::default_root_dir=lv$vc data::val_dataloader::dataset::num_samples=32 --ckpt_path last
  "$PY" - lv_ref/lightning_logs/version_0 lv$vc/lightning_logs/version_1 "$want" <<'PY' && ok || bad "SIGINT in validation ($vc): the resumed epoch differs"
import csv, sys, torch
ck = torch.load(sys.argv[2].replace("version_1", "version_0") + "/checkpoints/last.ckpt")
fit = ck["loops"]["fit_loop"]  # within the epoch (not processed), at its batch `want`
ep, bp = fit["epoch_progress"]["current"], fit["epoch_loop.batch_progress"]["current"]
assert bp["completed"] == int(sys.argv[3]) and ep["ready"] == ep["processed"] + 1, ck["loops"]
a, b = (list(csv.DictReader(open(f"{d}/metrics.csv"))) for d in sys.argv[1:3])
for key in ["train/loss/epoch", "train/metrics/MulticlassAccuracy/epoch", "val/loss/epoch"]:
    x, y = ([r[key] for r in rows if r.get(key)] for rows in (a, b))
    assert x and x[-1] == y[-1], (key, x, y)
PY
done

# ^C or SIGTERM at random moments of a fit, from the first instruction on (loading the
# config, the plugins, libtorch, the sanity check, steps, validations, checkpoint writes):
# exit 130 and "interrupted ..." every time, never 0; where training steps were done
# since the last save, a last.ckpt holding every one of them. A moment is the Nth line
# the hook recorder writes (a state; N random, 0 = as soon as the run catches the signal),
# or for a quarter of the trials a random delay after that (any moment is a valid one).
cat > sig.yaml <<'YAML'
trainer::max_epochs: 1000
trainer::default_root_dir: sig
=trainer::callbacks: [{_target_: test.HookRecorder, path: sig_hooks.txt}]
YAML
sigs=${INT_TRIALS:-20}
: > sig_cases.txt
for i in $(seq 1 "$sigs"); do
  # a quarter at once (the config), a quarter a random delay later (libtorch, the
  # build, the sanity check), half at the Nth hook line, N log-uniform in 1..300
  read -r n delay signal < <("$PY" -c "import random; r = random.Random($i); k = r.randrange(4)
print(0 if k < 2 else max(1, int(300 ** r.random())), round(r.uniform(0, 1.2), 3) if k == 1 else 0, r.choice(['INT', 'INT', 'TERM']))")
  rm -f sig_hooks.txt
  "$H" fit base.yaml sig.yaml --plugins plugins trainer::default_root_dir=sig$i > sig$i.log 2>&1 & pid=$!
  wait_catching $pid "$signal"
  [ "$n" = 0 ] || wait_line sig_hooks.txt . "$n" $pid
  [ "$delay" = 0 ] || sleep "$delay"
  kill -"$signal" $pid; wait $pid; rc=$?
  if [ "$rc" != 130 ] || ! grep -q "interrupted" sig$i.log; then
    bad "SIG$signal at line $n + $delay s: exit $rc, $(tail -3 sig$i.log)"; continue
  fi
  ok
  steps=$(grep -c " on_train_batch_end " sig_hooks.txt 2>/dev/null)
  echo "sig$i ${steps:-0}" >> sig_cases.txt
done
echo "trainer: signals at $sigs moments: $(sed -n 's/^lighter-host: interrupted \([^;,(]*\).*/\1/p' sig*.log | \
  sed 's/ [0-9]*$//' | sort | uniq -c | awk '{c = $1; $1 = ""; printf "%s%s x%s", (NR > 1 ? ", " : ""), substr($0, 2), c}')"
"$PY" - sig_cases.txt <<'PY' && ok || bad "SIGINT at random moments: a last.ckpt lacks steps"
import glob, sys, torch
for line in open(sys.argv[1]):
    d, steps = line.split()
    cks = glob.glob(f"{d}/lightning_logs/version_0/checkpoints/last.ckpt")
    if int(steps):  # every step done is in last.ckpt (saved at the interrupt or at an epoch's end)
        assert cks and torch.load(cks[0])["global_step"] == int(steps), (d, steps, cks)
PY

echo "trainer: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
