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
assert names.get(1) == "controller", names
assert "loader worker 0" in names.values() and "loader worker 1" in names.values(), names
xs = [e for e in ev if e["ph"] == "X"]
assert all(e["tid"] in names and e["dur"] >= 0 and e["ts"] >= 0 for e in xs)
iters = [e for e in xs if e["cat"] == "iteration"]
rows = list(csv.DictReader(open(f"{d}/i.csv")))
assert len(iters) == len(rows) == 20, (len(iters), len(rows))
assert sum(1 for e in xs if e["name"].startswith("load batch")) == 20
for r in rows:
    parts = sum(float(r[k]) for k in ("data_wait_ms", "h2d_ms", "compute_ms", "d2h_ms", "host_ms"))
    assert abs(parts - float(r["wall_ms"])) < 1e-3, r
md = open(f"{d}/s.md").read()
for want in ("## Where the time went", "## Verdict", "## Loader", "-bound"):
    assert want in md, want
print("ok   trace, CSV and summary exported")
PY
