"""Which process owns a container, and whether that process is still alive.

A run killed with SIGKILL cannot clean up; its containers carry the owner's pid, the owner's start
time (pids are reused, a pid + start time is not) and where that pid is valid (boot id + pid
namespace: another machine or container sharing the engine sees different pids). Only a container
whose owner is from HERE and is gone counts as an orphan; anything else is left alone.
"""
from __future__ import annotations

import functools
import os

PID, START, WHERE = "swe-agent.owner-pid", "swe-agent.owner-start", "swe-agent.owner-where"


def start_time(pid: int) -> str | None:
    """Start time of a live process (clock ticks since boot, /proc/PID/stat field 22), None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2:].split()  # the command name may hold spaces and ')'
    if fields[0] == b"Z":   # a zombie has exited: only its parent has not reaped it yet
        return None
    return fields[19].decode()


@functools.lru_cache(maxsize=1)
def where() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            boot = fh.read().strip()
        return f"{boot}/{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return "unknown"


def labels(pid: int | None = None) -> dict[str, str]:
    """Owner labels for a container started by `pid` (default: this process)."""
    pid = pid or os.getpid()
    return {PID: str(pid), START: start_time(pid) or "?", WHERE: where()}


def is_orphan(container_labels: dict[str, str]) -> bool:
    """True only when the owner is known, ran on this machine and in this pid namespace, and is gone."""
    pid, start = container_labels.get(PID, ""), container_labels.get(START)
    if not pid.isdigit() or container_labels.get(WHERE) != where() or where() == "unknown":
        return False
    if os.path.exists(f"/proc/{pid}/stat"):
        return start_time(int(pid)) != start   # gone, a zombie, or the pid now belongs to another process
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False   # alive but hidden from us (/proc mounted with hidepid): never take its containers
