"""Business days: Monday to Friday, minus the given holidays."""
from __future__ import annotations

import datetime as dt
from typing import Collection

WEEKEND = (6, 7)   # Saturday, Sunday
_ONE = dt.timedelta(days=1)


def is_business_day(day: dt.date, holidays: Collection[dt.date] = ()) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def next_business_day(day: dt.date, holidays: Collection[dt.date] = ()) -> dt.date:
    """The first business day strictly after day."""
    day += _ONE
    while not is_business_day(day, holidays):
        day += _ONE
    return day


def add_business_days(day: dt.date, n: int, holidays: Collection[dt.date] = ()) -> dt.date:
    """day moved n business days forward (n >= 0): a ticket opened on Friday with a 1-day SLA is
    due on Monday."""
    if n < 0:
        raise ValueError("n must be >= 0")
    for _ in range(n):
        day = next_business_day(day, holidays)
    return day


def business_days_between(start: dt.date, end: dt.date, holidays: Collection[dt.date] = ()) -> int:
    """Business days d with start < d <= end (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += _ONE
        if is_business_day(day, holidays):
            count += 1
    return count
