"""A one-line repair that names a standard-library module or member gets its import (agent/stdlib_imports.py)."""
from __future__ import annotations

from agent.cloze import Hole, filled
from agent.stdlib_imports import add_imports, stdlib_import, needed_imports

SLUG = '''"""Slugs."""
from __future__ import annotations

import re


def slugify(text):
    text = text.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
'''


def test_standard_library_names_and_only_unambiguous_members():
    assert stdlib_import("unicodedata") == "import unicodedata"
    assert stdlib_import("Decimal") == "from decimal import Decimal"
    assert stdlib_import("ROUND_HALF_UP") == "from decimal import ROUND_HALF_UP"
    assert stdlib_import("defaultdict") == "from collections import defaultdict"
    assert stdlib_import("normalize_tag") is None        # not the standard library's
    assert stdlib_import("_thread") is None              # private


def test_only_names_nothing_in_the_module_binds_are_imported():
    src = SLUG.replace('text = text.encode', 'text = unicodedata.normalize("NFKD", text).encode')
    assert needed_imports(src, 8) == ["import unicodedata"]
    assert needed_imports(src, 9) == []                               # re is imported, text is a parameter
    shadow = src.replace("import re\n", "import re\nunicodedata = None\n")
    assert needed_imports(shadow, 9) == []                            # bound by the module itself
    assert needed_imports("x = (\n", 1) == []                         # does not parse
    assert needed_imports("from .util import *\n" + src, 9) == []   # a star import may bind it already


def test_imports_go_after_the_last_top_level_import_or_the_docstring():
    assert add_imports(SLUG, ["import unicodedata"]).split("\n")[3:6] == ["import re", "import unicodedata", ""]
    assert add_imports('"""Doc."""\nX = 1\n', ["import math"]) == '"""Doc."""\nimport math\nX = 1\n'
    assert add_imports("X = 1\n", ["import math"]) == "import math\nX = 1\n"
    assert add_imports(SLUG, []) == SLUG


def test_a_fill_that_needs_an_import_brings_it():
    hole = Hole("slugs.py", 8, "    ", 'text = text.encode("ascii", "ignore").decode("ascii")', 7, 9)
    out = filled(SLUG, hole, 'text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")')
    assert "import re\nimport unicodedata\n" in out and '    text = unicodedata.normalize("NFKD", text)' in out
    # A name the standard library does not have stays as it is: the fill fails its checks, as before.
    assert "import" not in filled(SLUG, hole, "text = fold(text)").split("\n")[4]
