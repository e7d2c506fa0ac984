"""Issue-grounded checks: the parser on real-world-shaped issue texts, the rendered pytest file run
against tiny real modules and the bundled examples, and the test stage in real Docker sandboxes."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import git
import pytest

from agent.issue_checks import checks_needing_call, extract_checks
from agent.issue_names import unbound_names, with_imports
from agent.issue_render import render_check_test
from agent.issue_render import MARK, reproduced_reason
from agent.repomap import build_repo_map
from agent.stages.testgen import definitions

EXAMPLES = Path(__file__).resolve().parents[1] / "agent" / "examples"

TEMPCONV = (EXAMPLES / "tempconv" / "issue.md").read_text()


def calls(checks):
    return [(c.kind, c.call, c.expected) for c in checks]


# ------------------------------------------------------------------ parser
def test_doctest_session_corrected_by_prose():
    checks = extract_checks(TEMPCONV)
    assert calls(checks) == [("equals", "celsius_to_fahrenheit(100)", "212.0"),
                             ("equals", "celsius_to_fahrenheit(0)", "32.0")]
    assert checks[0].setup == ("from tempconv import celsius_to_fahrenheit",)
    assert checks[0].observed == "148.0" and checks[1].observed == "-32.0"
    lines = TEMPCONV.split("\n")
    assert any("celsius_to_fahrenheit(100)" in lines[n - 1] for n in checks[0].lines)
    assert any("212.0" in lines[n - 1] for n in checks[0].lines)


def test_bare_numbers_in_prose_and_setup_assignments():
    text = """median is wrong

    >>> from stats import median
    >>> data = [1, 2]
    >>> median(data)
    1
    >>> median([0.5, 1.0])
    0.0

I expected 1.5 and 0.75 (the mean of the two middle values).
"""
    checks = extract_checks(text)
    assert calls(checks) == [("equals", "median(data)", "1.5"), ("equals", "median([0.5, 1.0])", "0.75")]
    assert checks[0].setup == ("from stats import median", "data = [1, 2]")


def test_ambiguous_counts_make_no_value_check():
    text = """```python
>>> from m import f, g, h
>>> f(1)
2
>>> g(1)
3
>>> h(1)
4
```
I expected `5` and `6`.
"""
    assert extract_checks(text) == []
    leftover = checks_needing_call(text)
    assert [p.values for p in leftover] == [("`5`", "`6`")]


def test_types_tie_values_to_calls_only_when_unique():
    text = """```python
>>> from batching import chunked, batch_count
>>> chunked([1, 2, 3], 2)
[[1, 2]]
>>> batch_count(3, 2)
2
>>> chunked([1], 5)
[]
```
Expected `[[1, 2], [3]]` and `[[1]]`.
"""
    assert calls(extract_checks(text)) == [("equals", "chunked([1, 2, 3], 2)", "[[1, 2], [3]]"),
                                           ("equals", "chunked([1], 5)", "[[1]]")]


@pytest.mark.parametrize("prose", [
    "2000 was a leap year and 1900 was not (February 1900 had 28 days).",
    "The docstring says this message should be returned unchanged.",
    "Expected cy (100) first, then bob (10), then ann (9).",
    "Expected `the` to be counted 3 times and `cat`, `dog`, `end` once each.",
])
def test_prose_without_a_plain_list_of_values_is_no_check(prose):
    text = f"```python\n>>> from cal import is_leap\n>>> is_leap(2000), is_leap(1900)\n(False, True)\n```\n\n{prose}\n"
    assert extract_checks(text) == []


def test_traceback_sessions():
    raises = """```python
>>> from envfile import parse_env
>>> parse_env("A=b=c")
Traceback (most recent call last):
  ...
ValueError: too many values to unpack (expected 2)
```
"""
    [check] = extract_checks(raises)
    assert (check.kind, check.call, check.raised) == ("not_raises", "parse_env('A=b=c')", "ValueError")
    [check] = extract_checks(raises + '\nExpected `{"A": "b=c"}`. The same happens with quotes.\n')
    assert (check.kind, check.expected, check.raised) == ("equals", "{'A': 'b=c'}", "ValueError")
    other = raises.replace("ValueError: too many values to unpack (expected 2)", "KeyError: 'x'")
    [check] = extract_checks(other + "\nExpected a `ValueError` (like `parse_env('')` gives).\n")
    assert (check.kind, check.raised, check.expected_exception) == ("raises_not", "KeyError", "ValueError")


def test_script_then_traceback_block():
    text = """Export fails:

