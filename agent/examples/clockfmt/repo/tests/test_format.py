import pytest

from elapsed import format_clock, format_eta, parse_clock


def test_hours():
    assert format_clock(3725) == "1:02:05"
    assert format_clock(36000) == "10:00:00"


def test_minutes():
    assert format_clock(754) == "12:34"
    assert format_clock(-90.7) == "-1:30"


def test_parse():
    assert parse_clock("1:02:05") == 3725
    assert parse_clock("-0:30") == -30
    with pytest.raises(ValueError):
        parse_clock("12")


def test_eta():
    assert format_eta(0, 10, 5) == "ETA --:--"
    assert format_eta(5, 10, 30) == "ETA 0:30"
