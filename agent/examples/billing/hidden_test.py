import datetime as dt

from billing import add_month, invoice_dates


def test_december_rolls_into_next_year():
    assert add_month(dt.date(2023, 12, 15)) == dt.date(2024, 1, 15)
    assert add_month(dt.date(2024, 12, 31)) == dt.date(2025, 1, 31)


def test_invoices_across_new_year():
    assert invoice_dates(dt.date(2023, 11, 5), 4) == [
        dt.date(2023, 11, 5), dt.date(2023, 12, 5), dt.date(2024, 1, 5), dt.date(2024, 2, 5)]


def test_other_months_unchanged():
    assert add_month(dt.date(2024, 1, 31)) == dt.date(2024, 2, 29)
    assert add_month(dt.date(2023, 11, 30)) == dt.date(2023, 12, 30)
