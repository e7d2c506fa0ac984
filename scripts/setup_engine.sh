#!/usr/bin/env bash
# Make a Docker engine reachable and build the sandbox base image. Idempotent: an engine that
# already answers `docker info` is left alone. On a fresh Debian/Ubuntu machine without systemd
# (as root): installs docker.io, clears a stale pid file, starts dockerd in the background.
#   PYTHON=/path/to/python (default: .venv/bin/python, else python3) runs the base image build.
#   SKIP_BASE_IMAGE=1 only sets up the engine.   DOCKERD_LOG (default /var/log/dockerd.log).
#   DOCKER_PIDFILE, DOCKER_EXEC_ROOT, DOCKERD_ARGS (extra dockerd flags): for a second engine, e.g. in tests, together
#   with DOCKER_HOST.
set -euo pipefail
cd "$(dirname "$0")/.."
LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
PIDFILE="${DOCKER_PIDFILE:-/var/run/docker.pid}"
EXEC_ROOT="${DOCKER_EXEC_ROOT:-/var/run/docker}"
die() { echo "setup_engine: $*" >&2; exit 1; }
say() { echo "setup_engine: $*" >&2; }

engine_ok() { docker info >/dev/null 2>&1; }

# live PID NAME: a running process of that name. A killed one may linger as a zombie when nothing
# reaps orphans (no init here); a zombie is not live.
live() {
  [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] \
    && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

clear_stale() {  # clear_stale PIDFILE NAME
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1" 2>/dev/null || true)
  if live "$pid" "$2"; then
    say "$2 (pid $pid) is running; waiting for it"
  else
    say "removing stale $1 (pid ${pid:-?} is not a live $2)"
    rm -f "$1"
  fi
}

if engine_ok; then
  say "engine already running, left alone"
else
  [ "$(id -u)" -eq 0 ] || die "no Docker engine answers and this is not root. Start Docker Desktop / dockerd
  yourself, rerun this script as root (sudo bash $0), or use --sandbox local (NO isolation)."
  if ! command -v dockerd >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "dockerd is missing and there is no apt-get: install a Docker engine yourself"
    say "installing docker.io (Debian's engine)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  command -v docker >/dev/null 2>&1 || die "dockerd installed but no docker CLI on PATH"
  # A dockerd killed earlier leaves its pid file (and its containerd's); a new one refuses to start,
  # or waits forever for that containerd, until they are gone.
  clear_stale "$PIDFILE" dockerd
  clear_stale "$EXEC_ROOT/containerd/containerd.pid" containerd
  if [ ! -f "$PIDFILE" ]; then
    say "starting dockerd (log: $LOG)"
    mkdir -p "$(dirname "$LOG")"
    # shellcheck disable=SC2086  # DOCKERD_ARGS is a list of flags
    nohup dockerd --pidfile "$PIDFILE" ${DOCKERD_ARGS:-} >>"$LOG" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do
    engine_ok && break
    sleep 0.5
  done
  engine_ok || die "dockerd did not answer within 30 s; last log lines:
$(tail -n 20 "$LOG" 2>/dev/null)"
  say "engine ready"
fi

if [ "${SKIP_BASE_IMAGE:-0}" != 1 ]; then
  PY="${PYTHON:-}"
  if [ -z "$PY" ]; then
    if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
  fi
  say "building the base image (reused when it exists)"
  "$PY" -m sandbox.cli build-base
fi
