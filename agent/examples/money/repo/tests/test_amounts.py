from invoicing import line_total, round_cents, split_evenly, with_tax


def test_round_cents():
    assert round_cents(10.0) == 10.0
    assert round_cents(3.14159) == 3.14
    assert round_cents(2.999) == 3.0


def test_line_total():
    assert line_total(2.5, 3) == 7.5


def test_with_tax():
    assert with_tax(100, 19) == 119.0


def test_split_evenly():
    assert split_evenly(10, 3) == [3.34, 3.33, 3.33]
    assert sum(split_evenly(0.05, 2)) == 0.05
