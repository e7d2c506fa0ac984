"""Human durations such as "1h30m" <-> seconds."""
from __future__ import annotations

import re

UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)([a-z]+)")


def parse_duration(text: str) -> int:
    """Seconds in a duration like "2h", "1h30m" or "90s". Raises ValueError on bad input."""
    text = text.strip().lower()
    if not text:
        raise ValueError("empty duration")
    total, pos = 0, 0
    for match in _PART.finditer(text):
        if match.start() != pos:
            raise ValueError(f"bad duration: {text!r}")
        number, unit = match.groups()
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r} in {text!r}")
        total += int(number) * UNITS[unit]
        pos = match.end()
    if pos != len(text):
        raise ValueError(f"bad duration: {text!r}")
    return total


def format_duration(seconds: int) -> str:
    """The shortest form parse_duration reads back: 5400 -> "1h30m"."""
    if seconds < 0:
        raise ValueError("negative duration")
    parts = []
    for unit, size in UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
