#!/usr/bin/env bash
# End-to-end checks of `batchscope-cli infer` and `sweep`: a checkpoint from a short training
# run served under several loads, its JSON, the scenarios, sessions, and the exit codes of bad
# input and bad checkpoints. Prints one line per check.
set -u
cli=${1:?usage: cli_infer.sh path/to/batchscope-cli [path/to/fake-compute-plugin.so]}
fake_plugin=${2:-}
source "$(dirname "$0")/check_lib.sh"

# Synthetic service: no dataset or model needed.
expect_exit "infer on a synthetic service" 0 "$cli" infer --synthetic-us 100 --mode constant --rate 2000 \
    --requests 400 --max-batch 4 --queue-delay-us 500 --no-save
grep -q '^served 400 of 400 requests' "$tmp/out"; check "serves every request" $?
grep -q 'p99 .* us .*(400 requests, 5 at or above)  too few samples: 1000 needed' "$tmp/out"; check "flags p99 with too few samples" $?
grep -q 'generator lateness' "$tmp/out" && grep -q '^batch sizes:' "$tmp/out"; check "prints lateness and batch sizes" $?

# The serving verdict: 1 ms per batch at any size, 3,000 requests/s at max batch 1: the server falls
# behind on any machine; the advice (a larger max batch) is applied half-way and checked.
expect_exit "infer --apply-advice" 0 "$cli" infer --synthetic-us 1000 --rate 3000 --requests 3000 --apply-advice --json --no-save
python3 - "$tmp/out" <<'PY'; check "judged half-way, the advice applied live, checked at the end" $?
import json, sys
j = json.load(open(sys.argv[1]))
b = j["verdict_before"]
assert b["bottleneck"] == "queue behind a busy server", b
assert b["advice"] and b["advice"][0]["knob"] == "max_batch" and b["advice"][0]["to"] > 1, b
assert j["applied"]["knob"] == "max_batch" and j["applied"]["first_request"] > 0, j["applied"]
assert "predicted p99" in j["advice_check"]["text"], j["advice_check"]
assert j["verdict"]["bottleneck"] != "unknown", j["verdict"]
PY
expect_exit "infer prints its verdict" 0 "$cli" infer --synthetic-us 100 --rate 500 --requests 300 --no-save
grep -q '^verdict (requests [0-9]*-299): ' "$tmp/out" && grep -q '^  mean latency: late ' "$tmp/out"
check "the verdict and the mean latency's parts" $?
# A saved stream keeps its verdicts; sessions show numbers them by request, advice lines start "try".
expect_exit "infer saves its verdicts" 0 "$cli" infer --synthetic-us 800 --rate 1000 --requests 2500 --db "$tmp/verdicts.db"
expect_exit "sessions show (an inference session's verdicts)" 0 "$cli" sessions --db "$tmp/verdicts.db" show 1
grep -q '^  requests [0-9]*-[0-9]*: queue behind a busy server: ' "$tmp/out" && grep -q '^      try max batch 1 → ' "$tmp/out" &&
  ! grep -q '^  iterations ' "$tmp/out"
check "its verdict rows are per request range, each advice a try" $?
# --apply-advice with a session: the window after the change checks it (a short window just
# before the change once wiped the advice, and no check was ever saved). The CLI judges its own
# window (the first half), the session its 2-second ones, so the change may not be the session's
# last advice (max batch 1 -> 8 where it advised 1 -> 4): the session then predicts that change
# itself. Either way one check is saved, naming the change the CLI applied.
expect_exit "infer --apply-advice saves the check" 0 "$cli" infer --synthetic-us 800 --rate 1000 --requests 8000 \
    --apply-advice --db "$tmp/applied.db"
