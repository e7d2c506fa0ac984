from paginate import page_count, paginate


def test_exact_multiples():
    assert page_count(20, 10) == 2
    assert page_count(10, 10) == 1
    assert page_count(30, 5) == 6


def test_other_counts_unchanged():
    assert page_count(0, 10) == 0
    assert page_count(1, 10) == 1
    assert page_count(21, 10) == 3


def test_last_page_has_no_next():
    page = paginate(list(range(20)), 2)
    assert page["pages"] == 2 and not page["has_next"] and page["items"] == list(range(10, 20))
