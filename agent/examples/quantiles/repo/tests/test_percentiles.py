import pytest

from latency import percentile, summarize


def test_interpolates():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30], 100) == 30.0
    assert percentile([5], 90) == 5.0


def test_p_out_of_range():
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_summary():
    row = summarize([100, 200, 300, 400, 500])
    assert row == {"count": 5, "p50": 300.0, "p90": 460.0, "p99": 496.0, "max": 500}