applied=$(sed -n 's/^applied \(max batch 1 → [0-9]*\) (from request .*/\1/p' "$tmp/out")
grep -q '^advice check: predicted p99 ' "$tmp/out" && [ -n "$applied" ]; check "the CLI applied the advice and checked it" $?
expect_exit "sessions show (the applied advice)" 0 "$cli" sessions --db "$tmp/applied.db" show 1
python3 - "$tmp/out" "$applied" <<'PY'
import re, sys
text, applied = open(sys.argv[1]).read(), sys.argv[2]
at, to = re.search(r"^  at iteration (\d+): max_batch 1 -> (\d+)$", text, re.M).groups()
assert applied == "max batch 1 → " + to, (applied, to)
# The advice a change applies: that of the last window of 100 requests or more before it.
advice = []
for first, last, body in re.findall(r"^  requests (\d+)-(\d+): (.*?)(?=^  requests |\Z)", text, re.M | re.S):
    if int(last) < int(at) and int(last) - int(first) + 1 >= 100:
        advice = re.findall(r"^      try (.+?) — expected: ", body, re.M)
checks = re.findall(r"^      (advice|change) applied \((max batch 1 → \d+)(?:; ([^)]*))?\): predicted p99 .*; measured p99 ", text, re.M)
if applied in advice:
    assert checks == [("advice", applied, "")], (advice, checks)
else:
    other = "the last advice was " + advice[0] if advice else "no advice before it"
    assert checks == [("change", applied, other)], (advice, checks)
PY
check "the session keeps the check of the applied advice" $?
expect_exit "--apply-advice with --requests 0" 2 "$cli" infer --synthetic-us 100 --requests 0 --apply-advice --no-save

expect_exit "server scenario" 0 "$cli" infer --synthetic-us 500 --scenario server --p99-bound-us 5000 \
    --requests 300 --rate 500 --db "$tmp/probes.db"
grep -q '^probes saved as sessions 1-[0-9]* in .*probes.db, tagged server-' "$tmp/out"; check "the probes are saved as sessions" $?
grep -q '^server: .* requests/s keeps p99 under 5000 us' "$tmp/out"; check "server scenario finds a rate" $?
python3 - "$tmp/out" <<'PY'; check "the rate found is below the service's capacity (2000/s)" $?
import re, sys
rate = float(re.search(r"^server: ([0-9.]+) requests/s", open(sys.argv[1]).read(), re.M).group(1))
assert 0 < rate < 2000, rate  # below capacity; how far below depends on the machine's load
PY

expect_exit "sweep" 0 "$cli" sweep --synthetic-us 200 --rates 500,1000 --max-batches 1,4 --requests 200 --db "$tmp/sweeps.db"
[ "$(grep -cE '^ +[14] +(500|1000)\.0 ' "$tmp/out")" -eq 4 ]; check "sweep prints one row per (max batch, rate)" $?
tag=$(sed -n 's/^saved as sessions 1-4 in .*sweeps.db, tagged \(sweep-[0-9-]*\)$/\1/p' "$tmp/out")
[ -n "$tag" ]; check "says the four points were saved, and their tag" $?
expect_exit "sessions list --tag (the sweep)" 0 "$cli" sessions --db "$tmp/sweeps.db" list --tag "$tag" --json
python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert len(l)==4 and all(s["requests"]==200 and s["mode"]=="infer" for s in l), l' "$tmp/out"
check "the sweep's points are sessions of 200 requests each" $?
expect_exit "sessions compare the sweep's points" 0 "$cli" sessions --db "$tmp/sweeps.db" compare 1 2 3 4
grep -q 'rate \*' "$tmp/out" && grep -q 'max_batch \*' "$tmp/out" && grep -q 'latency p99' "$tmp/out"
check "compare shows rate and max batch against latency" $?
expect_exit "sweep --json --no-save" 0 "$cli" sweep --synthetic-us 200 --rates 800 --max-batches 2 --requests 100 --json --no-save
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); p=j["points"][0]; assert p["max_batch"]==2 and p["result"]["completed"]==100 and "session" not in p and j["tag"] is None, j' "$tmp/out"
check "sweep JSON has the points (not saved)" $?

# --requests 0 runs until Ctrl-C, then prints what it served.
# (timeout delivers the signal: a background job of a non-interactive shell starts with SIGINT ignored.)
timeout --preserve-status -s INT -k 20 1.5 "$cli" infer --synthetic-us 50 --rate 1000 --requests 0 --no-save \
    >"$tmp/out" 2>"$tmp/err"; rc=$?
