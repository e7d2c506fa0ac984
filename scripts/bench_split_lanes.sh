#!/usr/bin/env bash
# Continue a dev-set split benchmark (scripts/bench_scaling.py, S = 8) on a fresh machine, in lanes:
#   scripts/bench_split_lanes.sh SPLIT COMMIT "EX1 EX2 ..." ["EX3 EX4 ..."]
# e.g. scripts/bench_split_lanes.sh train 72af736 "shorten calc tags" "numfmt settings taskq"
# Per lane: one embedded 1.5B server (`swe-agent model serve --threads 1 --draft ngram`, ports 8765, 8766, ...;
# a server already listening there is used as is) and the lane's examples one after another, from a worktree of
# COMMIT (bench/worktrees/COMMIT), so later commits do not leak in. The finished records and generation folders
# of docs/reports/dev-SPLIT8/COMMIT/ are restored first (finished examples are skipped), and each finished
# example is copied back there at once (record + folder without the repository map and BM25 index): commit them.
# PORT=8767 (environment) starts the lanes' servers from that port instead, beside lanes already running.
# Logs: bench/lanes/. Stop: kill the lane PIDs printed, then the servers.
# A stopped lane's unfinished examples move to a new machine too: `scripts/bench_split_lanes.sh SPLIT COMMIT
# --keep-partial` packs their run folders into docs/reports/dev-SPLIT8/COMMIT/partial/ (commit them); the next
# start restores them (where this machine has no folder of its own) and the pipeline resumes where they stopped.
set -euo pipefail
SPLIT=$1; COMMIT=$2; shift 2
ROOT=$(cd "$(dirname "$(realpath "$0")")/.." && pwd)
PY="$ROOT/.venv/bin/python"
TREE="$ROOT/bench/worktrees/$COMMIT"
OUT="$TREE/bench/dev-${SPLIT}8"
KEEP="$ROOT/docs/reports/dev-${SPLIT}8/$COMMIT"
LOGS="$ROOT/bench/lanes"
mkdir -p "$LOGS" "$KEEP/folders"
[ -d "$TREE" ] || git -C "$ROOT" worktree add --detach "$TREE" "$COMMIT" > /dev/null
mkdir -p "$OUT/instances"
cp -n "$KEEP"/*.json "$OUT/instances/" 2>/dev/null || true
for f in "$KEEP"/folders/*.tar.gz; do [ -e "$f" ] && tar -C "$OUT" -xzf "$f"; done
for f in "$KEEP"/partial/*.tar.gz; do   # an unfinished example another machine stopped
  ex=$(basename "$f" .tar.gz)
  [ -e "$f" ] && [ ! -e "$OUT/instances/$ex.json" ] && [ ! -d "$OUT/runs/$ex" ] && tar -C "$OUT" -xzf "$f"
done

if [ "${1:-}" = "--keep-partial" ]; then   # pack the unfinished examples' run folders (lanes stopped first)
  mkdir -p "$KEEP/partial"
  for dir in "$OUT"/runs/*/; do
    ex=$(basename "$dir")
    [ -e "$OUT/instances/$ex.json" ] && continue
    tar -C "$OUT" -czf "$KEEP/partial/$ex.tar.gz" "runs/$ex" && echo "kept $KEEP/partial/$ex.tar.gz"
  done
  exit 0
fi

keep() {  # example: its record and generation folder into docs/reports
  local ex=$1
  [ -e "$OUT/instances/$ex.json" ] || return 0
  cp "$OUT/instances/$ex.json" "$KEEP/"
  rm -f "$KEEP/partial/$ex.tar.gz"
  [ -d "$OUT/runs/$ex/gen8" ] && tar -C "$OUT" -czf "$KEEP/folders/$ex.tar.gz" \
    --exclude=repomap.json --exclude=bm25.json "runs/$ex/gen8"
  return 0
}

port=${PORT:-8765}
for lane in "$@"; do
  if ! curl -sf "http://127.0.0.1:$port/v1/models" > /dev/null; then
    nohup "$ROOT/.venv/bin/swe-agent" model serve --port "$port" --threads 1 --draft ngram \
      > "$LOGS/server-$port.log" 2>&1 &
    for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/v1/models" > /dev/null && break; sleep 1; done
  fi
  (
    cd "$TREE"
    for ex in $lane; do
      "$PY" scripts/bench_scaling.py --split "$SPLIT" --samples 8 --out "$OUT" --examples "$ex" \
        --model openai/qwen2.5-coder-1.5b --api-base "http://127.0.0.1:$port/v1" >> "$LOGS/lane-$port.log" 2>&1 || true
      keep "$ex"
      echo "$(date +%T) $ex done (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOGS/lane-$port.log"
    done
  ) &
  echo "lane on port $port: pid $! ($lane)"
  port=$((port + 1))
done
