#!/usr/bin/env bash
# The checks that need a GPU, run on the GPU machine against a build folder made elsewhere
# (see README.md). Prints a summary table last; exits non-zero if any check fails.
# Usage: tests/gpu/run_device_checks.sh [build-folder]      (default: build-gpu)
set -u
build=${1:-build-gpu}
bin="$build/bin"
if [[ ! -d "$bin" ]]; then
    echo "no $bin: build the folder first (tests/gpu/README.md)" >&2
    exit 2
fi
unset BATCHSCOPE_GPU_PLUGIN  # the tests must find the plugin beside themselves

results=()
failed=0
record() {  # record NAME STATUS
    results+=("$(printf '%-4s  %s' "$2" "$1")")
    [[ "$2" == PASS ]] || failed=1
}

# check NAME COMMAND...: runs it with a time limit and records PASS/FAIL.
check() {
    local name=$1
    shift
    echo "=== $name: $*"
    if timeout 300 "$@"; then record "$name" PASS; else record "$name (exit $?)" FAIL; fi
}

# The machine and its driver, for the log.
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true

# Every binary and module must load here: a shared library "not found" is a packaging bug.
for f in gpu_probe_test gpu_probe_gpu_test libbatchscope_cuda.so; do
    if [[ ! -e "$bin/$f" ]]; then
        record "present: $f" FAIL
    elif ldd "$bin/$f" | grep -q "not found"; then
        ldd "$bin/$f" | grep "not found"
        record "loads: $f" FAIL
    else
        record "loads: $f" PASS
    fi
done

# Probe tests: fakes and ELF checks run anywhere; the real-plugin ones describe this GPU.
check "gpu_probe_test (all)" "$bin/gpu_probe_test" --gtest_filter='*'
# Requires a usable GPU through the real plugin.
check "gpu_probe_gpu_test" "$bin/gpu_probe_gpu_test" --gtest_filter='GpuProbeOnGpu.*'

echo
echo "=== summary ($build)"
printf '%s\n' "${results[@]}"
exit "$failed"
