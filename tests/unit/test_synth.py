"""Task factory, the parts that decide (no Docker): mutations, verdicts, issue text, rows, git, model help.
(Issues from real pytest runs: integration/test_synth_issue_logs.py; the shipped dev set, row by row:
integration/test_synth_devset.py.)"""
import ast
import json
import subprocess

import pytest

from agent.synth import gitrepo, issue, mutate, rows, verdict
from agent.synth.recipe import SynthEnv
from tests.support.paths import DATA

TINY = DATA / "synth" / "tinycalc"

SRC = '''"""Module doc."""


def clamp(x, lo, hi):
    """Doc."""
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


class Window:
    def take(self, items, n=2):
        out = []
        for i in range(n):
            out.append(items[i:i + 1])
        return divmod(n, 3) if n != 0 else None

    def flag(self):
        while False:
            pass
        return True
'''


def test_every_kind_is_one_small_edit_that_parses_and_changes_the_ast():
    ms = mutate.mutants("m.py", SRC)
    assert {m.kind for m in ms} == set(mutate.KINDS)
    for m in ms:
        assert ast.dump(ast.parse(m.source)) != ast.dump(ast.parse(SRC))
        changed = [a for a, b in zip(SRC.splitlines(), m.source.splitlines()) if a != b]
        assert len(changed) == 1 or m.kind == "drop_branch", (m.kind, changed)
    assert len({m.id for m in ms}) == len(ms)
    assert all('"""Doc."""' in m.source for m in ms)      # docstrings are never "constants"
    swap = next(m for m in ms if m.kind == "swap_arguments")
    assert "divmod(3, n)" in swap.source
    drop = next(m for m in ms if m.kind == "drop_branch" and m.line == 6)
    assert "return lo" not in drop.source and "    pass\n    if x > hi:" in drop.source
    assert {m.function for m in ms} == {"clamp", "Window.take", "Window.flag"}


def test_only_covered_lines_are_mutated_and_plan_is_deterministic_round_robin():
    ms = mutate.mutants("m.py", SRC, covered_lines={6, 7})
    assert ms and {m.line for m in ms} == {6, 7}
    full = mutate.mutants("m.py", SRC)
    p1, p2 = mutate.plan(full, seed=3), mutate.plan(list(reversed(full)), seed=3)
    assert [m.id for m in p1] == [m.id for m in p2] and len(p1) == len(full)
    first = [m.function for m in p1[:3]]
    assert len(set(first)) == 3                           # one per function before any repeats
    assert [m.id for m in mutate.plan(full, seed=4)] != [m.id for m in p1]


def test_replace_function_keeps_the_rest_and_rejects_bad_code():
    new = mutate.replace_function(SRC, "Window.flag", "def flag(self):\n    return False\n")
    assert "        return False\n" in new and "def clamp" in new and "while False" not in new
    assert mutate.replace_function(SRC, "Window.flag", "def flag(self):\n  return (\n") is None
    assert mutate.replace_function(SRC, "nope", "def nope(): pass") is None
    assert mutate.function_source(SRC, "Window.take").startswith("def take(self, items, n=2):")


BASE = {"t::a", "t::b", "t::c", "t::d"}


def _run(failing=(), missing=()):
    return {t: ("FAILED" if t in failing else "PASSED") for t in sorted(BASE) if t not in missing}


def test_verdicts():
    kept = verdict.judge(BASE, [_run({"t::a"}), _run({"t::a"})])
    assert kept.kept and kept.fail_to_pass == ["t::a"] and kept.pass_to_pass == ["t::b", "t::c", "t::d"]
    missing = verdict.judge(BASE, [_run(missing={"t::b"}), _run(missing={"t::b"})])
    assert missing.kept and missing.fail_to_pass == ["t::b"]            # a vanished test counts as failing
    assert verdict.judge(BASE, [_run()]).reason == "equivalent"
    assert verdict.judge(BASE, [_run({"t::a"}), _run()]).reason == "flaky"
    assert verdict.judge(BASE, [_run({"t::a"}), _run({"t::a", "t::b"})]).reason == "flaky"
    assert verdict.judge(BASE, [{}]).reason == "no_tests"
    assert verdict.judge(BASE, [_run({"t::a", "t::b", "t::c"})] * 2).reason == "too_broad"
    assert verdict.judge(BASE, [_run({"t::a"})], timed_out=True).reason == "timeout"
    assert verdict.needs_second_run(BASE, _run({"t::a"})) and not verdict.needs_second_run(BASE, _run())
    flaky_base = [_run(), _run({"t::c"})]
    assert verdict.baseline(flaky_base) == BASE - {"t::c"}
    s = verdict.summary([{"kind": "x", "reason": "kept"}, {"kind": "x", "reason": "flaky"},
                         {"kind": "y", "reason": "equivalent"}])
    assert s == {"tried": 3, "kept": 1, "dropped": {"equivalent": 1, "flaky": 1},
                 "by_kind": {"x": {"tried": 2, "kept": 1}, "y": {"tried": 1, "kept": 0}}}


