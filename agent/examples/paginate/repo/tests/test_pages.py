import pytest

from paginate import page_count, paginate


def test_page_count_partial_last_page():
    assert page_count(25, 10) == 3
    assert page_count(3, 10) == 1
    assert page_count(0, 10) == 0


def test_page_count_rejects_bad_size():
    with pytest.raises(ValueError):
        page_count(5, 0)


def test_paginate_middle_and_last_page():
    items = list(range(25))
    middle = paginate(items, 2)
    assert middle["items"] == list(range(10, 20)) and middle["has_prev"] and middle["has_next"]
    last = paginate(items, 3)
    assert last["items"] == [20, 21, 22, 23, 24] and not last["has_next"]
