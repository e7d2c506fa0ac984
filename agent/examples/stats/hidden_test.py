import pytest

from stats import median


def test_even_count_is_mean_of_middle_values():
    assert median([1, 2]) == pytest.approx(1.5)
    assert median([4, 1, 3, 2]) == pytest.approx(2.5)
    assert median([0.5, 1.0]) == pytest.approx(0.75)
    assert median([-3, -2]) == pytest.approx(-2.5)


def test_odd_and_whole_results_unchanged():
    assert median([5, 1, 3]) == 3
    assert median([7, 1, 3, 5]) == 4
