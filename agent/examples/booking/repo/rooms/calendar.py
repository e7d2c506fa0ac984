"""Bookings for a set of meeting rooms on one day, in minutes since midnight.

A booking covers the half-open interval [start, end): a meeting from 09:00 to 10:00 and one from
10:00 to 11:00 do not overlap, so back-to-back meetings in the same room are allowed.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

OPENING = 8 * 60    # rooms can be booked from 08:00 ...
CLOSING = 20 * 60   # ... until 20:00


class BookingConflict(ValueError):
    """The requested slot overlaps an existing booking."""


def parse_time(text: str) -> int:
    """ "09:30" -> 570 minutes since midnight."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"expected HH:MM, got {text!r}")
    h, m = int(hours), int(minutes)
    if h > 24 or m > 59 or (h == 24 and m):
        raise ValueError(f"no such time: {text!r}")
    return h * 60 + m


def format_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start <= b_end and b_start <= a_end


@dataclass(frozen=True)
class Booking:
    id: int
    room: str
    start: int
    end: int
    title: str = ""
    attendees: tuple[str, ...] = ()

    @property
    def duration(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{self.room} {format_time(self.start)}-{format_time(self.end)} {self.title}".rstrip()


@dataclass
class RoomCalendar:
    rooms: dict[str, int]                      # room name -> capacity
    bookings: list[Booking] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)

    def _room_bookings(self, room: str) -> list[Booking]:
        return sorted((b for b in self.bookings if b.room == room), key=lambda b: b.start)

    def is_free(self, room: str, start: str, end: str) -> bool:
        """True when room has no booking overlapping [start, end)."""
        s, e = parse_time(start), parse_time(end)
        return not any(_overlaps(s, e, b.start, b.end) for b in self._room_bookings(room))

    def book(self, room: str, start: str, end: str, title: str = "", attendees: tuple[str, ...] = ()) -> Booking:
        """Reserve room from start to end; BookingConflict if it is taken."""
        if room not in self.rooms:
            raise KeyError(f"no room {room!r}")
        s, e = parse_time(start), parse_time(end)
        if not OPENING <= s < e <= CLOSING:
            raise ValueError(f"bookings must lie within {format_time(OPENING)}-{format_time(CLOSING)} "
                             "and end after they start")
        if len(attendees) > self.rooms[room]:
            raise ValueError(f"{room} seats {self.rooms[room]}, not {len(attendees)}")
        if not self.is_free(room, start, end):
            raise BookingConflict(f"{room} is taken between {start} and {end}")
        booking = Booking(next(self._ids), room, s, e, title, tuple(attendees))
        self.bookings.append(booking)
        return booking

    def cancel(self, booking_id: int) -> Booking:
        for i, b in enumerate(self.bookings):
            if b.id == booking_id:
                return self.bookings.pop(i)
        raise KeyError(f"no booking {booking_id}")

    def free_slots(self, room: str, min_minutes: int = 30) -> list[tuple[str, str]]:
        """Gaps of at least min_minutes between bookings, within opening hours."""
        slots, cursor = [], OPENING
        for b in self._room_bookings(room):
            if b.start - cursor >= min_minutes:
                slots.append((format_time(cursor), format_time(b.start)))
            cursor = max(cursor, b.end)
        if CLOSING - cursor >= min_minutes:
            slots.append((format_time(cursor), format_time(CLOSING)))
        return slots

    def find_room(self, start: str, end: str, people: int = 1) -> str | None:
        """The smallest free room that seats `people` for the slot (ties by name), or None."""
        fitting = sorted((cap, name) for name, cap in self.rooms.items() if cap >= people)
        for _, name in fitting:
            if self.is_free(name, start, end):
                return name
        return None

    def utilization(self, room: str) -> float:
        """Share of opening hours that room is booked, 0.0 - 1.0."""
        booked = sum(b.duration for b in self._room_bookings(room))
        return booked / (CLOSING - OPENING)

    def agenda(self, person: str) -> list[str]:
        """The bookings a person attends, in time order, as printable lines."""
        mine = sorted((b for b in self.bookings if person in b.attendees), key=lambda b: (b.start, b.room))
        return [str(b) for b in mine]
