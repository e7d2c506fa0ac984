"""Shift lengths in hours. A shift that ends at or before its start time ended the next day
(night shifts: 22:00 - 06:00 is 8 hours). Unpaid breaks are given in minutes."""
from __future__ import annotations

import datetime as dt

_DAY = dt.date(2000, 1, 1)   # any date: only the clock times matter


def parse_hhmm(text: str) -> dt.time:
    try:
        return dt.datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"expected HH:MM, got {text!r}") from None


def shift_hours(start: str, end: str, break_minutes: int = 0) -> float:
    """Paid hours between start and end, rounded to 2 decimals."""
    begin = dt.datetime.combine(_DAY, parse_hhmm(start))
    finish = dt.datetime.combine(_DAY, parse_hhmm(end))
    if finish <= begin:
        finish += dt.timedelta(days=1)
    worked = finish - begin - dt.timedelta(minutes=break_minutes)
    if worked < dt.timedelta(0) and finish > begin:
        raise ValueError("break is longer than the shift")
    return round(worked.total_seconds() / 3600, 2)


def weekly_hours(shifts: list[tuple[str, str, int]]) -> float:
    """Total of (start, end, break_minutes) shifts."""
    return round(sum(shift_hours(s, e, b) for s, e, b in shifts), 2)