[ "$rc" -eq 0 ] && grep -q '^served [1-9][0-9]* of [1-9][0-9]* requests' "$tmp/out"; check "Ctrl-C stops an endless stream and reports it (exit $rc)" $?

# Bad command lines: exit 2, naming the option.
expect_exit "no model" 2 "$cli" infer --mode poisson
grep -q 'needs --checkpoint' "$tmp/err"; check "says a checkpoint is needed" $?
expect_exit "max batch out of range" 2 "$cli" infer --synthetic-us 1 --max-batch 300
grep -q 'max batch 300 is out of range (1 to 256)' "$tmp/err"; check "names the range" $?
expect_exit "unknown mode" 2 "$cli" infer --synthetic-us 1 --mode sometimes
expect_exit "rate 0" 2 "$cli" infer --synthetic-us 1 --rate 0
expect_exit "unknown scenario" 2 "$cli" infer --synthetic-us 1 --scenario batchy
expect_exit "sweep with bad rates" 2 "$cli" sweep --synthetic-us 1 --rates fast
expect_exit "infer --help" 0 "$cli" infer --help
grep -q -- '--queue-delay-us' "$tmp/out" && grep -q 'coordinated omission' "$tmp/out"; check "help lists the knobs and the latency rule" $?

# Bad checkpoints: exit 1 with a message naming the file.
expect_exit "missing checkpoint" 1 "$cli" infer --checkpoint "$tmp/none.ckpt" --no-save
grep -q "$tmp/none.ckpt" "$tmp/err"; check "names the missing file" $?
echo "epoch,loss" >"$tmp/foreign.ckpt"
expect_exit "foreign file" 1 "$cli" infer --checkpoint "$tmp/foreign.ckpt" --no-save
grep -q 'not a Batchscope checkpoint' "$tmp/err"; check "says the file is not a checkpoint" $?

data_dir=$(dpkg -L dataset-fashion-mnist 2>/dev/null | grep 't10k-images-idx3-ubyte.gz$' | xargs -r dirname)
if [ -n "$data_dir" ]; then
  expect_exit "train --save-checkpoint" 0 "$cli" train --epochs 1 --workers 0 --prefetch 0 --train-limit 3000 \
      --test-limit 500 --quiet --no-save --save-checkpoint "$tmp/model.ckpt"
  grep -q "^checkpoint written to $tmp/model.ckpt" "$tmp/out" && [ -s "$tmp/model.ckpt" ]; check "writes the checkpoint" $?

  expect_exit "infer a checkpoint, poisson" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" --mode poisson --rate 3000 \
      --requests 600 --max-batch 8 --queue-delay-us 300 --test-limit 500
  grep -q 'served accuracy [0-9.]*% (600 checked)' "$tmp/out"; check "checks every answer" $?
  grep -q '^saved as session 1 in ' "$tmp/out"; check "saves the stream as a session" $?
  expect_exit "infer --json, closed loop" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" --mode closed --concurrency 4 \
      --requests 300 --max-batch 4 --test-limit 500 --json
  python3 - "$tmp/out" <<'PY'; check "JSON: accuracy, percentiles with sample counts, batch sizes that add up" $?
