from pageranges import format_ranges, parse_ranges


def test_ranges_include_their_end():
    assert parse_ranges("1-3,5") == [1, 2, 3, 5]
    assert parse_ranges("7-8") == [7, 8]
    assert parse_ranges("4-4") == [4]


def test_round_trip():
    for text in ("1-3,5,8-10", "2-6", "1,3-4"):
        assert format_ranges(parse_ranges(text)) == text
