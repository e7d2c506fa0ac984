"""agent/interrupts.py in a real child process: Ctrl-C and SIGTERM leave at once with 130 / 143 and the
resume message, although worker threads are busy; any other SystemExit passes through."""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

CHILD = textwrap.dedent('''
    import sys, threading, time
    from concurrent.futures import ThreadPoolExecutor
    from agent.interrupts import leaving_at_once, unwinding
    mode = sys.argv[1]
    if mode == "exit3":
        with unwinding("resume me", reap=False):
            raise SystemExit(3)
    if mode == "at_once":
        with leaving_at_once("resume me", reap=False):
            with ThreadPoolExecutor(2) as pool:     # its exit would join the workers: a minute each
                futures = [pool.submit(time.sleep, 60) for _ in range(2)]
                print("ready", flush=True)
                for f in futures:
                    f.result()
    with unwinding("resume me", reap=False):
        threading.Thread(target=time.sleep, args=(60,)).start()    # a worker busy for a minute, never joined
        try:
            print("ready", flush=True)
            time.sleep(60)
        finally:
            print("unwound", flush=True)
''')


def _child(mode: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.mark.parametrize("mode", ["at_once", "unwinding"])
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_signal_leaves_at_once_with_its_status_and_message(mode, sig, code):
    proc = _child(mode)
    assert proc.stdout.readline().strip() == "ready"
    sent = time.time()
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == code and time.time() - sent < 10
    assert "resume me" in proc.stderr.read()
    # unwinding: the main thread's `finally` ran before leaving; at once: nothing unwinds
    assert proc.stdout.read().split() == (["unwound"] if mode == "unwinding" else [])


def test_another_system_exit_passes_through():
    proc = _child("exit3")
    assert proc.wait(timeout=30) == 3 and "resume me" not in proc.stderr.read()
