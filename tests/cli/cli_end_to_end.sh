#!/usr/bin/env bash
# End-to-end checks of batchscope-cli: a short real training run, its JSON, the exit codes of
# bad input, and the CPU path when the GPU plugin is missing. Prints one line per check.
set -u
cli=${1:?usage: cli_end_to_end.sh path/to/batchscope-cli}
source "$(dirname "$0")/check_lib.sh"

data_dir=$(dpkg -L dataset-fashion-mnist 2>/dev/null | grep 'train-images-idx3-ubyte.gz$' | xargs -r dirname)
if [ -n "$data_dir" ]; then
  # A short real run on a subset, text output.
  expect_exit "train on a subset" 0 "$cli" train --batch 64 --prefetch 2 --workers 2 --epochs 2 \
      --train-limit 3000 --test-limit 1000 --quiet
  grep -q '^epoch 2/2: loss' "$tmp/out"; check "prints per-epoch loss, accuracy and samples/s" $?
  grep -q 'mean iteration .* data wait .* h2d .* compute .* d2h .* host' "$tmp/out"; check "prints the mean breakdown" $?
  grep -q 'GPU unavailable\|GPU available' "$tmp/out"; check "says whether a GPU can be used" $?

  # JSON output parses and holds what a script needs.
  expect_exit "train --json" 0 "$cli" train --batch 100 --workers 0 --prefetch 0 --epochs 1 \
      --train-limit 2000 --test-limit 500 --json
  python3 - "$tmp/out" <<'PY'; check "JSON has epochs with accuracy and a breakdown that sums" $?
import json, sys
j = json.load(open(sys.argv[1]))
e = j["epochs"][0]
b = e["mean_breakdown"]
parts = b["data_wait_ms"] + b["h2d_ms"] + b["compute_ms"] + b["d2h_ms"] + b["host_ms"]
assert j["state"] == "finished", j
assert e["samples"] == 2000 and e["iterations"] == 20, e
assert 0.5 < e["test_accuracy"] <= 1.0, e
assert abs(parts - b["wall_ms"]) < 1e-3 * max(1.0, b["wall_ms"]), b
PY

  # No GPU plugin at all: still trains on the CPU and says why.
  BATCHSCOPE_GPU_PLUGIN=/nonexistent/libbatchscope_cuda.so expect_exit "CPU run without the GPU plugin" 0 \
      "$cli" train --epochs 1 --train-limit 500 --test-limit 100 --quiet
  grep -q 'GPU unavailable' "$tmp/out"; check "reports the missing plugin" $?
  grep -q '^saved as session 1 in '"$tmp/sessions.db" "$tmp/out" || grep -q 'saved as session' "$tmp/out"
  check "says where the session was saved" $?

  # Sessions: every run above was saved; list, show, compare, edit, export, import, delete.
  expect_exit "sessions list" 0 "$cli" sessions list
  [ "$(grep -c ' train ' "$tmp/out")" -eq 3 ]; check "lists the three saved training runs" $?
  expect_exit "sessions list --json" 0 "$cli" sessions list --json
  python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert len(l)==3 and l[0]["iterations"]==94, l[0]' "$tmp/out"
  check "JSON list has iteration counts" $?
  expect_exit "sessions show" 0 "$cli" sessions show 1
  grep -q 'epoch 2: loss' "$tmp/out"; check "show prints epochs" $?
  expect_exit "sessions compare" 0 "$cli" sessions compare 1 2
  grep -q 'batch_size \*' "$tmp/out" && grep -q 'throughput' "$tmp/out" && grep -q 'data wait' "$tmp/out"
  check "compare shows the differing knobs and the metrics" $?
  expect_exit "sessions rename" 0 "$cli" sessions rename 2 "no prefetch"
  expect_exit "sessions tag" 0 "$cli" sessions tag 2 workshop
  expect_exit "sessions note" 0 "$cli" sessions note 2 "batch 100, no workers"
  expect_exit "sessions list --tag" 0 "$cli" sessions list --tag workshop
  grep -q 'no prefetch' "$tmp/out" && [ "$(grep -c ' train ' "$tmp/out")" -eq 1 ]; check "tag filter and rename" $?
  expect_exit "export csv" 0 "$cli" sessions export 1 --format csv --out "$tmp/it.csv"
  [ "$(wc -l <"$tmp/it.csv")" -eq 95 ]; check "CSV has a header and one row per iteration" $?
  expect_exit "export json" 0 "$cli" sessions export 1 --format json --out -
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["config"]["batch_size"]==64' "$tmp/out"
  check "JSON export holds the configuration" $?
  expect_exit "export session" 0 "$cli" sessions export 2 --format session --out "$tmp/shared.bscope"
  expect_exit "import into another database" 0 "$cli" sessions --db "$tmp/other.db" import "$tmp/shared.bscope"
  expect_exit "list the other database" 0 "$cli" sessions --db "$tmp/other.db" list
  grep -q 'no prefetch' "$tmp/out"; check "the imported session keeps its name" $?
  expect_exit "--db after the subcommand" 0 "$cli" sessions list --db "$tmp/other.db"
  grep -q 'no prefetch' "$tmp/out" && [ "$(grep -c ' train ' "$tmp/out")" -eq 1 ]
  check "a group's option is accepted after its subcommand" $?
  expect_exit "an unknown option is still refused" 2 "$cli" sessions list --nonsense
  expect_exit "delete" 0 "$cli" sessions delete 3
  expect_exit "delete again" 1 "$cli" sessions delete 3
  grep -q 'no session 3' "$tmp/err"; check "says the session does not exist" $?
  expect_exit "compare needs two ids" 2 "$cli" sessions compare 1
  printf 'my notes' >"$tmp/notes.txt"
  expect_exit "a file that is not ours is refused" 1 "$cli" sessions --db "$tmp/notes.txt" list
  [ "$(cat "$tmp/notes.txt")" = "my notes" ]; check "and left unchanged" $?
  expect_exit "train --no-save" 0 "$cli" train --epochs 1 --train-limit 300 --test-limit 100 --quiet --no-save
  ! grep -q 'saved as session' "$tmp/out"; check "--no-save saves nothing" $?
else
  echo "skip real-data checks: dataset-fashion-mnist is not installed"
fi

# Bad input: clear messages and exit codes.
expect_exit "batch 0 is refused" 2 "$cli" train --batch 0
grep -q 'batch size 0 is out of range' "$tmp/err"; check "says the allowed batch range" $?
expect_exit "prefetch 99 is refused" 2 "$cli" train --prefetch 99
expect_exit "unknown option" 2 "$cli" train --colour blue
expect_exit "missing data folder" 1 "$cli" train --data "$tmp/none" --quiet
grep -q "$tmp/none" "$tmp/err"; check "names the missing folder" $?
mkdir -p "$tmp/bad"; printf 'not gzip, not idx' >"$tmp/bad/train-images-idx3-ubyte.gz"
expect_exit "corrupt dataset" 1 "$cli" train --data "$tmp/bad" --quiet
grep -q 'train-images-idx3-ubyte.gz' "$tmp/err"; check "names the corrupt file" $?
expect_exit "devices" 0 "$cli" devices
expect_exit "help" 0 "$cli" --help

finish
