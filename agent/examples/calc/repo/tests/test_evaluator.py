import math

import pytest

from minicalc import CalcError, Calculator, evaluate


def test_precedence():
    assert evaluate("1 + 2 * 3 - 4") == 3
    assert evaluate("(1 + 2) * 3") == 9
    assert evaluate("2 ^ 3 ^ 2") == 512
    assert evaluate("-2 ^ 2") == -4


def test_left_associative_division():
    assert evaluate("100 / 10 / 5") == 2
    assert evaluate("7 % 4 * 2") == 6


def test_variables_and_functions():
    assert evaluate("price * (1 + vat)", {"price": 10, "vat": 0.25}) == 12.5
    assert evaluate("max(1, 5, 3) + abs(-2)") == 7
    assert evaluate("sqrt(16)") == 4


def test_errors():
    for bad, pos in (("1 +", 3), ("2 * $", 4), ("foo(1)", 0), ("1 / 0", 2), ("(1 + 2", 6)):
        with pytest.raises(CalcError) as err:
            evaluate(bad)
        assert err.value.pos == pos, bad


def test_calculator_lines():
    calc = Calculator()
    out = calc.run(["net = 3 * 4", "# comment", "", "gross = net * 1.5", "circle = pi * 2 ^ 2"])
    assert out["gross"] == 18 and out["circle"] == pytest.approx(4 * math.pi)
