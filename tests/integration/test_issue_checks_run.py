"""Issue-grounded checks run for real: the rendered pytest file against tiny real modules and the bundled
examples, the test stage in real Docker sandboxes, and patch prompts of a real run that quote them.
(The parser: unit/test_issue_checks.py.)"""
from __future__ import annotations

import json
import shutil
from contextlib import ExitStack
from pathlib import Path

import git
import pytest

from agent.examples.check_verdicts import check_verdicts, run_pytest
from agent.issue_checks import extract_checks
from agent.issue_names import with_imports
from agent.issue_render import render_check_test
from agent.issue_render import MARK, reproduced_reason
from tests.support.paths import ROOT

EXAMPLES = ROOT / "agent" / "examples"

TEMPCONV = (EXAMPLES / "tempconv" / "issue.md").read_text()


# ------------------------------------------------------------------ rendered tests, real modules
BUGGY = '''
def fahrenheit(c):
    return c * 9 / 5 - 32

def pair(x):
    return [x, x + 1]

def parse(text):
    return {"a": 1}[text]

def ratio(a, b):
    return a / b
'''
FIXED = '''
def fahrenheit(c):
    return c * 9 / 5 + 32

def pair(x):
    return (x, x + 0.1 + 0.2 - 0.3)

def parse(text):
    if text != "a":
        raise ValueError(text)
    return 1

def ratio(a, b):
    return a / b if b else None
'''
ISSUE = """```python
>>> from mod import fahrenheit, pair, parse, ratio
>>> fahrenheit(100)
148.0
>>> pair(1)
[1, 2]
```
I expected `212.0` and `(1, 1.0000000001)`.

```python
>>> from mod import parse, ratio
>>> parse("b")
Traceback (most recent call last):
KeyError: 'b'
>>> ratio(1, 0)
Traceback (most recent call last):
ZeroDivisionError: division by zero
```
Expected a `ValueError`.
"""


def test_rendered_checks_fail_on_the_bug_and_pass_on_the_fix(tmp_path):
    checks = extract_checks(ISSUE)
    assert [c.kind for c in checks] == ["equals", "equals", "raises_not", "raises_not"]
    content = render_check_test(checks)
    (tmp_path / "mod.py").write_text(BUGGY)
    res = run_pytest(tmp_path, content)
    assert "4 failed" in res.stdout and res.stdout.count(f"Failed: {MARK}") >= 4, res.stdout[-3000:]
    (tmp_path / "mod.py").write_text(FIXED)
    res = run_pytest(tmp_path, content)
    # ratio(1, 0) returns None: it no longer raises ZeroDivisionError, but it does not raise ValueError either.
    assert "1 failed, 3 passed" in res.stdout, res.stdout[-3000:]
    assert "ratio(1, 0)" in res.stdout


def test_printed_output_checks_and_prose_claims_run_for_real(tmp_path):
    """The looser forms (agent/issue_claims.py, output blocks, asserts) render tests that fail on the bug
    and pass on the fix: printed text compares as printed, values as values."""
    issue = ("```python\nfrom mod import render\nprint(render(['a', 'b']))\n```\nOutput:\n```\na\n```\n"
             "Expected output:\n```\na\nb\n```\n\nAlso `total([1, 2])` returns `2` instead of `3`.\n\n"
             "```python\nfrom mod import half\nassert half(3) == 1.5\n```\n")
    checks = extract_checks(issue)
    assert [c.call for c in checks] == ["str(render(['a', 'b'])).strip()", "half(3)", "total([1, 2])"]
    content = render_check_test([with_imports(c, {"total": ["mod"]}) for c in checks])   # as the test stage does
    (tmp_path / "mod.py").write_text("def render(xs):\n    return xs[0] + '\\n'\n\n"
                                     "def total(xs):\n    return max(xs)\n\ndef half(x):\n    return x // 2\n")
    res = run_pytest(tmp_path, content)
    assert "3 failed" in res.stdout and res.stdout.count(f"Failed: {MARK}") >= 3, res.stdout[-3000:]
    (tmp_path / "mod.py").write_text("def render(xs):\n    return '\\n'.join(xs) + '\\n'\n\n"
                                     "def total(xs):\n    return sum(xs)\n\ndef half(x):\n    return x / 2\n")
    res = run_pytest(tmp_path, content)
    assert "3 passed" in res.stdout, res.stdout[-3000:]


