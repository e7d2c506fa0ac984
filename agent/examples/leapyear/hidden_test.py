from calendar_utils import days_in_month, days_in_year, is_leap


def test_century_rules():
    assert is_leap(2000) and is_leap(1600) and is_leap(2400)
    assert not is_leap(1900) and not is_leap(2100) and not is_leap(1800)


def test_days_follow():
    assert days_in_month(1900, 2) == 28 and days_in_month(2000, 2) == 29
    assert days_in_year(2100) == 365


def test_ordinary_years_unchanged():
    assert is_leap(2024) and not is_leap(2023)
