from tagger import count_tags, dedupe_tags


def test_caseless_in_every_script():
    assert dedupe_tags(["Straße", "STRASSE", "strasse"]) == ["Straße"]
    assert dedupe_tags(["ΣΟΦΙΑ", "σοφια", "σοφιας"]) == ["ΣΟΦΙΑ", "σοφιας"]


def test_counts_merge_caseless_spellings():
    assert count_tags([["Straße"], ["STRASSE", "Go"], ["go"]]) == {"Straße": 2, "Go": 2}


def test_plain_tags_unchanged():
    assert dedupe_tags(["Python", "python", "Web"]) == ["Python", "Web"]
