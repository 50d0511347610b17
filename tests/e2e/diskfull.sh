#!/usr/bin/env bash
# diskfull.sh: a fit whose disk fills up, on a small tmpfs mounted in a
# private mount namespace (unshare; as root or through a user namespace;
# skipped, saying why, where neither is allowed). Whatever moment the disk
# fills (creating metrics.csv, rewriting it for new columns, appending a
# row, writing last.ckpt), the run must stop with exit 1 naming the file,
# "No space left on device" and what to do; metrics.csv must end at a
# complete row (a torn last row was left), no temporary file may remain
# (a metrics.csv.tmp was), and a last.ckpt there must load in torch. The
# same for a TensorBoardLogger's event file: it ends at a complete record.
set -uo pipefail
BUILD=${LT_BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
H=$(pwd)/$BUILD/bin/lighter-host
BASE=$(pwd)/tests/corpus/base.yaml
SRC=$(pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A private mount namespace: root's own, else a user namespace's.
ns=""
for flags in "-m" "-r -m"; do
  mkdir -p probe
  if unshare $flags sh -c 'mount -t tmpfs -o size=64k tmpfs probe' 2>/dev/null; then ns=$flags; break; fi
done
if [ -z "$ns" ]; then
  echo "diskfull: SKIPPED: cannot mount a tmpfs in a private mount namespace here (unshare -m needs root, unshare -r -m" \
       "user namespaces); nothing else fills a disk safely"
  exit 0
fi
PAGE=$(getconf PAGESIZE)

cat > full.yaml <<'YAML'
trainer:
  max_epochs: 400
  log_every_n_steps: 1
  default_root_dir: mnt
  logger: {_target_: pytorch_lightning.loggers.CSVLogger, save_dir: mnt, flush_logs_every_n_steps: 1}
YAML

# fill PAGES NAME WANT ARGS...: a fit on a tmpfs of PAGES pages; its files
# are copied out to NAME/ when it ends; its exit status and message checked.
fill() {
  local pages=$1 name=$2 want=$3; shift 3
  mkdir -p mnt "$name"
  unshare $ns sh -c 'mount -t tmpfs -o size="$1" tmpfs mnt || exit 99; shift
    timeout 300 "$@" > out.log 2>&1; echo $? > rc; cp -a mnt/. "'"$name"'"/' \
    _ $((pages * PAGE)) "$H" fit "$BASE" full.yaml "$@"
  local rc out
  rc=$(cat rc 2>/dev/null || echo none) out=$(tail -c 1500 out.log) # the end: a loop of messages must not flood
  if [ "$rc" != 1 ]; then bad "$name: exit $rc, expected 1: $out"; return; fi
  grep -qF -- "$want" <<<"$out" && ok || bad "$name: no '$want' in: $out"
  grep -qF -- "No space left on device" <<<"$out" && \
    grep -qF -- "free space on that disk (or log elsewhere: trainer::default_root_dir), then resume the run with --ckpt_path last" <<<"$out" \
    && ok || bad "$name: the reason or what to do is missing: $out"
  # no temporary left behind
  local tmps
  tmps=$(find "$name" -name '*.tmp*')
  [ -z "$tmps" ] && ok || bad "$name: temporaries left: $tmps"
  # metrics.csv: every row complete (a newline at the end, the header's number of cells)
  local csv=$name/lightning_logs/version_0/metrics.csv
  if [ -e "$csv" ]; then
    [ "$(tail -c 1 "$csv" | od -An -c | tr -d ' ')" = '\n' ] && awk -F, 'NR == 1 { n = NF } NF != n { exit 1 }' "$csv" \
      && ok || bad "$name: metrics.csv has a torn row: $(tail -c 200 "$csv")"
  fi
  # a last.ckpt there is a good one
  local ck=$name/lightning_logs/version_0/checkpoints/last.ckpt
  if [ -e "$ck" ]; then
    "$PY" -c "import torch, sys; c = torch.load(sys.argv[1]); sys.exit(not ('state_dict' in c and c['epoch'] >= 0))" "$ck" \
      && ok || bad "$name: last.ckpt does not load"
  fi
}

M="cannot write 'mnt/lightning_logs/version_0/metrics.csv': No space left on device"
# No room for metrics.csv at all (the config files and run.yaml take the first pages).
fill 5 create "$M; nothing was written" =trainer::enable_checkpointing=false
# Room for metrics.csv, not for the copy that adds the epoch's columns.
fill 6 rewrite "$M; it is intact, without the rows of its new columns" =trainer::enable_checkpointing=false
# Rows appended until one does not fit: the file is cut back to the row before.
fill 7 append "$M; it ends at its last complete row (the row of step" =trainer::enable_checkpointing=false
fill 8 append2 "$M; it ends at its last complete row (the row of step" =trainer::enable_checkpointing=false
# The epoch's checkpoint (about 10 kB, written at every epoch's end through a
# temporary file; without a ModelCheckpoint epoch=E-step=S.ckpt, last.ckpt a
# link to it) no longer fits: the one before stays, and last.ckpt with it.
fill 12 checkpoint "cannot save checkpoint 'mnt/lightning_logs/version_0/checkpoints/epoch="
[ -e checkpoint/lightning_logs/version_0/checkpoints/last.ckpt ] && ok || bad "checkpoint: no last.ckpt was kept"

# TensorBoard's event file (TensorBoardLogger, max_queue 1: written at every logged row, as metrics.csv
# with flush_logs_every_n_steps 1): whichever write fails, the file ends at a complete record (every CRC
# good, no torn record), the run stops naming it.
TBL="{_target_: pytorch_lightning.loggers.TensorBoardLogger, save_dir: mnt, max_queue: 1}"
CSVL="{_target_: pytorch_lightning.loggers.CSVLogger, save_dir: mnt, flush_logs_every_n_steps: 1}"
T="cannot write 'mnt/lightning_logs/version_0/events.out.tfevents."
events_complete() {
  local f n=0
  for f in $(find "$1" -name 'events.out.tfevents.*'); do
    n=$((n + 1))
    "$PY" "$SRC/tests/tensorboard/read_events.py" records "$f" >/dev/null && ok || bad "$1: a torn record in $f"
  done
  [ "$n" = 1 ] && ok || bad "$1: $n event files, expected 1"
}
fill 5 tb_create "$T" "=trainer::logger=$TBL" =trainer::enable_checkpointing=false
grep -qF "it is empty (not even its first event)" out.log && ok || bad "tb_create: $(tail -c 600 out.log)"
events_complete tb_create
fill 6 tb_append "$T" "=trainer::logger=$TBL" =trainer::enable_checkpointing=false
events_complete tb_append
grep -qF "it ends at its last complete record" out.log && ok || bad "tb_append: $(tail -c 600 out.log)"
fill 7 tb_append2 "$T" "=trainer::logger=$TBL" =trainer::enable_checkpointing=false
events_complete tb_append2
fill 9 tb_and_csv "No space left on device" "=trainer::logger=[$CSVL, $TBL]" =trainer::enable_checkpointing=false
events_complete tb_and_csv

echo "diskfull: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
