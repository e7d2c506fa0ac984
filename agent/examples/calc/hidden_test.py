from minicalc import Calculator, evaluate


def test_minus_is_left_associative():
    assert evaluate("10 - 4 - 3") == 3
    assert evaluate("2 - 3 + 4") == 3
    assert evaluate("1 - 1 - 1 - 1") == -2
    assert evaluate("20 - 2 * 3 - 4") == 10


def test_budget_lines():
    calc = Calculator()
    out = calc.run(["income = 3000", "left = income - 1200 - 400 + 50"])
    assert out["left"] == 1450


def test_other_precedence_unchanged():
    assert evaluate("2 ^ 3 ^ 2") == 512 and evaluate("100 / 10 / 5") == 2
