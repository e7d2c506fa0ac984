from batching import batch_count, chunked


def test_partial_last_batch_is_kept():
    assert chunked([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert chunked([1, 2], 5) == [[1, 2]]
    assert chunked(list(range(10)), 3)[-1] == [9]


def test_counts_agree():
    for n in range(12):
        assert len(chunked(list(range(n)), 4)) == batch_count(n, 4)
        assert sum(chunked(list(range(n)), 4), []) == list(range(n))


def test_empty_and_even_unchanged():
    assert chunked([], 3) == []
    assert chunked([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
