import datetime as dt

from billing import add_month, invoice_dates


def test_add_month_mid_year():
    assert add_month(dt.date(2024, 3, 15)) == dt.date(2024, 4, 15)


def test_add_month_clamps_to_month_end():
    assert add_month(dt.date(2024, 1, 31)) == dt.date(2024, 2, 29)
    assert add_month(dt.date(2023, 1, 31)) == dt.date(2023, 2, 28)


def test_invoice_dates():
    assert invoice_dates(dt.date(2024, 5, 10), 3) == [dt.date(2024, 5, 10), dt.date(2024, 6, 10), dt.date(2024, 7, 10)]
