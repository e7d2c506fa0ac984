import pytest

from shifts import shift_hours, weekly_hours


def test_day_shift():
    assert shift_hours("09:00", "17:30", 30) == 8.0


def test_bad_time():
    with pytest.raises(ValueError):
        shift_hours("9am", "17:00")


def test_break_too_long():
    with pytest.raises(ValueError):
        shift_hours("09:00", "09:30", 45)


def test_week():
    assert weekly_hours([("08:00", "12:00", 0), ("13:00", "17:15", 15)]) == 8.0