```python
from addressbook import AddressBook

book = AddressBook()
book.add("Pelé", None)
print(book.to_csv())
```

```
Traceback (most recent call last):
  File "export.py", line 6, in <module>
    print(book.to_csv())
AttributeError: 'NoneType' object has no attribute 'strip'
```
"""
    [check] = extract_checks(text)
    assert (check.kind, check.call, check.raised) == ("not_raises", "book.to_csv()", "AttributeError")
    assert check.setup == ("from addressbook import AddressBook", "book = AddressBook()", "book.add('Pelé', None)")


def test_comments_in_a_script_and_prose_claims():
    script = """```python
from orders import order_total

order = {"lines": [{"price": 10.0, "qty": 2}],
         "discount": 5.0}
print(order_total(order))   # 20.0, expected 15.0
print(order_total({}))      # 0.0
```
"""
    [check] = extract_checks(script)
    assert (check.call, check.expected, check.observed, check.source) == ("order_total(order)", "15.0", "20.0", "script")
    prose = "`calc.ops.add(2, 3)` returns -1 but it should return 5."
    [check] = extract_checks(prose)
    assert (check.call, check.expected, check.setup) == ("calc.ops.add(2, 3)", "5", ("import calc.ops",))
    # A call named only in prose lacks its import: the repository's one definition supplies it.
    [check] = extract_checks("`round_cents(2.675)` returns `2.67` but should return `2.68`.")
    assert unbound_names(check) == ["round_cents"]
    fixed = with_imports(check, {"round_cents": ["invoicing.amounts"]})
    assert fixed.setup == ("from invoicing.amounts import round_cents",)
    assert with_imports(check, {"round_cents": ["a", "b"]}) == check      # two definitions: no guess


def test_issues_without_executable_expectations():
    assert extract_checks("") == []
    assert extract_checks("The app is slow when I open big files. Please make it faster.") == []
    file_traceback = """```
Traceback (most recent call last):
  File "release.py", line 12, in <module>
    latest = max_satisfying(tags, ">=1.0.0")
ValueError: expected MAJOR.MINOR.PATCH, got '1.4.2+build.77'
```
`tags` was `["1.4.1", "1.4.2+build.77"]`."""
    assert extract_checks(file_traceback) == []


def test_malicious_expected_values_and_calls_are_skipped(tmp_path):
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    session = f"```python\n>>> from m import f\n>>> f(1)\n2\n```\nI expected `{payload}`.\n"
    comment = f"```python\nfrom m import f\nprint(f(1))  # 2, expected {payload}\n```\n"
    claim = f"`f(1)` returns `2` but should return `{payload}`."
    call = "`__import__('os').system('x')` returns `1` but should return `0`."
    for text in (session, comment, claim, call):
        assert [c for c in extract_checks(text) if c.kind == "equals"] == []
    assert not marker.exists()


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


def run_pytest(folder: Path, content: str) -> subprocess.CompletedProcess:
    (folder / "test_issue.py").write_text(content)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_issue.py"],
                          cwd=folder, capture_output=True, text=True, timeout=120)


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


def _kept_and_fixed(example: str, tmp_path: Path) -> list[tuple[bool, bool]]:
    """(kept on the original code, passes on the solution) for each check of a bundled example."""
    repo = _tree(example, "repo", tmp_path / "repo")
    defs = definitions(build_repo_map(repo))
    out = []
    for i, check in enumerate(extract_checks((EXAMPLES / example / "issue.md").read_text())):
        content = render_check_test([with_imports(check, defs)])
        res = run_pytest(repo, content)
        kept = reproduced_reason("fail" if res.returncode == 1 else "other", res.stdout) is None
        fixed = run_pytest(_tree(example, "solution", tmp_path / f"solution{i}"), content).returncode == 0
        out.append((kept, fixed))
    return out


# How many checks some bundled issues must yield (kept on the original code).
EXPECTED_KEPT = {"tempconv": 2, "stats": 3, "batching": 2, "durations": 2, "envfile": 1, "money": 2,
                 "booking": 2, "leapyear": 0, "billing": 0, "leaderboard": 0}


@pytest.mark.parametrize("example", sorted(p.parent.name for p in EXAMPLES.glob("*/issue.md")))
def test_no_kept_example_check_vetoes_the_real_fix(example, tmp_path):
    """A kept check fails on the original code for the issue's reason and passes on the real fix."""
    results = _kept_and_fixed(example, tmp_path)
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
    from openai_server import ScriptedOpenAI
    from pipeline_fixtures import Script, make_repo

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
        on_disk = [TestCase.model_validate(t) for t in json.loads((run.root / "03_tests/tests.json").read_text())]
        assert [t.id for t in on_disk] == [t.id for t in tests]
        saved = (run.root / "03_tests/issue_001.json").read_text()

        # Resume: nothing is run again (a check file on disk is trusted), nothing asked again.
        asked = len(server.requests)
        ctx.new_sandbox = lambda: (_ for _ in ()).throw(AssertionError("no sandbox on resume"))
        again = write_tests(ctx, [Location(file="calc/ops.py", symbol="add")])
        assert [t.model_dump() for t in again] == [t.model_dump() for t in tests]
        assert len(server.requests) == asked and (run.root / "03_tests/issue_001.json").read_text() == saved


