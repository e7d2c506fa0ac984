"""Monthly billing cycles."""
from __future__ import annotations

import calendar
import datetime as dt


def add_month(day: dt.date) -> dt.date:
    """The same day next month, clamped to that month's last day (Jan 31 -> Feb 28 or 29)."""
    month = day.month % 12 + 1
    year = day.year
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def invoice_dates(start: dt.date, count: int) -> list[dt.date]:
    """The first `count` invoice dates of a subscription starting on `start`."""
    dates = [start]
    while len(dates) < count:
        dates.append(add_month(dates[-1]))
    return dates[:count]
