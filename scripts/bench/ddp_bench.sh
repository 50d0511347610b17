#!/usr/bin/env bash
# ddp_bench.sh: data-parallel throughput on this machine: the demo MLP
# (Fashion-MNIST, batch 64 per rank, SGD momentum) and the demo CNN (Adam)
# trained for the same number of samples by 1 rank x 1 thread and by 2
# ranks x 1 thread each
# (trainer devices: 2, Gloo on loopback), interleaved, REPEATS times; the
# training loop's time is the trainer's own "fit done in" figure (data
# decoding and libtorch loading excluded, identical for both). The same
# pair with PyTorch's own DistributedDataParallel (scripts/bench/py_ddp.py,
# Debian's torch, data in memory) is the reference: what this machine's
# Gloo allows. Prints a Markdown table and writes OUT/ddp_<model>.json.
#   scripts/bench/ddp_bench.sh BUILD OUT [REPEATS]
set -euo pipefail
BUILD=${1:-build} OUT=${2:-build/bench} REPEATS=${3:-3}
H=$(pwd)/$BUILD/bin/lighter-host
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
secs() { sed -n 's/.*fit done in \([0-9.]*\) s.*/\1/p' | tail -1; }
# bench MODEL CONFIG BATCHES [host args...]: BATCHES x 64 samples for 1
# rank, half the batches on each of 2 ranks
bench() {
local model=$1 CFG=$2 BATCHES=$3
shift 3
local common=("$CFG" "$@" =trainer::max_epochs=1 =trainer::limit_val_batches=0 =trainer::num_sanity_val_steps=0
        =trainer::enable_checkpointing=false =trainer::logger=false =trainer::enable_model_summary=false
        data::train_dataloader::batch_size=64 trainer::default_root_dir="$work")
local one=() two=() pone=() ptwo=() lower
lower=$(tr '[:upper:]' '[:lower:]' <<<"$model")
for i in $(seq "$REPEATS"); do
  t=$(LT_NUM_THREADS=1,1 "$H" fit "${common[@]}" =trainer::limit_train_batches=$BATCHES 2>&1 | secs)
  one+=("$t")
  t=$(LT_NUM_THREADS=1,1 "$H" fit "${common[@]}" =trainer::limit_train_batches=$((BATCHES / 2)) =trainer::devices=2 \
      =trainer::strategy=ddp 2>&1 | secs)
  two+=("$t")
  pone+=("$(/usr/bin/python3 scripts/bench/py_ddp.py "$lower" "$BATCHES" 1 $((29000 + RANDOM % 1000)))")
  ptwo+=("$(/usr/bin/python3 scripts/bench/py_ddp.py "$lower" $((BATCHES / 2)) 2 $((29000 + RANDOM % 1000)))")
  echo "ddp bench: $model: repeat $i: 1 rank ${one[-1]} s, 2 ranks ${two[-1]} s" >&2
done
/usr/bin/python3 - "$OUT/ddp_$model.json" "$BATCHES" "${one[*]}" "${two[*]}" "$model" "$(printf '%s\n' "${pone[@]}")" \
  "$(printf '%s\n' "${ptwo[@]}")" <<'PY'
import json, statistics, sys
path, batches, model = sys.argv[1], int(sys.argv[2]), sys.argv[5]
one = [float(x) for x in sys.argv[3].split()]
two = [float(x) for x in sys.argv[4].split()]
p1 = [json.loads(l)["samples_per_s"] for l in sys.argv[6].splitlines() if l.strip()]
p2 = [json.loads(l)["samples_per_s"] for l in sys.argv[7].splitlines() if l.strip()]
samples = batches * 64
r1 = [samples / t for t in one]
r2 = [samples / t for t in two]
res = {"samples": samples, "one_rank_s": one, "two_ranks_s": two,
       "one_rank_samples_per_s": {"max": max(r1), "median": statistics.median(r1)},
       "two_ranks_samples_per_s": {"max": max(r2), "median": statistics.median(r2)},
       "speedup_median": statistics.median(r2) / statistics.median(r1),
       "pytorch_ddp": {"one_rank_samples_per_s": p1, "two_ranks_samples_per_s": p2,
                       "speedup_median": statistics.median(p2) / statistics.median(p1)}}
json.dump(res, open(path, "w"), indent=1)
print(f"| {model}, batch 64 per rank, 1 thread per rank | samples/s (median) | best |")
print("|---|---|---|")
print(f"| 1 rank | {statistics.median(r1):,.0f} | {max(r1):,.0f} |")
print(f"| 2 ranks (ddp, Gloo) | {statistics.median(r2):,.0f} | {max(r2):,.0f} |")
print(f"| ratio 2 ranks / 1 rank | {res['speedup_median']:.2f}x | |")
print(f"| PyTorch DDP (Gloo), same machine: 1 rank / 2 ranks | {statistics.median(p1):,.0f} / "
      f"{statistics.median(p2):,.0f} | ratio {res['pytorch_ddp']['speedup_median']:.2f}x |")
PY
}
bench MLP "$(pwd)/configs/fashion_mnist_mlp.yaml" 1200
bench CNN "$(pwd)/configs/fashion_mnist_cnn.yaml" 300 --plugins "$(pwd)/$BUILD/examples"