# ------------------------------------------------------------------ selection
def test_issue_checks_weigh_more_and_veto_a_candidate_that_fails_them():
    from agent.schema import Candidate, Cell, ExecutionMatrix, RewardScore
    from agent.selection import Weights, decide, rank_candidates, weight_tests

    def cand(cid, count):
        return Candidate(id=cid, diff="d", key=cid, samples=list(range(count)), files=["m.py"])

    # c_wrong passes the model's (wrong) test, has more samples and a better judge score, but fails the
    # issue's own check; c_right passes the issue check and fails the model's invented value.
    cells = [Cell(candidate="c_wrong", test="i000", outcome="fail", origin="issue"),
             Cell(candidate="c_wrong", test="t000", outcome="pass"),
             Cell(candidate="c_right", test="i000", outcome="pass", origin="issue"),
             Cell(candidate="c_right", test="t000", outcome="fail")]
    matrix = ExecutionMatrix(candidates=["c_wrong", "c_right"], tests=["i000", "t000"], cells=cells)
    weights = weight_tests(matrix)
    assert weights["i000"] == pytest.approx(2.0 * weights["t000"])
    assert weight_tests(matrix, Weights(issue_origin=1.0))["i000"] == pytest.approx(weights["t000"])
    rewards = {"c_wrong": RewardScore(candidate="c_wrong", scores=[1.0], mean=1.0),
               "c_right": RewardScore(candidate="c_right", scores=[0.3], mean=0.3)}
    cands = [cand("c_wrong", 3), cand("c_right", 1)]
    assert [r.candidate for r in rank_candidates(cands, matrix, rewards)] == ["c_right", "c_wrong"]
    decision = decide(cands, matrix, rewards, abstain_below=0.0)
    assert decision.candidate == "c_right"
    only_wrong = ExecutionMatrix(candidates=["c_wrong"], tests=["i000", "t000"], cells=cells[:2])
    decision = decide(cands[:1], only_wrong, rewards, abstain_below=0.0)
    assert decision.status == "abstained" and "i000" in decision.diagnosis


