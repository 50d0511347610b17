#!/usr/bin/env bash
# runs.sh: the run browser on real runs (host/cmd_runs.c, host/runs_diff.c):
# `runs` lists two fits in start order with their differing override and
# the best monitored value, tells a "running" record whose process is gone
# ("died") from one whose process runs, shows an old folder without run.yaml;
# `runs show` prints the record, metrics.csv's last values and checkpoints;
# `runs diff` the one config key that differs and the final metrics; and
# every error says where it looked or what is wrong (file:line).
set -uo pipefail
BUILD=${LT_BUILD:-build}
ROOT=$(pwd)
H=$ROOT/$BUILD/bin/lighter-host
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# has FILE REGEX WHAT: FILE has a line matching the extended REGEX
has() { grep -qE -- "$2" "$1" && ok || { bad "$3"; sed 's/^/    /' "$1"; }; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
C=$ROOT/tests/e2e/tiny_fit.yaml
for lr in 0.1 0.2; do
  "$H" fit "$C" trainer::default_root_dir=r model::optimizer::lr=$lr >fit$lr.log 2>&1 || bad "fit lr=$lr: $(tail -3 fit$lr.log)"
done
L=r/lightning_logs
# a record left "running" by a process that is gone, one whose process runs
# (this shell), and a folder from before run records (metrics.csv only)
sleep 0 & dead=$!
wait $dead
t=$(awk '/^started_unix:/ {printf "%.3f", $2 + 0.5}' $L/version_1/run.yaml) # after version_1
for v in 7 8; do
  mkdir -p $L/version_$v && cp $L/version_1/metrics.csv $L/version_$v/
  sed -e 's/^status: .*/status: running/' -e 's/^exit_code: .*/exit_code: null/' -e '/^ended/d' -e '/^duration_s/d' \
    -e "s/^started_unix: .*/started_unix: $t/" -e "s/^pid: .*/pid: $([ $v = 7 ] && echo $dead || echo $$)/" \
    -e "s/^host: .*/host: \"$(hostname)\"/" $L/version_1/run.yaml > $L/version_$v/run.yaml
done
mkdir -p old/version_0 && cp $L/version_0/metrics.csv old/version_0/
touch -d "@$((${t%.*} - 100))" old/version_0/metrics.csv # its time: metrics.csv's, before the others

"$H" runs . >list.out 2>list.err && ok || bad "runs . exited $?: $(cat list.err)"
has list.out '^run +stage +start +duration +status +best val/loss/epoch \(min\) +overrides$' "the header names the shared monitor"
# in start order; only the override that differs is shown (not the shared root)
[ "$(awk 'NR > 1 {print $1}' list.out | tr '\n' ' ')" = "old/version_0 r/lightning_logs/version_0 r/lightning_logs/version_1 r/lightning_logs/version_7 r/lightning_logs/version_8 " ] \
  && ok || bad "runs in start order: $(cat list.out)"
has list.out '^r/lightning_logs/version_0 +fit .* finished +[0-9.]+ +model::optimizer::lr=0\.1$' "the first run's line"
has list.out '^r/lightning_logs/version_1 +fit .* finished +[0-9.]+ +model::optimizer::lr=0\.2$' "the second run's line"
has list.out '^r/lightning_logs/version_7 .* died ' "a running record whose pid is gone is died"
has list.out '^r/lightning_logs/version_8 .* running ' "a running record whose process runs"
has list.out '^old/version_0 +- +- +- +no record' "an old run folder"
best=$(awk -F': ' '/^best:/ {print $2}' $L/version_1/run.yaml)
grep -qE "^r/lightning_logs/version_1 .* $(printf '%.6g' "$best") " list.out && ok || bad "best value $best: $(cat list.out)"
# the current folder by default, names relative to it
(cd r && "$H" runs) >here.out 2>&1 && ok || bad "runs without a folder: $(cat here.out)"
has here.out '^lightning_logs/version_0 ' "names relative to the current folder"

"$H" runs show 1 r >show.out 2>&1 && ok || bad "runs show 1: $(cat show.out)"
has show.out '^status +finished \(exit code 0\)$' "show: status"
has show.out '^overrides +trainer::default_root_dir=r model::optimizer::lr=0\.2$' "show: overrides"
has show.out '^best +val/loss/epoch \(min\) ' "show: best"
last=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "train/loss/epoch") c = i; next} $c != "" {v = $c} END {print v}' $L/version_1/metrics.csv)
has show.out "^  train/loss/epoch +[0-9]+ +$last$" "show: the last train/loss/epoch ($last)"
has show.out '^  last\.ckpt -> ' "show: checkpoints"
"$H" runs show r/lightning_logs/version_0 >show0.out 2>&1 && ok || bad "runs show PATH: $(cat show0.out)"
has show0.out '^run +r/lightning_logs/version_0$' "show by path"
(cd r/lightning_logs && "$H" runs show "$work/old/version_0") >showold.out 2>&1 && ok || bad "show of a folder elsewhere: $(cat showold.out)"
has showold.out "^run +$work/old/version_0$" "show of a folder elsewhere: named by its path"
has showold.out '^record +no run.yaml' "show of an old run folder"
"$H" runs show 7 r >show7.out 2>&1 && ok || bad "runs show 7: $(cat show7.out)"
has show7.out "^status +died \(run.yaml says running; process $dead is gone\)$" "show: died"

"$H" runs diff 0 1 r >diff.out 2>&1 && ok || bad "runs diff 0 1: $(cat diff.out)"
has diff.out '^config \(A: config.resolved.yaml, B: config.resolved.yaml\): 1 of [0-9]+ keys differ$' "diff: one config key differs"
has diff.out '^  model::optimizer::lr +0\.1 +0\.2$' "diff: the lr"
has diff.out '^  train/optimizer/SGD/lr/epoch +0\.1 +0\.2 +\+0\.1$' "diff: final metrics with B - A"

# errors: where it looked, what there is, which line is wrong
mkdir empty
"$H" runs empty >e1.out 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "no runs: exit $rc"
has e1.out "no runs below 'empty' \(looked 5 folders deep" "no runs: says where it looked"
"$H" runs "$work/none" >e2.out 2>&1; [ $? = 1 ] && ok || bad "a missing folder is an error"
has e2.out "cannot read '$work/none': No such file or directory" "a missing folder: why"
"$H" runs show 9 r >e3.out 2>&1; rc=$?
[ $rc = 2 ] && ok || bad "unknown run: exit $rc"
has e3.out "no run '9' below 'r'; the runs there: lightning_logs/version_0, lightning_logs/version_1, " "unknown run: lists the runs"
"$H" runs diff 0 r >e4.out 2>&1; [ $? = 2 ] && ok || bad "diff of one run is a usage error"
mkdir -p b/version_0 && printf 'stage: fit\nstatus: [\n' > b/version_0/run.yaml
cp -r $L/version_0 b/version_1
"$H" runs b >e5.out 2>e5.err; rc=$?
[ $rc = 1 ] && ok || bad "a bad record: exit $rc"
has e5.err '^lighter-host runs: b/version_0/run.yaml:[0-9]+:[0-9]+: ' "a bad record: file:line"
has e5.out '^version_0 .* bad record' "a bad record is listed"
has e5.out '^version_1 .* finished' "the other runs are still listed"
"$H" runs show 0 b >e6.out 2>&1; [ $? = 1 ] && ok || bad "show of a bad record is an error"
has e6.out 'b/version_0/run.yaml:[0-9]+:[0-9]+: ' "show of a bad record: file:line"
echo "runs.sh: $pass passed, $fail failed"
[ $fail = 0 ]
