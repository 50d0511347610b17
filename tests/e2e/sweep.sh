#!/usr/bin/env bash
# sweep.sh: `lighter-host fit ... --multirun` (host/cmd_sweep.c and the
# sweep_* files): a grid run -j 2 at once, each trial in its own run folder
# whose run.yaml and hparams.yaml show its values and whose run had its
# share of the cores; sweep.csv and the table sorted by the monitored
# value; the default sweep folder found again; range() and a config's
# sweep: section; random search drawn the same for the same seed; ^C (and
# SIGTERM) stop every trial, which a second run of the same command skips
# when finished and resumes from last.ckpt when interrupted; a failing
# trial fails alone; bad specs are exit 2 with a message. The trials are
# tiny (a Linear on synthetic data): the processes are the cost.
set -uo pipefail
. "$(dirname "$0")/wait.sh"
BUILD=${LT_BUILD:-build}
H=$(pwd)/$BUILD/bin/lighter-host
PY=${PYTHON:-/usr/bin/python3}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
# a sweep left running by a failed check is stopped with its trials
trap 'for p in $(pgrep -f -- "$work/" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
cd "$work"
cat > c.yaml <<'YAML'
seed: 1
trainer:
  _target_: pytorch_lightning.Trainer
  max_epochs: 2
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
YAML
ncpu=$(nproc)
# sweep_check DIR KEYS VALUES STATUSES: sweep.csv (columns, one row per
# trial with its values and status) against each trial's run.yaml
# (overrides, sweep, trial, best) and hparams.yaml (the values resolved).
# KEYS "a b", VALUES "1|x;2|y" (trial by trial), STATUSES "finished;failed".
sweep_check() {
  "$PY" - "$@" <<'PY'
import csv, os, sys, yaml
d, keys, values, statuses = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(";"), sys.argv[4].split(";")
rows = list(csv.DictReader(open(os.path.join(d, "sweep.csv"))))
head = open(os.path.join(d, "sweep.csv")).readline().strip().split(",")
want = ["trial", "status", "best", "monitor", "mode", "wall_s", "run_dir"] + keys
assert head == want, f"columns {head}, want {want}"
assert len(rows) == len(values), f"{len(rows)} rows, want {len(values)}"
def dig(h, key):
    for part in key.split("::"):
        h = h[int(part)] if isinstance(h, list) else h[part]
    return h
for k, (row, vals, st) in enumerate(zip(rows, values, statuses)):
    vals = vals.split("|")
    assert row["trial"] == str(k) and row["status"] == st, (k, row, st)
    assert [row[key] for key in keys] == vals, (k, row, vals)
    if st != "finished":
        continue
    rec = yaml.safe_load(open(os.path.join(d, row["run_dir"], "run.yaml")))
    assert rec["status"] == "finished" and rec["trial"] == k, (k, rec)
    assert os.path.realpath(rec["sweep"]) == os.path.realpath(d), (rec["sweep"], d)
    for key, v in zip(keys, vals):
        assert f"{key}={v}" in rec["overrides"], (k, key, v, rec["overrides"])
        hp = dig(yaml.safe_load(open(os.path.join(d, row["run_dir"], "hparams.yaml"))), key)
        assert hp == yaml.safe_load(v), (k, key, hp, v)
    assert float(row["wall_s"]) > 0 and row["monitor"] == rec["monitor"] and row["mode"] == rec["mode"], (k, row)
    assert abs(float(row["best"]) - rec["best"]) <= 1e-12 * abs(rec["best"]), (k, row["best"], rec["best"])
PY
}
# table_sorted LOG: the final table's best column is in the order its mode says
table_sorted() {
  "$PY" - "$1" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
at = [i for i, l in enumerate(lines) if l.startswith("sweep results, sorted by")][-1]
mode = re.search(r"\((min|max)\)", lines[at]).group(1)
head = lines[at + 1].split()
rows = [l.split() for l in lines[at + 2:] if l and not l.startswith("(")]
best = [float(r[head.index("best")]) for r in rows if r[head.index("best")] != "-"]
assert best and best == sorted(best, reverse=mode == "max"), (mode, best)
PY
}

# ---- a grid, two at once: folders, records, values, threads, the table ----
"$H" fit c.yaml --multirun model::optimizer::lr=0.1,0.02 data::train_dataloader::batch_size=4,8 -j 2 --sweep_dir g \
  >g.log 2>&1 && ok || bad "grid sweep exited $?: $(tail -5 g.log)"
sweep_check g "model::optimizer::lr data::train_dataloader::batch_size" "0.1|4;0.1|8;0.02|4;0.02|8" \
  "finished;finished;finished;finished" && ok || bad "grid sweep's sweep.csv and records"
