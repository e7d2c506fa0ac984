from urlkit import join_url

BASE = "http://a/b/c/d;p?q"


def test_root_relative_links():
    assert join_url("https://example.com/docs/guide/", "/about") == "https://example.com/about"
    assert join_url(BASE, "/g") == "http://a/g"
    assert join_url(BASE, "/./g/../h?x=1#f") == "http://a/h?x=1#f"


def test_other_references_unchanged():
    assert join_url(BASE, "g?y") == "http://a/b/c/g?y"
    assert join_url(BASE, "//g/x") == "http://g/x"
