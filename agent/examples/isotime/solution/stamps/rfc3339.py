"""Parse and format RFC 3339 timestamps: "2024-03-01T10:15:00+01:00", "2024-03-01T09:15:00Z".

The offset is "Z" (UTC) or "+HH:MM" / "-HH:MM"; fractional seconds are optional. Parsed values are
always timezone-aware.
"""
from __future__ import annotations

import datetime as dt
import re

_STAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"([Zz]|[+-]\d{2}:\d{2})$"
)
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def parse_offset(text: str) -> dt.timezone:
    """ "+05:30" -> timezone(timedelta(hours=5, minutes=30)); "Z" -> UTC."""
    if text in ("Z", "z"):
        return dt.timezone.utc
    match = _OFFSET.match(text)
    if not match:
        raise ValueError(f"invalid UTC offset: {text!r}")
    sign, hours, minutes = match.groups()
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f"UTC offset out of range: {text!r}")
    delta = dt.timedelta(hours=int(hours), minutes=int(minutes))
    return dt.timezone(-delta if sign == "-" else delta)


def parse_timestamp(text: str) -> dt.datetime:
    """An aware datetime for an RFC 3339 timestamp; fractions beyond microseconds are truncated."""
    match = _STAMP.match(text.strip())
    if not match:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
                       tzinfo=parse_offset(offset))


def to_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetimes have no defined UTC time")
    return value.astimezone(dt.timezone.utc)


def format_timestamp(value: dt.datetime) -> str:
    """RFC 3339 text, "Z" for UTC, milliseconds only when non-zero."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes have no defined UTC offset")
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    offset = value.utcoffset()
    if offset == dt.timedelta(0):
        return text + "Z"
    total = int(offset.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    return text + f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"