PARAM_SECTION = """
number = '-1', ordinalized = '-1st'

    @pytest.mark.parametrize(("number", "ordinalized"), ORDINAL_NUMBERS)
    def test_ordinalize(number, ordinalized):
>       assert ordinalized == inflection.ordinalize(number)
E       AssertionError: assert '-1st' == None
E        +  where None = <function ordinalize at 0x7f7e4ad396c0>('-1')

test_inflection.py:421: AssertionError
"""


def test_issue_binds_parameters_and_reads_expected_first_assertions():
    f = issue.parse_failure(PARAM_SECTION, "test_ordinalize")
    assert (f.kind, f.call, f.expected, f.actual) == ("mismatch", "inflection.ordinalize('-1')", "'-1st'", "None")
    text = issue.issue_text(f, "inflection", 1)
    assert "print(inflection.ordinalize('-1'))" in text and "test_ordinalize" not in text and "where" not in text


METHOD_SECTION = """
self = <test_six.TestCustomizedMoves object at 0x7ffa97eb28d0>

    def test_remove(self):
        \"\"\"Removing works.\"\"\"
        value = six.moves.eggs
>       assert six.remove_move("eggs") == None
E       TypeError: attribute name must be string, not 'type'

test_six.py:12: TypeError
"""


def test_issue_never_shows_the_test_object_class_or_docstring():
    f = issue.parse_failure(METHOD_SECTION, ("TestCustomizedMoves", "test_remove"))
    text = issue.issue_text(f, "six", 1)
    assert f.setup == ["value = six.moves.eggs"] and f.call == "six.remove_move('eggs')" and f.expected == "None"
    assert "TestCustomizedMoves" not in text and "Removing works" not in text and "TypeError" in text


LOOP_SECTION = """
    def test_compose():
        for (compose_args, args, kw, expected) in generate_compose_test_cases():
>           assert compose(*compose_args)(*args, **kw) == expected
E           AssertionError: assert 0 == 1
E            +  where 0 = <function compose at 0x7f>(*(), **{})

test_functoolz.py:12: AssertionError
"""

CLASS_SECTION = """
    def test_with_metaclass_prepare():
        class Meta(type):
            pass
>       class X(six.with_metaclass(Meta)):
E       TypeError: metaclass.__prepare__() must return a mapping, not NoneType

test_six.py:40: TypeError
"""


def test_issue_snippets_stay_code_that_runs():
    """A failing assert inside the test's `for` stays inside it (it was dedented out of its loop, and "I expected
    `expected`" named one pass's loop variable: the check is shown instead); a failing `class X(...):` line gets a
    body (pytest prints no lines after the failing one). Both snippets parse."""
    f = issue.parse_failure(LOOP_SECTION, "test_compose")
    text = issue.issue_text(f, "toolz", 1)
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    ast.parse(code)
    assert f.kind == "truthiness" and "    print(compose(*compose_args)(*args, **kw) == expected)" in code
    assert "I expected `expected`" not in text
    f = issue.parse_failure(CLASS_SECTION, "test_with_metaclass_prepare")
    code = issue.issue_text(f, "six", 1).split("```python\n", 1)[1].split("```", 1)[0]
    ast.parse(code)
    assert code.splitlines()[-2:] == ["class X(six.with_metaclass(Meta)):", "    ..."]
    # the shape before: a statement at the test body's own level keeps no indentation
    f = issue.parse_failure(PARAM_SECTION, "test_ordinalize")
    assert f.indent == "" and f.kind == "mismatch"


