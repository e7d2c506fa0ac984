import datetime as dt

from workdays import add_business_days, business_days_between, is_business_day, next_business_day

FRI, SAT, SUN, MON = (dt.date(2024, 6, d) for d in (7, 8, 9, 10))


def test_saturday_is_weekend():
    assert not is_business_day(SAT)
    assert add_business_days(FRI, 1) == MON
    assert next_business_day(SAT) == MON


def test_across_weekends():
    assert business_days_between(FRI, MON) == 1
    assert add_business_days(dt.date(2024, 6, 3), 10) == dt.date(2024, 6, 17)
    assert add_business_days(FRI, 1, holidays={MON}) == dt.date(2024, 6, 11)
