import pytest

from rooms import BookingConflict, RoomCalendar, parse_time


def cal():
    return RoomCalendar({"Ada": 4, "Babbage": 10})


def test_parse_time():
    assert parse_time("09:30") == 570
    for bad in ("9", "25:00", "10:5", "ab:cd"):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_book_and_conflict():
    c = cal()
    c.book("Ada", "09:00", "10:00", "standup")
    with pytest.raises(BookingConflict):
        c.book("Ada", "09:30", "10:30")
    assert not c.is_free("Ada", "08:30", "09:15")
    assert c.is_free("Babbage", "09:00", "10:00")


def test_free_slots_and_utilization():
    c = cal()
    c.book("Ada", "09:00", "10:00")
    c.book("Ada", "12:00", "18:00")
    assert c.free_slots("Ada", 60) == [("08:00", "09:00"), ("10:00", "12:00"), ("18:00", "20:00")]
    assert c.utilization("Ada") == pytest.approx(7 / 12)


def test_find_room_by_capacity():
    c = cal()
    c.book("Ada", "09:00", "10:00")
    assert c.find_room("09:00", "09:30", people=2) == "Babbage"
    assert c.find_room("11:00", "12:00", people=2) == "Ada"
    assert c.find_room("11:00", "12:00", people=20) is None


def test_cancel_and_agenda():
    c = cal()
    b = c.book("Ada", "14:00", "15:00", "review", ("ann", "bob"))
    c.book("Babbage", "09:00", "09:30", "sync", ("ann",))
    assert c.agenda("ann") == ["Babbage 09:00-09:30 sync", "Ada 14:00-15:00 review"]
    c.cancel(b.id)
    assert c.agenda("bob") == []
    with pytest.raises(ValueError):
        c.book("Ada", "07:00", "09:00")
