"""Call a function until it succeeds, sleeping longer after each failure.

Only the exception types listed in `on` are retried; anything else propagates at once. When every
attempt fails, the last exception is raised to the caller.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")


def backoff_delays(attempts: int, base: float = 0.1, factor: float = 2.0, cap: float = 5.0) -> list[float]:
    """Sleep before each retry: base, base*factor, ... capped at cap (attempts - 1 values)."""
    return [min(cap, base * factor ** i) for i in range(max(0, attempts - 1))]


def retry_call(fn: Callable[[], T], attempts: int = 3, on: Iterable[type[BaseException]] = (Exception,),
               sleep: Callable[[float], None] = time.sleep, **backoff) -> T:
    """fn() once it returns without raising one of `on`; at most `attempts` calls."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    retry_on = tuple(on)
    delays = backoff_delays(attempts, **backoff)
    for attempt in range(attempts):
        try:
            return fn()
        except retry_on:
            if attempt < len(delays):
                sleep(delays[attempt])
