"""Small descriptive statistics for lists of numbers."""
from __future__ import annotations


def mean(values: list[float]) -> float:
    if not values:
        raise ValueError("mean of no values")
    return sum(values) / len(values)


def median(values: list[float]) -> float:
    """The middle value; for an even count, the mean of the two middle values."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def spread(values: list[float]) -> float:
    """Largest minus smallest value."""
    if not values:
        raise ValueError("spread of no values")
    return max(values) - min(values)
