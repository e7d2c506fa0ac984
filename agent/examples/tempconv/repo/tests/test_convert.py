import pytest

from tempconv import fahrenheit_to_celsius, format_reading


def test_fahrenheit_to_celsius():
    assert fahrenheit_to_celsius(212) == 100
    assert fahrenheit_to_celsius(32) == 0


def test_format_celsius():
    assert format_reading(21.456) == "21.5 °C"


def test_unknown_unit():
    with pytest.raises(ValueError):
        format_reading(20, "K")