[ "$(ls -d g/[0-9]*/lightning_logs/version_0 | wc -l)" = 4 ] && ok || bad "4 run folders: $(ls -R g | head)"
table_sorted g.log && ok || bad "grid table not sorted: $(cat g.log)"
grep -q "^sweep c: 4 trials (grid of 2 x 2), 2 at once" g.log && ok || bad "grid header: $(head -2 g.log)"
share=$((ncpu / 2)); [ $share -lt 1 ] && share=1
grep -q "LT_NUM_THREADS=1,$share" g/0/trial.log && ok || bad "trial.log's thread line: $(head -1 g/0/trial.log)"
n=$(grep -l "^runtime: .*1 torch thread (LT_NUM_THREADS).*, $share threads\"$" g/*/lightning_logs/version_0/run.yaml | wc -l)
[ "$n" = 4 ] && ok || bad "the trials ran with 1,$share threads: $(grep -h runtime g/*/lightning_logs/version_0/run.yaml)"
grep -q "^method: grid" g/sweep.yaml && grep -q '^  - key: "model::optimizer::lr"' g/sweep.yaml && ok \
  || bad "sweep.yaml: $(cat g/sweep.yaml)"
[ -z "$(find g -name '*.tmp*')" ] && ok || bad "temporary files left: $(find g -name '*.tmp*')"

# ---- the default folder: <default_root_dir>/multirun/<config>-<id>, found again ----
"$H" fit c.yaml -m model::optimizer::lr=0.1,0.02 trainer::default_root_dir=d trainer::max_epochs=1 -j 2 >d1.log 2>&1 \
  || bad "default-folder sweep: $(tail -3 d1.log)"
ls -d d/multirun/c-* >/dev/null 2>&1 && [ "$(ls d/multirun | wc -l)" = 1 ] && ok || bad "sweep folder: $(ls -R d | head)"
before=$(find d -type f -printf '%p %T@\n' | sort)
"$H" fit c.yaml -m model::optimizer::lr=0.1,0.02 trainer::default_root_dir=d trainer::max_epochs=1 -j 2 >d2.log 2>&1 \
  && ok || bad "the same sweep again exited $?: $(tail -3 d2.log)"
grep -q "2 finished earlier (skipped), 0 to resume" d2.log && [ "$(ls d/multirun | wc -l)" = 1 ] && ok \
  || bad "the same sweep again did not find its folder: $(cat d2.log)"
