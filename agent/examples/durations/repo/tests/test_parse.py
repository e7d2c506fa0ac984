import pytest

from durations import format_duration, parse_duration


def test_parse_units():
    assert parse_duration("90s") == 90
    assert parse_duration("1h30m") == 5400
    assert parse_duration(" 2D ") == 172800


@pytest.mark.parametrize("bad", ["", "h", "10", "1h 30m", "abc"])
def test_parse_rejects_malformed(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_format_round_trip():
    for seconds in (0, 59, 5400, 90061):
        assert parse_duration(format_duration(seconds)) == seconds
