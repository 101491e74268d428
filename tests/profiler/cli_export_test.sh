#!/usr/bin/env bash
# batchscope-cli train --trace-json/--csv/--summary on a short real run: the Chrome trace parses
# and has its lanes and iterations, the CSV has a row per iteration, the summary a verdict.
set -u
cli=${1:?usage: cli_export_test.sh path/to/batchscope-cli}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
data_dir=$(dpkg -L dataset-fashion-mnist 2>/dev/null | grep 'train-images-idx3-ubyte.gz$' | xargs -r dirname)
if [ -z "$data_dir" ]; then echo "skipped: dataset-fashion-mnist is not installed"; exit 0; fi

"$cli" train --batch 100 --workers 2 --prefetch 1 --train-limit 2000 --test-limit 500 --no-save --quiet \
    --trace-json "$tmp/t.json" --csv "$tmp/i.csv" --summary "$tmp/s.md" >"$tmp/out" 2>"$tmp/err" \
    || { cat "$tmp/err"; echo "FAIL train exited $?"; exit 1; }
python3 - "$tmp" <<'PY'
import csv, json, sys
d = sys.argv[1]
ev = json.load(open(f"{d}/t.json"))["traceEvents"]
names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert names.get(1) == "training loop (controller)", names
assert "loader worker 0" in names.values() and "loader worker 1" in names.values(), names
xs = [e for e in ev if e["ph"] == "X"]
assert all(e["tid"] in names and e["dur"] >= 0 and e["ts"] >= 0 for e in xs)
def steps(xs):  # Kineto's iteration: a ProfilerStep#N annotation on the controller
    return [e for e in xs if e["cat"] == "user_annotation" and e["name"].startswith("ProfilerStep#") and e["tid"] == 1]
doc = json.load(open(f"{d}/t.json"))
assert doc["schemaVersion"] == 1 and doc["distributedInfo"] == {"rank": 0, "world_size": 1, "backend": "none"}, doc.keys()
iters = steps(xs)
rows = list(csv.DictReader(open(f"{d}/i.csv")))
assert len(iters) == len(rows) == 20, (len(iters), len(rows))
# A batch may be built in chunks by several workers: one load slice per chunk.
assert len({e["name"] for e in xs if e["name"].startswith("load batch")}) == 20
for r in rows:
    parts = sum(float(r[k]) for k in ("data_wait_ms", "h2d_ms", "compute_ms", "d2h_ms", "host_ms"))
    assert abs(parts - float(r["wall_ms"])) < 1e-3, r
md = open(f"{d}/s.md").read()
for want in ("## Where the time went", "## Verdict", "## Loader", "-bound"):
    assert want in md, want
print("ok   trace, CSV and summary exported")
PY
[ $? -eq 0 ] || exit 1

# The raw events kept in the session (--save-events) and a Chrome trace rebuilt from the store;
# a session without them is rebuilt from its iteration rows and says so.
db="$tmp/s.db"
"$cli" train --batch 100 --workers 2 --prefetch 1 --train-limit 2000 --test-limit 500 --quiet \
    --db "$db" --save-events >"$tmp/out2" 2>"$tmp/err2" || { cat "$tmp/err2"; echo "FAIL train --save-events"; exit 1; }
grep -q "raw events: [1-9][0-9]* saved, 0 dropped" "$tmp/out2" || { cat "$tmp/out2"; echo "FAIL events line"; exit 1; }
"$cli" train --batch 100 --workers 1 --train-limit 1000 --test-limit 100 --quiet --db "$db" >/dev/null 2>&1 \
    || { echo "FAIL second train"; exit 1; }
"$cli" sessions --db "$db" export 1 --format chrome -o "$tmp/s1.json" 2>"$tmp/e1" || { cat "$tmp/e1"; echo "FAIL export 1"; exit 1; }
"$cli" sessions --db "$db" export 2 --format chrome -o "$tmp/s2.json" 2>"$tmp/e2" || { cat "$tmp/e2"; echo "FAIL export 2"; exit 1; }
grep -q "no stored trace events" "$tmp/e2" || { cat "$tmp/e2"; echo "FAIL rebuilt note"; exit 1; }
if "$cli" sessions --db "$db" export 9 --format chrome -o "$tmp/s9.json" 2>"$tmp/e9"; then echo "FAIL export 9 succeeded"; exit 1; fi
grep -q "no session 9" "$tmp/e9" || { cat "$tmp/e9"; echo "FAIL export 9 message"; exit 1; }
if "$cli" train --save-events --no-save --train-limit 100 >/dev/null 2>"$tmp/e3"; then echo "FAIL --save-events --no-save accepted"; exit 1; fi
grep -q "cannot go with --no-save" "$tmp/e3" || { cat "$tmp/e3"; echo "FAIL usage message"; exit 1; }
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
def load(p):
    ev = json.load(open(p))["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
    xs = [e for e in ev if e["ph"] == "X"]
    assert all(e["tid"] in names and e["dur"] >= 0 and e["ts"] >= 0 for e in xs)
    return names, xs
names, xs = load(f"{d}/s1.json")
assert names.get(1) == "training loop (controller)" and "loader worker 0" in names.values() and "loader worker 1" in names.values(), names
def steps(xs):
    return [e for e in xs if e["cat"] == "user_annotation" and e["name"].startswith("ProfilerStep#") and e["tid"] == 1]
assert len(steps(xs)) == 20
assert len({e["name"] for e in xs if e["name"].startswith("load batch")}) == 20
assert any(e["name"] == "evaluate" for e in xs)
# The CPU backend in Kineto's words: the data wait an annotation, the batch copy a pageable memcpy,
# compute a cpu_op (no kernels: nothing ran on a GPU).
cats = {(e["name"], e["cat"]) for e in xs}
assert {("enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__", "user_annotation"),
        ("Memcpy HtoD (Pageable -> Device)", "gpu_memcpy"), ("compute", "cpu_op"), ("read", "cpu_op"),
        ("collate", "cpu_op")} <= cats, cats
assert not any(e["cat"] == "kernel" for e in xs)
names, xs = load(f"{d}/s2.json")
assert list(names.values()) == ["training loop (controller)"], names
assert len(steps(xs)) == 10
print("ok   events saved with the session and exported as a Chrome trace")
PY
