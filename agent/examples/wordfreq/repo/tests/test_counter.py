from wordfreq import count_words, top_words


def test_counts_ignore_case_and_punctuation():
    counts = count_words("The cat saw the dog. The END!")
    assert counts["the"] == 3
    assert counts["end"] == 1


def test_top_words_orders_by_count_then_word():
    assert top_words("b a b c a b", 2) == [("b", 3), ("a", 2)]


def test_empty_text():
    assert count_words("") == {}
