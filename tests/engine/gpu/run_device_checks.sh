#!/usr/bin/env bash
# The checks that need a GPU, in one call, with a summary table last (tests/engine/gpu/README.md).
#
#   On the build machine (no GPU needed):
#     tests/engine/gpu/run_device_checks.sh --pack [BUILD]      builds what is missing in BUILD (default
#         build-gpu, configured as in README.md) and gathers BUILD/device/: bin/ (tests, benchmark,
#         plugin, fake modules) and lib/ (the non-CUDA shared libraries they need that a bare GPU
#         machine lacks: OpenBLAS, SQLite, ...). Carry BUILD/device to the GPU machine.
#   On the GPU machine:
#     tests/engine/gpu/run_device_checks.sh [BUILD]             runs everything from BUILD/device (or
#         BUILD/bin), then the PyTorch reference; exits non-zero if any check failed.
#   Anywhere:
#     tests/engine/gpu/run_device_checks.sh --host-only [BUILD] runs only what needs no GPU and marks the
#         GPU checks SKIP (how this script is checked on a machine without a GPU).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
mode=run
build=build-gpu
for a in "$@"; do
    case "$a" in
    --pack) mode=pack ;;
    --host-only) mode=host ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "unknown option $a (see --help)" >&2; exit 2 ;;
    *) build=$a ;;
    esac
done

host_tests=(gpu_probe_test gpu_backend_test gpu_mlp_emulated_test gpu_training_run_emulated_test gpu_network_emulated_test
            gpu_pipeline_emulated_test device_pool_test gpu_serving_emulated_test gpu_graph_emulated_test
            plugin_cupti_collector_test cupti_loader_test)
# gpu_network_gpu_test: every model (logreg, svm, GELU+dropout MLP, CNN) on the GPU layer backend vs the CPU,
# the batched (chunked) convolution, and pipelined steps against one step at a time.
# gpu_cupti_gemm_gpu_test: a cuBLAS GEMM's kernels carry the iteration id they were launched under.
gpu_tests=(gpu_probe_gpu_test gpu_compute_gpu_test cupti_gpu_test gpu_network_gpu_test gpu_cupti_gemm_gpu_test)
modules=(libbatchscope_cuda.so libbs_fake_plugin_no_entry.so libbs_fake_plugin_wrong_abi.so
         libbs_fake_plugin_scripted.so libbs_fake_compute_plugin.so)
# Fails to load on purpose (its "CUDA library" is left behind): packed, not checked with ldd.
broken_module=libbs_fake_plugin_missing_dep.so
# batchscope-cli: gpu_probe_test checks that it links no CUDA library.
programs=("${host_tests[@]}" "${gpu_tests[@]}" gpu_train_bench gpu_serve_bench batchscope-cli)

