from invoicing import line_total, round_cents, with_tax


def test_half_cents_round_up():
    assert round_cents(2.675) == 2.68
    assert round_cents(0.125) == 0.13
    assert round_cents(1.005) == 1.01
    assert round_cents(-0.125) == -0.13


def test_totals_and_tax():
    assert line_total(0.125, 1) == 0.13
    assert line_total(0.0125, 10) == 0.13
    assert with_tax(2.5, 7) == 2.68
    assert round_cents(3.14159) == 3.14
