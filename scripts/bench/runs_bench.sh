#!/usr/bin/env bash
# runs_bench.sh: how long the run browser takes (a benchmark, never a
# test): `lighter-host runs` and `report` over 100 run folders (copies of
# one real fit, each with a run.yaml of its own: its start, its lr override,
# its best), and `report` over 4 runs of 5,000 metrics.csv rows each (the
# real run's columns, rows made up). Targets (issue 21): runs on 100 folders
# under 100 ms, report under 1 s. Wall time of the whole command, the best
# and the median of REPEATS. Prints a Markdown table and writes
# OUT/runs.json.
#   scripts/bench/runs_bench.sh BUILD OUT [REPEATS]
set -euo pipefail
BUILD=${1:-build} OUT=${2:-build/bench} REPEATS=${3:-5}
H=$(pwd)/$BUILD/bin/lighter-host C=$(pwd)/tests/e2e/tiny_fit.yaml
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$H" fit "$C" =trainer::max_epochs=3 trainer::default_root_dir=real model::optimizer::lr=0.1 >fit.log 2>&1 || { cat fit.log; exit 1; }
src=real/lightning_logs/version_0
# 100 copies, each with its own record
for i in $(seq 0 99); do
  d=many/lightning_logs/version_$i
  mkdir -p "$d"
  cp -r "$src"/metrics.csv "$src"/*.yaml "$src"/checkpoints "$d"/
  sed -e "s/^started_unix: .*/started_unix: $((1700000000 + i * 60)).5/" \
      -e "s/lr=0.1/lr=0.$((i + 1))/" -e "s/^best: .*/best: 0.$((500 - i))/" "$src"/run.yaml > "$d"/run.yaml
done
# 4 long runs: 5,000 rows of every column the real run logged
for i in 0 1 2 3; do
  d=long/lightning_logs/version_$i
  mkdir -p "$d"
  cp "$src"/*.yaml "$d"/
  awk -F, -v OFS=, -v seed=$i 'NR == 1 {print; n = NF; next} END {
      srand(seed + 1)
      for (s = 0; s < 5000; s++) { line = ""
        for (c = 1; c <= n; c++) line = line (c > 1 ? "," : "") (c == 1 ? int(s / 100) : c == 2 ? s : exp(-s / 2000) + rand() / 10)
        print line } }' "$src"/metrics.csv > "$d"/metrics.csv
done
# time CMD...: seconds of wall time, REPEATS times
time_it() {
  local t=()
  for _ in $(seq "$REPEATS"); do
    local a b
    a=$(date +%s%N)
    "$@" >/dev/null
    b=$(date +%s%N)
    t+=("$(((b - a) / 1000))e-6") # seconds, to the microsecond
  done
  echo "${t[*]}"
}
t_runs=$(time_it "$H" runs many)
t_report=$(time_it "$H" report many -o "$work/many.html")
t_long=$(time_it "$H" report long -o "$work/long.html")
sizes="$(stat -c %s many.html) $(stat -c %s long.html)"
/usr/bin/python3 - "$OUT/runs.json" "$t_runs" "$t_report" "$t_long" "$sizes" <<'PY'
import json, statistics, sys
path = sys.argv[1]
rows = [("runs, 100 run folders", sys.argv[2], 0.1), ("report, 100 run folders", sys.argv[3], 1.0),
        ("report, 4 runs of 5,000 rows", sys.argv[4], 1.0)]
size = [int(x) for x in sys.argv[5].split()]
res = {}
print("| command | median ms | best ms | target |")
print("|---|---|---|---|")
for name, ts, target in rows:
    t = [float(x) for x in ts.split()]
    res[name] = {"seconds": t, "median_s": statistics.median(t), "best_s": min(t), "target_s": target}
    print(f"| {name} | {statistics.median(t) * 1e3:.1f} | {min(t) * 1e3:.1f} | < {target * 1e3:.0f} |")
res["page_bytes"] = {"100 run folders": size[0], "4 runs of 5,000 rows": size[1]}
print(f"| page size | {size[0] / 1024:.0f} KiB (100 runs) | {size[1] / 1024:.0f} KiB (4 long runs) | |")
json.dump(res, open(path, "w"), indent=1)
PY
