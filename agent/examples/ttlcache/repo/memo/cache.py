"""LRU cache whose entries can expire.

TTLCache(maxsize=128, ttl=None): at most maxsize entries (least recently used evicted first);
ttl is the lifetime of an entry in seconds, None (the default) meaning entries never expire.
"""
from __future__ import annotations

import functools
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable

_MISSING = object()


class TTLCache:
    def __init__(self, maxsize: int = 128, ttl: float | None = 0, clock: Callable[[], float] = time.monotonic):
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self.ttl = ttl
        self._clock = clock
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self.hits = self.misses = 0

    def _expired(self, stored_at: float) -> bool:
        return self.ttl is not None and self._clock() - stored_at >= self.ttl

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._data.get(key, _MISSING)
        if entry is _MISSING or self._expired(entry[0]):
            self._data.pop(key, None)
            self.misses += 1
            return default
        self._data.move_to_end(key)
        self.hits += 1
        return entry[1]

    def set(self, key: Hashable, value: Any) -> None:
        self._data[key] = (self._clock(), value)
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def __contains__(self, key: Hashable) -> bool:
        entry = self._data.get(key, _MISSING)
        return entry is not _MISSING and not self._expired(entry[0])

    def __len__(self) -> int:
        return sum(1 for stored_at, _ in self._data.values() if not self._expired(stored_at))

    def clear(self) -> None:
        self._data.clear()


def cached(func: Callable | None = None, *, maxsize: int = 128, **options: Any) -> Callable:
    """Memoize a function of hashable arguments: @cached or @cached(maxsize=10, ttl=60).
    The cache is available as wrapper.cache."""
    def decorate(f: Callable) -> Callable:
        cache = TTLCache(maxsize, **options)

        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items())))
            value = cache.get(key, _MISSING)
            if value is _MISSING:
                value = f(*args, **kwargs)
                cache.set(key, value)
            return value

        wrapper.cache = cache
        return wrapper

    return decorate(func) if func is not None else decorate
