"""Percentiles by linear interpolation between closest ranks (numpy's default method).

An empty sample has no percentiles: every function returns None for it rather than raising,
because a quiet endpoint in a monitoring window is normal.
"""
from __future__ import annotations

import math


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0 <= p <= 100) of values; None when values is empty."""
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: list[float], points: tuple[float, ...] = (50, 90, 99)) -> dict[str, float | None]:
    """{"count": n, "p50": ..., "p90": ..., "p99": ..., "max": ...} for a dashboard row."""
    row: dict[str, float | None] = {"count": len(values)}
    for p in points:
        row[f"p{p:g}"] = percentile(values, p)
    row["max"] = max(values) if values else None
    return row
