import pytest

from calendar_utils import days_in_month, days_in_year, is_leap


def test_ordinary_leap_years():
    assert is_leap(2024) and is_leap(1996)
    assert not is_leap(2023) and not is_leap(2019)


def test_days():
    assert days_in_year(2024) == 366 and days_in_year(2023) == 365
    assert days_in_month(2024, 2) == 29 and days_in_month(2023, 2) == 28 and days_in_month(2023, 12) == 31


def test_bad_month():
    with pytest.raises(ValueError):
        days_in_month(2024, 13)