DEFAULTS_SECTION = """
    def test_valid_py3(check_valid=is_valid_args,
                       incomplete=False):
        orig_check_valid = check_valid
        check_valid = lambda _func, *args: orig_check_valid(_func, args)
        f = toolz.curry(make_func('x, y'))
>       assert check_valid(f(x=1))
E       assert None

test_inspect_args.py:320: AssertionError
"""


def test_test_defaults_are_assigned_and_a_truthiness_check_prints_a_bool():
    """pytest runs `def test_x(check_valid=is_valid_args)` with its defaults: the snippet assigns the ones it reads
    first (a signature over two lines too; `incomplete` is not read). The failing truthiness assert is printed as a
    bool, "It prints `False`, but I expected `True`", which the issue-check reader turns into a value check."""
    f = issue.parse_failure(DEFAULTS_SECTION, "test_valid_py3")
    assert f.setup[0] == "check_valid = is_valid_args" and not any("incomplete" in ln for ln in f.setup)
    from agent.synth.params import defaults      # the snippet's lines need not parse alone (a loop's header)
    assert defaults(["def test_x(check=is_valid, n=3):"], "for i in range(n):\nassert check(i)") == \
        {"check": "is_valid", "n": "3"}
    assert (f.kind, f.call, f.actual) == ("truthiness", "bool(check_valid(f(x=1)))", "False")
    text = issue.issue_text(f, "toolz", 1)
    assert "print(bool(check_valid(f(x=1))))" in text and "It prints `False`, but I expected `True`." in text
    from agent.issue_checks import extract_checks
    [check] = extract_checks(text)
    assert (check.call, check.kind, check.expected) == ("bool(check_valid(f(x=1)))", "equals", "True")
    # a comparison prints a bool itself; inside a loop the check is shown as before
    f = issue.parse_failure(DEFAULTS_SECTION.replace("assert check_valid(f(x=1))", "assert check_valid(f(x=1)) is True"),
                            "test_valid_py3")
    assert f.call == "check_valid(f(x=1)) is True"
    f = issue.parse_failure(LOOP_SECTION, "test_compose")
    assert f.actual == "0" and "I expected this to print True" in issue.issue_text(f, "toolz", 1)


def test_row_shape_and_split():
    rec = {"id": "abc", "kind": "flip_comparison", "path": "p.py", "function": "f", "line": 3, "description": "d"}
    row = rows.make_row(project="proj", version="1.0", original="o" * 40, bug_commit="b" * 40, patch="diff",
                        problem="report", fail_to_pass=["t::a"], pass_to_pass=["t::b"], env=SynthEnv(), mutant=rec,
                        source="pypi sdist proj==1.0")
    assert row["instance_id"] == "synth__proj-abc" and row["repo"] == "synth/proj"
    assert row["base_commit"] == "b" * 40 and row["test_patch"] == ""
    assert json.loads(row["FAIL_TO_PASS"]) == ["t::a"] and json.loads(row["PASS_TO_PASS"]) == ["t::b"]
    assert row["env_spec"]["test_cmd"].startswith("pytest -rA") and row["env_spec"]["log_parser"] == "pytest"
    assert row["synth"]["split"] == rows.split_of("synth__proj-abc") in ("train", "test")
    splits = [rows.split_of(f"synth__p-{i}") for i in range(200)]
    assert 70 < splits.count("train") < 130