import json, sys
j = json.load(open(sys.argv[1]))
r = j["result"]
assert j["state"] == "finished" and r["completed"] == 300, j
assert 0.5 < r["accuracy"] <= 1.0, r["accuracy"]
ps = {p["p"]: p for p in r["latency_us"]["percentiles"]}
assert set(ps) == {50, 90, 95, 99, 99.9}, ps
assert ps[50]["enough"] and not ps[99]["enough"] and ps[99]["needed"] == 1000, ps
assert ps[50]["value"] <= ps[99]["value"] <= r["latency_us"]["max"], ps
assert sum(int(k) * v for k, v in r["batch_sizes"].items()) == 300, r["batch_sizes"]
assert max(int(k) for k in r["batch_sizes"]) <= 4, r["batch_sizes"]
assert j["config"]["concurrency"] == 4 and j["session"]["id"] == 2, j
PY
  expect_exit "single-stream scenario" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" --scenario single-stream \
      --requests 300 --test-limit 500 --no-save
  grep -q '^single stream: p90 latency [0-9.]* us' "$tmp/out"; check "reports p90" $?
  expect_exit "offline scenario" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" --scenario offline --requests 1000 \
      --max-batch 64 --test-limit 500 --no-save
  grep -q '^offline: [0-9.]* samples/s at max batch 64' "$tmp/out"; check "reports offline throughput" $?
  expect_exit "bursts" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" --mode bursts --burst 16 --rate 2000 \
      --requests 320 --max-batch 16 --test-limit 500 --no-save

  expect_exit "sessions compare two streams" 0 "$cli" sessions compare 1 2
  grep -q 'max_batch \*' "$tmp/out" && grep -q 'concurrency \*' "$tmp/out" && grep -q 'latency p99' "$tmp/out"
  check "compare diffs the inference knobs and latency" $?

  # --save-events: the per-request trace events are kept and exported as a Chrome trace.
  expect_exit "infer --save-events" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" --mode poisson --rate 4000 \
      --requests 200 --max-batch 4 --queue-delay-us 200 --test-limit 500 --save-events --db "$tmp/events.db"
  grep -q '^trace events saved: [0-9]* (a Chrome trace: sessions export 1 --format chrome' "$tmp/out"
  check "says how many trace events were saved" $?
  expect_exit "sessions export --format chrome (infer)" 0 "$cli" sessions --db "$tmp/events.db" export 1 \
      --format chrome -o "$tmp/infer-trace.json"
  python3 - "$tmp/infer-trace.json" <<'PY'; check "the trace has every request with its queue wait, h2d, compute and d2h nested" $?
import json, sys
from collections import defaultdict
ev = json.load(open(sys.argv[1]))["traceEvents"]
per = defaultdict(list)
for e in ev:
    if e["ph"] in ("b", "e") and e["cat"] == "request":
        per[e["id"]].append(e)
assert len(per) == 200, len(per)
for rid, es in per.items():
    names = [e["name"] for e in es if e["ph"] == "b"]
    assert names == ["request", "queue wait", "h2d", "compute", "d2h"], (rid, names)
    stack = []
    for e in es:  # properly nested, in time order
        if e["ph"] == "b": stack.append(e["name"])
        else: assert stack.pop() == e["name"], (rid, es)
    assert not stack and [e["ts"] for e in es] == sorted(e["ts"] for e in es), (rid, es)
batches = [e for e in ev if e["ph"] == "X" and e["name"].startswith("batch from request")]
threads = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert batches and all(threads[b["tid"]] == "server" for b in batches), threads
assert any(e["ph"] == "X" and e["name"] == "compute" and threads[e["tid"]] == "server" for e in ev)
PY
  expect_exit "sessions export --format chrome (infer, saved without events)" 0 "$cli" sessions export 1 \
      --format chrome -o "$tmp/rows-trace.json"
  grep -q 'rebuilt from its 600 request rows' "$tmp/err"; check "says the trace is rebuilt from the request rows" $?
  python3 -c 'import json,sys; ev=json.load(open(sys.argv[1]))["traceEvents"]; ids={e["id"] for e in ev if e["ph"]=="b" and e["name"]=="request"}; assert len(ids)==600, len(ids)' \
      "$tmp/rows-trace.json"; check "the rebuilt trace has the 600 requests" $?
  expect_exit "--save-events with --no-save" 2 "$cli" infer --checkpoint "$tmp/model.ckpt" --save-events --no-save
  grep -q 'cannot go with --no-save' "$tmp/err"; check "says --save-events needs a saved session" $?

  # --backend cuda: never a silent CPU fallback.
  BATCHSCOPE_GPU_PLUGIN=/nonexistent/libbatchscope_cuda.so expect_exit "--backend cuda without the plugin" 2 \
      "$cli" infer --checkpoint "$tmp/model.ckpt" --backend cuda --requests 10 --no-save
  grep -q 'GPU unavailable: .*/nonexistent/libbatchscope_cuda.so.*--backend cpu' "$tmp/err"; check "gives the probe's reason" $?
  expect_exit "--backend cuda with a synthetic service" 2 "$cli" infer --synthetic-us 10 --backend cuda --no-save
  expect_exit "--backend tpu" 2 "$cli" infer --checkpoint "$tmp/model.ckpt" --backend tpu --no-save
  if [ -n "$fake_plugin" ]; then
    # The fake plugin's kernels run on the host (EMULATED, never timed as a GPU): the wiring end to end.
    BATCHSCOPE_GPU_PLUGIN="$fake_plugin" BS_FAKE_COMPUTE=emulate BS_FAKE_DEVICE_BYTES=200000000 \
      expect_exit "infer --backend cuda (fake plugin, emulated kernels)" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" \
      --backend cuda --mode closed --concurrency 2 --max-batch 2 --requests 500 --test-limit 500 --json --db "$tmp/cuda.db"
    cp "$tmp/out" "$tmp/cuda.json"
    expect_exit "the same on the CPU" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" --mode closed --concurrency 2 \
        --max-batch 2 --requests 500 --test-limit 500 --json --no-save
    python3 - "$tmp/cuda.json" "$tmp/out" <<'PY'; check "served on CUDA with the CPU's accuracy; the session records the backend" $?
