#!/usr/bin/env bash
# End-to-end checks of `batchscope-cli presets`: the built-in workshop scenarios list, show and
# play (short segments, real runs on Fashion-MNIST when installed), and bad input is refused.
set -u
cli=${1:?usage: cli_presets.sh path/to/batchscope-cli}
source "$(dirname "$0")/check_lib.sh"

expect_exit "presets list" 0 "$cli" presets list
for id in 1-loading-dominates 2-prefetch-hides-loading 3-batch-size-trade 4-inference-latency 5-random-reads-hurt 6-simple-vs-deep-models; do
  grep -q "$id" "$tmp/out"; check "lists $id" $?
done
grep -q '1-loading-dominates .*\[emulated storage\]' "$tmp/out"; check "marks presets with emulated storage" $?
expect_exit "presets list --json" 0 "$cli" presets list --json
python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert len(l)>=6 and all(p["steps"] for p in l)' "$tmp/out"
check "JSON list has every preset with its steps" $?
expect_exit "presets show by lesson number" 0 "$cli" presets show 2
grep -q '^step 1: Prefetch depth 0 → 4 \[live: prefetch_depth 4\]' "$tmp/out"; check "show prints the steps" $?
grep -q '^  expected: data wait below 5%' "$tmp/out"; check "show prints each step's expected outcome" $?
expect_exit "presets show unknown" 2 "$cli" presets show 99
grep -q 'no preset "99"' "$tmp/err"; check "names the unknown preset" $?
expect_exit "presets run without a preset" 2 "$cli" presets run
cat >"$tmp/bad.json" <<'JSON'
{"format": "batchscope-preset/1", "id": "bad", "lesson": 1, "title": "t", "summary": "s", "explanation": "e",
 "mode": "train", "config": {"prefetch_depth": 99}, "steps": []}
JSON
expect_exit "presets run --file with an out-of-range knob" 2 "$cli" presets run --file "$tmp/bad.json"
grep -q 'bad.json.*prefetch' "$tmp/err"; check "names the file and the knob" $?
expect_exit "presets run --file missing" 2 "$cli" presets run --file "$tmp/none.json"
grep -q 'none.json' "$tmp/err"; check "names the missing file" $?
expect_exit "presets run --segment-s 0" 2 "$cli" presets run 3 --segment-s 0

data_dir=$(dpkg -L dataset-fashion-mnist 2>/dev/null | grep 'train-images-idx3-ubyte.gz$' | xargs -r dirname)
if [ -n "$data_dir" ]; then
  # Lesson 3, start + one live step, one-second segments.
  expect_exit "presets run 3 (start + 1 step)" 0 "$cli" presets run 3 --segment-s 1 --steps 1 --json
  python3 - "$tmp/out" <<'PY'; check "two measured segments, one per setting" $?
import json, sys
j = json.load(open(sys.argv[1]))
s = j["segments"]
assert len(s) == 2, s
assert s[0]["setting"] == "start" and s[1]["setting"].startswith("Batch 8 "), s
assert all(x["iterations"] > 0 and x["samples_per_s"] > 0 for x in s), s
assert s[1]["first_iteration"] > s[0]["last_iteration"], s
PY
  expect_exit "sessions list --tag preset:3-batch-size-trade" 0 "$cli" sessions list --tag preset:3-batch-size-trade --json
  python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert len(l)==1 and l[0]["iterations"]>0, l' "$tmp/out"
  check "the run was saved and tagged" $?
  # Lesson 5: a restart step makes a second session.
  expect_exit "presets run 5 (restart step)" 0 "$cli" presets run 5 --segment-s 1 --steps 1 --json
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["segments"]; assert len(s)==2 and s[0]["session"]!=s[1]["session"], s' "$tmp/out"
  check "a restart step is a new session" $?
  # A run that finishes before the segment ends still goes on to a restart step (lesson 6 restarts
  # with other models); the restart can change the model.
  cat >"$tmp/short.json" <<'JSON'
{"format": "batchscope-preset/1", "id": "short", "lesson": 6, "title": "t", "summary": "s", "explanation": "e",
 "mode": "train", "config": {"model": "logreg", "epochs": 1, "train_limit": 512, "test_limit": 100},
 "steps": [{"title": "to svm", "explanation": "e", "restart": {"model": "svm"}}]}
JSON
  expect_exit "presets run --file (run ends, then a restart)" 0 "$cli" presets run --file "$tmp/short.json" --segment-s 1 --json
  python3 - "$tmp/out" <<'PY'; check "both models ran, each in its own session" $?
