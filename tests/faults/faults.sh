# Fault injection through batchscope-cli: full disks (RLIMIT_FSIZE, /dev/full), non-regular and
# missing output paths, damaged inputs, oversize models under an address-space limit, runs that
# train nothing, signals at random points of a run. Each case checks the exit code, that the
# message names the file and the cause, and that no other file changed. docs/FAULTS.md lists them.
# Usage: faults.sh BATCHSCOPE_CLI
cli=$1
. "$(dirname "$0")/../cli/check_lib.sh"
w="$tmp/w"; mkdir -p "$w"
fm=/usr/share/datasets/fashion-mnist
# The device that stands for a full disk. As root, a node of our own (same device, 1:7) in the
# scratch folder: a program that wrongly replaces it (as the checkpoint writer once did, run as
# root) then damages the copy, not the machine's /dev/full.
full=/dev/full
if [ "$(id -u)" = 0 ] && mknod "$tmp/full" c 1 7 2>/dev/null; then full="$tmp/full"; fi
fast=(train --model logreg --epochs 1 --batch 64 --workers 1 --train-limit 512 --test-limit 200 --quiet)

# The files under $w, with their contents' sums (links as links), but for the names given.
snap() {
  (cd "$w" && find . \( -type f -o -type l \) | sort | while read -r f; do
     skip=0; for x in "$@"; do [ "$f" = "./$x" ] && skip=1; done
     [ $skip -eq 1 ] && continue
     if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else echo "$f $(md5sum <"$f" | cut -c1-32)"; fi
   done)
}
unchanged() {  # unchanged NAME BEFORE-SNAPSHOT [names allowed to change]
  local name=$1 before=$2; shift 2
  local after; after=$(snap "$@")
  [ "$after" = "$before" ]; local same=$?
  [ $same -eq 0 ] || diff <(echo "$before") <(echo "$after") >"$tmp/err"
  check "$name: no other file changed" $same
}
says() { grep -q -- "$1" "$tmp/err"; }  # says TEXT: stderr holds TEXT
no_temps() { ! ls -A "$w" | grep -q '\.tmp-'; }
state_of() {  # state_of DB: the newest session's state
  python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select state from sessions order by id desc limit 1").fetchone()[0])' "$1"
}
integrity() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchone()[0])' "$1"; }

# --- Output paths are checked before training: nothing trained, nothing written -------------
before=$(snap)
expect_exit "checkpoint onto a device is refused up front" 2 "$cli" "${fast[@]}" --no-save --save-checkpoint "$full"
says "$full: is not a regular file" && ! grep -q "epoch 1" "$tmp/out"; check "  names the device and why; nothing trained" $?
[ -c "$full" ]; check "  the device is still a device" $?
unchanged "  device" "$before"

expect_exit "CSV into a missing folder is refused up front" 2 "$cli" "${fast[@]}" --db "$w/s.db" --csv "$w/typo/it.csv"
says "$w/typo/it.csv: the folder $w/typo does not exist" && says "nothing was trained"; check "  names the file and the cause" $?
[ ! -e "$w/s.db" ]; check "  no session database created" $?
unchanged "  missing folder" "$before"

mkfifo "$w/pipe"; before=$(snap)
expect_exit "a Chrome trace onto a FIFO is refused up front" 2 "$cli" "${fast[@]}" --no-save --trace-json "$w/pipe"
says "$w/pipe: is not a regular file"; check "  names the FIFO" $?
[ -p "$w/pipe" ]; check "  the FIFO is still a FIFO" $?
unchanged "  FIFO" "$before"
rm -f "$w/pipe"

expect_exit "a summary into a folder path is refused up front" 2 "$cli" "${fast[@]}" --no-save --summary "$w"
says "$w: is a folder"; check "  says it is a folder" $?

# --- Knobs that used to be taken silently -----------------------------------------------------
for c in train infer sweep; do
  expect_exit "$c --seed -1 is refused (it wrapped to 2^64-1)" 2 "$cli" $c --seed -1 --no-save
  says "a seed is 0 or more, not -1"; check "  says why" $?
