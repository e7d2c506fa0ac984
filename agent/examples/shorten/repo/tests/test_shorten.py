from textkit import collapse, shorten


def test_collapse():
    assert collapse("  a \n\t b  ") == "a b"


def test_short_text_unchanged():
    assert shorten("hello", width=20) == "hello"


def test_cut_with_placeholder():
    assert shorten("hello wonderful world", width=12) == "hello won..."
    assert shorten("abcdef", width=2) == ".."
