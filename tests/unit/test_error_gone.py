"""Issue checks that only say "the shown error must disappear" driving the repair search
(`patch.mutants_error_gone`): every passing try must agree on what the issue's call returns."""
from __future__ import annotations

import subprocess
import sys

import pytest

from agent.issue_checks import extract_checks
from agent.issue_render import render_check_test
from agent.schema import TestCase
from agent.stages.patch_mutants import agreeing, mutation_checks, observed_returns

ISSUE = """first() crashes on an empty list

```
>>> from calc.ops import first
>>> first([])
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
IndexError: list index out of range
```
"""
OPS = "def first(xs):\n    return xs[0]\n"
TEST_OPS = "from calc.ops import first\n\n\ndef test_first():\n    assert first([5, 6]) == 5\n"


def _check() -> TestCase:
    [check] = extract_checks(ISSUE)
    assert check.kind == "not_raises"
    return TestCase(id="i000", sample=0, path="test_swe_agent_issue.py", kept=True, origin="issue",
                    check_kind="not_raises", content=render_check_test([check]),
                    command="python -m pytest -q test_swe_agent_issue.py")


def test_agreement_keeps_all_or_a_strict_majority_of_two_or_more():
    assert agreeing(["None", "None"]) == [True, True]
    assert agreeing(["None"]) == [True]                       # the only passing try: nothing disagrees
    assert agreeing(["None", "0"]) == [False, False]          # a tie: the evidence cannot tell
    assert agreeing(["None", "None", "0"]) == [True, True, False]
    assert agreeing(["None", "0", "''"]) == [False, False, False]   # a largest group of one is no agreement
    assert agreeing(["", "None"]) == [False, True]            # nothing observed (an older check) never counts
    assert agreeing(["", ""]) == [False, False] and agreeing([]) == []


def test_the_observed_return_is_read_from_the_checks_output_without_object_addresses():
    out = ".issue call returned: <calc.ops.Box object at 0x7f3a2c1d9e10>\n.issue call returned: None\n2 passed\n"
    assert observed_returns(out) == "<calc.ops.Box object> | None"
    assert observed_returns("1 passed") == ""


def test_error_gone_checks_drive_the_search_only_when_asked():
    check = _check()
    assert mutation_checks([check]) == []
    assert mutation_checks([check], error_gone=True) == [check]


def test_the_rendered_check_prints_what_the_call_returned(tmp_path):
    """The real renderer, run by pytest on a fixed copy of the module: the check passes and says what it got."""
    (tmp_path / "calc").mkdir()
    (tmp_path / "calc" / "__init__.py").write_text("")
    (tmp_path / "calc" / "ops.py").write_text("def first(xs):\n    return xs[0] if xs else None\n")
    (tmp_path / "test_swe_agent_issue.py").write_text(_check().content)
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "test_swe_agent_issue.py"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout
    assert observed_returns(res.stdout) == "None"


@pytest.mark.parametrize("second, kept", [("return xs[0] if xs else 0", []),
                                          ("return None if not xs else xs[0]", ["cloze line 2: return xs[0] if xs else None",
                                                                                "cloze line 2: return None if not xs else xs[0]"])])
def test_fills_that_disagree_on_the_return_are_dropped_and_agreeing_ones_kept(tmp_path, second, kept):
    """Chat cloze scripted with litellm's mock_response, local sandbox: two fills of `return xs[0]` both make
    the IndexError disappear; kept only when the issue's call returns the same with both."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.runfolder import MUTANTS
    from agent.schema import Location
    from agent.stages.patch import generate_patches
    from agent.stages.patch_mutants import MutationRecord
    from tests.support.pipeline import make_repo

    repo = make_repo(tmp_path, ops=OPS, test_ops=TEST_OPS)
    replies = ["```python\ndef first(xs):\n```", "```python\n    return xs[0] if xs else None\n```",
               "```python\ndef first(xs):\n```", f"```python\n    {second}\n```"]
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.mock_response": replies,
                                   "patch.samples": 0, "patch.mutants": 0, "patch.cloze": 4,
                                   "patch.mutants_error_gone": True})
    with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
        _, cands = generate_patches(ctx, [Location(file="calc/ops.py", symbol="first")], [_check()])
    record = MutationRecord.model_validate_json((tmp_path / "run" / MUTANTS).read_text())
    passing = [t for t in record.tried if t.outcome in ("kept", "ambiguous")]
    assert len(passing) == 2 and passing[0].observed == "None"
    assert [t.rule for t in record.kept] == kept
    assert [c.mutants for c in cands] == [[r] for r in kept]


@pytest.mark.parametrize("mode", ["one_token", "all", True])
def test_one_token_mode_asks_no_fill_where_only_error_gone_checks_exist(tmp_path, mode):
    """`patch.mutants_error_gone: one_token`: the one-token mutants try error-gone checks, the cloze fills do not
    (no fill is asked, none tried); "all" (or true, as older configs say) tries both."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.runfolder import MUTANTS
    from agent.schema import Location
    from agent.stages.patch import generate_patches
    from agent.stages.patch_mutants import MutationRecord
    from tests.support.pipeline import make_repo

    repo = make_repo(tmp_path, ops=OPS, test_ops=TEST_OPS)
    replies = ["```python\ndef first(xs):\n```", "```python\n    return xs[0] if xs else None\n```"] * 2
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.mock_response": replies,
                                   "patch.samples": 0, "patch.mutants": 60, "patch.cloze": 4,
                                   "patch.mutants_error_gone": mode})
    with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
        generate_patches(ctx, [Location(file="calc/ops.py", symbol="first")], [_check()])
    record = MutationRecord.model_validate_json((tmp_path / "run" / MUTANTS).read_text())
    fills = [t for t in record.tried if t.rule.startswith("cloze")]
    assert record.checks and (fills == []) == (mode == "one_token")
    assert any(not t.rule.startswith("cloze") for t in record.tried)      # the one-token mutants ran in both
