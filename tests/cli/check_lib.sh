# Shared by the end-to-end CLI scripts (sourced): a scratch folder, a session database inside it
# (never the user's own), and one line per check.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export BATCHSCOPE_DB="$tmp/sessions.db" XDG_CACHE_HOME="$tmp/cache"
pass=0; fail=0
check() {  # check NAME CONDITION-EXIT-CODE; on failure shows what the last command printed
  if [ "$2" -eq 0 ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; cat "$tmp/out" "$tmp/err" 2>/dev/null | sed 's/^/     /' | head -20; fi
}
expect_exit() {  # expect_exit NAME CODE CMD...: runs CMD (output in $tmp/out, $tmp/err), checks its exit code
  local name=$1 code=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  [ "$rc" -eq "$code" ]; check "$name (exit $rc, want $code)" $?
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
