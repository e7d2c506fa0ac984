from wordfreq import count_words, top_words


def test_newlines_and_tabs_separate_words():
    counts = count_words("the cat\nthe dog\tthe end")
    assert dict(counts) == {"the": 3, "cat": 1, "dog": 1, "end": 1}


def test_top_words_over_several_lines():
    assert top_words("a b\na\r\n\nb a", 2) == [("a", 3), ("b", 2)]


def test_single_line_still_works():
    assert dict(count_words("Hello, hello  world")) == {"hello": 2, "world": 1}
