import pytest

from durations import parse_duration


@pytest.mark.parametrize("bad", ["10x", "5min", "1h5q", "3w"])
def test_unknown_unit_is_a_value_error(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_valid_durations_unchanged():
    assert parse_duration("1d2h3m4s") == 93784
    assert parse_duration("45m") == 2700