done
expect_exit "sessions list --since notadate is refused (it listed nothing)" 2 "$cli" sessions --db "$w/none.db" list --since notadate
says "not a date: notadate" && [ ! -e "$w/none.db" ]; check "  says why; no database created" $?

for args in "--synthetic-us -5" "--checkpoint $w/none.bsck --synthetic-us -5" "--synthetic-us nan"; do
  # A value out of range was taken for "not given": it asked for a checkpoint, or was ignored
  # beside one.
  expect_exit "infer $args is refused for its value" 2 "$cli" infer $args --requests 10 --no-save
  says "--synthetic-us ${args##* }: the service time per batch is 0 to 10000000 microseconds"; check "  names the option, the value and the range" $?
done

# --- Reading a session file changes nothing and trusts nothing ------------------------------
damage_page2() {  # garbage over the header of page 2 (the sessions table)
  python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
page = int.from_bytes(b[16:18], "big")
for off in range(page, page + 16):
    b[off] = 0xA5
open(p, "wb").write(bytes(b))
PY
}
latest=$(dirname "$0")/../profiler/store/data/sessions-v3.db  # one session of the latest schema (3), rollback journal
[ -f "$latest" ] || { echo "faults.sh: the session fixture $latest is missing" >&2; exit 1; }
: >"$w/empty.db"; cp "$latest" "$w/shared.db"; before=$(snap)
expect_exit "sessions list of a zero-length file lists nothing" 0 "$cli" sessions --db "$w/empty.db" list
[ ! -s "$w/empty.db" ]; check "  no schema is written into it" $?
expect_exit "sessions show of a zero-length file is refused" 1 "$cli" sessions --db "$w/empty.db" show 1
says "$w/empty.db: is an empty file"; check "  says so" $?
for cmd in list "show 1" "compare 1 1" "export 1 --format json -o -"; do
  expect_exit "sessions $cmd of an exported session file" 0 "$cli" sessions --db "$w/shared.db" $cmd
done
unchanged "  read-only commands leave no -wal/-shm file and change nothing" "$before"
# A session database copied as a user sends it: in WAL mode, no program has it open.
cp "$latest" "$w/sent.db"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("pragma journal_mode=wal"); c.close()' "$w/sent.db"
[ "$(od -An -tu1 -j18 -N2 "$w/sent.db" | tr -s ' ')" = " 2 2" ]; check "  (the copy is in WAL mode)" $?
before=$(snap)
for cmd in list "show 1" "compare 1 1" "export 1 --format json -o -"; do
  expect_exit "sessions $cmd of a session database in WAL mode" 0 "$cli" sessions --db "$w/sent.db" $cmd
