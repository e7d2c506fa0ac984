"""Leaving on Ctrl-C or SIGTERM (pure plumbing, no decisions).

SIGTERM's default kills Python without unwinding anything: a `solve` or `bench` stopped by a CI timeout or
`kill` left its Docker sandboxes running (seen with `bench`: four per killed lane). Two ways out, both ending
with this process's sandboxes removed and exit 130 (Ctrl-C) / 143 (SIGTERM), without joining worker threads:

- `unwinding(message)`: SIGTERM becomes SystemExit(143), so `with` blocks and `finally` clauses of the main
  thread run first (solve stops its model server; bench and select leave their run folders consistent).
- `leaving_at_once(message)`: the signal handler itself leaves, for commands whose main thread waits in a
  thread pool whose `with` exit would join the running workers (eval, validate and synth runs can take many
  minutes per instance). What they keep is written atomically as it finishes: a rerun resumes."""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGTERM_EXIT = 128 + signal.SIGTERM


def sigterm_to_exit(signum, frame) -> None:
    raise SystemExit(128 + signum)


def trap_sigterm():
    """Only from the main thread (the only one allowed to set handlers), only over the default action.
    Returns the handler it replaced (give it to `restore_sigterm`), None when it installed nothing."""
    if _main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, sigterm_to_exit)
        return signal.SIG_DFL
    return None


def restore_sigterm(old) -> None:
    """Undo `trap_sigterm` (its return value), unless someone installed another handler since."""
    _restore(signal.SIGTERM, old, sigterm_to_exit)


def exit_status(err: BaseException) -> int:
    return 130 if isinstance(err, KeyboardInterrupt) else SIGTERM_EXIT


def reap_own_sandboxes() -> None:
    """Worker threads run on until the exit: none may start a sandbox after the removal listed them."""
    try:
        from sandbox import closing
        from sandbox.engine import connect
        from sandbox.gc import reap_own
        closing.close()
        reap_own(connect(timeout=10))
    except Exception:      # best effort on the way out: the next run reaps what is left
        pass


def leave(message: str, code: int, reap: bool = True) -> None:
    """Say how to resume, remove this process's sandboxes, exit without joining any thread."""
    try:
        sys.stderr.write(f"\n{message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):   # stderr closed (a pipe whose reader left): leave all the same
        pass
    if reap:
        reap_own_sandboxes()
    os._exit(code)


@contextmanager
def unwinding(message: str, reap: bool = True) -> Iterator[None]:
    """Ctrl-C or SIGTERM inside the block: the main thread unwinds, then `leave`. Another SystemExit passes."""
    old = trap_sigterm()
    try:
        yield
    except KeyboardInterrupt as err:
        leave(message, exit_status(err), reap)
    except SystemExit as err:
        if err.code != SIGTERM_EXIT:
            raise
        leave(message, SIGTERM_EXIT, reap)
    finally:
        restore_sigterm(old)


@contextmanager
def leaving_at_once(message: str, reap: bool = True) -> Iterator[None]:
    """Ctrl-C or SIGTERM inside the block: `leave` from the signal handler, at once (only where the main
    thread has nothing to unwind). Handlers are restored after the block; outside the main thread, a no-op."""
    if not _main_thread():
        yield
        return

    def handler(signum, frame) -> None:
        leave(message, 128 + signum, reap)
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    installed = [s for s, h in old.items() if h in (signal.SIG_DFL, signal.default_int_handler)]
    for s in installed:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s in installed:
            _restore(s, old[s], handler)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _restore(sig: int, old, ours) -> None:
    if old is not None and _main_thread() and signal.getsignal(sig) is ours:
        signal.signal(sig, old)
