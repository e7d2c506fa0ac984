from mdtoc import render_toc

DOC = "# Guide\n## Install\n### From PyPI\n#### Wheels\n## Usage\n"


def test_depth_one_shows_top_sections():
    assert render_toc(DOC, max_depth=1) == "- [Install](#install)\n- [Usage](#usage)"


def test_deeper_levels():
    assert render_toc(DOC, max_depth=2) == "- [Install](#install)\n  - [From PyPI](#from-pypi)\n- [Usage](#usage)"
    assert render_toc(DOC, max_depth=3) == render_toc(DOC)
