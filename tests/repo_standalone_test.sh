#!/usr/bin/env bash
# The repository stands on its own: no tracked text file names a path of a development machine
# (/work/..., /home/..., /root/..., /Users/...), reaches outside the repository through
# ../shared, or cites a DESIGN.md (the architecture is docs/ARCHITECTURE.md). Binary files (test
# databases) are not read. Prints each offending line and fails if there is one.
set -u
src=${1:?usage: repo_standalone_test.sh SOURCE_DIR}
self=tests/repo_standalone_test.sh
cd "$src" || exit 1

# Patterns are split so that this script does not match itself if it is ever read.
machine='(^|[^A-Za-z0-9_.$~-])/(wor''k|ho''me|ro''ot|Use''rs)/'
outside='\.\./sha''red'
design='DESI''GN\.md'

# grep -n over the tracked text files (binary files, such as test databases, are not read);
# without git (a source archive), over every file outside build folders.
search() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git grep -I -n -E "$1" -- . ":!$self"
  else
    grep -r -I -n -E "$1" --exclude-dir='build*' --exclude-dir=.git . | sed 's|^\./||' | grep -v "^$self:"
  fi
}

bad=0
check() {  # pattern, what is wrong, a file allowed to match (optional)
  local hits
  hits=$(search "$1" | { if [ -n "${3:-}" ]; then grep -v "^$3:"; else cat; fi; }) || true
  [ -z "$hits" ] && return 0
  while IFS= read -r line; do echo "FAIL $2: $line"; done <<<"$hits"
  bad=1
}
check "$machine" "absolute path of a machine"
check "$outside" "reference outside the repository"
check "$design" "cites DESIGN.md (use docs/ARCHITECTURE.md)" docs/ARCHITECTURE.md
[ $bad -eq 0 ] && echo "ok   no machine paths, no references outside the repository, no DESIGN.md citations"
exit $bad