def test_an_error_after_a_closing_assert_is_checked_where_it_reproduces(tmp_path):
    """A script ending in `assert f(1) == g(1)` and a lone error line: the error may come from the last assignment
    or from the assert's expression, so both are observed; run on the bug, only the one that raises the shown
    error fails for the issue's reason (kept), and on the fix both pass."""
    issue = ("I ran this:\n\n```python\nfrom mod import Juxt\nf = Juxt(str, int)\ng = f.copy()\nassert f(1) == g(1)\n```\n\n"
             "It fails with:\n\n```\nAttributeError: 'Juxt' object has no attribute 'funcs'\n```\n\n"
             "I expected it to work without an error.\n")
    checks = extract_checks(issue)
    assert [(c.kind, c.call) for c in checks] == [("not_raises", "f.copy()"), ("not_raises", "f(1) == g(1)")]
    content = render_check_test(checks)
    juxt = ("class Juxt:\n    def __init__(self, *funcs):\n        self.funcs = funcs\n"
            "    def __call__(self, x):\n        return tuple(f(x) for f in self.funcs)\n"
            "    def copy(self):\n        new = Juxt.__new__(Juxt)\n        {}\n        return new\n")
    (tmp_path / "mod.py").write_text(juxt.format("pass"))
    res = run_pytest(tmp_path, content)
    assert "FAILED test_issue.py::test_issue_001" in res.stdout and "1 failed, 1 passed" in res.stdout, res.stdout[-3000:]
    assert f"Failed: {MARK}: raises AttributeError" in res.stdout
    (tmp_path / "mod.py").write_text(juxt.format("new.funcs = self.funcs"))
    res = run_pytest(tmp_path, content)
    assert "2 passed" in res.stdout, res.stdout[-3000:]


def test_expected_pieces_of_output_check_containment_for_real(tmp_path):
    """"With `n=1` I expected `- a` and `- b`": the output must contain both pieces, whatever else it holds."""
    issue = ("```python\nfrom mod import toc\nprint(repr(toc(n=1)))\n# ''\nprint(toc(n=2))\n# - a\n```\n\n"
             "With `n=1` I expected the two entries (`- a` and `- b`), and with `n=2` more.\n")
    [check] = extract_checks(issue)
    assert (check.kind, check.call, check.expected) == ("contains", "str(toc(n=1))", "('- a', '- b')")
    content = render_check_test([check])
    (tmp_path / "mod.py").write_text("def toc(n):\n    return '- a' if n > 1 else ''\n")
    res = run_pytest(tmp_path, content)
    assert res.returncode == 1 and reproduced_reason("fail", res.stdout) is None, res.stdout[-2000:]
    assert "the issue expects it to contain '- a'" in res.stdout
    (tmp_path / "mod.py").write_text("def toc(n):\n    return '- a'\n")        # one piece is not enough
    res = run_pytest(tmp_path, content)
    assert res.returncode == 1 and "the issue expects it to contain '- b'" in res.stdout, res.stdout[-2000:]
    (tmp_path / "mod.py").write_text("def toc(n):\n    return 'TOC\\n- a\\n- b\\n'\n")
    res = run_pytest(tmp_path, content)
    assert res.returncode == 0, res.stdout[-2000:]


def test_failure_message_quotes_the_call_exactly_whatever_it_holds(tmp_path):
    """Quotes, braces and backslashes of the issue's call reach the message as written (the patch prompt's
    observed lines and revision feedback quote it), and cannot break out of the rendered test."""
    issue = ('```python\n>>> from mod import tag\n>>> tag(["Stra\u00dfe", "{x}", "a\\\\b"])\n\'wrong\'\n```\n'
             "I expected `'right'`.\n")
    [check] = extract_checks(issue)
    (tmp_path / "mod.py").write_text("def tag(xs):\n    return 'wrong'\n")
    res = run_pytest(tmp_path, render_check_test([check]))
    assert f"Failed: {MARK}: tag(['Stra\u00dfe', '{{x}}', 'a\\\\b']) returned 'wrong'; the issue expects 'right'" \
        in res.stdout, res.stdout[-2000:]


def test_a_check_that_fails_for_another_reason_is_not_kept(tmp_path):
    [check] = extract_checks("`nomodule.f(1)` returns `2` but should return `3`.")
    res = run_pytest(tmp_path, render_check_test([check]))
    assert res.returncode == 1
    reason = reproduced_reason("fail", res.stdout)
    assert reason and "ModuleNotFoundError" in reason
    assert reproduced_reason("pass", "") and reproduced_reason("error", "")


def _tree(example: str, variant: str, dest: Path) -> Path:
    shutil.copytree(EXAMPLES / example / "repo", dest)
    if variant == "solution":
        shutil.copytree(EXAMPLES / example / "solution", dest, dirs_exist_ok=True)
    return dest


def test_tempconv_checks_fail_on_the_repo_and_pass_on_the_solution(tmp_path):
    checks = extract_checks(TEMPCONV)
    assert [(c.call, float(c.expected)) for c in checks] == [("celsius_to_fahrenheit(100)", 212.0),
                                                             ("celsius_to_fahrenheit(0)", 32.0)]
    content = render_check_test(checks)
    res = run_pytest(_tree("tempconv", "repo", tmp_path / "repo"), content)
    assert "2 failed" in res.stdout and reproduced_reason("fail", res.stdout) is None, res.stdout[-2000:]
    res = run_pytest(_tree("tempconv", "solution", tmp_path / "solution"), content)
    assert res.returncode == 0 and "2 passed" in res.stdout, res.stdout[-2000:]


# How many checks some bundled issues must yield (kept on the original code).
EXPECTED_KEPT = {"tempconv": 2, "stats": 3, "batching": 2, "durations": 2, "envfile": 1, "money": 2,
                 "booking": 2, "leapyear": 0, "billing": 2, "leaderboard": 0, "outline": 1}


