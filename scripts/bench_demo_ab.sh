#!/usr/bin/env bash
# The demo's solve in two checkouts at once on this machine (issue 15 before/after):
#   scripts/bench_demo_ab.sh BEFORE_TREE AFTER_TREE OUT [-- extra args for BEFORE's solve]
# e.g. git worktree add /tmp/before 7bed3d1; scripts/bench_demo_ab.sh /tmp/before . out/demo-ab -- -c model.draft=none
# Each tree solves a fresh copy of the bundled example with its own embedded server; OUT/times gets the walls.
set -euo pipefail
BEFORE=$(realpath "$1"); AFTER=$(realpath "$2"); OUT=$(realpath -m "$3"); shift 3
[ "${1:-}" = "--" ] && shift
PY="$(dirname "$(realpath "$0")")/../.venv/bin/python"
rm -rf "$OUT"; mkdir -p "$OUT"
run() {  # name tree extra-args...
  local name=$1 tree=$2; shift 2
  (cd "$tree" && "$PY" -m agent.cli example --dest "$OUT/$name" > /dev/null)
  local s; s=$(date +%s)
  (cd "$tree" && "$PY" -m agent.cli solve "$OUT/$name/issue.md" --repo "$OUT/$name/repo" --output "$OUT/$name/run" "$@" \
     > "$OUT/$name.log" 2>&1) && rc=0 || rc=$?
  echo "$name rc=$rc wall=$(( $(date +%s) - s ))s end-load=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/times"
}
echo "start $(date) load=$(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/times"
run before "$BEFORE" "$@" &
run after "$AFTER" &
wait
cat "$OUT/times"
