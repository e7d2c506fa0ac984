import pytest

from pageranges import format_ranges, parse_ranges


def test_single_pages():
    assert parse_ranges("5, 1,3") == [1, 3, 5]


def test_blank_parts_ignored():
    assert parse_ranges("2,,4,") == [2, 4]


def test_backwards_range_rejected():
    with pytest.raises(ValueError):
        parse_ranges("5-2")


def test_format_ranges():
    assert format_ranges([1, 2, 3, 5, 8, 9, 10]) == "1-3,5,8-10"
    assert format_ranges([]) == ""
