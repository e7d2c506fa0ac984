from numfmt import format_number, format_percent, parse_number


def test_negative_numbers_group_like_positive_ones():
    assert format_number(-123456.5) == "-123,456.50"
    assert format_number(-999, 0) == "-999"
    assert format_number(-100200300, 0, sep=" ") == "-100 200 300"
    assert format_percent(-1.5) == "-150.0%"


def test_round_trip_and_positive_unchanged():
    assert parse_number(format_number(-987654.25)) == -987654.25
    assert format_number(123456.5) == "123,456.50"
    assert format_number(-1234.5) == "-1,234.50"
