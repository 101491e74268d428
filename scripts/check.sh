#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a full test run: installs what is missing,
# builds, and runs the whole ctest suite (GUI tests offscreen). GPU tests are not registered
# unless CMAKE_ARGS has -DBATCHSCOPE_GPU_TESTS=ON.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${CI:-}" = "true" ]; then
  CMAKE_ARGS="${CMAKE_ARGS:-} -DBATCHSCOPE_WERROR=ON"
fi
source "$repo/scripts/setup.sh"
say "running the tests"
export QT_QPA_PLATFORM=offscreen
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 600
# A minute of fuzzing of every parser that reads a user's files, in a small clang build of its
# own (libFuzzer, ASan, UBSan) linked against the libraries just built (docs/FAULTS.md).
say "fuzzing the file parsers for a minute"
bash "$repo/tests/fuzz/smoke.sh" -s 60 -m "$BUILD_DIR" -b "$BUILD_DIR-fuzz"
