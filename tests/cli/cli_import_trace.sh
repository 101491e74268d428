#!/usr/bin/env bash
# import-trace end to end: the real traces in tests/data/traces give the shares that the
# independent script trace_shares.py computed (expected_shares.json); a folder of ranks is one
# import whose ranks `sessions compare --tag` sets side by side; bad input is refused, naming
# the file, with the session file left exactly as it was.
set -u
cli=${1:?usage: cli_import_trace.sh path/to/batchscope-cli}
source "$(dirname "$0")/check_lib.sh"
data="$(cd "$(dirname "$0")/../data/traces" && pwd)"

expect_exit "import the five test traces (--json)" 0 "$cli" import-trace --json \
    "$data/rank-0.json.gz" "$data/rank-1.json.gz" "$data/nccl-2ranks-rank0.json.gz" \
    "$data/no-distributed-info.json.gz" "$data/cpu-legacy.json.gz"
python3 - "$tmp/out" "$data/expected_shares.json" <<'PY'; check "JSON: keys, steps, window and shares as the independent script" $?
import json, os, sys
got = json.load(open(sys.argv[1]))
want = {t["file"]: t for t in json.load(open(sys.argv[2]))["traces"]}
assert list(got) == ["ranks"] and len(got["ranks"]) == 5
for r in got["ranks"]:
    assert sorted(r) == ["file", "rank", "share", "steps", "window_ms", "world_size"], sorted(r)
    w = want[os.path.basename(r["file"])]
    assert r["steps"] == w["steps"] and r["rank"] == w["rank"] and r["world_size"] == w["world_size"], r
    assert abs(r["window_ms"] - w["window_ns"] / 1e6) < 1e-9, r
    assert sorted(r["share"]) == sorted(w["share"]), r["share"]
    for k, v in w["share"].items():
        assert abs(r["share"][k] - v) < 1e-12, (k, r["share"][k], v)
    assert abs(sum(r["share"].values()) - 1) < 1e-9
PY
expect_exit "sessions list --mode imported" 0 "$cli" sessions list --mode imported --json
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/out")" = 5 ]; check "five imported sessions" $?
grep -q '"tags": \[' "$tmp/out" && grep -q 'import-20' "$tmp/out"; check "tagged import-YYYYMMDD-HHMMSS" $?

mkdir -p "$tmp/job"
cp "$data/rank-0.json.gz" "$data/rank-1.json.gz" "$tmp/job/"; echo notes > "$tmp/job/README.txt"
expect_exit "import a folder of ranks (text)" 0 "$cli" import-trace "$tmp/job" --name "job A"
grep -q 'skipped.*README.txt' "$tmp/err"; check "lists the skipped file" $?
grep -q '^rank 0 of 128' "$tmp/out" && grep -q '^rank 1 of 128' "$tmp/out"; check "prints each rank" $?
grep -q 'compute .*comm .*h2d .*d2h .*other gpu .*data wait .*host' "$tmp/out"; check "prints each part's share" $?
grep -q '^  kept for the timeline and tables: [0-9]* events of 2 of 2 steps (sessions show [0-9]* --kernels' "$tmp/out"
check "says which events were kept for the timeline and tables" $?
tag=$(grep -oE 'import-[0-9]+-[0-9]+(-[0-9]+)?' "$tmp/out" | head -1)
expect_exit "sessions compare --tag (the ranks)" 0 "$cli" sessions compare --tag "$tag"
grep -q '^ranks (mean per step, ms)' "$tmp/out" && grep -q 'straggler' "$tmp/out"; check "per-rank and per-step tables" $?
expect_exit "sessions compare --tag --json" 0 "$cli" sessions compare --tag "$tag" --json
python3 - "$tmp/out" <<'PY'; check "JSON: two ranks, two steps with their slowest rank" $?
import json, sys
r = json.load(open(sys.argv[1]))["ranks"]
assert [x["rank"] for x in r["ranks"]] == [0, 1]
assert [s["step"] for s in r["steps"]] == [551, 552]
for s in r["steps"]:
    assert s["slowest_rank"] in (0, 1) and s["spread_ms"] >= 0
PY

# The kernel and copy tables of an imported session, from the events it kept.
expect_exit "sessions list --tag (ids)" 0 "$cli" sessions list --tag "$tag" --json
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$tmp/out")
expect_exit "sessions show --kernels --copies --json" 0 "$cli" sessions show "$id" --kernels --copies --top 0 --json
python3 - "$tmp/out" <<'PY'; check "kernel table (NCCL kernels among them, shares sum to 1) and copy table" $?
import json, sys
j = json.load(open(sys.argv[1]))
k, c = j["kernels"], j["copies"]
assert k and any("nccl" in x["name"].lower() for x in k), [x["name"] for x in k][:5]
assert abs(sum(x["share"] for x in k) - 1) < 1e-9
assert all(x["total_ns"] >= x["max_ns"] > 0 and x["calls"] >= 1 for x in k)
assert c and all(x["direction"] in ("HtoD", "DtoH", "DtoD", "HtoH", "PtoP", "unknown") for x in c), c
assert all(x["host_memory"] == ("-" if x["direction"] in ("DtoD", "PtoP") else x["host_memory"]) for x in c)
assert all(x["host_memory"] in ("pinned", "pageable", "-") for x in c)
assert "steps" in j["scope"], j["scope"]
PY
expect_exit "sessions show --kernels (text)" 0 "$cli" sessions show "$id" --kernels --top 3
grep -q '^kernels (' "$tmp/out" && grep -q 'more (--top 0 for all)' "$tmp/out"; check "the first 3 kernels, and how many more" $?

