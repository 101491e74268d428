#!/bin/sh
# Soak of the dashboard: does its resident memory level off? Starts BINARY (the `batchscope`
# dashboard) under Xvfb with a training run (--start, tracing on as by default, the session
# saved as a user's would be), samples VmRSS of the dashboard every SAMPLE seconds for MINUTES
# minutes, prints "SECONDS RSS_MiB" lines, then ends the dashboard and gives a verdict the way
# bench_soak does: growth over the second half of the run (after WARM minutes, where the bounded
# stores fill) against max(2 MiB, 1%).
#   tests/bench/gui_soak.sh [-m MINUTES] [-s SAMPLE] [-w WARM] [-a "ARGS"] BINARY
# HOME and the XDG folders point at a scratch folder, so the session file and the remembered
# settings are the soak's own, never the user's. -a passes more arguments to the dashboard.
set -eu
mins=60 sample=30 warm=15 extra=
while getopts m:s:w:a: opt; do
  case $opt in
    m) mins=$OPTARG ;; s) sample=$OPTARG ;; w) warm=$OPTARG ;; a) extra=$OPTARG ;;
    *) echo "usage: $0 [-m MINUTES] [-s SAMPLE] [-w WARM] [-a ARGS] BINARY" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-m MINUTES] [-s SAMPLE] [-w WARM] [-a ARGS] BINARY" >&2; exit 2; }
bin=$1
[ -x "$bin" ] || { echo "$0: $bin: not an executable" >&2; exit 2; }
command -v xvfb-run >/dev/null || { echo "$0: xvfb-run is missing (apt-get install xvfb)" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/config" "$scratch/data" "$scratch/cache"

HOME=$scratch XDG_CONFIG_HOME=$scratch/config XDG_DATA_HOME=$scratch/data XDG_CACHE_HOME=$scratch/cache \
  xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" --start --epochs 1000 --train-limit 60000 $extra \
  >"$scratch/out.log" 2>&1 &
wrapper=$!
pid=
for _ in $(seq 100); do
  pid=$(pgrep -n -f "^$bin --start" || true)
  [ -n "$pid" ] && break
  sleep 0.1
done
[ -n "$pid" ] || { echo "$0: $bin did not start" >&2; cat "$scratch/out.log" >&2; exit 1; }
echo "gui_soak: $bin (pid $pid) for $mins minutes, RSS every $sample s"

rss() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
start=$(date +%s)
end=$((start + mins * 60))
samples=$scratch/samples
: >"$samples"
while :; do
  now=$(date +%s)
  [ "$now" -lt "$end" ] || break
  r=$(rss "$pid")
  [ -n "$r" ] || { echo "the dashboard ended early"; cat "$scratch/out.log"; exit 1; }
  echo "$((now - start)) $r" | tee -a "$samples"
  sleep "$sample"
done
kill "$pid" 2>/dev/null || true
wait "$wrapper" 2>/dev/null || true

awk -v warm=$((warm * 60)) '
  BEGIN { n = 0 }
  $1 >= warm { t[n] = $1; r[n] = $2; n++ }
  END {
    if (n < 4) { print "verdict: none: too few samples after the warm-up (run longer)"; exit 1 }
    m = int(n / 2)
    g1 = r[m] - r[0]; g2 = r[n - 1] - r[m]
    printf "RSS %.1f MiB at %d s, %.1f MiB at %d s, %.1f MiB at %d s\n", r[0], t[0], r[m], t[m], r[n - 1], t[n - 1]
    printf "growth: first half %+.1f MiB, second half %+.1f MiB\n", g1, g2
    lim = 0.01 * r[n - 1]; if (lim < 2) lim = 2
    if (g2 <= lim) { print "verdict: levelled off (second-half growth within max(2 MiB, 1%))"; exit 0 }
    print "verdict: STILL GROWING in the second half"; exit 1
  }' "$samples"
