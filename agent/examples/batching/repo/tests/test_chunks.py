import pytest

from batching import batch_count, chunked


def test_even_batches():
    assert chunked([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
    assert chunked("abcdef", 3) == [["a", "b", "c"], ["d", "e", "f"]]


def test_batch_count():
    assert batch_count(10, 3) == 4 and batch_count(9, 3) == 3 and batch_count(0, 3) == 0


def test_bad_size():
    with pytest.raises(ValueError):
        chunked([1], 0)