before=$(sha256sum "$BATCHSCOPE_DB" | cut -d' ' -f1)
printf 'this is not json' > "$tmp/bad.json"
expect_exit "not JSON" 1 "$cli" import-trace "$tmp/bad.json"
grep -q "$tmp/bad.json: is not JSON: byte 0" "$tmp/err" && grep -q 'Nothing was saved' "$tmp/err"; check "names the file and the byte" $?
cp "$data/rank-0.json.gz" "$tmp/again.json.gz"
expect_exit "the same rank twice" 1 "$cli" import-trace "$data/rank-0.json.gz" "$tmp/again.json.gz"
grep -q 'rank 0 again' "$tmp/err"; check "says which rank and files" $?
expect_exit "a folder without traces" 1 "$cli" import-trace "$tmp/job/README.txt" "$tmp/none"
[ "$(sha256sum "$BATCHSCOPE_DB" | cut -d' ' -f1)" = "$before" ]; check "the session file is untouched" $?

gzip -dc "$data/nccl-2ranks-rank0.json.gz" | head -c 8000000 > "$tmp/cut.json"
expect_exit "a truncated trace" 0 "$cli" import-trace "$tmp/cut.json"
grep -q 'warning: the file ends early at byte 8000000' "$tmp/out"; check "says where it ended and the steps lost" $?
expect_exit "--rank for a trace that names none" 0 "$cli" import-trace --json --rank 5 "$data/no-distributed-info.json.gz"
grep -q '"rank": 5' "$tmp/out"; check "rank 5" $?
# Round trip: a session of our own, exported by `sessions export --format chrome` and imported
# into another session file, gives the session's own breakdown. On the CPU backend compute is a
# cpu_op in the trace, which the importer counts as host: host comes back as compute + host.
# The expected shares are computed here from the session's iteration rows (its CSV).
data_dir=$(dpkg -L dataset-fashion-mnist 2>/dev/null | grep 'train-images-idx3-ubyte.gz$' | xargs -r dirname)
if [ -n "$data_dir" ]; then
  own="$tmp/own.db"
  expect_exit "train a tiny run" 0 "$cli" train --db "$own" --epochs 1 --train-limit 600 --test-limit 100 \
      --batch 100 --workers 0 --prefetch 0 --quiet
  for events in rows events; do
    id=1
    if [ "$events" = events ]; then
      expect_exit "train a tiny run (--save-events)" 0 "$cli" train --db "$own" --epochs 1 --train-limit 600 \
          --test-limit 100 --batch 100 --workers 2 --prefetch 2 --quiet --save-events
      id=2
    fi
    expect_exit "export session $id ($events) as a Chrome trace" 0 "$cli" sessions --db "$own" export $id \
        --format chrome --out "$tmp/own-$events.json"
    expect_exit "export session $id ($events) as CSV" 0 "$cli" sessions --db "$own" export $id --format csv \
        --out "$tmp/own-$events.csv"
    expect_exit "import-trace the export ($events)" 0 "$cli" import-trace --db "$tmp/reimported.db" --json \
        "$tmp/own-$events.json"
    python3 - "$tmp/out" "$tmp/own-$events.csv" <<'PY'; check "round trip ($events): the session's own shares" $?
import csv, json, sys
r = json.load(open(sys.argv[1]))["ranks"]
assert len(r) == 1 and r[0]["rank"] == 0 and r[0]["world_size"] == 1, r
rows = list(csv.DictReader(open(sys.argv[2])))
total = lambda k: sum(float(x[k]) for x in rows)
wall = total("wall_ms")
want = {"data_wait": total("data_wait_ms") / wall, "h2d": total("h2d_ms") / wall, "d2h": total("d2h_ms") / wall,
        "compute": 0.0, "comm": 0.0, "other_gpu": 0.0,
        "host": (total("compute_ms") + total("host_ms") + total("comm_ms") + total("other_gpu_ms")) / wall}
got = r[0]
assert got["steps"] == len(rows), (got["steps"], len(rows))
assert abs(got["window_ms"] - wall) < 1e-5 * len(rows), (got["window_ms"], wall)  # the CSV is rounded to the us
for k, v in want.items():
    assert abs(got["share"][k] - v) < 1e-5, (k, got["share"][k], v)
assert want["data_wait"] > 0 and want["host"] > 0
PY
  done
fi
finish
