#!/bin/sh
# GUI-thread CPU of the dashboard during a live training run, under Xvfb (software rendering):
# the main thread's user+system time from /proc/PID/task/PID/stat over SECONDS seconds, after
# WARMUP seconds (the run loads its data and fills its charts first). Pass several binaries to
# measure them alternately, ROUNDS times each, in the same session (docs/BENCHMARKS-ui.md).
#   tests/bench/gui_cpu.sh [-r ROUNDS] [-s SECONDS] [-w WARMUP] BINARY...
# -a "ARGS" passes more arguments to the dashboard, e.g. -a "--view pipeline" or
# -a "--view gpu --storage emulated-nvme" to measure a Live sub-tab.
# Prints one line per measurement: "<binary> <percent of one core>".
set -eu
rounds=2 secs=10 warm=8 extra=
while getopts r:s:w:a: opt; do
  case $opt in
    r) rounds=$OPTARG ;; s) secs=$OPTARG ;; w) warm=$OPTARG ;; a) extra=$OPTARG ;;
    *) echo "usage: $0 [-r ROUNDS] [-s SECONDS] [-w WARMUP] [-a ARGS] BINARY..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-r ROUNDS] [-s SECONDS] [-w WARMUP] [-a ARGS] BINARY..." >&2; exit 2; }
command -v xvfb-run >/dev/null || { echo "$0: xvfb-run is missing (apt-get install xvfb)" >&2; exit 1; }
tck=$(getconf CLK_TCK)
shot=$(mktemp -d)
trap 'rm -rf "$shot"' EXIT

# utime + stime (fields 14 and 15) of thread $1 of process $1, in clock ticks.
ticks() { sed 's/.*) //' "/proc/$1/task/$1/stat" | awk '{ print $12 + $13 }'; }

measure() {
  bin=$1
  # Screenshot mode: the same 1500x940 window every time, no remembered settings, no session saved.
  xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" --start --epochs 200 --train-limit 60000 \
    --screenshot "$shot/x.png" --screenshot-after $((warm + secs + 30)) $extra >/dev/null 2>&1 &
  wrapper=$!
  pid=
  for _ in $(seq 100); do
    pid=$(pgrep -n -f "^$bin --start" || true)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || { echo "$0: $bin did not start" >&2; exit 1; }
  sleep "$warm"
  t0=$(ticks "$pid")
  sleep "$secs"
  t1=$(ticks "$pid")
  kill "$pid" 2>/dev/null || true
  wait "$wrapper" 2>/dev/null || true
  echo "$bin $(awk -v d=$((t1 - t0)) -v hz="$tck" -v s="$secs" 'BEGIN { printf "%.1f", d / hz / s * 100 }')"
}

for _ in $(seq "$rounds"); do
  for bin in "$@"; do measure "$bin"; done
done
