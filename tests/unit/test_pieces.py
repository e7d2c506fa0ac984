"""agent/pieces.py: restored names and one candidate per changed unit of an edit (pure)."""
from __future__ import annotations

import ast

from agent.pieces import piece_mutants, pieces, restore_names

ORIGINAL = '''"""Amounts."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

RATE = 19


def round_cents(amount: float) -> float:
    return round(amount, 2)


def line_total(unit_price: float, qty: int) -> float:
    return round_cents(unit_price * qty)


def split_evenly(amount: float, parts: int) -> list[float]:
    cents = int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return [cents / parts / 100] * parts
'''

# What a small model sends back: the fix in round_cents, a "tidy" of line_total that breaks it, and the
# import line narrowed although split_evenly still uses ROUND_HALF_UP.
EDITED = ORIGINAL.replace("from decimal import ROUND_HALF_UP, Decimal", "from decimal import Decimal").replace(
    "    return round(amount, 2)",
    "    return float(Decimal(str(amount)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP))").replace(
    "    return round_cents(unit_price * qty)", "    return round_cents(unit_price * 100 * qty)")


def _function(module: str, name: str) -> str:
    tree = ast.parse(module)
    return next(ast.unparse(n) for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)


def test_restore_names_puts_back_the_originals_import_of_a_dropped_name():
    fixed = restore_names(ORIGINAL, EDITED)
    assert "from decimal import ROUND_HALF_UP" in fixed
    compile(fixed, "amounts.py", "exec")
    assert restore_names(ORIGINAL, ORIGINAL) == ORIGINAL          # nothing missing: unchanged


def test_restore_names_adds_a_standard_library_import_the_original_never_had():
    original = "import re\n\n\ndef slug(text):\n    return re.sub('[^a-z]+', '-', text)\n"
    edited = original.replace("re.sub('[^a-z]+', '-', text)",
                              "re.sub('[^a-z]+', '-', unicodedata.normalize('NFKD', text))")
    assert "import unicodedata" in restore_names(original, edited)


def test_restore_names_leaves_star_imports_and_unknown_names_alone():
    star = "from os.path import *\n\n\ndef f():\n    return join('a', 'b') + Decimal(1)\n"
    assert restore_names(star, star) == star
    unknown = "def f():\n    return frobnicate(1)\n"
    assert restore_names(unknown, unknown) == unknown


def test_pieces_give_one_module_per_changed_function_with_the_others_put_back():
    out = dict(pieces(ORIGINAL, EDITED))
    assert set(out) == {"round_cents", "line_total"}
    fix = out["round_cents"]
    assert _function(fix, "round_cents") == _function(EDITED, "round_cents")
    assert _function(fix, "line_total") == _function(ORIGINAL, "line_total")
    assert "ROUND_HALF_UP" in fix.split("def ")[0]                 # the narrowed import is restored
    tidy = out["line_total"]
    assert _function(tidy, "round_cents") == _function(ORIGINAL, "round_cents")
    assert _function(tidy, "line_total") == _function(EDITED, "line_total")


def test_pieces_split_methods_and_module_assignments_but_not_single_edits():
    original = ("RATE = 19\n\n\nclass Q:\n    size = 3\n\n    def a(self):\n        return 1\n\n"
                "    def b(self):\n        return 2\n")
    edited = original.replace("RATE = 19", "RATE = 20").replace("return 1", "return 10").replace("return 2", "return 20")
    units = dict(pieces(original, edited))
    assert set(units) == {"=RATE", "Q.a", "Q.b"}
    assert set(dict(pieces(original, edited.replace("size = 3", "size = 4")))) == {"=RATE", "Q.=size", "Q.a", "Q.b"}
    assert "RATE = 19" in units["Q.a"] and "return 10" in units["Q.a"] and "return 2\n" in units["Q.a"]
    assert pieces(original, original.replace("return 1", "return 10")) == []      # one unit: nothing to split


def test_pieces_refuse_edits_that_add_or_drop_a_unit_or_do_not_parse():
    added = EDITED + "\n\ndef helper():\n    return 1\n"
    assert pieces(ORIGINAL, added) == []
    dropped = ORIGINAL.replace("def line_total", "def line_total_renamed")
    assert pieces(ORIGINAL, dropped) == []
    assert pieces(ORIGINAL, "def broken(:\n") == []


def test_pieces_with_decorators_keep_the_decorator_of_the_unit_put_back():
    original = "import functools\n\n\n@functools.cache\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n"
    edited = original.replace("@functools.cache\n", "").replace("return 1", "return 3").replace("return 2", "return 4")
    out = dict(pieces(original, edited))
    assert "@functools.cache\ndef f():\n    return 1" in out["g"]
    assert "@functools.cache" not in out["f"] and "return 3" in out["f"]


def test_piece_mutants_take_turns_dedup_and_respect_the_limit():
    originals = {"pkg/amounts.py": ORIGINAL}
    edits = [(0, {"pkg/amounts.py": EDITED}), (1, {"pkg/amounts.py": EDITED}), (2, {"README.md": "x"})]
    found = piece_mutants(edits, originals.__getitem__, 10)
    assert [m.rule for m in found] == ["piece round_cents of sample 0", "piece line_total of sample 0"]
    assert all(m.path == "pkg/amounts.py" and m.text != ORIGINAL for m in found)
    assert len(piece_mutants(edits, originals.__getitem__, 1)) == 1
    assert piece_mutants(edits, originals.__getitem__, 0) == []


def test_piece_mutants_try_each_file_of_a_several_file_edit_alone():
    originals = {"a.py": "def f():\n    return 1\n", "b.py": "def g():\n    return 2\n"}
    edit = {"a.py": "def f():\n    return 10\n", "b.py": "def g():\n    return 20\n"}
    found = piece_mutants([(3, edit)], originals.__getitem__, 10)
    assert {(m.path, m.text) for m in found} == set(edit.items())