done
unchanged "  read-only commands leave no -wal/-shm beside it either" "$before"
# ... and in a folder the user cannot write (run as an unprivileged user: root writes anywhere).
# It was refused as "corrupt or unreadable" (an ordinary WAL reader must create the -shm).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  ro="$tmp/ro"; mkdir -p "$ro/in"; cp "$w/sent.db" "$ro/in/sent.db"
  chmod 755 "$tmp"; chmod 777 "$ro"; chmod 644 "$ro/in/sent.db"; chmod 555 "$ro/in"
  as_nobody() { HOME="$ro" setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  for cmd in list "show 1"; do
    expect_exit "sessions $cmd of a WAL-mode database in a read-only folder" 0 as_nobody "$cli" sessions --db "$ro/in/sent.db" $cmd
  done
  expect_exit "sessions import from a WAL-mode database in a read-only folder" 0 \
    as_nobody "$cli" sessions --db "$ro/mine.db" import "$ro/in/sent.db"
  [ "$(ls -A "$ro/in")" = "sent.db" ]; check "  nothing was written beside it" $?
  chmod 755 "$ro/in"
else
  echo "skip: the read-only folder cases need root and setpriv (to run them as an unprivileged user)"
fi
rm -f "$w/sent.db"
cp "$latest" "$w/damaged.db"; damage_page2 "$w/damaged.db"; before=$(snap)
for cmd in list "show 1" "export 1 --format csv -o $w/d.csv"; do
  expect_exit "sessions $cmd of a damaged session file is refused" 1 "$cli" sessions --db "$w/damaged.db" $cmd
  says "$w/damaged.db: the session database is damaged"; check "  names the file and the cause" $?
done
unchanged "  damaged file" "$before"
rm -f "$w/empty.db" "$w/damaged.db"

# --- sessions export --format session replaces a file as the other formats do ---------------
echo old >"$w/exists.bscope"; cp "$latest" "$w/src.db"
expect_exit "sessions export --format session over an existing file replaces it (as --format csv does)" 0 \
  "$cli" sessions --db "$w/src.db" export 1 --format session -o "$w/exists.bscope"
expect_exit "  the file is now that session" 0 "$cli" sessions --db "$w/exists.bscope" show 1
no_temps; check "  no temporary file left" $?
expect_exit "sessions export --format session onto a device is refused" 1 "$cli" sessions --db "$w/src.db" export 1 --format session -o "$full"
says "$full: is not a regular file" && [ -c "$full" ]; check "  names it; it is still a device" $?
# An export onto the database it reads from would replace every session with one.
cp "$w/src.db" "$w/src.copy"
for f in session csv; do
  expect_exit "sessions export --format $f onto the database it reads is refused" 1 \
    "$cli" sessions --db "$w/src.db" export 1 --format $f -o "$w/src.db"
  says "$w/src.db: is the session database being read" && cmp -s "$w/src.db" "$w/src.copy" && no_temps
  check "  says so; the database is unchanged; no temporary file" $?
done
# ... or a database another program has open (its -wal beside it).
cp "$w/src.copy" "$w/live.db"; : >"$w/live.db-wal"
expect_exit "sessions export --format session onto a database in use is refused" 1 \
  "$cli" sessions --db "$w/src.db" export 1 --format session -o "$w/live.db"
says "$w/live.db: is a session database in use" && cmp -s "$w/live.db" "$w/src.copy"; check "  says so; it is unchanged" $?
rm -f "$w/exists.bscope" "$w/src.db"* "$w/src.copy" "$w/live.db"*

if [ -f "$fm/train-images-idx3-ubyte.gz" ]; then
  "$cli" "${fast[@]}" --no-save >/dev/null 2>&1  # fills the sample cache (outside $w) before any file size limit
  # --- Writes that fail at the end: the old file stays, no partial file, exit 1 ---------------
  echo old >"$w/trace.json"; echo old >"$w/it.csv"; before=$(snap it.csv)
  # 250 iterations: a CSV of ~20 KiB fits under 40 KiB, their Chrome trace does not.
  (ulimit -f 40; "$cli" train --model logreg --epochs 1 --batch 16 --train-limit 4000 --test-limit 200 --quiet --no-save --trace-json "$w/trace.json" --csv "$w/it.csv") \
    >"$tmp/out" 2>"$tmp/err"; rc=$?
  [ $rc -eq 1 ]; check "a trace larger than the file size limit fails the command (exit $rc)" $?
  says "$w/trace.json: write failed: file too large"; check "  names the file and the cause" $?
  [ "$(cat "$w/trace.json")" = old ] && no_temps; check "  the old file is kept, no partial file left" $?
  unchanged "  file size limit" "$before" it.csv
  [ "$(head -1 "$w/it.csv" | cut -c1-9)" = iteration ]; check "  the CSV that fitted was written" $?

  # A checkpoint: a good one exists, the new one does not fit under the limit.
  expect_exit "a first checkpoint is written" 0 "$cli" "${fast[@]}" --no-save --save-checkpoint "$w/model.bsck"
  before=$(snap)
  (ulimit -f 16; "$cli" train --model mlp:64 --epochs 1 --train-limit 512 --test-limit 200 --quiet --no-save --save-checkpoint "$w/model.bsck") >"$tmp/out" 2>"$tmp/err"; rc=$?
  [ $rc -eq 1 ] && says "$w/model.bsck: write failed: file too large"; check "a checkpoint past the file size limit fails, named (exit $rc)" $?
  no_temps; check "  no partial file left" $?
  unchanged "  the old checkpoint is intact" "$before"
  ln -s model.bsck "$w/link.bsck"; before=$(snap model.bsck)
  expect_exit "a checkpoint through a link replaces the file it points to" 0 "$cli" "${fast[@]}" --no-save --save-checkpoint "$w/link.bsck"
  [ -L "$w/link.bsck" ]; check "  the link stays a link" $?
  unchanged "  link" "$before" model.bsck

  # --- A run that trains nothing is a failure ------------------------------------------------
  expect_exit "a batch larger than the data with --drop-last trains nothing: failure" 1 \
    "$cli" train --model logreg --epochs 1 --batch 4096 --drop-last --train-limit 2000 --test-limit 100 --quiet --db "$w/zero.db"
  says "no iteration ran: the 2000 training samples make no full batch of 4096"; check "  says why" $?
  [ "$(state_of "$w/zero.db")" = failed ]; check "  the session is saved as failed" $?

  # --- A damaged session file is refused before anything is written into it ------------------
  expect_exit "a session file is made" 0 "$cli" "${fast[@]}" --db "$w/good.db"
  python3 - "$w/good.db" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
page = int.from_bytes(b[16:18], "big")
for off in range(page, page + 16):  # the header of page 2 (the sessions table): garbage
    b[off] = 0xA5
open(p, "wb").write(bytes(b))
PY
  rm -f "$w/good.db-wal" "$w/good.db-shm"; before=$(snap)
  expect_exit "training into a damaged session file is refused" 1 "$cli" "${fast[@]}" --db "$w/good.db"
  says "$w/good.db: the session database is damaged"; check "  names the file and the cause" $?
  ! grep -q "saved as session" "$tmp/out"; check "  nothing claims to be saved" $?
  unchanged "  damaged file" "$before" good.db-wal good.db-shm

  # --- Oversize models under a lowered address-space limit -----------------------------------
  (ulimit -v 4000000; timeout 60 "$cli" train --model mlp:65536,65536,65536 --train-limit 2000 --epochs 1 --no-save --quiet) \
    >"$tmp/out" 2>"$tmp/err"; rc=$?
  [ $rc -eq 1 ] && says "the model does not fit in memory" && says "use a smaller model"; check "an 8.6-billion-parameter model is refused, the model named as the cause (exit $rc)" $?
  says "ulimit -v"; check "  names the address-space limit" $?
  # The address space the process takes before training (libraries, OpenBLAS buffers for the CPU
  # it finds, thread stacks and arenas) differs between machines: about 900 MiB on one, 250 MiB
  # on another. It is read from the refusal above (what the 4,000,000 KiB limit leaves), so that
  # this limit leaves about 600 MiB: the model (75 MiB) fits, a batch of 8192 (about 100 KiB a
  # sample, 875 MiB) does not.
  avail_gib=$(grep -o '[0-9.]* GiB available' "$tmp/err" | head -1 | cut -d' ' -f1)
  lim=$(python3 -c 'import sys; print(int(4000000 - float(sys.argv[1]) * 1048576 + 600 * 1024))' "${avail_gib:-3.1}")
  (ulimit -v "$lim"; timeout 60 "$cli" train --model mlp:8192 --batch 8192 --prefetch 8 --train-limit 8192 --epochs 1 --no-save --quiet) \
    >"$tmp/out" 2>"$tmp/err"; rc=$?
  [ $rc -eq 1 ] && says "batch size 8192 does not fit in memory" && says "the largest batch size that should fit is"; check "an oversize batch is refused with a batch that fits (exit $rc)" $?

  # --- Signals at random points: stopped, summary and files written, the file intact ---------
  for sig in INT TERM INT; do
    rm -f "$w/sig.db"* "$w/sig.bsck" "$w/sig.csv"
    "$cli" train --model mlp:64 --epochs 500 --train-limit 4000 --test-limit 200 --quiet --db "$w/sig.db" \
      --save-checkpoint "$w/sig.bsck" --csv "$w/sig.csv" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    # A random point once training runs (after its first epoch, so that a loaded CI machine
    # still has something trained to checkpoint).
    for _ in $(seq 600); do grep -q "^epoch 1/" "$tmp/out" && break; sleep 0.1; done
    delay=$(python3 -c 'import random; print(round(random.uniform(0.0, 2.0), 2))')
    sleep "$delay"; kill -s "$sig" $pid; wait $pid; rc=$?
    [ $rc -eq 0 ] && grep -q "stopped by a signal" "$tmp/out"; check "SIG$sig ${delay} s after the first epoch: the run stops cleanly (exit $rc)" $?
    [ "$(state_of "$w/sig.db")" = stopped ] && [ "$(integrity "$w/sig.db")" = ok ]; check "  the session is \"stopped\" and the file passes integrity_check" $?
    [ -s "$w/sig.bsck" ] && [ -s "$w/sig.csv" ]; check "  the checkpoint and the CSV were written" $?
  done
  # A test class the training set lacks (matched by name, not position).
  if "$cli" make-imagefolder "$w/img" --size 8 --format png --grey --train-limit 200 --test-limit 50 >/dev/null 2>&1; then
    victim=$(ls "$w/img/test" | head -1); mv "$w/img/test/$victim" "$w/img/test/renamed-class"
    expect_exit "a test class folder the training set lacks is refused" 1 "$cli" train --dataset image-folder --data "$w/img" --model logreg --epochs 1 --no-save --quiet
    says "$w/img/test/renamed-class: a class the training set does not have"; check "  names the folder" $?
  else
    check "make-imagefolder for the class-name case" 1
  fi
else
  echo "skip: dataset-fashion-mnist is not installed (training cases)"
fi

# --- sessions export: every write checked ---------------------------------------------------
if [ -f "$fm/train-images-idx3-ubyte.gz" ]; then
  "$cli" train --model logreg --epochs 1 --batch 4 --train-limit 4000 --test-limit 100 --quiet --db "$w/e.db" >/dev/null 2>&1
  before=$(snap e.db-wal e.db-shm)
  for fmt in csv json chrome; do
    expect_exit "sessions export --format $fmt onto a device is refused" 1 "$cli" sessions --db "$w/e.db" export 1 --format $fmt -o "$full"
    says "$full: is not a regular file" && [ -c "$full" ]; check "  names it; it is still a device" $?
    "$cli" sessions --db "$w/e.db" export 1 --format $fmt -o - >"$full" 2>"$tmp/err"; rc=$?
    [ $rc -eq 1 ] && says "standard output: write failed: disk full"; check "  to standard output on a full disk: exit $rc, disk full" $?
    [ $fmt = json ] && continue  # a few KiB: under any limit SQLite's own files fit in
    # 40 KiB: SQLite's shared-memory file (32 KiB) fits, the 1,000 iterations' CSV and trace do not.
    (ulimit -f 40; "$cli" sessions --db "$w/e.db" export 1 --format $fmt -o "$w/out.$fmt") >"$tmp/out" 2>"$tmp/err"; rc=$?
    [ $rc -eq 1 ] && says "$w/out.$fmt: write failed: file too large" && [ ! -e "$w/out.$fmt" ] && no_temps
    check "  past the file size limit: exit $rc, named, no partial file" $?
  done
  unchanged "sessions export" "$before" e.db-wal e.db-shm
fi

finish
