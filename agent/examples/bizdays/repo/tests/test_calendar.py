import datetime as dt

import pytest

from workdays import add_business_days, business_days_between, is_business_day, next_business_day

MON, TUE, WED, THU, FRI = (dt.date(2024, 6, d) for d in (3, 4, 5, 6, 7))
SUN = dt.date(2024, 6, 9)


def test_weekdays():
    assert all(is_business_day(d) for d in (MON, TUE, WED, THU, FRI))
    assert not is_business_day(SUN)


def test_holidays_skipped():
    assert next_business_day(MON, holidays={TUE}) == WED
    assert add_business_days(MON, 2, holidays={WED}) == THU


def test_within_a_week():
    assert add_business_days(MON, 4) == FRI
    assert business_days_between(MON, FRI) == 4
    assert business_days_between(FRI, MON) == 0


def test_negative_rejected():
    with pytest.raises(ValueError):
        add_business_days(MON, -1)
