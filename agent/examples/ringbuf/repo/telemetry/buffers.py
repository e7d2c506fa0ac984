"""Fixed-capacity buffers for recent samples.

RingBuffer keeps the last `capacity` values in O(1) per append: when full, a new value overwrites
the oldest. Iteration goes from oldest to newest.
"""
from __future__ import annotations

import math
import time
from typing import Callable, Generic, Iterable, Iterator, TypeVar

T = TypeVar("T")


class RingBuffer(Generic[T]):
    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._items: list[T | None] = [None] * capacity
        self._start = 0      # index of the oldest value
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def full(self) -> bool:
        return self._size == self.capacity

    def append(self, value: T) -> None:
        end = (self._start + self._size) % self.capacity
        self._items[end] = value
        if self.full:
            self._start = (self._start + 1) % self.capacity
        else:
            self._size += 1

    def extend(self, values: Iterable[T]) -> None:
        for value in values:
            self.append(value)

    def __iter__(self) -> Iterator[T]:
        for i in range(self._size):
            yield self._items[(self._start + i) % self.capacity]

    def to_list(self) -> list[T]:
        return list(self)

    def oldest(self) -> T:
        if not self._size:
            raise IndexError("buffer is empty")
        return self._items[self._start]

    def newest(self) -> T:
        if not self._size:
            raise IndexError("buffer is empty")
        return self._items[(self._start + self._size - 1) % self.capacity]

    def latest(self, n: int) -> list[T]:
        """The n most recent values, oldest first (all of them if fewer than n are stored)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        n = min(n, self._size)
        first = self._start + self._size - n + 1
        return [self._items[(first + i) % self.capacity] for i in range(n - 1)] + ([self.newest()] if n else [])

    def clear(self) -> None:
        self._items = [None] * self.capacity
        self._start = self._size = 0


class MovingStats:
    """Mean / min / max / standard deviation over the last `window` samples."""

    def __init__(self, window: int):
        self._buf: RingBuffer[float] = RingBuffer(window)

    def add(self, value: float) -> None:
        self._buf.append(float(value))

    def mean(self, last: int | None = None) -> float | None:
        values = self._buf.to_list() if last is None else self._buf.latest(last)
        return sum(values) / len(values) if values else None

    def minimum(self) -> float | None:
        return min(self._buf, default=None)

    def maximum(self) -> float | None:
        return max(self._buf, default=None)

    def stdev(self) -> float | None:
        """Sample standard deviation; None with fewer than two samples."""
        values = self._buf.to_list()
        if len(values) < 2:
            return None
        mean = sum(values) / len(values)
        return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


class RateCounter:
    """Events per second over a sliding time window, from event timestamps."""

    def __init__(self, window_seconds: float = 60.0, max_events: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.window = window_seconds
        self._clock = clock
        self._times: RingBuffer[float] = RingBuffer(max_events)

    def mark(self, count: int = 1) -> None:
        now = self._clock()
        for _ in range(count):
            self._times.append(now)

    def count(self) -> int:
        cutoff = self._clock() - self.window
        return sum(1 for t in self._times if t > cutoff)

    def rate(self) -> float:
        return self.count() / self.window


def percent_over(buffer: RingBuffer[float], threshold: float) -> float:
    """Share of stored samples above threshold, in percent (0.0 for an empty buffer)."""
    values = buffer.to_list()
    if not values:
        return 0.0
    return 100.0 * sum(1 for v in values if v > threshold) / len(values)


def resized(buffer: RingBuffer[T], capacity: int) -> RingBuffer[T]:
    """A new buffer of another capacity holding the most recent values of buffer."""
    out: RingBuffer[T] = RingBuffer(capacity)
    out.extend(buffer.to_list()[-capacity:])
    return out
