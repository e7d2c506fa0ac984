from decimal import Decimal

from ledger import category_totals, load_statement, monthly_totals

CSV = """date,description,amount,category
2024-01-03,Salary,"2,500.00",income
2024-01-05,Groceries,-84.20,food
05/01/2024,Cinema,12.00-,fun
2024-02-01,Rent,-900.00,housing
2024-02-03,Bakery,-€4.50,food
"""


def test_load_statement():
    rows = load_statement(CSV)
    assert [r.amount for r in rows] == [Decimal("2500.00"), Decimal("-84.20"), Decimal("-12.00"),
                                        Decimal("-900.00"), Decimal("-4.50")]
    assert rows[2].date.isoformat() == "2024-01-05"


def test_monthly_totals():
    assert monthly_totals(load_statement(CSV)) == {"2024-01": Decimal("2403.80"), "2024-02": Decimal("-904.50")}


def test_category_totals():
    totals = category_totals(load_statement(CSV), month="2024-01")
    assert list(totals) == ["food", "fun", "income"]
