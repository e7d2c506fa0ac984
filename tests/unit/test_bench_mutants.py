"""scripts/bench_mutants.py: the table's aggregates and the shared dev-set options (pure)."""
from __future__ import annotations

import importlib.util

import pytest

from tests.support.paths import ROOT


def _script():
    spec = importlib.util.spec_from_file_location("bench_mutants", ROOT / "scripts" / "bench_mutants.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_table_counts_coverage_precision_and_wrong_instances():
    rows = [{"name": "a", "checks": 2, "tried": 30, "search_s": 10.0,
             "kept": [{"rule": "op - -> + (line 3)", "correct": True}]},
            {"name": "b", "checks": 1, "tried": 20, "search_s": 20.0,
             "kept": [{"rule": "cmp <= -> < (line 9)", "correct": False}, {"rule": "drop + 1 (line 4)", "correct": True}]},
            {"name": "c", "checks": 0, "tried": 0, "search_s": 0.0, "kept": []}]
    text = _script().table(rows)
    head = text.splitlines()[0]
    assert "instances 3, with issue checks 2; mutants tried 50" in head
    assert "kept 3, correct 2 (precision 0.67)" in head and "coverage 2/3 = 0.67" in head
    assert "instances with a wrong kept mutant 1" in head and "search s/instance 10.0" in head
    assert "| b | 1 | 20 | ✗ cmp <= -> < (line 9) ✓ drop + 1 (line 4) | 20 |" in text and "| c | 0 | 0 | – | 0 |" in text


def test_an_unknown_example_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        _script().main(["--out", "/tmp/unused", "--examples", "tempconv,nope"])
    assert "unknown examples ['nope']" in capsys.readouterr().err