import json, sys
g, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert g["backend"].startswith("CUDA") and g["compute_backend"] == "cuda", g["backend"]
assert "CUDA events" in g["timing"] and "CUPTI unavailable: the GPU plugin has no CUPTI collector" in g["timing"], g["timing"]
# the path, graphs on by default, every size captured before the stream (no capture while serving)
assert g["backend"].endswith("tuned MLP, CUDA graphs (10 batch sizes up to 256, captured before the stream; "
                             "a batch is padded to the next)"), g["backend"]
assert g["result"]["gpu_timing"]["mode"] == "CUDA events" and g["result"]["device"]["kernels"] == [], g["result"]
assert "host clock" in c["timing"], c["timing"]
assert g["config"]["compute_backend"] == "cuda" and c["compute_backend"] == "cpu", g["config"]
assert g["result"]["checked"] == 500 and g["result"]["accuracy"] == c["result"]["accuracy"], (g["result"], c["result"])
PY
    # With the fake CUPTI collector (EMULATED records of the emulated kernels and copies): each
    # batch's phases from its records, the kernel and copy tables, the GPU lanes in the saved trace.
    BATCHSCOPE_GPU_PLUGIN="$fake_plugin" BS_FAKE_COMPUTE=emulate BS_FAKE_DEVICE_BYTES=200000000 BS_FAKE_CUPTI=on \
      expect_exit "infer --backend cuda traced by (fake) CUPTI" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" \
      --backend cuda --mode closed --concurrency 2 --max-batch 2 --requests 300 --test-limit 300 --save-events \
      --db "$tmp/cupti.db"
    cp "$tmp/out" "$tmp/cupti-live.txt"
    grep -q '^timing: h2d, compute and d2h from CUPTI activity records' "$tmp/out"; check "the timing line says CUPTI" $?
    grep -qE '^GPU phases from CUPTI records: [0-9]+ batches; from CUDA events \(no record in time\): 0$' "$tmp/out"
    check "every batch's phases came from its records" $?
    grep -qE '^  copy HtoD pinned: [0-9]+ calls, .* GB/s$' "$tmp/out" && grep -qE '^  kernel fake_sgemm ' "$tmp/out"
    check "prints the kernel and copy tables" $?
    expect_exit "sessions show (CUPTI-traced stream)" 0 "$cli" sessions --db "$tmp/cupti.db" show 1
    grep -q 'GPU timing: CUPTI activity records' "$tmp/out"; check "the saved session says how the GPU was timed" $?
    expect_exit "sessions export (CUPTI-traced stream)" 0 "$cli" sessions --db "$tmp/cupti.db" export 1 --format chrome \
        -o "$tmp/cupti-trace.json"
    python3 - "$tmp/cupti-trace.json" <<'PY'; check "the Chrome trace has copy- and compute-stream lanes from the records" $?
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
lanes = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert any(l.startswith("copy stream") for l in lanes) and any(l.startswith("compute stream") for l in lanes), lanes
assert sum(1 for e in ev if e["ph"] == "b" and e["name"] == "request") == 300
PY
    # The saved stream keeps its CUPTI records by name: the live run's kernel and copy tables.
    expect_exit "sessions show --kernels --copies (CUPTI-traced stream)" 0 "$cli" sessions --db "$tmp/cupti.db" show 1 \
        --kernels --copies --top 0 --json
    python3 - "$tmp/cupti-live.txt" "$tmp/out" "$tmp/cupti-trace.json" <<'PY'; check "the saved stream's kernel and copy tables are the live run's, each kernel drawn once" $?
