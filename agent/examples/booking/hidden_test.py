import pytest

from rooms import BookingConflict, RoomCalendar


def test_back_to_back_allowed():
    c = RoomCalendar({"Ada": 4, "Babbage": 10})
    c.book("Ada", "09:00", "10:00")
    assert c.is_free("Ada", "10:00", "11:00")
    assert c.is_free("Ada", "08:00", "09:00")
    c.book("Ada", "10:00", "11:00")
    c.book("Ada", "08:30", "09:00")
    assert c.find_room("11:00", "12:00", people=2) == "Ada"


def test_real_overlaps_still_conflict():
    c = RoomCalendar({"Ada": 4})
    c.book("Ada", "09:00", "10:00")
    assert not c.is_free("Ada", "09:59", "10:30")
    with pytest.raises(BookingConflict):
        c.book("Ada", "08:00", "09:01")
