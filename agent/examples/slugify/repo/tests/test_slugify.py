from slugs import slugify, unique_slug


def test_basic_titles():
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("  Python 3.12 released  ") == "python-3-12-released"
    assert slugify("a b", sep="_") == "a_b"


def test_unique_slug():
    assert unique_slug("Hello", set()) == "hello"
    assert unique_slug("Hello", {"hello", "hello-2"}) == "hello-3"
    assert unique_slug("!!!", set()) == "item"