import json, sys
s = json.load(open(sys.argv[1]))["segments"]
assert len(s) == 2 and s[0]["session"] != s[1]["session"], s
assert all(x["iterations"] > 0 for x in s), s
PY
  expect_exit "sessions list --tag preset:short" 0 "$cli" sessions list --tag preset:short --json
  python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); m=sorted(x["config"]["model"] for x in l); assert m==["logreg","svm"], m' "$tmp/out"
  check "the sessions record the two models" $?
  expect_exit "presets run --no-save" 0 "$cli" presets run 1 --segment-s 1 --steps 0 --no-save
  grep -q 'emulated' "$tmp/out"; check "says the storage is emulated" $?
  # Lesson 4 serves a checkpoint under a live rate change.
  expect_exit "train a checkpoint" 0 "$cli" train --epochs 1 --train-limit 3000 --test-limit 200 --quiet --no-save \
      --save-checkpoint "$tmp/m.ckpt"
  expect_exit "presets run 4 --checkpoint" 0 "$cli" presets run 4 --segment-s 1 --steps 3 --checkpoint "$tmp/m.ckpt" --json
  python3 - "$tmp/out" <<'PY'; check "inference segments have requests and percentiles" $?
import json, sys
s = json.load(open(sys.argv[1]))["segments"]
assert len(s) == 4, s
assert all(x["requests"] > 100 and 0 < x["p50_us"] <= x["p99_us"] for x in s), s
assert s[0]["mean_batch"] == 1, s                          # max batch 1
assert s[3]["requests_per_s"] > 2 * s[0]["requests_per_s"], s  # step 3 offers 5x the rate (1 s segments on a shared machine: ask for 2x)
# Each segment's serving verdict: what dominated its latency, with the parts it came from.
assert all(x["verdict"]["bottleneck"] != "unknown" and "of the mean latency" in x["verdict"]["headline"] for x in s), [x["verdict"] for x in s]
assert s[2]["verdict"]["bottleneck"] in ("waiting for a fuller batch", "generator behind"), s[2]["verdict"]  # 500 us queue delay at 1000/s
# Every step's change is checked against what the segment before it predicted: the advice's
# expectation when the step was the advice, else the step's change replayed.
assert all(x["advice_check"].startswith(('the advice "', 'the change "')) and "; measured p99 " in x["advice_check"] for x in s[1:]), [x["advice_check"] for x in s]
assert '"max batch 1 → 4"' in s[1]["advice_check"], s[1]["advice_check"]  # step 1
PY
  # Expected outcomes: one that cannot hold (a training run above 10^12 samples/s) and one that
  # must (above 0). --check makes the exit status say whether they held.
  for what in "always 0 0" "never 1e12 1"; do
    set -- $what
    cat >"$tmp/expect-$1.json" <<JSON
{"format": "batchscope-preset/1", "id": "expect-$1", "lesson": 2, "title": "t", "summary": "s", "explanation": "e",
 "mode": "train", "config": {"epochs": 100, "train_limit": 5000, "test_limit": 100},
 "expect": [{"metric": "samples_per_s", "above": $2}],
 "steps": [{"title": "prefetch 4", "explanation": "e", "knob": "prefetch_depth", "value": 4,
            "expect": [{"metric": "samples_per_s", "within": 1000}]}]}
JSON
    expect_exit "presets run --check ($1 holds)" "$3" "$cli" presets run --file "$tmp/expect-$1.json" --segment-s 1 --no-save --check
  done
  grep -q 'DID NOT HOLD.*samples/s' "$tmp/out"; check "names the outcome that did not hold" $?
  expect_exit "presets run (the same, without --check)" 0 "$cli" presets run --file "$tmp/expect-never.json" --segment-s 1 --no-save
  grep -q '1 of 2 expected outcomes held' "$tmp/out"; check "counts the outcomes that held" $?
  expect_exit "presets run --check --json" 1 "$cli" presets run --file "$tmp/expect-never.json" --segment-s 1 --no-save --check --json
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["all_held"] is False and j["segments"][0]["held"] is False and j["segments"][1]["held"] is True, j' "$tmp/out"
  check "JSON says which segment held" $?
else
  echo "skip runs: dataset-fashion-mnist is not installed"
fi
expect_exit "presets run with a preset and --all" 2 "$cli" presets run 2 --all
finish
