from shifts import shift_hours, weekly_hours


def test_overnight_shifts():
    assert shift_hours("22:00", "06:00") == 8.0
    assert shift_hours("23:30", "00:15", 15) == 0.5
    assert shift_hours("18:00", "18:00") == 24.0


def test_week_with_night_shift():
    assert weekly_hours([("22:00", "06:00", 30), ("09:00", "17:00", 30)]) == 15.0
    assert shift_hours("09:00", "17:30", 30) == 8.0
