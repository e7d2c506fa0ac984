from elapsed import format_clock, format_eta


def test_seconds_are_zero_padded():
    assert format_clock(65) == "1:05"
    assert format_clock(540) == "9:00"
    assert format_clock(7) == "0:07"
    assert format_clock(-5) == "-0:05"


def test_eta_and_unchanged_cases():
    assert format_eta(1, 2, 61) == "ETA 1:01"
    assert format_clock(754) == "12:34" and format_clock(3725) == "1:02:05"
