from tempconv import celsius_to_fahrenheit, fahrenheit_to_celsius, format_reading


def test_boiling_and_freezing():
    assert celsius_to_fahrenheit(100) == 212
    assert celsius_to_fahrenheit(0) == 32
    assert celsius_to_fahrenheit(-40) == -40


def test_round_trip():
    for c in (-12.5, 0, 21.5, 37):
        assert abs(fahrenheit_to_celsius(celsius_to_fahrenheit(c)) - c) < 1e-9


def test_format_fahrenheit():
    assert format_reading(0, "F") == "32.0 °F"
    assert format_reading(37, "F") == "98.6 °F"