import json, re, sys
live, saved = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
kernels = {k["name"]: k["calls"] for k in saved["kernels"]}
live_k = {m.group(1): int(m.group(2)) for m in re.finditer(r'^  kernel (\S+)\s+(\d+) calls', live, re.M)}
assert "fake_sgemm" in live_k, live
assert all(kernels.get(n) == c for n, c in live_k.items()), (live_k, kernels)
live_c = {(m.group(1), m.group(2)): int(m.group(3)) for m in re.finditer(r'^  copy (HtoD|DtoH) (\w+): (\d+) calls', live, re.M)}
saved_c = {(c["direction"], c["host_memory"]): c["calls"] for c in saved["copies"] if c["direction"] in ("HtoD", "DtoH")}
assert live_c and live_c == saved_c, (live_c, saved_c)
ev = json.load(open(sys.argv[3]))["traceEvents"]
assert sum(1 for e in ev if e.get("ph") == "X" and e.get("cat") == "kernel") == sum(kernels.values())
PY
    BATCHSCOPE_GPU_PLUGIN="$fake_plugin" BS_FAKE_COMPUTE=emulate BS_FAKE_DEVICE_BYTES=200000000 BS_FAKE_CUPTI=refuse \
      expect_exit "infer --backend cuda with CUPTI refused" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" \
      --backend cuda --requests 50 --test-limit 300 --no-save
    grep -q '^timing: .*CUDA events.*; CUPTI unavailable: .*another profiler' "$tmp/out"
    check "CUPTI refused: CUDA events, with the reason" $?
    BATCHSCOPE_GPU_PLUGIN="$fake_plugin" BS_FAKE_COMPUTE=emulate BS_FAKE_DEVICE_BYTES=200000000 BS_FAKE_CUPTI=on \
      expect_exit "infer --backend cuda --no-cupti" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" \
      --backend cuda --no-cupti --requests 50 --test-limit 300 --no-save
    grep -q '^timing: .*CUPTI unavailable: turned off by the user' "$tmp/out"; check "--no-cupti: CUDA events, said" $?
    # A training run on the emulated GPU, traced by the fake CUPTI and saved with its events: the
    # saved session's kernel and copy tables are the ones the run printed.
    BATCHSCOPE_GPU_PLUGIN="$fake_plugin" BS_FAKE_COMPUTE=emulate BS_FAKE_DEVICE_BYTES=200000000 BS_FAKE_CUPTI=on \
      expect_exit "train --backend cuda traced by (fake) CUPTI, --save-events" 0 "$cli" train --backend cuda \
      --model mlp:32,16 --epochs 1 --workers 0 --prefetch 0 --train-limit 600 --test-limit 200 --save-events --json \
      --db "$tmp/cupti-train.db"
    cp "$tmp/out" "$tmp/cupti-train.json"
    expect_exit "sessions show --kernels --copies (CUPTI-traced training)" 0 "$cli" sessions --db "$tmp/cupti-train.db" \
        show 1 --kernels --copies --top 0 --json
    python3 - "$tmp/cupti-train.json" "$tmp/out" <<'PY'; check "the saved training run's kernel and copy tables are the live run's" $?
