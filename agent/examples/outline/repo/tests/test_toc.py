import pytest

from mdtoc import build_tree, parse_headings, render_toc

DOC = """# Guide
Intro.
## Install
### From PyPI
```
# not a heading
```
### From source
## Usage & FAQ
"""


def test_parse_skips_code():
    assert [(h.level, h.title) for h in parse_headings(DOC)] == [
        (1, "Guide"), (2, "Install"), (3, "From PyPI"), (3, "From source"), (2, "Usage & FAQ")]


def test_tree():
    tree = build_tree(parse_headings(DOC))
    assert tree.title == "Guide" and [c.title for c in tree.children] == ["Install", "Usage & FAQ"]


def test_full_toc():
    assert render_toc(DOC) == (
        "- [Install](#install)\n"
        "  - [From PyPI](#from-pypi)\n"
        "  - [From source](#from-source)\n"
        "- [Usage & FAQ](#usage--faq)")


def test_bad_depth():
    with pytest.raises(ValueError):
        render_toc(DOC, max_depth=0)
