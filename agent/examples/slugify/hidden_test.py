from slugs import slugify, unique_slug


def test_accents_keep_base_letter():
    assert slugify("Café au lait") == "cafe-au-lait"
    assert slugify("Crème brûlée") == "creme-brulee"
    assert slugify("naïve Résumé") == "naive-resume"


def test_ascii_and_unique_unchanged():
    assert slugify("Hello, World!") == "hello-world"
    assert unique_slug("Café", {"cafe"}) == "cafe-2"