@pytest.mark.parametrize("example", sorted(p.parent.name for p in EXAMPLES.glob("*/issue.md")))
def test_no_kept_example_check_vetoes_the_real_fix(example, tmp_path):
    """A kept check fails on the original code for the issue's reason and passes on the real fix."""
    results = check_verdicts(example, tmp_path)
    assert all(fixed for kept, fixed in results if kept), results
    if example in EXPECTED_KEPT:
        assert sum(kept for kept, _ in results) == EXPECTED_KEPT[example], results


# ------------------------------------------------------------------ the test stage, real Docker
DOCKER_ISSUE = """add() returns the wrong result

`calc.ops.add(2, 3)` returns -1 but it should return 5.

```python
>>> from calc.nowhere import add
>>> add(1, 1)
0
```
I expected `2`.
"""


@pytest.mark.docker
def test_test_stage_keeps_issue_checks_that_reproduce_and_resumes(docker_client, tmp_path):
    from agent.budget import Ledger
    from agent.config import load_config
    from agent.model.client import LiteLLMModel
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.runfolder import RunFolder
    from agent.sandboxes import sandbox_factory
    from agent.schema import Location, TestCase
    from agent.stages.context import StageContext
    from agent.stages.testgen import write_tests
    from tests.support.openai_server import ScriptedOpenAI
    from tests.support.pipeline import Script, make_repo

    repo = make_repo(tmp_path)
    commit = git.Repo(repo).head.commit.hexsha
    run = RunFolder(tmp_path / "run")
    with ScriptedOpenAI(Script()) as server, ExitStack() as stack:
        cfg = load_config(None, [], **{"model.name": "openai/scripted", "model.api_base": server.api_base,
                                       "workers": 1, "exec_timeout_s": 60})
        ledger = Ledger()
        ctx = StageContext(run=run, config=cfg, issue=issue_from_text(DOCKER_ISSUE), repo_path=repo, commit=commit,
                           ledger=ledger, progress=Progress(False),
                           new_sandbox=sandbox_factory(cfg, repo, commit, run_id="pytest-issue-checks", stack=stack),
                           make_model=lambda stage, c: LiteLLMModel(c.model or cfg.model, ledger=ledger, stage=stage))
        tests = write_tests(ctx, [Location(file="calc/ops.py", symbol="add")])
        issue = [t for t in tests if t.origin == "issue"]
        assert [(t.id, t.path, t.kept) for t in issue] == [("i000", "test_swe_agent_issue_000.py", False),
                                                           ("i001", "test_swe_agent_issue_001.py", True)]
        assert "another reason" in issue[0].reason and "ModuleNotFoundError" in issue[0].reason
        assert issue[1].original_outcome == "fail" and f"Failed: {MARK}" in issue[1].original_output
        assert "calc.ops.add(2, 3)" in issue[1].content and "expected = 5" in issue[1].content
        assert [t.origin for t in tests[2:]] == ["model", "model"]
        on_disk = [TestCase.model_validate(t) for t in json.loads((run.root / "02_tests/tests.json").read_text())]
        assert [t.id for t in on_disk] == [t.id for t in tests]
        saved = (run.root / "02_tests/issue_001.json").read_text()

        # Resume: nothing is run again (a check file on disk is trusted), nothing asked again.
        asked = len(server.requests)
        ctx.new_sandbox = lambda: (_ for _ in ()).throw(AssertionError("no sandbox on resume"))
        again = write_tests(ctx, [Location(file="calc/ops.py", symbol="add")])
        assert [t.model_dump() for t in again] == [t.model_dump() for t in tests]
        assert len(server.requests) == asked and (run.root / "02_tests/issue_001.json").read_text() == saved


def test_patch_prompt_shows_the_observed_values_when_asked(tmp_path):
    """patch.observed: every patch sample's first message carries what the issue's check returned."""
    from agent.config import load_config
    from agent.pipeline import generate
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from tests.support.openai_server import ScriptedOpenAI
    from tests.support.pipeline import ISSUE, Script, make_repo

    repo = make_repo(tmp_path)
    for flag in (True, False):
        cfg = load_config(None, [], **{"workers": 1, "exec_timeout_s": 30, "sandbox": "local",
                                       "patch.samples": 2, "patch.max_revisions": 0, "test.samples": 0,
                                       "patch.edit_format": "search_replace", "patch.observed": flag,
                                       "model.name": "openai/scripted"})
        with ScriptedOpenAI(Script()) as server:
            cfg = cfg.model_copy(update={"model": cfg.model.model_copy(update={"api_base": server.api_base})})
            trajs, _ = generate(issue_from_text(ISSUE), repo, tmp_path / f"run-{flag}", cfg, progress=Progress(False))
        firsts = [t.messages[1]["content"] for t in trajs]
        assert len(firsts) == 2
        assert all(("add(2, 3) returned -1; the issue expects 5" in m) is flag for m in firsts), firsts[0][-400:]
        assert all(t.variant.get("observed", False) is flag for t in trajs)
