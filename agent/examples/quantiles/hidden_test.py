from latency import percentile, summarize


def test_empty_sample():
    assert percentile([], 50) is None
    assert percentile([], 0) is None
    assert summarize([]) == {"count": 0, "p50": None, "p90": None, "p99": None, "max": None}


def test_non_empty_unchanged():
    assert percentile([3, 1, 2], 50) == 2.0
    assert summarize([7], points=(95,)) == {"count": 1, "p95": 7.0, "max": 7}
