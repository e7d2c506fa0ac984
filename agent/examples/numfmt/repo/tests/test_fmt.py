import pytest

from numfmt import format_currency, format_number, format_percent, parse_number


def test_grouping():
    assert format_number(1234567.891) == "1,234,567.89"
    assert format_number(999) == "999.00"
    assert format_number(0.5, 0) == "0"


def test_european_separators():
    assert format_number(1234.5, sep=".", point=",") == "1.234,50"


def test_small_negative():
    assert format_number(-12.5) == "-12.50"
    assert format_number(-1234.5) == "-1,234.50"


def test_currency_and_percent():
    assert format_currency(-123456.5) == "-$123,456.50"
    assert format_percent(0.1234) == "12.3%"


def test_parse_number():
    assert parse_number("-1,234.5") == -1234.5
    with pytest.raises(ValueError):
        parse_number("12a")
