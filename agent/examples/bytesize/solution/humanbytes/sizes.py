"""File sizes for people: 1536 -> "1.5 KB", and back.

Binary units (1 KB = 1024 bytes), one decimal place, trailing ".0" dropped.
"""
from __future__ import annotations

import re

UNITS = ["B", "KB", "MB", "GB", "TB"]
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?B)\s*$", re.IGNORECASE)


def human_size(n: int) -> str:
    """n bytes as a short string with the largest unit that keeps the number >= 1."""
    if n < 0:
        raise ValueError("sizes cannot be negative")
    value, unit = n, 0
    while value >= 1024 and unit < len(UNITS) - 1:
        value /= 1024
        unit += 1
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {UNITS[unit]}"


def parse_size(text: str) -> int:
    """ "1.5 KB" -> 1536 (rounded to whole bytes)."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r}")
    number, unit = float(match.group(1)), match.group(2).upper()
    return round(number * 1024 ** UNITS.index(unit))
