"""Run-wide model health: the run stops when the model fails call after call.

One call's retries ride out a blip (a 503, a dropped connection). A provider outage or a local server that
answers every request with an error outlasts them: without this, each later call of the run would spend its
own retries, every sample would be recorded as failed, and the run would still finish (exit 0) on whatever
needs no model. `CallHealth` is shared by every stage's model client of one run; after `limit` calls in a row
have failed for good (each after all its tries) with no call answered in between, the next such failure stops
the run (`ModelUnavailable`: exit 2, finished work kept, a rerun resumes).
"""
from __future__ import annotations

import threading


def outage(failed_in_a_row: int, limit: int) -> bool:
    """Whether that many calls failed for good in a row mean the model is down (limit 0: never)."""
    return limit > 0 and failed_in_a_row >= limit


class CallHealth:
    def __init__(self, limit: int = 3):
        self.limit = limit
        self.failed_in_a_row = 0
        self._lock = threading.Lock()   # the samples of a stage call the model from threads

    def answered(self) -> None:
        with self._lock:
            self.failed_in_a_row = 0

    def failed(self) -> bool:
        """Count a call that failed after all its tries; True when the run should stop."""
        with self._lock:
            self.failed_in_a_row += 1
            return outage(self.failed_in_a_row, self.limit)
