#!/usr/bin/env bash
# Set up everything the tests need (engine, base image, model, headless Chromium, graphviz), then run them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "test.sh: could not install chromium; the browser test will be skipped" >&2
  fi
fi
# graphviz: the test that a base image made from host packages renders diagrams (sphinx's) needs it on the host
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
      || echo "test.sh: could not install graphviz; the graphviz image test will be skipped" >&2
  fi
fi
mkdir -p test-artifacts
exec .venv/bin/python -m pytest -q -ra "$@"
