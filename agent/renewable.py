"""A trajectory's sandbox that outlives its container.

A container can vanish in the middle of a run: `docker rm -f` or a prune by someone else, an engine
restart, the OOM killer taking the container's init. Every later call then fails with `SandboxLost`, and
before this a sample that had already cost its model calls was thrown away (seen in a demo run: both
model-written tests lost). `Renewable` opens a new sandbox instead, lets the stage bring it back to the
files the trajectory had (`restore`, e.g. the patch stage's last landed attempt), and runs the failed
action once more from its start. Commands a strong model ran earlier are not replayed: they read, and
what they changed is gone with the container (the stage's own state is what `restore` puts back).
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from sandbox.base import SandboxLost

T = TypeVar("T")
RENEWALS = 2   # per trajectory: a container that dies every time is the candidate's doing, not bad luck


def in_new_sandbox(open_sandbox: Callable[[], Any], fn: Callable[[Any], T], tries: int = 2) -> T:
    """fn(sandbox) in a new sandbox, closed after; in another new one when the container is lost under it
    (at most `tries` sandboxes; then the SandboxLost goes to the caller)."""
    for left in range(tries - 1, -1, -1):
        try:
            with open_sandbox() as sb:
                return fn(sb)
        except SandboxLost:
            if not left:
                raise
    raise ValueError("tries must be at least 1")


class Renewable:
    """Delegates to the current sandbox; `attempt(fn)` reruns fn on a new one when the container is lost."""

    def __init__(self, open_sandbox: Callable[[], Any], restore: Callable[[Any], None] | None = None,
                 limit: int = RENEWALS):
        self._open, self._restore, self._limit = open_sandbox, restore, limit
        self._current = open_sandbox()
        self.renewals = 0

    def __getattr__(self, name: str):
        if name.startswith("_"):     # our own attributes, not set yet (copy, pickle): never the sandbox's
            raise AttributeError(name)
        return getattr(self._current, name)

    def attempt(self, fn: Callable[[], T]) -> T:
        while True:
            try:
                return fn()
            except SandboxLost:
                if self.renewals >= self._limit:
                    raise
                self.renewals += 1
                self._renew()

    def _renew(self) -> None:
        try:
            self._current.close()
        except Exception:  # noqa: BLE001 - the old container is gone: closing it may fail, nothing is lost
            pass
        self._current = self._open()
        if self._restore is not None:
            self._restore(self._current)

    def close(self) -> None:
        self._current.close()

    def __enter__(self) -> "Renewable":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
