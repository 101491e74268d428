#!/bin/bash
# CPU time of the dashboard's GUI thread (the process's main thread: utime + stime from
# /proc/PID/task/PID/stat) over 10 s of a running training, for each Live sub-tab shown.
# Needs xvfb-run and build/bin/batchscope. Extra arguments go to batchscope, e.g.
#   scripts/gui_thread_cpu.sh --storage emulated-nvme
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/build/bin/batchscope"
[ -x "$bin" ] || { echo "gui_thread_cpu.sh: build $bin first (cmake --build build --target batchscope)" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "gui_thread_cpu.sh: needs xvfb-run (apt-get install xvfb)" >&2; exit 1; }
hz=$(getconf CLK_TCK)
for view in live pipeline gpu; do
  home=$(mktemp -d)  # no remembered settings, sessions saved in a scratch place
  HOME=$home xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" --start --epochs 50 --view "$view" "$@" >/dev/null 2>&1 &
  sleep 6
  pid=$(pgrep -n -f "^$bin --start --epochs 50 --view $view")
  a=$(awk '{print $14+$15}' "/proc/$pid/task/$pid/stat"); sleep 10
  b=$(awk '{print $14+$15}' "/proc/$pid/task/$pid/stat")
  echo "$view: GUI thread $(( (b - a) * 100 / hz / 10 ))% of one core over 10 s"
  kill "$pid"; wait || true
  rm -rf "$home"
done
