from textkit import shorten


def test_default_width_is_one_terminal_line():
    message = "Connection to the database was reset by peer"
    assert shorten(message) == message
    assert shorten("a" * 80) == "a" * 80
    cut = shorten("word " * 40)
    assert len(cut) == 80 and cut.endswith("...")


def test_explicit_width_unchanged():
    assert shorten("hello wonderful world", width=12) == "hello won..."
