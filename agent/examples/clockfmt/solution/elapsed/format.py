"""Durations as clock strings: 65 -> "1:05", 3725 -> "1:02:05" (hours only when needed)."""
from __future__ import annotations


def format_clock(seconds: float) -> str:
    """ "M:SS" below an hour, "H:MM:SS" from an hour on; fractions of a second are dropped."""
    if seconds < 0:
        return "-" + format_clock(-seconds)
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def parse_clock(text: str) -> int:
    """The inverse: "1:02:05" -> 3725."""
    parts = text.strip().lstrip("-").split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a clock time: {text!r}")
    total = 0
    for part in parts:
        total = total * 60 + int(part)
    return -total if text.strip().startswith("-") else total


def format_eta(done: int, total: int, elapsed: float) -> str:
    """Remaining time at the current rate, e.g. "ETA 2:30"; "ETA --:--" before any progress."""
    if done <= 0 or elapsed <= 0:
        return "ETA --:--"
    remaining = elapsed / done * max(total - done, 0)
    return f"ETA {format_clock(remaining)}"
