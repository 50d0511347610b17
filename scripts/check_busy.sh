#!/usr/bin/env bash
# check_busy.sh (make check-busy): the tests of `make check` run again and
# again on a machine kept busy, to find the next test that depends on time
# or on the CPU instead of on a state. Two kinds of load:
#   BUSY_MODE=hog      (default) one busy loop per core beside the tests
#   BUSY_MODE=taskset  the tests confined to one core (taskset -c 0)
# BUSY_RUNS (1) runs in a row; each prints its time and result, and the
# script exits non-zero when any run failed. Logs: $BUILD/check-busy-N.log.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
mode=${BUSY_MODE:-hog}
runs=${BUSY_RUNS:-1}
hogs=()
stop_hogs() { [ ${#hogs[@]} -eq 0 ] || kill "${hogs[@]}" 2>/dev/null; wait "${hogs[@]}" 2>/dev/null; hogs=(); }
trap stop_hogs EXIT
failed=0
for i in $(seq 1 "$runs"); do
  log=$BUILD/check-busy-$i.log
  prefix=()
  case $mode in
    hog) for _ in $(seq 1 "$(nproc)"); do (while :; do :; done) & hogs+=($!); done ;;
    taskset) prefix=(taskset -c 0) ;;
    *) echo "check-busy: BUSY_MODE is hog or taskset, not '$mode'" >&2; exit 2 ;;
  esac
  t0=$SECONDS
  "${prefix[@]}" make --no-print-directory BUILD="$BUILD" test > "$log" 2>&1; rc=$?
  stop_hogs
  if [ $rc = 0 ]; then r=passed; else r="FAILED (exit $rc)"; failed=1; fi
  echo "check-busy ($mode) run $i: $r in $((SECONDS - t0)) s; log $log"
  [ $rc = 0 ] || grep -E '^FAIL|[1-9][0-9]* failed|Errors: [1-9]|Failures: [1-9]' "$log" | head -20
done
exit $failed