# ---- pack (build machine) -------------------------------------------------------------------
if [[ $mode == pack ]]; then
    if [[ ! -f "$build/CMakeCache.txt" ]]; then
        echo "no $build/CMakeCache.txt: configure it first (tests/engine/gpu/README.md)" >&2
        exit 2
    fi
    cmake --build "$build" -j2 --target "${programs[@]}" batchscope_cuda bs_fake_plugin_no_entry \
        bs_fake_plugin_wrong_abi bs_fake_plugin_scripted bs_fake_plugin_missing_dep bs_fake_compute_plugin || exit 1
    dev="$build/device"
    rm -rf "$dev" && mkdir -p "$dev/bin" "$dev/lib"
    for f in "${programs[@]}" "${modules[@]}" "$broken_module"; do
        cp -p "$build/bin/$f" "$dev/bin/" || { echo "missing $build/bin/$f" >&2; exit 1; }
    done
    # Shared libraries outside the C/C++ runtime and outside CUDA (the GPU machine has its own).
    for f in "$dev"/bin/*; do ldd "$f" 2>/dev/null; done | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
        while read -r name path; do
            case "$name" in
            libc.so*|libm.so*|libstdc++*|libgcc_s*|ld-linux*|libpthread*|libdl.so*|librt.so*|libutil.so*) ;;
            libcu*|libnv*|libcupti*) ;;
            *) cp -pL "$path" "$dev/lib/$name" ;;
            esac
        done
    du -sh "$dev" "$dev/lib"
    echo "packed $dev: carry it to the GPU machine, then run tests/engine/gpu/run_device_checks.sh $build"
    exit 0
fi

# ---- run ------------------------------------------------------------------------------------
bin="$build/device/bin"
[[ -d "$bin" ]] || bin="$build/bin"
if [[ ! -d "$bin" ]]; then
    echo "no $build/device/bin or $build/bin: pack a build folder on the build machine and carry it" \
         "(tests/engine/gpu/README.md: run_device_checks.sh --pack)" >&2
    exit 2
fi
# Our binaries get the carried libraries first; python3 and nvidia-smi keep the machine's own.
ours_ld=${LD_LIBRARY_PATH:-}
[[ -d "$build/device/lib" ]] && ours_ld="$(cd "$build/device/lib" && pwd)${ours_ld:+:$ours_ld}"
ours() { env LD_LIBRARY_PATH="$ours_ld" "$@"; }
unset BATCHSCOPE_GPU_PLUGIN  # the tests must find the plugin beside themselves

# cuBLAS/CUPTI of this machine: the toolkit, else the copies that come with PyTorch's wheels. The
# plugin opens libcupti.so.13 with dlopen (ldd does not list it): look for it when the ld.so cache
# does not know it (the plugin also tries /usr/local/cuda/{lib64,extras/CUPTI/lib64} itself).
if ours ldd "$bin/libbatchscope_cuda.so" 2>/dev/null | grep -q "not found" ||
   ! ldconfig -p 2>/dev/null | grep -q 'libcupti\.so\.13 '; then
    for d in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/extras/CUPTI/lib64 \
             $(python3 -c 'import nvidia, os; p = list(nvidia.__path__)[0]
for r, ds, fs in os.walk(p):
    print(r) if any(f.startswith(("libcublas", "libcupti")) for f in fs) else None' 2>/dev/null); do
        [[ -d "$d" ]] && ours_ld="$ours_ld:$d"
    done
fi

results=()
failed=0
skipped=0
record() {  # record STATUS NAME
    results+=("$(printf '%-4s  %s' "$1" "$2")")
    [[ "$1" == SKIP ]] && skipped=$((skipped + 1))
    [[ "$1" == PASS || "$1" == SKIP ]] || failed=1
}
# Why the tests of a gtest log skipped (the line after each "Skipped"), on one line.
skip_reasons() {
    grep -A1 ': Skipped$' "$1" | grep -v -e ': Skipped$' -e '^--$' | sort -u | head -3 | paste -sd ';' -
}
# check [--needed] [--skip-if REGEX] NAME COMMAND...: runs it with a time limit, output to the log
# and $log_dir/NAME.log. PASS only when everything in it ran: a gtest binary some of whose tests
# skipped (no CUPTI, no device, a switch only the fake plugin has), or a log matching REGEX (a
# benchmark saying it could not measure), is SKIP with the reason; and a --needed check (its
# figures are in the table, or it checks what only a GPU can) that skipped anything FAILS.
log_dir=$(mktemp -d)
check() {
    local needed=0 skip_re=""
    while [[ $1 == --* ]]; do
        case "$1" in
        --needed) needed=1; shift ;;
        --skip-if) skip_re=$2; shift 2 ;;
        esac
    done
    local name=$1
    shift
    echo "=== $name: $*"
    timeout 300 "$@" 2>&1 | tee "$log_dir/$name.log"
    local rc=${PIPESTATUS[0]}
    local log="$log_dir/$name.log" why=""
    local n
    n=$(grep -oE '^\[  SKIPPED \] [0-9]+ tests?, listed below' "$log" | grep -oE '[0-9]+' | head -1)
    if [[ -n $n ]]; then
        why="$n tests skipped: $(skip_reasons "$log")"
    elif [[ -n $skip_re ]] && grep -qE "$skip_re" "$log"; then
        why=$(grep -m1 -E "$skip_re" "$log")
    fi
    if [[ $rc != 0 ]]; then
        record FAIL "$name (exit $rc)"
    elif [[ -n $why && $needed == 1 ]]; then
        record FAIL "$name (skipped, but the table needs it: $why)"
    elif [[ -n $why ]]; then
        record SKIP "$name ($why)"
    else
        record PASS "$name"
    fi
}

echo "=== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "nvidia-smi: not here"

for f in "${programs[@]}" "${modules[@]}"; do
    if [[ ! -e "$bin/$f" ]]; then
        record FAIL "present: $f"
    elif ours ldd "$bin/$f" | grep -q "not found"; then
        ours ldd "$bin/$f" | grep "not found"
        record FAIL "loads: $f"
    fi
done
[[ $failed == 0 ]] && record PASS "every binary and module loads (ldd)"

# Host-side checks: run anywhere.
for t in "${host_tests[@]}"; do check "$t" env LD_LIBRARY_PATH="$ours_ld" "$bin/$t"; done

gpu_reason=""
if [[ $mode == host ]]; then
    gpu_reason="--host-only"
else
    probe=$(ours "$bin/gpu_probe_gpu_test" 2>&1)
    if ! grep -q "^\[ probe    \] GPU: " <<<"$probe"; then
        gpu_reason="no GPU: $(grep -o 'GPU unavailable: .*' <<<"$probe" | head -1)"
        echo "$probe"
    fi
fi

if [[ -n "$gpu_reason" ]]; then
    for t in "${gpu_tests[@]}" "training run on the GPU" "serving on the GPU" "CUDA graphs on the GPU" gpu_train_bench \
             "gpu_train_bench CUPTI overhead" bench_train_gpu.py gpu_serve_bench bench_infer_gpu.py \
             "gpu_serve_bench GELU" "bench_infer_gpu.py GELU" "gpu_serve_bench CNN" "bench_infer_gpu.py CNN" \
             "gpu_serve_bench CUPTI overhead"; do
        if [[ $mode == host ]]; then record SKIP "$t ($gpu_reason)"; else record FAIL "$t ($gpu_reason)"; fi
    done
else
    for t in "${gpu_tests[@]}"; do check --needed "$t" env LD_LIBRARY_PATH="$ours_ld" "$bin/$t"; done
    # A whole TrainingRun with --backend cuda on the real plugin, against the CPU backend; its
    # CUPTI test checks the records feed the lanes, the breakdown and the device view, and that
    # under 1% of the layer stack's GPU time inside its iterations went untagged (or skips, saying
    # why CUPTI did not start). It also trains from the loader's page-locked buffers (no host
    # staging copy) and 8-bit batches converted on the device, against pageable and float runs.
    check "training run on the GPU" env LD_LIBRARY_PATH="$ours_ld" BS_USE_REAL_PLUGIN=1 \
        "$bin/gpu_training_run_emulated_test"
    # Checkpoints served with --backend cuda on the real plugin (the tuned path and the layer stack:
    # GELU and dropout MLPs, CNNs): the CPU's answers and logits, CUDA-event phases, and the stream
    # traced by CUPTI (its tests that need the fake collector's switches skip).
    check "serving on the GPU" env LD_LIBRARY_PATH="$ours_ld" BS_USE_REAL_PLUGIN=1 "$bin/gpu_serving_emulated_test"
    # CUDA graphs on the real plugin: capture/replay, the serving graphs' logits against the uncaptured
    # path at batch 1/2/3/4/64, padded batches (the padding never reaches the rows served), the bound
    # on graphs, the service with graphs: every size captured before the stream, none captured while
    # serving, a live max-batch change included (the fake-only failure switches skip).
    check "CUDA graphs on the GPU" env LD_LIBRARY_PATH="$ours_ld" BS_USE_REAL_PLUGIN=1 "$bin/gpu_graph_emulated_test"
    # The kernels under NVIDIA's checkers: out-of-bounds and misaligned accesses, shared-memory races.
    if command -v compute-sanitizer >/dev/null; then
        check "compute-sanitizer memcheck" env LD_LIBRARY_PATH="$ours_ld" compute-sanitizer --tool memcheck \
            --error-exitcode 1 "$bin/gpu_compute_gpu_test" \
            --gtest_filter='-*Overlap*:*OutOfMemory*:GpuComputePool.*:*ThreeMlp*'
        check "compute-sanitizer racecheck" env LD_LIBRARY_PATH="$ours_ld" compute-sanitizer --tool racecheck \
            --error-exitcode 1 "$bin/gpu_compute_gpu_test" --gtest_filter='*Reductions*:*LayerStack*:*Losses*'
        # Training uploads straight from the loader's page-locked batches (floats, and 8-bit ones
        # converted by collate_u8), each held until its step is done: no access out of bounds.
        check "compute-sanitizer memcheck, page-locked uploads" env LD_LIBRARY_PATH="$ours_ld" BS_USE_REAL_PLUGIN=1 \
            compute-sanitizer --tool memcheck --error-exitcode 1 "$bin/gpu_training_run_emulated_test" \
            --gtest_filter='*PageLocked*:*EightBit*'
    else
        record SKIP "compute-sanitizer (not found on this machine)"
    fi
    check "gpu_train_bench FP32" env LD_LIBRARY_PATH="$ours_ld" "$bin/gpu_train_bench" --batches 32,128,512,4096 --epochs 2
    check "gpu_train_bench TF32" env LD_LIBRARY_PATH="$ours_ld" "$bin/gpu_train_bench" --batches 32,128,512,4096 --epochs 2 --tf32
    # Epochs alternate CUPTI off / on in one run (target: <= 5% throughput cost with CUPTI on).
    check --needed --skip-if '^CUPTI batch=[0-9]+ unavailable' "gpu_train_bench CUPTI overhead" env LD_LIBRARY_PATH="$ours_ld" "$bin/gpu_train_bench" --batches 32,128,512 \
        --epochs 3 --cupti-overhead
    check "bench_train_gpu.py FP32" python3 "$repo/tests/bench/bench_train_gpu.py" --batches 32,128,512,4096 --epochs 2
    check "bench_train_gpu.py TF32" python3 "$repo/tests/bench/bench_train_gpu.py" --batches 32,128,512,4096 --epochs 2 --tf32
    check "gpu_serve_bench" env LD_LIBRARY_PATH="$ours_ld" "$bin/gpu_serve_bench" --batches 1,4 --requests 5000 \
        --graphs both
    check "bench_infer_gpu.py" python3 "$repo/tests/bench/bench_infer_gpu.py" --batches 1,4 --requests 5000 \
        --graphs both
    # The layer-stack path: a GELU MLP and a CNN, each beside PyTorch eager with the same model.
    check "gpu_serve_bench GELU" env LD_LIBRARY_PATH="$ours_ld" "$bin/gpu_serve_bench" --batches 1,4 --requests 3000 \
        --model mlp:256,128:gelu --graphs off
    check "bench_infer_gpu.py GELU" python3 "$repo/tests/bench/bench_infer_gpu.py" --batches 1,4 --requests 3000 \
        --model mlp:256,128:gelu
    check "gpu_serve_bench CNN" env LD_LIBRARY_PATH="$ours_ld" "$bin/gpu_serve_bench" --batches 1,4 --requests 2000 \
        --model cnn:32,64:fc=128 --graphs off
    check "bench_infer_gpu.py CNN" python3 "$repo/tests/bench/bench_infer_gpu.py" --batches 1,4 --requests 2000 \
        --model cnn:32,64:fc=128
    # Served streams alternate CUPTI off / on in one run: the cost of tracing serving (target <= 5%).
    check --needed --skip-if '^  CUPTI did not trace: ' "gpu_serve_bench CUPTI overhead" env LD_LIBRARY_PATH="$ours_ld" "$bin/gpu_serve_bench" --batches 1,4 \
        --requests 3000 --cupti-overhead
fi

# ---- summary --------------------------------------------------------------------------------
echo
echo "=== GPU figures (from the logs above)"
cat "$log_dir"/gpu_compute_gpu_test.log 2>/dev/null | grep -E '^\[ (gpu|mlp step|memory) ' || echo "(no GPU test output)"
grep -h -E '^\[ overlap  \]' "$log_dir"/gpu_compute_gpu_test.log 2>/dev/null | tail -2
for p in FP32 TF32; do
    ours="$log_dir/gpu_train_bench $p.log"
    ref="$log_dir/bench_train_gpu.py $p.log"
    [[ -f "$ours" ]] || continue
    echo
    echo "=== MLP 784-256-128-10 training, samples/s, $p (target: >= 1.5x PyTorch at batch <= 128, >= 0.95x at large batch)"
    printf '%6s  %14s  %14s  %7s\n' batch batchscope pytorch ratio
    awk -v ref="$ref" '
        function val(line, key,   m) { return match(line, key "=[^ ]+") ? substr(line, RSTART + length(key) + 1, RLENGTH - length(key) - 1) : "" }
        BEGIN { while ((getline l < ref) > 0) if (l ~ /^RESULT/) py[val(l, "batch")] = val(l, "samples_per_s") }
        /^RESULT/ { b = val($0, "batch"); s = val($0, "samples_per_s"); p = py[b]
                    printf "%6s  %14s  %14s  %7s\n", b, s, (p == "" ? "-" : p), (p == "" ? "-" : sprintf("%.2fx", s / p)) }' "$ours"
done
for m in "" " GELU" " CNN"; do
    [[ -f "$log_dir/gpu_serve_bench$m.log" ]] || continue
    echo
    echo "=== $(sed -n 's/^gpu_serve_bench: //p' "$log_dir/gpu_serve_bench$m.log" | head -1)"
    echo "    serving latency, us (one call: stage, h2d, forward, d2h, wait), CUDA graphs on/off (tuned path);"
    echo "    torch columns: PyTorch with the same setting (off: eager; on: torch.cuda.graphs around the forward pass)"
    grep -h '^NOTE' "$log_dir/gpu_serve_bench$m.log"
    printf '%6s  %6s  %10s %10s  %10s %10s  %s\n' batch graphs "ours p50" "ours p99" "torch p50" "torch p99" \
        "ours h2d/compute/d2h (CUDA events)"
    awk -v ref="$log_dir/bench_infer_gpu.py$m.log" '
        function val(line, key) { return match(line, key "=[^ ]+") ? substr(line, RSTART + length(key) + 1, RLENGTH - length(key) - 1) : "" }
        BEGIN { while ((getline l < ref) > 0) if (l ~ /^RESULT/) { k = val(l, "graphs") "/" val(l, "batch")
                                                                    p50[k] = val(l, "p50_us"); p99[k] = val(l, "p99_us") } }
        /^RESULT/ { b = val($0, "batch"); k = val($0, "graphs") "/" b
                    printf "%6s  %6s  %10s %10s  %10s %10s  %s / %s / %s\n", b, val($0, "graphs"), val($0, "p50_us"), val($0, "p99_us"),
                           (k in p50 ? p50[k] : "-"), (k in p99 ? p99[k] : "-"), val($0, "h2d_us"), val($0, "compute_us"), val($0, "d2h_us") }' \
        "$log_dir/gpu_serve_bench$m.log"
done
if [[ -f "$log_dir/gpu_serve_bench CUPTI overhead.log" ]]; then
    echo
    echo "=== CUPTI on vs off in one run, MLP 784-256-128-10 served (closed loop, best p50 of 3 streams each; target <= 5%)"
    grep -h -A1 '^CUPTI serving ' "$log_dir/gpu_serve_bench CUPTI overhead.log"
fi
if [[ -f "$log_dir/gpu_train_bench CUPTI overhead.log" ]]; then
    echo
    echo "=== CUPTI on vs off in one run, MLP 784-256-128-10 FP32 (target: overhead <= 5%)"
    grep -h '^CUPTI ' "$log_dir/gpu_train_bench CUPTI overhead.log"
fi
echo
echo "=== summary ($bin)"
printf '%s\n' "${results[@]}"
echo "$(grep -c '^PASS' <<<"$(printf '%s\n' "${results[@]}")") passed, $skipped skipped, $(grep -c '^FAIL' <<<"$(printf '%s\n' "${results[@]}")") failed"
rm -rf "$log_dir"
exit "$failed"
