"""Splitting work into fixed-size batches (e.g. for bulk API calls)."""
from __future__ import annotations

from typing import Sequence


def batch_count(n_items: int, size: int) -> int:
    """How many batches of at most `size` items are needed."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return -(-n_items // size)


def chunked(items: Sequence, size: int) -> list[list]:
    """Consecutive batches of `size` items; the last batch may be smaller."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [list(items[i:i + size]) for i in range(0, len(items) - size + 1, size)]
