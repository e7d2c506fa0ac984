"""sandbox/closing.py: once a process is leaving no sandbox starts, and close() waits for those being created."""
from __future__ import annotations

import threading
import time

import pytest

from sandbox import closing


@pytest.fixture(autouse=True)
def _reopen():
    yield
    closing.reopen()


def test_close_waits_for_a_creation_in_flight_then_refuses_new_ones():
    entered, finished = threading.Event(), []

    def create() -> None:
        with closing.creating():
            entered.set()
            time.sleep(0.5)
            finished.append(time.monotonic())
    worker = threading.Thread(target=create)
    worker.start()
    entered.wait(5)
    assert closing.close(wait_s=10) is True
    assert finished and time.monotonic() >= finished[0]      # returned only once the creation had finished
    with pytest.raises(closing.Closing):
        with closing.creating():
            pass
    worker.join()


def test_close_gives_up_after_its_bound():
    release = threading.Event()

    def stuck() -> None:
        with closing.creating():
            release.wait(10)
    worker = threading.Thread(target=stuck)
    worker.start()
    time.sleep(0.1)
    t0 = time.monotonic()
    assert closing.close(wait_s=0.3) is False and time.monotonic() - t0 < 3
    release.set()
    worker.join()
