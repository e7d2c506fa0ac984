from itertools_extra import dedupe


def test_keeps_first_seen_order():
    assert dedupe([3, 1, 3, 2]) == [3, 1, 2]
    assert dedupe([10, 5, 10, 7, 5, 1]) == [10, 5, 7, 1]
    assert dedupe([]) == []


def test_key_and_generators():
    assert dedupe([[1], [1], [2]], key=tuple) == [[1], [2]]
    assert dedupe((x for x in [2, 2, 1])) == [2, 1]
