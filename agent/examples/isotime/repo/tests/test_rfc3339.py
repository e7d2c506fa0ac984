import datetime as dt

import pytest

from stamps import format_timestamp, parse_offset, parse_timestamp, to_utc


def test_parse_with_offset():
    value = parse_timestamp("2024-03-01T10:15:00+01:00")
    assert to_utc(value) == dt.datetime(2024, 3, 1, 9, 15, tzinfo=dt.timezone.utc)


def test_negative_offset_and_fraction():
    value = parse_timestamp("2024-03-01T10:15:00.250-03:30")
    assert value.microsecond == 250000
    assert parse_offset("-03:30").utcoffset(None) == -dt.timedelta(hours=3, minutes=30)


def test_format():
    tz = dt.timezone(dt.timedelta(hours=5, minutes=30))
    assert format_timestamp(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=tz)) == "2024-01-02T03:04:05+05:30"
    assert format_timestamp(dt.datetime(2024, 1, 2, 3, 4, 5, 7000, tzinfo=dt.timezone.utc)) == "2024-01-02T03:04:05.007Z"


def test_rejects_garbage():
    for bad in ("2024-03-01", "2024-03-01T10:15:00", "2024-03-01T10:15:00+25:00"):
        with pytest.raises(ValueError):
            parse_timestamp(bad)