def test_git_commits_are_single_root_commits_and_travel_as_a_bundle(tmp_path):
    from agent.evaluation import mirror
    git_dir = gitrepo.init_mirror(tmp_path / "m")
    base = gitrepo.import_tree(git_dir, TINY)
    assert base == gitrepo.import_tree(git_dir, TINY)                 # same files, same commit
    src = gitrepo.read(git_dir, base, "calc/core.py")
    bug = gitrepo.commit_with(git_dir, base, "calc/core.py", src.replace("a + b", "a - b"), "refs/synth/x")
    patch = gitrepo.diff(git_dir, bug, base)
    assert "-    return a - b\n+    return a + b" in patch
    bundle = gitrepo.bundle(git_dir, tmp_path / "tinycalc.bundle")
    mirrors = tmp_path / "mirrors"
    gitrepo.unbundle(bundle, mirrors / "synth+tinycalc")
    found = mirror.find_mirror(mirrors, "synth/tinycalc")
    mirror.checkout(found, bug, tmp_path / "co")
    log = subprocess.run(["git", "-C", str(tmp_path / "co"), "log", "--format=%H %s"], capture_output=True,
                         text=True).stdout.splitlines()
    assert log == [f"{bug} {gitrepo.MESSAGE}"]                         # no history reveals the change
    applied = subprocess.run(["git", "-C", str(tmp_path / "co"), "apply", "-"], input=patch, text=True)
    assert applied.returncode == 0 and (tmp_path / "co" / "calc" / "core.py").read_text() == src


def test_model_mutants_and_issue_rewrite_with_litellm_mock(tmp_path):
    from agent.model.base import ModelConfig
    from agent.model.client import LiteLLMModel
    from agent.synth import llm
    git_dir = gitrepo.init_mirror(tmp_path / "m")
    base = gitrepo.import_tree(git_dir, TINY)
    plan = [m for m in mutate.mutants("calc/core.py", gitrepo.read(git_dir, base, "calc/core.py")) if m.function == "add"]
    reply = "Here:\n```python\ndef add(a, b):\n    return a + b + 1\n```\n"
    model = LiteLLMModel(ModelConfig(name="openai/x", mock_response=reply, retries=0))
    got = llm.model_mutants(model, git_dir, base, plan, 1, "tinycalc")
    assert len(got) == 1 and got[0].kind == "llm" and "return a + b + 1" in got[0].source
    assert llm.parse_rewrite(got[0].source, "add", "no code") is None
    f = issue.Failure(setup=[], statement="assert add(2, 3) == 5", error=["assert -1 == 5"], call="add(2, 3)", expected="5",
                      actual="-1", kind="mismatch")
    good = "add(2, 3) is wrong\n\n`add(2, 3)` gives -1 where 5 was expected."
    assert llm.rewrite_issue(LiteLLMModel(ModelConfig(name="openai/x", mock_response=good, retries=0)),
                             "template", f, "tinycalc", ["tests/test_core.py::test_add"]) == good + "\n"
    leaky = good + " (see test_add)"
    assert llm.rewrite_issue(LiteLLMModel(ModelConfig(name="openai/x", mock_response=leaky, retries=0)),
                             "template", f, "tinycalc", ["tests/test_core.py::test_add"]) == "template"
    # One failed answer keeps the template; a model that refuses every call (a bad key) stops synth instead
    # of being asked, and failing, once per kept mutant.
    from agent.model._litellm import litellm
    from agent.model.base import ModelUnavailable
    bad = litellm.BadRequestError("too long", llm_provider="openai", model="x")
    assert llm.rewrite_issue(LiteLLMModel(ModelConfig(name="openai/x", mock_response=bad, retries=0)),
                             "template", f, "tinycalc", []) == "template"
    refused = litellm.AuthenticationError("bad key", llm_provider="openai", model="x")
    with pytest.raises(ModelUnavailable):
        llm.rewrite_issue(LiteLLMModel(ModelConfig(name="openai/x", mock_response=refused, retries=0)),
                          "template", f, "tinycalc", [])
    with pytest.raises(ModelUnavailable):
        llm.model_mutants(LiteLLMModel(ModelConfig(name="openai/x", mock_response=refused, retries=0)),
                          git_dir, base, plan, 1, "tinycalc")