after=$(find d/multirun/*/[0-9]* -type f -printf '%p %T@\n' | sort)
[ -n "$after" ] && [ "$(echo "$before" | grep '/multirun/c-[^/]*/[0-9]')" = "$after" ] && ok \
  || bad "finished trials were touched"

# ---- range() on the command line, a sweep: section, a value with commas that is no sweep ----
cp c.yaml s.yaml
printf 'sweep:\n  model::optimizer::lr: [0.1, 0.02]\n' >>s.yaml
"$H" fit s.yaml --multirun 'trainer::max_epochs=range(1,3)' -j 2 --sweep_dir s \
  'model::network={_target_: torch.nn.Linear, in_features: 4, out_features: 2}' >s.log 2>&1 \
  && ok || bad "range + section sweep exited $?: $(tail -5 s.log)"
sweep_check s "model::optimizer::lr trainer::max_epochs" "0.1|1;0.1|2;0.02|1;0.02|2" \
  "finished;finished;finished;finished" && ok || bad "range + section sweep.csv"
"$PY" -c "
import yaml, sys
r = yaml.safe_load(open('s/3/lightning_logs/version_0/run.yaml'))
assert '~sweep' in r['overrides'] and 'sweep' not in yaml.safe_load(open('s/3/lightning_logs/version_0/hparams.yaml')), r
" && ok || bad "the trials see the config without its sweep: section"

# ---- random search: the same draws for the same seed, others for another ----
rs() { "$H" fit c.yaml -m 'model::optimizer::lr=loguniform(0.01,0.5)' 'data::train_dataloader::batch_size=choice(4,8)' \
  trainer::max_epochs=1 --trials 2 --seed "$1" -j 2 --sweep_dir "$2" >"$2.log" 2>&1; }
rs 1 r1 && rs 1 r1b && rs 2 r2 && ok || bad "random searches: $(tail -n 3 r1.log r1b.log r2.log)"
vals() { cut -d, -f8- "$1/sweep.csv"; }
[ "$(vals r1)" = "$(vals r1b)" ] && [ "$(vals r1)" != "$(vals r2)" ] && [ "$(vals r1 | wc -l)" = 3 ] && ok \
  || bad "random draws: seed 1 $(vals r1 | tr '\n' ' '), again $(vals r1b | tr '\n' ' '), seed 2 $(vals r2 | tr '\n' ' ')"
grep -q "^method: random" r1/sweep.yaml && grep -q "^seed: 1" r1/sweep.yaml && ok || bad "random sweep.yaml"

# ---- ^C in the middle, then the same command: skipped and resumed ----
long=(fit c.yaml -m trainer::max_epochs=1,4 model::optimizer::lr=0.1,0.05 -j 2
  data::train_dataloader::dataset::num_samples=40000 --sweep_dir i)
setsid "$H" "${long[@]}" >i1.log 2>&1 &
pid=$!
if wait_file i/2/lightning_logs/version_0/metrics.csv $pid && wait_file i/3/lightning_logs/version_0/metrics.csv $pid; then
  fin=$(find i/0 i/1 -type f -printf '%p %T@\n' | sort)
  kill -INT -- -"$(ps -o pgid= -p $pid | tr -d ' ')" # the terminal's ^C: the whole process group
  wait $pid; rc=$?
  [ $rc = 130 ] && ok || bad "interrupted sweep exited $rc: $(tail -5 i1.log)"
  [ -z "$(pgrep -f -- "$work/i/")" ] && ok || bad "trials left running: $(pgrep -af -- "$work/i/")"
  sweep_check i "trainer::max_epochs model::optimizer::lr" "1|0.1;1|0.05;4|0.1;4|0.05" \
    "finished;finished;interrupted;interrupted" && ok || bad "interrupted sweep.csv: $(cat i/sweep.csv)"
  grep -q "^status: interrupted" i/2/lightning_logs/version_0/run.yaml && [ -e i/3/lightning_logs/version_0/checkpoints/last.ckpt ] \
    && ok || bad "interrupted trials' records: $(cat i/2/lightning_logs/version_0/run.yaml)"
  table_sorted i1.log && ok || bad "no table after ^C: $(cat i1.log)"
  "$H" "${long[@]}" >i2.log 2>&1 && ok || bad "resumed sweep exited $?: $(tail -5 i2.log)"
  grep -q "2 finished earlier (skipped), 2 to resume from last.ckpt" i2.log && ok || bad "resume plan: $(head -3 i2.log)"
  [ "$(find i/0 i/1 -type f -printf '%p %T@\n' | sort)" = "$fin" ] && ok || bad "finished trials were run again"
  sweep_check i "trainer::max_epochs model::optimizer::lr" "1|0.1;1|0.05;4|0.1;4|0.05" \
    "finished;finished;finished;finished" && ok || bad "resumed sweep.csv: $(cat i/sweep.csv)"
  "$PY" - <<'PY' && ok || bad "resumed trials did not continue from last.ckpt"
import csv, yaml
for k in (2, 3):
    old = yaml.safe_load(open(f"i/{k}/lightning_logs/version_0/run.yaml"))
    new = yaml.safe_load(open(f"i/{k}/lightning_logs/version_1/run.yaml"))
    assert new["options"][-2:] == ["--ckpt_path", "last"] and new["status"] == "finished", new
    assert new["global_step"] == 4 * 5000, new
    rows = csv.DictReader(open(f"i/{k}/lightning_logs/version_1/metrics.csv"))
    first = min(int(r["step"]) for r in rows if r["epoch"])  # (a validation batch's row counts batches)
    assert first >= old["global_step"] - 1, (first, old["global_step"])
PY
else
  bad "the long trials never logged: $(tail -5 i1.log)"
  kill -KILL $pid 2>/dev/null
fi
# SIGTERM, then a second signal: the trials are killed, none is left
tcmd=(fit c.yaml -m model::optimizer::lr=0.1,0.05 trainer::max_epochs=1000 -j 2 --sweep_dir t)
"$H" "${tcmd[@]}" >t.log 2>&1 &
pid=$!
if wait_file t/0/lightning_logs/version_0/metrics.csv $pid; then
  "$H" "${tcmd[@]}" >busy.log 2>&1; rc=$?
  [ $rc = 2 ] && grep -q "is in use by another lighter-host sweep (pid $pid)" busy.log && ok \
    || bad "a second copy of a running sweep exited $rc: $(cat busy.log)"
  kill -TERM $pid; kill -INT $pid
  wait $pid; rc=$?
  [ $rc = 130 ] && [ -z "$(pgrep -f -- "$work/t/")" ] && grep -q "^0,interrupted" t/sweep.csv \
    && grep -q "^1,interrupted" t/sweep.csv && ok \
    || bad "SIGTERM + ^C: exit $rc, left $(pgrep -af -- "$work/t/"), $(cat t/sweep.csv)"
else
  bad "the second sweep never logged: $(tail -3 t.log)"
fi

# the sweep process killed outright: its trials get SIGTERM and stop saving last.ckpt
"$H" fit c.yaml -m model::optimizer::lr=0.1,0.05 trainer::max_epochs=4 data::train_dataloader::dataset::num_samples=40000 \
  -j 2 --sweep_dir k >k.log 2>&1 &
pid=$!
if wait_file k/0/lightning_logs/version_0/metrics.csv $pid && wait_file k/1/lightning_logs/version_0/metrics.csv $pid; then
  kill -KILL $pid
  { wait $pid; } 2>/dev/null
  end=$((SECONDS + WAIT_LIMIT_S))
  while [ -n "$(pgrep -f -- "$work/k/")" ] && [ $SECONDS -lt $end ]; do sleep 0.05; done
  [ -z "$(pgrep -f -- "$work/k/")" ] && grep -q "^status: interrupted" k/0/lightning_logs/version_0/run.yaml \
    && grep -q "^status: interrupted" k/1/lightning_logs/version_0/run.yaml && ok \
    || bad "trials of a killed sweep: $(pgrep -af -- "$work/k/"), $(grep -h status: k/*/lightning_logs/*/run.yaml)"
else
  bad "the third sweep never logged: $(tail -3 k.log)"
fi

# a trial folder whose run still runs (here a plain run put there) is never started twice
"$H" fit c.yaml trainer::max_epochs=100000 "trainer::default_root_dir=$work/z/0" >z.log 2>&1 &
pid=$!
if wait_line z/0/lightning_logs/version_0/run.yaml '^status: running' 1 $pid; then
  "$H" fit c.yaml -m model::optimizer::lr=0.1,0.05 --sweep_dir z >z2.log 2>&1; rc=$?
  [ $rc = 2 ] && grep -q "trial 0 of this sweep is still running (pid $pid, '$work/z/0/lightning_logs/version_0')" z2.log \
    && ok || bad "a sweep whose trial still runs: exit $rc, $(cat z2.log)"
else
  bad "the plain run never started: $(tail -3 z.log)"
fi
kill -KILL $pid; { wait $pid; } 2>/dev/null

# ---- a failing trial fails alone ----
"$H" fit c.yaml -m model::network::in_features=4,5 trainer::max_epochs=1 -j 2 --sweep_dir f >f.log 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "a sweep with a failing trial exited $rc"
sweep_check f "model::network::in_features" "4;5" "finished;failed" && ok || bad "failed row: $(cat f/sweep.csv)"
grep -q "^trial 1 failed in .* (exit 1; see .*/f/1/trial.log)" f.log && ok || bad "failed trial's line: $(cat f.log)"

# ---- bad specs: exit 2, what to write, nothing made ----
expect2() { # MESSAGE ARGS...
  local want=$1; shift
  "$H" fit c.yaml "$@" --sweep_dir bad >bad.log 2>&1; local rc=$?
  [ $rc = 2 ] && grep -qF -- "$want" bad.log && [ ! -e bad ] && ok || bad "$* -> exit $rc: $(cat bad.log)"
}
expect2 "'model::optimizer::lr=0.1,,0.2': value 2 of the sweep is empty" -m model::optimizer::lr=0.1,,0.2
expect2 "range's step is 0; give a step other than 0" -m 'trainer::max_epochs=range(1,5,0)'
expect2 "range takes 1 to 3 numbers" -m 'trainer::max_epochs=range(1,2,3,4)'
expect2 "the config has no 'model::optimizer::lrr' (did you mean 'lr'?); to sweep a key the config lacks, write +model::optimizer::lrr=0.1,0.2" \
  -m model::optimizer::lrr=0.1,0.2
expect2 "-j takes a whole number, 1 or more (got '0')" -m model::optimizer::lr=0.1,0.2 -j 0
expect2 "--trials 2 needs values to draw from" -m --trials 2
expect2 "is drawn at random (uniform/loguniform): add --trials N" -m 'model::optimizer::lr=uniform(0.01,0.1)'
expect2 "options of a sweep: add --multirun (-m)" model::optimizer::lr=0.1,0.2 -j 2
expect2 "trial 1 of the sweep (model::optimizer::lr=abc) has a bad config; nothing was run" -m model::optimizer::lr=0.1,abc
"$H" fit c.yaml -m model::optimizer::lr=0.3,0.4 --sweep_dir g >other.log 2>&1; rc=$?
[ $rc = 2 ] && grep -q "the sweep folder '.*/g' holds another sweep" other.log && ok || bad "another sweep's folder: $rc $(cat other.log)"
# Hydra's +key adds a key the config lacks (here one no component reads: a typo the check cannot see is allowed)
"$H" fit c.yaml -m +vars::note=a,b trainer::max_epochs=1 -j 2 --sweep_dir plus >plus.log 2>&1 && \
  grep -q '"vars::note=b"' plus/1/lightning_logs/version_0/run.yaml && ok || bad "+key sweep: $(tail -3 plus.log)"

echo "sweep.sh: $pass passed, $fail failed"
[ $fail = 0 ]
