#!/usr/bin/env bash
# sweep_bench.sh: a 4-run sweep of the Fashion-MNIST MLP (lr 0.1,0.01 x
# batch 32,64; one epoch of BATCHES training batches, then the 10,000
# validation images) timed three ways, REPEATS times, interleaved:
#   - lighter-host fit --multirun -j 1 (the 4 runs one after another),
#   - lighter-host fit --multirun -j 2 (two at once, LT_NUM_THREADS=1,1 each on 2 cores),
#   - the same 4 runs with the real PyTorch Lightning (../shared/peers,
#     scripts/bench/pl_train.py: the same layers, SGD with momentum, batch,
#     batches, then the test set) one after another; skipped, saying so,
#     without the peers.
# Prints the medians, the two ratios (-j 2 / -j 1, target <= 0.6;
# -j 2 / Lightning one after another, target <= 0.5) and the load average
# around the runs (other work on the machine makes every figure noisy), and
# writes them to OUT/sweep.json. Never a test: nothing here fails on a time.
#   bash scripts/bench/sweep_bench.sh [BUILD [OUT [REPEATS [BATCHES]]]]
set -uo pipefail
BUILD=${1:-build}
OUT=${2:-$BUILD/bench}
REPEATS=${3:-3}
BATCHES=${4:-1000}
PY=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
PEERS=${PEERS:-$here/../../../shared/peers}
H=$BUILD/bin/lighter-host
mkdir -p "$OUT/lightning"
LRS=(0.1 0.01)
BSS=(32 64)
common=(configs/fashion_mnist_mlp.yaml --multirun "model::optimizer::lr=$(IFS=,; echo "${LRS[*]}")"
  "data::train_dataloader::batch_size=$(IFS=,; echo "${BSS[*]}")" trainer::max_epochs=1
  "=trainer::limit_train_batches=$BATCHES" trainer::num_sanity_val_steps=0 '~model::scheduler'
  trainer::enable_progress_bar=false)

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }
load() { cut -d' ' -f1 /proc/loadavg; }

# host_sweep J: seconds of a fresh 4-run sweep with -j J
host_sweep() {
  local dir="$OUT/sweep-j$1" t0
  rm -rf "$dir"
  t0=$(now)
  "$H" fit "${common[@]}" -j "$1" --sweep_dir "$dir" >"$OUT/sweep-j$1.log" 2>&1 || {
    echo "sweep_bench: lighter-host -j $1 failed: $(tail -5 "$OUT/sweep-j$1.log")" >&2
    exit 1
  }
  since "$t0"
}

# pl_seq: seconds of the 4 Lightning runs one after another
pl_seq() {
  local t0
  t0=$(now)
  for lr in "${LRS[@]}"; do
    for bs in "${BSS[@]}"; do
      PYTHONPATH=$PEERS "$PY" "$here/pl_train.py" mlp "$BATCHES" "$bs" "$lr" "$OUT/lightning" >"$OUT/pl.log" 2>&1 || {
        echo "sweep_bench: pl_train.py failed: $(tail -5 "$OUT/pl.log")" >&2
        exit 1
      }
    done
  done
  since "$t0"
}

have_pl=1
if [ ! -d "$PEERS/lightning" ]; then
  have_pl=0
  echo "sweep_bench: no $PEERS (the real Lightning): its runs are skipped" >&2
fi
j1=() j2=() pl=() loads=("$(load)")
for ((r = 0; r < REPEATS; r++)); do
  # each repetition in another order, so that a burst of other work does not always hit the same one
  order=(j1 j2 pl)
  for ((k = 0; k < r % 3; k++)); do order=("${order[@]:1}" "${order[0]}"); done
  for what in "${order[@]}"; do
    case $what in
    j1) j1+=("$(host_sweep 1)") ;;
    j2) j2+=("$(host_sweep 2)") ;;
    pl) [ $have_pl = 1 ] && pl+=("$(pl_seq)") ;;
    esac
    loads+=("$(load)")
  done
  echo "sweep_bench: repetition $((r + 1)) of $REPEATS: -j 1 ${j1[-1]} s, -j 2 ${j2[-1]} s${pl:+, Lightning ${pl[-1]} s}" >&2
done

"$PY" - "$OUT/sweep.json" "$(nproc)" "$BATCHES" "${j1[*]}" "${j2[*]}" "${pl[*]:-}" "${loads[*]}" <<'PY'
import json, statistics, sys
out, ncpu, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
j1, j2 = [float(x) for x in sys.argv[4].split()], [float(x) for x in sys.argv[5].split()]
pl = [float(x) for x in sys.argv[6].split()] if sys.argv[6].strip() else []
loads = [float(x) for x in sys.argv[7].split()]
m1, m2 = statistics.median(j1), statistics.median(j2)
mp = statistics.median(pl) if pl else None
res = {"cores": ncpu, "batches": batches, "runs": 4, "host_j1_s": j1, "host_j2_s": j2, "lightning_seq_s": pl,
       "median_host_j1_s": m1, "median_host_j2_s": m2, "median_lightning_seq_s": mp,
       "ratio_j2_vs_j1": m2 / m1, "ratio_j2_vs_lightning": m2 / mp if mp else None,
       "load_average_1min": loads}
json.dump(res, open(out, "w"), indent=1)
print(f"4-run MLP sweep ({batches} batches each, {ncpu} cores), medians of {len(j1)}:")
print(f"  lighter-host -j 1             {m1:7.2f} s  {' '.join(f'{x:.2f}' for x in j1)}")
print(f"  lighter-host -j 2             {m2:7.2f} s  {' '.join(f'{x:.2f}' for x in j2)}")
if mp:
    print(f"  Lightning, one after another  {mp:7.2f} s  {' '.join(f'{x:.2f}' for x in pl)}")
print(f"  -j 2 / -j 1                   {m2 / m1:7.2f}    (target <= 0.6: {'met' if m2 / m1 <= 0.6 else 'not met'})")
if mp:
    print(f"  -j 2 / Lightning sequential   {m2 / mp:7.2f}    (target <= 0.5: {'met' if m2 / mp <= 0.5 else 'not met'})")
print(f"  1-minute load average around the runs: {min(loads):.2f} to {max(loads):.2f} on {ncpu} cores")
PY
