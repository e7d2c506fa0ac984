import pytest

from geo import bearing, haversine_km, nearest

PARIS, LONDON, BERLIN = (48.8566, 2.3522), (51.5074, -0.1278), (52.52, 13.405)


def test_same_point():
    assert haversine_km(PARIS, PARIS) == 0


def test_symmetric():
    assert haversine_km(PARIS, LONDON) == pytest.approx(haversine_km(LONDON, PARIS))


def test_nearest():
    assert nearest(PARIS, {"london": LONDON, "berlin": BERLIN}) == "london"
    assert nearest(PARIS, {}) is None


def test_bearing_east():
    assert bearing((0, 0), (0, 10)) == pytest.approx(90)


def test_invalid_coordinate():
    with pytest.raises(ValueError):
        haversine_km((91, 0), (0, 0))
