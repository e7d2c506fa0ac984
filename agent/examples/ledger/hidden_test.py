from decimal import Decimal

from ledger import category_totals, load_statement, monthly_totals

CARD = """date,description,amount,category
2024-03-02,Supermarket,(54.10),food
2024-03-09,Supermarket refund,12.30,food
2024-03-11,Books,"($1,020.00)",fun
"""


def test_bracketed_amounts_are_negative():
    rows = load_statement(CARD)
    assert [r.amount for r in rows] == [Decimal("-54.10"), Decimal("12.30"), Decimal("-1020.00")]


def test_card_totals():
    rows = load_statement(CARD)
    assert monthly_totals(rows) == {"2024-03": Decimal("-1061.80")}
    assert category_totals(rows) == {"fun": Decimal("-1020.00"), "food": Decimal("-41.80")}
