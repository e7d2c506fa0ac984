import math

import pytest

from geo import haversine_km

PARIS, LONDON = (48.8566, 2.3522), (51.5074, -0.1278)


def test_paris_london():
    assert haversine_km(PARIS, LONDON) == pytest.approx(343.56, abs=0.5)


def test_quarter_meridian_and_equator():
    assert haversine_km((0, 0), (90, 0)) == pytest.approx(math.pi / 2 * 6371.0088, rel=1e-9)
    assert haversine_km((0, 0), (0, 1)) == pytest.approx(111.195, abs=0.01)