def test_a_project_pip_cannot_install_is_refused_before_any_image_build(tmp_path):
    """A plain folder on disk, and a git repository whose commit has no setup.py / pyproject.toml: a clear
    error instead of a Docker build that fails minutes later with its whole log."""
    from typer.testing import CliRunner
    from agent.cli import app
    from agent.synth import runner
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text("x = 1\n")
    out = CliRunner().invoke(app, ["synth", "--repo", str(plain), "-n", "1", "-o", str(tmp_path / "t.jsonl")])
    assert out.exit_code == 2 and "has no setup.py or pyproject.toml" in out.output
    assert not (tmp_path / "t.synth").exists()
    subprocess.run(["git", "init", "-q"], cwd=plain, check=True)
    subprocess.run(["git", "add", "-A"], cwd=plain, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], cwd=plain, check=True)
    opts = runner.SynthOptions(project="plain", version="0", source=plain, ref="HEAD", n=1,
                               output=tmp_path / "g.jsonl", env=SynthEnv(), log=lambda m: None)
    with pytest.raises(ValueError, match="no setup.py or pyproject.toml at its root"):
        runner.synthesize(opts, client=None)      # no engine needed: refused before the image build


TEST_MODULE = '''import pytest
from operator import add
import toolz
from toolz import merge, unique as uniq
from toolz.functoolz import *

RATE = 2


def inc(x):
    return add(x, 1)


@pytest.fixture
def data():
    return [1, 2]


class AlwaysEquals:
    def __eq__(self, other):
        return True


def test_thread():
    assert thread_first(2, inc) == 3
'''


def test_a_report_snippet_carries_the_imports_and_helpers_it_uses():
    """The test module's imports of the names the snippet reads and its own helpers (with what they use in turn),
    in module order; never pytest, fixtures, tests, star imports or names the snippet binds before reading."""
    from agent.synth.snippet_context import context_lines
    code = "orig = merge\nmerge = lambda *d: orig(*d)\nprint(uniq([inc(RATE), AlwaysEquals()], key=toolz.identity))"
    assert context_lines(TEST_MODULE, code) == [
        "from operator import add", "import toolz", "from toolz import merge", "from toolz import unique as uniq",
        "RATE = 2", "def inc(x):", "    return add(x, 1)", "class AlwaysEquals:", "    def __eq__(self, other):",
        "        return True"]
    assert context_lines(TEST_MODULE, "x = data\ny = [v for v in x]") == []     # a fixture is not a helper
    assert context_lines(TEST_MODULE, "print(inc(1))", banned=("test_thread", "inc")) == []   # would name it
    assert context_lines("def broken(:\n", "print(inc(1))") == [] and context_lines(TEST_MODULE, "print(") == []
    from agent.synth.snippet_context import MAX_HELPER_LINES
    big = TEST_MODULE + "\n\ndef huge():\n" + "    x = 1\n" * MAX_HELPER_LINES
    assert context_lines(big, "print(huge(), merge({}))") == ["from toolz import merge"]


def test_a_test_class_value_read_as_self_attribute_is_written_out():
    """A user has no `self`: `self.D` / `self.kw` of a test method become the class's values (its own first, then
    its bases' in the same module), and what those name comes along as context."""
    from agent.synth.params import bind_self, class_attributes
    source = ("from collections import OrderedDict\n\n\nclass TestDict:\n    D = dict\n    kw = {}\n\n"
              "    def test_x(self):\n        pass\n\n\nclass TestOrdered(TestDict):\n    kw = {'factory': lambda: OrderedDict()}\n")
    attrs = class_attributes(source, "TestOrdered")
    assert attrs == {"kw": "{'factory': lambda: OrderedDict()}", "D": "dict"}
    assert bind_self(["D, kw = self.D, self.kw", "self.Dx = 1"], attrs) == [
        "D, kw = dict, {'factory': lambda: OrderedDict()}", "self.Dx = 1"]
    assert bind_self(["f(self.g)"], {"g": "lambda x: x"}) == ["f((lambda x: x))"]
    section = """
self = <test_d.TestOrdered object at 0x7f>

    def test_filter(self):
        D, kw = self.D, self.kw
>       assert keyfilter(iseven, D({1: 2, 2: 3}), **kw) == D({2: 3})
E       AssertionError: assert None == {2: 3}

test_d.py:9: AssertionError
"""
    log = "= FAILURES =\n___ TestOrdered.test_filter ___\n" + section + "= short test summary info =\n"
    f = issue.describe(["test_d.py::TestOrdered::test_filter"], log, read=lambda path: source)
    assert f is not None and "self" not in "\n".join(f.setup) and "from collections import OrderedDict" in f.setup
    assert "TestOrdered" not in issue.issue_text(f, "toolz", 1)
