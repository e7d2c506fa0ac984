"""A process that is leaving starts no more sandboxes (pure plumbing).

An interrupted `bench` removes its sandboxes and exits without joining its worker threads; until the exit,
those threads go on and may start a sandbox after the removal listed the containers (seen: two left per
SIGTERM). `close()` forbids new ones and waits, bounded, for those being created, so that a removal after
it sees every container of the process."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_cond = threading.Condition()   # an RLock: close() may run in a signal handler of a thread inside creating()
_state = {"closing": False, "creating": 0}


class Closing(RuntimeError):
    """The process is leaving: no sandbox starts any more."""


@contextmanager
def creating() -> Iterator[None]:
    with _cond:
        if _state["closing"]:
            raise Closing("the process is leaving: no new sandbox")
        _state["creating"] += 1
    try:
        yield
    finally:
        with _cond:
            _state["creating"] -= 1
            _cond.notify_all()


def close(wait_s: float = 20.0) -> bool:
    """No sandbox starts from now on; True when none is being created any more (waited at most `wait_s`)."""
    with _cond:
        _state["closing"] = True
        return _cond.wait_for(lambda: _state["creating"] == 0, timeout=wait_s)


def reopen() -> None:
    """For tests in one process: sandboxes may start again."""
    with _cond:
        _state["closing"] = False
