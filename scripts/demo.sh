#!/usr/bin/env bash
# The main job on the embedded default: set up, then solve the bundled example issue end to end in Docker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DEST="${1:-runs/demo-example}"
rm -rf "$DEST"
.venv/bin/swe-agent example --dest "$DEST"
.venv/bin/swe-agent solve "$DEST/issue.md" --repo "$DEST/repo" --output "$DEST/run" "${@:2}"