import json, sys
live, saved = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert live["gpu_timing"]["mode"] == "CUPTI", live["gpu_timing"]
assert live["session"]["events_dropped"] == 0, live["session"]
lk = [(k["name"], k["calls"], k["total_ns"]) for k in live["device"]["kernels"]]
sk = [(k["name"], k["calls"], k["total_ns"]) for k in saved["kernels"]]
assert any(k[0] == "fake_sgemm" for k in sk) and lk == sk, (lk, sk)
lc = sorted((c["direction"], c["calls"], c["bytes"], c["total_ns"]) for c in live["device"]["copies"])
sc = sorted((c["direction"], c["calls"], c["bytes"], c["total_ns"]) for c in saved["copies"])
assert lc == sc and any(c[0] == "HtoD" and c[2] >= 600 * 784 for c in sc), (lc, sc)
PY
    expect_exit "sessions show (CUDA stream)" 0 "$cli" sessions --db "$tmp/cuda.db" show 1
    grep -q 'CUDA' "$tmp/out"; check "the saved session names the CUDA backend" $?
    # CUDA graphs (emulated by the fake plugin): off on request, and a capture that fails is said.
    BATCHSCOPE_GPU_PLUGIN="$fake_plugin" BS_FAKE_COMPUTE=emulate BS_FAKE_DEVICE_BYTES=200000000 \
      expect_exit "infer --backend cuda --no-cuda-graphs" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" \
      --backend cuda --no-cuda-graphs --requests 50 --test-limit 100 --no-save
    grep -q '^backend: CUDA, .*, no CUDA graphs (--no-cuda-graphs)$' "$tmp/out"; check "says graphs are off" $?
    BATCHSCOPE_GPU_PLUGIN="$fake_plugin" BS_FAKE_COMPUTE=emulate BS_FAKE_DEVICE_BYTES=200000000 BS_FAKE_GRAPH=fail_capture \
      expect_exit "infer --backend cuda, capture fails" 0 "$cli" infer --checkpoint "$tmp/model.ckpt" \
      --backend cuda --requests 50 --test-limit 100 --no-save
    grep -q '^backend: CUDA, .*, no CUDA graphs: capturing a CUDA graph for a batch of 1 failed (.*cudaErrorStreamCaptureUnsupported' \
      "$tmp/out"; check "says why graphs are not used" $?
    cnn_ok=0
    "$cli" train --model cnn:4:fc=0 --epochs 1 --workers 0 --prefetch 0 --train-limit 200 --test-limit 100 --quiet \
        --no-save --save-checkpoint "$tmp/cnn.ckpt" >/dev/null 2>&1 || cnn_ok=1
    check "train a small CNN checkpoint" $cnn_ok
    BATCHSCOPE_GPU_PLUGIN="$fake_plugin" BS_FAKE_COMPUTE=emulate BS_FAKE_DEVICE_BYTES=200000000 \
      expect_exit "a CNN on --backend cuda (layer stack, emulated kernels)" 0 "$cli" infer --checkpoint "$tmp/cnn.ckpt" \
      --backend cuda --mode closed --max-batch 4 --concurrency 4 --requests 100 --test-limit 100 --json --no-save
    cp "$tmp/out" "$tmp/cnn-cuda.json"
    expect_exit "the CNN on the CPU" 0 "$cli" infer --checkpoint "$tmp/cnn.ckpt" --mode closed --max-batch 4 \
        --concurrency 4 --requests 100 --test-limit 100 --json --no-save
    python3 - "$tmp/cnn-cuda.json" "$tmp/out" <<'PY'; check "the CNN is served on CUDA as the layer stack with the CPU's accuracy" $?
import json, sys
g, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert g["backend"].startswith("CUDA") and g["backend"].endswith("layer stack"), g["backend"]
assert g["result"]["checked"] == 100 and g["result"]["accuracy"] == c["result"]["accuracy"], (g["result"], c["result"])
PY
  fi

  head -c 5000 "$tmp/model.ckpt" >"$tmp/cut.ckpt"
  expect_exit "truncated checkpoint" 1 "$cli" infer --checkpoint "$tmp/cut.ckpt" --no-save
  grep -q 'truncated checkpoint' "$tmp/err"; check "says the checkpoint is truncated" $?
  cp "$tmp/model.ckpt" "$tmp/flip.ckpt"
  printf '\x55' | dd of="$tmp/flip.ckpt" bs=1 seek=100000 conv=notrunc status=none
  expect_exit "corrupt checkpoint" 1 "$cli" infer --checkpoint "$tmp/flip.ckpt" --no-save
  grep -q 'corrupt checkpoint: CRC32 mismatch' "$tmp/err"; check "says the checkpoint is corrupt" $?
else
  echo "skip checkpoint serving checks: dataset-fashion-mnist is not installed"
fi

finish
