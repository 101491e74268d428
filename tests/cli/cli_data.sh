#!/usr/bin/env bash
# End-to-end checks of the data pipeline from the command line: make-imagefolder writes a real
# image folder from Fashion-MNIST, training reads it (JPEG and PNG, augmentations, storage
# profiles, emulated ones labelled), and bad folders and images are refused clearly.
set -u
cli=${1:?usage: cli_data.sh path/to/batchscope-cli}
source "$(dirname "$0")/check_lib.sh"

expect_exit "make-imagefolder --size 4 (out of range)" 2 "$cli" make-imagefolder "$tmp/x" --size 4
grep -q 'not in range 8 to 1024' "$tmp/err"; check "says the allowed sizes" $?
expect_exit "make-imagefolder --quality 0" 2 "$cli" make-imagefolder "$tmp/x" --quality 0
expect_exit "train on a missing image folder" 1 "$cli" train --dataset image-folder --data "$tmp/none" --no-save --quiet
grep -q "$tmp/none" "$tmp/err"; check "names the missing folder" $?
mkdir -p "$tmp/empty/a"
expect_exit "train on an image folder without images" 1 "$cli" train --dataset image-folder --data "$tmp/empty" --no-save --quiet
[ -s "$tmp/err" ]; check "says why" $?
expect_exit "unknown storage profile" 2 "$cli" train --storage floppy --no-save
grep -q 'emulated-hdd' "$tmp/err"; check "lists the storage profiles" $?

data_dir=$(dpkg -L dataset-fashion-mnist 2>/dev/null | grep 'train-images-idx3-ubyte.gz$' | xargs -r dirname)
if [ -z "$data_dir" ]; then echo "skip runs: dataset-fashion-mnist is not installed"; finish; exit; fi

expect_exit "make-imagefolder JPEG 32x32 RGB" 0 "$cli" make-imagefolder "$tmp/jpeg" --size 32 --format jpeg \
    --train-limit 600 --test-limit 200 --threads 2
grep -q '^wrote 800 images' "$tmp/out"; check "wrote 800 images" $?
[ "$(find "$tmp/jpeg" -name '*.jpg' | wc -l)" -eq 800 ]; check "800 JPEG files on disk" $?
[ "$(find "$tmp/jpeg/train" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 10 ]; check "one sub-folder per class" $?
f=$(find "$tmp/jpeg" -name '*.jpg' | head -1)
[ "$(head -c 3 "$f" | od -An -tx1 | tr -d ' ')" = "ffd8ff" ]; check "files are JPEG" $?
expect_exit "make-imagefolder into a non-empty folder" 1 "$cli" make-imagefolder "$tmp/jpeg" --size 32 --train-limit 10 --test-limit 10
expect_exit "make-imagefolder PNG grey" 0 "$cli" make-imagefolder "$tmp/png" --size 28 --format png --grey \
    --train-limit 300 --test-limit 100
[ "$(find "$tmp/png" -name '*.png' | wc -l)" -eq 400 ]; check "400 PNG files on disk" $?

expect_exit "train on the JPEG folder with augmentations" 0 "$cli" train --dataset image-folder --data "$tmp/jpeg" \
    --crop --flip --normalize --epochs 2 --batch 32 --workers 2 --json
python3 - "$tmp/out" <<'PY'; check "the image-folder run read and decoded every sample, and learned" $?
import json, sys
j = json.load(open(sys.argv[1]))
assert j["state"] == "finished", j
e = j["epochs"][-1]
assert e["samples"] == 600, e
load = e["load"]
assert load["decode_s"] > 0 and load["read_s"] > 0 and load["augment_s"] > 0, load
assert e["test_accuracy"] > 0.2, e   # 10 classes: chance is 0.1
PY
expect_exit "train on the PNG folder" 0 "$cli" train --dataset image-folder --data "$tmp/png" --epochs 1 --batch 50 --quiet --no-save
grep -q '^epoch 1/1' "$tmp/out"; check "PNG run finishes an epoch" $?

# A corrupt image: stop names it; skip leaves it out and counts it.
bad=$(find "$tmp/jpeg/train" -name '*.jpg' | sort | head -1)
printf 'not a jpeg' >"$bad"
expect_exit "a corrupt JPEG stops the run" 1 "$cli" train --dataset image-folder --data "$tmp/jpeg" --epochs 1 --no-save --quiet
grep -q "$(basename "$bad")" "$tmp/err"; check "names the corrupt file" $?
expect_exit "--on-error skip" 0 "$cli" train --dataset image-folder --data "$tmp/jpeg" --epochs 1 --on-error skip --no-save --json
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["epochs"][0]; assert e["samples"]==599, e' "$tmp/out"
check "skips and counts it" $?
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["epochs"][0]["load"]; n=e["skipped_samples"]; assert e["samples_skipped"]==1 and len(n)==1 and sys.argv[2] in n[0], e' "$tmp/out" "$(basename "$bad")"
check "names the skipped file in the JSON" $?
# Twelve corrupt files: the first ten are named, the other two counted.
for f in $(find "$tmp/jpeg/train" -name '*.jpg' | sort | sed -n 2,12p); do printf 'not a jpeg' >"$f"; done
expect_exit "--on-error skip, twelve bad files" 0 "$cli" train --dataset image-folder --data "$tmp/jpeg" --epochs 1 --on-error skip --no-save
[ "$(grep -c '^    skipped .*\.jpg' "$tmp/out")" -eq 10 ] && grep -q '12 samples skipped' "$tmp/out" && grep -q '\.\.\. and 2 more skipped samples' "$tmp/out"
check "names the first ten skipped files and counts the rest" $?

# Storage profiles: emulated ones say so in the output and in the saved session.
expect_exit "train --storage emulated-hdd" 0 "$cli" train --storage emulated-hdd --train-limit 512 --test-limit 100 \
    --epochs 1 --batch 128 --quiet
grep -qi 'emulated' "$tmp/out"; check "the text output says the storage is emulated" $?
expect_exit "sessions list" 0 "$cli" sessions list
grep -q '\[emulated storage\]' "$tmp/out"; check "the saved session is marked emulated" $?
expect_exit "train --storage cold" 0 "$cli" train --storage cold --train-limit 512 --test-limit 100 --epochs 1 --quiet --no-save
grep -q '^epoch 1/1' "$tmp/out"; check "cold reads train" $?
finish
