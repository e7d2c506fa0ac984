"""Sequence helpers. Every function returns a new list and keeps the input order."""
from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, TypeVar

T = TypeVar("T")


def dedupe(items: Iterable[T], key: Callable[[T], Hashable] | None = None) -> list[T]:
    """Items without repeats, first occurrence kept, in their original order.

    With key, two items are repeats when their keys are equal (dedupe(words, key=str.lower)).
    """
    if key is None:
        key = lambda item: item
    seen: set[Hashable] = set()
    out: list[T] = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def flatten(nested: Iterable[Any]) -> list[Any]:
    """One level of nesting removed: [[1, 2], [3], 4] -> [1, 2, 3, 4]. Strings are not split."""
    out: list[Any] = []
    for item in nested:
        if isinstance(item, (list, tuple)):
            out.extend(item)
        else:
            out.append(item)
    return out


def window(items: list[T], size: int) -> list[tuple[T, ...]]:
    """Overlapping windows: window([1, 2, 3], 2) -> [(1, 2), (2, 3)]."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return [tuple(items[i:i + size]) for i in range(len(items) - size + 1)]


def interleave(*seqs: Iterable[T]) -> list[T]:
    """Round-robin: interleave([1, 2, 3], "ab") -> [1, 'a', 2, 'b', 3]."""
    iters = [iter(s) for s in seqs]
    out: list[T] = []
    while iters:
        alive = []
        for it in iters:
            try:
                out.append(next(it))
                alive.append(it)
            except StopIteration:
                pass
        iters = alive
    return out


def pairwise_diff(values: list[float]) -> list[float]:
    """Differences between neighbours: [1, 4, 9] -> [3, 5]."""
    return [b - a for a, b in zip(values, values[1:])]
