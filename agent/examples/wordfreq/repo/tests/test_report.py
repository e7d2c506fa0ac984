from wordfreq import format_table


def test_table_aligns_columns():
    assert format_table([("a", 3), ("bbb", 1)]) == "a    3\nbbb  1"


def test_empty_table():
    assert format_table([]) == ""
