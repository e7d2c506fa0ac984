"""Meeting-room bookings."""
from .calendar import Booking, BookingConflict, RoomCalendar, parse_time

__all__ = ["Booking", "BookingConflict", "RoomCalendar", "parse_time"]
