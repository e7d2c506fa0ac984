"""Working hours from clock-in / clock-out times."""
from .hours import parse_hhmm, shift_hours, weekly_hours

__all__ = ["parse_hhmm", "shift_hours", "weekly_hours"]
