import pytest

from urlkit import add_query, is_absolute, join_url, normalize_path, normalize_url, split_url
from urlkit.urls import same_site

BASE = "http://a/b/c/d;p?q"


def test_split_and_str_round_trip():
    for text in ("https://user@Example.com:8080/p/a?x=1#frag", "mailto:ann@example.org", "/relative?", "a#"):
        assert str(split_url(text)) == text
    assert split_url("HTTP://x/").scheme == "http"


def test_normalize_path():
    assert normalize_path("/a/b/c/./../../g") == "/a/g"
    assert normalize_path("mid/content=5/../6") == "mid/6"
    assert normalize_path("/..") == "/"


@pytest.mark.parametrize("ref, expected", [
    ("g:h", "g:h"),
    ("g", "http://a/b/c/g"),
    ("./g", "http://a/b/c/g"),
    ("g/", "http://a/b/c/g/"),
    ("//g", "http://g"),
    ("?y", "http://a/b/c/d;p?y"),
    ("#s", "http://a/b/c/d;p?q#s"),
    ("", "http://a/b/c/d;p?q"),
    ("..", "http://a/b/"),
    ("../../g", "http://a/g"),
    ("../../../g", "http://a/g"),
])
def test_rfc3986_relative_references(ref, expected):
    assert join_url(BASE, ref) == expected


def test_normalize_url():
    assert normalize_url("HTTP://Example.COM:80/a/./b/../c#top") == "http://example.com/a/c"
    assert normalize_url("https://example.com") == "https://example.com/"
    assert normalize_url("https://example.com/a b") == "https://example.com/a%20b"


def test_add_query():
    assert add_query("https://x/s?q=1&page=2", page=3) == "https://x/s?q=1&page=3"
    assert add_query("https://x/s?q=1&page=2", page=None, lang="en") == "https://x/s?q=1&lang=en"
    assert add_query("https://x/s", q="a b") == "https://x/s?q=a+b"


def test_misc():
    assert is_absolute("https://x") and not is_absolute("/x")
    assert same_site("https://Example.com:443/a", "https://example.com/b")


def test_strip_tracking_and_depth():
    from urlkit.urls import path_depth, strip_tracking

    assert strip_tracking("https://x/p?utm_source=a&id=3&fbclid=z") == "https://x/p?id=3"
    assert strip_tracking("https://x/p?utm_medium=b") == "https://x/p"
    assert path_depth("https://x/a/b/") == 2 and path_depth("https://x") == 0
