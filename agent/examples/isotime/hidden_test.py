import datetime as dt

from stamps import format_timestamp, parse_offset, parse_timestamp

UTC = dt.timezone.utc


def test_zulu_timestamps():
    assert parse_timestamp("2024-03-01T09:15:00Z") == dt.datetime(2024, 3, 1, 9, 15, tzinfo=UTC)
    assert parse_timestamp("2024-03-01t09:15:00.5z").microsecond == 500000
    assert parse_offset("Z").utcoffset(None) == dt.timedelta(0)


def test_round_trip():
    for text in ("2024-03-01T09:15:00Z", "1999-12-31T23:59:59.123Z", "2024-03-01T10:15:00-03:30"):
        assert format_timestamp(parse_timestamp(text)) == text
