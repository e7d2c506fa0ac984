"""Leaving on Ctrl-C or SIGTERM (pure plumbing, no decisions).

SIGTERM's default kills Python without unwinding anything: a `solve` or `bench` stopped by a CI timeout or
`kill` left its Docker sandboxes running (seen with `bench`: four per killed lane). `trap_sigterm` turns it
into SystemExit(143) so the commands' interrupt paths run; `reap_own_sandboxes` removes the containers this
process started (worker threads are abandoned, not joined: their sandboxes would stay up otherwise)."""
from __future__ import annotations

import signal
import threading


def sigterm_to_exit(signum, frame) -> None:
    raise SystemExit(128 + signum)


def trap_sigterm() -> None:
    """Only from the main thread (the only one allowed to set handlers), only over the default action."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, sigterm_to_exit)


def exit_status(err: BaseException) -> int:
    return 130 if isinstance(err, KeyboardInterrupt) else 143


def reap_own_sandboxes() -> None:
    try:
        from sandbox.engine import connect
        from sandbox.gc import reap_own
        reap_own(connect(timeout=10))
    except Exception:      # best effort on the way out: the next run reaps what is left
        pass
