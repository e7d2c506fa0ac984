from itertools_extra import dedupe, flatten, interleave, pairwise_diff, window


def test_dedupe_with_key_keeps_first():
    assert dedupe(["Apple", "banana", "apple", "Banana"], key=str.lower) == ["Apple", "banana"]


def test_dedupe_sorted_input():
    assert dedupe([1, 1, 2, 3, 3]) == [1, 2, 3]


def test_flatten():
    assert flatten([[1, 2], (3,), 4, "ab"]) == [1, 2, 3, 4, "ab"]


def test_window():
    assert window([1, 2, 3], 2) == [(1, 2), (2, 3)]
    assert window([1], 2) == []


def test_interleave_and_diff():
    assert interleave([1, 2, 3], "ab") == [1, "a", 2, "b", 3]
    assert pairwise_diff([1, 4, 9]) == [3, 5]
