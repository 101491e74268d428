#!/usr/bin/env bash
# Fuzzing smoke run (CI) or long run: builds the parsers with clang-14 under libFuzzer, ASan and
# UBSan (tests/fuzz/CMakeLists.txt, a build of its own), then fuzzes each harness in turn for
# its share of SECONDS, starting from its seeds in tests/fuzz/corpus/ (and the built-in presets).
# New inputs that libFuzzer finds go to a scratch folder, never into the repository; a crash,
# a sanitizer report, a leak or an escaped exception stops the run, leaves the input in
# ARTIFACTS and exits non-zero.
# The main build (-m, default build/) must be built: its libraries are linked.
#   tests/fuzz/smoke.sh [-s SECONDS] [-m MAIN_BUILD] [-b FUZZ_BUILD] [-o ARTIFACTS] [HARNESS...]
# Harnesses: idx image checkpoint preset session_import trace_import (default: all).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
secs=60 main=$repo/build build=$repo/build-fuzz artifacts=
while getopts s:m:b:o: opt; do
  case $opt in
    s) secs=$OPTARG ;; m) main=$OPTARG ;; b) build=$OPTARG ;; o) artifacts=$OPTARG ;;
    *) echo "usage: $0 [-s SECONDS] [-m MAIN_BUILD] [-b FUZZ_BUILD] [-o ARTIFACTS] [HARNESS...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(idx image checkpoint preset session_import trace_import)
cxx=${FUZZ_CXX:-clang++-14} cc=${FUZZ_CC:-clang-14}
command -v "$cxx" >/dev/null || { echo "$0: $cxx is missing (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
main=$(cd "$main" && pwd)
cmake -S "$repo/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" \
  -DBATCHSCOPE_BUILD_DIR="$main" "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${harnesses[@]/#/fuzz_}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
[ -n "$artifacts" ] || artifacts=$build/artifacts
mkdir -p "$artifacts"
export TMPDIR=$scratch OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
each=$(( secs / ${#harnesses[@]} )); [ "$each" -ge 1 ] || each=1
failed=()
for h in "${harnesses[@]}"; do
  seeds=("$repo/tests/fuzz/corpus/$h")
  [ "$h" = preset ] && seeds+=("$repo/resources/presets")
  mkdir -p "$scratch/found-$h"
  echo "== fuzz_$h: $each s from ${#seeds[@]} seed folder(s)"
  if ! "$build/bin/fuzz_$h" -max_total_time="$each" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
       -artifact_prefix="$artifacts/$h-" "$scratch/found-$h" "${seeds[@]}" >"$scratch/$h.log" 2>&1; then
    tail -60 "$scratch/$h.log"
    failed+=("$h")
  else
    grep -E '^stat::number_of_executed_units|^stat::new_units_added|^stat::peak_rss_mb' "$scratch/$h.log" | tr '\n' ' '
    echo
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found a fault in: ${failed[*]} (inputs in $artifacts; replay: $build/bin/fuzz_NAME FILE)" >&2
  exit 1
fi
echo "fuzzing: ${#harnesses[@]} harness(es), ${each} s each, no fault found"
