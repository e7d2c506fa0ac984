import pytest

from stats import mean, median, spread


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5


def test_median_odd_and_even():
    assert median([5, 1, 3]) == 3
    assert median([7, 1, 3, 5]) == 4


def test_empty_inputs_raise():
    for fn in (mean, median, spread):
        with pytest.raises(ValueError):
            fn([])


def test_spread():
    assert spread([3, -1, 10]) == 11