def test_check_from_model_code_takes_the_call_only():
    from agent.issue_checks import check_from_code, value_src
    check = check_from_code("from m import f\nx = [1, 2]\nf(x)", value_src("`3`"), (4,))
    assert (check.setup, check.call, check.kind, check.expected, check.source) == \
        (("from m import f", "x = [1, 2]"), "f(x)", "equals", "3", "prose_call")
    for bad in ("f(", "x = f(1)", "eval('1 + 2')", ""):
        with pytest.raises(ValueError):
            check_from_code(bad, "3")
    with pytest.raises(ValueError):
        value_src("`not a value`x")


def test_value_check_whose_model_call_fails_is_reported_not_cached(tmp_path):
    """A model that is down must not silently drop a value check: tests.json says why, and nothing is
    cached, so a resume asks again."""
    from agent.config import SolveConfig
    from agent.budget import Ledger
    from agent.progress import Progress
    from agent.runfolder import RunFolder
    from agent.schema import Issue
    from agent.stages.context import StageContext
    from agent.stages.testgen import value_tests

    class Down:
        def query(self, messages, **kw):
            raise ConnectionError("connection refused")

    issue = Issue(id="x", title="add() gives wrong sums",
                  body="```python\n>>> from calc.ops import add, mul\n>>> add(2, 3)\n-1\n>>> mul(2, 3)\n6\n"
                  ">>> add(1, 1)\n0\n```\nI expected `5` and `2`.\n")
    assert checks_needing_call(f"{issue.title}\n\n{issue.body}")      # the case value_tests handles
    ctx = StageContext(run=RunFolder(tmp_path), config=SolveConfig(), issue=issue, repo_path=tmp_path, commit="0" * 40,
                       ledger=Ledger(None, None), progress=Progress(False), new_sandbox=lambda: None,
                       make_model=lambda *a: Down())
    cases = value_tests(ctx, Down(), code="", limit=2)
    assert cases and all(not c.kept and "model failed: ConnectionError" in c.reason for c in cases)
    assert not list(tmp_path.rglob("value_*.json"))


def test_observed_lines_quote_what_the_issues_own_checks_returned():
    from agent.issue_render import observed_lines
    from agent.prompting import render
    from agent.schema import TestCase
    out = ("F\n___ test_issue_000 ___\n    pytest.fail(f\"{MARK}: celsius_to_fahrenheit(100) returned {result!r}\")\n"
           f"E   Failed: {MARK}: celsius_to_fahrenheit(100) returned 148.0; the issue expects 212.0\n1 failed\n")
    model_out = "E   assert celsius_to_fahrenheit(212) == 100.0\n"
    tests = [TestCase(id="i000", sample=0, path="a.py", content="", command="", original_output=out, kept=True,
                      origin="issue"),
             TestCase(id="i001", sample=1, path="b.py", content="", command="", original_output=out, kept=True,
                      origin="issue"),                               # the same line twice is shown once
             TestCase(id="t000", sample=0, path="c.py", content="", command="", original_output=model_out,
                      kept=True),                                    # a model's test: its values may be invented
             TestCase(id="v000", sample=0, path="d.py", content="", command="", original_output=out.replace("100", "0"),
                      kept=False, origin="issue_value")]             # not kept: not shown
    assert observed_lines(tests) == ["celsius_to_fahrenheit(100) returned 148.0; the issue expects 212.0"]
    assert observed_lines([]) == []
    for name in ("patch", "patch_file", "patch_function"):
        shown = render(name, "user", issue="i", code="c", other_code="", example_path="p.py", allow_commands=False,
                       observed="- f(1) returned 2; the issue expects 3", focus="", focus_path="", focus_caller="")
        assert "run on the current code:\n- f(1) returned 2" in shown, name
        plain = render(name, "user", issue="i", code="c", other_code="", example_path="p.py", allow_commands=False,
                       observed="", focus="", focus_path="", focus_caller="")
        assert "run on the current code" not in plain, name


def test_patch_prompt_shows_the_observed_values_when_asked(tmp_path):
    """patch.observed: every patch sample's first message carries what the issue's check returned."""
    from agent.config import load_config
    from agent.pipeline import generate
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from openai_server import ScriptedOpenAI
    from pipeline_fixtures import ISSUE, Script, make_repo

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
