"""scripts/count_noop_candidates.py: saved candidates that behave like the original, on a real example's repository."""
from __future__ import annotations

import importlib.util
import json

from tests.support.paths import ROOT

OLD = '    """amount rounded to 2 decimal places, half away from zero."""\n'


def _script():
    spec = importlib.util.spec_from_file_location("count_noop", ROOT / "scripts" / "count_noop_candidates.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _diff(old: str, new: str) -> str:
    import difflib
    path = "invoicing/amounts.py"
    text = (ROOT / "agent" / "examples" / "money" / "repo" / path).read_text()
    assert old in text
    lines = difflib.unified_diff(text.splitlines(True), text.replace(old, new).splitlines(True),
                                 f"a/{path}", f"b/{path}")
    return f"diff --git a/{path} b/{path}\n" + "".join(lines)


def test_candidates_are_sorted_by_the_rule_that_sees_them(tmp_path, capsys):
    mod = _script()
    cands = [
        {"id": "c1", "files": ["invoicing/amounts.py"], "samples": [0], "diff": _diff(OLD, OLD.replace("amount", "Amount", 1))},
        {"id": "c2", "files": ["invoicing/amounts.py"], "samples": [1, 2],
         "diff": _diff("Decimal\n", "Decimal\nfrom decimal import Decimal, ROUND_HALF_UP\n")},
        {"id": "c3", "files": ["invoicing/amounts.py"], "samples": [3],
         "diff": _diff("return round(amount, 2)", "return round(amount,  2)  # same")},
        {"id": "c4", "files": ["invoicing/amounts.py"], "samples": [4],
         "diff": _diff("return round(amount, 2)", "return round(amount + 0.005, 2)")},
        {"id": "c5", "files": ["invoicing/amounts.py"], "samples": [5], "diff": "not a diff"},
    ]
    assert [mod.noop_rules("money", c) for c in cands] == [["docstrings"], ["imports"], ["tree"], None, None]
    folder = tmp_path / "runs" / "money" / "gen8" / "03_patches"
    folder.mkdir(parents=True)
    (folder / "candidates.json").write_text(json.dumps(cands))
    assert mod.main(["--runs", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("3 of 5 candidates behave exactly like the original")


def test_a_folder_without_saved_candidates_is_a_clear_error(tmp_path, capsys):
    assert _script().main(["--runs", str(tmp_path / "nowhere")]) == 2
    assert "no runs/<example>/<variant>/03_patches/candidates.json under" in capsys.readouterr().err
