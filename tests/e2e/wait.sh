# wait.sh: sourced by the e2e scripts. Tests that signal a run or race with
# it wait for a state of the run (a line in a file, a signal handler in
# place), never for a fixed time: on a loaded machine a run takes any time
# to get anywhere. Each wait gives up when the process it watches has
# exited, or after WAIT_LIMIT_S seconds (a generous bound that only a hang
# reaches), and then returns 1.
WAIT_LIMIT_S=${WAIT_LIMIT_S:-300}

# wait_line FILE PATTERN [COUNT [PID]]: until FILE has COUNT (1) lines
# matching the extended regular expression PATTERN.
wait_line() {
  local file=$1 pattern=$2 count=${3:-1} pid=${4:-} end=$((SECONDS + WAIT_LIMIT_S))
  while [ "$SECONDS" -lt "$end" ]; do
    [ -f "$file" ] && [ "$(grep -cE -- "$pattern" "$file")" -ge "$count" ] && return 0
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
    sleep 0.02
  done
  return 1
}

# wait_file PATH [PID]: until PATH exists.
wait_file() {
  local path=$1 pid=${2:-} end=$((SECONDS + WAIT_LIMIT_S))
  while [ "$SECONDS" -lt "$end" ]; do
    [ -e "$path" ] && return 0
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
    sleep 0.02
  done
  return 1
}

# wait_catching PID [SIGNAL]: until PID has a handler for SIGNAL (INT),
# read from the SigCgt mask in /proc. A background job of a script starts
# with SIGINT ignored, so a ^C sent before the handler is in place is lost.
wait_catching() {
  local pid=$1 sig=${2:-INT} end=$((SECONDS + WAIT_LIMIT_S)) num mask
  num=$(kill -l "$sig")
  while [ "$SECONDS" -lt "$end" ]; do
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || return 1
    [ -n "$mask" ] || return 1
    (( (16#$mask >> (num - 1)) & 1 )) && return 0
    sleep 0.005
  done
  return 1
}
