from tagger import count_tags, dedupe_tags, normalize_tag


def test_normalize_whitespace():
    assert normalize_tag("  machine   learning ") == "machine learning"


def test_dedupe_keeps_first_spelling():
    assert dedupe_tags(["Python", "python", " PYTHON ", "Go", ""]) == ["Python", "Go"]


def test_count_tags_across_posts():
    counts = count_tags([["Python", "web"], ["python"], ["Web", "WEB"]])
    assert counts == {"Python": 2, "web": 2}
