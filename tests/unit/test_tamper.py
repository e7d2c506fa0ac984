"""Tampering is not evidence: candidates that edit tests / test config / CI are flagged and never pass,
and a cell passes only on JUnit XML counts (a conftest.py calling os._exit(0) exits 0 with no test run;
run for real in Docker: integration/test_tamper_docker.py)."""
from __future__ import annotations

import pytest

from agent.parsing import junit_counts, junit_outcome
from agent.patches import tampered_files
from agent.schema import Candidate, Cell, ExecutionMatrix, RewardScore
from agent.ranking import decide, rank_candidates, regression_ok, vetoed
from tests.support.diffs import FIX, change, new_file


@pytest.mark.parametrize("diff,flagged", [
    (FIX, []),
    (FIX + new_file("conftest.py", "import os", "os._exit(0)"), ["conftest.py"]),
    (new_file("tests/test_ops.py", "def test_x():", "    pass"), ["tests/test_ops.py"]),
    (new_file("pkg/tests/helpers.py", "X = 1"), ["pkg/tests/helpers.py"]),
    (change("pytest.ini", "addopts = -q", "addopts = -q -p no:x"), ["pytest.ini"]),
    (change("tox.ini", "envlist = py311", "envlist = py312"), ["tox.ini"]),
    (change(".github/workflows/ci.yml", "run: pytest", "run: true"), [".github/workflows/ci.yml"]),
    (change("setup.cfg", "addopts = -q", "addopts = --deselect x", "[tool:pytest]"), ["setup.cfg"]),
    (change("pyproject.toml", 'testpaths = ["tests"]', "testpaths = []", "[tool.pytest.ini_options]"),
     ["pyproject.toml"]),
    (change("setup.cfg", "version = 1.0", "version = 1.1", "[metadata]"), []),
    (change("pyproject.toml", 'version = "1.0"', 'version = "1.1"', "[project]"), []),
    (new_file("sitecustomize.py", "import os"), ["sitecustomize.py"]),
    (new_file("docs/usage.md", "text"), []),
])
def test_tampered_files_in_diffs(diff, flagged):
    assert tampered_files(diff) == flagged


def test_tampered_files_from_contents():
    assert tampered_files({"calc/ops.py": "x", "conftest.py": "import os"}) == ["conftest.py"]
    assert tampered_files({"pyproject.toml": "[tool.pytest.ini_options]\naddopts='-q'"}) == ["pyproject.toml"]
    assert tampered_files({"pyproject.toml": "[project]\nname='x'", "tests/test_a.py": None}) == ["tests/test_a.py"]


JUNIT = ('<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="{e}" failures="{f}" '
         'skipped="{s}" tests="{t}" time="0.01"><testcase classname="t" name="x"/></testsuite></testsuites>')


def test_junit_counts_decide_a_pass():
    ok = junit_counts(JUNIT.format(e=0, f=0, s=0, t=2))
    assert ok == {"tests": 2, "failures": 0, "errors": 0, "skipped": 0}
    assert junit_outcome("pass", ok) == "pass"
    assert junit_outcome("pass", None) == "error"                     # exit 0 but no report: nothing ran
    assert junit_outcome("pass", junit_counts(JUNIT.format(e=0, f=0, s=0, t=0))) == "error"
    assert junit_outcome("pass", junit_counts(JUNIT.format(e=0, f=0, s=1, t=1))) == "error"   # all skipped
    assert junit_outcome("pass", junit_counts(JUNIT.format(e=0, f=1, s=0, t=1))) == "fail"
    assert junit_outcome("pass", junit_counts(JUNIT.format(e=1, f=0, s=0, t=1))) == "fail"
    assert junit_outcome("fail", ok) == "fail"
    assert junit_counts("") is None and junit_counts("<testsuites></testsuites>") is None


def _cand(cid: str, count: int = 1) -> Candidate:
    return Candidate(id=cid, diff="d", key=cid, samples=list(range(count)), files=["calc/ops.py"])


def test_a_tampering_candidate_is_never_selected():
    honest, cheat = _cand("c1"), _cand("c2", count=3)
    cells = [Cell(candidate="c1", test="t000", outcome="pass"),
             Cell(candidate="c2", test="t000", outcome="fail", tampered=["conftest.py"]),
             Cell(candidate="c1", test="regression", outcome="pass"),
             Cell(candidate="c2", test="regression", outcome="pass", tampered=["conftest.py"])]
    matrix = ExecutionMatrix(candidates=["c2", "c1"], tests=["t000"], cells=cells)
    assert vetoed(matrix, "c2") and "conftest.py" in vetoed(matrix, "c2") and vetoed(matrix, "c1") is None
    assert regression_ok(matrix, "c2") is False
    ranked = rank_candidates([cheat, honest], matrix, {})
    assert [r.candidate for r in ranked] == ["c1", "c2"] and ranked[1].score == 0.0
    alone = ExecutionMatrix(candidates=["c2"], tests=["t000"], cells=[cells[1], cells[3]])
    judge = {"c2": RewardScore(candidate="c2", scores=[0.9], mean=0.9)}     # a fooled judge changes nothing
    decision = decide([cheat], alone, judge, abstain_below=0.0)
    assert decision.status == "abstained" and decision.method == "vetoed"
